import Formats
import Testing

@Suite struct DenseWordPackingTests {
    /// k is the largest power of two that divides M/N and whose words fit the entry.
    @Test(arguments: [
        // (dense word bits, WBUF entry bits, M/N, k)
        (256, 512, 4, 2),    // 16x16 2:8 int8 at a 512-bit port
        (256, 1024, 4, 4),   // ... at 1024 bits
        (256, 2048, 4, 4),   // never more than M/N: a group's words fill whole entries
        (512, 512, 2, 1),    // 16x16 4:8: one word fills the entry
        (64, 96, 2, 1),      // two words do not fit
        (128, 512, 8, 4),    // 1:8
        (64, 512, 6, 2),     // M/N = 6: only 2 divides it
        (100, 99, 4, 1),     // a word wider than the entry (never built) still gives 1
    ])
    func wordsPerEntry(_ c: (Int, Int, Int, Int)) {
        #expect(DenseWordPacking.wordsPerEntry(wordBits: c.0, entryBits: c.1, wordsPerGroup: c.2) == c.3)
    }
}
