/// The input a network is defined for: the image side and the number of classes. The zoo's
/// networks take 3-channel square images.
public enum NetworkInput: String, Sendable, Hashable, Codable, CaseIterable {
    /// ImageNet: 3×224×224 images, 1000 classes (torchvision's definitions).
    case imagenet
    /// CIFAR-10: 3×32×32 images, 10 classes (the common CIFAR training code's definitions).
    case cifar10

    /// The input image's height and width.
    public var side: Int {
        switch self {
        case .imagenet: 224
        case .cifar10: 32
        }
    }

    /// The input image's channels (RGB).
    public var channels: Int { 3 }

    /// The number of classes, the last FC layer's output features.
    public var classes: Int {
        switch self {
        case .imagenet: 1000
        case .cifar10: 10
        }
    }
}

/// One conv or FC layer of a network: the work the accelerator runs as GEMMs.
public struct NetworkLayer: Sendable, Hashable, Codable {
    /// The layer's module path in the reference PyTorch definition ("conv1", "layer2.0.conv1",
    /// "layer2.0.downsample.0", "features.3", "classifier.6", "fc"), so a checkpoint's keys map to it.
    public let name: String
    /// The layer's geometry for one sample (batch is a separate argument everywhere).
    public let spec: LayerSpec
    /// Whether the layer stays dense under N:M training. N:M recipes (SR-STE, BDWP, …) keep the
    /// first conv (Ci = 3 is too few channels to group, and it is a tiny share of the MACs) and the
    /// classifier dense; every other layer is sparse-eligible.
    public let dense: Bool
    /// Why the layer is dense, nil for a sparse-eligible layer.
    public let denseReason: String?
    /// Whether the backward pass computes the gradient of the layer's input (dX). False only for
    /// the first layer: its input is the image, which needs no gradient.
    public let needsInputGradient: Bool
    /// Whether the layer has a bias vector of `spec.outChannels` (counted in parameters; the bias
    /// add itself is folded into the GEMM's output and not counted as host work).
    public let bias: Bool

    /// A layer; see the properties for the meaning of each argument.
    public init(name: String, spec: LayerSpec, dense: Bool, denseReason: String?, needsInputGradient: Bool, bias: Bool) {
        self.name = name
        self.spec = spec
        self.dense = dense
        self.denseReason = denseReason
        self.needsInputGradient = needsInputGradient
        self.bias = bias
    }

    /// The trainable parameters of the layer: Co·Ci·K·K weights plus Co biases if it has them.
    public var parameterCount: Int { spec.weightCount + (bias ? spec.outChannels : 0) }

    /// The multiply-accumulates of the layer's forward pass for one sample: every output element
    /// reduces Ci·K·K products.
    public var forwardMACs: Int { spec.weightCount * spec.outHeight * spec.outWidth }
}

/// The kinds of non-GEMM work in a training step, done by the host: counted, not simulated.
/// Flatten (a view), dropout (ignored, as the zoo's MAC and parameter figures ignore it) and
/// identity pools (an adaptive pool whose input already has the target size) do no work and have no kind.
public enum HostOpKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// max(x, 0).
    case relu
    /// A max pool over a window.
    case maxPool
    /// An average pool over a window (a global average pool: the window is the whole feature map).
    case avgPool
    /// Batch normalisation in training mode (batch statistics, then scale and shift).
    case batchNorm
    /// The residual connection's elementwise add of two branches.
    case residualAdd
    /// Softmax and the cross-entropy loss over the classes (one output element per class).
    case softmaxCrossEntropy

    /// Estimated element operations (an add, multiply, compare, exp, …, each counted as one) per
    /// output element for the forward and the backward pass, where `window` is the number of input
    /// elements each output element reads (the pool window; 1 for the other kinds). Estimates, for
    /// sizing the host's share of a step:
    /// - ReLU: 1 compare forward; 1 select (pass or zero the gradient) backward.
    /// - Max pool: `window` compares forward; 1 backward (route the gradient to the argmax).
    /// - Average pool: `window` adds (and a scale) forward; `window` backward (spread grad / window).
    /// - Batch norm: ~4 forward (mean and variance accumulation, normalise, scale and shift); ~6
    ///   backward (the dγ and dβ sums, the two reductions of the input gradient, its formula).
    /// - Residual add: 1 forward; 0 backward (the gradient fans out to both branches unchanged).
    /// - Softmax-CE: ~4 per class forward (max, exp, sum, normalise and log); 1 backward (p − y).
    public func operationsPerElement(window: Int) -> (forward: Int, backward: Int) {
        switch self {
        case .relu: (1, 1)
        case .maxPool: (window, 1)
        case .avgPool: (window, window)
        case .batchNorm: (4, 6)
        case .residualAdd: (1, 0)
        case .softmaxCrossEntropy: (4, 1)
        }
    }
}

