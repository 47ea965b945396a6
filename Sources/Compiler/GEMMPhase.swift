import Formats

/// The instruction stream of one GEMM phase.
///
/// Schedule (``GEMMTiling``'s steps, one GEMM each):
/// * WBUF and XBUF hold blocks in slots (``SlotPlanner``, at least two each); the loads of step
///   s + 1 are issued before the GEMM of step s, so they overlap it. A load waits (compute → load
///   token) for the last GEMM that read the slot it overwrites; the GEMM waits (load → compute)
///   for the loads of the blocks it reads.
/// * OBUF holds `S` tiles of R entries (a ring, `S` = OBUF entries / R, capped as below); tile t
///   drains into slot t mod S after the stores of tile t − S are acknowledged (store → compute), and
///   its stores wait for its drain (compute → store). PBUF likewise, in tiles of the pre-generated
///   words.
/// * Update phase: MBUF holds `S_M` = MBUF entries / R tiles of master rows. The drain of tile t
///   reads them, and only a store → compute → load chain orders a later MBUF load after a drain (a
///   GEMM's compute → load token is pushed at its last beat, before its own or an earlier tile's
///   drain). So the closing GEMM of tile t waits for the stores of tile t − S with
///   S ≤ S_M − 1, and the MBUF load of tile t waits for the closing GEMM of tile t − S_M + S, which
///   waited for the stores (hence the drain) of tile t − S_M. With S_M = 1 no such chain exists
///   before tile t's own GEMMs; a SYNC after the stores of tile t − 1 orders the load instead.
/// The flags come from the monotone construction of ``ProgramBuilder/assignTokens()``.
enum GEMMPhase {
    /// A load of one block: its transfers, the step that may issue it (`release`), the first step
    /// that reads it, the GEMM step whose reads it must follow, and (for an MBUF load with one
    /// MBUF tile) the tile whose stores a SYNC must follow first.
    private struct LoadItem {
        let buffer: BufferID
        let transfers: [Instruction.Transfer]
        let release: Int
        let consumer: Int
        let after: Int?
        let syncAfterTile: Int?
    }

