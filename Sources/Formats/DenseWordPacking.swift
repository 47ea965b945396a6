/// How many dense weight-side words share one WBUF entry.
///
/// A WBUF entry is as wide as a compressed stream word rounded up to whole memory beats
/// (R·N·(d + ⌈log2 M⌉) bits); a dense word (R·N·d bits) is narrower, so one per entry would move
/// padding through DRAM on every dense beat — twice the operand's bytes at a 512-bit port for
/// 16x16 2:8, four times at 1024 bits, which made long-reduction weight gradients memory-bound.
/// So an entry packs k dense words, word s at bits s·R·N·d: k is the largest power of two that
/// divides M/N (a reduction group's M/N dense words then fill whole entries, so every GEMM and
/// every LOAD starts at word 0 of an entry) and whose k words fit the entry.
public enum DenseWordPacking {
    /// k for dense words of `wordBits` in entries of `entryBits`, `wordsPerGroup` (M/N) words per
    /// reduction group.
    public static func wordsPerEntry(wordBits: Int, entryBits: Int, wordsPerGroup: Int) -> Int {
        var k = 1
        while wordsPerGroup % (2 * k) == 0 && 2 * k * wordBits <= entryBits { k *= 2 }
        return k
    }
}
