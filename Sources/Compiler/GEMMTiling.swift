/// The tiling of one GEMM C (rows × cols) = A (rows × K) · B (K × cols) on a ``SystemTarget``.
///
/// * Output tiles are R × C; the reduction is padded to a multiple of M and split into groups of
///   M (one XBUF entry each; one WBUF word sparse, M/N dense words packed k to an entry,
///   ``WeightWordLayout``).
/// * A block is an A panel (a row tile's A over the whole reduction) or a B panel (a column
///   tile's B), or, when a panel does not fit half of its buffer, one of its reduction chunks of
///   `chunkGroups` groups (the most half of WBUF and half of XBUF both hold); a tile's chunks run
///   back to back, the partial sums staying in the PEs (the last chunk's GEMM closes the tile).
/// * Each buffer holds `slots` blocks (at least two, so the next block loads while the GEMM reads
///   the last one); a block still held is not reloaded, a new one replaces the least recently
///   read (``SlotPlanner``).
/// * Loop order, chosen to minimise DRAM reads. The steps cycle through blocks, and a cycle of
///   blocks stays resident iff it fits the slots (least-recently-used replacement keeps a cycle of
///   at most `slots` blocks and misses every block of a longer one). With |A|, |B| the operand
///   regions' bytes, TR × TC output tiles, bA, bB the blocks of one panel and sA, sB the slots:
///   A-stationary reads |A| · (bA ≤ sA ? 1 : TC) + |B| · (TC · bB ≤ sB ? 1 : TR);
///   B-stationary reads |A| · (TR · bA ≤ sA ? 1 : TC) + |B| · (bB ≤ sB ? 1 : TR).
///   The smaller wins, A-stationary on a tie.
public struct GEMMTiling: Sendable, Hashable {
    public let target: SystemTarget
    public let rows: Int
    public let reduction: Int
    public let cols: Int
    /// A is N:M compressed (sparse mode) or dense.
    public let sparse: Bool

    public init(target: SystemTarget, rows: Int, reduction: Int, cols: Int, sparse: Bool) throws {
        guard rows >= 1, reduction >= 1, cols >= 1 else {
            throw CompileError("a GEMM needs rows, reduction and cols ≥ 1, got \(rows)x\(reduction)x\(cols)")
        }
        if sparse, reduction % target.m != 0 {
            throw CompileError("a sparse GEMM needs M=\(target.m) to divide its reduction \(reduction)")
        }
        self.target = target
        self.rows = rows
        self.reduction = reduction
        self.cols = cols
        self.sparse = sparse
    }

    /// TR = ⌈rows / R⌉, TC = ⌈cols / C⌉.
    public var rowTiles: Int { (rows + target.rows - 1) / target.rows }
    public var colTiles: Int { (cols + target.cols - 1) / target.cols }
    /// Reduction groups of M (K padded to a multiple of M).
    public var groups: Int { (reduction + target.m - 1) / target.m }
    /// WBUF words (= beats) per group: 1 sparse, M/N dense.
    public var wordsPerGroup: Int { sparse ? 1 : target.denseBeatsPerEntry }
    /// WBUF entries per group: 1 sparse, M/N / k dense (k dense words share an entry).
    public var entriesPerGroup: Int { sparse ? 1 : target.denseBeatsPerEntry / target.denseWordsPerEntry }
    /// Beats of a WBUF entry in DRAM.
    var wEntryChunks: Int { sparse ? target.sparseWordChunks : target.denseWordEntryChunks }
    /// Entries of a WBUF half and an XBUF half.
    public var wHalf: Int { target.wEntries / 2 }
    public var xHalf: Int { target.xEntries / 2 }
    /// Whether a whole A panel (row tile) fits a WBUF half, a whole B panel (column tile) an XBUF half.
    public var aPanelFits: Bool { groups * entriesPerGroup <= wHalf }
    public var bPanelFits: Bool { groups <= xHalf }
    /// Groups per reduction chunk and the number of chunks.
    public var chunkGroups: Int { min(groups, wHalf / entriesPerGroup, xHalf) }
    public var chunks: Int { (groups + chunkGroups - 1) / chunkGroups }
    /// Blocks of one A panel and of one B panel (1 when the panel fits a half, else `chunks`).
    public var aBlocks: Int { aPanelFits ? 1 : chunks }
    public var bBlocks: Int { bPanelFits ? 1 : chunks }
    /// Entries of a block slot in WBUF and XBUF, and the slots each holds (at least two).
    public var aSlotEntries: Int { (aPanelFits ? groups : chunkGroups) * entriesPerGroup }
    public var bSlotEntries: Int { bPanelFits ? groups : chunkGroups }
    public var aSlots: Int { min(Self.maxSlots, target.wEntries / aSlotEntries) }
    public var bSlots: Int { min(Self.maxSlots, target.xEntries / bSlotEntries) }
    /// At most this many blocks per buffer: a block loaded ahead holds a load → compute token
    /// until its GEMM runs, and the hardware's token counters hold 255 (small blocks in a big
    /// buffer, e.g. a Ci = 3 conv's 4-entry panels in 2048 XBUF entries, would overflow them).
    public static let maxSlots = 64

    /// Bytes of the A region (WBUF words) and the B region (XBUF entries).
    public var aBytes: Int {
        rowTiles * groups * entriesPerGroup * wEntryChunks * target.beatBytes
    }
    public var bBytes: Int { colTiles * groups * target.denseEntryChunks * target.beatBytes }

