import Compiler
import SparseAccel
import SparseModel
import TestSupport

/// How a co-simulated layer's PPS patterns are chosen.
public enum PPSScheme: String, Sendable, Codable, CaseIterable {
    /// For each residue class, the n-of-K² pattern keeping the largest Σ|w| of the random weights.
    case magnitude
    /// The fixed pSConv assignment (P = 8, 4 of 9; needs --pattern-nnz 4 --period 8).
    case psconv
}

/// One SPS conv co-simulation case: a layer, random activations and PPS-pruned random weights
/// (seeded), the compiled program and the golden output.
public struct SPSConvCase: Sendable {
    public let config: SPSConfig
    public let layer: LayerSpec
    public let seed: UInt64
    public let assignment: PPSAssignment
    /// [ci][h][w], full signed range of the data width.
    public let input: [Int64]
    /// PPS-pruned.
    public let weights: ConvWeights<Int64>
    public let program: SPSProgram

    /// - Parameter inputAddressed: the core addresses the whole input (the bare core); false for
    ///   the SPS system, whose line buffer holds a band of input rows at a time.
    public init(config: SPSConfig, layer: LayerSpec, seed: UInt64, scheme: PPSScheme = .magnitude, inputAddressed: Bool = true) throws {
        try config.validate()
        guard layer.kind == .conv else { throw ConfigError("sim conv needs a conv layer, got \(layer)") }
        guard layer.kernelSize == config.kernelSize else {
            throw ConfigError("the sps core is built for K=\(config.kernelSize) kernels, the layer has K=\(layer.kernelSize)")
        }
        guard layer.inChannels < 1 << config.chanBits else { throw ConfigError("Ci=\(layer.inChannels) exceeds the core's \(config.chanBits)-bit channel count") }
        guard layer.inHeight < 1 << config.dimBits, layer.inWidth < 1 << config.dimBits else {
            throw ConfigError("H, W must be below \(1 << config.dimBits) for the core's \(config.dimBits)-bit dimension registers")
        }
        let acts = layer.inChannels * layer.inHeight * layer.inWidth
        guard !inputAddressed || acts <= 1 << config.actAddrBits else { throw ConfigError("the layer's \(acts) activations exceed the core's \(config.actAddrBits)-bit activation address") }
        guard acts <= 1 << 22, layer.outChannels <= 4096 else { throw ConfigError("sim conv runs layers of up to 2^22 activations and 4096 filters") }
        self.config = config
        self.layer = layer
        self.seed = seed
        var rng = SplitMix64(seed: seed)
        let d = config.dataWidth
        input = (0..<acts).map { _ in rng.signed(bits: d) }
        let dense = try ConvWeights<Int64>(outChannels: layer.outChannels, inChannels: layer.inChannels, kernelSize: layer.kernelSize) { _, _, _, _ in
            rng.signed(bits: d)
        }
        switch scheme {
        case .psconv:
            guard config.kernelSize == 3, config.patternNNZ == 4, config.period == 8 else {
                throw ConfigError("--scheme psconv is P=8, 4 of 9: use --pattern-nnz 4 --period 8")
            }
            assignment = try PPSAssignment.pSConv(denseEvery8th: false)
        case .magnitude:
            let magnitudes = try ConvWeights<Double>(outChannels: layer.outChannels, inChannels: layer.inChannels, kernelSize: layer.kernelSize) {
                Double(dense[$0, $1, $2, $3])
            }
            assignment = try PPSAssignment.magnitude(magnitudes, period: config.period,
                                                     candidates: try KernelPattern.all(kernelSize: config.kernelSize, keeping: config.patternNNZ))
        }
        weights = try assignment.prune(dense)
        program = try SPSProgram(layer: layer, assignment: assignment, weights: weights, rows: config.rows, cols: config.cols)
        guard program.weightStream.count <= 1 << config.weightAddrBits else {
            throw ConfigError("the packed weight stream (\(program.weightStream.count) beats) exceeds the core's \(config.weightAddrBits)-bit weight address")
        }
    }

    /// The golden output [co][oh][ow].
    public func reference() throws -> [Int64] {
        try PPSConvReference.conv(input: input, layer: layer, weights: weights, accWidth: config.accWidth)
    }

    /// The closed-form cycles of one tile and of the layer.
    public var expectedTileCycles: Int {
        SPSCycleModel.tileCycles(channels: layer.inChannels, slots: config.patternNNZ, rows: config.rows, cols: config.cols)
    }
    public var expectedLayerCycles: Int {
        SPSCycleModel.layerCycles(layer: layer, slots: config.patternNNZ, period: config.period, rows: config.rows, cols: config.cols)
    }
}
