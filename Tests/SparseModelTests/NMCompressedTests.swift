import Formats
import SparseModel
import TestSupport
import Testing

@Suite struct NMCompressedTests {
    private static let valueWidths = [4, 8, 16]

    /// A random matrix whose values fit `valueBits`-bit two's complement, with both extremes present.
    private func randomMatrix(_ rng: inout SplitMix64, rows: Int, cols: Int, valueBits: Int) -> Matrix<Int64> {
        let lo = -(Int64(1) << Int64(valueBits - 1)), hi = (Int64(1) << Int64(valueBits - 1)) - 1
        var m = rng.matrix(rows: rows, cols: cols, in: lo...hi)
        m[0, 0] = lo
        m[rows - 1, cols - 1] = hi
        return m
    }

    /// Bit `i` of a little-endian word stream, read independently of the library's reader.
    private func bit(_ words: [UInt64], _ i: Int) -> UInt64 { (words[i / 64] >> UInt64(i % 64)) & 1 }

    @Test(arguments: nmTestPatterns)
    func compressDecompressRoundTrip(p: NMPattern) throws {
        var rng = SplitMix64(seed: 0xC0DE &+ UInt64(p.m * 16 + p.n))
        let w = rng.matrix(rows: 6, cols: p.m * 5, in: -20...20)
        let c = try NMCompressed(compressing: w, pattern: p)
        #expect(c.rows == 6 && c.cols == p.m * 5 && c.groupsPerRow == 5)
        #expect(c.values.count == 6 * 5 * p.n && c.indices.count == c.values.count)
        #expect(c.decompress() == (try NMPruning.forwardPruned(w, p)))
        for r in 0..<c.rows {
            for g in 0..<c.groupsPerRow {
                let slots = (0..<p.n).map { c.indices[c.entryPosition(row: r, group: g, slot: $0)] }
                #expect(slots == slots.sorted() && Set(slots).count == p.n, "ascending index order")
                for j in 0..<p.n {
                    let k = c.entryPosition(row: r, group: g, slot: j)
                    #expect(c.values[k] == w[r, c.column(row: r, group: g, slot: j)])
                }
            }
        }
        // Compressing what was already compressed gives the same thing back.
        #expect(try NMCompressed(compressing: c.decompress(), pattern: p) == c)
    }

