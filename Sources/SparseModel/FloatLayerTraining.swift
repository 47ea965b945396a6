import Formats

/// The float numerics of a layer's training step: the weight update and the order of
/// operations of the GEMMs, which is part of the float hardware's contract (results are
/// compared bit for bit, so the golden model sums in the hardware's order).
///
/// GEMM order (the SAT PE's, ``FloatGEMM``): a sparse beat sums the N kept products of one group
/// of M; a dense beat sums `lanes` (N) consecutive products; each beat's products go through the
/// adder tree, the tile's beats are accumulated in order. The reduction of a dense GEMM is padded
/// with +0 operands to a multiple of `group` (M), as the compiler's layouts pad it, and the padded
/// beats are part of the sum (a +0 product turns a −0 running sum into +0).
public struct FloatTraining: Sendable, Hashable, Codable, CustomStringConvertible {
    public let update: FloatWeightUpdate
    /// N, the products a dense beat sums.
    public let lanes: Int
    /// M, the reduction padding of a dense GEMM.
    public let group: Int

    /// Throws unless 1 ≤ lanes, lanes divides group.
    public init(update: FloatWeightUpdate, lanes: Int, group: Int) throws {
        guard lanes >= 1, group >= lanes, group % lanes == 0 else {
            throw SparseModelError("float training needs the dense lanes N to divide the group M, got N=\(lanes), M=\(group)")
        }
        self.update = update
        self.lanes = lanes
        self.group = group
    }

    public var description: String { "\(update), dense beats of \(lanes), reduction padded to \(group)" }

    /// C = A·B in the hardware's order (fp32 patterns, sign-extended).
    public func times(_ a: WeightOperand, _ b: Matrix<Int64>) throws -> Matrix<Int64> {
        guard a.cols == b.rows else {
            throw SparseModelError("float GEMM shape mismatch: A is \(a.rows)x\(a.cols), B is \(b.rows)x\(b.cols)")
        }
        let format = update.computeFormat, subnormals = update.subnormals
        switch a {
        case .sparse(let c):
            return try FloatGEMM.sparse(c, b, format: format, subnormals: subnormals)
        case .dense(let m):
            let k = (m.cols + group - 1) / group * group
            let ap = Matrix(rows: m.rows, cols: k) { i, j in j < m.cols ? m[i, j] : 0 }
            let bp = Matrix(rows: k, cols: b.cols) { i, j in i < b.rows ? b[i, j] : 0 }
            return try FloatGEMM.dense(ap, bp, lanes: lanes, format: format, subnormals: subnormals)
        }
    }
}

extension LayerTrainingOptions {
    /// How pruning ranks the compute copies: integers by |w|, floats by their magnitude key.
    public var ranking: WeightRanking {
        float.map { .floatMagnitude($0.update.computeFormat) } ?? .integer
    }

    /// The compute copy of a master tensor under these options' numerics.
    public func computeCopy(of master: ConvWeights<Int64>) throws -> ConvWeights<Int64> {
        try float.map { try $0.update.computeCopy(of: master) } ?? update.format.computeCopy(of: master)
    }
}

/// The golden model of one layer's training step on the float datapath: as
/// ``LayerTraining/step(layer:master:x:dY:options:)`` with bf16 operands (X, dY and the compute
/// copies), fp32 GEMM results and fp32 masters updated by ``FloatWeightUpdate``; the masks rank
/// the bf16 copies by magnitude key.
enum FloatLayerTraining {
    static func step(layer: LayerSpec, master: ConvWeights<Int64>, x: Tensor4, dY: Tensor4, options: LayerTrainingOptions,
                     float f: FloatTraining) throws -> LayerStepResult {
        try layer.requireWeights(master, "the master weight tensor")
        try layer.requireInput(x)
        try layer.requireOutputGradient(dY, batch: x.shape.batch)
        try x.requireValues(bits: f.update.computeFormat.width, "X")
        try dY.requireValues(bits: f.update.computeFormat.width, "dY")
        try master.requireValues(bits: 32, "the fp32 master")
        let sparsity = options.sparsity(for: layer)
        func bdwp(_ w: ConvWeights<Int64>) throws -> BDWPWeights {
            try BDWPWeights(weights: try f.update.computeCopy(of: w), layer: layer, sparsity: sparsity, order: options.reductionOrder,
                            backwardMaskSource: options.backwardMaskSource, ranking: options.ranking)
        }
        let used = try bdwp(master)
        let xcol = try layer.im2col(x, order: options.reductionOrder)
        let y = try Tensor4(channelsByPixels: try f.times(used.forwardOperand, xcol), shape: layer.outputShape(batch: x.shape.batch))
        let dX = try options.computeInputGradient
            ? Tensor4(channelsByPixels: try f.times(used.backwardOperand, try layer.backwardIm2col(dY)), shape: layer.inputShape(batch: x.shape.batch))
            : nil
        let dW = try layer.weights(fromForward: try f.times(.dense(dY.channelsByPixels), xcol.transposed), order: options.reductionOrder)
        let updated = try f.update.apply(master: master, gradient: dW, forwardMask: used.forwardMask)
        return LayerStepResult(used: used, y: y, dX: dX, dW: dW, master: updated, next: try bdwp(updated),
                               macs: LayerTraining.macs(layer: layer, batch: x.shape.batch, options: options))
    }
}

extension ConvWeights where Element == Int64 {
    /// Throws unless every value fits `bits`-bit two's complement.
    func requireValues(bits: Int, _ what: String) throws {
        let r = signedRange(bits: bits)
        if let bad = storage.first(where: { !r.contains($0) }) {
            throw SparseModelError("\(what) holds \(bad), which does not fit \(bits) bits")
        }
    }
}
