import SparseModel
import TestSupport
import Testing

/// The 1-D dataflow, executed in software (one MAC per valid pair, as the PE contract says),
/// reproduces the direct convolution definitions for every phase, stride and padding; the cycle
/// model counts max(1, pairs) per entry.
@Suite struct Conv1DMappingTests {
    static let geometry = Conv1DGeometry(taps: 8, outputs: 8)

    /// Outputs of the items as the PE contract computes them.
    static func execute(_ items: [WorkItem], count: Int) -> [Int64] {
        var out = [Int64](repeating: 0, count: count)
        for it in items {
            for e in it.entries {
                for t in 0..<e.kernel.count where e.stored[t] && e.offset >= t {
                    let d = e.offset - t
                    guard d & ((1 << it.strideLog2) - 1) == 0 else { continue }
                    let x = d >> it.strideLog2
                    guard x < it.mask.count, it.mask[x], let idx = it.outputIndex[x] else { continue }
                    out[idx] &+= e.value &* e.kernel[t]
                }
            }
        }
        return out
    }

    static func operands(_ layer: LayerSpec, seed: UInt64) -> (ChannelTensor<Int64>, ConvWeights<Int64>, ChannelTensor<Int64>, ChannelTensor<Bool>) {
        var rng = SplitMix64(seed: seed)
        var x = ChannelTensor<Int64>(channels: layer.inChannels, height: layer.inHeight, width: layer.inWidth, fill: 0)
        for i in x.values.indices { x.values[i] = max(0, rng.next(in: -9...9)) }
        var w = layer.zeroWeights()
        for co in 0..<layer.outChannels { for ci in 0..<layer.inChannels { for a in 0..<layer.kernelSize { for b in 0..<layer.kernelSize {
            w[co, ci, a, b] = rng.below(3) == 0 ? 0 : rng.next(in: -9...9)
        } } } }
        var dy = ChannelTensor<Int64>(channels: layer.outChannels, height: layer.outHeight, width: layer.outWidth, fill: 0)
        for i in dy.values.indices { dy.values[i] = rng.below(2) == 0 ? 0 : rng.next(in: -9...9) }
        var mask = ChannelTensor<Bool>(channels: x.channels, height: x.height, width: x.width, fill: false)
        for i in x.values.indices { mask.values[i] = x.values[i] > 0 }
        return (x, w, dy, mask)
    }

