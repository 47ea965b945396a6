import Formats
import SparseModel

/// The three GEMMs of a layer's training step.
public enum TrainingPhase: String, Sendable, Hashable, Codable, CaseIterable {
    /// FF: Y = Wf · Xcol.
    case forward
    /// BP: dX = Wbt · dYcol.
    case backwardData
    /// WU: dW = dYmat · Xcolᵀ.
    case weightGradient
}

/// The tensor axis along which a sparse left operand's N:M groups run (always M consecutive
/// reduction indices of the GEMM).
public enum NMAxis: Sendable, Hashable, CustomStringConvertible {
    /// FF: M consecutive forward reduction indices in this order (channels innermost: M input
    /// channels at one kernel tap).
    case forwardReduction(ReductionOrder)
    /// BP: M consecutive output channels at one (ci, kh, kw).
    case outputChannels

    public var description: String {
        switch self {
        case .forwardReduction(let o): return "forward reduction (\(o.rawValue))"
        case .outputChannels: return "Co"
        }
    }
}

/// The shape of one training GEMM C (rows × cols) = A (rows × reduction) · B (reduction × cols).
public struct GEMMShape: Sendable, Hashable, CustomStringConvertible {
    public let phase: TrainingPhase
    /// M, the rows of A and C.
    public let rows: Int
    /// K, the reduction length (columns of A, rows of B).
    public let reduction: Int
    /// N, the columns of B and C.
    public let cols: Int
    /// A's N:M pattern when A is sparse (compressed along K); nil when the GEMM is dense.
    public let pattern: NMPattern?
    /// The tensor axis of A's N:M groups when sparse.
    public let axis: NMAxis?

    public init(phase: TrainingPhase, rows: Int, reduction: Int, cols: Int, pattern: NMPattern?, axis: NMAxis?) {
        self.phase = phase
        self.rows = rows
        self.reduction = reduction
        self.cols = cols
        self.pattern = pattern
        self.axis = axis
    }

    /// rows · reduction · cols.
    public var denseMACs: Int { rows * reduction * cols }
    /// The MACs an N:M datapath issues: dense MACs · N/M when sparse.
    public var issuedMACs: Int { pattern.map { rows * (reduction / $0.m * $0.n) * cols } ?? denseMACs }

    public var description: String {
        "\(phase.rawValue): \(rows)x\(reduction) · \(reduction)x\(cols)" + (pattern.map { ", A \($0) along \(axis!)" } ?? ", dense")
    }
}

/// The shape-only plan of a layer's three training GEMMs for a batch (what the tiler needs), with
/// the maps from GEMM results back to tensors.
///
/// | phase | A (rows × K) | B (K × cols) | C |
/// |---|---|---|---|
/// | FF | Wf: Co × Ci·K·K, N:M along K (``ReductionOrder``) | Xcol: K' × B·Ho·Wo | Y: Co × B·Ho·Wo |
/// | BP | Wbt: Ci × K·K·Co, N:M along Co (r = (kh·K+kw)·Co + co) | dYcol: K·K·Co × B·H·W | dX: Ci × B·H·W |
/// | WU | dYmat: Co × B·Ho·Wo, dense | Xcolᵀ: B·Ho·Wo × K' | dW: Co × K' |
///
/// Result columns are pixels (b·Ho + oh)·Wo + ow (FF), (b·H + ih)·W + iw (BP), or forward
/// reduction indices k(ci, kh, kw) (WU).
public struct LayerGEMMPlan: Sendable, Hashable {
    public let layer: LayerSpec
    public let batch: Int
    public let options: LayerTrainingOptions
    public let sparsity: LayerSparsity
    public let forward: GEMMShape
    /// nil when the options skip dX (first layer).
    public let backwardData: GEMMShape?
    public let weightGradient: GEMMShape

    /// Throws unless `batch` ≥ 1.
    public init(layer: LayerSpec, batch: Int, options: LayerTrainingOptions) throws {
        guard batch >= 1 else { throw CompileError("a layer's GEMMs need a batch ≥ 1, got \(batch)") }
        self.layer = layer
        self.batch = batch
        self.options = options
        let s = options.sparsity(for: layer)
        sparsity = s
        let outPixels = batch * layer.outHeight * layer.outWidth, inPixels = batch * layer.inHeight * layer.inWidth
        forward = GEMMShape(phase: .forward, rows: layer.outChannels, reduction: layer.forwardReductionLength, cols: outPixels,
                            pattern: s.pattern, axis: s.pattern.map { _ in .forwardReduction(options.reductionOrder) })
        backwardData = options.computeInputGradient
            ? GEMMShape(phase: .backwardData, rows: layer.inChannels, reduction: layer.backwardReductionLength, cols: inPixels,
                        pattern: s.pattern, axis: s.pattern.map { _ in .outputChannels })
            : nil
        weightGradient = GEMMShape(phase: .weightGradient, rows: layer.outChannels, reduction: outPixels,
                                   cols: layer.forwardReductionLength, pattern: nil, axis: nil)
    }

    /// The GEMMs in execution order (FF, BP if computed, WU).
    public var all: [GEMMShape] { [forward] + (backwardData.map { [$0] } ?? []) + [weightGradient] }

