import Formats
import Testing

@Suite struct BitPackerTests {
    @Test func fieldsStraddleWordsAndReadBack() {
        var w = BitWriter()
        w.append(0b101, bits: 3)
        w.append(0xFFFF_FFFF_FFFF_FFFF, bits: 64)  // straddles words 0 and 1
        w.append(0x2A, bits: 7)
        #expect(w.bitCount == 74)
        #expect(w.words.count == 2)
        var r = BitReader(w.words)
        #expect(r.read(bits: 3) == 0b101)
        #expect(r.read(bits: 64) == 0xFFFF_FFFF_FFFF_FFFF)
        #expect(r.read(bits: 7) == 0x2A)
        #expect(BitReader(w.words).field(at: 3, bits: 64) == ~0)
        // Bits past the end read as zero.
        #expect(BitReader(w.words).field(at: 120, bits: 30) == 0)
    }

    @Test func highBitsOfAValueAreIgnored() {
        var w = BitWriter()
        w.append(0xFF, bits: 4)
        w.append(0, bits: 4)
        #expect(w.words == [0x0F])
    }

    @Test func setAtOffsetAndWords32() {
        var w = BitWriter(zeros: 40)
        w.set(0xAB, bits: 8, at: 30)
        #expect(w.bitCount == 40)
        #expect(w.words32() == [UInt32(0xAB & 0x3) << 30, 0xAB >> 2])
        #expect(BitReader(words32: w.words32()).field(at: 30, bits: 8) == 0xAB)
        #expect(words32([0x1_0000_0002], count: 3) == [2, 1, 0])
    }

    @Test func twosComplement() {
        #expect(TwosComplement.range(bits: 4) == -8...7)
        #expect(TwosComplement.encode(-8, bits: 4) == 0b1000)
        #expect(TwosComplement.encode(8, bits: 4) == nil)
        #expect(TwosComplement.encode(.min, bits: 64) == 1 << 63)
        #expect(TwosComplement.decode(0b1000, bits: 4) == -8)
        #expect(TwosComplement.decode(0b0111, bits: 4) == 7)
        #expect(TwosComplement.wrap(-1, bits: 5) == 0b11111)
        for bits in [1, 2, 7, 8, 33, 63, 64] {
            let r = TwosComplement.range(bits: bits)
            for v in [r.lowerBound, r.upperBound, 0, -1 < r.lowerBound ? 0 : -1] {
                #expect(TwosComplement.decode(TwosComplement.encode(v, bits: bits)!, bits: bits) == v)
            }
        }
    }
}