    /// Appends the phase's instructions (without the closing SYNC) to `builder`.
    static func emit(_ spec: GEMMPhaseSpec, into builder: inout ProgramBuilder) throws -> PhaseTraffic {
        let target = spec.tiling.target, tiling = spec.tiling
        let R = target.rows
        let steps = tiling.steps(spec.order)
        let closing = steps.indices.filter { steps[$0].closes }
        let tiles = closing.count
        let firstStep = (0..<tiles).map { t in t == 0 ? 0 : closing[t - 1] + 1 }

        // Output ring sizes.
        let outputSlots = target.oEntries / R
        var slots = outputSlots
        var masterSlots = 0
        var pregenWords = 0
        if case .update(_, _, _, let pregen) = spec.output {
            masterSlots = target.mEntries / R
            if masterSlots >= 2 { slots = min(slots, masterSlots - 1) }
            if pregen != nil {
                pregenWords = target.pregenWordsPerTile
                slots = min(slots, target.pEntries / pregenWords)
            }
        }

        // Block placement and the loads, in issue order.
        var w = SlotPlanner<OperandBlock>(slots: tiling.aSlots), x = SlotPlanner<OperandBlock>(slots: tiling.bSlots)
        var items: [LoadItem] = []
        var reads: [(w: Int, x: Int, wBase: Int, xBase: Int)] = []
        var wItemOfSlot = [Int](repeating: -1, count: tiling.aSlots), xItemOfSlot = [Int](repeating: -1, count: tiling.bSlots)  // the load that filled each slot
        var masterItemOfTile = [Int](repeating: -1, count: tiles)
        var traffic = PhaseTraffic()
        for (s, step) in steps.enumerated() {
            let (ws, wLoad, wPrev) = w.place(step.aBlock, step: s)
            let aRange = tiling.range(of: step.aBlock)
            if wLoad {
                let words = aRange.count * tiling.wordsPerGroup
                let addr = spec.aBase + spec.a.index(rowTile: step.rowTile, word: aRange.lowerBound * tiling.wordsPerGroup) * spec.a.entryBytes
                items.append(LoadItem(buffer: .w, transfers: target.transfers(count: words, entryBeats: spec.a.entryBeats, bufferBase: ws * tiling.aSlotEntries,
                                                                              dramAddr: addr, entryStride: spec.a.entryBytes),
                                      release: s - 1, consumer: s, after: wPrev, syncAfterTile: nil))
                wItemOfSlot[ws] = items.count - 1
                traffic.readBytes += words * spec.a.entryBytes
            }
            let (xs, xLoad, xPrev) = x.place(step.bBlock, step: s)
            let bRange = tiling.range(of: step.bBlock)
            if xLoad {
                let addr = spec.bBase + spec.b.index(colTile: step.colTile, group: bRange.lowerBound) * spec.b.entryBytes
                items.append(LoadItem(buffer: .x, transfers: target.transfers(count: bRange.count, entryBeats: spec.b.entryBeats, bufferBase: xs * tiling.bSlotEntries,
                                                                              dramAddr: addr, entryStride: spec.b.entryBytes),
                                      release: s - 1, consumer: s, after: xPrev, syncAfterTile: nil))
                xItemOfSlot[xs] = items.count - 1
                traffic.readBytes += bRange.count * spec.b.entryBytes
            }
            if case .update(let masters, let masterBase, _, _) = spec.output, s == firstStep[step.tile] {
                let t = step.tile
                let addr = masterBase + masters.index(row: step.rowTile * R, colTile: step.colTile) * masters.entryBytes
                let chain: Int? = masterSlots >= 2 && t >= masterSlots ? closing[t - masterSlots + slots] : nil
                items.append(LoadItem(buffer: .m, transfers: target.transfers(count: R, entryBeats: masters.entryBeats, bufferBase: t % masterSlots * R,
                                                                              dramAddr: addr, entryStride: masters.rowStride),
                                      release: s - 1, consumer: closing[t], after: chain,
                                      syncAfterTile: masterSlots == 1 && t >= 1 ? t - 1 : nil))
                traffic.readBytes += R * masters.entryBytes
                masterItemOfTile[t] = items.count - 1
            }
            reads.append((wItemOfSlot[ws], xItemOfSlot[xs], ws * tiling.aSlotEntries + (step.groups.lowerBound - aRange.lowerBound) * tiling.wordsPerGroup,
                          xs * tiling.bSlotEntries + (step.groups.lowerBound - bRange.lowerBound)))
        }
        // Emission.
        var emitted = [Int?](repeating: nil, count: items.count)  // last LOAD of each item
        var gemmAt = [Int](repeating: -1, count: steps.count)
        var lastStore = [Int](repeating: -1, count: tiles)
        var syncedAfter = -1
        var next = 0
        for (s, step) in steps.enumerated() {
            while next < items.count, items[next].release <= s {
                let item = items[next]
                if let a = item.after, a >= s { break }
                if let u = item.syncAfterTile, u > syncedAfter {
                    guard lastStore[u] >= 0 else { break }
                    builder.append(.sync)
                    syncedAfter = u
                }
                var needs: [TokenChannel: Int] = [:]
                if let a = item.after { needs[.computeToLoad] = gemmAt[a] }
                for (k, t) in item.transfers.enumerated() {
                    emitted[next] = builder.append(.load(t, buffer: item.buffer, deps: Dependencies()), needs: k == 0 ? needs : [:])
                }
                next += 1
            }
            let r = reads[s]
            var needed = [r.w, r.x]
            if step.closes, masterItemOfTile[step.tile] >= 0 { needed.append(masterItemOfTile[step.tile]) }
            let loads = try needed.map { i -> Int in
                guard let at = emitted[i] else {
                    throw CompileError("internal: \(spec.phase.rawValue) step \(s) reads a block whose load is held back by a later GEMM")
                }
                return at
            }
            var needs: [TokenChannel: Int] = [.loadToCompute: loads.reduce(-1, max)]
            var op = Instruction.GEMMOp(sparse: tiling.sparse, close: step.closes, wBase: r.wBase, xBase: r.xBase,
                                        beats: step.groups.count * tiling.wordsPerGroup, oBase: 0)
            if step.closes {
                let t = step.tile
                op.oBase = t % slots * R
                if t >= slots { needs[.storeToCompute] = lastStore[t - slots] }
                if case .update(_, _, _, let pregen) = spec.output {
                    op.update = true
                    op.mBase = t % masterSlots * R
                    if pregen != nil {
                        op.pregen = true
                        op.pfBase = t % slots * pregenWords
                        op.pbBase = op.pfBase + target.forwardWordsPerTile
                    }
                }
            }
            gemmAt[s] = builder.append(.gemm(op, deps: Dependencies()), needs: needs)
            if step.closes {
                var stores: [(Instruction.Transfer, BufferID)] = []
                switch spec.output {
                case .results(let layout, let base):
                    let rows = min(R, tiling.rows - step.rowTile * R)
                    let addr = base + layout.index(row: step.rowTile * R, colTile: step.colTile) * layout.entryBytes
                    stores += target.transfers(count: rows, entryBeats: layout.entryBeats, bufferBase: op.oBase, dramAddr: addr,
                                               entryStride: layout.rowStride).map { ($0, .o) }
                    traffic.writtenBytes += rows * layout.entryBytes
                case .update(let masters, _, let newMasterBase, let pregen):
                    let addr = newMasterBase + masters.index(row: step.rowTile * R, colTile: step.colTile) * masters.entryBytes
                    stores += target.transfers(count: R, entryBeats: masters.entryBeats, bufferBase: op.oBase, dramAddr: addr,
                                               entryStride: masters.rowStride).map { ($0, .o) }
                    traffic.writtenBytes += R * masters.entryBytes
                    for p in pregen?.stores(rowTile: step.rowTile, colTile: step.colTile) ?? [] {
                        stores += target.transfers(count: p.count, entryBeats: target.sparseWordChunks, bufferBase: op.pfBase + p.entryOffset,
                                                   dramAddr: p.dramAddr, entryStride: p.dramStride).map { ($0, .p) }
                        traffic.writtenBytes += p.count * target.sparseWordChunks * target.beatBytes
                    }
                }
                for (k, (t, buffer)) in stores.enumerated() {
                    lastStore[step.tile] = builder.append(.store(t, buffer: buffer, deps: Dependencies()),
                                                          needs: k == 0 ? [.computeToStore: gemmAt[s]] : [:])
                }
            }
        }
        guard next == items.count else {
            throw CompileError("internal: \(spec.phase.rawValue) left \(items.count - next) loads unissued")
        }
        return traffic
    }
}

/// Where a GEMM phase's tiles go.
enum PhaseOutput: Sendable {
    /// Closing GEMMs drain accumulators to OBUF; a tile's real rows are stored into `layout` at `base`.
    case results(RowEntryLayout, base: Int)
    /// Closing GEMMs apply the update: a tile's R master rows are loaded into MBUF from `masters`
    /// at `masterBase`, its new master rows stored to the same layout at `newMasterBase`, and, with
    /// `pregen`, its pre-generated words stored where `pregen` says.
    case update(masters: RowEntryLayout, masterBase: Int, newMasterBase: Int, pregen: PregenPlacement?)
}

/// One GEMM of a layer step, placed in DRAM.
struct GEMMPhaseSpec: Sendable {
    let phase: TrainingPhase
    let tiling: GEMMTiling
    let order: LoopOrder
    let a: WeightWordLayout
    let aBase: Int
    let b: DenseEntryLayout
    let bBase: Int
    let output: PhaseOutput
}

/// The DRAM traffic of a phase's instructions.
struct PhaseTraffic: Sendable {
    var readBytes = 0
    var writtenBytes = 0
}