/// One piece of host work in a network's training step, placed after a layer.
public struct HostOp: Sendable, Hashable, Codable {
    /// What the op does.
    public let kind: HostOpKind
    /// The name of the layer whose output the op follows (after the ops listed before it with the
    /// same `after`), or "input" for an op on the image.
    public let after: String
    /// The op's output elements per sample (a pool: its output map; softmax-CE: the classes).
    public let elements: Int
    /// The input elements each output element reads: the pool window (K·K, or H·W for a global
    /// average pool); 1 for the other kinds.
    public let window: Int

    /// An op; see the properties for the meaning of each argument.
    public init(kind: HostOpKind, after: String, elements: Int, window: Int = 1) {
        self.kind = kind
        self.after = after
        self.elements = elements
        self.window = window
    }

    /// The op's estimated element operations per sample, forward and backward (see
    /// ``HostOpKind/operationsPerElement(window:)``).
    public var operations: (forward: Int, backward: Int) {
        let perElement = kind.operationsPerElement(window: window)
        return (elements * perElement.forward, elements * perElement.backward)
    }
}

/// A whole network: its conv and FC layers in execution order and the host work between them.
public struct Network: Sendable, Hashable, Codable {
    /// The zoo name ("resnet18", …).
    public let name: String
    /// The input the network is defined for.
    public let input: NetworkInput
    /// The conv and FC layers in forward order. A residual block lists its main path, then its
    /// downsample conv (which reads the block's input, not the previous layer's output).
    public let layers: [NetworkLayer]
    /// The host ops in forward order.
    public let hostOps: [HostOp]
    /// The total channels of all batch-norm layers (each has a trainable scale and shift per channel).
    public let batchNormChannels: Int

    /// A network; see the properties for the meaning of each argument.
    public init(name: String, input: NetworkInput, layers: [NetworkLayer], hostOps: [HostOp], batchNormChannels: Int) {
        self.name = name
        self.input = input
        self.layers = layers
        self.hostOps = hostOps
        self.batchNormChannels = batchNormChannels
    }

    /// The trainable parameters: weights, biases and 2 per batch-norm channel (γ and β; the
    /// running statistics are buffers, not parameters, as in PyTorch's count).
    public var parameterCount: Int {
        layers.reduce(0) { $0 + $1.parameterCount } + 2 * batchNormChannels
    }

    /// The forward multiply-accumulates of the conv and FC layers for one sample (host ops excluded,
    /// as in the commonly published figures).
    public var forwardMACs: Int { layers.reduce(0) { $0 + $1.forwardMACs } }

    /// The host's estimated element operations for a training step on a batch of `batch`, forward
    /// and backward (see ``HostOpKind/operationsPerElement(window:)``).
    public func hostElementOps(batch: Int) -> (forward: Int, backward: Int) {
        let perSample = hostOps.reduce((forward: 0, backward: 0)) {
            let o = $1.operations
            return ($0.forward + o.forward, $0.backward + o.backward)
        }
        return (batch * perSample.forward, batch * perSample.backward)
    }
}
