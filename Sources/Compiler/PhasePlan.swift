import Formats

/// The buffer plan of one GEMM phase (see ``GEMMPhase`` for the schedule it implements): the
/// steps, every block load with the step that may issue it and the GEMM it must follow, where
/// each step's GEMM finds its operands, and each tile's OBUF, MBUF and PBUF slots and stores.
struct PhasePlan {
    /// A load of one block: its transfers, the step that may issue it (`release`), the GEMM step
    /// whose reads it must follow (`after`), and, for an MBUF load with a single MBUF tile, the
    /// tile whose stores a SYNC must follow first.
    struct Load {
        let buffer: BufferID
        let transfers: [Instruction.Transfer]
        let bytes: Int
        let release: Int
        let after: Int?
        let syncAfterTile: Int?
    }

    let spec: GEMMPhaseSpec
    let steps: [GEMMStep]
    let tiles: Int
    /// Loads in issue order.
    private(set) var loads: [Load] = []
    /// Per step: the loads that filled its WBUF and XBUF slots, and the GEMM's bases there.
    private var operands: [(w: Int, x: Int, wBase: Int, xBase: Int)] = []
    /// Per tile: its MBUF load (update phase).
    private var masterLoad: [Int]
    /// The OBUF (and PBUF) ring size, and the MBUF tiles.
    let outputSlots: Int
    let masterSlots: Int

    init(_ spec: GEMMPhaseSpec) {
        self.spec = spec
        let tiling = spec.tiling, target = tiling.target, R = target.rows
        let steps = tiling.steps(spec.order)
        self.steps = steps
        let closing = steps.indices.filter { steps[$0].closes }
        tiles = closing.count
        masterLoad = [Int](repeating: -1, count: tiles)
        // Rings of at most GEMMTiling.maxSlots tiles, for the same reason as the operand slots
        // (a token per tile in flight, counters of 255).
        var slots = min(GEMMTiling.maxSlots, target.oEntries / R)
        var masterSlots = 0
        if case .update(_, _, _, let pregen) = spec.output {
            masterSlots = min(GEMMTiling.maxSlots, target.mEntries / R)
            // A tile's MBUF load may only overwrite the slot of tile t - masterSlots once that
            // tile's update has read it, which is known when GEMM t - masterSlots + slots closes
            // (it held an OBUF slot freed by that drain's store). Half the MBUF ring each way
            // leaves the load that many tiles of slack to hide the DRAM latency.
            if masterSlots >= 2 { slots = min(slots, max(1, masterSlots / 2)) }
            if pregen != nil { slots = min(slots, target.pEntries / target.pregenWordsPerTile) }
        }
        outputSlots = slots
        self.masterSlots = masterSlots

        var w = SlotPlanner<OperandBlock>(slots: tiling.aSlots), x = SlotPlanner<OperandBlock>(slots: tiling.bSlots)
        var wLoadOfSlot = [Int](repeating: -1, count: tiling.aSlots), xLoadOfSlot = [Int](repeating: -1, count: tiling.bSlots)
        for (s, step) in steps.enumerated() {
            let (ws, wLoad, wPrev) = w.place(step.aBlock, step: s)
            let aRange = tiling.range(of: step.aBlock)
            if wLoad {
                let entries = aRange.count * tiling.entriesPerGroup
                let addr = spec.aBase + spec.a.index(rowTile: step.rowTile, word: aRange.lowerBound * tiling.wordsPerGroup) * spec.a.entryBytes
                loads.append(Load(buffer: .w, transfers: target.transfers(count: entries, entryBeats: spec.a.entryBeats, bufferBase: ws * tiling.aSlotEntries,
                                                                          dramAddr: addr, entryStride: spec.a.entryBytes),
                                  bytes: entries * spec.a.entryBytes, release: s - 1, after: wPrev, syncAfterTile: nil))
                wLoadOfSlot[ws] = loads.count - 1
            }
            let (xs, xLoad, xPrev) = x.place(step.bBlock, step: s)
            let bRange = tiling.range(of: step.bBlock)
            if xLoad {
                let addr = spec.bBase + spec.b.index(colTile: step.colTile, group: bRange.lowerBound) * spec.b.entryBytes
                loads.append(Load(buffer: .x, transfers: target.transfers(count: bRange.count, entryBeats: spec.b.entryBeats, bufferBase: xs * tiling.bSlotEntries,
                                                                          dramAddr: addr, entryStride: spec.b.entryBytes),
                                  bytes: bRange.count * spec.b.entryBytes, release: s - 1, after: xPrev, syncAfterTile: nil))
                xLoadOfSlot[xs] = loads.count - 1
            }
            let t = step.tile
            if case .update(let masters, let masterBase, _, _) = spec.output, t == 0 ? s == 0 : s == closing[t - 1] + 1 {
                let addr = masterBase + masters.index(row: step.rowTile * R, colTile: step.colTile) * masters.entryBytes
                let chain = masterSlots >= 2 && t >= masterSlots ? closing[t - masterSlots + slots] : nil
                loads.append(Load(buffer: .m, transfers: target.transfers(count: R, entryBeats: masters.entryBeats, bufferBase: t % masterSlots * R,
                                                                          dramAddr: addr, entryStride: masters.rowStride),
                                  bytes: R * masters.entryBytes, release: s - 1, after: chain,
                                  syncAfterTile: masterSlots == 1 && t >= 1 ? t - 1 : nil))
                masterLoad[t] = loads.count - 1
            }
            operands.append((wLoadOfSlot[ws], xLoadOfSlot[xs],
                             ws * tiling.aSlotEntries + (step.groups.lowerBound - aRange.lowerBound) * tiling.entriesPerGroup,
                             xs * tiling.bSlotEntries + (step.groups.lowerBound - bRange.lowerBound)))
        }
    }

