import Compiler
import Foundation
import Formats
import SparseModel
import TestSupport
import Testing

/// One layer step compiled, run on the ISA interpreter and decoded equals the golden
/// `LayerTraining.step` bit for bit: Y, dX, the new master, the next Wf and Wbt.
@Suite struct LayerProgramTests {
    struct Case: CustomStringConvertible, Sendable {
        let layer: LayerSpec
        let batch: Int
        let target: SystemTarget
        var order: ReductionOrder = .channelsInnermost
        var sparse = true
        var computeInputGradient = true
        var loopOrder: LoopOrder?
        var seed: UInt64 = 1
        /// The interpreter's queue depth (the programs must not deadlock with any).
        var queueDepth = 4

        var options: LayerTrainingOptions {
            target.trainingOptions(sparse: sparse, reductionOrder: order, computeInputGradient: computeInputGradient)
        }

        var description: String {
            "\(layer) B=\(batch) on \(target)\(order == .flattened ? " flattened" : "")\(sparse ? "" : " dense")"
                + "\(computeInputGradient ? "" : " no dX")\(loopOrder.map { " \($0.rawValue)" } ?? "") queue \(queueDepth)"
        }
    }

    static func target(_ r: Int, _ c: Int, _ n: Int, _ m: Int, beat: Int = 64, x: Int = 64, w: Int = 64, mb: Int = 32, o: Int = 32,
                       p: Int = 32, decay: Int? = 6, bff: Bool = false, d: Int = 8, acc: Int = 32) -> SystemTarget {
        try! SystemTarget(rows: r, cols: c, n: n, m: m, dataBits: d, accBits: acc, beatBits: beat, maxBeats: 4, xEntries: x, wEntries: w,
                          mEntries: mb, oEntries: o, pEntries: p, masterBits: 16, fracBits: 4, lrShift: 3, decayShift: decay,
                          backwardFromForward: bff)
    }

    static func conv(_ ci: Int, _ co: Int, _ h: Int, _ w: Int, k: Int, s: Int = 1, p: Int = 0) -> LayerSpec {
        try! .conv(inChannels: ci, outChannels: co, height: h, width: w, kernelSize: k, stride: s, padding: p)
    }

    static let t2 = target(2, 2, 1, 2, beat: 32, x: 8, w: 8, mb: 4, o: 4, p: 4)
    static let t4 = target(4, 4, 2, 4)
    static let t4x8 = target(4, 8, 2, 4, beat: 128)
    static let t8 = target(8, 8, 2, 8, beat: 128)
    static let t8q = target(8, 8, 1, 4, beat: 32, bff: true)
    /// Buffers at their minimum: one-group reduction chunks, one OBUF and one MBUF tile (SYNC
    /// before each master reload), one tile of pre-generated words.
    static let tiny = target(4, 4, 2, 4, beat: 32, x: 2, w: 4, mb: 4, o: 4, p: 2)

