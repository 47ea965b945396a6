import Formats
import Testing

@Suite struct NMStreamLayoutTests {
    @Test func derivedWidthsAndOffsets() throws {
        let l = try NMStreamLayout(pattern: NMPattern(n: 2, m: 8), valueBits: 8)
        #expect(l.indexBits == 3 && l.entryBits == 11 && l.groupBits == 22)
        #expect(l.valueField == 0..<8 && l.indexField == 8..<11)
        #expect(l.entryOffset(group: 3, slot: 1) == (3 * 2 + 1) * 11)
        #expect(l.bits(groups: 5) == 110)
        #expect(throws: FormatError("value width must be in 1...64 bits, got 0")) {
            try NMStreamLayout(pattern: NMPattern(n: 1, m: 4), valueBits: 0)
        }
    }

    /// The layout written out by hand: value low, index high, entries back to back.
    @Test func exactBits() throws {
        let l = try NMStreamLayout(pattern: NMPattern(n: 1, m: 4), valueBits: 4)
        let words = try l.pack([[NMEntry(value: -3, index: 2)], [NMEntry(value: 5, index: 1)]])
        // entry 0: value 1101, index 10 -> bits 0..5 = 10_1101; entry 1: value 0101, index 01.
        #expect(words == [0b01_0101_10_1101])
        #expect(try l.unpack(words, groups: 2) == [[NMEntry(value: -3, index: 2)], [NMEntry(value: 5, index: 1)]])
    }

    @Test func roundTripEveryPatternAndWidth() throws {
        for (n, m) in [(1, 4), (2, 4), (1, 8), (2, 8), (4, 8), (2, 16), (3, 64)] {
            for bits in [1, 3, 8, 13, 32, 64] {
                let l = try NMStreamLayout(pattern: NMPattern(n: n, m: m), valueBits: bits)
                let range = TwosComplement.range(bits: bits)
                let groups: [[NMEntry]] = (0..<7).map { k in
                    (0..<n).map { j in NMEntry(value: (j + k) % 2 == 0 ? range.lowerBound : range.upperBound, index: j * (m / n) + (k % (m / n))) }
                }
                let words = try l.pack(groups)
                #expect(words.count == (l.bits(groups: 7) + 63) / 64)
                #expect(try l.unpack(words, groups: 7) == groups)
            }
        }
    }

    @Test func rejectsBadInput() throws {
        let l = try NMStreamLayout(pattern: NMPattern(n: 2, m: 4), valueBits: 4)
        #expect(throws: FormatError.self) { try l.pack([[NMEntry(value: 8, index: 0), NMEntry(value: 0, index: 1)]]) }
        #expect(throws: FormatError("group 0: indices [1, 1] are not strictly ascending in 0..<4")) {
            try l.pack([[NMEntry(value: 0, index: 1), NMEntry(value: 0, index: 1)]])
        }
        #expect(throws: FormatError("group 0: 1 entries, 2:4 needs 2")) { try l.pack([[NMEntry(value: 0, index: 1)]]) }
        #expect(throws: FormatError.self) { try l.unpack([0, 0], groups: 1) }
        #expect(throws: FormatError("padding bits after the last entry (bit 12 on) are not zero")) {
            try l.unpack([try l.pack([[NMEntry(value: 1, index: 0), NMEntry(value: 2, index: 3)]])[0] | (1 << 40)], groups: 1)
        }
    }
}
