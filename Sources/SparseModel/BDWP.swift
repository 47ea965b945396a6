import Formats

/// Whether a layer trains with BDWP (N:M in FF and BP) or stays dense, and why.
///
/// The rule (``LayerSparsity/decide(layer:pattern:order:keepDense:)``): a layer is sparse iff a
/// pattern is given, the layer is not flagged dense, the forward groups tile the reduction
/// (channels innermost: M divides Ci, so a group never spans two kernel taps; flattened: M divides
/// Ci·K·K) and M divides Co (the backward groups). Otherwise both FF and BP run dense; WU is always
/// dense. A first conv with Ci = 3 is dense by this rule for every M; a last FC layer is dense by
/// flagging it (`keepDense`), as N:M training usually does.
public enum LayerSparsity: Sendable, Hashable, CustomStringConvertible {
    case sparse(NMPattern)
    case dense(DenseReason)

    /// Why a layer stays dense.
    public enum DenseReason: Sendable, Hashable, CustomStringConvertible {
        /// No N:M pattern was given (dense training).
        case noPattern
        /// The layer was flagged to stay dense (e.g. the first conv or the last FC layer).
        case flagged
        /// M does not divide the forward group axis (Ci for channels innermost, Ci·K·K flattened).
        case forwardAxis(length: Int, m: Int)
        /// M does not divide Co, the backward group axis.
        case outputChannels(length: Int, m: Int)

        public var description: String {
            switch self {
            case .noPattern: return "no N:M pattern"
            case .flagged: return "flagged dense"
            case .forwardAxis(let l, let m): return "forward group axis \(l) is not a multiple of M=\(m)"
            case .outputChannels(let l, let m): return "Co=\(l) is not a multiple of M=\(m)"
            }
        }
    }

    /// Applies the rule above.
    public static func decide(
        layer: LayerSpec, pattern: NMPattern?, order: ReductionOrder, keepDense: Bool = false
    ) -> LayerSparsity {
        guard let p = pattern else { return .dense(.noPattern) }
        if keepDense { return .dense(.flagged) }
        let axis = order == .channelsInnermost ? layer.inChannels : layer.forwardReductionLength
        if axis % p.m != 0 { return .dense(.forwardAxis(length: axis, m: p.m)) }
        if layer.outChannels % p.m != 0 { return .dense(.outputChannels(length: layer.outChannels, m: p.m)) }
        return .sparse(p)
    }

    /// The pattern when sparse.
    public var pattern: NMPattern? {
        if case .sparse(let p) = self { return p } else { return nil }
    }

    public var description: String {
        switch self {
        case .sparse(let p): return "sparse \(p)"
        case .dense(let r): return "dense (\(r))"
        }
    }
}

/// The left (weight) operand of a sparse-capable GEMM: N:M compressed along its reduction
/// (columns), or dense.
public enum WeightOperand: Sendable, Equatable {
    case sparse(NMCompressed<Int64>)
    case dense(Matrix<Int64>)

    public var rows: Int {
        switch self {
        case .sparse(let c): return c.rows
        case .dense(let m): return m.rows
        }
    }

    public var cols: Int {
        switch self {
        case .sparse(let c): return c.cols
        case .dense(let m): return m.cols
        }
    }

    public var isSparse: Bool { if case .sparse = self { return true } else { return false } }

    /// The dense matrix (decompressed when sparse: pruned entries are zero).
    public var matrix: Matrix<Int64> {
        switch self {
        case .sparse(let c): return c.decompress()
        case .dense(let m): return m
        }
    }

    /// `self · b` with products exact and the sum wrapping at `accWidth` bits: `referenceSparseGEMM`
    /// on the compressed form when sparse, `referenceGEMM` when dense. Throws on a shape mismatch or
    /// an accumulator width outside 1...64.
    public func times(_ b: Matrix<Int64>, accWidth: Int) throws -> Matrix<Int64> {
        guard cols == b.rows else {
            throw SparseModelError("GEMM shape mismatch: A is \(rows)x\(cols), B is \(b.rows)x\(b.cols)")
        }
        switch self {
        case .sparse(let c): return try referenceSparseGEMM(c, b, accWidth: accWidth)
        case .dense(let m):
            guard (1...64).contains(accWidth) else {
                throw SparseModelError("accumulator width must be in 1...64 bits, got \(accWidth)")
            }
            return referenceGEMM(m, b, accWidth: accWidth)
        }
    }
}

/// How pruning ranks weight values.
public enum WeightRanking: Sendable, Hashable {
    /// Integers by |w|.
    case integer
    /// Float bit patterns of a format (sign-extended in `Int64`) by ``Formats/FloatFormat/magnitudeKey(_:)``:
    /// the pattern with the sign cleared, as the hardware's `TopNSelector` ranks them (a NaN
    /// ranks above +Inf; −0 and +0 tie).
    case floatMagnitude(FloatFormat)

