import Foundation
import Formats

/// Stochastic activation-gradient pruning (SparseTrain / Ye et al.), in the fixed point the
/// pruning unit uses, and in float for the training loop.
///
/// Algorithm: with σ̂ = sqrt(π/2)·mean|g| and τ = σ̂·Φ⁻¹((1+p)/2), a gradient with |g| ≥ τ is kept;
/// a smaller one becomes sign(g)·τ with probability |g|/τ, else 0 — unbiased, E[g'] = g.
///
/// Fixed-point representation (the hardware's, bit for bit):
/// * gradients are SInt(gw) integers (gw = 16 by default), τ a UInt integer ≤ 2^(gw−1) − 1 so
///   ±τ fits SInt(gw);
/// * the probability test draws r, a uniform 16-bit integer from the lane's ``SparseTrainLFSR``
///   (one draw per gradient, whatever its value, so a lane's sequence does not depend on the
///   data), and substitutes sign(g)·τ iff r·τ < |g|·2^16. The probability is
///   ⌈|g|·2^16/τ⌉ / 2^16, within 2^−16 of |g|/τ (never below it);
/// * gradient i of a stream goes to lane i mod L (L = lanes, one per PE column);
/// * **σ̂ is streaming**: the unit accumulates Σ|g| of the gradients it prunes, and the τ for
///   the *next* batch at this layer is τ' = (Σ|g| · c) >> 32 (saturated), with the coefficient
///   c = round(2^32 · sqrt(π/2) · Φ⁻¹((1+p)/2) / n) for n gradients per batch (a per-layer
///   constant computed when the layer is compiled). The first batch runs with τ = 0 (keeps all).
public struct GradientPruner: Sendable {
    /// Gradient width gw.
    public let gradientWidth: Int
    /// The lanes' LFSRs (advanced by ``prune(_:tau:)``).
    public private(set) var lanes: [SparseTrainLFSR]

    /// `laneCount` lanes seeded from `seed` (``SparseTrainLFSR/seed(base:lane:)``).
    public init(gradientWidth: Int = 16, laneCount: Int, seed: UInt32) throws {
        guard (2...32).contains(gradientWidth) else { throw SparseModelError("gradient width must be in 2...32, got \(gradientWidth)") }
        guard (1...1024).contains(laneCount) else { throw SparseModelError("lane count must be in 1...1024, got \(laneCount)") }
        self.gradientWidth = gradientWidth
        lanes = (0..<laneCount).map { SparseTrainLFSR(state: SparseTrainLFSR.seed(base: seed, lane: $0)) }
    }

    /// The largest τ: ±τ must fit SInt(gw).
    public var maxTau: Int64 { (Int64(1) << (gradientWidth - 1)) - 1 }

    /// Prunes `g` (each element in SInt(gw)) with threshold `tau`; returns the pruned stream and
    /// Σ|g| of the input. Throws for a value outside SInt(gw) or τ outside 0...maxTau.
    public mutating func prune(_ g: [Int64], tau: Int64) throws -> (pruned: [Int64], sumAbs: UInt64) {
        guard tau >= 0, tau <= maxTau else { throw SparseModelError("τ = \(tau) is outside 0...\(maxTau)") }
        let lo = -(Int64(1) << (gradientWidth - 1))
        var out = [Int64](repeating: 0, count: g.count)
        var sum: UInt64 = 0
        for (i, v) in g.enumerated() {
            guard v >= lo, v <= maxTau else { throw SparseModelError("gradient \(v) does not fit SInt(\(gradientWidth))") }
            let r = UInt64(lanes[i % lanes.count].draw())
            let a = UInt64(v.magnitude)
            sum &+= a
            if a >= UInt64(tau) {
                out[i] = v
            } else if r * UInt64(tau) < a << 16 {
                out[i] = v < 0 ? -tau : tau
            }
        }
        return (out, sum)
    }

    /// sqrt(π/2) · Φ⁻¹((1+p)/2): τ in units of mean|g|.
    public static func tauScale(pruneRate p: Double) -> Double {
        (Double.pi / 2).squareRoot() * inverseNormalCDF((1 + p) / 2)
    }

    /// The Q32 coefficient c of τ' = (Σ|g|·c) >> 32 for `count` gradients per batch at rate `p`
    /// (32 fraction bits: at n = 50 000 gradients a Q16 coefficient would be off by 11 %).
    /// Throws unless 0 ≤ p < 1 and count ≥ 1, or when c does not fit 32 bits (the unit's width).
    public static func tauCoefficient(pruneRate p: Double, count: Int) throws -> UInt64 {
        guard p >= 0, p < 1 else { throw SparseModelError("prune rate must be in [0, 1), got \(p)") }
        guard count >= 1 else { throw SparseModelError("gradient count must be at least 1") }
        let c = (4_294_967_296 * tauScale(pruneRate: p) / Double(count)).rounded()
        guard c < Double(1 << coefficientWidth) else {
            throw SparseModelError("τ coefficient \(c) exceeds \(coefficientWidth) bits (too few gradients per batch: \(count))")
        }
        return UInt64(c)
    }

    /// Width of the τ coefficient, and of the Σ|g| accumulator, in the pruning unit.
    public static let coefficientWidth = 32
    public static let sumWidth = 40

    /// τ' = (Σ|g| · c) >> 32, saturated to `maxTau` (Σ|g| wraps at ``sumWidth`` bits, as the unit's accumulator does).
    public func nextTau(sumAbs: UInt64, coefficient: UInt64) -> Int64 {
        let s = sumAbs & ((1 << UInt64(Self.sumWidth)) - 1)
        let t = s.multipliedFullWidth(by: coefficient & 0xFFFF_FFFF)
        // (high, low) >> 32 = high · 2^32 + low >> 32; any high ≥ 2^31 is far above any τ.
        if t.high >= 1 << 31 { return maxTau }
        return min(Int64(t.high << 32 | t.low >> 32), maxTau)
    }

    /// Float pruning for the training loop: the same rule with u = draw / 2^16 (substitute iff
    /// u·τ < |g|), lane i mod L; returns the pruned values.
    public mutating func pruneFloat(_ g: [Float], tau: Float) -> [Float] {
        var out = [Float](repeating: 0, count: g.count)
        for (i, v) in g.enumerated() {
            let u = Float(lanes[i % lanes.count].draw()) / 65536
            let a = abs(v)
            if a >= tau { out[i] = v } else if u * tau < a { out[i] = v < 0 ? -tau : tau }
        }
        return out
    }

    /// Φ⁻¹(q) for 0 < q < 1, by bisection on Φ(x) = erfc(−x/√2)/2 (to 1e−12; exact enough for a
    /// threshold).
    public static func inverseNormalCDF(_ q: Double) -> Double {
        var lo = -40.0, hi = 40.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if erfc(-mid / 2.0.squareRoot()) / 2 < q { lo = mid } else { hi = mid }
            if hi - lo < 1e-12 { break }
        }
        return (lo + hi) / 2
    }
}
