import Foundation
import SparseModel
import Testing

@Suite struct GradientPruningTests {
    @Test func inverseNormalCDF() {
        #expect(abs(GradientPruner.inverseNormalCDF(0.975) - 1.959963985) < 1e-8)
        #expect(abs(GradientPruner.inverseNormalCDF(0.5)) < 1e-10)
        #expect(abs(GradientPruner.inverseNormalCDF(0.95) - 1.644853627) < 1e-8)
    }

    /// E[g'] = g: for fixed |g| < τ the mean of many pruned copies is g within 5 standard errors
    /// (plus the rule's known bias, at most τ/2^16).
    @Test func pruningIsUnbiased() throws {
        var p = try GradientPruner(laneCount: 4, seed: 99)
        let tau: Int64 = 1000
        for g in [Int64(1), 7, 250, 999, -333, -1] {
            let n = 40000
            let (out, _) = try p.prune([Int64](repeating: g, count: n), tau: tau)
            #expect(out.allSatisfy { $0 == 0 || $0 == (g < 0 ? -tau : tau) })
            let mean = Double(out.reduce(0, +)) / Double(n)
            let q = Double(abs(g)) / Double(tau)
            let se = Double(tau) * (q * (1 - q) / Double(n)).squareRoot()
            #expect(abs(mean - Double(g)) <= 5 * se + Double(tau) / 65536 + 1e-9, "g = \(g): mean \(mean)")
        }
    }

    @Test func thresholdRuleAndSums() throws {
        var p = try GradientPruner(gradientWidth: 16, laneCount: 3, seed: 5)
        let g: [Int64] = [-32768, 32767, 500, -500, 0, 499, -1]
        let (out, sum) = try p.prune(g, tau: 500)
        #expect(Array(out[0..<4]) == [-32768, 32767, 500, -500])
        #expect(out[4] == 0)
        #expect([0, 500].contains(out[5]) && [0, -500].contains(out[6]))
        let expectedSum: UInt64 = g.reduce(0) { $0 + UInt64($1.magnitude) }
        #expect(sum == expectedSum)
        // τ = 0 keeps everything (the first batch).
        let (kept, _) = try p.prune(g, tau: 0)
        #expect(kept == g)
        #expect(throws: SparseModelError.self) { try p.prune([40000], tau: 1) }
        #expect(throws: SparseModelError.self) { try p.prune([1], tau: 40000) }
        #expect(throws: SparseModelError.self) { try GradientPruner.tauCoefficient(pruneRate: 1, count: 10) }
    }

    /// The streaming τ from Σ|g| estimates σ·Φ⁻¹((1+p)/2) for Gaussian gradients, and the
    /// resulting sparsity matches the closed form for Gaussian g (54 % at p = 0.9).
    @Test func streamingTauOnGaussianGradients() throws {
        var state: UInt64 = 12345
        func gauss() -> Double {
            func u() -> Double {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return (Double(state >> 11) + 0.5) / Double(1 << 53)
            }
            return (-2 * log(u())).squareRoot() * cos(2 * Double.pi * u())
        }
        let n = 50000, sigma = 800.0
        let batch1 = (0..<n).map { _ in Int64((gauss() * sigma).rounded()) }
        let batch2 = (0..<n).map { _ in Int64((gauss() * sigma).rounded()) }
        var p = try GradientPruner(laneCount: 8, seed: 3)
        let (_, sum) = try p.prune(batch1, tau: 0)
        let c = try GradientPruner.tauCoefficient(pruneRate: 0.9, count: n)
        let tau = p.nextTau(sumAbs: sum, coefficient: c)
        let want = sigma * GradientPruner.inverseNormalCDF(0.95)
        #expect(abs(Double(tau) - want) / want < 0.02, "tau \(tau) vs \(want)")
        let (out, _) = try p.prune(batch2, tau: tau)
        let sparsity = Double(out.filter { $0 == 0 }.count) / Double(n)
        let t = GradientPruner.inverseNormalCDF(0.95)
        let closed = 1 - ((1 - 0.9) + (2 / Double.pi).squareRoot() * (1 - exp(-t * t / 2)) / t)
        #expect(abs(sparsity - closed) < 0.02, "sparsity \(sparsity) vs \(closed)")
    }
}
