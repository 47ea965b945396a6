import Formats

/// N:M magnitude pruning (the golden model of SAT's bidirectional weight pruning, BDWP).
///
/// Both masks are computed on the GEMM view of the weights, Wmat[Co][Ci·K·K]:
/// * the forward mask Mf groups M consecutive elements of each row (along the forward reduction
///   dimension) and keeps the N largest |w|;
/// * the backward mask Mb groups M consecutive elements of each column (along Co) and keeps the N
///   largest |w|, so the backward GEMM Wbᵀ·dY is N:M along its own reduction dimension.
///
/// Tie rule (shared with the hardware selector): a larger |w| wins; on equal |w| the lower index in
/// the group wins. Magnitudes are compared as `T.Magnitude`, so the most negative integer (e.g.
/// `Int64.min`) has the largest magnitude and never overflows.
public enum NMPruning {
    /// The forward mask Mf of `w`: in each row, every group of M consecutive columns keeps its N
    /// largest-magnitude elements. Throws if the column count is not a multiple of M or a value is
    /// unordered (NaN).
    public static func forwardMask<T: Numeric & Sendable>(_ w: Matrix<T>, _ p: NMPattern) throws -> Mask {
        let groups = try p.groups(w.cols, along: "the forward reduction dimension (columns)")
        var bits = Matrix<Bool>(rows: w.rows, cols: w.cols, repeating: false)
        var magnitudes: [T.Magnitude] = []
        magnitudes.reserveCapacity(p.m)
        for r in 0..<w.rows {
            for g in 0..<groups {
                magnitudes.removeAll(keepingCapacity: true)
                for i in 0..<p.m { magnitudes.append(w[r, g * p.m + i].magnitude) }
                let kept = try keptSlots(magnitudes, n: p.n, at: "row \(r), columns \(g * p.m)..<\((g + 1) * p.m)")
                for i in 0..<p.m { bits[r, g * p.m + i] = kept[i] }
            }
        }
        return Mask(bits)
    }

    /// The backward mask Mb of `w`: in each column, every group of M consecutive rows (along Co)
    /// keeps its N largest-magnitude elements, ranked on the dense weights or on W ⊙ Mf according to
    /// `source`. Throws if the row count (and, for `.forwardSparse`, the column count) is not a
    /// multiple of M or a value is unordered (NaN).
    public static func backwardMask<T: Numeric & Sendable>(
        _ w: Matrix<T>, _ p: NMPattern, source: BackwardMaskSource
    ) throws -> Mask {
        let groups = try p.groups(w.rows, along: "Co (rows) for the backward mask")
        let ranked: Matrix<T>
        switch source {
        case .dense: ranked = w
        case .forwardSparse: ranked = try forwardMask(w, p).apply(to: w)
        }
        var bits = Matrix<Bool>(rows: w.rows, cols: w.cols, repeating: false)
        var magnitudes: [T.Magnitude] = []
        magnitudes.reserveCapacity(p.m)
        for c in 0..<w.cols {
            for g in 0..<groups {
                magnitudes.removeAll(keepingCapacity: true)
                for i in 0..<p.m { magnitudes.append(ranked[g * p.m + i, c].magnitude) }
                let kept = try keptSlots(magnitudes, n: p.n, at: "column \(c), rows \(g * p.m)..<\((g + 1) * p.m)")
                for i in 0..<p.m { bits[g * p.m + i, c] = kept[i] }
            }
        }
        return Mask(bits)
    }

    /// W ⊙ Mf, the forward-pruned weights.
    public static func forwardPruned<T: Numeric & Sendable>(_ w: Matrix<T>, _ p: NMPattern) throws -> Matrix<T> {
        try forwardMask(w, p).apply(to: w)
    }

    /// The top-N-of-M selection on one group: `result[i]` is true iff `magnitudes[i]` is among the
    /// `n` largest, ties going to the lower index. Throws on an unordered magnitude (NaN).
    ///
    /// Element i's rank is the number of elements that beat it (a larger magnitude, or an equal
    /// magnitude at a lower index); since that relation is a strict total order on (magnitude, index)
    /// the ranks are a permutation of 0..<M and exactly `n` elements have rank < `n`.
    public static func topN<Magnitude: Comparable>(_ magnitudes: [Magnitude], n: Int) throws -> [Bool] {
        try keptSlots(magnitudes, n: n, at: "group")
    }

    private static func keptSlots<Magnitude: Comparable>(
        _ magnitudes: [Magnitude], n: Int, at location: String
    ) throws -> [Bool] {
        for (i, x) in magnitudes.enumerated() where !(x == x) {
            throw SparseModelError("cannot rank an unordered value (NaN) at \(location), slot \(i)")
        }
        var kept = [Bool](repeating: false, count: magnitudes.count)
        for i in magnitudes.indices {
            var rank = 0
            for j in magnitudes.indices where j != i {
                if magnitudes[j] > magnitudes[i] || (magnitudes[j] == magnitudes[i] && j < i) { rank += 1 }
            }
            kept[i] = rank < n
        }
        return kept
    }
}