    /// The default cases: small, odd shapes on 2x2, 4x4, 8x8 and 4x8 arrays.
    static let cases: [Case] = [
        Case(layer: conv(2, 2, 3, 5, k: 2, p: 1), batch: 2, target: t2, queueDepth: 1),
        Case(layer: conv(8, 8, 5, 5, k: 3, p: 1), batch: 2, target: t4),
        Case(layer: conv(4, 12, 7, 6, k: 3, s: 2, p: 1), batch: 1, target: target(4, 4, 1, 4, beat: 32)),
        Case(layer: conv(8, 4, 4, 5, k: 1, s: 2), batch: 3, target: target(4, 4, 1, 2)),
        Case(layer: conv(8, 12, 5, 4, k: 3, s: 2, p: 2), batch: 2, target: t4x8),
        Case(layer: conv(12, 8, 4, 4, k: 1, s: 2), batch: 3, target: t8q),
        Case(layer: conv(4, 12, 6, 5, k: 3, p: 1), batch: 1, target: t8q),
        Case(layer: conv(8, 16, 4, 4, k: 3, p: 1), batch: 1, target: t8, queueDepth: 64),
        Case(layer: conv(16, 8, 3, 3, k: 2, s: 1, p: 1), batch: 2, target: target(8, 8, 4, 8, beat: 256, acc: 40)),
        Case(layer: try! .fullyConnected(inFeatures: 16, outFeatures: 24), batch: 5, target: t8, order: .flattened),
        Case(layer: try! .fullyConnected(inFeatures: 12, outFeatures: 8), batch: 3, target: target(4, 8, 1, 4, beat: 32, bff: true)),
        Case(layer: conv(8, 8, 4, 4, k: 3, p: 1), batch: 2, target: tiny, queueDepth: 1),
        Case(layer: conv(8, 4, 5, 5, k: 3, s: 2, p: 1), batch: 1, target: t4, computeInputGradient: false),
        // Narrow accumulators (Y, dX and dW wrap, dW feeds the update wrapped), 6-bit data, Co < R.
        Case(layer: conv(8, 8, 6, 6, k: 3, p: 1), batch: 3, target: target(4, 4, 2, 4, acc: 17)),
        Case(layer: conv(4, 4, 5, 3, k: 3, s: 2, p: 1), batch: 2, target: target(4, 8, 1, 2, beat: 32, d: 6, acc: 20)),
        Case(layer: conv(8, 4, 4, 4, k: 3, p: 1), batch: 1, target: t8q),
        // Dense layers: the update runs without pregen, so without a mask and without decay.
        Case(layer: conv(3, 5, 5, 5, k: 3, s: 2, p: 1), batch: 2, target: target(4, 4, 2, 4)),
        Case(layer: conv(8, 8, 4, 4, k: 3, p: 1), batch: 1, target: t8, sparse: false),
        Case(layer: conv(6, 4, 4, 3, k: 2, p: 1), batch: 1, target: target(4, 8, 2, 4, beat: 32, x: 2, w: 4, mb: 8, o: 4, p: 4, decay: nil),
             order: .flattened, sparse: false),
        Case(layer: try! .fullyConnected(inFeatures: 10, outFeatures: 7), batch: 2, target: target(2, 2, 1, 2, beat: 32, decay: nil), sparse: false),
        // A Ci = 3 first layer in a big XBUF: 7-entry panels, 292 slots, 576 column tiles; without
        // a slot cap each GEMM's release token waits 292 GEMMs for the load that reuses its slot,
        // overflowing the 255-token counter.
        // A weight-gradient panel of 4608 contiguous WBUF words: longer than one transfer's
        // 4095-beat row, so it goes as rows of whole entries, not one request per entry.
        Case(layer: conv(2, 4, 96, 96, k: 1), batch: 1, target: target(4, 4, 2, 4, x: 8192, w: 16384), sparse: false, computeInputGradient: false),
        Case(layer: conv(3, 4, 48, 48, k: 3, p: 1), batch: 1, target: target(4, 4, 2, 4, x: 2048), sparse: false, computeInputGradient: false, queueDepth: 64),
    ]

    @Test(arguments: cases) func matchesTheGoldenStep(_ c: Case) throws {
        try Self.check(c)
    }

    /// Both loop orders compute the same step; the chosen one reads no more than the other.
    @Test(arguments: [LoopOrder.aStationary, .bStationary]) func bothLoopOrders(_ order: LoopOrder) throws {
        for base in [Self.cases[1], Self.cases[4], Self.cases[11]] {
            var c = base
            c.loopOrder = order
            try Self.check(c)
        }
    }

