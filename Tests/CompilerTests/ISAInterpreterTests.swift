import Compiler
import Formats
import SparseModel
import TestSupport
import Testing

/// The interpreter on hand-packed programs: operands written bit by bit with `BitWriter` from the
/// ISA's entry formats (not the compiler's layouts), results compared with the golden GEMMs and
/// update rule.
@Suite struct ISAInterpreterTests {
    /// 4x4, 2:4, d = 8, acc = 32, 32-bit beats: XBUF entries are 4 beats, sparse WBUF words 3,
    /// dense words 2, OBUF entries 4, MBUF entries 2.
    static let target = try! SystemTarget(rows: 4, cols: 4, n: 2, m: 4, beatBits: 32, maxBeats: 4, xEntries: 16, wEntries: 16,
                                          mEntries: 8, oEntries: 8, pEntries: 8)
    static let beat = 4

    /// An XBUF entry: B[g·M + j][c] at bit (c·M + j)·d.
    static func xEntry(_ b: Matrix<Int64>, group g: Int) -> [UInt8] {
        let t = target
        var w = BitWriter(zeros: t.denseEntryChunks * t.beatBits)
        for c in 0..<t.cols { for j in 0..<t.m { w.set(TwosComplement.wrap(b[g * t.m + j, c], bits: 8), bits: 8, at: (c * t.m + j) * 8) } }
        return DRAMImage.bytes(fromWords: w.words, count: t.denseEntryChunks * beat)
    }

    /// A dense WBUF word: A[r][b·N + j] at bit (r·N + j)·d.
    static func denseWord(_ a: Matrix<Int64>, beat b: Int) -> [UInt8] {
        let t = target
        var w = BitWriter(zeros: t.denseWordChunks * t.beatBits)
        for r in 0..<t.rows { for j in 0..<t.n { w.set(TwosComplement.wrap(a[r, b * t.n + j], bits: 8), bits: 8, at: (r * t.n + j) * 8) } }
        return DRAMImage.bytes(fromWords: w.words, count: t.denseWordChunks * beat)
    }

    /// A sparse WBUF word: group g of every row as an NMStreamLayout stream.
    static func sparseWord(_ a: NMCompressed<Int64>, group g: Int) throws -> [UInt8] {
        let lanes = (0..<target.rows).map { r in
            (0..<target.n).map { j in NMEntry(value: a.values[a.entryPosition(row: r, group: g, slot: j)], index: a.indices[a.entryPosition(row: r, group: g, slot: j)]) }
        }
        return DRAMImage.bytes(fromWords: try target.streamLayout.pack(lanes), count: target.sparseWordChunks * beat)
    }

    static func load(_ b: BufferID, base: Int = 0, beats: Int, entryBeats: Int, at addr: Int, push: Bool = false, pop: Bool = false) -> Instruction {
        .load(Instruction.Transfer(bufferBase: base, rows: 1, rowBeats: beats, entryBeats: entryBeats, dramAddr: UInt64(addr), dramStride: 0),
              buffer: b, deps: Dependencies(popNext: pop, pushNext: push))
    }

    static func storeRows(_ b: BufferID = .o, at addr: Int, rows: Int = 4, entryBeats: Int = 4, pop: Bool = true) -> Instruction {
        .store(Instruction.Transfer(bufferBase: 0, rows: rows, rowBeats: entryBeats, entryBeats: entryBeats, dramAddr: UInt64(addr),
                                    dramStride: UInt64(entryBeats * beat)), buffer: b, deps: Dependencies(popPrev: pop))
    }

    /// OBUF rows stored at `addr`: R rows of C `bits`-bit fields.
    static func rows(_ image: DRAMImage, at addr: Int, bits: Int, entryBytes: Int) -> Matrix<Int64> {
        Matrix(rows: target.rows, cols: target.cols) { r, c in
            TwosComplement.decode(BitReader(image.words(at: addr + r * entryBytes, byteCount: entryBytes)).field(at: c * bits, bits: bits), bits: bits)
        }
    }

    /// A sparse GEMM over two reduction groups: Σ value · x[index], wrapping at acc bits.
    @Test func sparseGEMM() throws {
        var rng = SplitMix64(seed: 0x15A1)
        let a = try NMCompressed(compressing: rng.matrix(rows: 4, cols: 8, bits: 8), pattern: Self.target.pattern)
        let b = rng.matrix(rows: 8, cols: 4, bits: 8)
        var image = DRAMImage(size: 256)
        image.write(try Self.sparseWord(a, group: 0) + Self.sparseWord(a, group: 1), at: 0)
        image.write(Self.xEntry(b, group: 0) + Self.xEntry(b, group: 1), at: 64)
        let program: [Instruction] = [
            Self.load(.w, beats: 6, entryBeats: 3, at: 0), Self.load(.x, beats: 8, entryBeats: 4, at: 64, push: true),
            .gemm(.init(sparse: true, close: true, wBase: 0, xBase: 0, beats: 2, oBase: 0), deps: Dependencies(popPrev: true, pushNext: true)),
            Self.storeRows(at: 128), .sync,
        ]
        let report = try ISAInterpreter(target: Self.target).run(program, on: &image)
        #expect(Self.rows(image, at: 128, bits: 32, entryBytes: 16) == (try referenceSparseGEMM(a, b, accWidth: 32)))
        #expect(report.instructions == 5 && report.beats == 2 && report.readBeats == 14 && report.writeBeats == 16)
        #expect(report.leftoverTokens.isEmpty && report.maxTokens[.loadToCompute] == 1)
    }

