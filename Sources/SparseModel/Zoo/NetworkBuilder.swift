/// A per-sample activation shape C×H×W.
struct ActivationShape: Hashable, CustomStringConvertible {
    var channels: Int
    var height: Int
    var width: Int

    var elements: Int { channels * height * width }
    var description: String { "\(channels)x\(height)x\(width)" }
}

/// Builds a ``Network`` in forward order, tracking the activation shape so that every layer's
/// input is derived from its producer rather than written out by hand (a typo in a definition then
/// shows up as a wrong parameter count, not as a silently inconsistent layer).
struct NetworkBuilder {
    private let name: String
    private let input: NetworkInput
    /// The shape of the activation the next op or layer reads.
    private(set) var shape: ActivationShape
    private var layers: [(name: String, spec: LayerSpec, bias: Bool)] = []
    private var hostOps: [HostOp] = []
    private var batchNormChannels = 0

    init(name: String, input: NetworkInput) {
        self.name = name
        self.input = input
        shape = ActivationShape(channels: input.channels, height: input.side, width: input.side)
    }

    /// The layer the next host op follows.
    private var last: String { layers.last?.name ?? "input" }

    /// A conv reading the current activation, or `from` (a residual block's input) if given.
    mutating func conv(
        _ layer: String, out: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool,
        from: ActivationShape? = nil
    ) throws {
        let x = from ?? shape
        let spec = try LayerSpec.conv(
            inChannels: x.channels, outChannels: out, height: x.height, width: x.width,
            kernelSize: kernel, stride: stride, padding: padding)
        layers.append((layer, spec, bias))
        shape = ActivationShape(channels: out, height: spec.outHeight, width: spec.outWidth)
    }

    /// An FC layer reading the current activation flattened (flatten is a view: no host op).
    mutating func fullyConnected(_ layer: String, out: Int, bias: Bool = true) throws {
        let spec = try LayerSpec.fullyConnected(inFeatures: shape.elements, outFeatures: out)
        layers.append((layer, spec, bias))
        shape = ActivationShape(channels: out, height: 1, width: 1)
    }

    mutating func relu() {
        hostOps.append(HostOp(kind: .relu, after: last, elements: shape.elements))
    }

    mutating func batchNorm() {
        batchNormChannels += shape.channels
        hostOps.append(HostOp(kind: .batchNorm, after: last, elements: shape.elements))
    }

    /// A K×K max pool with stride S and padding P; the output size floors, as PyTorch's default.
    mutating func maxPool(kernel: Int, stride: Int, padding: Int = 0) throws {
        let h = (shape.height + 2 * padding - kernel) / stride + 1
        let w = (shape.width + 2 * padding - kernel) / stride + 1
        guard shape.height + 2 * padding >= kernel, shape.width + 2 * padding >= kernel, h >= 1, w >= 1 else {
            throw SparseModelError("\(name): a \(kernel)x\(kernel) max pool does not fit \(shape.height)x\(shape.width)")
        }
        shape = ActivationShape(channels: shape.channels, height: h, width: w)
        hostOps.append(HostOp(kind: .maxPool, after: last, elements: shape.elements, window: kernel * kernel))
    }

    /// An adaptive average pool to side×side. At the target size already it is the identity and
    /// adds no op; otherwise the map must divide evenly (the zoo only needs exact windows).
    mutating func adaptiveAvgPool(to side: Int) throws {
        if shape.height == side, shape.width == side { return }
        guard side >= 1, shape.height % side == 0, shape.width % side == 0 else {
            throw SparseModelError("\(name): cannot average-pool \(shape.height)x\(shape.width) evenly to \(side)x\(side)")
        }
        let window = (shape.height / side) * (shape.width / side)
        shape = ActivationShape(channels: shape.channels, height: side, width: side)
        hostOps.append(HostOp(kind: .avgPool, after: last, elements: shape.elements, window: window))
    }

    /// The residual add of a block's main path and its shortcut (the block's input or its
    /// downsample conv's output), which must have the same shape; the sum has it too.
    mutating func residualAdd(mainPath: ActivationShape, shortcut: ActivationShape) throws {
        guard mainPath == shortcut else {
            throw SparseModelError("\(name): residual branches \(mainPath) and \(shortcut) differ after \(last)")
        }
        shape = mainPath
        hostOps.append(HostOp(kind: .residualAdd, after: last, elements: shape.elements))
    }

    mutating func softmaxCrossEntropy() {
        hostOps.append(HostOp(kind: .softmaxCrossEntropy, after: last, elements: shape.elements))
    }

    /// The network: the first layer (a conv on the image) and the last (the classifier) dense, and
    /// only the first without an input gradient.
    func build() throws -> Network {
        guard let first = layers.first, let final = layers.last, layers.count >= 2,
              first.spec.kind == .conv, final.spec.kind == .fullyConnected,
              final.spec.outChannels == input.classes
        else {
            throw SparseModelError("\(name): a network must start with a conv and end in an FC to \(input.classes) classes")
        }
        let built = layers.enumerated().map { i, l in
            let reason: String? =
                if i == 0 {
                    "first conv layer (Ci = \(l.spec.inChannels)): N:M training recipes keep it dense"
                } else if i == layers.count - 1 {
                    "last FC layer (classifier): kept dense"
                } else {
                    nil
                }
            return NetworkLayer(name: l.name, spec: l.spec, dense: reason != nil, denseReason: reason,
                                needsInputGradient: i != 0, bias: l.bias)
        }
        return Network(name: name, input: input, layers: built, hostOps: hostOps, batchNormChannels: batchNormChannels)
    }
}
