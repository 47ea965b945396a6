/// The order of the forward GEMM's reduction index k over (ci, kh, kw), K' = Ci·K·K values.
///
/// One choice drives the im2col rows, the columns of the weight GEMM view and the forward N:M
/// groups (M consecutive k), so hardware layout and golden masks cannot disagree.
public enum ReductionOrder: String, Sendable, Hashable, Codable, CaseIterable {
    /// k = (kh·K + kw)·Ci + ci: input channels innermost at a fixed kernel tap, so an N:M group is
    /// M consecutive input channels at one (kh, kw) (SR-STE / NVIDIA style). The default.
    case channelsInnermost
    /// k = (ci·K + kh)·K + kw: the flattened Ci·K·K order of ``ConvWeights/asMatrix`` (Bi-Mask
    /// style); a group may span kernel taps and input channels.
    case flattened

    /// The reduction index of (ci, kh, kw) for Ci = `inChannels` and kernel `kernelSize`.
    public func index(ci: Int, kh: Int, kw: Int, inChannels: Int, kernelSize: Int) -> Int {
        switch self {
        case .channelsInnermost: return (kh * kernelSize + kw) * inChannels + ci
        case .flattened: return (ci * kernelSize + kh) * kernelSize + kw
        }
    }

    /// The (ci, kh, kw) of reduction index `k` (the inverse of `index`).
    public func coordinates(_ k: Int, inChannels: Int, kernelSize: Int) -> (ci: Int, kh: Int, kw: Int) {
        switch self {
        case .channelsInnermost:
            let tap = k / inChannels
            return (k % inChannels, tap / kernelSize, tap % kernelSize)
        case .flattened:
            return (k / (kernelSize * kernelSize), k / kernelSize % kernelSize, k % kernelSize)
        }
    }
}

/// The lowering of a layer's three training GEMMs onto matrices (their operands and results).
///
/// Notation: X is B×H×W×Ci, Y and dY are B×Ho×Wo×Co, W is Co×Ci×K×K; an output pixel is
/// j = (b·Ho + oh)·Wo + ow, an input pixel i = (b·H + ih)·W + iw; k is the forward reduction
/// index (``ReductionOrder``) and r = (kh·K + kw)·Co + co the backward one.
///
/// * FF  `Y[co][j]  = Σ_k Wf[co][k] · Xcol[k][j]` with `Xcol[k(ci,kh,kw)][j] = X[b][oh·S−P+kh][ow·S−P+kw][ci]`
///   (zero outside the input);
/// * BP  `dX[ci][i] = Σ_r Wbt[ci][r] · dYcol[r][i]` with `Wbt[ci][r(kh,kw,co)] = Wb[co][ci][kh][kw]` and
///   `dYcol[r(kh,kw,co)][i] = dY[b][oh][ow][co]` where `oh = (ih+P−kh)/S`, `ow = (iw+P−kw)/S` when
///   both divisions are exact and land in 0..<Ho, 0..<Wo, else 0;
/// * WU  `dW[co][k] = Σ_j dY[co][j] · Xcol[k][j]`, i.e. dYmat (Co × B·Ho·Wo) times Xcolᵀ.
extension LayerSpec {
    // MARK: Forward weight view (Co × K')

    /// The forward reduction index of (ci, kh, kw) in `order`.
    public func forwardIndex(ci: Int, kh: Int, kw: Int, order: ReductionOrder) -> Int {
        order.index(ci: ci, kh: kh, kw: kw, inChannels: inChannels, kernelSize: kernelSize)
    }

    /// The Co × K' GEMM view of `w` in `order`: element [co][k(ci,kh,kw)] is W[co][ci][kh][kw].
    /// (With `.flattened` this is `w.asMatrix`.) Throws unless `w` has this layer's shape.
    public func forwardMatrix<T>(_ w: ConvWeights<T>, order: ReductionOrder) throws -> Matrix<T> {
        try requireWeights(w, "the weight tensor")
        return Matrix(rows: outChannels, cols: forwardReductionLength) { co, k in
            let (ci, kh, kw) = order.coordinates(k, inChannels: inChannels, kernelSize: kernelSize)
            return w[co, ci, kh, kw]
        }
    }

    /// The weight tensor from its Co × K' view in `order` (the inverse of `forwardMatrix`).
    /// Throws unless the matrix is Co × K'.
    public func weights<T>(fromForward m: Matrix<T>, order: ReductionOrder) throws -> ConvWeights<T> {
        guard m.rows == outChannels, m.cols == forwardReductionLength else {
            throw SparseModelError(
                "a \(m.rows)x\(m.cols) matrix is not the forward weight view of \(self) (needs \(outChannels)x\(forwardReductionLength))")
        }
        return try ConvWeights(outChannels: outChannels, inChannels: inChannels, kernelSize: kernelSize) { co, ci, kh, kw in
            m[co, forwardIndex(ci: ci, kh: kh, kw: kw, order: order)]
        }
    }

    // MARK: Backward weight view (Ci × K·K·Co)

    /// The backward reduction index r = (kh·K + kw)·Co + co: output channels innermost at a fixed
    /// kernel tap, so the backward mask's groups (M consecutive co) are M consecutive r.
    public func backwardIndex(kh: Int, kw: Int, co: Int) -> Int { (kh * kernelSize + kw) * outChannels + co }

    /// The (kh, kw, co) of backward reduction index `r`.
    public func backwardCoordinates(_ r: Int) -> (kh: Int, kw: Int, co: Int) {
        let tap = r / outChannels
        return (tap / kernelSize, tap % kernelSize, r % outChannels)
    }