    /// Compiles, runs and decodes `c`, comparing with the golden step; checks the regions, the
    /// token accounting and the traffic figures.
    static func check(_ c: Case) throws {
        var rng = SplitMix64(seed: c.seed ^ UInt64(c.layer.weightCount))
        let layer = c.layer, options = c.options
        let master = try ConvWeights<Int64>(outChannels: layer.outChannels, inChannels: layer.inChannels, kernelSize: layer.kernelSize) { _, _, _, _ in
            rng.signed(bits: 12)
        }
        let x = try Tensor4(shape: layer.inputShape(batch: c.batch)) { _, _, _, _ in rng.signed(bits: c.target.dataBits) }
        let dY = try Tensor4(shape: layer.outputShape(batch: c.batch)) { _, _, _, _ in rng.signed(bits: c.target.dataBits) }
        let step = try LayerTraining.step(layer: layer, master: master, x: x, dY: dY, options: options)
        let program = try LayerProgram.compile(layer: layer, master: master, x: x, dY: dY, options: options, target: c.target, loopOrder: c.loopOrder)
        var image = program.image
        let report = try ISAInterpreter(target: c.target, queueDepth: c.queueDepth).run(try program.encoded(), on: &image)
        let out = try program.decode(image)
        #expect(out.y == step.y, "Y: \(c)")
        #expect(out.dX == step.dX, "dX: \(c)")
        #expect(out.master == step.master, "W': \(c)")
        #expect(out.nextForward == step.next.forwardOperand, "Wf': \(c)")
        #expect(out.nextBackward == step.next.backwardOperand, "Wbt': \(c)")
        #expect(out.preGeneratedOnChip == (options.sparsity(for: layer).pattern != nil))

        // Token accounting: no counter near its capacity, nothing left over.
        #expect(report.leftoverTokens.isEmpty, "\(c)")
        #expect(report.maxTokens.values.allSatisfy { $0 <= 255 }, "\(c)")
        // Inputs untouched; the next step's weights are exactly what the host would pack.
        for r in [LayerRegion.forwardWeights, .forwardInput, .backwardWeights, .backwardInput, .outputGradient, .weightGradientInput, .master]
        where program.regions[r] != nil {
            #expect(try program.bytes(of: r, in: image) == program.bytes(of: r, in: program.image), "\(r): \(c)")
        }
        if program.preGeneratesOnChip, case .sparse(let wf) = step.next.forwardOperand, case .sparse(let wbt) = step.next.backwardOperand {
            let f = try WeightWordLayout(target: c.target, rows: layer.outChannels, reduction: layer.forwardReductionLength, sparse: true)
            let b = try WeightWordLayout(target: c.target, rows: layer.inChannels, reduction: layer.backwardReductionLength, sparse: true)
            #expect(try program.bytes(of: .nextForwardWeights, in: image) == f.pack(wf), "\(c)")
            #expect(try program.bytes(of: .nextBackwardWeights, in: image) == b.pack(wbt), "\(c)")
        }
        // Phases in order, each closed by a SYNC; traffic at least the minimum, results written once.
        #expect(program.phases.map(\.phase) == (c.computeInputGradient ? [.forward, .backwardData, .weightGradient] : [.forward, .weightGradient]))
        var next = 0
        for p in program.phases {
            #expect(p.instructions.lowerBound == next && program.instructions[p.instructions.upperBound - 1] == .sync)
            next = p.instructions.upperBound
            #expect(p.readBytes >= p.minimumReadBytes && p.writtenBytes == p.minimumWrittenBytes, "\(p.phase): \(c)")
            if c.loopOrder == nil {
                #expect(p.readBytes == p.tiling.readBytes(p.order) + (p.phase == .weightGradient ? p.minimumReadBytes - p.tiling.aBytes - p.tiling.bBytes : 0))
                #expect(p.tiling.readBytes(p.order) <= p.tiling.readBytes(p.order == .aStationary ? .bStationary : .aStationary))
            }
        }
        #expect(next == program.instructions.count)
        #expect(report.readBeats * c.target.beatBytes == program.phases.map(\.readBytes).reduce(0, +))
        #expect(report.writeBeats * c.target.beatBytes == program.phases.map(\.writtenBytes).reduce(0, +))
    }

