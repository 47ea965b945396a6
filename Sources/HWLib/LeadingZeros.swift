import HWCore

/// A leading-zero counter: the number of zero bits above the most significant one of a value,
/// its width when the value is zero. Used by the float blocks' normalisers.
public enum LeadingZeros {
    /// Width of the count of a `width`-bit value: ⌈log2(width + 1)⌉, at least 1.
    public static func countWidth(_ width: Int) -> Int { max(1, ceilLog2(width + 1)) }

    /// The leading-zero count of the unsigned `x` as UInt(``countWidth(_:)``), built inline in
    /// `x`'s module as a balanced tree ⌈log2⌉ levels deep.
    ///
    /// `x` is extended below its least significant bit by a one and zeros up to a power of two, so
    /// the extended value is never zero and the count of a zero `x` comes out as its width. Each
    /// tree node of 2k bits yields (all-zero flag, k-bit count): the upper half's count when it has
    /// a one, else k plus the lower half's.
    public static func count(_ x: Signal) -> Signal {
        let mod = x.owner
        let w = countWidth(x.width)
        let n = 1 << w
        var padded = cat(x.asUInt, mod.trueSignal)
        if n - x.width - 1 > 0 { padded = cat(padded, mod.const(0, .uint(n - x.width - 1))) }
        return node(padded).count
    }

    private static func node(_ v: Signal) -> (zero: Signal, count: Signal) {
        if v.width == 2 { return (!v.orReduce(), !v.bit(1)) }
        let half = v.width / 2
        let hi = node(v.bits(half...(v.width - 1))), lo = node(v.bits(0...(half - 1)))
        let mod = v.owner
        return (hi.zero && lo.zero, mux(hi.zero, cat(mod.trueSignal, lo.count), cat(mod.falseSignal, hi.count)))
    }
}
