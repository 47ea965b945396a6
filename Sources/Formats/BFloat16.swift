/// bfloat16: the top half of an IEEE binary32 (1 sign, 8 exponent, 7 fraction bits).
///
/// Conversion from `Float` rounds to nearest, ties to even (overflow rounds to ±Inf,
/// subnormals round like any other value); a NaN stays a NaN of the same sign with the top
/// fraction bits kept and the quiet bit set, so a signaling NaN becomes quiet and never turns
/// into Inf. Conversion to `Float` is exact (append 16 zero bits).
public struct BFloat16: Sendable, Hashable, CustomStringConvertible {
    /// The 16-bit pattern.
    public var bitPattern: UInt16

    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// `value` rounded to nearest, ties to even.
    public init(_ value: Float) {
        let bits = value.bitPattern
        if value.isNaN {
            bitPattern = UInt16(bits >> 16) | 0x0040
            return
        }
        // Adding 0x7FFF plus the kept part's lowest bit rounds half to even: a remainder above
        // 0x8000 always carries, exactly 0x8000 carries only when the kept part is odd. A carry
        // out of the fraction increments the exponent, which is also right at the top
        // (the largest finite value rounds to Inf) and at the bottom (subnormal to normal).
        let lsb = (bits >> 16) & 1
        bitPattern = UInt16((bits &+ 0x7FFF &+ lsb) >> 16)
    }

    /// The exact value as a `Float`.
    public var float: Float { Float(bitPattern: UInt32(bitPattern) << 16) }

    public var isNaN: Bool { float.isNaN }

    public var description: String { float.description }
}

extension Float {
    /// The exact value of a bfloat16.
    public init(_ value: BFloat16) { self = value.float }
}
