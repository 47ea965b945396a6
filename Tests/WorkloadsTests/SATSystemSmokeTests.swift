import Cosim
import Formats
import HWLib
import SparseAccel
import SparseModel
import TestSupport
import Testing
import Workloads

/// Hand-written programs on the RTL of the SAT training system: each exercises one mechanism
/// (a sparse GEMM with its loads and store, a dense GEMM, errors), packed here independently of
/// the compiler.
@Suite(.serialized) struct SATSystemSmokeTests {
    static let config = SATSystemConfig(core: SATConfig(rows: 4, cols: 4, n: 2, m: 4),
                                        memory: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 4),
                                        denseEntries: 16, sparseEntries: 16, masterEntries: 8, outputEntries: 8, pregenEntries: 4)

    /// Runs `program` on the RTL and on the cycle model with identical DRAM models and checks
    /// they agree cycle for cycle; returns the RTL's result and memory.
    static func runBoth(_ program: [Instruction], config: SATSystemConfig = config, load: [(Int, [UInt8])],
                        dram: DRAMModel.Config = .init(capacity: 1 << 16, beatBytes: 8, readLatency: 5, writeLatency: 3),
                        seed: UInt64? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> (SystemRun.Result, DRAMModel) {
        func memory() throws -> DRAMModel {
            let m = try DRAMModel(dram, random: seed.map { SplitMix64(seed: $0) })
            for (a, bytes) in load { try m.load(bytes, at: a) }
            return m
        }
        let rtlMemory = try memory()
        let result = try SystemRun(config: config).run(program, dram: rtlMemory, maxCycles: 20_000, quietCycles: 2_000)
        // Behind the AXI4 wrapper the data must agree; the cycles include the wrapper's latency.
        if config.axi { return (result, rtlMemory) }
        let predicted = try SystemCycleModel(config: config).predict(program, dram: try memory(), maxCycles: 20_000, quietCycles: 2_000)
        #expect(predicted.outcome == result.outcome, "cycle model outcome", sourceLocation: sourceLocation)
        #expect(predicted.syncCycles == result.syncCycles, "SYNC cycles: model \(predicted.syncCycles), RTL \(result.syncCycles)", sourceLocation: sourceLocation)
        #expect(predicted.beats == result.beats && predicted.readBeats == result.readBeats && predicted.writeBeats == result.writeBeats,
                "counters: model \(predicted.beats)/\(predicted.readBeats)/\(predicted.writeBeats), RTL \(result.beats)/\(result.readBeats)/\(result.writeBeats)",
                sourceLocation: sourceLocation)
        return (result, rtlMemory)
    }

    /// Entry images: `bits` per entry padded to whole 8-byte beats.
    static func image(_ entries: [BitWriter], bits: Int) -> [UInt8] {
        let beatBytes = 8, per = (bits + 63) / 64 * beatBytes
        return entries.flatMap { w in
            var bytes = [UInt8](repeating: 0, count: per)
            for i in 0..<min(per * 8, w.bitCount) where (w.words[i / 64] >> UInt64(i % 64)) & 1 == 1 { bytes[i / 8] |= 1 << UInt8(i % 8) }
            return bytes
        }
    }

    /// Signed `bits`-bit fields of consecutive entries of `stride` bytes: `count` per entry.
    static func fields(_ bytes: [UInt8], entries: Int, stride: Int, count: Int, bits: Int) -> [[Int64]] {
        (0..<entries).map { e in
            (0..<count).map { i in
                var v: UInt64 = 0
                for b in 0..<bits {
                    let bit = i * bits + b
                    if (bytes[e * stride + bit / 8] >> UInt8(bit % 8)) & 1 == 1 { v |= 1 << UInt64(b) }
                }
                return bits == 64 ? Int64(bitPattern: v) : (Int64(bitPattern: v << UInt64(64 - bits)) >> Int64(64 - bits))
            }
        }
    }

    /// A's dense words (beat b: R × N values A[r][b·N + j]) packed k to a WBUF entry.
    static func packedDenseWords(_ a: Matrix<Int64>, k: Int, n: Int, d: Int) -> [BitWriter] {
        let beats = a.cols / n
        return stride(from: 0, to: beats, by: k).map { first in
            entry((first..<(first + k)).flatMap { beat in (0..<(a.rows * n)).map { i in a[i / n, beat * n + i % n] } }, bits: d)
        }
    }

    static func entry(_ values: [Int64], bits: Int) -> BitWriter {
        var w = BitWriter(zeros: values.count * bits)
        for (i, v) in values.enumerated() { w.set(UInt64(bitPattern: v), bits: bits, at: i * bits) }
        return w
    }

    /// A dense GEMM of K = 8: four dense beats (N = 2 of M = 4 per beat), two XBUF entries each
    /// serving two beats, dense weight words of R × N values packed two to a WBUF entry.
    @Test func denseGEMMSlicesTheDenseEntries() throws {
        let c = Self.config
        var rng = SplitMix64(seed: 11)
        let K = 8, R = 4, C = 4, M = 4, N = 2, d = 8
        let a = rng.matrix(rows: R, cols: K, bits: d), b = rng.matrix(rows: K, cols: C, bits: d)
        let expected = referenceGEMM(a, b, accWidth: 32)
        let k = c.denseWordsPerEntry
        #expect(k == 2)
        let words = Self.packedDenseWords(a, k: k, n: N, d: d)
        let xs = (0..<(K / M)).map { g in Self.entry((0..<(C * M)).map { i in b[g * M + i % M, i / M] }, bits: d) }
        let images = [(0x100, Self.image(words, bits: k * R * N * d)), (0x400, Self.image(xs, bits: C * M * d))]
        let xc = c.denseChunks, oc = c.outputChunks, wc = c.chunks(k * c.denseWordBits)
        let program: [Instruction] = [
            .load(.init(bufferBase: 3, rows: K / N / k, rowBeats: wc, entryBeats: wc, dramAddr: 0x100, dramStride: UInt64(wc * 8)), buffer: .w, deps: .init()),
            .load(.init(bufferBase: 5, rows: 1, rowBeats: 2 * xc, entryBeats: xc, dramAddr: 0x400, dramStride: 0), buffer: .x, deps: .init(pushNext: true)),
            .gemm(.init(sparse: false, close: true, wBase: 3, xBase: 5, beats: 4, oBase: 2), deps: .init(popPrev: true, pushNext: true)),
            .store(.init(bufferBase: 2, rows: 1, rowBeats: R * oc, entryBeats: oc, dramAddr: 0x800, dramStride: 0), buffer: .o, deps: .init(popPrev: true)),
            .sync,
        ]
        let (result, dram) = try Self.runBoth(program, load: images, dram: .init(capacity: 1 << 16, beatBytes: 8, readLatency: 7, writeLatency: 2))
        #expect(result.outcome == SystemRun.Outcome.completed, "\(result.outcome)")
        let y = Self.fields(try dram.bytes(at: 0x800, count: R * oc * 8), entries: R, stride: oc * 8, count: C, bits: 32)
        for r in 0..<R { for col in 0..<C { #expect(y[r][col] == expected[r, col], "Y[\(r)][\(col)]") } }
        #expect(result.beats == 4)
    }

    @Test func sparseGEMMThroughBuffers() throws {
        let c = Self.config
        var rng = SplitMix64(seed: 7)
        let K = 8, R = 4, C = 4, M = 4, d = 8
        let a = rng.matrix(rows: R, cols: K, bits: d)
        let pattern = try NMPattern(n: 2, m: 4)
        let sparseA = try NMCompressed(compressing: a, pattern: pattern)
        let b = rng.matrix(rows: K, cols: C, bits: d)
        let expected = referenceGEMM(sparseA.decompress(), b, accWidth: 32)

        // WBUF words: group g of every row.
        let layout = try NMStreamLayout(pattern: pattern, valueBits: d)
        let words: [BitWriter] = try (0..<(K / M)).map { g in
            let groups = (0..<R).map { r in (0..<2).map { s in NMEntry(value: sparseA.values[sparseA.entryPosition(row: r, group: g, slot: s)], index: sparseA.indices[sparseA.entryPosition(row: r, group: g, slot: s)]) } }
            var w = BitWriter()
            for word in try layout.pack(groups) { w.append(word, bits: 64) }
            return w
        }
        // XBUF entries: group g, column c, lane j at (c·M + j)·d.
        let xs: [BitWriter] = (0..<(K / M)).map { g in
            var w = BitWriter(zeros: C * M * d)
            for col in 0..<C { for j in 0..<M { w.set(UInt64(bitPattern: b[g * M + j, col]), bits: d, at: (col * M + j) * d) } }
            return w
        }
        let images = [(0x100, Self.image(words, bits: c.core.streamWidth)), (0x400, Self.image(xs, bits: C * M * d))]
        let wChunks = c.sparseChunks, xChunks = c.denseChunks, oChunks = c.outputChunks
        let program: [Instruction] = [
            .load(.init(bufferBase: 0, rows: 1, rowBeats: 2 * wChunks, entryBeats: wChunks, dramAddr: 0x100, dramStride: 0), buffer: .w, deps: .init()),
            .load(.init(bufferBase: 0, rows: 2, rowBeats: xChunks, entryBeats: xChunks, dramAddr: 0x400, dramStride: UInt64(xChunks * 8)), buffer: .x, deps: .init(pushNext: true)),
            .gemm(.init(sparse: true, close: true, wBase: 0, xBase: 0, beats: 2, oBase: 0), deps: .init(popPrev: true, pushNext: true)),
            .store(.init(bufferBase: 0, rows: R, rowBeats: oChunks, entryBeats: oChunks, dramAddr: 0x800, dramStride: UInt64(oChunks * 8)), buffer: .o, deps: .init(popPrev: true)),
            .sync,
        ]
        for (seed, axi) in [(nil, false), (3, false), (4, true)] as [(UInt64?, Bool)] {
            var memory = DRAMModel.Config(capacity: 1 << 16, beatBytes: 8, readLatency: 5, writeLatency: 3)
            if seed != nil { memory.backPressure = .init(probability: 0.3) }
            var cfg = c
            cfg.axi = axi
            let (result, dram) = try Self.runBoth(program, config: cfg, load: images, dram: memory, seed: seed)
            #expect(result.outcome == SystemRun.Outcome.completed, "\(result.outcome)")
            try checkSparse(dram, result)
        }
        func checkSparse(_ dram: DRAMModel, _ result: SystemRun.Result) throws {
        let out = try dram.bytes(at: 0x800, count: R * oChunks * 8)
        for r in 0..<R {
            for col in 0..<C {
                let off = r * oChunks * 8 + col * 4
                var u: UInt32 = 0
                for i in 0..<4 { u |= UInt32(out[off + i]) << UInt32(8 * i) }
                let v = Int64(Int32(bitPattern: u))
                #expect(v == expected[r, col], "Y[\(r)][\(col)]")
            }
        }
        #expect(result.beats == 2)
        }
    }

    /// A weight-gradient tile with the update and pre-generation: the new master weights and the
    /// compressed forward and backward words equal the golden update and BDWP pruning.
    @Test func updateAndPregenOfOneWeightTile() throws {
        let c = Self.config
        var rng = SplitMix64(seed: 5)
        let K = 4, R = 4, C = 4, M = 4, N = 2, d = 8, w = 16
        let a = rng.matrix(rows: R, cols: K, bits: d), b = rng.matrix(rows: K, cols: C, bits: d)
        let dW = referenceGEMM(a, b, accWidth: 32)
        let master = rng.matrix(rows: R, cols: C, bits: w)
        let update = try FixedPointUpdate(format: FixedPointFormat(computeBits: d, fracBits: 8, masterBits: w), lrShift: 8, decayShift: 12)
        let f = update.format
        var newMaster = master
        for r in 0..<R {
            let copies = (0..<C).map { f.computeValue(master: master[r, $0]) }
            let kept = try NMPruning.topN(copies.map { $0.magnitude }, n: N)
            for col in 0..<C { newMaster[r, col] = update.updated(master: master[r, col], gradient: dW[r, col], pruned: !kept[col]) }
        }
        let copy = (0..<R).map { r in (0..<C).map { f.computeValue(master: newMaster[r, $0]) } }
        func compress(_ v: [Int64]) throws -> [NMEntry] {
            let kept = try NMPruning.topN(v.map { $0.magnitude }, n: N)
            return v.indices.filter { kept[$0] }.map { NMEntry(value: v[$0], index: $0) }
        }
        let layout = try NMStreamLayout(pattern: NMPattern(n: N, m: M), valueBits: d)
        let forward = try layout.pack((0..<R).map { r in try compress(copy[r]) })
        let backward = try layout.pack((0..<C).map { col in try compress((0..<R).map { copy[$0][col] }) })

        let k = c.denseWordsPerEntry
        let words = Self.packedDenseWords(a, k: k, n: N, d: d)
        let xs = [Self.entry((0..<(C * M)).map { i in b[i % M, i / M] }, bits: d)]
        let masters = (0..<R).map { r in Self.entry((0..<C).map { master[r, $0] }, bits: w) }
        let images = [(0x100, Self.image(words, bits: k * R * N * d)), (0x400, Self.image(xs, bits: C * M * d)), (0x600, Self.image(masters, bits: C * w))]
        let xc = c.denseChunks, wc = c.chunks(k * c.denseWordBits), mc = c.masterChunks, pc = c.sparseChunks
        let program: [Instruction] = [
            .load(.init(bufferBase: 0, rows: K / N / k, rowBeats: wc, entryBeats: wc, dramAddr: 0x100, dramStride: UInt64(wc * 8)), buffer: .w, deps: .init()),
            .load(.init(bufferBase: 0, rows: 1, rowBeats: xc, entryBeats: xc, dramAddr: 0x400, dramStride: 0), buffer: .x, deps: .init()),
            .load(.init(bufferBase: 4, rows: R, rowBeats: mc, entryBeats: mc, dramAddr: 0x600, dramStride: UInt64(mc * 8)), buffer: .m, deps: .init(pushNext: true)),
            .gemm(.init(sparse: false, close: true, wBase: 0, xBase: 0, beats: 2, oBase: 1, update: true, pregen: true, mBase: 4, pfBase: 2, pbBase: 0),
                  deps: .init(popPrev: true, pushNext: true)),
            .store(.init(bufferBase: 1, rows: R, rowBeats: mc, entryBeats: mc, dramAddr: 0x800, dramStride: UInt64(mc * 8)), buffer: .o, deps: .init(popPrev: true)),
            .store(.init(bufferBase: 2, rows: 1, rowBeats: pc, entryBeats: pc, dramAddr: 0xA00, dramStride: 0), buffer: .p, deps: .init()),
            .store(.init(bufferBase: 0, rows: 1, rowBeats: pc, entryBeats: pc, dramAddr: 0xB00, dramStride: 0), buffer: .p, deps: .init()),
            .sync,
        ]
        let (result, dram) = try Self.runBoth(program, load: images, dram: .init(capacity: 1 << 16, beatBytes: 8, readLatency: 4, writeLatency: 3))
        #expect(result.outcome == SystemRun.Outcome.completed, "\(result.outcome)")
        let got = Self.fields(try dram.bytes(at: 0x800, count: R * mc * 8), entries: R, stride: mc * 8, count: C, bits: w)
        for r in 0..<R { for col in 0..<C { #expect(got[r][col] == newMaster[r, col], "W'[\(r)][\(col)] (dW \(dW[r, col]), W \(master[r, col]))") } }
        func words64(_ bytes: [UInt8]) -> [UInt64] {
            stride(from: 0, to: bytes.count, by: 8).map { i in (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[i + $1]) << UInt64(8 * $1) } }
        }
        let fw = try layout.unpack(words64(try dram.bytes(at: 0xA00, count: pc * 8)), groups: R)
        let bw = try layout.unpack(words64(try dram.bytes(at: 0xB00, count: pc * 8)), groups: R)
        #expect(fw == (try layout.unpack(forward, groups: R)), "forward word")
        #expect(bw == (try layout.unpack(backward, groups: R)), "backward word")
    }

    /// Illegal programs end in the error state (or, for a missing SYNC, the harness watchdog) with
    /// a report naming the problem and the instruction, never a hang.
    @Test func illegalProgramsStopWithAReport() throws {
        var c = Self.config
        c.stallLimit = 200
        let run = try SystemRun(config: c)
        func dram() throws -> DRAMModel { try DRAMModel(.init(capacity: 1 << 16, beatBytes: 8, readLatency: 4, writeLatency: 3)) }
        let load = Instruction.load(.init(bufferBase: 0, rows: 1, rowBeats: 2, entryBeats: 2, dramAddr: 0x100, dramStride: 0), buffer: .x, deps: .init())
        // An unknown opcode (7) as the second instruction.
        let bad = try [load.encode(), [7, 0], Instruction.sync.encode()]
        let r1 = try run.run(words: bad, dram: dram(), syncs: 1, maxCycles: 5_000, quietCycles: 1_000)
        #expect(r1.outcome == .error(.illegalOpcode, instruction: 1))
        // CONV (opcode 5) drives the SPS engine: the SAT system's dispatcher rejects it, as its cycle model says.
        let conv: [Instruction] = [load, .conv(.layer(descriptor: 0), deps: .init()), .sync]
        let r1c = try run.run(conv, dram: dram(), maxCycles: 5_000, quietCycles: 1_000)
        #expect(r1c.outcome == .error(.illegalOpcode, instruction: 1))
        #expect(try SystemCycleModel(config: c).predict(conv, dram: dram(), maxCycles: 5_000, quietCycles: 1_000).outcome == r1c.outcome)
        // RUN (opcode 6) is the SparseTrain system's compute opcode, not the SAT system's; the
        // cycle model agrees.
        let sparseTrainRun = Instruction.run(.init(wBase: 0, xBase: 0, words: 1, oBase: 0, slots: 1, strideLog2: 0), deps: .init())
        let r1b = try run.run([load, sparseTrainRun, .sync], dram: dram(), maxCycles: 5_000, quietCycles: 1_000)
        #expect(r1b.outcome == .error(.illegalOpcode, instruction: 1))
        #expect(try SystemCycleModel(config: c).predict([load, sparseTrainRun, .sync], dram: dram()).outcome == .error(.illegalOpcode, instruction: 1))
        // A LOAD past the end of XBUF (16 entries).
        let far = Instruction.load(.init(bufferBase: 15, rows: 1, rowBeats: 2 * c.denseChunks, entryBeats: c.denseChunks, dramAddr: 0x100, dramStride: 0), buffer: .x, deps: .init())
        let r2 = try run.run([load, far, .sync], dram: dram(), maxCycles: 5_000, quietCycles: 1_000)
        #expect(r2.outcome == .error(.bufferRange, instruction: 1))
        // A GEMM whose tile does not fit WBUF.
        let gemm = Instruction.gemm(.init(sparse: true, close: true, wBase: 10, xBase: 0, beats: 8, oBase: 0), deps: .init())
        let r3 = try run.run([load, gemm, .sync], dram: dram(), maxCycles: 5_000, quietCycles: 1_000)
        #expect(r3.outcome == .error(.bufferRange, instruction: 1))
        // A GEMM waiting for a load token nobody gives: the design's watchdog stops it.
        let waiting = Instruction.gemm(.init(sparse: true, close: true, wBase: 0, xBase: 0, beats: 1, oBase: 0), deps: .init(popPrev: true))
        let r4 = try run.run([load, waiting, .sync], dram: dram(), maxCycles: 5_000, quietCycles: 1_000)
        #expect(r4.outcome == .error(.stalled, instruction: 0))
        // A STORE asking for a store -> compute token it cannot give (popNext on a STORE).
        let store = Instruction.store(.init(bufferBase: 0, rows: 1, rowBeats: 1, entryBeats: 1, dramAddr: 0x800, dramStride: 0), buffer: .o, deps: .init())
        var words = try [load.encode(), store.encode(), Instruction.sync.encode()]
        words[1][0] |= 1 << 5  // popNext
        let r5 = try run.run(words: words, dram: dram(), syncs: 1, maxCycles: 5_000, quietCycles: 1_000)
        #expect(r5.outcome == .error(.badDependency, instruction: 1))
        // A program without its final SYNC: the harness watchdog reports it.
        let r6 = try run.run(words: [try load.encode()], dram: dram(), syncs: 1, maxCycles: 50_000, quietCycles: 500)
        guard case .watchdog(let why) = r6.outcome else { Issue.record("expected the watchdog, got \(r6.outcome)"); return }
        #expect(why.contains("final SYNC"), "\(why)")
    }
}
