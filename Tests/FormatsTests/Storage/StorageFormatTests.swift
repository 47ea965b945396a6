import Formats
import Testing

@Suite struct StorageFormatTests {
    /// A 3 x 5 mask with 5 non-zeros:  1 0 0 1 0 / 0 0 0 0 0 / 1 1 0 0 1.
    static let small = try! SparsityMask(rows: 3, cols: 5, bits: [true, false, false, true, false,
                                                                   false, false, false, false, false,
                                                                   true, true, false, false, true])

    @Test func bitCountsFollowTheStatedDefinitions() throws {
        let m = Self.small, v = 8, nnz = 5
        #expect(m.nonZeros == nnz)
        #expect(try StorageFormat.dense.bits(m, valueBits: v) == StorageBits(values: 15 * v, index: 0))
        #expect(try StorageFormat.bitmap.bits(m, valueBits: v) == StorageBits(values: nnz * v, index: 15))
        // CSR: a ⌈log2 5⌉ = 3-bit column per non-zero, 4 row pointers of ⌈log2 6⌉ = 3 bits.
        #expect(try StorageFormat.csr.bits(m, valueBits: v) == StorageBits(values: nnz * v, index: nnz * 3 + 4 * 3))
        // CSC: a ⌈log2 3⌉ = 2-bit row per non-zero, 6 column pointers of 3 bits.
        #expect(try StorageFormat.csc.bits(m, valueBits: v) == StorageBits(values: nnz * v, index: nnz * 2 + 6 * 3))
        #expect(try StorageFormat.coo.bits(m, valueBits: v) == StorageBits(values: nnz * v, index: nnz * (2 + 3)))
        // Gaps before the non-zeros in the row-major stream: 0, 2, 6, 0, 2: all < 16, no fillers.
        #expect(try StorageFormat.runLength.bits(m, valueBits: v) == StorageBits(values: nnz * v, index: nnz * 4))
        // N:4 over rows of 5: groups [0..3] and [4]; the worst group holds 2 → N = 2, 3 x 2 groups.
        #expect(StorageFormat.nmN(m, m: 4) == 2)
        #expect(try StorageFormat.nm(m: 4).bits(m, valueBits: v) == StorageBits(values: 6 * 2 * v, index: 6 * 2 * 2))
    }

    @Test(arguments: [(15, 0), (16, 1), (31, 1), (32, 2), (47, 2), (48, 3)])
    func runLengthFillersCoverSixteenPositions(gap: Int, fillers: Int) throws {
        let bits = [Bool](repeating: false, count: gap) + [true]
        let m = try SparsityMask(rows: 1, cols: gap + 1, bits: bits)
        #expect(try StorageFormat.runLength.bits(m, valueBits: 8) == StorageBits(values: (1 + fillers) * 8, index: (1 + fillers) * 4))
    }

    @Test func ppsIndexBitsDependOnThePatternDescriptionOnly() throws {
        // P = 8 ids of ⌈log2 4⌉ = 2 bits + 4 patterns of 9 bits.
        #expect(PPSStorage.indexBits(period: 8, libraryCount: 4, kernelSize: 3) == 8 * 2 + 4 * 9)
        let small = try PPSStorage.bits(storedValues: 100, period: 8, libraryCount: 4, kernelSize: 3, valueBits: 8)
        let large = try PPSStorage.bits(storedValues: 1_000_000, period: 8, libraryCount: 4, kernelSize: 3, valueBits: 8)
        #expect(small.index == large.index && small.values == 800 && large.values == 8_000_000)
    }

    @Test func invalidInputThrows() {
        #expect(throws: FormatError.self) { try SparsityMask(rows: 2, cols: 2, bits: [true]) }
        #expect(throws: FormatError.self) { try SparsityMask(rows: 0, cols: 2, bits: []) }
        #expect(throws: FormatError.self) { try StorageFormat.bitmap.bits(Self.small, valueBits: 0) }
        #expect(throws: FormatError.self) { try StorageFormat.nm(m: 1).bits(Self.small, valueBits: 8) }
        #expect(throws: FormatError.self) { try PPSStorage.bits(storedValues: 1, period: 0, libraryCount: 1, kernelSize: 3, valueBits: 8) }
        #expect(throws: FormatError.self) { try PPSStorage.bits(storedValues: 1, period: 4, libraryCount: 5, kernelSize: 3, valueBits: 8) }
    }
}

@Suite struct PPSPatternTableLayoutTests {
    @Test func entriesRoundTrip() throws {
        let l = try PPSPatternTableLayout(kernelSize: 3, slots: 4, period: 8)
        #expect(l.coordBits == 2 && l.entryBits == 4 * 2 * 2 && l.totalBits == 8 * 16)
        let offsets = [(kh: 0, kw: 1), (kh: 1, kw: 1), (kh: 2, kw: 0), (kh: 2, kw: 2)]
        let w = try l.pack(offsets)
        // Slot 0: kw = 1 in bits 0-1, kh = 0 in bits 2-3; slot 1 starts at bit 4.
        #expect(w[0] & 0xF == 0b0001 && (w[0] >> 4) & 0xF == 0b0101)
        let back = try l.unpack(w)
        #expect(back.map(\.kh) == offsets.map(\.kh) && back.map(\.kw) == offsets.map(\.kw))
    }

    @Test func badLayoutsAndEntriesThrow() throws {
        #expect(throws: FormatError.self) { try PPSPatternTableLayout(kernelSize: 3, slots: 10, period: 8) }
        #expect(throws: FormatError.self) { try PPSPatternTableLayout(kernelSize: 3, slots: 4, period: 0) }
        #expect(throws: FormatError.self) { try PPSPatternTableLayout(kernelSize: 0, slots: 1, period: 1) }
        let l = try PPSPatternTableLayout(kernelSize: 3, slots: 2, period: 2)
        #expect(throws: FormatError.self) { try l.pack([(kh: 0, kw: 0)]) }
        #expect(throws: FormatError.self) { try l.pack([(kh: 0, kw: 0), (kh: 3, kw: 0)]) }
        #expect(throws: FormatError.self) { try l.unpack([]) }
    }
}
