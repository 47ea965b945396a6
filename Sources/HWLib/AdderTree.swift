import HWCore

/// A balanced tree of exact (widening) adders: the sum of n signed or unsigned values without
/// overflow, ⌈log2 n⌉ levels deep. Pairs are added left to right at each level, so the
/// emitted expression is deterministic.
public enum AdderTree {
    /// The exact sum of `terms` (all of one signedness); width grows by one bit per level.
    public static func sum(_ terms: [Signal]) -> Signal? {
        guard !terms.isEmpty else { return nil }
        var level = terms
        while level.count > 1 {
            var next: [Signal] = []
            var i = 0
            while i + 1 < level.count {
                next.append(level[i] + level[i + 1])
                i += 2
            }
            if i < level.count { next.append(level[i]) }
            level = next
        }
        return level[0]
    }

    /// Width of the sum of `count` values of `width` bits.
    public static func sumWidth(count: Int, width: Int) -> Int { width + ceilLog2(max(1, count)) }
}
