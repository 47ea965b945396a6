# hwgen's dense output-stationary array (osarray, 16x16 by default) in Migen (a peer HDL), osarray_hand's ports, one flat module.
# Usage: python osarray_migen.py N OUT.v
import sys
from migen import *
from migen.fhdl import verilog
R = C = int(sys.argv[1]) if len(sys.argv) > 1 else 16
DW, AW = 8, 32
class OSArray(Module):
    def __init__(self):
        self.in_row = Signal(R * DW); self.in_col = Signal(C * DW)
        self.in_valid = Signal(R); self.in_last = Signal(R)
        self.rd_row = Signal(max(1, (R - 1).bit_length())); self.rd_data = Signal(C * AW); self.tile_done = Signal()
        a = [[Signal((DW, True), name=f"a_{r}_{c}") for c in range(C + 1)] for r in range(R)]
        l = [[Signal(name=f"l_{r}_{c}") for c in range(C + 1)] for r in range(R)]
        b = [[Signal((DW, True), name=f"b_{r}_{c}") for c in range(C)] for r in range(R + 1)]
        res = [[Signal((AW, True), name=f"res_{r}_{c}") for c in range(C)] for r in range(R)]
        for r in range(R):
            self.comb += a[r][0].eq(Mux(self.in_valid[r], self.in_row[r * DW:(r + 1) * DW], 0))
            self.comb += l[r][0].eq(self.in_valid[r] & self.in_last[r])
        for c in range(C):
            self.comb += b[0][c].eq(self.in_col[c * DW:(c + 1) * DW])
        for r in range(R):
            for c in range(C):
                acc = Signal((AW, True), name=f"acc_{r}_{c}")
                self.sync += [a[r][c + 1].eq(a[r][c]), b[r + 1][c].eq(b[r][c]), l[r][c + 1].eq(l[r][c]),
                              acc.eq(Mux(l[r][c + 1], 0, acc) + a[r][c] * b[r][c]),
                              If(l[r][c + 1], res[r][c].eq(acc))]
        for c in range(C):
            q = Signal((AW, True), name=f"rd_q_{c}", reset_less=True)
            self.sync += q.eq(Array([res[r][c] for r in range(R)])[self.rd_row])
            self.comb += self.rd_data[c * AW:(c + 1) * AW].eq(q)
        done = Signal(); self.sync += done.eq(l[R - 1][C]); self.comb += self.tile_done.eq(done)
m = OSArray()
v = verilog.convert(m, ios={m.in_row, m.in_col, m.in_valid, m.in_last, m.rd_row, m.rd_data, m.tile_done}, name="osarray_migen")
# Migen's sync domain: sys_clk and sys_rst (synchronous reset): renamed to the others' clk and rst.
open(sys.argv[2], "w").write(str(v).replace("sys_clk", "clk").replace("sys_rst", "rst"))
