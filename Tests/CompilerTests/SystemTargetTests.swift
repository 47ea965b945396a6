import Compiler
import Formats
import SparseModel
import Testing

@Suite struct SystemTargetTests {
    /// The derived entry sizes follow the hardware's formats.
    @Test func derivedSizes() throws {
        let t = try SystemTarget(rows: 4, cols: 8, n: 2, m: 4, dataBits: 8, accBits: 32, beatBits: 32, masterBits: 16)
        #expect(t.denseEntryBits == 8 * 4 * 8 && t.denseEntryChunks == 8)
        #expect(t.sparseWordBits == 4 * 2 * (8 + 2) && t.sparseWordChunks == 3)
        #expect(t.denseWordBits == 4 * 2 * 8 && t.denseWordChunks == 2)
        #expect(t.masterChunks == 4 && t.outputChunks == 8)
        #expect(t.denseBeatsPerEntry == 2)
        // A 96-bit WBUF entry holds one 64-bit dense word; a 128-bit one (64-bit beats) two.
        #expect(t.denseWordsPerEntry == 1 && t.denseWordEntryChunks == 2)
        let wide = try SystemTarget(rows: 4, cols: 8, n: 2, m: 4, dataBits: 8, accBits: 32, beatBits: 64, masterBits: 16)
        #expect(wide.denseWordsPerEntry == 2 && wide.denseWordEntryChunks == 2 && wide.sparseWordChunks == 2)
        #expect(t.forwardWordsPerTile == 2 && t.backwardWordsPerGroup == 2 && t.backwardWordsPerTile == 2 && t.pregenWordsPerTile == 4)
        let p24 = try NMPattern(n: 2, m: 4)
        let update = try FixedPointUpdate(format: try FixedPointFormat(computeBits: 8, fracBits: 8, masterBits: 16), lrShift: 8, decayShift: 12)
        #expect(t.streamLayout.groupBits == 20 && t.pattern == p24)
        #expect(t.update == update)
        let o = t.trainingOptions()
        #expect(o.pattern == t.pattern && o.accWidth == 32 && o.update == t.update && o.backwardMaskSource == .dense)
        #expect(t.trainingOptions(sparse: false).pattern == nil)
    }

    /// Each violated constraint is a one-line error naming it.
    @Test func invalidTargetsThrow() {
        func message(_ make: () throws -> SystemTarget) -> String {
            do { _ = try make(); return "accepted" } catch { return "\(error)" }
        }
        let cases: [(String, () throws -> SystemTarget)] = [
            ("R and C must be in 1...256", { try SystemTarget(rows: 0, cols: 4, n: 1, m: 2) }),
            ("N:M needs N < M", { try SystemTarget(rows: 4, cols: 4, n: 4, m: 4) }),
            ("N must divide M", { try SystemTarget(rows: 8, cols: 8, n: 3, m: 8) }),
            ("M must divide R and C", { try SystemTarget(rows: 2, cols: 4, n: 1, m: 4) }),
            ("R must divide C", { try SystemTarget(rows: 8, cols: 4, n: 1, m: 2) }),
            ("accumulator width", { try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, accBits: 16) }),
            ("memory beat", { try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, beatBits: 48) }),
            ("beats per request", { try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, maxBeats: 3) }),
            ("exceeds 4 KiB", { try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, beatBits: 1024, maxBeats: 64) }),
            ("XBUF needs", { try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, xEntries: 1) }),
            ("WBUF needs 4", { try SystemTarget(rows: 4, cols: 4, n: 2, m: 8 / 2, wEntries: 3) }),
            ("MBUF needs", { try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, mEntries: 3) }),
            ("OBUF needs", { try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, oEntries: 3) }),
            ("PBUF needs", { try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, pEntries: 1) }),
            ("d + f ≤ w", { try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, masterBits: 12) }),
            ("learning-rate shift", { try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, lrShift: 63) }),
            ("decay shift", { try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, decayShift: -1) }),
            ("DRAM address width", { try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, addressBits: 8) }),
            ("more than 255 beats", { try SystemTarget(rows: 256, cols: 256, n: 2, m: 4, accBits: 64, beatBits: 32, mEntries: 256, oEntries: 256, pEntries: 4096) }),
        ]
        for (expected, make) in cases {
            let m = message(make)
            #expect(m.hasPrefix("system target: ") && m.contains(expected) && !m.contains("\n"), "expected '\(expected)', got '\(m)'")
        }
    }
}
