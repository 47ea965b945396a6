import SparseAccel
import SparseModel
import TestSupport

/// The pattern choice of the storage study (`hwgen formats`).
public struct PPSStudyScheme: Sendable {
    public let scheme: String
    public let period: Int
    public let n: Int
    public let seed: UInt64

    public init(scheme: String, period: Int?, patternNNZ: Int?, seed: UInt64) throws {
        switch scheme {
        case "psconv", "psconv-dense":
            if period != nil || patternNNZ != nil { throw ConfigError("--period and --pattern-nnz apply to --scheme magnitude (psconv is P=8, 4 of 9)") }
            self.period = 8
            n = 4
        case "magnitude":
            self.period = period ?? 8
            n = patternNNZ ?? 4
            guard (1...256).contains(self.period) else { throw ConfigError("--period must be in 1...256, got \(self.period)") }
            guard (1...9).contains(n) else { throw ConfigError("--pattern-nnz must be in 1...9, got \(n)") }
        default:
            throw ConfigError("--scheme expects psconv, psconv-dense or magnitude, got '\(scheme)'")
        }
        self.scheme = scheme
        self.seed = seed
    }

    public var description: String {
        switch scheme {
        case "psconv": "pSConv (P=8, 4 of 9, 4 patterns)"
        case "psconv-dense": "pSConv with a dense 3x3 every 8th kernel (P=8, 5 patterns)"
        default: "magnitude-driven (P=\(period), \(n) of 9, seeded random weights, seed \(seed))"
        }
    }

    public func assignment(_ index: Int, _ spec: LayerSpec) throws -> PPSAssignment {
        switch scheme {
        case "psconv": return try .pSConv(denseEvery8th: false)
        case "psconv-dense": return try .pSConv(denseEvery8th: true)
        default:
            var rng = SplitMix64(seed: seed &+ UInt64(index))
            let w = try ConvWeights<Double>(outChannels: spec.outChannels, inChannels: spec.inChannels, kernelSize: spec.kernelSize) { _, _, _, _ in
                Double(rng.signed(bits: 16)) / 32768
            }
            return try .magnitude(w, period: period, candidates: try KernelPattern.all(kernelSize: spec.kernelSize, keeping: n))
        }
    }
}
