import Formats

/// The golden model of the float blocks: Swift's own IEEE 754 arithmetic (`Float`, `Float16`,
/// ``Formats/BFloat16``), one operation per call, in the same order of operations as the hardware.
/// Results are compared with the RTL bit for bit.
///
/// Rules shared with the hardware (`HWLib.FloatMultiplier`, `HWLib.FloatAdder`):
/// * rounding is to nearest, ties to even (Swift's and the CPU's default);
/// * every NaN result is the canonical quiet NaN 0x7FC00000. The CPU propagates an input NaN's
///   payload (and x86 makes Inf − Inf negative, 0xFFC00000), so the model canonicalises each NaN
///   it gets from Swift: the bits differ from Swift's there, by this stated rule;
/// * ``SubnormalMode/flushToZero`` flushes subnormal inputs to zeros of their sign before the
///   operation and a subnormal result (after IEEE rounding) to a zero of its sign.
public enum FloatReference {
    /// The exact value of a `format` bit pattern as a `Float` (every bf16 and fp16 value is an fp32
    /// value), after the input flush of `subnormals`.
    public static func value(_ bits: UInt32, _ format: FloatFormat, subnormals: SubnormalMode = .ieee) -> Float {
        let b = subnormals == .flushToZero ? format.flushingSubnormal(bits) : bits & format.storageMask
        switch format {
        case .fp32: return Float(bitPattern: b)
        case .bf16: return Float(BFloat16(bitPattern: UInt16(b)))
        case .fp16: return Float(Float16(bitPattern: UInt16(b)))
        }
    }

    /// The fp32 bits of an operation's result: NaN canonicalised, subnormals flushed under FTZ.
    public static func result(_ f: Float, subnormals: SubnormalMode) -> UInt32 {
        if f.isNaN { return FloatFormat.fp32.canonicalNaN }
        return subnormals == .flushToZero ? FloatFormat.fp32.flushingSubnormal(f.bitPattern) : f.bitPattern
    }

    /// `a × b` of two `format` values, rounded once to fp32. bf16 × bf16 and fp16 × fp16 products
    /// are exact in fp32 except where they leave fp32's normal range (bf16 only: overflow to Inf,
    /// underflow onto the subnormal grid or to zero), where they are rounded like any fp32 result.
    public static func multiply(_ a: UInt32, _ b: UInt32, _ format: FloatFormat, subnormals: SubnormalMode = .ieee) -> UInt32 {
        result(value(a, format, subnormals: subnormals) * value(b, format, subnormals: subnormals), subnormals: subnormals)
    }

    /// `a + b` of two fp32 values, rounded to fp32.
    public static func add(_ a: UInt32, _ b: UInt32, subnormals: SubnormalMode = .ieee) -> UInt32 {
        result(value(a, .fp32, subnormals: subnormals) + value(b, .fp32, subnormals: subnormals), subnormals: subnormals)
    }
}
