import Foundation

/// Per-layer state of one training step, for one image: the tensors SparseTrain's array sees.
public struct LayerSnapshot: Sendable {
    public let name: String
    public let layer: LayerSpec
    /// The conv's input activations (the image for the first layer; else a pooled ReLU output).
    public let x: [Float]
    public let w: [Float]
    /// dL/dZ at the conv's output (after the ReLU mask and max-pool routing), before and after pruning.
    public let dzNatural: [Float]
    public let dzPruned: [Float]
    /// The pruning threshold used (0: no pruning, or the first step).
    public let tau: Float
}

/// Per-layer zero fractions of one step, over the whole batch.
public struct TrainingSparsity: Sendable, Codable {
    public let name: String
    /// Input activations.
    public var x: Double
    /// dZ before pruning (ReLU mask + max-pool routing: natural).
    public var dzNatural: Double
    /// dZ after stochastic pruning.
    public var dzPruned: Double

    public init(name: String, x: Double, dzNatural: Double, dzPruned: Double) {
        self.name = name
        self.x = x
        self.dzNatural = dzNatural
        self.dzPruned = dzPruned
    }
}

/// Float training of the model zoo's small CNN (conv 3x3/1 p1 → ReLU → 2x2/2 max pool, three
/// times, then FC → softmax cross-entropy) with SGD and momentum, and SparseTrain's stochastic
/// pruning of every conv's output gradient dZ (rate p; τ from the previous step's Σ|dZ| at that
/// layer, the LFSR lanes of ``GradientPruner``).
public final class SmallCNNTrainer {
    public let convs: [(name: String, spec: LayerSpec)]
    public let fc: LayerSpec
    public let pruneRate: Double?
    public var learningRate: Float
    public let momentum: Float
    var w: [[Float]], b: [[Float]], vw: [[Float]], vb: [[Float]]
    var fw: [Float], fb: [Float], vfw: [Float], vfb: [Float]
    var pruners: [GradientPruner]
    /// Σ|dZ| and element count of the previous step, per conv.
    var previous: [(sum: Double, count: Int)]

    /// The zoo's small-cnn (checked: convs each followed by ReLU and a 2x2/2 max pool, one FC).
    public init(pruneRate: Double?, seed: UInt64 = 1, learningRate: Float = 0.02, momentum: Float = 0.9) throws {
        let net = try ModelZoo.network("small-cnn", input: .cifar10)
        let convLayers = net.layers.filter { $0.spec.kind == .conv }
        let fcs = net.layers.filter { $0.spec.kind == .fullyConnected }
        guard convLayers.count >= 1, fcs.count == 1 else { throw SparseModelError("small-cnn is not convs followed by one FC") }
        for c in convLayers {
            let ops = net.hostOps.filter { $0.after == c.name }.map(\.kind)
            guard ops == [.relu, .maxPool] else { throw SparseModelError("layer \(c.name) is not followed by ReLU and a max pool") }
        }
        if let p = pruneRate, !(p >= 0 && p < 1) { throw SparseModelError("prune rate must be in [0, 1), got \(p)") }
        convs = convLayers.map { ($0.name, $0.spec) }
        fc = fcs[0].spec
        self.pruneRate = pruneRate
        self.learningRate = learningRate
        self.momentum = momentum
        var g = ShapesDataset.Generator(seed ^ 0x5EED)
        func normal() -> Float {
            let u1 = max(g.unit(), 1e-7), u2 = g.unit()
            return (-2 * log(u1)).squareRoot() * cos(2 * Float.pi * u2)
        }
        w = convs.map { c in
            let fanIn = Float(c.spec.forwardReductionLength)
            return (0..<c.spec.weightCount).map { _ in normal() * (2 / fanIn).squareRoot() }
        }
        b = convs.map { [Float](repeating: 0, count: $0.spec.outChannels) }
        vw = w.map { [Float](repeating: 0, count: $0.count) }
        vb = b.map { [Float](repeating: 0, count: $0.count) }
        fw = (0..<(fc.inChannels * fc.outChannels)).map { _ in normal() * (1 / Float(fcs[0].spec.inChannels)).squareRoot() }
        fb = [Float](repeating: 0, count: fc.outChannels)
        vfw = [Float](repeating: 0, count: fw.count)
        vfb = fb
        pruners = try convs.indices.map { try GradientPruner(laneCount: 4, seed: UInt32(truncatingIfNeeded: seed) &+ UInt32($0)) }
        previous = convs.map { _ in (0, 0) }
    }

    /// The outcome of one step.
    public struct StepResult: Sendable {
        public let loss: Float
        public let correct: Int
        public let sparsity: [TrainingSparsity]
        /// Image 0's tensors per conv, when asked for.
        public let snapshot: [LayerSnapshot]?
    }