    /// The Ci × K·K·Co operand of the backward-data GEMM: element [ci][r(kh,kw,co)] is
    /// W[co][ci][kh][kw] (Wᵀ per kernel tap, taps side by side). Throws unless `w` has this layer's
    /// shape.
    public func backwardMatrix<T>(_ w: ConvWeights<T>) throws -> Matrix<T> {
        try requireWeights(w, "the weight tensor")
        return Matrix(rows: inChannels, cols: backwardReductionLength) { ci, r in
            let (kh, kw, co) = backwardCoordinates(r)
            return w[co, ci, kh, kw]
        }
    }

    /// The weight tensor from its Ci × K·K·Co backward view (the inverse of `backwardMatrix`).
    public func weights<T>(fromBackward m: Matrix<T>) throws -> ConvWeights<T> {
        guard m.rows == inChannels, m.cols == backwardReductionLength else {
            throw SparseModelError(
                "a \(m.rows)x\(m.cols) matrix is not the backward weight view of \(self) (needs \(inChannels)x\(backwardReductionLength))")
        }
        return try ConvWeights(outChannels: outChannels, inChannels: inChannels, kernelSize: kernelSize) { co, ci, kh, kw in
            m[ci, backwardIndex(kh: kh, kw: kw, co: co)]
        }
    }

    // MARK: Dense operands

    /// Throws unless `x` is B×H×W×Ci for this layer (any B ≥ 1).
    public func requireInput(_ x: Tensor4) throws {
        guard x.shape == inputShape(batch: x.shape.batch) else {
            throw SparseModelError("the input is \(x.shape), \(self) needs Bx\(inHeight)x\(inWidth)x\(inChannels)")
        }
    }

    /// Throws unless `dY` is B×Ho×Wo×Co for this layer and `batch`.
    public func requireOutputGradient(_ dY: Tensor4, batch: Int) throws {
        guard dY.shape == outputShape(batch: batch) else {
            throw SparseModelError("the output gradient is \(dY.shape), \(self) needs \(outputShape(batch: batch))")
        }
    }

    /// Xcol, the K' × B·Ho·Wo im2col of `x` in `order`: element [k(ci,kh,kw)][(b·Ho + oh)·Wo + ow]
    /// is X[b][oh·S − P + kh][ow·S − P + kw][ci], zero where that falls in the padding.
    public func im2col(_ x: Tensor4, order: ReductionOrder) throws -> Matrix<Int64> {
        try requireInput(x)
        let batch = x.shape.batch, ho = outHeight, wo = outWidth, kk = kernelSize
        let cols = batch * ho * wo
        var m = Matrix<Int64>(rows: forwardReductionLength, cols: cols, repeating: 0)
        for b in 0..<batch {
            for oh in 0..<ho {
                for ow in 0..<wo {
                    let j = (b * ho + oh) * wo + ow
                    for kh in 0..<kk {
                        let ih = oh * stride - padding + kh
                        guard ih >= 0, ih < inHeight else { continue }
                        for kw in 0..<kk {
                            let iw = ow * stride - padding + kw
                            guard iw >= 0, iw < inWidth else { continue }
                            for ci in 0..<inChannels {
                                m[forwardIndex(ci: ci, kh: kh, kw: kw, order: order), j] = x[b, ih, iw, ci]
                            }
                        }
                    }
                }
            }
        }
        return m
    }

    /// dYcol, the K·K·Co × B·H·W operand of the backward-data GEMM: element
    /// [(kh·K + kw)·Co + co][(b·H + ih)·W + iw] is dY[b][oh][ow][co] with oh = (ih + P − kh)/S and
    /// ow = (iw + P − kw)/S when both divisions are exact and in range, zero otherwise.
    ///
    /// Equivalently: the stride-1 im2col of dY dilated by S (S − 1 zeros between neighbours), padded
    /// by K − 1 − P before and K − 1 − P + (H + 2P − K) mod S after (likewise in width), read with
    /// the 180°-rotated kernel: row (kh, kw, co) holds the tap (K−1−kh, K−1−kw) of that window.
    public func backwardIm2col(_ dY: Tensor4) throws -> Matrix<Int64> {
        let batch = dY.shape.batch
        try requireOutputGradient(dY, batch: batch)
        let ho = outHeight, wo = outWidth, kk = kernelSize, co = outChannels
        let cols = batch * inHeight * inWidth
        var m = Matrix<Int64>(rows: backwardReductionLength, cols: cols, repeating: 0)
        for b in 0..<batch {
            for ih in 0..<inHeight {
                for iw in 0..<inWidth {
                    let i = (b * inHeight + ih) * inWidth + iw
                    for kh in 0..<kk {
                        let th = ih + padding - kh
                        guard th >= 0, th % stride == 0, th / stride < ho else { continue }
                        for kw in 0..<kk {
                            let tw = iw + padding - kw
                            guard tw >= 0, tw % stride == 0, tw / stride < wo else { continue }
                            let base = backwardIndex(kh: kh, kw: kw, co: 0)
                            for c in 0..<co { m[base + c, i] = dY[b, th / stride, tw / stride, c] }
                        }
                    }
                }
            }
        }
        return m
    }

    /// The number of (output pixel, kernel tap) pairs of one image whose input pixel is inside the
    /// input (not padding): the useful MACs of each of FF, BP and WU are B·Co·Ci times this.
    public var validTapsPerImage: Int {
        func along(_ size: Int, _ outSize: Int) -> Int {
            var n = 0
            for o in 0..<outSize {
                for k in 0..<kernelSize where (0..<size).contains(o * stride - padding + k) { n += 1 }
            }
            return n
        }
        return along(inHeight, outHeight) * along(inWidth, outWidth)
    }
}
