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
    /// Appends the phase's instructions (without the closing SYNC) to `builder`.
    static func emit(_ spec: GEMMPhaseSpec, into builder: inout ProgramBuilder) throws -> PhaseTraffic {
        let plan = PhasePlan(spec)
        var traffic = PhaseTraffic(readBytes: plan.loads.map(\.bytes).reduce(0, +))
        var emitted = [Int?](repeating: nil, count: plan.loads.count)  // the last LOAD of each load
        var gemmAt = [Int](repeating: -1, count: plan.steps.count)
        var lastStore = [Int](repeating: -1, count: plan.tiles)
        var syncedAfter = -1
        var next = 0
        // Stores trail their GEMM by `lag` tiles in the stream: the dispatcher is in order, and a
        // store waiting for its tile's drain would otherwise fill the store queue and hold back
        // the loads behind it (the prefetch). They are emitted no later than something needs them.
        let lag = plan.outputSlots / 2
        var pending: [(step: Int, gemm: Int)] = []
        func flushStores(through tile: Int) {
            while let p = pending.first, plan.steps[p.step].tile <= tile {
                pending.removeFirst()
                let step = plan.steps[p.step]
                for (k, (t, buffer)) in plan.stores(of: step, from: plan.gemm(p.step)).enumerated() {
                    lastStore[step.tile] = builder.append(.store(t, buffer: buffer, deps: Dependencies()),
                                                          needs: k == 0 ? [.computeToStore: p.gemm] : [:])
                    traffic.writtenBytes += t.beats * spec.tiling.target.beatBytes
                }
            }
        }
        for (s, step) in plan.steps.enumerated() {
            // The loads released by now whose GEMM requirement is already in the stream, in order.
            while next < plan.loads.count, plan.loads[next].release <= s {
                let load = plan.loads[next]
                if let a = load.after, a >= s { break }
                if let u = load.syncAfterTile, u > syncedAfter {
                    flushStores(through: u)
                    guard lastStore[u] >= 0 else { break }
                    builder.append(.sync)
                    syncedAfter = u
                }
                for (k, t) in load.transfers.enumerated() {
                    emitted[next] = builder.append(.load(t, buffer: load.buffer, deps: Dependencies()),
                                                   needs: k == 0 ? load.after.map { [.computeToLoad: gemmAt[$0]] } ?? [:] : [:])
                }
                next += 1
            }
            let loadIndices = try plan.loadsRead(by: s).map { i -> Int in
                guard let at = emitted[i] else {
                    throw CompileError("internal: \(spec.phase.rawValue) step \(s) reads a block whose load is held back by a later GEMM")
                }
                return at
            }
            var needs: [TokenChannel: Int] = [.loadToCompute: loadIndices.reduce(-1, max)]
            let op = plan.gemm(s)
            if step.closes, step.tile >= plan.outputSlots {
                flushStores(through: step.tile - plan.outputSlots)
                needs[.storeToCompute] = lastStore[step.tile - plan.outputSlots]
            }
            gemmAt[s] = builder.append(.gemm(op, deps: Dependencies()), needs: needs)
            guard step.closes else { continue }
            pending.append((s, gemmAt[s]))
            flushStores(through: step.tile - lag)
        }
        flushStores(through: Int.max)
        guard next == plan.loads.count else {
            throw CompileError("internal: \(spec.phase.rawValue) left \(plan.loads.count - next) loads unissued")
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
