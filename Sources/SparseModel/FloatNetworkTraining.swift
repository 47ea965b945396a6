import Foundation
import Formats

/// Multi-step float training of a sequential network (conv/FC layers with ReLU, max pools and a
/// softmax cross-entropy loss, e.g. small-cnn): the layers' GEMMs and weight updates run on an
/// executor (the accelerator, or the golden model), the rest on the host in `Float`.
///
/// One step on a batch, with operands in the compute format F (bf16 or fp16):
/// * forward: layer i's FF `Y = Wf · X` on the executor (F X, fp32 Y); the host applies the
///   layer's ops (ReLU: `y > 0 ? y : +0`; k×k/k max pool: the first maximum of a window in
///   row-major order) and rounds the result to F, the next layer's X (an FC layer's input is
///   the NHWC map flattened in storage order);
/// * loss: softmax cross-entropy of the last layer's fp32 outputs (the logits), the batch mean;
///   its gradient (p − onehot) / B, times the static loss scale 2^S (exact: a power of two);
/// * backward, last layer first: the host routes the gradient back through the layer's ops
///   (max pool: to the window's maximum; ReLU: where y > 0) and rounds it to F, the layer's
///   dY; the executor runs the layer's training step (FF again, BP, WU and the fp32 SR-STE
///   update) with that dY and gives dX (fp32) and the new master.
///
/// Rounding to F is ``Formats/FloatFormat/narrowed(fromFP32:subnormals:)`` (nearest even,
/// overflow to ±Inf; fp16: subnormal grid below 2^−14, magnitudes up to 2^−25 become ±0). With
/// the loss scale every dY and dW is 2^S times the unscaled one (exactly, while it stays in
/// fp32's normal range), so the executor's update must use η·2^−S: a system trained with loss
/// scale S runs its update unit with learning-rate shift L + S for η = 2^−L. The scale lifts
/// fp16 gradients off the subnormal grid and out of the flush to zero.
///
/// Every host operation is deterministic `Float` arithmetic, so two executors whose layer steps
/// agree bit for bit give bit-equal losses and weights. Biases are not modelled (the layers
/// train their weights only).
public struct FloatNetworkTraining: Sendable {
    /// A host op after a layer.
    enum HostStage: Sendable, Hashable {
        case relu
        case maxPool(Int)
    }

    public let network: Network
    /// The host ops after each layer, in order.
    let stages: [[HostStage]]
    /// The operand format of the executor's GEMMs: bf16 or fp16.
    public let computeFormat: FloatFormat
    /// S of the static loss scale 2^S applied to the loss gradient.
    public let lossScaleShift: Int

    /// The largest loss-scale shift: 2^S times a loss gradient (magnitude ≤ 1) stays below fp16's
    /// largest finite value.
    public static let maxLossScaleShift = 15

