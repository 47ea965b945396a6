import Foundation
import SparseAccel
import SparseModel
import Testing
import Workloads

/// The SparseTrain array in Verilator against the golden model: results bit-exact with the
/// direct convolution definitions, and every run's cycle counter equal to the cycle model.
@Suite(.enabled(if: verilatorEnabled, "needs verilator; run Scripts/setup"), .serialized)
struct SparseTrainConvTests {
    /// A small array (2x2 PEs, 5 taps, 8 accumulators) so edge cases span several tiles and runs.
    static let config = SparseTrainConfig(rows: 2, cols: 2, taps: 5, outputs: 8, depth: 512)
    nonisolated(unsafe) static var shared: SparseTrainArrayRunner?

    static func runner() throws -> SparseTrainArrayRunner {
        if let r = shared { return r }
        let r = try SparseTrainArrayRunner(config: config)
        shared = r
        return r
    }

    static func layer(_ ci: Int, _ co: Int, _ h: Int, _ w: Int, _ k: Int, _ s: Int = 1, _ p: Int = 0) throws -> LayerSpec {
        try LayerSpec.conv(inChannels: ci, outChannels: co, height: h, width: w, kernelSize: k, stride: s, padding: p)
    }

    /// Operands from closures: x(ci, h, w), dy(co, h, w); weights fixed non-zero pattern with some zeros.
    static func operands(_ l: LayerSpec, x: (Int, Int, Int) -> Int64, dy: (Int, Int, Int) -> Int64) -> SparseTrainOperands {
        var xt = ChannelTensor<Int64>(channels: l.inChannels, height: l.inHeight, width: l.inWidth, fill: 0)
        for c in 0..<l.inChannels { for h in 0..<l.inHeight { for w in 0..<l.inWidth { xt[c, h, w] = x(c, h, w) } } }
        var g = ChannelTensor<Int64>(channels: l.outChannels, height: l.outHeight, width: l.outWidth, fill: 0)
        for c in 0..<l.outChannels { for h in 0..<l.outHeight { for w in 0..<l.outWidth { g[c, h, w] = dy(c, h, w) } } }
        var wt = l.zeroWeights()
        for co in 0..<l.outChannels { for ci in 0..<l.inChannels { for a in 0..<l.kernelSize { for b in 0..<l.kernelSize {
            let v = Int64((co * 7 + ci * 5 + a * 3 + b) % 11) - 5
            wt[co, ci, a, b] = v == 0 ? 0 : v * 97
        } } } }
        return SparseTrainOperands(layer: l, x: xt, w: wt, dyNatural: g, dy: g, tau: nil)
    }

    static func check(_ ops: SparseTrainOperands, _ phases: [ConvPhase] = ConvPhase.allCases, mapping: ArrayMapping = .balanced) throws {
        for phase in phases {
            let r = try SparseTrainConv.run(phase, ops, runner: try runner(), mapping: mapping)
            #expect(r.ok, "\(r.text)")
            #expect(r.sparse.rtlCycles == r.sparse.modelCycles)
            #expect(r.dense?.rtlCycles == r.dense?.modelCycles)
        }
    }

    @Test func emptyRowsAndAllZeroRows() throws {
        let l = try Self.layer(2, 3, 6, 11, 3, 1, 1)
        // Rows 1 and 4 of every channel empty, gradient rows 0 and 5 empty.
        try Self.check(Self.operands(l, x: { c, h, w in h == 1 || h == 4 ? 0 : Int64((c + h * 3 + w) % 5) * 100 },
                                     dy: { c, h, w in h == 0 || h == 5 ? 0 : Int64((c * 2 + h + w * 3) % 7) - 3 }))
        // Everything zero: no PE has an entry; one cycle per run.
        let zero = Self.operands(l, x: { _, _, _ in 0 }, dy: { _, _, _ in 0 })
        let r = try SparseTrainConv.run(.ff, zero, runner: try Self.runner(), mapping: .balanced)
        #expect(r.ok && r.sparse.rtlCycles == r.sparse.runs && r.sparse.pairs == 0)
    }

