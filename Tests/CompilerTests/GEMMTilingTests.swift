import Compiler
import Testing

/// The tiler: tiles, reduction chunks that fit half of WBUF and XBUF, and the loop order with the
/// fewest DRAM reads.
@Suite struct GEMMTilingTests {
    static func target(x: Int, w: Int) throws -> SystemTarget {
        try SystemTarget(rows: 4, cols: 8, n: 2, m: 4, beatBits: 64, maxBeats: 4, xEntries: x, wEntries: w)
    }

    @Test func tilesAndChunks() throws {
        let t = try Self.target(x: 16, w: 12)
        // Sparse: one WBUF word per group; halves of 6 (W) and 8 (X) entries.
        let s = try GEMMTiling(target: t, rows: 9, reduction: 40, cols: 17, sparse: true)
        #expect(s.rowTiles == 3 && s.colTiles == 3 && s.groups == 10 && s.wordsPerGroup == 1)
        #expect(s.wHalf == 6 && s.xHalf == 8 && s.chunkGroups == 6 && s.chunks == 2 && !s.aPanelFits && !s.bPanelFits)
        // Dense: M/N = 2 words per group, both in one WBUF entry (64-bit words, 128-bit entries),
        // K padded to a multiple of M.
        let d = try GEMMTiling(target: t, rows: 4, reduction: 29, cols: 8, sparse: false)
        #expect(t.denseWordsPerEntry == 2 && d.entriesPerGroup == 1)
        #expect(d.groups == 8 && d.wordsPerGroup == 2 && d.chunkGroups == 6 && d.chunks == 2 && !d.aPanelFits && d.bPanelFits)
        #expect(d.aBytes == 1 * 8 * 1 * t.denseWordEntryChunks * t.beatBytes && d.bBytes == 1 * 8 * t.denseEntryChunks * t.beatBytes)
        // Everything fits: one chunk.
        let f = try GEMMTiling(target: try Self.target(x: 64, w: 64), rows: 4, reduction: 8, cols: 8, sparse: true)
        #expect(f.chunks == 1 && f.chunkGroups == 2 && f.aPanelFits && f.bPanelFits)
        #expect(throws: CompileError.self) { try GEMMTiling(target: t, rows: 4, reduction: 6, cols: 8, sparse: true) }
        #expect(throws: CompileError.self) { try GEMMTiling(target: t, rows: 0, reduction: 8, cols: 8, sparse: true) }
    }

    /// The formula of the read bytes equals the loads the planner counts, on tile counts, chunk
    /// counts and buffer sizes around the residency cases (one or two blocks per panel, at most
    /// two blocks per inner loop).
    @Test func readBytesFormulaIsExact() throws {
        for (x, w) in [(64, 64), (8, 64), (64, 6), (4, 4), (2, 4), (6, 8), (24, 20)] {
            let t = try Self.target(x: x, w: w)
            for (rows, k, cols) in [(12, 16, 24), (20, 24, 40), (4, 16, 24), (12, 16, 8), (8, 8, 16), (16, 32, 8), (4, 4, 8), (8, 12, 9),
                                    (64, 16, 72), (36, 40, 64)] {
                for sparse in [true, false] {
                    let g = try GEMMTiling(target: t, rows: rows, reduction: k, cols: cols, sparse: sparse)
                    for order in LoopOrder.allCases {
                        #expect(g.readBytes(order) == g.estimatedReadBytes(order), "\(order) \(rows)x\(k)x\(cols) X\(x) W\(w) sparse \(sparse)")
                        #expect(g.readBytes(order) >= g.aBytes + g.bBytes)
                    }
                    let other: LoopOrder = g.order == .aStationary ? .bStationary : .aStationary
                    #expect(g.readBytes(g.order) < g.readBytes(other) || (g.readBytes(g.order) == g.readBytes(other) && g.order == .aStationary))
                }
            }
        }
    }

    /// The order whose re-read operand stays resident wins: with a small XBUF and a large WBUF,
    /// B-stationary keeps every A panel (TR ≤ WBUF slots) while A-stationary re-reads B; with the
    /// buffers swapped, A-stationary keeps every B panel. With one column tile both orders read
    /// the minimum and the tie goes to A-stationary.
    @Test func orderFollowsTheResidentOperand() throws {
        let smallX = try GEMMTiling(target: try Self.target(x: 8, w: 64), rows: 16, reduction: 16, cols: 64, sparse: false)
        #expect(smallX.aSlots == 16 && smallX.bSlots == 2)
        #expect(smallX.estimatedReadBytes(.aStationary) == smallX.aBytes + smallX.rowTiles * smallX.bBytes)
        #expect(smallX.estimatedReadBytes(.bStationary) == smallX.aBytes + smallX.bBytes)
        #expect(smallX.order == .bStationary)
        let smallW = try GEMMTiling(target: try Self.target(x: 64, w: 8), rows: 64, reduction: 16, cols: 64, sparse: true)
        #expect(smallW.aSlots == 2 && smallW.bSlots == 16)
        #expect(smallW.estimatedReadBytes(.aStationary) == smallW.aBytes + smallW.bBytes)
        #expect(smallW.estimatedReadBytes(.bStationary) == smallW.colTiles * smallW.aBytes + smallW.bBytes)
        #expect(smallW.order == .aStationary)
        let column = try GEMMTiling(target: try Self.target(x: 8, w: 8), rows: 64, reduction: 16, cols: 8, sparse: false)
        #expect(column.readBytes(.aStationary) == column.aBytes + column.bBytes && column.readBytes(.bStationary) == column.aBytes + column.bBytes)
        #expect(column.order == .aStationary)
    }
}
