/// A binary IEEE 754 interchange format used by the float datapaths: bf16, fp16 or fp32.
///
/// Bit layout (most significant first): sign (1 bit), biased exponent (`exponentBits`),
/// fraction (`fractionBits`, the significand without its hidden bit). An all-ones exponent is
/// ±Inf (fraction 0) or NaN (fraction ≠ 0; quiet when the fraction's top bit is set); an
/// all-zero exponent is ±0 (fraction 0) or a subnormal (value fraction · 2^(1 − bias − fractionBits)).
/// Bit patterns travel as `UInt32` holding the `width` low bits; higher bits are ignored.
public enum FloatFormat: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// bfloat16: 8 exponent bits (fp32's range), 7 fraction bits.
    case bf16
    /// IEEE binary16: 5 exponent bits, 10 fraction bits.
    case fp16
    /// IEEE binary32: 8 exponent bits, 23 fraction bits.
    case fp32

    public var description: String { rawValue }

    /// Biased exponent field width, bits.
    public var exponentBits: Int {
        switch self {
        case .bf16, .fp32: return 8
        case .fp16: return 5
        }
    }

    /// Fraction field width, bits (the significand has one more, the hidden bit).
    public var fractionBits: Int {
        switch self {
        case .bf16: return 7
        case .fp16: return 10
        case .fp32: return 23
        }
    }

    /// Storage width: 1 + exponentBits + fractionBits.
    public var width: Int { 1 + exponentBits + fractionBits }
    /// Significand precision including the hidden bit.
    public var precision: Int { fractionBits + 1 }
    /// Exponent bias: 2^(exponentBits − 1) − 1.
    public var bias: Int { (1 << (exponentBits - 1)) - 1 }
    /// The all-ones exponent field (Inf and NaN).
    public var maxExponentField: UInt32 { (1 << UInt32(exponentBits)) - 1 }
    /// Mask of the `width` storage bits.
    public var storageMask: UInt32 { width == 32 ? ~0 : (1 << UInt32(width)) - 1 }
    /// The sign bit.
    public var signMask: UInt32 { 1 << UInt32(width - 1) }
    /// The fraction field.
    public var fractionMask: UInt32 { (1 << UInt32(fractionBits)) - 1 }

    /// The NaN every float block of hwgen produces: positive, quiet, payload zero
    /// (fp32 0x7FC00000, bf16 0x7FC0, fp16 0x7E00), as RISC-V's canonical NaN.
    public var canonicalNaN: UInt32 { (maxExponentField << UInt32(fractionBits)) | (1 << UInt32(fractionBits - 1)) }

    /// Positive infinity.
    public var infinity: UInt32 { maxExponentField << UInt32(fractionBits) }

    /// Sign, biased exponent and fraction fields of `bits`.
    public func fields(_ bits: UInt32) -> (sign: Bool, exponent: UInt32, fraction: UInt32) {
        let b = bits & storageMask
        return (b & signMask != 0, (b >> UInt32(fractionBits)) & maxExponentField, b & fractionMask)
    }

    /// Packs fields into a bit pattern; throws when a field does not fit.
    public func pack(sign: Bool, exponent: UInt32, fraction: UInt32) throws -> UInt32 {
        guard exponent <= maxExponentField else {
            throw FormatError("\(self): exponent field \(exponent) does not fit \(exponentBits) bits")
        }
        guard fraction <= fractionMask else {
            throw FormatError("\(self): fraction field \(fraction) does not fit \(fractionBits) bits")
        }
        return (sign ? signMask : 0) | (exponent << UInt32(fractionBits)) | fraction
    }

    /// The class of `bits`.
    public func classify(_ bits: UInt32) -> FloatClass {
        let f = fields(bits)
        if f.exponent == maxExponentField {
            if f.fraction == 0 { return .infinity }
            return f.fraction >> UInt32(fractionBits - 1) == 1 ? .quietNaN : .signalingNaN
        }
        if f.exponent == 0 { return f.fraction == 0 ? .zero : .subnormal }
        return .normal
    }

    /// Whether `bits` is a NaN (quiet or signaling).
    public func isNaN(_ bits: UInt32) -> Bool { classify(bits).isNaN }

    /// The magnitude key used to rank weights (e.g. by the top-N-of-M selector): the bit pattern
    /// with the sign cleared, compared as an unsigned integer. For non-NaN values this orders by
    /// |x| exactly (subnormals and Inf included; −0 and +0 tie). A NaN's key is larger than +Inf's,
    /// so a NaN ranks above every number (and NaNs among themselves by payload).
    public func magnitudeKey(_ bits: UInt32) -> UInt32 { bits & storageMask & ~signMask }

    /// Flush-to-zero: a subnormal becomes a zero of its own sign; every other value is unchanged.
    public func flushingSubnormal(_ bits: UInt32) -> UInt32 {
        classify(bits) == .subnormal ? bits & signMask : bits & storageMask
    }
}

/// The class of a float bit pattern (the sign is separate).
public enum FloatClass: String, Sendable, Hashable, CaseIterable {
    case zero, subnormal, normal, infinity, quietNaN, signalingNaN

    public var isNaN: Bool { self == .quietNaN || self == .signalingNaN }
}
