import Compiler
import Formats
import SparseModel
import TestSupport
import Testing

/// The DRAM layouts pack and unpack exactly, place every field where the hardware contract says,
/// and reject what does not fit.
@Suite struct LayoutRoundTripTests {
    static let targets: [SystemTarget] = [
        try! SystemTarget(rows: 2, cols: 2, n: 1, m: 2, beatBits: 32),
        try! SystemTarget(rows: 4, cols: 8, n: 2, m: 4, beatBits: 64),
        try! SystemTarget(rows: 8, cols: 8, n: 2, m: 8, dataBits: 5, accBits: 24, beatBits: 128, masterBits: 13, fracBits: 4),
    ]

    @Test func denseEntries() throws {
        var rng = SplitMix64(seed: 0x1A)
        for t in Self.targets {
            for (k, cols) in [(1, 1), (7, 5), (2 * t.m, 3 * t.cols), (3 * t.m + 1, t.cols + 1)] {
                let b = rng.matrix(rows: k, cols: cols, bits: t.dataBits)
                let layout = DenseEntryLayout(target: t, reduction: k, cols: cols)
                let bytes = try layout.pack(b)
                #expect(bytes.count == layout.regionBytes && layout.entries == layout.colTiles * layout.groups)
                #expect(try layout.unpack(bytes) == b)
                // Element (c, j) of entry (tj, g) at bit (c·M + j)·d.
                let (tj, g) = (layout.colTiles - 1, layout.groups - 1)
                let entry = BitReader(DRAMImage.words(fromBytes: bytes[(layout.index(colTile: tj, group: g) * layout.entryBytes)...]))
                for c in 0..<t.cols where tj * t.cols + c < cols {
                    for j in 0..<t.m where g * t.m + j < k {
                        #expect(TwosComplement.decode(entry.field(at: (c * t.m + j) * t.dataBits, bits: t.dataBits), bits: t.dataBits) == b[g * t.m + j, tj * t.cols + c])
                    }
                }
                // The last byte is padding (an element past the matrix or bits past the entry's
                // fields) or element (C-1, M-1) of the last entry.
                var corrupt = bytes
                corrupt[corrupt.count - 1] ^= 0x80
                if layout.entryBytes * 8 > t.cols * t.m * t.dataBits || cols % t.cols != 0 || k % t.m != 0 {
                    #expect(throws: CompileError.self) { try layout.unpack(corrupt) }
                } else {
                    #expect(try layout.unpack(corrupt) != b)
                }
            }
            let layout = DenseEntryLayout(target: t, reduction: 2, cols: 2)
            #expect(throws: CompileError.self) { try layout.pack(Matrix(rows: 2, cols: 2, repeating: 1 << 40)) }
            #expect(throws: CompileError.self) { try layout.pack(Matrix(rows: 3, cols: 2, repeating: 0)) }
        }
    }

    @Test func sparseWeightWords() throws {
        var rng = SplitMix64(seed: 0x1B)
        for t in Self.targets {
            for (rows, groups) in [(1, 1), (t.rows, 3), (2 * t.rows + 1, 2), (3, 5)] {
                let dense = rng.matrix(rows: rows, cols: groups * t.m, bits: t.dataBits)
                let a = try NMCompressed(compressing: dense, pattern: t.pattern)
                let layout = try WeightWordLayout(target: t, rows: rows, reduction: groups * t.m, sparse: true)
                let bytes = try layout.pack(a)
                #expect(bytes.count == layout.regionBytes && layout.wordsPerRowTile == groups)
                #expect(try layout.unpackSparse(bytes) == a)
                // Word (ti, g) is the NMStreamLayout stream of the R rows' group g; padding rows hold
                // the canonical zero group.
                let ti = layout.rowTiles - 1
                let start = layout.index(rowTile: ti, word: groups - 1) * layout.entryBytes
                let words = DRAMImage.words(fromBytes: bytes[start..<(start + layout.entryBytes)])
                let stream = try t.streamLayout.unpack(Array(words.prefix((t.streamLayout.bits(groups: t.rows) + 63) / 64)), groups: t.rows)
                for r in 0..<t.rows {
                    let row = ti * t.rows + r
                    let expected = row < rows
                        ? (0..<t.n).map { NMEntry(value: a.values[a.entryPosition(row: row, group: groups - 1, slot: $0)], index: a.indices[a.entryPosition(row: row, group: groups - 1, slot: $0)]) }
                        : (0..<t.n).map { NMEntry(value: 0, index: $0) }
                    #expect(stream[r] == expected)
                }
            }
            #expect(throws: CompileError.self) { try WeightWordLayout(target: t, rows: 2, reduction: t.m + 1, sparse: true) }
            let layout = try WeightWordLayout(target: t, rows: t.rows + 1, reduction: t.m, sparse: true)
            var bytes = try layout.pack(try NMCompressed(compressing: rng.matrix(rows: t.rows + 1, cols: t.m, bits: t.dataBits), pattern: t.pattern))
            bytes[layout.index(rowTile: 1, word: 0) * layout.entryBytes + t.streamLayout.groupBits / 8 + 1] ^= 0x40  // a padding lane
            #expect(throws: CompileError.self) { try layout.unpackSparse(bytes) }
        }
    }

