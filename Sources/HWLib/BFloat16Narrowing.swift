import Formats
import HWCore

/// fp32 → bf16 narrowing in hardware, the rule of ``Formats/BFloat16/init(_:)``: round to nearest,
/// ties to even (overflow rounds to ±Inf, an fp32 subnormal rounds like any other value); a NaN
/// keeps its sign and top fraction bits with the quiet bit set. Under
/// ``Formats/SubnormalMode/flushToZero`` a subnormal result becomes a zero of its sign (as the
/// float blocks flush their results). Combinational.
public enum BFloat16Narrowing {
    /// Builds the narrowing inline in the module owning `x` (UInt(32), an fp32 pattern) and
    /// returns the UInt(16) bf16 pattern. Wires are named `<name>_...`.
    public static func narrow(_ x: Signal, subnormals: SubnormalMode, name: String,
                              file: String = #fileID, line: Int = #line) -> Signal {
        let mod = x.owner
        func wire(_ n: String, _ v: Signal) -> Signal { mod.wire(name + "_" + n, v, file: file, line: line) }
        // Adding 0x7FFF plus the kept half's lowest bit rounds half to even: a remainder above
        // 0x8000 always carries, exactly 0x8000 only when the kept half is odd. A carry out of
        // the fraction increments the exponent, right at the top (the largest finite value
        // rounds to Inf) and at the bottom (subnormal to normal). Only a NaN can carry out of
        // 32 bits, and a NaN takes the other branch.
        let bias = mod.const(0x7FFF, .uint(32), file: file, line: line) &+ x.bit(16).extended(to: 32)
        let rounded = (x &+ bias).bits(16...31)
        let isNaN = wire("nan", x.bits(23...30) == 0xFF && x.bits(0...22) != 0)
        let out = mux(isNaN, x.bits(16...31) | 0x0040, rounded)
        guard subnormals == .flushToZero else { return wire("bf16", out) }
        let r = wire("rounded", out)
        let flushed = cat(r.bit(15), mod.const(0, .uint(15), file: file, line: line))
        return wire("bf16", mux(r.bits(7...14) == 0, flushed, r))
    }
}