    /// Dense mode: beat i takes slice i mod (M/N) of XBUF entry i / (M/N); a tile accumulates over
    /// a non-closing and a closing GEMM; sums wrap at the accumulator width.
    @Test func denseGEMMAcrossChunks() throws {
        let t = try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, accBits: 17, beatBits: 32, maxBeats: 4, xEntries: 16, wEntries: 16,
                                 mEntries: 8, oEntries: 8, pEntries: 8)
        var rng = SplitMix64(seed: 0x15A2)
        let a = rng.matrix(rows: 4, cols: 12, bits: 8), b = rng.matrix(rows: 12, cols: 4, bits: 8)
        var image = DRAMImage(size: 512)
        image.write((0..<6).flatMap { Self.denseWord(a, beat: $0) }, at: 0)
        image.write((0..<3).flatMap { Self.xEntry(b, group: $0) }, at: 64)
        let program: [Instruction] = [
            Self.load(.w, beats: 12, entryBeats: 2, at: 0), Self.load(.x, beats: 12, entryBeats: 4, at: 64, push: true),
            .gemm(.init(sparse: false, close: false, wBase: 0, xBase: 0, beats: 4, oBase: 0), deps: Dependencies(popPrev: true)),
            .gemm(.init(sparse: false, close: true, wBase: 4, xBase: 2, beats: 2, oBase: 4), deps: Dependencies(pushNext: true)),
            .store(Instruction.Transfer(bufferBase: 4, rows: 4, rowBeats: 3, entryBeats: 3, dramAddr: 128, dramStride: 12), buffer: .o,
                   deps: Dependencies(popPrev: true)),
            .sync,
        ]
        _ = try ISAInterpreter(target: t).run(program, on: &image)
        let expected = referenceGEMM(a, b, accWidth: 17)
        let got = Matrix(rows: 4, cols: 4) { r, c in
            TwosComplement.decode(BitReader(image.words(at: 128 + r * 12, byteCount: 12)).field(at: c * 17, bits: 17), bits: 17)
        }
        #expect(got == expected)
    }

    /// A LOAD zeroes the chunks of an entry past `entryBeats`, and of a last partial entry.
    @Test func loadZeroesTheRestOfAnEntry() throws {
        var rng = SplitMix64(seed: 0x15A3)
        let b = rng.matrix(rows: 4, cols: 4, bits: 8)
        let ones = Matrix<Int64>(rows: 4, cols: 4) { r, c in r % 2 == 0 && c % 2 == 0 ? 1 : 0 }
        for (beats, entryBeats) in [(3, 3), (7, 4)] {
            var image = DRAMImage(size: 512)
            image.write((0..<2).flatMap { Self.denseWord(ones, beat: $0) }, at: 0)
            image.write(Self.xEntry(b, group: 0) + Self.xEntry(b, group: 0), at: 64)
            let program: [Instruction] = [
                Self.load(.w, beats: 4, entryBeats: 2, at: 0), Self.load(.x, beats: 4, entryBeats: 4, at: 64),  // whole entry first
                Self.load(.x, beats: beats, entryBeats: entryBeats, at: 64, push: true),
                .gemm(.init(sparse: false, close: true, wBase: 0, xBase: entryBeats == 3 ? 0 : 1, beats: 2, oBase: 0), deps: Dependencies(popPrev: true, pushNext: true)),
                Self.storeRows(at: 256), .sync,
            ]
            _ = try ISAInterpreter(target: Self.target).run(program, on: &image)
            // Column c is the 4th beat of the entry (c = 3), zero in both cases.
            var kept = b
            for j in 0..<4 { kept[j, 3] = 0 }
            #expect(Self.rows(image, at: 256, bits: 32, entryBytes: 16) == referenceGEMM(ones, kept, accWidth: 32), "\(beats) beats, \(entryBeats) per entry")
        }
    }

    /// Update and pre-generation of a weight tile: OBUF gets the golden update of each master, PBUF
    /// the compressed forward (rows) and backward (columns) words of the new compute copy.
    @Test(arguments: [false, true]) func updateAndPregen(backwardFromForward: Bool) throws {
        let t = try SystemTarget(rows: 4, cols: 8, n: 1, m: 2, dataBits: 4, accBits: 16, beatBits: 32, maxBeats: 4, xEntries: 16,
                                 wEntries: 16, mEntries: 8, oEntries: 8, pEntries: 8, masterBits: 10, fracBits: 3, lrShift: 2,
                                 decayShift: 3, backwardFromForward: backwardFromForward)
        var rng = SplitMix64(seed: 0x15A4)
        let dy = rng.matrix(rows: 4, cols: 2, bits: 4), x = rng.matrix(rows: 2, cols: 8, bits: 4)
        let master = rng.matrix(rows: 4, cols: 8, bits: 10)
        var image = DRAMImage(size: 1024)
        // Two dense words (4 rows x 1 x 4 bits = 16 bits each) packed in one WBUF entry (1 beat),
        // XBUF entry (8 cols x 2 x 4 bits = 2 beats).
        #expect(t.denseWordsPerEntry == 2)
        var w = BitWriter(zeros: 32)
        for r in 0..<4 { w.set(TwosComplement.wrap(dy[r, 0], bits: 4), bits: 4, at: r * 4) }
        for r in 0..<4 { w.set(TwosComplement.wrap(dy[r, 1], bits: 4), bits: 4, at: 16 + r * 4) }
        image.write(DRAMImage.bytes(fromWords: w.words, count: 4), at: 0)
        var xw = BitWriter(zeros: 64)
        for c in 0..<8 { for j in 0..<2 { xw.set(TwosComplement.wrap(x[j, c], bits: 4), bits: 4, at: (c * 2 + j) * 4) } }
        image.write(DRAMImage.bytes(fromWords: xw.words, count: 8), at: 64)
        for r in 0..<4 {  // MBUF rows: 8 x 10 bits = 3 beats each
            var m = BitWriter(zeros: 96)
            for c in 0..<8 { m.set(TwosComplement.wrap(master[r, c], bits: 10), bits: 10, at: c * 10) }
            image.write(DRAMImage.bytes(fromWords: m.words, count: 12), at: 128 + 12 * r)
        }
        let words = t.pregenWordsPerTile  // 4 forward + 2 co-groups x 2 backward
        let wordBytes = t.sparseWordChunks * 4
        let program: [Instruction] = [
            Self.load(.w, beats: 1, entryBeats: 1, at: 0), Self.load(.x, beats: 2, entryBeats: 2, at: 64),
            Self.load(.m, beats: 12, entryBeats: 3, at: 128, push: true),
            .gemm(.init(sparse: false, close: true, wBase: 0, xBase: 0, beats: 2, oBase: 0, update: true, pregen: true, mBase: 0, pfBase: 0, pbBase: 4),
                  deps: Dependencies(popPrev: true, pushNext: true)),
            .store(Instruction.Transfer(bufferBase: 0, rows: 4, rowBeats: 3, entryBeats: 3, dramAddr: 256, dramStride: 12), buffer: .o,
                   deps: Dependencies(popPrev: true)),
            .store(Instruction.Transfer(bufferBase: 0, rows: 1, rowBeats: words * t.sparseWordChunks, entryBeats: t.sparseWordChunks,
                                        dramAddr: 512, dramStride: 0), buffer: .p, deps: Dependencies()),
            .sync,
        ]
        _ = try ISAInterpreter(target: t).run(program, on: &image)
        // Expected: the golden update with Mf of the old compute copy, then BDWP masks of the new one.
        let rule = t.update, format = rule.format
        let dW = referenceGEMM(dy, x, accWidth: 16)
        let copy = Matrix(rows: 4, cols: 8) { r, c in format.computeValue(master: master[r, c]) }
        let mf = try NMPruning.forwardMask(copy, t.pattern)
        let updated = Matrix(rows: 4, cols: 8) { r, c in rule.updated(master: master[r, c], gradient: dW[r, c], pruned: !mf[r, c]) }
        let got = Matrix(rows: 4, cols: 8) { r, c in
            TwosComplement.decode(BitReader(image.words(at: 256 + 12 * r, byteCount: 12)).field(at: c * 10, bits: 10), bits: 10)
        }
        #expect(got == updated)
        let next = Matrix(rows: 4, cols: 8) { r, c in format.computeValue(master: updated[r, c]) }
        let forward = try NMCompressed(compressing: next, mask: try NMPruning.forwardMask(next, t.pattern), pattern: t.pattern)
        let ranked = backwardFromForward ? try NMPruning.forwardMask(next, t.pattern).apply(to: next) : next
        let mb = try NMPruning.backwardMask(next, t.pattern, source: backwardFromForward ? .forwardSparse : .dense)
        let backward = try NMCompressed(compressing: ranked.transposed, mask: mb.transposed, pattern: t.pattern)  // rows = tile columns
        let stream = try (0..<words).map { k in
            try t.streamLayout.unpack(Array(image.words(at: 512 + k * wordBytes, byteCount: wordBytes).prefix(1)), groups: 4)
        }
        for g in 0..<4 {
            for r in 0..<4 {
                #expect(stream[g][r] == [NMEntry(value: forward.values[forward.entryPosition(row: r, group: g, slot: 0)],
                                                 index: forward.indices[forward.entryPosition(row: r, group: g, slot: 0)])])
            }
        }
        for i in 0..<2 {
            for s in 0..<2 {
                for lane in 0..<4 {
                    let col = s * 4 + lane
                    #expect(stream[4 + i * 2 + s][lane] == [NMEntry(value: backward.values[backward.entryPosition(row: col, group: i, slot: 0)],
                                                                   index: backward.indices[backward.entryPosition(row: col, group: i, slot: 0)])])
                }
            }
        }
    }
}
