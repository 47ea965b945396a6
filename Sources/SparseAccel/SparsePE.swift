import HWCore
import HWLib

/// The unified dense / N:M processing element of the SAT array (output stationary).
///
/// Contract (one clock, synchronous active-high reset):
/// * `in_w` (N x SInt d, packed, lane 0 in the low bits) and `in_idx` (N x UInt ⌈log2 M⌉): the
///   compressed sparse operand for this cycle (broadcast along the PE row).
/// * `in_x` (M x SInt d, packed): a group of M elements of the dense operand, arriving from the
///   north; `out_x` passes it south through one register.
/// * `mode`: 1 = sparse: lane j multiplies `in_w[j]` by `in_x[in_idx[j]]` (N M:1 multiplexers),
///   consuming a group of M dense elements per cycle; 0 = dense: the multiplexers are identity,
///   lane j multiplies `in_w[j]` by `in_x[j]` (N elements per cycle; lanes N..M-1 unused).
/// * Each enabled cycle: acc += Σ_j product_j (products exact, the adder tree exact, the
///   accumulator wrapping at accWidth). `clear` zeroes acc and takes priority.
public enum SparsePE {
    public static func build(_ cfg: SATConfig) -> Module {
        let mod = Module(cfg.peName)
        mod.doc = "Unified dense/\(cfg.n):\(cfg.m) PE: \(cfg.n) multipliers fed by \(cfg.m):1 index multiplexers, an adder tree, an accumulator."
        let d = BitsType.sint(cfg.dataWidth)
        let w = mod.input("in_w", d, count: cfg.n)
        let idx = mod.input("in_idx", .uint(cfg.indexBits), count: cfg.n)
        let x = mod.input("in_x", d, count: cfg.m)
        let mode = mod.input("mode", .bool)
        let en = mod.input("en", .bool)
        let clear = mod.input("clear", .bool)
        let outX = mod.output("out_x", d, count: cfg.m)
        let acc = mod.output("acc", .sint(cfg.accWidth))

        for i in 0..<cfg.m {
            outX[i].assign(mod.reg("x_q_\(i)", next: x[i], reset: 0, enable: en))
        }
        var products: [Signal] = []
        for j in 0..<cfg.n {
            // Sparse: the kept entry's index picks its dense element; dense: identity.
            let picked = mod.wire("sel_\(j)", mux(mode, x[idx[j]], x[j]))
            products.append(mod.wire("prod_\(j)", w[j] * picked))
        }
        let sum = mod.wire("sum", AdderTree.sum(products)!)
        let accQ = mod.reg("acc_q", .sint(cfg.accWidth), reset: 0)
        mod.when(clear) {
            accQ.assign(0)
        }.elseWhen(en) {
            accQ.assign(accQ &+ sum.extended(to: cfg.accWidth))
        }
        acc.assign(accQ)
        return mod
    }
}
