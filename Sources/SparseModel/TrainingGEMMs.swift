import Formats

/// The options of one layer's training step.
public struct LayerTrainingOptions: Sendable, Hashable {
    /// The N:M pattern of BDWP; nil trains the layer dense.
    public var pattern: NMPattern?
    /// The forward reduction order (and so the forward N:M groups).
    public var reductionOrder: ReductionOrder
    /// Which weights the backward mask ranks.
    public var backwardMaskSource: BackwardMaskSource
    /// Keep this layer dense whatever the pattern (e.g. the first conv or the last FC layer).
    public var keepDense: Bool
    /// Compute dX (false for the first layer, whose input gradient nobody needs: BP is skipped).
    public var computeInputGradient: Bool
    /// The width of the GEMM accumulators (1...64): every GEMM sum wraps at this many bits.
    public var accWidth: Int
    /// The weight formats and the fixed-point SR-STE update; `update.format.computeBits` is also
    /// the width of X and dY.
    public var update: FixedPointUpdate
    /// Float numerics (bf16 copies of fp32 masters, ``FloatTraining``); nil: the integer datapath
    /// of `update`.
    public var float: FloatTraining?

    public init(
        pattern: NMPattern? = nil, reductionOrder: ReductionOrder = .channelsInnermost,
        backwardMaskSource: BackwardMaskSource = .dense, keepDense: Bool = false, computeInputGradient: Bool = true,
        accWidth: Int = 32, update: FixedPointUpdate = .standard, float: FloatTraining? = nil
    ) {
        self.pattern = pattern
        self.reductionOrder = reductionOrder
        self.backwardMaskSource = backwardMaskSource
        self.keepDense = keepDense
        self.computeInputGradient = computeInputGradient
        self.accWidth = accWidth
        self.update = update
        self.float = float
    }

    /// Whether `layer` trains sparse or dense under these options (``LayerSparsity/decide(layer:pattern:order:keepDense:)``).
    public func sparsity(for layer: LayerSpec) -> LayerSparsity {
        LayerSparsity.decide(layer: layer, pattern: pattern, order: reductionOrder, keepDense: keepDense)
    }
}

/// Multiply-accumulates of one GEMM.
public struct PhaseMACs: Sendable, Hashable {
    /// rows · reduction · columns of the GEMM as formulated (dense count, structural zeros included).
    public let gemm: Int
    /// What an N:M datapath issues: gemm · N/M when the phase runs sparse, else gemm.
    public let issued: Int

    public init(gemm: Int, issued: Int) {
        self.gemm = gemm
        self.issued = issued
    }

    static let zero = PhaseMACs(gemm: 0, issued: 0)
}

/// The MAC counts of one training step of a layer, per phase.
public struct StepMACs: Sendable, Hashable {
    /// FF: Co × K' × B·Ho·Wo.
    public let forward: PhaseMACs
    /// BP: Ci × K·K·Co × B·H·W (zero when dX is not computed). The dilated, padded dY makes this
    /// larger than the useful count, by about S² for stride S.
    public let backwardData: PhaseMACs
    /// WU: Co × B·Ho·Wo × K' (always dense).
    public let weightGradient: PhaseMACs
    /// The MACs of the direct loop nest of one phase that touch no padding (or dilation) zero:
    /// B·Co·Ci·(valid (output pixel, tap) pairs per image); the same for FF, BP and WU.
    public let usefulPerPhase: Int

    public var totalIssued: Int { forward.issued + backwardData.issued + weightGradient.issued }
    public var totalGEMM: Int { forward.gemm + backwardData.gemm + weightGradient.gemm }
}

/// The result of one training step of a layer.
public struct LayerStepResult: Sendable, Equatable {
    /// The weights used in this step: compute copy of the input master, Mf/Mb and the streamed Wf/Wbt.
    public let used: BDWPWeights
    /// Y = conv(X, Wf), B×Ho×Wo×Co accumulator values.
    public let y: Tensor4
    /// dX = convᵀ(dY, Wb), B×H×W×Ci accumulator values; nil when not computed.
    public let dX: Tensor4?
    /// dW = dY ⋆ X summed over the batch, Co×Ci×K×K accumulator values (dense).
    public let dW: ConvWeights<Int64>
    /// The updated master weights.
    public let master: ConvWeights<Int64>
    /// PREGEN's output for the next step: the updated compute copy (`next.weights`), its Mf and Mb
    /// and the compressed Wf and Wbt.
    public let next: BDWPWeights
    public let macs: StepMACs
}

/// The golden model of one layer's training step on the integer datapath, as the three GEMMs the
/// accelerator computes (see the lowering on ``LayerSpec``): FF `Y = Wf · Xcol`, BP
/// `dX = Wbt · dYcol`, WU `dW = dYmat · Xcolᵀ`; products exact, sums wrapping at the accumulator
/// width.
public enum LayerTraining {
    /// FF: Y (B×Ho×Wo×Co) = Wf · Xcol, with `weights.forwardOperand` (compressed or dense).
    public static func forward(_ x: Tensor4, weights: BDWPWeights, accWidth: Int) throws -> Tensor4 {
        let layer = weights.layer
        let y = try weights.forwardOperand.times(try layer.im2col(x, order: weights.order), accWidth: accWidth)
        return try Tensor4(channelsByPixels: y, shape: layer.outputShape(batch: x.shape.batch))
    }