    @Test func allDenseRows() throws {
        let l = try Self.layer(2, 2, 5, 9, 3, 1, 1)
        let ops = Self.operands(l, x: { c, h, w in Int64(1 + (c + h + w) % 9) * 37 }, dy: { c, h, w in Int64(1 + (c * 3 + h + w) % 5) * -11 })
        try Self.check(ops)
        // No zero operand, no mask: the dense kernel's zeros are all sparse mode skips in FF.
        let r = try SparseTrainConv.run(.ff, ops, runner: try Self.runner(), mapping: .balanced)
        #expect(r.sparse.pairs < r.dense!.pairs)
    }

    @Test func singleNonZerosAtRowEdges() throws {
        let l = try Self.layer(1, 2, 4, 17, 3, 1, 1)
        try Self.check(Self.operands(l, x: { _, h, w in w == 0 ? 5 : (w == 16 ? Int64(-7 - h) : 0) },
                                     dy: { c, h, w in (w == 0 || w == 16) && (c + h) % 2 == 0 ? 300 : 0 }))
    }

    @Test func maskedOutputsInBP() throws {
        let l = try Self.layer(2, 2, 6, 10, 3, 1, 1)
        // X > 0 on a checkerboard: half of dX is masked off and its pairs are skipped.
        let ops = Self.operands(l, x: { c, h, w in (h + w + c) % 2 == 0 ? Int64(10 + w) : 0 }, dy: { c, h, w in Int64((c + h * 5 + w) % 9) - 4 })
        try Self.check(ops, [.bp])
        let r = try SparseTrainConv.run(.bp, ops, runner: try Self.runner(), mapping: .inOrder)
        #expect(r.ok && r.sparse.pairs < r.dense!.pairs / 2 + 1)
    }

    @Test(arguments: [(2, 1), (2, 0), (2, 2), (4, 1)])
    func strideAndPadding(_ s: Int, _ p: Int) throws {
        let l = try Self.layer(2, 2, 11, 13, 3 + (p == 2 ? 2 : 0), s, p)
        try Self.check(Self.operands(l, x: { c, h, w in (c + h * w) % 3 == 0 ? 0 : Int64((c * 5 + h + w) % 13) - 6 },
                                     dy: { c, h, w in (c + h + w) % 3 == 1 ? 0 : Int64((c + 2 * h + w) % 9) - 4 }))
    }

    /// Dense FF items here hold 24·3·8 = 576 entries, more than the 512-entry memories: they are
    /// cut into items whose partial sums the host adds.
    @Test func itemsLongerThanTheMemoryAreCut() throws {
        let l = try Self.layer(24, 2, 4, 8, 3, 1, 1)
        let ops = Self.operands(l, x: { c, h, w in Int64((c * 3 + h + w) % 7) - 2 }, dy: { c, h, w in Int64((c + h + w) % 5) - 2 })
        try Self.check(ops, [.ff, .bp])
    }

    @Test func randomPrunedLayer() throws {
        let l = try Self.layer(3, 4, 8, 8, 3, 1, 1)
        let ops = try SparseTrainOperands.random(layer: l, seed: 7, prune: 0.9, lanes: Self.config.cols)
        #expect(ops.dy.sparsity > ops.dyNatural.sparsity)
        try Self.check(ops, mapping: .inOrder)
    }

    /// The pruning unit against GradientPruner, bit for bit, over batches with the streaming τ
    /// (2·10^4 gradients; HWGEN_SPARSETRAIN_PRUNE_GRADIENTS=1000000 for 10^6).
    @Test func pruningUnitIsBitExact() throws {
        let total = ProcessInfo.processInfo.environment["HWGEN_SPARSETRAIN_PRUNE_GRADIENTS"].flatMap(Int.init) ?? 20_000
        let batch = 1000
        let run = try SparseTrainPruneRun(config: SparseTrainPrunerConfig(lanes: 4, gradientWidth: 16), pruneRate: 0.9,
                                          batchSize: batch, batches: max(2, total / batch), seed: 5)
        let r = try run.run()
        #expect(r.gradients == max(2, total / batch) * batch)
        #expect(r.ok, "\(r.firstMismatch ?? "")")
        #expect(r.taus[0] == 0 && r.taus.dropFirst().allSatisfy { $0 > 0 })
        #expect(r.sparsity.dropFirst().allSatisfy { $0 > r.sparsity[0] })
    }
}
