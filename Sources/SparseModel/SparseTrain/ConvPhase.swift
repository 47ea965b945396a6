/// The three training computations of a convolution layer that SparseTrain runs on its 1-D
/// convolution array.
public enum ConvPhase: String, Sendable, Hashable, Codable, CaseIterable {
    /// Forward: Y = conv(X, W).
    case ff
    /// Backward data: dX = convᵀ(dY, W), computed only where the ReLU mask of X is set.
    case bp
    /// Weight update: dW = corr(X, dY).
    case wu

    /// Parses `ff`, `bp` or `wu`.
    public static func parse(_ s: String) throws -> ConvPhase {
        guard let p = ConvPhase(rawValue: s) else { throw SparseModelError("phase must be ff, bp or wu, got '\(s)'") }
        return p
    }
}

/// The reference results of the three phases for one image, written directly from the
/// convolution's definition (independent of the 1-D dataflow and of the RTL). Integer operands,
/// exact Int64 sums wrapped to `accWidth` bits as the accumulators wrap.
public enum ConvReference {
    /// Y[co][ho][wo] = Σ_{ci,kh,kw} X[ci][ho·s+kh−p][wo·s+kw−p] · W[co][ci][kh][kw].
    public static func forward(_ layer: LayerSpec, x: ChannelTensor<Int64>, w: ConvWeights<Int64>, accWidth: Int) -> ChannelTensor<Int64> {
        let (s, p, k) = (layer.stride, layer.padding, layer.kernelSize)
        var y = ChannelTensor<Int64>(channels: layer.outChannels, height: layer.outHeight, width: layer.outWidth, fill: 0)
        for co in 0..<layer.outChannels { for ho in 0..<layer.outHeight { for wo in 0..<layer.outWidth {
            var acc: Int64 = 0
            for ci in 0..<layer.inChannels { for kh in 0..<k { for kw in 0..<k {
                let h = ho * s + kh - p, c = wo * s + kw - p
                guard h >= 0, h < layer.inHeight, c >= 0, c < layer.inWidth else { continue }
                acc &+= x[ci, h, c] &* w[co, ci, kh, kw]
            } } }
            y[co, ho, wo] = wrap(acc, accWidth)
        } } }
        return y
    }

    /// dX[ci][h][c] = mask[ci][h][c] ? Σ_{co,ho,wo,kh,kw : h = ho·s+kh−p, c = wo·s+kw−p} dY[co][ho][wo] · W[co][ci][kh][kw] : 0.
    public static func backward(_ layer: LayerSpec, dy: ChannelTensor<Int64>, w: ConvWeights<Int64>, mask: ChannelTensor<Bool>?, accWidth: Int) -> ChannelTensor<Int64> {
        let (s, p, k) = (layer.stride, layer.padding, layer.kernelSize)
        var dx = ChannelTensor<Int64>(channels: layer.inChannels, height: layer.inHeight, width: layer.inWidth, fill: 0)
        for co in 0..<layer.outChannels { for ho in 0..<layer.outHeight { for wo in 0..<layer.outWidth {
            let g = dy[co, ho, wo]
            if g == 0 { continue }
            for ci in 0..<layer.inChannels { for kh in 0..<k { for kw in 0..<k {
                let h = ho * s + kh - p, c = wo * s + kw - p
                guard h >= 0, h < layer.inHeight, c >= 0, c < layer.inWidth else { continue }
                dx[ci, h, c] &+= g &* w[co, ci, kh, kw]
            } } }
        } } }
        for i in dx.values.indices {
            dx.values[i] = (mask?.values[i] ?? true) ? wrap(dx.values[i], accWidth) : 0
        }
        return dx
    }

    /// dW[co][ci][kh][kw] = Σ_{ho,wo} dY[co][ho][wo] · X[ci][ho·s+kh−p][wo·s+kw−p].
    public static func weightGradient(_ layer: LayerSpec, x: ChannelTensor<Int64>, dy: ChannelTensor<Int64>, accWidth: Int) -> ConvWeights<Int64> {
        let (s, p, k) = (layer.stride, layer.padding, layer.kernelSize)
        var dw = layer.zeroWeights()
        for co in 0..<layer.outChannels { for ci in 0..<layer.inChannels { for kh in 0..<k { for kw in 0..<k {
            var acc: Int64 = 0
            for ho in 0..<layer.outHeight { for wo in 0..<layer.outWidth {
                let h = ho * s + kh - p, c = wo * s + kw - p
                guard h >= 0, h < layer.inHeight, c >= 0, c < layer.inWidth else { continue }
                acc &+= dy[co, ho, wo] &* x[ci, h, c]
            } }
            dw[co, ci, kh, kw] = wrap(acc, accWidth)
        } } } }
        return dw
    }

    /// `v` wrapped to a signed `bits`-bit value.
    public static func wrap(_ v: Int64, _ bits: Int) -> Int64 {
        bits >= 64 ? v : (v << Int64(64 - bits)) >> Int64(64 - bits)
    }
}
