import Compiler
import Formats
import SparseModel
import TestSupport
import Testing

/// The SparseTrain system's program on the Swift reference of its ISA: the outputs read back from
/// the DRAM image equal the golden convolution, the program's tokens balance, and the SAT
/// system's interpreter rejects RUN.
@Suite struct SparseTrainProgramTests {
    /// A small target: 2x2 PEs, 5 taps, 8 accumulators, 32 words and 4 slots per bank, so a layer
    /// takes many runs and both buffer halves.
    static let layout = try! SparseTrainEntryLayout(dataWidth: 16, offsetWidth: 6, taps: 5, outputs: 8)
    static let target = SparseTrainSystemTarget(pes: 4, layout: layout, countBits: 6, accBits: 48, depth: 32, slots: 4, beatBytes: 32,
                                                xEntries: 64, wEntries: 4, oEntries: 32)

    static func operands(_ l: LayerSpec, seed: UInt64) -> (x: ChannelTensor<Int64>, dy: ChannelTensor<Int64>, w: ConvWeights<Int64>) {
        var rng = SplitMix64(seed: seed)
        var x = ChannelTensor<Int64>(channels: l.inChannels, height: l.inHeight, width: l.inWidth, fill: 0)
        for i in x.values.indices { x.values[i] = max(0, rng.next(in: -900...900)) }
        var dy = ChannelTensor<Int64>(channels: l.outChannels, height: l.outHeight, width: l.outWidth, fill: 0)
        for i in dy.values.indices { dy.values[i] = rng.next(in: 0...2) == 0 ? rng.next(in: -300...300) : 0 }
        var w = l.zeroWeights()
        for co in 0..<l.outChannels { for ci in 0..<l.inChannels { for a in 0..<l.kernelSize { for b in 0..<l.kernelSize {
            w[co, ci, a, b] = rng.next(in: 0...3) == 0 ? 0 : rng.next(in: -400...400)
        } } } }
        return (x, dy, w)
    }

    @Test(arguments: [(1, 0), (1, 1), (2, 1)])
    func referenceOutputsEqualTheGoldenConv(_ stride: Int, _ pad: Int) throws {
        let l = try LayerSpec.conv(inChannels: 3, outChannels: 2, height: 9, width: 11, kernelSize: 3, stride: stride, padding: pad)
        let (x, dy, w) = Self.operands(l, seed: UInt64(stride * 10 + pad))
        var mask = ChannelTensor<Bool>(channels: x.channels, height: x.height, width: x.width, fill: false)
        for i in x.values.indices { mask.values[i] = x.values[i] > 0 }
        let g = Conv1DGeometry(taps: 5, outputs: 8)
        for phase in ConvPhase.allCases {
            for dense in [false, true] {
                let items = try Conv1DMapping.items(phase, layer: l, geometry: g, dense: dense, x: x, dy: dy, w: w,
                                                    mask: phase == .bp ? mask : nil, maxEntries: Self.target.capacity.entries)
                let runs = try SparseTrainCycleModel.runs(items, pes: 4, capacity: Self.target.capacity, mapping: .balanced)
                let p = try SparseTrainProgram.compile(items: items, runs: runs, target: Self.target)
                var image = p.image
                try SparseTrainInterpreter(target: Self.target).run(p.instructions, on: &image)
                let reference: [Int64]
                switch phase {
                case .ff: reference = ConvReference.forward(l, x: x, w: w, accWidth: 48).values
                case .bp: reference = ConvReference.backward(l, dy: dy, w: w, mask: dense ? nil : mask, accWidth: 48).values
                case .wu: reference = ConvReference.weightGradient(l, x: x, dy: dy, accWidth: 48).storage
                }
                #expect(p.outputs(from: image, count: reference.count) == reference, "\(phase) dense \(dense)")
                #expect(runs.count >= 2, "the test needs several runs (both buffer halves)")
            }
        }
    }

    /// Every token a program gives is taken, per channel, and RUN k's waits match the double
    /// buffering (k ≥ 2 waits for run k − 2's buffers).
    @Test func tokensBalance() throws {
        let l = try LayerSpec.conv(inChannels: 4, outChannels: 3, height: 8, width: 8, kernelSize: 3, padding: 1)
        let (x, _, w) = Self.operands(l, seed: 3)
        let items = try Conv1DMapping.items(.ff, layer: l, geometry: Conv1DGeometry(taps: 5, outputs: 8), dense: false, x: x, dy: nil, w: w,
                                            mask: nil, maxEntries: Self.target.capacity.entries)
        let runs = try SparseTrainCycleModel.runs(items, pes: 4, capacity: Self.target.capacity, mapping: .balanced)
        let p = try SparseTrainProgram.compile(items: items, runs: runs, target: Self.target)
        var given = [0, 0, 0, 0], taken = [0, 0, 0, 0]  // l->c, c->l, c->s, s->c
        var runIndex = 0
        for insn in p.instructions {
            let d = insn.deps
            switch insn.opcode {
            case .load: given[0] += d.pushNext ? 1 : 0; taken[1] += d.popNext ? 1 : 0
            case .run:
                given[1] += d.pushPrev ? 1 : 0; given[2] += d.pushNext ? 1 : 0; taken[0] += d.popPrev ? 1 : 0; taken[3] += d.popNext ? 1 : 0
                #expect(d.popNext == (runIndex >= 2))
                runIndex += 1
            case .store: given[3] += d.pushPrev ? 1 : 0; taken[2] += d.popPrev ? 1 : 0
            default: break
            }
            #expect(try Instruction.decode(try insn.encode()) == insn)
        }
        #expect(runIndex == runs.count && given == taken)
        #expect(runs.count > 2, "the test needs runs that wait for run k - 2")
        #expect(p.instructions.last == .sync)
    }

    @Test func satInterpreterRejectsRun() throws {
        let run = Instruction.run(.init(wBase: 0, xBase: 0, words: 1, oBase: 0, slots: 1, strideLog2: 0), deps: .init())
        var image = DRAMImage(size: 1024)
        let interpreter = try ISAInterpreter(target: SystemTarget(rows: 4, cols: 4, n: 2, m: 4, dataBits: 8, accBits: 32))
        #expect(throws: ISAError.self) { _ = try interpreter.run([run, .sync], on: &image) }
        do { _ = try interpreter.run([run, .sync], on: &image) } catch let e as ISAError { #expect(e.kind == .illegalOpcode && e.instruction == 0) }
    }

    @Test func badProgramsAreErrors() throws {
        var image = DRAMImage(size: 1024)
        let i = SparseTrainInterpreter(target: Self.target)
        #expect(throws: SparseModelError.self) {
            try i.run([.gemm(.init(sparse: true, close: true, wBase: 0, xBase: 0, beats: 1, oBase: 0), deps: .init())], on: &image)
        }
        #expect(throws: SparseModelError.self) {
            try i.run([.run(.init(wBase: 0, xBase: 0, words: 1, oBase: 0, slots: 1, strideLog2: 0), deps: .init())], on: &image)  // WBUF never written
        }
    }
}