    /// What cannot run as asked is a one-line error naming why.
    @Test func unsupportedStepsThrow() throws {
        let layer = Self.conv(8, 8, 4, 4, k: 3, p: 1)
        let master = layer.zeroWeights()
        let x = try Tensor4(shape: layer.inputShape(batch: 1)), dY = try Tensor4(shape: layer.outputShape(batch: 1))
        func message(_ options: LayerTrainingOptions, _ target: SystemTarget, layer l: LayerSpec = layer) -> String {
            do {
                let m = l == layer ? master : l.zeroWeights()
                _ = try LayerProgram.compile(layer: l, master: m, x: try Tensor4(shape: l.inputShape(batch: 1)),
                                             dY: try Tensor4(shape: l.outputShape(batch: 1)), options: options, target: target)
                return "compiled"
            } catch { return "\(error)" }
        }
        let t = Self.t4
        var o = t.trainingOptions()
        o.accWidth = 24
        #expect(message(o, t) == "the options accumulate in 24 bits, the target in 32")
        let slower = try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, beatBits: 64, maxBeats: 4, masterBits: 16, fracBits: 4, lrShift: 5, decayShift: 6)
        #expect(message(t.trainingOptions(), slower).hasPrefix("the options' update"))
        o = Self.target(4, 4, 1, 4).trainingOptions()
        #expect(message(o, t) == "the layer is 1:4 sparse, the target's array is 2:4")
        o = t.trainingOptions()
        o.backwardMaskSource = .forwardSparse
        #expect(message(o, t) == "the options rank Mb on forwardSparse weights, the target's update unit on dense ones")
        #expect(message(t.trainingOptions(reductionOrder: .flattened), t).hasPrefix("on-chip pre-generation needs channels-innermost order (or K = 1)"))
        let narrow = try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, beatBits: 64, maxBeats: 4, addressBits: 16)
        let big = Self.conv(16, 16, 16, 16, k: 3, p: 1)
        #expect(message(narrow.trainingOptions(), narrow, layer: big).hasSuffix("exceeds the 65536-byte address space"))
        #expect(throws: SparseModelError.self) {
            try LayerProgram.compile(layer: layer, master: master, x: try Tensor4(shape: layer.inputShape(batch: 1), repeating: 300), dY: dY,
                                     options: t.trainingOptions(), target: t)
        }
        _ = x
    }

    /// A tiny-buffer program chunks every reduction and keeps at most one tile in OBUF and MBUF.
    @Test func tinyBuffersChunkAndSynchronise() throws {
        let c = Self.cases[11]
        let x = try Tensor4(shape: c.layer.inputShape(batch: c.batch)), dY = try Tensor4(shape: c.layer.outputShape(batch: c.batch))
        let program = try LayerProgram.compile(layer: c.layer, master: c.layer.zeroWeights(), x: x, dY: dY, options: c.options, target: c.target)
        for p in program.phases {
            #expect(p.tiling.chunkGroups == 1 && p.tiling.chunks == p.tiling.groups && p.tiling.chunks > 1, "\(p.phase)")
        }
        // One SYNC per phase plus one before each master reload but the first.
        let wu = program.phases[2]
        let tiles = wu.tiling.rowTiles * wu.tiling.colTiles
        #expect(program.instructions[wu.instructions].filter { $0 == .sync }.count == tiles)
    }

    /// Every compiled program's token flags pair up: per channel, pushes equal pops.
    @Test func tokensBalance() throws {
        for c in Self.cases {
            let x = try Tensor4(shape: c.layer.inputShape(batch: c.batch)), dY = try Tensor4(shape: c.layer.outputShape(batch: c.batch))
            let p = try LayerProgram.compile(layer: c.layer, master: c.layer.zeroWeights(), x: x, dY: dY, options: c.options, target: c.target)
            func count(_ op: Opcode, _ flag: KeyPath<Dependencies, Bool>) -> Int {
                p.instructions.filter { $0.opcode == op && $0.deps[keyPath: flag] }.count
            }
            #expect(count(.load, \.pushNext) == count(.gemm, \.popPrev), "load→compute: \(c)")
            #expect(count(.gemm, \.pushPrev) == count(.load, \.popNext), "compute→load: \(c)")
            #expect(count(.gemm, \.pushNext) == count(.store, \.popPrev), "compute→store: \(c)")
            #expect(count(.store, \.pushPrev) == count(.gemm, \.popNext), "store→compute: \(c)")
        }
    }

    /// Larger random sweeps (HWGEN_LONG_TESTS=1): random layers on random targets.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["HWGEN_LONG_TESTS"] == "1")) func randomSweep() throws {
        var rng = SplitMix64(seed: 0x5EE9)
        let shapes: [(Int, Int, Int)] = [(2, 2, 2), (4, 4, 2), (4, 4, 4), (4, 8, 4), (4, 8, 2), (8, 8, 8), (8, 8, 4), (8, 16, 8), (4, 16, 2)]
        for i in 0..<300 {
            let (r, cl, m) = shapes[rng.below(shapes.count)]
            let n = [1, 2, 4].filter { $0 < m && m % $0 == 0 }[rng.below([1, 2, 4].filter { $0 < m && m % $0 == 0 }.count)]
            let sparse = rng.below(4) != 0
            let t = Self.target(r, cl, n, m, beat: [32, 64, 128][rng.below(3)], x: [2, 8, 64][rng.below(3)], w: [2 * m / n, 16, 64][rng.below(3)],
                                mb: r * (1 + rng.below(3)), o: r * (1 + rng.below(3)), p: 32 * cl / m, decay: sparse ? 5 : nil, bff: rng.below(2) == 0)
            let ci = m * (1 + rng.below(3)) + (sparse ? 0 : rng.below(3)), co = m * (1 + rng.below(3))
            let k = 1 + rng.below(3)
            let layer = Self.conv(ci, co, k + rng.below(4), k + rng.below(4), k: k, s: 1 + rng.below(2), p: rng.below(k))
            try Self.check(Case(layer: layer, batch: 1 + rng.below(3), target: t, sparse: sparse, computeInputGradient: rng.below(5) != 0,
                                loopOrder: rng.below(3) == 0 ? LoopOrder.allCases[rng.below(2)] : nil, seed: UInt64(i),
                                queueDepth: [1, 2, 4, 16][rng.below(4)]))
        }
    }
}
