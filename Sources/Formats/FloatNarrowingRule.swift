/// The fp32 → compute-format narrowing of the float training datapath (compute copies of fp32
/// master weights, and the host's activations and gradients), shared by the golden model and the
/// compiler; the hardware builds the same rule (`HWLib.FloatNarrowing`).
///
/// * bf16: ``BFloat16/init(_:)`` — round to nearest, ties to even; overflow to ±Inf; a NaN keeps
///   its sign and top fraction bits with the quiet bit set.
/// * fp16: IEEE 754 `convertFormat` as Swift's `Float16(_: Float)` does it — round to nearest,
///   ties to even, onto fp16's subnormal grid below 2^−14 (values below half the smallest
///   subnormal 2^−24 become ±0, exactly half rounds to the even ±0); a value whose rounded
///   magnitude reaches 2^16 · (1 − 2^−12) = 65520 overflows to ±Inf (the largest finite fp16 is
///   65504); ±Inf stays ±Inf; every NaN becomes the canonical quiet NaN 0x7E00 (the payload is not
///   kept, as every NaN the float blocks produce is canonical; Swift's conversion of a NaN is
///   platform-defined, so the rule is applied here, not left to it).
/// * fp32: unchanged.
///
/// Subnormal results follow ``SubnormalMode``: under flush-to-zero a result that is subnormal
/// after rounding becomes a zero of its sign (an fp32 value that rounds up to fp16's smallest
/// normal stays normal).
extension FloatFormat {
    /// The `self` pattern (in the low bits) of the fp32 value `bits`, by the rule above.
    public func narrowed(fromFP32 bits: UInt32, subnormals: SubnormalMode = .ieee) -> UInt32 {
        let rounded: UInt32
        switch self {
        case .fp32:
            return subnormals == .flushToZero ? flushingSubnormal(bits) : bits
        case .bf16:
            rounded = UInt32(BFloat16(Float(bitPattern: bits)).bitPattern)
        case .fp16:
            let x = Float(bitPattern: bits)
            rounded = x.isNaN ? canonicalNaN : UInt32(Float16(x).bitPattern)
        }
        return subnormals == .flushToZero ? flushingSubnormal(rounded) : rounded
    }
}
