# hwgen's dense output-stationary array (osarray, 16x16 by default) in Amaranth 0.5 (a peer HDL),
# osarray_hand's ports, emitted as one flat Verilog module. Usage: python osarray_amaranth.py N OUT.v
import sys
from amaranth import *
from amaranth.back import verilog

R = C = int(sys.argv[1]) if len(sys.argv) > 1 else 16
DW, AW = 8, 32

class OSArray(Elaboratable):
    def __init__(self):
        self.in_row = Signal(R * DW)
        self.in_col = Signal(C * DW)
        self.in_valid = Signal(R)
        self.in_last = Signal(R)
        self.rd_row = Signal(range(R))
        self.rd_data = Signal(C * AW)
        self.tile_done = Signal()

    def elaborate(self, platform):
        m = Module()
        a = [[Signal(signed(DW), name=f"a_{r}_{c}") for c in range(C + 1)] for r in range(R)]
        l = [[Signal(name=f"l_{r}_{c}") for c in range(C + 1)] for r in range(R)]
        b = [[Signal(signed(DW), name=f"b_{r}_{c}") for c in range(C)] for r in range(R + 1)]
        res = [[Signal(signed(AW), name=f"res_{r}_{c}") for c in range(C)] for r in range(R)]
        for r in range(R):
            m.d.comb += a[r][0].eq(Mux(self.in_valid[r], self.in_row[r * DW:(r + 1) * DW].as_signed(), 0))
            m.d.comb += l[r][0].eq(self.in_valid[r] & self.in_last[r])
        for c in range(C):
            m.d.comb += b[0][c].eq(self.in_col[c * DW:(c + 1) * DW].as_signed())
        for r in range(R):
            for c in range(C):
                acc = Signal(signed(AW), name=f"acc_{r}_{c}")
                prod = a[r][c] * b[r][c]
                # a/b/last hop registers reset to 0 (sync reset); acc restarts after a last beat.
                m.d.sync += [a[r][c + 1].eq(a[r][c]), b[r + 1][c].eq(b[r][c]), l[r][c + 1].eq(l[r][c])]
                m.d.sync += acc.eq(Mux(l[r][c + 1], 0, acc) + prod)
                with m.If(l[r][c + 1]):
                    m.d.sync += res[r][c].eq(acc)
        for c in range(C):
            col = Array([res[r][c] for r in range(R)])
            q = Signal(signed(AW), name=f"rd_q_{c}", reset_less=True)
            m.d.sync += q.eq(col[self.rd_row])
            m.d.comb += self.rd_data[c * AW:(c + 1) * AW].eq(q)
        done = Signal()
        m.d.sync += done.eq(l[R - 1][C])
        m.d.comb += self.tile_done.eq(done)
        return m

top = OSArray()
# Amaranth's sync domain: clk and rst (synchronous reset), as the other builds.
text = verilog.convert(top, name="osarray_amaranth", ports=[top.in_row, top.in_col, top.in_valid, top.in_last, top.rd_row, top.rd_data, top.tile_done],
                       emit_src=False)
open(sys.argv[2], "w").write(text)
