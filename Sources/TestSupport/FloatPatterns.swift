import Formats

/// Float operand bit patterns for tests and benchmarks of the float blocks: the special values
/// of a format, and random patterns weighted towards the cases that break float hardware
/// (subnormals, huge and tiny exponents, products at the edges of fp32's range, ties, carries
/// out of the fraction, cancellation in sums), not uniform floats.
public enum FloatPatterns {
    /// Every special or boundary value of `format` (both signs): zeros, the smallest and largest
    /// subnormals, the smallest normal, 1 and its neighbours, 1.5, 2, the largest finite value,
    /// Inf, quiet and signaling NaNs with and without payloads.
    public static func specials(_ format: FloatFormat) -> [UInt32] {
        let fb = UInt32(format.fractionBits)
        let one = UInt32(format.bias) << fb
        let maxField = format.maxExponentField
        let magnitudes: [UInt32] = [
            0, 1, 2, format.fractionMask, 1 << fb, (1 << fb) | 1, one, one + 1, one - 1, one | (1 << (fb - 1)),
            one + (1 << fb), ((maxField - 1) << fb) | format.fractionMask, (maxField - 1) << fb,
            (maxField << fb) - (1 << fb) / 2, format.infinity, format.canonicalNaN, format.infinity | 1,
            format.canonicalNaN | 1, format.infinity | (format.fractionMask >> 1),
        ]
        return magnitudes.flatMap { [$0, $0 | format.signMask] }
    }

    /// A random `format` pattern: a quarter uniform bits, the rest with a chosen exponent (near 0,
    /// near the top, near 1.0) and fraction (random, all ones, all zeros, one bit, half-way), or
    /// a special value.
    public static func random(_ format: FloatFormat, _ rng: inout SplitMix64) -> UInt32 {
        let maxField = Int(format.maxExponentField)
        switch rng.below(8) {
        case 0, 1: return UInt32(truncatingIfNeeded: rng.next()) & format.storageMask
        case 2: return compose(format, &rng, field: rng.int(0...3))
        case 3: return compose(format, &rng, field: rng.int((maxField - 3)...maxField))
        case 4: return compose(format, &rng, field: format.bias + rng.int(-3...3))
        case 5: return compose(format, &rng, field: rng.int(0...maxField))
        case 6:
            let s = specials(format)
            return s[rng.below(s.count)]
        default: return compose(format, &rng, field: rng.int(1...(maxField - 1)))
        }
    }

    /// A random operand pair for `a × b` in `format`: independent operands, or a second operand
    /// whose exponent puts the product at the bottom of fp32's range (subnormal results,
    /// rounding into the smallest normal) or at the top (overflow to Inf).
    public static func multiplyPair(_ format: FloatFormat, _ rng: inout SplitMix64) -> (UInt32, UInt32) {
        let a = random(format, &rng)
        let maxField = Int(format.maxExponentField)
        let ea = Int(format.fields(a).exponent)
        // The product's biased fp32 exponent is about ea + eb − 2·bias + 127.
        let base = 2 * format.bias - 127 - ea
        switch rng.below(4) {
        case 0: return (a, compose(format, &rng, field: min(max(base + 1 + rng.int(-26...2), 0), maxField)))
        case 1: return (a, compose(format, &rng, field: min(max(base + 254 + rng.int(-2...1), 0), maxField)))
        default: return (a, random(format, &rng))
        }
    }

    /// A random fp32 pair for `a + b`: independent operands, or a second operand of nearly the same
    /// magnitude (exponent within ±2, fraction within a few units, either sign: cancellation and
    /// carries), or one within the alignment window (exponent difference up to 28).
    public static func addPair(_ rng: inout SplitMix64) -> (UInt32, UInt32) {
        let f = FloatFormat.fp32
        let a = random(f, &rng)
        let (_, ea, fa) = f.fields(a)
        let maxField = Int(f.maxExponentField)
        let sign: UInt32 = rng.below(2) == 0 ? 0 : f.signMask
        switch rng.below(4) {
        case 0:
            let field = UInt32(min(max(Int(ea) + rng.int(-2...2), 0), maxField))
            let fraction = UInt32(truncatingIfNeeded: Int(fa) + rng.int(-4...4)) & f.fractionMask
            return (a, sign | field << UInt32(f.fractionBits) | fraction)
        case 1:
            let field = min(max(Int(ea) + rng.int(-28...28), 0), maxField)
            return (a, sign | compose(f, &rng, field: field))
        default: return (a, random(f, &rng))
        }
    }

    /// A random finite GEMM operand of `format`: either sign, exponents within ±6 binades of 1.0,
    /// random fractions; one in 25 is a zero and one in 50 a subnormal (so sums see exact zeros,
    /// cancellation and tiny terms, but rarely overflow).
    public static func operand(_ format: FloatFormat, _ rng: inout SplitMix64) -> UInt32 {
        let sign: UInt32 = rng.below(2) == 0 ? 0 : format.signMask
        let fraction = UInt32(truncatingIfNeeded: rng.next()) & format.fractionMask
        switch rng.below(100) {
        case 0..<4: return sign
        case 4..<6: return sign | max(fraction, 1)
        default: return sign | UInt32(format.bias + rng.int(-6...6)) << UInt32(format.fractionBits) | fraction
        }
    }

    /// A pattern with the given exponent field, a random sign and a fraction of a random shape.
    static func compose(_ format: FloatFormat, _ rng: inout SplitMix64, field: Int) -> UInt32 {
        let fb = UInt32(format.fractionBits)
        let fraction: UInt32
        switch rng.below(6) {
        case 0: fraction = format.fractionMask
        case 1: fraction = 0
        case 2: fraction = 1 << UInt32(rng.below(format.fractionBits))
        case 3: fraction = (1 << (fb - 1)) | UInt32(rng.below(2))
        default: fraction = UInt32(truncatingIfNeeded: rng.next()) & format.fractionMask
        }
        let sign: UInt32 = rng.below(2) == 0 ? 0 : format.signMask
        return sign | UInt32(field) << fb | fraction
    }
}