    @Test(arguments: nmTestPatterns, valueWidths)
    func packUnpackRoundTrip(p: NMPattern, valueBits: Int) throws {
        var rng = SplitMix64(seed: 0xFACE &+ UInt64(p.m * 1000 + p.n * 100 + valueBits))
        for (rows, groups) in [(1, 1), (3, 2), (7, 5)] {
            let w = randomMatrix(&rng, rows: rows, cols: p.m * groups, valueBits: valueBits)
            let c = try NMCompressed(compressing: w, pattern: p)
            let words = try c.pack(valueBits: valueBits)
            let bits = try c.storageBits(valueBits: valueBits)
            #expect(bits == rows * groups * p.n * (valueBits + p.indexBits))
            #expect(words.count == (bits + 63) / 64)
            // Padding after the last entry is zero, so the stream's significant length is `bits`.
            for i in bits..<(words.count * 64) { #expect(bit(words, i) == 0) }
            // Every entry sits exactly where the layout says, value low, index high.
            let entrySize = valueBits + p.indexBits
            for k in c.values.indices {
                let start = k * entrySize
                var raw: UInt64 = 0
                for b in 0..<entrySize { raw |= bit(words, start + b) << UInt64(b) }
                let valueField = raw & ((1 << UInt64(valueBits)) - 1)
                #expect(valueField == UInt64(bitPattern: c.values[k]) & ((1 << UInt64(valueBits)) - 1))
                #expect(Int(raw >> UInt64(valueBits)) == c.indices[k])
            }
            let back = try NMCompressed<Int64>.unpack(
                words, rows: rows, cols: p.m * groups, pattern: p, valueBits: valueBits)
            #expect(back == c)
            #expect(try back.pack(valueBits: valueBits) == words)
        }
    }

    @Test func handPackedLayout() throws {
        let p = try NMPattern(n: 1, m: 4)
        // Row 0: groups [0, 0, −3, 0] and [5, 0, 0, 0]. Entry 0 = value 1101 (−3), index 10 (2);
        // entry 1 = value 0101 (5), index 00, at bit 6.
        let w = Matrix<Int64>(rows: 1, cols: 8) { _, c in [0, 0, -3, 0, 5, 0, 0, 0][c] }
        let c = try NMCompressed(compressing: w, pattern: p)
        #expect(c.values == [-3, 5] && c.indices == [2, 0])
        #expect(try c.pack(valueBits: 4) == [0b00_0101_10_1101])
        #expect(try c.storageBits(valueBits: 4) == 12)
        #expect(try c.denseStorageBits(valueBits: 4) == 32)
        #expect(try NMCompressed<Int64>.denseStorageBits(rows: 3, cols: 16, valueBits: 8) == 384)
    }

    @Test func entriesStraddleWordBoundaries() throws {
        // 2:8 with 16-bit values: 19-bit entries; entry 3 occupies bits 57..<76.
        let p = try NMPattern(n: 2, m: 8)
        let w = Matrix<Int64>(rows: 1, cols: 16) { _, c in c == 1 ? -1 : (c == 7 ? 0x1234 : (c == 9 ? -0x8000 : (c == 14 ? 0x7FFF : 0))) }
        let c = try NMCompressed(compressing: w, pattern: p)
        #expect(c.values == [-1, 0x1234, -0x8000, 0x7FFF] && c.indices == [1, 7, 1, 6])
        let words = try c.pack(valueBits: 16)
        #expect(words.count == 2)
        let entry3 = (words[0] >> 57) | (words[1] << 7) & ((1 << 19) - 1)
        #expect(entry3 == 0x7FFF | (6 << 16))
        #expect(try NMCompressed<Int64>.unpack(words, rows: 1, cols: 16, pattern: p, valueBits: 16) == c)
        // 64-bit values work too (entry size 67 > 64).
        let wide = try c.pack(valueBits: 64)
        #expect(try NMCompressed<Int64>.unpack(wide, rows: 1, cols: 16, pattern: p, valueBits: 64) == c)
        // Narrower result types sign-extend to themselves.
        let narrow = try NMCompressed<Int16>.unpack(words, rows: 1, cols: 16, pattern: p, valueBits: 16)
        #expect(narrow.values == [-1, 0x1234, -0x8000, 0x7FFF])
    }

    @Test func valueThatDoesNotFitThrows() throws {
        let p = try NMPattern(n: 1, m: 4)
        let w = Matrix<Int64>(rows: 1, cols: 4) { _, c in [0, 8, 0, 0][c] }
        let c = try NMCompressed(compressing: w, pattern: p)
        #expect(throws: SparseModelError(
            "value 8 at row 0, group 0, index 1 does not fit in 4-bit two's complement (-8...7)")) {
            try c.pack(valueBits: 4)
        }
        #expect(try c.pack(valueBits: 5) == [UInt64(8 | (1 << 5))])
        let n = try NMCompressed(compressing: Matrix<Int64>(rows: 1, cols: 4) { _, c in c == 3 ? -9 : 0 }, pattern: p)
        #expect(throws: SparseModelError.self) { try n.pack(valueBits: 4) }
        #expect(try n.pack(valueBits: 8).count == 1)
        // Values wider than Int64 (in a wider type) and UInt64 values above Int64.max do not fit.
        let u = try NMCompressed(compressing: Matrix<UInt64>(rows: 1, cols: 4) { _, c in c == 0 ? .max : 0 }, pattern: p)
        #expect(throws: SparseModelError.self) { try u.pack(valueBits: 64) }
        for bad in [0, -1, 65] {
            #expect(throws: SparseModelError("value width must be in 1...64 bits, got \(bad)")) {
                try c.pack(valueBits: bad)
            }
            #expect(throws: SparseModelError.self) { try c.storageBits(valueBits: bad) }
        }
    }

    @Test func malformedStreamsThrow() throws {
        let p = try NMPattern(n: 2, m: 4)
        let w = Matrix<Int64>(rows: 2, cols: 8) { r, c in Int64(r * 8 + c) - 7 }
        let c = try NMCompressed(compressing: w, pattern: p)
        let words = try c.pack(valueBits: 8)  // 8 entries x 10 bits = 80 bits = 2 words
        #expect(words.count == 2)
        #expect(throws: SparseModelError(
            "a stream of 4 2:4 groups with 8-bit values is 80 bits = 2 words, got 1 words")) {
            try NMCompressed<Int64>.unpack([words[0]], rows: 2, cols: 8, pattern: p, valueBits: 8)
        }
        #expect(throws: SparseModelError.self) {
            try NMCompressed<Int64>.unpack(words + [0], rows: 2, cols: 8, pattern: p, valueBits: 8)
        }
        #expect(throws: SparseModelError("padding bits after the last entry (bit 80 on) are not zero")) {
            try NMCompressed<Int64>.unpack([words[0], words[1] | (1 << 63)], rows: 2, cols: 8, pattern: p, valueBits: 8)
        }
        // Entry 1's index (bits 18..<20) set equal to entry 0's: not strictly ascending.
        var dup = words
        let index0 = (words[0] >> 8) & 3
        dup[0] = (dup[0] & ~(UInt64(3) << 18)) | (index0 << 18)
        #expect(throws: SparseModelError.self) {
            try NMCompressed<Int64>.unpack(dup, rows: 2, cols: 8, pattern: p, valueBits: 8)
        }
        #expect(throws: SparseModelError("value width must be in 1...16 bits, got 17")) {
            try NMCompressed<Int16>.unpack(words, rows: 2, cols: 8, pattern: p, valueBits: 17)
        }
        #expect(throws: SparseModelError(
            "2:4 pruning needs the compressed matrix's column count to be a multiple of 4, got 6")) {
            try NMCompressed<Int64>.unpack(words, rows: 2, cols: 6, pattern: p, valueBits: 8)
        }
        #expect(throws: SparseModelError.self) {
            try NMCompressed<Int64>.unpack(words, rows: -1, cols: 8, pattern: p, valueBits: 8)
        }
        #expect(try NMCompressed<Int64>.unpack([], rows: 0, cols: 8, pattern: p, valueBits: 8).values.isEmpty)
    }

    @Test func validatedParts() throws {
        let p = try NMPattern(n: 2, m: 4)
        let ok = try NMCompressed<Int64>(rows: 1, cols: 4, pattern: p, values: [1, 2], indices: [0, 3])
        #expect(ok.decompress().storage == [1, 0, 0, 2])
        #expect(throws: SparseModelError("row 0, group 0: indices [3, 0] are not strictly ascending in 0..<4")) {
            try NMCompressed<Int64>(rows: 1, cols: 4, pattern: p, values: [1, 2], indices: [3, 0])
        }
        #expect(throws: SparseModelError.self) {
            try NMCompressed<Int64>(rows: 1, cols: 4, pattern: p, values: [1, 2], indices: [1, 4])
        }
        #expect(throws: SparseModelError(
            "a 1x4 2:4 compressed matrix needs 2 values and indices, got 1 values and 2 indices")) {
            try NMCompressed<Int64>(rows: 1, cols: 4, pattern: p, values: [1], indices: [0, 1])
        }
        #expect(throws: SparseModelError(
            "2:4 pruning needs the forward reduction dimension (columns) to be a multiple of 4, got 6")) {
            try NMCompressed(compressing: Matrix<Int64>(rows: 1, cols: 6, repeating: 1), pattern: p)
        }
    }

    @Test func backwardOperandViaTransposedMask() throws {
        // The BP operand Wbᵀ (Ci·K·K × Co) is N:M along its columns (Co): compress Wᵀ with Mbᵀ.
        let p = try NMPattern(n: 2, m: 8)
        var rng = SplitMix64(seed: 9)
        let w = rng.matrix(rows: 16, cols: 24, in: -100...100)
        let mb = try NMPruning.backwardMask(w, p, source: .forwardSparse)
        let wf = try NMPruning.forwardPruned(w, p)
        let bp = try NMCompressed(compressing: wf.transposed, mask: mb.transposed, pattern: p)
        #expect(bp.decompress() == (try mb.apply(to: wf)).transposed)
        #expect(try NMCompressed(compressing: w.transposed, pattern: p).decompress()
            == (try NMPruning.backwardMask(w, p, source: .dense).apply(to: w)).transposed)
        let keepAll = Mask(Matrix(rows: 16, cols: 24, repeating: true))
        #expect(throws: SparseModelError("mask keeps 8 of row 0, columns 0..<8; 2:8 needs exactly 2")) {
            try NMCompressed(compressing: w, mask: keepAll, pattern: p)
        }
        #expect(throws: SparseModelError("cannot compress with a mask: mask is 24x16, matrix is 16x24")) {
            try NMCompressed(compressing: w, mask: mb.transposed, pattern: p)
        }
    }
}
