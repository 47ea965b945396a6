import Formats
import HWCore

/// The back end shared by the float blocks: normalise an unrounded result, then round it to
/// nearest even and pack it into `format` (fp32 for every block today).
///
/// The unrounded result is `sig · 2^(exp − bias − (W − 1))` plus, when `sticky` is set, a
/// non-zero amount below sig's last bit: `sig` is UInt(W) with W ≥ precision + 2 (room for the
/// guard bit and at least one sticky bit), `exp` is SInt, the biased exponent of sig's top bit
/// position. Neither needs to be normalised: sig may have leading zeros and exp may be ≤ 0.
enum FloatRounder {
    /// The normalised result: `sig`'s top bit is the hidden bit (0 for a subnormal or zero),
    /// `fieldMinusOne` the exponent field minus one, counting the hidden bit as +1 into the field
    /// (so field − 1 + hidden is the packed field: 0 for subnormals), `sticky` the OR of bits
    /// already lost below `sig`.
    struct Normalized {
        let sig: Signal
        let fieldMinusOne: Signal
        let sticky: Signal
    }

    /// Normalising shift: left by min(leading zeros, exp − 1) when exp ≥ 1 (stopping at the
    /// smallest normal exponent, which leaves a subnormal's hidden bit 0), else right by
    /// 1 − exp onto the subnormal grid, capped at W, the bits shifted out ORed into sticky.
    /// A zero sig (with no sticky) gives field 0: a zero result.
    static func normalize(sig: Signal, exp: Signal, sticky: Signal, name: String, file: String, line: Int) -> Normalized {
        let mod = sig.owner
        func wire(_ n: String, _ v: Signal) -> Signal { mod.wire(name + "_" + n, v, file: file, line: line) }
        let w = sig.width
        let lzW = LeadingZeros.countWidth(w)
        let lz = wire("lz", LeadingZeros.count(sig))
        let em1 = exp - 1
        let underflow = wire("underflow", em1 < 0)
        let zero = !sig.orReduce() && !sticky
        // Left: by lz, or by exp − 1 when that is smaller (then 0 ≤ exp − 1 < lz ≤ W fits lzW bits).
        let left = wire("left", mux(lz.asSigned <= em1, lz, em1.truncated(to: lzW, file: file, line: line).asUInt))
        // Right: by 1 − exp (> 0 here), capped at W: everything is shifted out from there on.
        let negEm1 = -em1
        let right = wire("right", mux(negEm1 > w, mod.const(w, .uint(lzW), file: file, line: line),
                                      negEm1.truncated(to: lzW, file: file, line: line).asUInt))
        let ones = mod.const(words: [UInt64.max], .uint(w))
        let lost = (sig & ~ones.shiftedLeft(by: right)).orReduce()
        let shifted = mux(underflow, sig.shiftedRight(by: right), sig.shiftedLeft(by: left))
        let fieldWidth = exp.width
        let fm1 = (em1 - left.asSigned).truncated(to: fieldWidth, file: file, line: line).asUInt
        let fieldMinusOne = mux(underflow || zero, mod.const(0, .uint(fieldWidth), file: file, line: line), fm1)
        return Normalized(sig: shifted, fieldMinusOne: fieldMinusOne, sticky: sticky || (underflow && lost))
    }

    /// Rounds to nearest, ties to even, and packs: returns the magnitude bits, UInt(width − 1):
    /// exponent field and fraction, +Inf's pattern on overflow. Rounding adds one to the packed
    /// (field − 1 + significand) word, so a carry out of the fraction moves into the exponent:
    /// subnormal to normal, binade to binade, and the largest finite value to Inf.
    static func roundPack(_ n: Normalized, format: FloatFormat, name: String, file: String, line: Int) -> Signal {
        let mod = n.sig.owner
        func wire(_ s: String, _ v: Signal) -> Signal { mod.wire(name + "_" + s, v, file: file, line: line) }
        let w = n.sig.width, p = format.precision, fb = format.fractionBits
        let kept = n.sig.bits((w - p)...(w - 1), file: file, line: line)
        let guardBit = n.sig.bit(w - p - 1, file: file, line: line)
        let rest = n.sig.bits(0...(w - p - 2), file: file, line: line).orReduce() || n.sticky
        let roundUp = wire("round_up", guardBit && (rest || kept.bit(0, file: file, line: line)))
        let unrounded = (n.fieldMinusOne << fb) + kept
        let rounded = wire("rounded", unrounded &+ roundUp.extended(to: unrounded.width, file: file, line: line))
        let inf = mod.const(Int(format.infinity), .uint(rounded.width), file: file, line: line)
        let overflow = rounded >= inf
        let magWidth = format.width - 1
        return mux(overflow, inf.truncated(to: magWidth, file: file, line: line), rounded.truncated(to: magWidth, file: file, line: line))
    }

    /// The final result of a block, `format` bits: the canonical NaN when `nan`, ±Inf (sign
    /// `sign`) when `inf`, else `sign` and the rounded magnitude, flushed to a zero of its sign
    /// under FTZ when subnormal.
    static func select(sign: Signal, magnitude: Signal, nan: Signal, inf: Signal, format: FloatFormat,
                       subnormals: SubnormalMode, file: String, line: Int) -> Signal {
        let mod = sign.owner
        let magWidth = format.width - 1
        var mag = magnitude
        if subnormals == .flushToZero {
            let field = magnitude.bits(format.fractionBits...(magWidth - 1), file: file, line: line)
            mag = mux(field == 0, mod.const(0, .uint(magWidth), file: file, line: line), magnitude)
        }
        let infMag = mod.const(Int(format.infinity), .uint(magWidth), file: file, line: line)
        let nanBits = mod.const(Int(format.canonicalNaN), .uint(format.width), file: file, line: line)
        return mux(nan, nanBits, cat(sign, mux(inf, infMag, mag)))
    }
}