    /// The read bytes of `order` by the formula above.
    public func estimatedReadBytes(_ order: LoopOrder) -> Int {
        switch order {
        case .aStationary: return aBytes * (aBlocks <= aSlots ? 1 : colTiles) + bBytes * (colTiles * bBlocks <= bSlots ? 1 : rowTiles)
        case .bStationary: return aBytes * (rowTiles * aBlocks <= aSlots ? 1 : colTiles) + bBytes * (bBlocks <= bSlots ? 1 : rowTiles)
        }
    }

    /// The read bytes of `order` counted on its steps with ``SlotPlanner`` (what the phase's LOADs
    /// move; equal to the formula, which the tests check).
    public func readBytes(_ order: LoopOrder) -> Int {
        var w = SlotPlanner<OperandBlock>(slots: aSlots), x = SlotPlanner<OperandBlock>(slots: bSlots)
        var total = 0
        for (s, step) in steps(order).enumerated() {
            if w.place(step.aBlock, step: s).load { total += blockBytes(a: step.aBlock) }
            if x.place(step.bBlock, step: s).load { total += blockBytes(b: step.bBlock) }
        }
        return total
    }

    /// The order with the fewest read bytes (A-stationary on a tie).
    public var order: LoopOrder { estimatedReadBytes(.bStationary) < estimatedReadBytes(.aStationary) ? .bStationary : .aStationary }

    /// The reduction groups of chunk `c`.
    func chunkRange(_ c: Int) -> Range<Int> { (c * chunkGroups)..<min(groups, (c + 1) * chunkGroups) }

    /// The groups an operand block covers.
    func range(of block: OperandBlock) -> Range<Int> { block.chunk.map(chunkRange) ?? 0..<groups }

    /// The GEMM instructions in `order`: per output tile its chunks back to back.
    func steps(_ order: LoopOrder) -> [GEMMStep] {
        var out: [GEMMStep] = []
        var tile = 0
        let (outer, inner) = order == .aStationary ? (rowTiles, colTiles) : (colTiles, rowTiles)
        for o in 0..<outer {
            for i in 0..<inner {
                let (ti, tj) = order == .aStationary ? (o, i) : (i, o)
                for c in 0..<chunks {
                    out.append(GEMMStep(rowTile: ti, colTile: tj, chunk: c, groups: chunkRange(c),
                                        aBlock: OperandBlock(tile: ti, chunk: aPanelFits ? nil : c),
                                        bBlock: OperandBlock(tile: tj, chunk: bPanelFits ? nil : c),
                                        closes: c == chunks - 1, tile: tile))
                }
                tile += 1
            }
        }
        return out
    }

    private func blockBytes(a block: OperandBlock) -> Int {
        range(of: block).count * entriesPerGroup * wEntryChunks * target.beatBytes
    }

    private func blockBytes(b block: OperandBlock) -> Int { range(of: block).count * target.denseEntryChunks * target.beatBytes }
}

/// The loop order of a tiled GEMM.
public enum LoopOrder: String, Sendable, Hashable, CaseIterable {
    /// Row tiles outer: an A panel (a row tile's weights) stays in WBUF while B panels stream.
    case aStationary
    /// Column tiles outer: a B panel (a column tile's dense operand) stays in XBUF while A panels
    /// stream.
    case bStationary
}

/// A block of an operand held in one buffer slot: a row tile's (A) or column tile's (B) panel,
/// whole (`chunk` nil) or one reduction chunk of it.
struct OperandBlock: Hashable, Sendable {
    let tile: Int
    let chunk: Int?
}

/// One GEMM instruction of a tiled GEMM: output tile (ti, tj), reduction chunk `chunk` covering
/// `groups` (reduction groups of M), the A and B blocks it reads, and whether it closes the tile.
struct GEMMStep: Sendable {
    let rowTile: Int
    let colTile: Int
    let chunk: Int
    let groups: Range<Int>
    let aBlock: OperandBlock
    let bBlock: OperandBlock
    /// The last chunk of the output tile: the GEMM closes it.
    let closes: Bool
    /// The output tile's position in closing order.
    let tile: Int
}

/// The block slots of a buffer: which slot holds which block, and which step read each slot last
/// (what a load into it must wait for).
struct SlotPlanner<Block: Equatable & Sendable>: Sendable {
    private var holding: [Block?]
    private var lastReader: [Int?]

    /// A buffer of `slots` (≥ 2) block slots, all empty.
    init(slots: Int) {
        holding = [Block?](repeating: nil, count: max(2, slots))
        lastReader = [Int?](repeating: nil, count: max(2, slots))
    }

    /// The slot step `step` reads `block` from: the slot already holding it, else the least
    /// recently read slot (an empty one first), which must be loaded after `previousReader`'s
    /// GEMM. That slot is never the one the previous step read (there are at least two), so the
    /// load can overlap the previous step's GEMM.
    mutating func place(_ block: Block, step: Int) -> (slot: Int, load: Bool, previousReader: Int?) {
        let slot: Int, load: Bool, previous: Int?
        if let k = holding.firstIndex(where: { $0 == block }) {
            (slot, load, previous) = (k, false, nil)
        } else {
            slot = lastReader.indices.min { (lastReader[$0] ?? -1, $0) < (lastReader[$1] ?? -1, $1) } ?? 0
            (load, previous) = (true, lastReader[slot])
            holding[slot] = block
        }
        lastReader[slot] = step
        return (slot, load, previous)
    }
}
