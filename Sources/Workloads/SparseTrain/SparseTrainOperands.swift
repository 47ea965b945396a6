import SparseModel
import TestSupport

/// The operands of one convolution layer's training step on SparseTrain (one image): the input
/// activations X (post-ReLU, so its zeros are natural sparsity and X > 0 is the BP mask), the
/// weights W, and the output gradient dY after stochastic pruning.
public struct SparseTrainOperands: Sendable {
    public let layer: LayerSpec
    public var x: ChannelTensor<Int64>
    public var w: ConvWeights<Int64>
    /// dY before pruning.
    public var dyNatural: ChannelTensor<Int64>
    /// dY as the array sees it (pruned, or dyNatural without pruning).
    public var dy: ChannelTensor<Int64>
    /// The τ that pruned dY (nil: not pruned).
    public var tau: Int64?

    public init(layer: LayerSpec, x: ChannelTensor<Int64>, w: ConvWeights<Int64>, dyNatural: ChannelTensor<Int64>, dy: ChannelTensor<Int64>, tau: Int64?) {
        self.layer = layer
        self.x = x
        self.w = w
        self.dyNatural = dyNatural
        self.dy = dy
        self.tau = tau
    }

    /// The BP mask: X > 0 (dX is only needed where the ReLU that produced X passed).
    public var reluMask: ChannelTensor<Bool> {
        var m = ChannelTensor<Bool>(channels: x.channels, height: x.height, width: x.width, fill: false)
        for i in x.values.indices { m.values[i] = x.values[i] > 0 }
        return m
    }

    /// Random operands: X = max(0, u) with u uniform in ±1000 (about half zeros), W uniform in
    /// ±500, dY a sum of four uniforms in ±250 (bell-shaped, as gradients are). With `prune`, dY
    /// is pruned by ``GradientPruner`` at rate p with the streaming τ: computed from the Σ|g|
    /// of a previous batch drawn from the same distribution.
    public static func random(layer: LayerSpec, seed: UInt64, prune: Double?, lanes: Int) throws -> SparseTrainOperands {
        var rng = SplitMix64(seed: seed)
        var x = ChannelTensor<Int64>(channels: layer.inChannels, height: layer.inHeight, width: layer.inWidth, fill: 0)
        for i in x.values.indices { x.values[i] = max(0, rng.next(in: -1000...1000)) }
        var w = layer.zeroWeights()
        for co in 0..<layer.outChannels { for ci in 0..<layer.inChannels { for kh in 0..<layer.kernelSize { for kw in 0..<layer.kernelSize {
            w[co, ci, kh, kw] = rng.next(in: -500...500)
        } } } }
        func gradient(_ rng: inout SplitMix64) -> ChannelTensor<Int64> {
            var g = ChannelTensor<Int64>(channels: layer.outChannels, height: layer.outHeight, width: layer.outWidth, fill: 0)
            for i in g.values.indices { g.values[i] = (0..<4).reduce(0) { s, _ in s + rng.next(in: -250...250) } }
            return g
        }
        let dy = gradient(&rng)
        guard let p = prune else { return SparseTrainOperands(layer: layer, x: x, w: w, dyNatural: dy, dy: dy, tau: nil) }
        var previous = gradient(&rng)
        var pruner = try GradientPruner(laneCount: lanes, seed: UInt32(truncatingIfNeeded: seed))
        let (_, sum) = try pruner.prune(previous.values, tau: 0)
        previous.values = []
        let tau = pruner.nextTau(sumAbs: sum, coefficient: try GradientPruner.tauCoefficient(pruneRate: p, count: dy.values.count))
        var pruned = dy
        pruned.values = try pruner.prune(dy.values, tau: tau).pruned
        return SparseTrainOperands(layer: layer, x: x, w: w, dyNatural: dy, dy: pruned, tau: tau)
    }
}
