import Formats
import HWCore

/// A float operand taken apart inline, in its own module: the fields and flags the float blocks
/// compute with. Named wires: `<name>_sign`, `<name>_exp`, `<name>_sig`, `<name>_inf`, `<name>_nan`.
struct FloatOperand {
    /// The sign bit.
    let sign: Signal
    /// The effective biased exponent, UInt(exponentBits): the field, or 1 for a zero or a
    /// subnormal (whose significand has no hidden bit), so value = sig · 2^(exp − bias − fractionBits).
    let exponent: Signal
    /// The significand, UInt(precision): the hidden bit (exponent field ≠ 0) above the fraction.
    /// Under flush-to-zero a subnormal's significand is 0: it reads as a zero of its sign.
    let significand: Signal
    /// ±Inf.
    let isInf: Signal
    /// NaN, quiet or signaling.
    let isNaN: Signal

    /// Decodes `x`, which must be UInt(format.width).
    init(_ x: Signal, format: FloatFormat, subnormals: SubnormalMode, name: String, file: String, line: Int) throws {
        guard x.width == format.width, !x.isSigned else {
            throw HWLibError("float operand '\(name)' at \(file):\(line): \(format) needs UInt(\(format.width)), got \(x.type)")
        }
        let mod = x.owner
        func wire(_ n: String, _ v: Signal) -> Signal { mod.wire(name + "_" + n, v, file: file, line: line) }
        let fb = format.fractionBits
        let field = x.bits(fb...(format.width - 2), file: file, line: line)
        let fraction = x.bits(0...(fb - 1), file: file, line: line)
        let fieldZero = field == 0
        let fieldOnes = field.andReduce()
        let fractionZero = fraction == 0
        sign = wire("sign", x.msb)
        exponent = wire("exp", mux(fieldZero, mod.const(1, field.type, file: file, line: line), field))
        switch subnormals {
        case .ieee:
            significand = wire("sig", cat(!fieldZero, fraction))
        case .flushToZero:
            significand = wire("sig", mux(fieldZero, mod.const(0, .uint(format.precision), file: file, line: line), cat(mod.trueSignal, fraction)))
        }
        isInf = wire("inf", fieldOnes && fractionZero)
        isNaN = wire("nan", fieldOnes && !fractionZero)
    }
}