    /// The loads step `s`'s GEMM reads: its WBUF and XBUF blocks, and its tile's master rows when
    /// it closes an update tile.
    func loadsRead(by s: Int) -> [Int] {
        let step = steps[s]
        return [operands[s].w, operands[s].x] + (step.closes && masterLoad[step.tile] >= 0 ? [masterLoad[step.tile]] : [])
    }

    /// The GEMM of step `s` (flags aside).
    func gemm(_ s: Int) -> Instruction.GEMMOp {
        let step = steps[s], tiling = spec.tiling, target = tiling.target
        var op = Instruction.GEMMOp(sparse: tiling.sparse, close: step.closes, wBase: operands[s].wBase, xBase: operands[s].xBase,
                                    beats: step.groups.count * tiling.wordsPerGroup, oBase: 0)
        guard step.closes else { return op }
        op.oBase = step.tile % outputSlots * target.rows
        if case .update(_, _, _, let pregen) = spec.output {
            op.update = true
            op.mBase = step.tile % masterSlots * target.rows
            if pregen != nil {
                op.pregen = true
                op.pfBase = step.tile % outputSlots * target.pregenWordsPerTile
                op.pbBase = op.pfBase + target.forwardWordsPerTile
            }
        }
        return op
    }

    /// The stores of the tile `step` closes with `op`: its real result rows, or its R new master
    /// rows and its pre-generated words.
    func stores(of step: GEMMStep, from op: Instruction.GEMMOp) -> [(Instruction.Transfer, BufferID)] {
        let target = spec.tiling.target, R = target.rows
        switch spec.output {
        case .results(let layout, let base):
            let addr = base + layout.index(row: step.rowTile * R, colTile: step.colTile) * layout.entryBytes
            return target.transfers(count: min(R, spec.tiling.rows - step.rowTile * R), entryBeats: layout.entryBeats, bufferBase: op.oBase,
                                    dramAddr: addr, entryStride: layout.rowStride).map { ($0, .o) }
        case .update(let masters, _, let newMasterBase, let pregen):
            let addr = newMasterBase + masters.index(row: step.rowTile * R, colTile: step.colTile) * masters.entryBytes
            var out = target.transfers(count: R, entryBeats: masters.entryBeats, bufferBase: op.oBase, dramAddr: addr,
                                       entryStride: masters.rowStride).map { ($0, BufferID.o) }
            for p in pregen?.stores(rowTile: step.rowTile, colTile: step.colTile) ?? [] {
                out += target.transfers(count: p.count, entryBeats: target.sparseWordChunks, bufferBase: op.pfBase + p.entryOffset,
                                        dramAddr: p.dramAddr, entryStride: p.dramStride).map { ($0, .p) }
            }
            return out
        }
    }
}