    /// Throws a one-line error unless the network is sequential with the supported host ops and
    /// its shapes chain (each layer's output, after its ops, is the next layer's input), the
    /// compute format is bf16 or fp16 and the loss-scale shift is in 0...``maxLossScaleShift``.
    public init(_ network: Network, computeFormat: FloatFormat = .bf16, lossScaleShift: Int = 0) throws {
        guard computeFormat != .fp32 else {
            throw SparseModelError("float training computes in bf16 or fp16, not \(computeFormat)")
        }
        guard (0...Self.maxLossScaleShift).contains(lossScaleShift) else {
            throw SparseModelError("the loss-scale shift must be in 0...\(Self.maxLossScaleShift), got \(lossScaleShift)")
        }
        self.computeFormat = computeFormat
        self.lossScaleShift = lossScaleShift
        var stages: [[HostStage]] = []
        let names = Set(network.layers.map(\.name))
        for op in network.hostOps where !names.contains(op.after) {
            throw SparseModelError("float training runs host ops after layers only, not after '\(op.after)'")
        }
        for (i, layer) in network.layers.enumerated() {
            var s: [HostStage] = []
            var shape = layer.spec.outputShape(batch: 1)
            for op in network.hostOps where op.after == layer.name {
                switch op.kind {
                case .relu: s.append(.relu)
                case .maxPool:
                    let k = Int(Double(op.window).squareRoot().rounded())
                    guard k * k == op.window, shape.height % k == 0, shape.width % k == 0,
                          op.elements == shape.height / k * (shape.width / k) * shape.channels else {
                        throw SparseModelError("float training supports k×k max pools of stride k only (\(network.name), after \(layer.name))")
                    }
                    s.append(.maxPool(k))
                    shape = TensorShape(batch: 1, height: shape.height / k, width: shape.width / k, channels: shape.channels)
                case .softmaxCrossEntropy:
                    guard i == network.layers.count - 1 else {
                        throw SparseModelError("float training needs the loss after the last layer, not after \(layer.name)")
                    }
                default:
                    throw SparseModelError("float training supports sequential networks with ReLU, max pools and softmax cross-entropy "
                        + "(e.g. small-cnn); \(network.name) has \(op.kind.rawValue)")
                }
            }
            if i + 1 < network.layers.count {
                let next = network.layers[i + 1].spec
                let fits = next.inputShape(batch: 1) == shape
                    || (next.inHeight == 1 && next.inWidth == 1 && next.inChannels == shape.height * shape.width * shape.channels)
                guard fits else {
                    throw SparseModelError("float training needs a sequential network: \(network.layers[i + 1].name) does not read \(layer.name)'s output")
                }
            }
            stages.append(s)
        }
        guard network.hostOps.last?.kind == .softmaxCrossEntropy else {
            throw SparseModelError("float training needs a softmax cross-entropy loss after the last layer")
        }
        self.network = network
        self.stages = stages
    }

    /// What one layer's executor computes.
    public struct LayerExecutor {
        /// FF: Y (fp32 patterns) of layer `i` with master `master` on input `x` (bf16 patterns).
        public var forward: (_ i: Int, _ master: ConvWeights<Int64>, _ x: Tensor4) throws -> Tensor4
        /// The training step of layer `i` with output gradient `dY`: dX (nil for the first layer)
        /// and the updated master.
        public var step: (_ i: Int, _ master: ConvWeights<Int64>, _ x: Tensor4, _ dY: Tensor4) throws -> (dX: Tensor4?, master: ConvWeights<Int64>)

        public init(forward: @escaping (Int, ConvWeights<Int64>, Tensor4) throws -> Tensor4,
                    step: @escaping (Int, ConvWeights<Int64>, Tensor4, Tensor4) throws -> (dX: Tensor4?, master: ConvWeights<Int64>)) {
            self.forward = forward
            self.step = step
        }
    }

    /// How the host's roundings to the compute format went: values rounded, and among them the
    /// non-zero finite fp32 values that became ±0 (flushed), landed on the subnormal grid, or
    /// overflowed to ±Inf.
    public struct NarrowingStats: Sendable, Hashable, Codable {
        public var values = 0
        public var nonZero = 0
        public var flushedToZero = 0
        public var subnormal = 0
        public var overflowed = 0

        public init() {}

        mutating func record(_ x: Float, _ narrowed: UInt32, _ format: FloatFormat) {
            values += 1
            guard x != 0, x.isFinite else { return }
            nonZero += 1
            switch format.classify(narrowed) {
            case .zero: flushedToZero += 1
            case .subnormal: subnormal += 1
            case .infinity: overflowed += 1
            default: break
            }
        }

        public static func + (a: NarrowingStats, b: NarrowingStats) -> NarrowingStats {
            var s = a
            s.values += b.values
            s.nonZero += b.nonZero
            s.flushedToZero += b.flushedToZero
            s.subnormal += b.subnormal
            s.overflowed += b.overflowed
            return s
        }
    }