    /// (Ci, Co, H, W, K, S, P)
    @Test(arguments: [[2, 3, 7, 11, 3, 1, 1], [2, 2, 9, 9, 3, 2, 1], [1, 2, 12, 19, 5, 2, 2], [3, 2, 6, 6, 1, 1, 0], [2, 2, 11, 11, 7, 4, 3], [1, 1, 5, 20, 3, 1, 0]])
    func everyPhaseMatchesTheDefinition(_ s: [Int]) throws {
        let layer = try conv(s[0], s[1], s[2], s[3], s[4], s[5], s[6])
        let (x, w, dy, mask) = Self.operands(layer, seed: 11)
        for dense in [false, true] {
            let ff = try Conv1DMapping.items(.ff, layer: layer, geometry: Self.geometry, dense: dense, x: x, w: w)
            #expect(Self.execute(ff, count: layer.outChannels * layer.outHeight * layer.outWidth) == ConvReference.forward(layer, x: x, w: w, accWidth: 64).values)
            let bp = try Conv1DMapping.items(.bp, layer: layer, geometry: Self.geometry, dense: dense, dy: dy, w: w, mask: mask)
            #expect(Self.execute(bp, count: x.values.count) == ConvReference.backward(layer, dy: dy, w: w, mask: dense ? nil : mask, accWidth: 64).values)
            let wu = try Conv1DMapping.items(.wu, layer: layer, geometry: Self.geometry, dense: dense, x: x, dy: dy)
            #expect(Self.execute(wu, count: layer.weightCount) == ConvReference.weightGradient(layer, x: x, dy: dy, accWidth: 64).storage)
            // Cutting items to a small memory changes no result and no MAC count.
            let cut = try Conv1DMapping.items(.bp, layer: layer, geometry: Self.geometry, dense: dense, dy: dy, w: w, mask: mask, maxEntries: 5)
            #expect(cut.allSatisfy { $0.entries.count <= 5 })
            #expect(Self.execute(cut, count: x.values.count) == Self.execute(bp, count: x.values.count))
            #expect(cut.reduce(0) { $0 + $1.pairs } == bp.reduce(0) { $0 + $1.pairs })
            if !dense {
                // Sparse mode streams only non-zero values and issues only non-zero pairs.
                for it in ff + bp + wu { #expect(it.entries.allSatisfy { $0.value != 0 }) }
            }
        }
    }

    @Test func sparseModeIssuesOnlyTheNonZeroPairsAndDenseModeAllOfThem() throws {
        let layer = try conv(2, 2, 6, 6, 3, 1, 1)
        let (x, w, _, _) = Self.operands(layer, seed: 3)
        var nonZeroPairs = 0
        for co in 0..<2 { for oh in 0..<6 { for ow in 0..<6 { for ci in 0..<2 { for a in 0..<3 { for b in 0..<3 {
            let h = oh + a - 1, c = ow + b - 1
            if h >= 0, h < 6, c >= 0, c < 6, x[ci, h, c] != 0, w[co, ci, a, b] != 0 { nonZeroPairs += 1 }
        } } } } } }
        let sparse = try Conv1DMapping.items(.ff, layer: layer, geometry: Self.geometry, dense: false, x: x, w: w)
        #expect(sparse.reduce(0) { $0 + $1.pairs } == nonZeroPairs)
        let dense = try Conv1DMapping.items(.ff, layer: layer, geometry: Self.geometry, dense: true, x: x, w: w)
        // Every in-range (input, tap) pair: 2·2·Σ over outputs of the taps inside the image.
        var inRange = 0
        for o in 0..<6 { for t in 0..<3 where o + t - 1 >= 0 && o + t - 1 < 6 { inRange += 1 } }
        let densePairs = dense.reduce(0) { $0 + $1.pairs }
        #expect(densePairs == 4 * inRange * inRange)
    }

    @Test func cycleModel() throws {
        let k = [Int64](repeating: 1, count: 4), all = [Bool](repeating: true, count: 4)
        func entry(_ o: Int, _ stored: [Bool] = all) -> RowEntry { RowEntry(value: 1, offset: o, kernel: k, stored: stored) }
        // Offsets 0 (one pair: t = 0), 3 (four pairs), 9 (x = 6..9 ≥ P = 4: none → one idle cycle).
        let item = WorkItem(outputIndex: [0, 1, 2, 3], mask: [true, true, true, true], entries: [entry(0), entry(3), entry(9)], strideLog2: 0)
        #expect(item.pairs == 5)
        #expect(item.streamCycles == 1 + 4 + 1)
        // A masked output removes its pairs; an unstored tap too.
        let masked = WorkItem(outputIndex: [0, 1, 2, 3], mask: [true, false, true, true], entries: [entry(3, [true, true, true, false])], strideLog2: 0)
        #expect(masked.pairs == 2)
        let empty = WorkItem(outputIndex: [0, 1, 2, 3], mask: all, entries: [], strideLog2: 0)
        #expect(SparseTrainCycleModel.runCycles([[empty]]) == 1)
        #expect(SparseTrainCycleModel.runCycles([[empty], [item]]) == SparseTrainCycleModel.fetchLatency + 6)
        // A queue costs the sum of its items' stream cycles: no cycle between items.
        #expect(SparseTrainCycleModel.runCycles([[item, item, masked], [item]]) == SparseTrainCycleModel.fetchLatency + 6 + 6 + 2)
        let cap = PECapacity(entries: 100, slots: 8)
        // One item per PE and run: in the dataflow's order, or longest first; items without entries are not run.
        #expect(try SparseTrainCycleModel.runs([empty, masked, empty, item], pes: 2, capacity: cap, mapping: .inOrder) == [[[1], [3]]])
        #expect(try SparseTrainCycleModel.runs([masked, item, masked, item], pes: 2, capacity: cap, mapping: .sorted) == [[[1], [3]], [[0], [2]]])
        // Queues: the two long items on separate PEs, the short ones after them, one run.
        #expect(try SparseTrainCycleModel.runs([masked, item, masked, item], pes: 2, capacity: cap, mapping: .balanced) == [[[1, 0], [3, 2]]])
        // Two result slots per PE: two runs.
        let two = try SparseTrainCycleModel.runs([masked, item, masked, item, item], pes: 2, capacity: PECapacity(entries: 100, slots: 2), mapping: .balanced)
        #expect(two.count == 2 && two.allSatisfy { $0.allSatisfy { $0.count <= 2 } })
        #expect(Set(two.flatMap { $0.flatMap { $0 } }) == [0, 1, 2, 3, 4])
    }

    /// Longest-first queues on many random item costs: every item placed once, no PE over its
    /// memory or slots, as few runs as the memories allow (or one more), and cycles within 10%
    /// of pairs / PEs when the items are small against a run; never worse than one item per run.
    @Test(arguments: [(16, 2048, 64, 5000, 12), (16, 2048, 64, 300, 400), (4, 64, 8, 700, 9), (9, 512, 16, 2000, 40)])
    func balancedQueuesRespectCapacityAndReachTheBound(_ pes: Int, _ depth: Int, _ slots: Int, _ n: Int, _ meanCost: Int) throws {
        var rng = SplitMix64(seed: UInt64(n * 31 + pes))
        let costs: [ItemCost] = (0..<n).map { i in
            if i % 17 == 0 { return ItemCost(pairs: 0, streamCycles: 0, entries: 0) }
            let c = 1 + rng.below(2 * meanCost)
            let e = max(1, min(depth, c / (1 + rng.below(3))))
            return ItemCost(pairs: c, streamCycles: c, entries: e)
        }
        let cap = PECapacity(entries: depth, slots: slots)
        let runs = try SparseTrainCycleModel.runs(costs, pes: pes, capacity: cap, mapping: .balanced)
        let placed = runs.flatMap { $0.flatMap { $0 } }
        #expect(placed.sorted() == costs.indices.filter { costs[$0].entries > 0 })
        for r in runs {
            #expect(r.count <= pes)
            for q in r {
                #expect(q.count <= slots)
                #expect(q.reduce(0) { $0 + costs[$1].entries } <= depth)
            }
        }
        let work = costs.filter { $0.entries > 0 }
        let minRuns = max((work.reduce(0) { $0 + $1.entries } + pes * depth - 1) / (pes * depth), (work.count + pes * slots - 1) / (pes * slots))
        #expect(runs.count >= minRuns && runs.count <= minRuns + max(1, minRuns / 16))
        let b = try PhaseCycles(costs: costs, pes: pes, capacity: cap, mapping: .balanced)
        let one = try PhaseCycles(costs: costs, pes: pes, capacity: cap, mapping: .sorted)
        #expect(b.cycles == runs.reduce(0) { $0 + SparseTrainCycleModel.runCycles(costs: $1.map { $0.map { costs[$0] } }) })
        #expect(b.cycles <= one.cycles)
        #expect(Double(b.cycles) <= 1.10 * b.ideal, "\(b.cycles) cycles, ideal \(b.ideal)")
        #expect(b.fixedCycles == runs.count * SparseTrainCycleModel.fetchLatency && b.imbalance >= 0)
    }

    @Test func capacityErrors() throws {
        let costs = [ItemCost(pairs: 5, streamCycles: 5, entries: 9)]
        #expect(throws: SparseModelError.self) { try SparseTrainCycleModel.runs(costs, pes: 2, capacity: PECapacity(entries: 8, slots: 4), mapping: .balanced) }
        #expect(throws: SparseModelError.self) { try SparseTrainCycleModel.runs(costs, pes: 0, capacity: PECapacity(entries: 8, slots: 4), mapping: .balanced) }
        #expect(throws: SparseModelError.self) { try SparseTrainCycleModel.runs(costs, pes: 2, capacity: PECapacity(entries: 9, slots: 0), mapping: .inOrder) }
        #expect(throws: SparseModelError.self) { try ArrayMapping.parse("random") }
        #expect(try ArrayMapping.parse("sorted") == .sorted)
    }

    @Test func invalidMappingsThrow() throws {
        let big = try conv(1, 1, 12, 12, 9, 1, 0)
        #expect(throws: SparseModelError.self) { try Conv1DMapping.items(.ff, layer: big, geometry: Self.geometry, dense: false) }
        let odd = try conv(1, 1, 12, 12, 3, 3, 0)
        #expect(throws: SparseModelError.self) { try Conv1DMapping.items(.ff, layer: odd, geometry: Self.geometry, dense: false) }
        let ok = try conv(1, 1, 6, 6, 3, 1, 0)
        #expect(throws: SparseModelError.self) { try Conv1DMapping.items(.ff, layer: ok, geometry: Self.geometry, dense: false) }
        let wrong = ChannelTensor<Int64>(channels: 2, height: 6, width: 6, fill: 0)
        #expect(throws: SparseModelError.self) { try Conv1DMapping.items(.ff, layer: ok, geometry: Self.geometry, dense: false, x: wrong, w: ok.zeroWeights()) }
    }
}

func conv(_ ci: Int, _ co: Int, _ h: Int, _ w: Int, _ k: Int, _ s: Int, _ p: Int) throws -> LayerSpec {
    try LayerSpec.conv(inChannels: ci, outChannels: co, height: h, width: w, kernelSize: k, stride: s, padding: p)
}