    @Test func denseWeightWords() throws {
        var rng = SplitMix64(seed: 0x1C)
        for t in Self.targets {
            for (rows, k) in [(1, 1), (t.rows, 2 * t.m), (2 * t.rows + 1, 3 * t.m - 1), (3, 5)] {
                let a = rng.matrix(rows: rows, cols: k, bits: t.dataBits)
                let layout = try WeightWordLayout(target: t, rows: rows, reduction: k, sparse: false)
                let bytes = try layout.pack(a)
                #expect(bytes.count == layout.regionBytes)
                #expect(layout.wordsPerRowTile == (k + t.m - 1) / t.m * (t.m / t.n))
                #expect(try layout.unpackDense(bytes) == a)
                // Element (r, j) of dense word (ti, b) at bit (r·N + j)·d = A[ti·R + r][b·N + j].
                let start = layout.index(rowTile: 0, word: 0) * layout.entryBytes
                let entry = BitReader(DRAMImage.words(fromBytes: bytes[start..<(start + layout.entryBytes)]))
                for r in 0..<min(rows, t.rows) {
                    for j in 0..<min(t.n, k) {
                        #expect(TwosComplement.decode(entry.field(at: (r * t.n + j) * t.dataBits, bits: t.dataBits), bits: t.dataBits) == a[r, j])
                    }
                }
                #expect(throws: CompileError.self) { try layout.unpackSparse(bytes) }
            }
        }
    }

    @Test func rowEntries() throws {
        var rng = SplitMix64(seed: 0x1D)
        for t in Self.targets {
            for (rows, cols) in [(1, 1), (t.rows, t.cols), (5, 2 * t.cols + 3)] {
                for layout in [RowEntryLayout.results(t, rows: rows, cols: cols), RowEntryLayout.masters(t, rows: rows, cols: cols)] {
                    let m = rng.matrix(rows: rows, cols: cols, bits: layout.valueBits)
                    let bytes = try layout.pack(m)
                    #expect(bytes.count == layout.regionBytes && layout.rowStride == layout.entryBytes)
                    // Tile-major: a tile's rows are consecutive entries.
                    #expect(layout.index(row: 1, colTile: 0) == (rows > 1 ? 1 : layout.index(row: 1, colTile: 0)))
                    #expect(try layout.unpack(bytes) == m)
                    let e = BitReader(DRAMImage.words(fromBytes: bytes[(layout.index(row: rows - 1, colTile: 0) * layout.entryBytes)...]))
                    #expect(TwosComplement.decode(e.field(at: 0, bits: layout.valueBits), bits: layout.valueBits) == m[rows - 1, 0])
                }
            }
            #expect(layout(t).entryBeats == t.outputChunks)
            #expect(RowEntryLayout.masters(t, rows: 1, cols: 1).entryBeats == t.masterChunks)
            #expect(throws: CompileError.self) { try RowEntryLayout.masters(t, rows: 1, cols: 1).pack(Matrix(rows: 1, cols: 1, repeating: 1 << 40)) }
        }
    }

    private func layout(_ t: SystemTarget) -> RowEntryLayout { .results(t, rows: 1, cols: 1) }

    /// DRAM byte and word conversions are little-endian and inverse.
    @Test func dramWords() {
        var image = DRAMImage(size: 24)
        image.write(words: [0x0807_0605_0403_0201, 0x1817_1615_1413_1211], at: 4, byteCount: 12)
        #expect(image.read(at: 4, count: 13) == [1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0])
        #expect(image.words(at: 4, byteCount: 12) == [0x0807_0605_0403_0201, 0x1413_1211])
        #expect(DRAMRegion(name: "x", base: 16, bytes: 8).description == "x [0x10, +8)")
    }
}