    /// One training step on `images` (compute-format patterns, B×H×W×3) with `labels`; updates
    /// `masters` and returns the loss computed from the executor's outputs.
    public func step(masters: inout [ConvWeights<Int64>], images: Tensor4, labels: [Int], executor: LayerExecutor) throws -> Float {
        var a = NarrowingStats(), g = NarrowingStats()
        return try step(masters: &masters, images: images, labels: labels, executor: executor, activations: &a, gradients: &g)
    }

    /// ``step(masters:images:labels:executor:)``, adding the host's roundings of activations (the
    /// next layers' X) and of gradients (the layers' dY) to `activations` and `gradients`.
    public func step(masters: inout [ConvWeights<Int64>], images: Tensor4, labels: [Int], executor: LayerExecutor,
                     activations: inout NarrowingStats, gradients: inout NarrowingStats) throws -> Float {
        let batch = images.shape.batch
        guard labels.count == batch, masters.count == network.layers.count else {
            throw SparseModelError("float training step: \(labels.count) labels and \(masters.count) masters for a batch of \(batch) and \(network.layers.count) layers")
        }
        // Forward.
        var inputs: [Tensor4] = []
        var traces: [[Trace]] = []
        var x = images
        var logits: [Float] = []
        for (i, layer) in network.layers.enumerated() {
            x = try Tensor4(shape: layer.spec.inputShape(batch: batch), storage: x.storage)
            inputs.append(x)
            let y = try executor.forward(i, masters[i], x)
            var a = HostTensor(fp32: y)
            var t: [Trace] = []
            for s in stages[i] { t.append(a.apply(s)) }
            traces.append(t)
            if i + 1 < network.layers.count { x = try a.narrowed(computeFormat, stats: &activations) } else { logits = a.values }
        }
        // Loss.
        let classes = network.layers.last!.spec.outChannels
        guard logits.count == batch * classes, labels.allSatisfy({ (0..<classes).contains($0) }) else {
            throw SparseModelError("float training step: labels must be in 0..<\(classes)")
        }
        var loss: Float = 0
        var grad = [Float](repeating: 0, count: logits.count)
        for b in 0..<batch {
            let row = Array(logits[(b * classes)..<((b + 1) * classes)])
            let top = row.max()!
            let e = row.map { Foundation.exp($0 - top) }
            let sum = e.reduce(0, +)
            loss += Foundation.log(sum) - (row[labels[b]] - top)
            for c in 0..<classes { grad[b * classes + c] = (e[c] / sum - (c == labels[b] ? 1 : 0)) / Float(batch) }
        }
        loss /= Float(batch)
        let scale = Float(sign: .plus, exponent: lossScaleShift, significand: 1)
        grad = grad.map { $0 * scale }
        // Backward.
        var g = HostTensor(shape: network.layers.last!.spec.outputShape(batch: batch), values: grad)
        for i in network.layers.indices.reversed() {
            for t in traces[i].reversed() { g = t.backward(g) }
            let dY = try Tensor4(shape: network.layers[i].spec.outputShape(batch: batch),
                                 storage: try g.narrowed(computeFormat, stats: &gradients).storage)
            let r = try executor.step(i, masters[i], inputs[i], dY)
            masters[i] = r.master
            if i > 0 {
                guard let dX = r.dX else { throw SparseModelError("float training step: layer \(network.layers[i].name) returned no dX") }
                // dX is in layer i's input shape; the previous layer's post-op shape has the same storage.
                let before = traces[i - 1].last?.outputShape ?? network.layers[i - 1].spec.outputShape(batch: batch)
                g = HostTensor(shape: before, values: HostTensor(fp32: dX).values)
            }
        }
        return loss
    }

    /// The golden executor: ``LayerTraining`` steps with `options(i)` (float options).
    public static func golden(layers: [LayerSpec], options: @escaping (Int) -> LayerTrainingOptions) -> LayerExecutor {
        LayerExecutor(forward: { i, master, x in
            try LayerTraining.floatForward(layer: layers[i], master: master, x: x, options: options(i))
        }, step: { i, master, x, dY in
            let r = try LayerTraining.step(layer: layers[i], master: master, x: x, dY: dY, options: options(i))
            return (r.dX, r.master)
        })
    }
}

