import Compiler
import Formats
import SparseModel
import Testing
import TestSupport

/// The SPS system compiler and its golden executor, without hardware: the program run by the
/// executor leaves the golden conv's output tensor in DRAM; the stream is well formed (every
/// token popped was pushed earlier, in order) and deterministic; bad programs are reported.
@Suite struct SPSSystemProgramTests {
    static func target(rows: Int, cols: Int, n: Int, p: Int, beatBits: Int = 128, buffers: [Int] = [16, 256, 8, 256]) -> SPSSystemTarget {
        let wBits = max(cols * 8, SPSLayerDescriptor.bits, n * 2 * 2)
        return SPSSystemTarget(rows: rows, cols: cols, kernelSize: 3, patternNNZ: n, period: p, dataBits: 8, accBits: 32, beatBits: beatBits,
                               xEntries: buffers[0], wEntries: buffers[1], oEntries: buffers[2], lineEntries: buffers[3],
                               wChunks: (wBits + beatBits - 1) / beatBits, oChunks: (cols * 32 + beatBits - 1) / beatBits)
    }

    /// A random PPS-pruned layer (magnitude patterns) compiled for `t`.
    static func compile(_ layer: String, _ t: SPSSystemTarget, seed: UInt64 = 3) throws -> (SPSSystemProgram, [Int64]) {
        // "conv:ci=..,co=..,h=..,w=..,k=3[,s=..,p=..]"
        var v: [String: Int] = [:]
        for kv in layer.dropFirst(5).split(separator: ",") {
            let p = kv.split(separator: "=")
            v[String(p[0])] = Int(p[1])!
        }
        let spec = try LayerSpec.conv(inChannels: v["ci"]!, outChannels: v["co"]!, height: v["h"]!, width: v["w"]!, kernelSize: 3,
                                      stride: v["s"] ?? 1, padding: v["p"] ?? 0)
        var rng = SplitMix64(seed: seed)
        let input = (0..<(spec.inChannels * spec.inHeight * spec.inWidth)).map { _ in rng.signed(bits: 8) }
        let dense = try ConvWeights<Int64>(outChannels: spec.outChannels, inChannels: spec.inChannels, kernelSize: 3) { _, _, _, _ in rng.signed(bits: 8) }
        let magnitudes = try ConvWeights<Double>(outChannels: spec.outChannels, inChannels: spec.inChannels, kernelSize: 3) { Double(dense[$0, $1, $2, $3]) }
        let assignment = try PPSAssignment.magnitude(magnitudes, period: t.period, candidates: try KernelPattern.all(kernelSize: 3, keeping: t.patternNNZ))
        let weights = try assignment.prune(dense)
        let program = try SPSProgram(layer: spec, assignment: assignment, weights: weights, rows: t.rows, cols: t.cols)
        let reference = try PPSConvReference.conv(input: input, layer: spec, weights: weights, accWidth: t.accBits)
        return (try SPSSystemProgram(program: program, input: input, target: t), reference)
    }

    @Test(arguments: [
        ("conv:ci=5,co=11,h=7,w=6,k=3,p=1", 3, 4, 4, 8, 128, [16, 256, 8, 256]),
        ("conv:ci=3,co=9,h=9,w=7,k=3,s=2,p=1", 5, 3, 2, 3, 64, [3, 64, 5, 256]),
        ("conv:ci=4,co=6,h=6,w=5,k=3,s=2,p=2", 3, 2, 5, 5, 128, [1, 32, 3, 16]),
        ("conv:ci=2,co=7,h=5,w=5,k=3", 2, 3, 1, 2, 32, [5, 16, 4, 64]),
        ("conv:ci=3,co=4,h=4,w=3,k=3,p=1", 1, 1, 9, 1, 64, [2, 64, 1, 8]),
    ])
    func executorLeavesTheGoldenConvInDRAM(_ layer: String, _ rows: Int, _ cols: Int, _ n: Int, _ p: Int, _ beat: Int, _ buffers: [Int]) throws {
        let t = Self.target(rows: rows, cols: cols, n: n, p: p, beatBits: beat, buffers: buffers)
        let (compiled, reference) = try Self.compile(layer, t)
        var image = compiled.image
        var executor = SPSExecutor(target: t)
        try executor.run(compiled.instructions, image: &image)
        #expect(compiled.outputTensor(image) == reference)
        #expect(executor.tiles == compiled.program.tileCount)
        #expect(executor.beats == compiled.program.tileCount * max(compiled.program.layer.inChannels, 1) * n)
        // Before the run the output region is zero: the comparison is not vacuous.
        #expect(compiled.outputTensor(compiled.image) != reference)
        // Each input activation leaves DRAM once: the input region's beats are loaded exactly once.
        let inputLoads = compiled.instructions.compactMap { i -> Int? in
            if case .load(let tr, .x, _) = i { return tr.beats } else { return nil }
        }.reduce(0, +)
        #expect(inputLoads * t.beatBytes == compiled.inputRegion.bytes)
        if compiled.bands.count == 1 {
            let spec = compiled.program.layer
            #expect(compiled.inputRegion.bytes == (spec.inChannels * spec.inHeight * spec.inWidth + t.elementsPerEntry - 1) / t.elementsPerEntry * t.beatBytes)
        }
    }

