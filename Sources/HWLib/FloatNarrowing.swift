import Formats
import HWCore

/// fp32 → bf16 / fp16 narrowing in hardware, bit-exact with
/// ``Formats/FloatFormat/narrowed(fromFP32:subnormals:)``: round to nearest, ties to even,
/// overflow to ±Inf, subnormal results per ``Formats/SubnormalMode`` (flushed to a zero of their
/// sign after rounding under FTZ). bf16 is ``BFloat16Narrowing`` (a NaN keeps its payload's top
/// bits); fp16 runs the float blocks' back end (``FloatRounder``) on the fp32 operand, so a NaN
/// becomes the canonical 0x7E00 and an fp32 value below fp16's normal range is right-shifted
/// onto the subnormal grid with its lost bits as sticky. Combinational.
public enum FloatNarrowing {
    /// Builds the narrowing inline in the module owning `x` (UInt(32), an fp32 pattern) and returns
    /// the UInt(`format.width`) pattern. Wires are named `<name>_...`.
    public static func narrow(_ x: Signal, to format: FloatFormat, subnormals: SubnormalMode, name: String,
                              file: String = #fileID, line: Int = #line) throws -> Signal {
        guard x.width == 32, !x.isSigned else {
            throw HWLibError("float narrowing '\(name)' at \(file):\(line): needs an fp32 pattern, UInt(32), got \(x.type)")
        }
        let mod = x.owner
        switch format {
        case .bf16:
            return BFloat16Narrowing.narrow(x, subnormals: subnormals, name: name, file: file, line: line)
        case .fp32:
            guard subnormals == .flushToZero else { return x }
            let flushed = cat(x.msb, mod.const(0, .uint(31), file: file, line: line))
            return mod.wire(name + "_fp32", mux(x.bits(23...30) == 0, flushed, x), file: file, line: line)
        case .fp16:
            // The operand's significand (hidden bit on top, 24 bits) is worth
            // sig · 2^(e − 127 − 23): its top bit's biased fp16 exponent is e − 127 + 15.
            let op = try FloatOperand(x, format: .fp32, subnormals: subnormals, name: name + "_in", file: file, line: line)
            let exp = mod.wire(name + "_exp", op.exponent.extended(to: 9, file: file, line: line).asSigned
                &+ mod.const(FloatFormat.fp16.bias - FloatFormat.fp32.bias, .sint(10), file: file, line: line), file: file, line: line)
            let n = FloatRounder.normalize(sig: op.significand, exp: exp, sticky: mod.falseSignal, name: name + "_norm", file: file, line: line)
            let mag = FloatRounder.roundPack(n, format: .fp16, name: name + "_rnd", file: file, line: line)
            let out = FloatRounder.select(sign: op.sign, magnitude: mag, nan: op.isNaN, inf: op.isInf, format: .fp16,
                                          subnormals: subnormals, file: file, line: line)
            return mod.wire(name + "_fp16", out, file: file, line: line)
        }
    }
}