/// What a host op remembers for its backward pass.
struct Trace {
    let stage: FloatNetworkTraining.HostStage
    let inputShape: TensorShape
    let outputShape: TensorShape
    /// ReLU: the positions passed; max pool: the input index of each output's maximum.
    let passed: [Bool]
    let argmax: [Int]

    func backward(_ g: HostTensor) -> HostTensor {
        var out = [Float](repeating: 0, count: inputShape.batch * inputShape.height * inputShape.width * inputShape.channels)
        switch stage {
        case .relu:
            for i in out.indices where passed[i] { out[i] = g.values[i] }
        case .maxPool:
            for (o, src) in argmax.enumerated() { out[src] += g.values[o] }
        }
        return HostTensor(shape: inputShape, values: out)
    }
}

/// A host activation or gradient: NHWC `Float` values.
struct HostTensor {
    var shape: TensorShape
    var values: [Float]

    init(shape: TensorShape, values: [Float]) {
        self.shape = shape
        self.values = values
    }

    /// The values of a tensor of fp32 patterns.
    init(fp32 t: Tensor4) {
        shape = t.shape
        values = t.storage.map { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }
    }

    /// The values rounded to `format` (``Formats/FloatFormat/narrowed(fromFP32:subnormals:)``
    /// with IEEE subnormals: a flushing PE flushes its operands itself), as sign-extended patterns.
    func narrowed(_ format: FloatFormat, stats: inout FloatNetworkTraining.NarrowingStats) throws -> Tensor4 {
        try Tensor4(shape: shape, storage: values.map { v in
            let b = format.narrowed(fromFP32: v.bitPattern)
            stats.record(v, b, format)
            return FloatGEMM.signExtended(b, width: format.width)
        })
    }

    /// Applies a host op in place and returns its trace.
    mutating func apply(_ s: FloatNetworkTraining.HostStage) -> Trace {
        let input = shape
        switch s {
        case .relu:
            let passed = values.map { $0 > 0 }
            values = zip(values, passed).map { $1 ? $0 : 0 }
            return Trace(stage: s, inputShape: input, outputShape: input, passed: passed, argmax: [])
        case .maxPool(let k):
            let out = TensorShape(batch: shape.batch, height: shape.height / k, width: shape.width / k, channels: shape.channels)
            var v: [Float] = [], arg: [Int] = []
            for b in 0..<out.batch { for oh in 0..<out.height { for ow in 0..<out.width { for c in 0..<out.channels {
                var best = -1
                for dh in 0..<k { for dw in 0..<k {
                    let i = ((b * shape.height + oh * k + dh) * shape.width + ow * k + dw) * shape.channels + c
                    if best < 0 || values[i] > values[best] { best = i }
                } }
                v.append(values[best])
                arg.append(best)
            } } } }
            shape = out
            values = v
            return Trace(stage: s, inputShape: input, outputShape: out, passed: [], argmax: arg)
        }
    }
}

extension LayerTraining {
    /// FF alone of a float training step: Y (fp32 patterns) = Wf · Xcol in the hardware's order,
    /// Wf pruned from the bf16 copy of `master` as ``step(layer:master:x:dY:options:)`` prunes it.
    public static func floatForward(layer: LayerSpec, master: ConvWeights<Int64>, x: Tensor4, options: LayerTrainingOptions) throws -> Tensor4 {
        guard let f = options.float else { throw SparseModelError("floatForward needs float options") }
        try layer.requireInput(x)
        let used = try BDWPWeights(weights: try f.update.computeCopy(of: master), layer: layer, sparsity: options.sparsity(for: layer),
                                   order: options.reductionOrder, backwardMaskSource: options.backwardMaskSource, ranking: options.ranking)
        let y = try f.times(used.forwardOperand, try layer.im2col(x, order: options.reductionOrder))
        return try Tensor4(channelsByPixels: y, shape: layer.outputShape(batch: x.shape.batch))
    }
}
