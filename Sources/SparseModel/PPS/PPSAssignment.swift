/// A layer's periodic pattern sparsity (PPS): period P and the pattern of each residue class, so
/// the kernel of filter i and input channel j keeps `patterns[(i + j) mod P]`.
///
/// Two ways to choose the patterns:
/// * ``pSConv(denseEvery8th:)``: the fixed assignment of periodic pre-defined sparse kernels
///   (Kundu et al.): P = 8, 4 of 9, r = (i + j + 1) mod 8 picks one of four masks, and with the
///   option the kernel with r = 0 stays a dense 3×3 (otherwise it takes r = 4's mask, continuing
///   the cycle of four);
/// * ``magnitude(_:period:candidates:)``: for each residue class, the candidate pattern keeping
///   the largest Σ|w| over the class's kernels (ties: the earlier candidate).
public struct PPSAssignment: Sendable, Hashable, Codable {
    public let kernelSize: Int
    /// The pattern of residue class q = (i + j) mod P, q = 0..<P.
    public let patterns: [KernelPattern]

    /// P.
    public var period: Int { patterns.count }

    /// Throws unless P ≥ 1 and every pattern is K×K.
    public init(kernelSize: Int, patterns: [KernelPattern]) throws {
        guard !patterns.isEmpty else { throw SparseModelError("PPS needs a period P ≥ 1 (at least one pattern)") }
        guard patterns.allSatisfy({ $0.kernelSize == kernelSize }) else {
            throw SparseModelError("every PPS pattern must be \(kernelSize)x\(kernelSize)")
        }
        self.kernelSize = kernelSize
        self.patterns = patterns
    }

    /// The pattern of the kernel (filter i, channel j).
    public func pattern(filter i: Int, channel j: Int) -> KernelPattern { patterns[(i + j) % period] }

    /// Whether W[i][j][kh][kw] is kept.
    public func keeps(filter i: Int, channel j: Int, kh: Int, kw: Int) -> Bool { pattern(filter: i, channel: j).keeps(kh: kh, kw: kw) }

    /// The distinct patterns used, in order of first use: the layer's library (L entries).
    public var library: [KernelPattern] {
        var seen: [KernelPattern] = []
        for p in patterns where !seen.contains(p) { seen.append(p) }
        return seen
    }

    /// Whether every residue class keeps the same number n of weights (what the SPS array needs:
    /// n beats per channel whatever the class).
    public var uniformCount: Int? {
        let n = patterns[0].count
        return patterns.allSatisfy { $0.count == n } ? n : nil
    }

    /// The fixed pSConv assignment (P = 8, 3×3, 4 of 9; see the type's documentation).
    public static func pSConv(denseEvery8th: Bool) throws -> PPSAssignment {
        let masks: [Int: [Int]] = [
            1: [1, 1, 0, 1, 1, 0, 0, 0, 0],
            2: [0, 1, 1, 0, 1, 1, 0, 0, 0],
            3: [0, 0, 0, 1, 1, 0, 1, 1, 0],
            4: [0, 0, 0, 0, 1, 1, 0, 1, 1],
        ]
        var patterns: [KernelPattern] = []
        for q in 0..<8 {
            let r = (q + 1) % 8
            if r == 0, denseEvery8th {
                patterns.append(try .dense(kernelSize: 3))
            } else {
                // r and r + 4 share a mask; r = 0 continues the cycle as r = 4.
                patterns.append(try KernelPattern(kernelSize: 3, mask: masks[(r + 3) % 4 + 1]!))
            }
        }
        return try PPSAssignment(kernelSize: 3, patterns: patterns)
    }

    /// The magnitude-driven choice: for each residue class q, the candidate maximising
    /// Σ over kernels (i, j) with (i + j) mod P = q of Σ over kept positions |W[i][j][kh][kw]|.
    public static func magnitude(_ w: ConvWeights<Double>, period: Int, candidates: [KernelPattern]) throws -> PPSAssignment {
        guard period >= 1 else { throw SparseModelError("PPS needs a period P ≥ 1, got \(period)") }
        guard !candidates.isEmpty else { throw SparseModelError("the magnitude-driven PPS choice needs at least one candidate pattern") }
        let k = w.kernelSize
        guard candidates.allSatisfy({ $0.kernelSize == k }) else { throw SparseModelError("candidate patterns must be \(k)x\(k)") }
        // Σ|w| per residue class and kernel position; then each candidate's score is a sum over it.
        var mass = [[Double]](repeating: [Double](repeating: 0, count: k * k), count: period)
        for i in 0..<w.outChannels {
            for j in 0..<w.inChannels {
                let q = (i + j) % period
                for kh in 0..<k {
                    for kw in 0..<k { mass[q][kh * k + kw] += abs(w[i, j, kh, kw]) }
                }
            }
        }
        let chosen = mass.map { m -> KernelPattern in
            var best = candidates[0], bestScore = -Double.infinity
            for c in candidates {
                let s = c.positions.reduce(0.0) { $0 + m[$1] }
                if s > bestScore { best = c; bestScore = s }  // strict: ties keep the earlier candidate
            }
            return best
        }
        return try PPSAssignment(kernelSize: k, patterns: chosen)
    }

    /// `w` with every weight outside the assignment's patterns set to zero.
    public func prune<T: Numeric & Sendable>(_ w: ConvWeights<T>) throws -> ConvWeights<T> {
        guard w.kernelSize == kernelSize else { throw SparseModelError("PPS of \(kernelSize)x\(kernelSize) kernels applied to K=\(w.kernelSize) weights") }
        return try ConvWeights(outChannels: w.outChannels, inChannels: w.inChannels, kernelSize: kernelSize) { i, j, kh, kw in
            keeps(filter: i, channel: j, kh: kh, kw: kw) ? w[i, j, kh, kw] : 0
        }
    }

    /// One masked SGD step: W ← W − η·(M ⊙ dW). The gradient of a pruned weight is masked, so a
    /// weight pruned (zero) before the step stays exactly zero after it.
    public func maskedStep(_ w: ConvWeights<Double>, gradient g: ConvWeights<Double>, learningRate lr: Double) throws -> ConvWeights<Double> {
        guard w.outChannels == g.outChannels, w.inChannels == g.inChannels, w.kernelSize == g.kernelSize, w.kernelSize == kernelSize else {
            throw SparseModelError("masked step: weight and gradient shapes differ or do not match the PPS kernel size")
        }
        return try ConvWeights(outChannels: w.outChannels, inChannels: w.inChannels, kernelSize: kernelSize) { i, j, kh, kw in
            keeps(filter: i, channel: j, kh: kh, kw: kw) ? w[i, j, kh, kw] - lr * g[i, j, kh, kw] : w[i, j, kh, kw]
        }
    }
}
