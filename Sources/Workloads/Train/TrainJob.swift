import Foundation
import SparseAccel
import SparseModel

/// What a whole-network training run is: the network, the batch, the systems (one per N:M
/// pattern: the dense baseline runs on the same hardware as its N:M step), the DRAM and the RTL
/// budget. Every job result carries it, so shards written on different machines can be checked
/// to belong to the same run before they are merged.
public struct TrainSetup: Sendable, Hashable, Codable {
    public var model: String
    public var input: NetworkInput
    public var batch: Int
    /// N:M patterns, the report's main pattern first (the others feed the pattern sweep).
    public var patterns: [String]
    /// The system of each pattern, by its top-level name (e.g. `sat_system_r16_c16_n2m8_...`).
    public var systems: [String]
    public var dram: DRAMTiming
    /// Bytes per memory beat (the port's width): the most one cycle moves each way.
    public var beatBytes: Int
    /// A job whose predicted step takes more cycles runs on the cycle model only.
    public var rtlBudget: Int
    /// The network layers run (1-based, inclusive); nil: all.
    public var firstLayer: Int?
    public var lastLayer: Int?

    public init(model: String, input: NetworkInput, batch: Int, patterns: [String], systems: [String], dram: DRAMTiming,
                beatBytes: Int, rtlBudget: Int, firstLayer: Int? = nil, lastLayer: Int? = nil) {
        self.model = model
        self.input = input
        self.batch = batch
        self.patterns = patterns
        self.systems = systems
        self.dram = dram
        self.beatBytes = beatBytes
        self.rtlBudget = rtlBudget
        self.firstLayer = firstLayer
        self.lastLayer = lastLayer
    }

    /// The network's layers this run covers, with their 0-based positions.
    public func selectedLayers(of network: Network) -> [(index: Int, layer: NetworkLayer)] {
        let lo = (firstLayer ?? 1) - 1, hi = (lastLayer ?? network.layers.count) - 1
        return network.layers.enumerated().filter { $0.offset >= lo && $0.offset <= hi }.map { ($0.offset, $0.element) }
    }
}

/// One unit of work: one layer shape's whole training step (FF, BP, WU with update and
/// pre-generation) in one mode on one pattern's system. Layers of identical shape share a job:
/// the system's cycles depend on the shape only, never on the data.
public struct TrainJob: Sendable, Hashable, Codable {
    public let pattern: String
    public let layer: LayerSpec
    public let needsInputGradient: Bool
    public let sparse: Bool

    public init(pattern: String, layer: LayerSpec, needsInputGradient: Bool, sparse: Bool) {
        self.pattern = pattern
        self.layer = layer
        self.needsInputGradient = needsInputGradient
        self.sparse = sparse
    }

    /// A stable name, also the job's file name: `2-8_conv_ci64_co64_56x56_k3_s1_p1_bp_sparse`.
    public var key: String {
        let l = layer
        let shape = l.kind == .conv
            ? "conv_ci\(l.inChannels)_co\(l.outChannels)_\(l.inHeight)x\(l.inWidth)_k\(l.kernelSize)_s\(l.stride)_p\(l.padding)"
            : "fc_in\(l.inChannels)_out\(l.outChannels)"
        return "\(pattern.replacingOccurrences(of: ":", with: "-"))_\(shape)_\(needsInputGradient ? "bp" : "nobp")_\(sparse ? "sparse" : "dense")"
    }

    /// The seed of the job's random operands: a hash of its key (FNV-1a), the same on every machine.
    public var seed: UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }

    /// Every job of `setup` in a fixed order: per pattern, per selected layer in network order
    /// (first occurrence of a shape), the dense step and, for a sparse-eligible layer, the N:M step.
    public static func plan(_ setup: TrainSetup, network: Network) -> [TrainJob] {
        var seen = Set<TrainJob>()
        var out: [TrainJob] = []
        for pattern in setup.patterns {
            for (_, l) in setup.selectedLayers(of: network) {
                for sparse in l.dense ? [false] : [false, true] {
                    let job = TrainJob(pattern: pattern, layer: l.spec, needsInputGradient: l.needsInputGradient, sparse: sparse)
                    if seen.insert(job).inserted { out.append(job) }
                }
            }
        }
        return out
    }

    /// The jobs of shard `index` (1-based) of `count`: every count-th job, starting at the index-th.
    public static func shard(_ jobs: [TrainJob], index: Int, count: Int) -> [TrainJob] {
        jobs.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }
}

/// A job's outcome: the layer step's report, from the RTL (checked against the golden model
/// and the cycle model) or from the cycle model alone.
public struct TrainJobResult: Sendable, Codable {
    public enum Source: String, Sendable, Codable {
        /// Co-simulated: tensors bit-exact and cycles equal to the cycle model (else `ok` is false).
        case rtl
        /// The cycle model only (the step exceeded the RTL budget).
        case model
    }

    public let setup: TrainSetup
    public let job: TrainJob
    public let source: Source
    public let report: LayerRun.Report

    public init(setup: TrainSetup, job: TrainJob, source: Source, report: LayerRun.Report) {
        self.setup = setup
        self.job = job
        self.source = source
        self.report = report
    }

    /// Co-simulated runs matched the golden step and the cycle model (model-only runs: true).
    public var ok: Bool { source == .model || (report.bitExact && report.cyclesMatchModel) }
}