    /// The tensor element of FF result [co][j]: Y[b][oh][ow][co].
    public func forwardElement(row co: Int, col j: Int) -> (b: Int, h: Int, w: Int, c: Int) {
        let ho = layer.outHeight, wo = layer.outWidth
        return (j / (ho * wo), j / wo % ho, j % wo, co)
    }

    /// The tensor element of BP result [ci][i]: dX[b][ih][iw][ci].
    public func backwardDataElement(row ci: Int, col i: Int) -> (b: Int, h: Int, w: Int, c: Int) {
        let h = layer.inHeight, w = layer.inWidth
        return (i / (h * w), i / w % h, i % w, ci)
    }

    /// The weight of WU result [co][k]: dW[co][ci][kh][kw] with (ci, kh, kw) = k's coordinates.
    public func weightGradientElement(row co: Int, col k: Int) -> (co: Int, ci: Int, kh: Int, kw: Int) {
        let (ci, kh, kw) = options.reductionOrder.coordinates(k, inChannels: layer.inChannels, kernelSize: layer.kernelSize)
        return (co, ci, kh, kw)
    }

    /// Y (B×Ho×Wo×Co) from the FF result matrix.
    public func y(fromResult c: Matrix<Int64>) throws -> Tensor4 {
        try check(c, forward)
        return try Tensor4(channelsByPixels: c, shape: layer.outputShape(batch: batch))
    }

    /// dX (B×H×W×Ci) from the BP result matrix.
    public func dX(fromResult c: Matrix<Int64>) throws -> Tensor4 {
        guard let bp = backwardData else { throw CompileError("this plan computes no dX") }
        try check(c, bp)
        return try Tensor4(channelsByPixels: c, shape: layer.inputShape(batch: batch))
    }

    /// dW (Co×Ci×K×K) from the WU result matrix.
    public func dW(fromResult c: Matrix<Int64>) throws -> ConvWeights<Int64> {
        try check(c, weightGradient)
        return try layer.weights(fromForward: c, order: options.reductionOrder)
    }

    private func check(_ c: Matrix<Int64>, _ s: GEMMShape) throws {
        guard c.rows == s.rows, c.cols == s.cols else {
            throw CompileError("the \(s.phase.rawValue) result is \(c.rows)x\(c.cols), expected \(s.rows)x\(s.cols)")
        }
    }
}

/// One training GEMM with its operands laid out for streaming: A as N:M compressed rows (sparse)
/// or a dense matrix, B as a dense K × N matrix.
public struct LayerGEMM: Sendable, Equatable {
    public let shape: GEMMShape
    /// A, rows × reduction: Wf (FF) or Wbt (BP), compressed when the layer is sparse; dYmat (WU).
    public let a: WeightOperand
    /// B, reduction × cols, dense: Xcol (FF), dYcol (BP), Xcolᵀ (WU).
    public let b: Matrix<Int64>

    /// C = A · B, products exact, sums wrapping at `accWidth` bits (the golden result of the GEMM).
    public func reference(accWidth: Int) throws -> Matrix<Int64> { try a.times(b, accWidth: accWidth) }
}

/// A layer's three training GEMMs with their operands, built from the BDWP weights of the step
/// (what PREGEN produced), the input X and the output gradient dY.
public struct LayerGEMMs: Sendable {
    public let plan: LayerGEMMPlan
    public let forward: LayerGEMM
    public let backwardData: LayerGEMM?
    public let weightGradient: LayerGEMM

    /// Throws unless `weights` were pruned for this layer with the options' sparsity and order, X is
    /// B×H×W×Ci and dY is B×Ho×Wo×Co.
    public init(weights: BDWPWeights, x: Tensor4, dY: Tensor4, options: LayerTrainingOptions) throws {
        let layer = weights.layer
        let plan = try LayerGEMMPlan(layer: layer, batch: x.shape.batch, options: options)
        guard weights.sparsity == plan.sparsity, weights.order == options.reductionOrder,
              weights.backwardMaskSource == options.backwardMaskSource else {
            throw CompileError(
                "the weights were pruned as \(weights.sparsity), \(weights.order.rawValue), Mb from \(weights.backwardMaskSource.rawValue); "
                    + "the options ask for \(plan.sparsity), \(options.reductionOrder.rawValue), Mb from \(options.backwardMaskSource.rawValue)")
        }
        try layer.requireOutputGradient(dY, batch: x.shape.batch)
        let xcol = try layer.im2col(x, order: options.reductionOrder)
        self.plan = plan
        forward = LayerGEMM(shape: plan.forward, a: weights.forwardOperand, b: xcol)
        backwardData = try plan.backwardData.map {
            LayerGEMM(shape: $0, a: weights.backwardOperand, b: try layer.backwardIm2col(dY))
        }
        weightGradient = LayerGEMM(shape: plan.weightGradient, a: .dense(dY.channelsByPixels), b: xcol.transposed)
    }

    /// The GEMMs in execution order (FF, BP if computed, WU).
    public var all: [LayerGEMM] { [forward] + (backwardData.map { [$0] } ?? []) + [weightGradient] }
}
