"""cocotb throughput test for the 16x16 output-stationary array (osarray_r16_c16_d8_a32).

Drives the DUT with the benchmark stimulus file, one cycle at a time, in plain cocotb style
(assign `dut.<port>.value`, toggle `clk` by hand, await a Timer after each half cycle, read
`dut.rd_data.value`). Only the cycle loop is timed.

Environment:
  OSARRAY_STIM     stimulus file (default /tmp/hwgen-bench-stim.bin): little-endian uint32 words,
                   12 per cycle: rst, in_row[4], in_col[4], in_valid, in_last, rd_row (least
                   significant word first for the 128-bit ports)
  OSARRAY_CYCLES   number of cycles to run (default 20000)
  OSARRAY_RATE_OUT file that receives the measured cycles/s as one number (optional)
  OSARRAY_ROWS_OUT file that receives rd_data per cycle as 16 little-endian uint32 words,
                   least significant first (optional)
"""

import os
import time

import cocotb
from cocotb.triggers import Timer

WORDS_PER_CYCLE = 12
BYTES_PER_CYCLE = WORDS_PER_CYCLE * 4
ROW_OUT_BYTES = 64  # 512 bits = 16 uint32 words


def load_stimulus(path, cycles):
    with open(path, "rb") as f:
        data = f.read(cycles * BYTES_PER_CYCLE)
    available = len(data) // BYTES_PER_CYCLE
    if available < cycles:
        raise ValueError(f"{path} holds {available} cycles, {cycles} requested")
    return data


@cocotb.test()
async def osarray_throughput(dut):
    stim_path = os.environ.get("OSARRAY_STIM", "/tmp/hwgen-bench-stim.bin")
    cycles = int(os.environ.get("OSARRAY_CYCLES", "20000"))
    rate_path = os.environ.get("OSARRAY_RATE_OUT", "")
    rows_path = os.environ.get("OSARRAY_ROWS_OUT", "")

    stim = load_stimulus(stim_path, cycles)
    rows = bytearray()
    half_period = Timer(1, units="ns")

    def word(off):
        return int.from_bytes(stim[off:off + 4], "little")

    t0 = time.perf_counter()
    for c in range(cycles):
        off = c * BYTES_PER_CYCLE
        # 1. write all inputs
        dut.rst.value = word(off)
        dut.in_row.value = int.from_bytes(stim[off + 4:off + 20], "little")
        dut.in_col.value = int.from_bytes(stim[off + 20:off + 36], "little")
        dut.in_valid.value = word(off + 36) & 0xFFFF
        dut.in_last.value = word(off + 40) & 0xFFFF
        dut.rd_row.value = word(off + 44) & 15
        # 2. clock low, let the simulator evaluate
        dut.clk.value = 0
        await half_period
        # 3. sample the 512-bit output
        rows += dut.rd_data.value.integer.to_bytes(ROW_OUT_BYTES, "little")
        # 4. clock high (rising edge), let the simulator evaluate
        dut.clk.value = 1
        await half_period
    elapsed = time.perf_counter() - t0

    rate = cycles / elapsed
    dut._log.info("%d cycles in %.3f s: %.1f cycles/s", cycles, elapsed, rate)
    if rate_path:
        with open(rate_path, "w") as f:
            f.write(f"{rate:.1f}\n")
    if rows_path:
        with open(rows_path, "wb") as f:
            f.write(rows)
