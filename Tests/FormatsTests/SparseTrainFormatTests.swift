import Formats
import Testing

@Suite struct SparseTrainFormatTests {
    /// The Galois step equals the polynomial's definition: multiply the state (as a polynomial
    /// in x⁻¹) by x⁻¹ modulo x^32 + x^22 + x^2 + x + 1, computed here bit by bit.
    @Test func lfsrStepIsThePolynomial() {
        var s: UInt32 = 0xACE1_1234
        for _ in 0..<1000 {
            let out = s & 1
            var expected = s >> 1
            if out == 1 { for tap in [31, 21, 1, 0] { expected ^= 1 << UInt32(tap) } }
            #expect(SparseTrainLFSR.step(s) == expected)
            s = SparseTrainLFSR.step(s)
        }
    }

    @Test func lfsrDoesNotCycleEarlyAndDrawsAreUniform() {
        var l = SparseTrainLFSR(state: SparseTrainLFSR.seed(base: 7, lane: 0))
        let start = l.state
        var buckets = [Int](repeating: 0, count: 16)
        let draws = 1 << 16
        for _ in 0..<draws {
            let r = l.draw()
            #expect(r < 1 << 16)
            buckets[Int(r >> 12)] += 1
            #expect(l.state != start)
            #expect(l.state != 0)
        }
        // 4096 expected per bucket; 6 sigma is about 370.
        for b in buckets { #expect(abs(b - draws / 16) < 400) }
    }

    @Test func laneSeedsDifferAndAreNeverZero() {
        let seeds = (0..<64).map { SparseTrainLFSR.seed(base: 0x1234, lane: $0) }
        #expect(Set(seeds).count == 64)
        #expect(!seeds.contains(0))
        #expect(SparseTrainLFSR(state: 0).state == 1)
    }

    @Test func entryWordRoundTripsAndCountsBits() throws {
        let l = try SparseTrainEntryLayout(dataWidth: 16, offsetWidth: 7, taps: 5, outputs: 4)
        #expect(l.wordBits == 16 + 7 + 5 + 80 + 4 + 1)
        let masks: [[Bool]] = [[false, false, false, false], [true, false, true, true], [true, true, true, true]]
        for (i, (v, o, k)) in [(Int64(-32768), 0, [Int64](repeating: 0, count: 5)), (32767, 127, [1, 0, -1, 0, 32767]), (-5, 3, [-32768, 2, 3, 4, 5])].enumerated() {
            let w = try l.pack(value: v, offset: o, kernel: k, mask: masks[i], last: i % 2 == 1)
            let u = l.unpack(w)
            #expect(u.value == v && u.offset == o && u.kernel == k && u.stored == k.map { $0 != 0 })
            #expect(u.mask == masks[i] && u.last == (i % 2 == 1))
        }
        // The end mark is the word's top bit, the mask right below it.
        let top = try l.pack(value: 0, offset: 0, kernel: [0, 0, 0, 0, 0], mask: [false, false, false, true], last: true)
        #expect(top == [0, UInt64(0b11) << UInt64(l.maskLSB + 3 - 64)])
        // Dense storage marks zero taps too; the packed slots follow the bitmap.
        let dense = l.unpack(try l.pack(value: 1, offset: 1, kernel: [0, 2, 0, 4, 0], stored: [true, true, true, true, true], mask: masks[2], last: false))
        #expect(dense.stored == [true, true, true, true, true] && dense.kernel == [0, 2, 0, 4, 0])
        #expect(l.compressedRowBits(nnz: 3) == 3 * 23)
        #expect(l.kernelRowBits(nnz: 2) == 5 + 32)
    }

    @Test func badEntriesThrow() throws {
        let l = try SparseTrainEntryLayout(dataWidth: 8, offsetWidth: 4, taps: 3, outputs: 2)
        let m = [true, true]
        #expect(throws: FormatError.self) { try l.pack(value: 128, offset: 0, kernel: [0, 0, 0], mask: m, last: false) }
        #expect(throws: FormatError.self) { try l.pack(value: 1, offset: 16, kernel: [0, 0, 0], mask: m, last: false) }
        #expect(throws: FormatError.self) { try l.pack(value: 1, offset: 0, kernel: [0, 0], mask: m, last: false) }
        #expect(throws: FormatError.self) { try l.pack(value: 1, offset: 0, kernel: [0, 0, 0], mask: [true], last: false) }
        #expect(throws: FormatError.self) { try SparseTrainEntryLayout(dataWidth: 1, offsetWidth: 4, taps: 3, outputs: 2) }
        #expect(throws: FormatError.self) { try SparseTrainEntryLayout(dataWidth: 8, offsetWidth: 4, taps: 17, outputs: 2) }
        #expect(throws: FormatError.self) { try SparseTrainEntryLayout(dataWidth: 8, offsetWidth: 4, taps: 3, outputs: 65) }
    }
}
