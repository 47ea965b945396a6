import Foundation
import SparseAccel
import SparseModel
import Testing
import Workloads

/// The SparseTrain array in Verilator against the golden model: results bit-exact with the
/// direct convolution definitions, and every run's cycle counter equal to the cycle model.
@Suite(.enabled(if: verilatorEnabled, "needs verilator; run Scripts/setup"), .serialized)
struct SparseTrainConvTests {
    /// A small array (2x2 PEs, 5 taps, 8 accumulators, 6 result slots) so edge cases span several
    /// tiles, queues and runs.
    static let config = SparseTrainConfig(rows: 2, cols: 2, taps: 5, outputs: 8, depth: 512, slots: 6)
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
        // Everything zero: no item has an entry, nothing runs (the outputs are known to be 0).
        let zero = Self.operands(l, x: { _, _, _ in 0 }, dy: { _, _, _ in 0 })
        let r = try SparseTrainConv.run(.ff, zero, runner: try Self.runner(), mapping: .balanced)
        #expect(r.ok && r.sparse.rtlCycles == 0 && r.sparse.runs == 0 && r.sparse.pairs == 0)
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

    /// Every mapping gives the same results; the queues never cost more cycles than one item per
    /// PE and run, and here (many small items) stay within 10% of the ideal bound.
    @Test func everyMappingIsExactAndQueuesBalance() throws {
        let l = try Self.layer(4, 6, 8, 12, 3, 1, 1)
        let ops = try SparseTrainOperands.random(layer: l, seed: 21, prune: 0.9, lanes: Self.config.cols)
        var cycles: [ArrayMapping: Int] = [:]
        for mapping in ArrayMapping.allCases {
            let r = try SparseTrainConv.run(.wu, ops, runner: try Self.runner(), mapping: mapping, dense: false)
            #expect(r.ok, "\(r.text)")
            cycles[mapping] = r.sparse.rtlCycles
            if mapping == .balanced {
                #expect(r.sparse.runs < r.sparse.items, "items share runs")
                #expect(r.sparse.overIdeal <= 1.10, "\(r.text)")
            }
        }
        #expect(cycles[.balanced]! <= cycles[.sorted]! && cycles[.sorted]! <= cycles[.inOrder]!)
    }

    /// Hand-made queues on the RTL: tiny items (one entry, one or two MACs), an item whose last
    /// entry has no valid pair and items with different masks follow each other without a bubble:
    /// the design's counter is fetchLatency + the longest queue's Σ stream cycles, and every
    /// item's results land in its own slot.
    @Test func queuesRunBackToBackWithoutBubbles() throws {
        let runner = try Self.runner()
        let (kt, pp) = (Self.config.taps, Self.config.outputs)
        var next = 0
        func item(_ entries: [(value: Int64, offset: Int)], mask: [Bool], kernel: [Int64]) -> WorkItem {
            defer { next += pp }
            let stored = kernel.map { $0 != 0 }
            return WorkItem(outputIndex: (0..<pp).map { next + $0 }, mask: mask,
                            entries: entries.map { RowEntry(value: $0.value, offset: $0.offset, kernel: kernel, stored: stored) }, strideLog2: 0)
        }
        let all = [Bool](repeating: true, count: pp)
        let k1: [Int64] = [3] + [Int64](repeating: 0, count: kt - 1)
        let k2: [Int64] = [2, -5] + [Int64](repeating: 0, count: kt - 2)
        let odd = (0..<pp).map { $0 % 2 == 1 }
        let queues: [[WorkItem]] = [
            // One MAC per item, six items (every slot).
            (0..<6).map { i in item([(Int64(i + 1), i)], mask: all, kernel: k1) },
            // Two MACs, then one, then an item ending in an entry with no valid pair (offset far off the row).
            [item([(7, 1)], mask: all, kernel: k2), item([(4, 0)], mask: all, kernel: k2), item([(9, 2), (11, 30)], mask: all, kernel: k1)],
            // A masked item: taps into even outputs are skipped.
            [item([(5, 1), (6, 2), (-8, 3)], mask: odd, kernel: k2)],
            [],
        ]
        let (run, outputs) = try runner.run(queues: queues)
        let stream = queues.map { $0.reduce(0) { $0 + $1.streamCycles } }
        #expect(stream == [6, 2 + 1 + 2, 3, 0])
        #expect(run.cycles == run.modelCycles)
        #expect(run.cycles == SparseTrainCycleModel.fetchLatency + 6)
        // The PE contract in software.
        var want = [Int64](repeating: 0, count: next)
        for q in queues { for it in q { for e in it.entries {
            for t in 0..<kt where e.stored[t] && e.offset >= t && e.offset - t < pp && it.mask[e.offset - t] {
                want[it.outputIndex[e.offset - t]!] += e.value * e.kernel[t]
            }
        } } }
        var got = [Int64](repeating: 0, count: next)
        for (i, v) in outputs { got[i] = v }
        #expect(outputs.count == 10 * pp)
        #expect(got == want)
        #expect(want.contains { $0 != 0 })
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
