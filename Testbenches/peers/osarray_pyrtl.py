# hwgen's dense output-stationary array (osarray, 16x16 by default) in PyRTL (a peer HDL), osarray_hand's ports, one flat module.
# Usage: python osarray_pyrtl.py N OUT.v
import sys, pyrtl
R = C = int(sys.argv[1]) if len(sys.argv) > 1 else 16
DW, AW = 8, 32
rst = pyrtl.Input(1, 'rst')
in_row = pyrtl.Input(R * DW, 'in_row'); in_col = pyrtl.Input(C * DW, 'in_col')
in_valid = pyrtl.Input(R, 'in_valid'); in_last = pyrtl.Input(R, 'in_last')
rd_row = pyrtl.Input(max(1, (R - 1).bit_length()), 'rd_row')
rd_data = pyrtl.Output(C * AW, 'rd_data'); tile_done = pyrtl.Output(1, 'tile_done')
def reg(w, nm, nxt, reset=True):
    r = pyrtl.Register(w, nm)
    r.next <<= pyrtl.select(rst, pyrtl.Const(0, w), nxt) if reset else nxt
    return r
a = [[None] * (C + 1) for _ in range(R)]; l = [[None] * (C + 1) for _ in range(R)]
b = [[None] * C for _ in range(R + 1)]; res = [[None] * C for _ in range(R)]
for r in range(R):
    a[r][0] = pyrtl.select(in_valid[r], in_row[r * DW:(r + 1) * DW], pyrtl.Const(0, DW))
    l[r][0] = in_valid[r] & in_last[r]
for c in range(C):
    b[0][c] = in_col[c * DW:(c + 1) * DW]
for r in range(R):
    for c in range(C):
        prod = pyrtl.signed_mult(a[r][c], b[r][c])          # 16 bits
        term = prod.sign_extended(AW)
        a[r][c + 1] = reg(DW, f'a_{r}_{c}', a[r][c])
        b[r + 1][c] = reg(DW, f'b_{r}_{c}', b[r][c])
        l[r][c + 1] = reg(1, f'l_{r}_{c}', l[r][c])
        acc = pyrtl.Register(AW, f'acc_{r}_{c}')
        acc.next <<= pyrtl.select(rst, pyrtl.Const(0, AW), (pyrtl.select(l[r][c + 1], pyrtl.Const(0, AW), acc) + term)[:AW])
        result = pyrtl.Register(AW, f'res_{r}_{c}')
        result.next <<= pyrtl.select(l[r][c + 1], acc, result)
        res[r][c] = result
outs = []
for c in range(C):
    q = pyrtl.Register(AW, f'rd_q_{c}')
    q.next <<= pyrtl.mux(rd_row, *[res[r][c] for r in range(R)])
    outs.append(q)
rd_data <<= pyrtl.concat_list(outs)
done = reg(1, 'done_q', l[R - 1][C]); tile_done <<= done
with open(sys.argv[2], 'w') as f:
    pyrtl.output_to_verilog(f, add_reset=False, module_name='osarray_pyrtl')