    /// One SGD step on `batch` (images and labels); `capture` records image 0's tensors.
    public func step(_ batch: [(image: [Float], label: Int)], capture: Bool = false) -> StepResult {
        let n = convs.count
        var gw = w.map { [Float](repeating: 0, count: $0.count) }, gb = b.map { [Float](repeating: 0, count: $0.count) }
        var gfw = [Float](repeating: 0, count: fw.count), gfb = [Float](repeating: 0, count: fb.count)
        var loss: Float = 0
        var correct = 0
        var zeros = convs.map { _ in (x: 0, nat: 0, pruned: 0, xCount: 0, zCount: 0) }
        var sums = [Double](repeating: 0, count: n)
        let taus: [Float] = (0..<n).map { i in
            guard let p = pruneRate, previous[i].count > 0 else { return 0 }
            return Float(GradientPruner.tauScale(pruneRate: p) * previous[i].sum / Double(previous[i].count))
        }
        var snapshot: [LayerSnapshot] = []
        for (bi, sample) in batch.enumerated() {
            // Forward.
            var inputs: [[Float]] = [], zs: [[Float]] = [], argmax: [[Int]] = []
            var a = sample.image
            for (i, c) in convs.enumerated() {
                inputs.append(a)
                let z = FloatConv.forward(c.spec, x: a, w: w[i], b: b[i])
                zs.append(z)
                let (pooled, idx) = Self.reluPool(z, channels: c.spec.outChannels, height: c.spec.outHeight, width: c.spec.outWidth)
                argmax.append(idx)
                a = pooled
            }
            var logits = fb
            for j in 0..<fc.outChannels { for i in 0..<fc.inChannels { logits[j] += fw[j * fc.inChannels + i] * a[i] } }
            let m = logits.max() ?? 0
            let e = logits.map { exp($0 - m) }
            let total = e.reduce(0, +)
            loss += -log(max(e[sample.label] / total, 1e-12))
            if logits.firstIndex(of: m) == sample.label { correct += 1 }
            // Backward.
            var dlogits = e.map { $0 / total }
            dlogits[sample.label] -= 1
            var da = [Float](repeating: 0, count: fc.inChannels)
            for j in 0..<fc.outChannels {
                gfb[j] += dlogits[j]
                for i in 0..<fc.inChannels {
                    gfw[j * fc.inChannels + i] += dlogits[j] * a[i]
                    da[i] += dlogits[j] * fw[j * fc.inChannels + i]
                }
            }
            var snaps: [LayerSnapshot] = []
            for i in stride(from: n - 1, through: 0, by: -1) {
                let spec = convs[i].spec
                // Max-pool routing (to the argmax) and the ReLU mask give dZ its natural zeros.
                var dz = [Float](repeating: 0, count: zs[i].count)
                for (o, src) in argmax[i].enumerated() where zs[i][src] > 0 { dz[src] += da[o] }
                sums[i] += dz.reduce(0) { $0 + Double(abs($1)) }
                let pruned = pruneRate == nil ? dz : pruners[i].pruneFloat(dz, tau: taus[i])
                zeros[i].x += inputs[i].lazy.filter { $0 == 0 }.count
                zeros[i].xCount += inputs[i].count
                zeros[i].nat += dz.lazy.filter { $0 == 0 }.count
                zeros[i].pruned += pruned.lazy.filter { $0 == 0 }.count
                zeros[i].zCount += dz.count
                if capture && bi == 0 {
                    snaps.append(LayerSnapshot(name: convs[i].name, layer: spec, x: inputs[i], w: w[i], dzNatural: dz, dzPruned: pruned, tau: taus[i]))
                }
                da = FloatConv.backward(spec, x: inputs[i], w: w[i], dz: pruned, dw: &gw[i], db: &gb[i], needInput: i > 0)
            }
            if capture && bi == 0 { snapshot = snaps.reversed() }
        }
        // SGD with momentum on the batch mean.
        let scale = 1 / Float(batch.count)
        func update(_ p: inout [Float], _ v: inout [Float], _ g: [Float]) {
            for k in p.indices {
                v[k] = momentum * v[k] + g[k] * scale
                p[k] -= learningRate * v[k]
            }
        }
        for i in 0..<n {
            update(&w[i], &vw[i], gw[i])
            update(&b[i], &vb[i], gb[i])
            previous[i] = (sums[i], batch.count * convs[i].spec.outChannels * convs[i].spec.outHeight * convs[i].spec.outWidth)
        }
        update(&fw, &vfw, gfw)
        update(&fb, &vfb, gfb)
        let sparsity = (0..<n).map { i in
            TrainingSparsity(name: convs[i].name, x: Double(zeros[i].x) / Double(max(1, zeros[i].xCount)),
                          dzNatural: Double(zeros[i].nat) / Double(max(1, zeros[i].zCount)),
                          dzPruned: Double(zeros[i].pruned) / Double(max(1, zeros[i].zCount)))
        }
        return StepResult(loss: loss / Float(batch.count), correct: correct, sparsity: sparsity, snapshot: capture ? snapshot : nil)
    }

    /// ReLU then 2x2/2 max pool; returns the pooled map and, per pooled element, the flat index of its argmax in z.
    static func reluPool(_ z: [Float], channels: Int, height: Int, width: Int) -> ([Float], [Int]) {
        let (ph, pw) = (height / 2, width / 2)
        var out = [Float](repeating: 0, count: channels * ph * pw)
        var idx = [Int](repeating: 0, count: out.count)
        for c in 0..<channels { for y in 0..<ph { for x in 0..<pw {
            var best = (c * height + 2 * y) * width + 2 * x
            for (dy, dx) in [(0, 1), (1, 0), (1, 1)] {
                let j = (c * height + 2 * y + dy) * width + 2 * x + dx
                if z[j] > z[best] { best = j }
            }
            let o = (c * ph + y) * pw + x
            out[o] = max(0, z[best])
            idx[o] = best
        } } }
        return (out, idx)
    }
}