    /// BP: dX (B×H×W×Ci) = Wbt · dYcol, with `weights.backwardOperand` (compressed or dense).
    public static func backwardData(_ dY: Tensor4, weights: BDWPWeights, accWidth: Int) throws -> Tensor4 {
        let layer = weights.layer
        let dx = try weights.backwardOperand.times(try layer.backwardIm2col(dY), accWidth: accWidth)
        return try Tensor4(channelsByPixels: dx, shape: layer.inputShape(batch: dY.shape.batch))
    }

    /// WU: dW (Co×Ci×K×K) = dYmat · Xcolᵀ, dense, summed over the batch; the GEMM's columns follow
    /// `order` and are mapped back to W's shape.
    public static func weightGradient(
        layer: LayerSpec, x: Tensor4, dY: Tensor4, order: ReductionOrder, accWidth: Int
    ) throws -> ConvWeights<Int64> {
        try layer.requireOutputGradient(dY, batch: x.shape.batch)
        let xcolT = try layer.im2col(x, order: order).transposed
        guard (1...64).contains(accWidth) else {
            throw SparseModelError("accumulator width must be in 1...64 bits, got \(accWidth)")
        }
        let dw = referenceGEMM(dY.channelsByPixels, xcolT, accWidth: accWidth)
        return try layer.weights(fromForward: dw, order: order)
    }

    /// One training step: the compute copy of `master`, its BDWP weights, FF, BP (unless disabled),
    /// WU, the fixed-point SR-STE update of the master with this step's Mf, and PREGEN of the
    /// updated weights. Throws unless the shapes fit the layer (X is B×H×W×Ci, dY B×Ho×Wo×Co),
    /// X and dY hold d-bit values, the master w-bit values, and `accWidth` is in 1...64.
    public static func step(
        layer: LayerSpec, master: ConvWeights<Int64>, x: Tensor4, dY: Tensor4, options: LayerTrainingOptions
    ) throws -> LayerStepResult {
        if let f = options.float { return try FloatLayerTraining.step(layer: layer, master: master, x: x, dY: dY, options: options, float: f) }
        let format = options.update.format
        try layer.requireWeights(master, "the master weight tensor")
        try layer.requireInput(x)
        try layer.requireOutputGradient(dY, batch: x.shape.batch)
        try x.requireValues(bits: format.computeBits, "X")
        try dY.requireValues(bits: format.computeBits, "dY")
        guard (1...64).contains(options.accWidth) else {
            throw SparseModelError("accumulator width must be in 1...64 bits, got \(options.accWidth)")
        }
        let sparsity = options.sparsity(for: layer)
        let used = try BDWPWeights(
            weights: try format.computeCopy(of: master), layer: layer, sparsity: sparsity,
            order: options.reductionOrder, backwardMaskSource: options.backwardMaskSource)
        let y = try forward(x, weights: used, accWidth: options.accWidth)
        let dX = options.computeInputGradient ? try backwardData(dY, weights: used, accWidth: options.accWidth) : nil
        let dW = try weightGradient(layer: layer, x: x, dY: dY, order: options.reductionOrder, accWidth: options.accWidth)
        let updated = try options.update.apply(master: master, gradient: dW, forwardMask: used.forwardMask)
        let next = try BDWPWeights(
            weights: try format.computeCopy(of: updated), layer: layer, sparsity: sparsity,
            order: options.reductionOrder, backwardMaskSource: options.backwardMaskSource)
        return LayerStepResult(
            used: used, y: y, dX: dX, dW: dW, master: updated, next: next,
            macs: macs(layer: layer, batch: x.shape.batch, options: options))
    }

    /// The MAC counts of one step for a batch of `batch` (shape-only; no data needed).
    public static func macs(layer: LayerSpec, batch: Int, options: LayerTrainingOptions) -> StepMACs {
        let p = options.sparsity(for: layer).pattern
        func phase(_ rows: Int, _ reduction: Int, _ cols: Int, sparse: Bool) -> PhaseMACs {
            let gemm = rows * reduction * cols
            guard sparse, let p else { return PhaseMACs(gemm: gemm, issued: gemm) }
            return PhaseMACs(gemm: gemm, issued: rows * (reduction / p.m * p.n) * cols)
        }
        let outPixels = batch * layer.outHeight * layer.outWidth, inPixels = batch * layer.inHeight * layer.inWidth
        return StepMACs(
            forward: phase(layer.outChannels, layer.forwardReductionLength, outPixels, sparse: true),
            backwardData: options.computeInputGradient
                ? phase(layer.inChannels, layer.backwardReductionLength, inPixels, sparse: true) : .zero,
            weightGradient: phase(layer.outChannels, outPixels, layer.forwardReductionLength, sparse: false),
            usefulPerPhase: batch * layer.outChannels * layer.inChannels * layer.validTapsPerImage)
    }
}