    /// Layers larger than the line buffer run in bands of output rows (each band's input rows,
    /// halos included, filled once), still leaving the golden conv in DRAM.
    @Test(arguments: [
        ("conv:ci=4,co=4,h=9,w=9,k=3,p=1", 2, 2, 4, 8, 128, [16, 256, 8, 16], 2),
        ("conv:ci=3,co=9,h=11,w=7,k=3,s=2,p=1", 5, 3, 2, 3, 64, [3, 64, 5, 20], 2),
        ("conv:ci=2,co=5,h=10,w=4,k=3,p=2", 3, 2, 9, 1, 32, [4, 64, 6, 12], 2),
        ("conv:ci=1,co=2,h=6,w=5,k=3", 1, 1, 3, 2, 128, [2, 64, 1, 1], 2),
    ])
    func bands(_ layer: String, _ rows: Int, _ cols: Int, _ n: Int, _ p: Int, _ beat: Int, _ buffers: [Int], _ minBands: Int) throws {
        let t = Self.target(rows: rows, cols: cols, n: n, p: p, beatBits: beat, buffers: buffers)
        let (compiled, reference) = try Self.compile(layer, t)
        #expect(compiled.bands.count >= minBands)
        // The bands cover the output rows once, in order; each band's input fits the line buffer.
        #expect(compiled.bands.map(\.outRows.lowerBound) == [0] + compiled.bands.dropLast().map(\.outRows.upperBound))
        #expect(compiled.bands.last?.outRows.upperBound == compiled.program.layer.outHeight)
        for band in compiled.bands { #expect(compiled.program.layer.inChannels * band.inRows.count * compiled.program.layer.inWidth <= t.lineCapacity) }
        #expect(compiled.bands.first?.descriptor.padTop == compiled.program.layer.padding)
        var image = compiled.image
        var executor = SPSExecutor(target: t)
        try executor.run(compiled.instructions, image: &image)
        #expect(compiled.outputTensor(image) == reference)
    }

    /// Tokens: per channel, the k-th pop meets the k-th push, which precedes it in the stream;
    /// nothing is left over.
    @Test func tokensPairInStreamOrder() throws {
        let t = Self.target(rows: 3, cols: 4, n: 4, p: 8)
        let (compiled, _) = try Self.compile("conv:ci=5,co=19,h=7,w=6,k=3,p=1", t)
        #expect(compiled.weightSlots == 2 && compiled.outputSlots == 2)
        var pushed = [0, 0, 0, 0], popped = [0, 0, 0, 0]  // l2c, c2l, c2s, s2c
        for insn in compiled.instructions {
            let d = insn.deps
            switch insn.opcode {
            case .load:
                if d.popNext { popped[1] += 1; #expect(popped[1] <= pushed[1]) }
                if d.pushNext { pushed[0] += 1 }
            case .conv:
                if d.popPrev { popped[0] += 1; #expect(popped[0] <= pushed[0]) }
                if d.popNext { popped[3] += 1; #expect(popped[3] <= pushed[3]) }
                if d.pushPrev { pushed[1] += 1 }
                if d.pushNext { pushed[2] += 1 }
            case .store:
                if d.popPrev { popped[2] += 1; #expect(popped[2] <= pushed[2]) }
                if d.pushPrev { pushed[3] += 1 }
            default: break
            }
        }
        #expect(pushed == popped)
        #expect(compiled.instructions.last == .sync)
        let (again, _) = try Self.compile("conv:ci=5,co=19,h=7,w=6,k=3,p=1", t)
        #expect(again.instructions == compiled.instructions && again.image == compiled.image)
    }

    @Test func rejectsLayersTheSystemCannotHold() throws {
        // One output row's input rows (40 x 3 x 9 activations) exceed the line buffer (16 x 16).
        #expect(throws: CompileError.self) { try Self.compile("conv:ci=40,co=4,h=9,w=9,k=3,p=1", Self.target(rows: 2, cols: 2, n: 4, p: 8, buffers: [16, 256, 8, 16])) }
        #expect(throws: CompileError.self) { try Self.compile("conv:ci=200,co=4,h=3,w=3,k=3,p=1", Self.target(rows: 2, cols: 2, n: 4, p: 8, buffers: [16, 64, 8, 256])) }
        #expect(throws: CompileError.self) { try Self.compile("conv:ci=4,co=4,h=3,w=3,k=3,p=1", Self.target(rows: 2, cols: 2, n: 4, p: 8, buffers: [16, 64, 1, 256])) }
    }

    @Test func executorReportsBadPrograms() throws {
        let t = Self.target(rows: 2, cols: 2, n: 4, p: 8)
        func fails(_ program: [Instruction], _ text: String) {
            var image = DRAMImage(size: 4096)
            var e = SPSExecutor(target: t)
            do {
                try e.run(program, image: &image)
                Issue.record("no error for \(program)")
            } catch let err as CompileError {
                #expect(err.message.contains(text), "\(err.message)")
            } catch {
                Issue.record("\(error)")
            }
        }
        fails([.conv(.tile(phase: 0, wBase: 0, pixelRow: 0, pixelCol: 0, oBase: 0), deps: .init())], "before any CONV layer")
        fails([.conv(.fill(xBase: 10, entries: 7, lineBase: 0), deps: .init())], "does not fit")
        fails([.gemm(.init(sparse: true, close: true, wBase: 0, xBase: 0, beats: 1, oBase: 0), deps: .init())], "illegal opcode")
        fails([.load(.init(bufferBase: 0, rows: 1, rowBeats: 1, entryBeats: 1, dramAddr: 0, dramStride: 0), buffer: .m, deps: .init())], "no such buffer")
        fails([.conv(.layer(descriptor: 0), deps: .init())], "never written")
    }

    /// CONV round-trips through the encoding; the SAT system's interpreter rejects it as illegal.
    @Test func convEncodingAndTheSATInterpreter() throws {
        for op in [Instruction.ConvOp.tile(phase: 7, wBase: 1234, pixelRow: 4095, pixelCol: 17, oBase: 65535),
                   .fill(xBase: 3, entries: 65535, lineBase: 65535), .layer(descriptor: 9)] {
            let insn = Instruction.conv(op, deps: .init(popPrev: true, pushNext: true))
            #expect(try Instruction.decode(try insn.encode()) == insn)
        }
        #expect(throws: FormatError.self) { try Instruction.conv(.fill(xBase: 0, entries: 0, lineBase: 0), deps: .init()).encode() }
        #expect(throws: FormatError.self) { try Instruction.conv(.tile(phase: 256, wBase: 0, pixelRow: 0, pixelCol: 0, oBase: 0), deps: .init()).encode() }
        var kind3 = try Instruction.conv(.layer(descriptor: 0), deps: .init()).encode()
        kind3[0] |= 3 << 8
        #expect(throws: FormatError.self) { try Instruction.decode(kind3) }
        let d = SPSLayerDescriptor(channels: 4095, height: 17, width: 3, outWidth: 2, stride: 2, padding: 15)
        #expect(SPSLayerDescriptor.unpack(try d.pack()) == d)
        #expect(throws: FormatError.self) { try SPSLayerDescriptor(channels: 4096, height: 1, width: 1, outWidth: 1, stride: 1, padding: 0).pack() }
    }
}