    /// The values the masks rank (non-negative keys for floats, the values themselves for integers).
    func keys(_ w: Matrix<Int64>) -> Matrix<Int64> {
        guard case .floatMagnitude(let f) = self else { return w }
        return Matrix(rows: w.rows, cols: w.cols) { r, c in Int64(f.magnitudeKey(UInt32(truncatingIfNeeded: w[r, c]))) }
    }
}

/// The BDWP weights of one layer derived from its (compute) weights W — what the accelerator's
/// pre-generation (PREGEN) produces after each update and FF/BP stream in the next step.
///
/// * Mf: for each co and each group of M consecutive forward reduction indices k (``ReductionOrder``),
///   keep the N largest |W| (ties to the lower k) — by default M consecutive ci at one (kh, kw);
/// * Mb: for each (ci, kh, kw) and each group of M consecutive co, keep the N largest |R| where
///   R = W (`.dense`) or W ⊙ Mf (`.forwardSparse`, Bi-Mask style);
/// * Wf = W ⊙ Mf as the Co × K' forward operand, compressed along K' (rows = co);
/// * Wb = R ⊙ Mb (so W ⊙ Mb, or W ⊙ Mf ⊙ Mb for `.forwardSparse`) as the Ci × K·K·Co backward
///   operand Wbt, compressed along its reduction (rows = ci, groups = M consecutive co at one tap).
///
/// For a dense layer both masks keep everything and both operands are dense (Wf = W, Wb = W).
public struct BDWPWeights: Sendable, Equatable {
    public let layer: LayerSpec
    public let order: ReductionOrder
    public let backwardMaskSource: BackwardMaskSource
    public let sparsity: LayerSparsity
    /// The weights the masks were computed from (the d-bit compute copy).
    public let weights: ConvWeights<Int64>
    /// Mf as a Co×Ci×K×K tensor (`true` = kept).
    public let forwardMask: ConvWeights<Bool>
    /// Mb as a Co×Ci×K×K tensor (`true` = kept).
    public let backwardMask: ConvWeights<Bool>
    /// Wf, Co × K' (reduction in `order`).
    public let forwardOperand: WeightOperand
    /// Wbt, Ci × K·K·Co (reduction r = (kh·K + kw)·Co + co).
    public let backwardOperand: WeightOperand

    /// Prunes `weights` for `layer` with the given sparsity (see ``LayerSparsity/decide(layer:pattern:order:keepDense:)``).
    /// Throws unless the weights have the layer's shape and, when sparse, the pattern tiles the axes.
    public init(
        weights: ConvWeights<Int64>, layer: LayerSpec, sparsity: LayerSparsity, order: ReductionOrder = .channelsInnermost,
        backwardMaskSource: BackwardMaskSource = .dense, ranking: WeightRanking = .integer
    ) throws {
        try layer.requireWeights(weights, "the weight tensor")
        self.layer = layer
        self.order = order
        self.backwardMaskSource = backwardMaskSource
        self.sparsity = sparsity
        self.weights = weights
        let wf = try layer.forwardMatrix(weights, order: order)
        guard let p = sparsity.pattern else {
            let all = try ConvWeights<Bool>(
                outChannels: layer.outChannels, inChannels: layer.inChannels, kernelSize: layer.kernelSize, repeating: true)
            forwardMask = all
            backwardMask = all
            forwardOperand = .dense(wf)
            backwardOperand = .dense(try layer.backwardMatrix(weights))
            return
        }
        guard layer.outChannels % p.m == 0, order != .channelsInnermost || layer.inChannels % p.m == 0 else {
            throw SparseModelError("\(p) BDWP needs M to divide Co and the forward group axis of \(layer) (\(order.rawValue))")
        }
        // Masks on the Co × K' view: Mf along rows, Mb along columns (Co).
        let keys = ranking.keys(wf)
        let mf = try NMPruning.forwardMask(keys, p)
        let mb = try NMPruning.backwardMask(keys, p, source: backwardMaskSource)
        forwardMask = try layer.weights(fromForward: mf.bits, order: order)
        backwardMask = try layer.weights(fromForward: mb.bits, order: order)
        forwardOperand = .sparse(try NMCompressed(compressing: wf, mask: mf, pattern: p))
        let ranked = backwardMaskSource == .dense ? weights : try layer.weights(fromForward: try mf.apply(to: wf), order: order)
        let wbt = try layer.backwardMatrix(ranked)
        let mbt = Mask(try layer.backwardMatrix(backwardMask))
        backwardOperand = .sparse(try NMCompressed(compressing: wbt, mask: mbt, pattern: p))
    }

    /// Wf = W ⊙ Mf as a Co×Ci×K×K tensor.
    public var forwardWeights: ConvWeights<Int64> { try! layer.weights(fromForward: forwardOperand.matrix, order: order) }
    /// Wb as a Co×Ci×K×K tensor (W ⊙ Mb, or W ⊙ Mf ⊙ Mb for `.forwardSparse`).
    public var backwardWeights: ConvWeights<Int64> { try! layer.weights(fromBackward: backwardOperand.matrix) }
}
