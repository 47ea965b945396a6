import Formats
import HWCore
import HWLib

/// The float update unit's arithmetic for one weight (the golden `SparseModel.FloatWeightUpdate`):
/// fp32 master m, fp32 gradient dW, each operation an fp32 block rounded to nearest even with
/// the PE's subnormal handling, in this order:
///
///     step  = dW × 2^−lrShift                     (FloatMultiplier, fp32 × fp32)
///     decay = m × 2^−decayShift                   (only with a decay shift)
///     a     = pruned ? m − decay : m              (FloatAdder on the negated decay)
///     m'    = a − step                            (FloatAdder on the negated step)
///
/// Negating flips the sign bit, so x − y is exactly IEEE's x + (−y). The compute copy
/// (bf16 of m) and the mask come from the update unit. Combinational (the unit registers m').
enum FloatUpdateRow {
    /// The fp32 pattern of 2^−s: exponent field 127 − s, fraction 0 (a normal number for s ≤ 126).
    static func powerOfTwo(minus s: Int) -> Int { (127 - s) << 23 }

    /// m' (SInt(32)) of master `master` (SInt(32)) and gradient `gradient` (SInt(32)); wires
    /// named `<name>_...`.
    static func updated(master: Signal, gradient: Signal, pruned: Signal, weights: WeightNumerics, subnormals: SubnormalMode,
                        name: String) throws -> Signal {
        let mod = master.owner
        let mul = FloatMultiplier.Config(format: .fp32, subnormals: subnormals)
        let add = FloatAdder.Config(subnormals: subnormals)
        let sign = mod.const(1 << 31, .uint(32))
        let m = master.asUInt
        let step = try FloatMultiplier.multiply(gradient.asUInt, mod.const(powerOfTwo(minus: weights.lrShift), .uint(32)), mul, name: name + "_step")
        var a = m
        if let s = weights.decayShift {
            let decay = try FloatMultiplier.multiply(m, mod.const(powerOfTwo(minus: s), .uint(32)), mul, name: name + "_decay")
            let decayed = try FloatAdder.add(m, decay ^ sign, add, name: name + "_sub_decay")
            a = mod.wire(name + "_a", mux(pruned, decayed, m))
        }
        return try FloatAdder.add(a, step ^ sign, add, name: name + "_sub_step").asSInt
    }
}
