import Cosim
import Foundation
import HWCore
import SparseAccel
import SparseModel
import TestSupport

/// Co-simulates the pruning unit against ``GradientPruner`` bit for bit: batches of gradients
/// stream through the Verilated unit, batch b pruned with the τ the unit computed (tau_next)
/// at the end of batch b − 1 (the first with τ = 0); every pruned gradient, every batch's Σ|g|
/// and every τ are compared.
public struct SparseTrainPruneRun: Sendable {
    public let config: SparseTrainPrunerConfig
    public let pruneRate: Double
    public let batchSize: Int
    public let batches: Int
    public let seed: UInt64

    public init(config: SparseTrainPrunerConfig, pruneRate: Double, batchSize: Int, batches: Int, seed: UInt64) throws {
        try config.validate()
        guard batchSize >= 1, batches >= 1 else { throw ConfigError("batch size and batches must be at least 1") }
        self.config = config
        self.pruneRate = pruneRate
        self.batchSize = batchSize
        self.batches = batches
        self.seed = seed
    }

    public struct Report: Sendable, Codable {
        public let gradients: Int
        public let mismatches: Int
        public let firstMismatch: String?
        /// τ per batch (as the RTL computed them; equal to the golden ones when there is no mismatch).
        public let taus: [Int64]
        /// Zero fraction after pruning, per batch.
        public let sparsity: [Double]
        public var ok: Bool { mismatches == 0 }
    }

    /// A batch of bell-shaped gradients with a heavy tail and exact zeros, plus the edge values
    /// (the most negative, ±1, 0) so every branch of the rule is taken.
    func batch(_ rng: inout SplitMix64) -> [Int64] {
        let gw = config.gradientWidth
        let lo = -(Int64(1) << (gw - 1)), hi = (Int64(1) << (gw - 1)) - 1
        return (0..<batchSize).map { i in
            switch i % 97 {
            case 0: return lo
            case 1: return 1
            case 2: return -1
            default:
                let r = rng.below(100)
                if r < 10 { return 0 }
                let scale = r < 95 ? Int64(1) << (gw / 2) : Int64(1) << (gw - 3)
                let v = (0..<3).reduce(Int64(0)) { s, _ in s + rng.next(in: -scale...scale) }
                return min(hi, max(lo, v))
            }
        }
    }

    public func run() throws -> Report {
        let d = try SparseTrainPruner.build(config)
        let design = try Design.elaborate(d, parameters: ["design": .string("sparsetrain-pruner")], style: .simulation)
        let sim = try Simulator(try ModelBuilder.build(design))
        func port<S: PortShape>(_ f: KeyPath<SparseTrainPruner.Ports, S>) throws -> PortHandle {
            guard let n = d.portNames(f).first else { throw SimulationError(description: "\(f) is not a port") }
            return try sim.port(n)
        }
        let (seedLoad, seedBase, sumClear, tauP, coefP) = (try port(\.seedLoad), try port(\.seedBase), try port(\.sumClear), try port(\.tau), try port(\.tauCoef))
        let (inValid, inGrad, outGrad, sumAbs, tauNext) = (try port(\.inValid), try port(\.inGrad), try port(\.outGrad), try port(\.sumAbs), try port(\.tauNext))
        let lanes = config.lanes, gw = config.gradientWidth
        let seed32 = UInt32(truncatingIfNeeded: seed)
        var golden = try GradientPruner(gradientWidth: gw, laneCount: lanes, seed: seed32)
        let coef = try GradientPruner.tauCoefficient(pruneRate: pruneRate, count: batchSize)
        try sim.reset()
        sim.poke(seedBase, UInt64(seed32))
        sim.poke(seedLoad, 1)
        try sim.step()
        sim.poke(seedLoad, 0)
        sim.poke(coefP, coef)
        var rng = SplitMix64(seed: seed)
        var tau: Int64 = 0
        var mismatches = 0
        var first: String?
        var taus: [Int64] = [], sparsity: [Double] = []
        func fail(_ s: String) {
            mismatches += 1
            if first == nil { first = s }
        }
        let mask = (UInt64(1) << UInt64(gw)) - 1
        for b in 0..<batches {
            let g = batch(&rng)
            let (want, wantSum) = try golden.prune(g, tau: tau)
            taus.append(tau)
            sim.poke(tauP, UInt64(tau))
            var zeros = 0
            for start in stride(from: 0, to: g.count, by: lanes) {
                let n = min(lanes, g.count - start)
                var packed = [UInt32](repeating: 0, count: (lanes * gw + 31) / 32 + 1)
                var valid: UInt64 = 0
                for l in 0..<n {
                    valid |= 1 << UInt64(l)
                    let v = UInt64(bitPattern: g[start + l]) & mask
                    for bit in 0..<gw where (v >> UInt64(bit)) & 1 == 1 {
                        let i = l * gw + bit
                        packed[i / 32] |= 1 << UInt32(i % 32)
                    }
                }
                sim.poke(inValid, valid)
                sim.poke(inGrad, words: packed)
                sim.poke(sumClear, start == 0 ? 1 : 0)
                try sim.step()
                try sim.settle()
                let out = sim.peekWords(outGrad)
                for l in 0..<n {
                    var u: UInt64 = 0
                    for bit in 0..<gw {
                        let i = l * gw + bit
                        if (out[i / 32] >> UInt32(i % 32)) & 1 == 1 { u |= 1 << UInt64(bit) }
                    }
                    let got = Int64(bitPattern: u << UInt64(64 - gw)) >> Int64(64 - gw)
                    if got == 0 { zeros += 1 }
                    if got != want[start + l] {
                        fail("batch \(b) gradient \(start + l) = \(g[start + l]), tau \(tau): RTL \(got), golden \(want[start + l])")
                    }
                }
            }
            sim.poke(inValid, 0)
            sim.poke(sumClear, 0)
            try sim.settle()
            let rtlSum = sim.peek(sumAbs)
            if rtlSum != wantSum { fail("batch \(b): RTL sum |g| \(rtlSum), golden \(wantSum)") }
            let next = golden.nextTau(sumAbs: wantSum, coefficient: coef)
            let rtlTau = Int64(sim.peek(tauNext))
            if rtlTau != next { fail("batch \(b): RTL tau_next \(rtlTau), golden \(next)") }
            sparsity.append(Double(zeros) / Double(g.count))
            tau = next
        }
        return Report(gradients: batches * batchSize, mismatches: mismatches, firstMismatch: first, taus: taus, sparsity: sparsity)
    }
}
