/// What kind of layer a ``LayerSpec`` describes.
public enum LayerKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A 2-D convolution (square kernel, same stride and padding in both directions).
    case conv
    /// A fully connected layer: the convolution with K = 1, H = W = 1, S = 1, P = 0.
    case fullyConnected
}

/// The geometry of one conv or FC layer: input Ci×H×W, Co output channels, a K×K kernel, stride S
/// and zero padding P on every side; the output is Co×Ho×Wo with
/// Ho = ⌊(H + 2P − K) / S⌋ + 1 and Wo = ⌊(W + 2P − K) / S⌋ + 1.
///
/// A fully connected layer (in → out) is the conv case Ci = in, Co = out, H = W = K = 1, S = 1,
/// P = 0, so every lowering below treats both alike. Every initialiser validates; a `LayerSpec`
/// value is always valid.
public struct LayerSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    public let kind: LayerKind
    /// Ci, the input channels (FC: the input features).
    public let inChannels: Int
    /// Co, the output channels (FC: the output features).
    public let outChannels: Int
    /// H and W, the input height and width (FC: 1).
    public let inHeight: Int
    public let inWidth: Int
    /// K, the kernel height and width (FC: 1).
    public let kernelSize: Int
    /// S, the stride in both directions (FC: 1).
    public let stride: Int
    /// P, the zero padding on each of the four sides (FC: 0).
    public let padding: Int

    /// A convolution. Throws unless Ci, Co, H, W, K, S ≥ 1, 0 ≤ P < K and the padded input holds
    /// the kernel (H + 2P ≥ K, W + 2P ≥ K). (P < K keeps the transposed convolution of the
    /// backward pass a plain convolution of the dilated gradient, padded by K − 1 − P ≥ 0.)
    public static func conv(
        inChannels: Int, outChannels: Int, height: Int, width: Int,
        kernelSize: Int, stride: Int = 1, padding: Int = 0
    ) throws -> LayerSpec {
        try LayerSpec(kind: .conv, inChannels: inChannels, outChannels: outChannels, inHeight: height,
                      inWidth: width, kernelSize: kernelSize, stride: stride, padding: padding)
    }

    /// A fully connected layer with `inFeatures` inputs and `outFeatures` outputs. Throws unless
    /// both are at least 1.
    public static func fullyConnected(inFeatures: Int, outFeatures: Int) throws -> LayerSpec {
        try LayerSpec(kind: .fullyConnected, inChannels: inFeatures, outChannels: outFeatures, inHeight: 1,
                      inWidth: 1, kernelSize: 1, stride: 1, padding: 0)
    }

    private init(
        kind: LayerKind, inChannels: Int, outChannels: Int, inHeight: Int, inWidth: Int,
        kernelSize: Int, stride: Int, padding: Int
    ) throws {
        let what = kind == .conv ? "conv layer" : "FC layer"
        guard inChannels >= 1, outChannels >= 1 else {
            throw SparseModelError("\(what) needs Ci, Co ≥ 1, got Ci=\(inChannels), Co=\(outChannels)")
        }
        guard inHeight >= 1, inWidth >= 1, kernelSize >= 1, stride >= 1 else {
            throw SparseModelError(
                "\(what) needs H, W, K, S ≥ 1, got H=\(inHeight), W=\(inWidth), K=\(kernelSize), S=\(stride)")
        }
        guard padding >= 0, padding < kernelSize else {
            throw SparseModelError("\(what) needs 0 ≤ P < K, got P=\(padding), K=\(kernelSize)")
        }
        // Bound every dimension so that every element count and index below fits Int comfortably.
        let limit = 1 << 24
        guard [inChannels, outChannels, inHeight, inWidth, kernelSize, stride].allSatisfy({ $0 <= limit }) else {
            throw SparseModelError("\(what) dimensions must be at most \(limit)")
        }
        guard inHeight + 2 * padding >= kernelSize, inWidth + 2 * padding >= kernelSize else {
            throw SparseModelError(
                "\(what): K=\(kernelSize) does not fit the padded input \(inHeight + 2 * padding)x\(inWidth + 2 * padding) "
                    + "(H=\(inHeight), W=\(inWidth), P=\(padding))")
        }
        self.kind = kind
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        let reduction = Self.product([inChannels, kernelSize, kernelSize])
        let weights = reduction.flatMap { r in Self.product([r, outChannels]) }
        guard weights != nil else {
            throw SparseModelError("\(what) Ci=\(inChannels), Co=\(outChannels), K=\(kernelSize) has too many weights")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case kind, inChannels, outChannels, inHeight, inWidth, kernelSize, stride, padding
    }

    /// Decodes the eight fields and validates them as the factory functions do; an invalid layer is
    /// a `DecodingError`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(
                kind: try c.decode(LayerKind.self, forKey: .kind),
                inChannels: try c.decode(Int.self, forKey: .inChannels),
                outChannels: try c.decode(Int.self, forKey: .outChannels),
                inHeight: try c.decode(Int.self, forKey: .inHeight), inWidth: try c.decode(Int.self, forKey: .inWidth),
                kernelSize: try c.decode(Int.self, forKey: .kernelSize), stride: try c.decode(Int.self, forKey: .stride),
                padding: try c.decode(Int.self, forKey: .padding))
        } catch let e as SparseModelError {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: e.message)
        }
        if kind == .fullyConnected, inHeight != 1 || inWidth != 1 || kernelSize != 1 || stride != 1 || padding != 0 {
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: c, debugDescription: "an FC layer has H = W = K = S = 1 and P = 0")
        }
    }

    /// Ho = ⌊(H + 2P − K) / S⌋ + 1.
    public var outHeight: Int { (inHeight + 2 * padding - kernelSize) / stride + 1 }
    /// Wo = ⌊(W + 2P − K) / S⌋ + 1.
    public var outWidth: Int { (inWidth + 2 * padding - kernelSize) / stride + 1 }

    /// K' = Ci·K·K, the forward (and weight-gradient output) reduction length.
    public var forwardReductionLength: Int { inChannels * kernelSize * kernelSize }
    /// K·K·Co, the backward-data reduction length.
    public var backwardReductionLength: Int { kernelSize * kernelSize * outChannels }
    /// The number of weights, Co·Ci·K·K.
    public var weightCount: Int { outChannels * forwardReductionLength }

    /// The activation shape B×H×W×Ci of the layer's input for a batch of `batch`.
    public func inputShape(batch: Int) -> TensorShape {
        TensorShape(batch: batch, height: inHeight, width: inWidth, channels: inChannels)
    }

    /// The activation shape B×Ho×Wo×Co of the layer's output for a batch of `batch`.
    public func outputShape(batch: Int) -> TensorShape {
        TensorShape(batch: batch, height: outHeight, width: outWidth, channels: outChannels)
    }

    public var description: String {
        switch kind {
        case .conv:
            return "conv Ci=\(inChannels) Co=\(outChannels) \(inHeight)x\(inWidth) K=\(kernelSize) S=\(stride) P=\(padding)"
        case .fullyConnected:
            return "fc \(inChannels)->\(outChannels)"
        }
    }

    /// A zero-filled Co×Ci×K×K weight tensor of this layer's shape.
    public func zeroWeights() -> ConvWeights<Int64> {
        // The dimensions were validated, so this cannot throw.
        try! ConvWeights(outChannels: outChannels, inChannels: inChannels, kernelSize: kernelSize, repeating: 0)
    }

    /// Throws unless `w` is Co×Ci×K×K for this layer; `what` names the tensor in the message.
    public func requireWeights<T>(_ w: ConvWeights<T>, _ what: String) throws {
        guard w.outChannels == outChannels, w.inChannels == inChannels, w.kernelSize == kernelSize else {
            throw SparseModelError(
                "\(what) is \(w.outChannels)x\(w.inChannels)x\(w.kernelSize)x\(w.kernelSize), the layer needs "
                    + "\(outChannels)x\(inChannels)x\(kernelSize)x\(kernelSize) (Co x Ci x K x K)")
        }
    }

    static func product(_ factors: [Int]) -> Int? {
        var p = 1
        for f in factors {
            let (q, o) = p.multipliedReportingOverflow(by: f)
            if o { return nil }
            p = q
        }
        return p
    }
}
