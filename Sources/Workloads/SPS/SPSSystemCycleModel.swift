import Cosim
import Formats
import SparseAccel

/// The cycle model of the SPS system: the controller's timing rules, cycle by cycle, driving the
/// same ``Cosim/DRAMModel`` as the co-simulation, without the data path. It predicts the cycle of
/// every SYNC, the core's issue beats and the memory beats moved; the co-simulation checks that
/// the RTL takes exactly these cycles.
///
/// The dispatcher, load unit and store unit are the shared blocks' rules as
/// ``SystemCycleModel`` states them for the SAT system (restated here for the SPS shell: XBUF of
/// one beat per entry, WBUF of `wChunks`, OBUF of `oChunks`, no MBUF/PBUF, CONV on the compute
/// queue); the compute unit is ``SparseAccel/SPSComputeUnit``'s contract: tokens and the engine
/// condition before an instruction begins, copies of one read per cycle, a tile launched when
/// the core is ready (G + 1 cycles after the previous launch when G ≥ R + C, else the cycle
/// after the previous `tile_done`), issuing G beats, `tile_done` G + R + C + 2 cycles after its
/// launch (``SparseModel/SPSCycleModel``), a drain of R rows.
///
/// The model carries no data: the layer descriptors the program's CONV layer instructions read
/// (in order) are given, since Ci sets G.
public struct SPSSystemCycleModel {
    public let config: SPSSystemConfig

    public init(config: SPSSystemConfig) { self.config = config }

    public struct Prediction: Sendable, Equatable {
        public var outcome: SystemRun.Outcome
        public var syncCycles: [Int]
        public var cycles: Int
        public var beats: Int
        public var readBeats: Int
        public var writeBeats: Int
    }

    public func predict(_ program: [Instruction], layers: [SPSLayerDescriptor], dram: DRAMModel, maxCycles: Int = 50_000_000,
                        quietCycles: Int = 100_000) throws -> Prediction {
        var s = SPSState(config: config, program: program, layers: layers)
        let (outcome, cycles) = try ShellCycle.run(&s, expected: program.filter { $0.opcode == .sync }.count, dram: dram,
                                                   maxCycles: maxCycles, quietCycles: quietCycles)
        return s.prediction(outcome, cycles)
    }
}

/// The SPS compute unit's registers (``SparseAccel/SPSComputeUnit``) and the core's timing.
struct SPSComputeState {
    var busy = false, started = false, failed = false
    var kind = Instruction.ConvOp.Kind.tile
    var waitPrev = false, waitNext = false, pushPrev = false, pushNext = false
    var copyLeft = 0, copyDst = 0
    var wrValid = false, wrLayer = false, wrDst = 0
    var descriptor: SPSLayerDescriptor?
    var pendingDescriptor: SPSLayerDescriptor?
    var layersSeen = 0
    /// Layer registers: Ci.
    var channels = 0
    // The core.
    var issueEnd = -1           // the last issue cycle of the newest tile
    var inflight = 0
    var doneTimes: [Int] = []
    // The unit around it.
    var issueLeft = 0
    var tilePending = false
    var jobs: [Bool] = []       // drain jobs: give
    var draining = false, row = 0, job = false
    var readValid = false, readLast = false
}

/// A register-level restatement of the SPS system (see ``SPSSystemCycleModel``).
struct SPSState: SystemModelState {
    var shell: ShellRegisters
    let c: SPSSystemConfig
    let program: [Instruction]
    let layers: [SPSLayerDescriptor]
    let R: Int
    var beats = 0
    var cu = SPSComputeState()

    init(config: SPSSystemConfig, program: [Instruction], layers: [SPSLayerDescriptor]) {
        c = config
        shell = ShellRegisters(beatBytes: config.memory.beatBytes)
        self.program = program
        self.layers = layers
        R = config.core.rows
    }

    func prediction(_ o: SystemRun.Outcome, _ cycles: Int) -> SPSSystemCycleModel.Prediction {
        .init(outcome: o, syncCycles: shell.syncCycles, cycles: cycles, beats: beats, readBeats: shell.readBeats, writeBeats: shell.writeBeats)
    }

    /// G of the current layer (Ci·n, Ci = 0 counting as 1).
    var tileBeats: Int { max(cu.channels, 1) * c.core.patternNNZ }

    mutating func step(cycle: Int, dram: DRAMModel) throws -> Bool {
        let offer = dram.beginCycle()
        let halt = shell.failed
        let coreBusy = cu.inflight > 0
        let computeIdle = !cu.busy && !cu.wrValid && !coreBusy && cu.jobs.isEmpty && !cu.draining && !cu.readValid && !cu.tilePending && cu.issueLeft == 0
        let unitsIdle = shell.loadIdle && computeIdle && shell.storeIdle
        let queuesEmpty = shell.queuesEmpty

        // Dispatcher.
        let D = ShellCycle.dispatch(program, fed: shell.fed, computeOpcodes: [.conv], queues: shell.queues, queueDepth: c.queueDepth, halt: halt,
                                    queuesEmpty: queuesEmpty, unitsIdle: unitsIdle)
        let (accept, dispatchError) = (D.accept, D.error)

        // Load unit (combinational part).
        let L = shell.ld.signals(halt: halt, queueHead: shell.queues[0].first, decode: { loadDecodeError(program[$0]) }, tokenAvailable: shell.tokens[1] != 0,
                                 memory: c.memory, maxOutstanding: c.maxOutstanding, offer: offer, depth: { $0 == .x ? c.xEntries : c.wEntries })
        let (arFire, rFire, ldTokenOK, ldGive) = (L.arFire, L.rFire, L.tokenOK, L.give)
        let head = shell.ld.receive.first

        // Compute unit (combinational part).
        let cuStopped = cu.failed || halt
        let cuAccept = !cu.busy && !cuStopped && !shell.queues[1].isEmpty
        let cuInsn = cuAccept ? shell.queues[1][0] : nil
        let cuDecode = cuInsn.map { computeDecodeError(program[$0]) } ?? .none
        let g = tileBeats
        let overlap = g >= c.core.rows + c.core.cols
        let coreReady = cycle > cu.issueEnd
        let tokensOK = (!cu.waitPrev || shell.tokens[0] != 0) && (!cu.waitNext || shell.tokens[3] != 0)
        let engineIdle = !coreBusy && cu.jobs.isEmpty && !cu.draining && !cu.readValid
        let tileOK = coreReady && cu.jobs.count != c.drainSlots && (overlap || !coreBusy)
        let isTile = cu.kind == .tile
        let begin = cu.busy && !cu.started && !cuStopped && tokensOK && (isTile ? tileOK : engineIdle)
        let prevTake = begin && cu.waitPrev
        let nextTake = begin && cu.waitNext
        let launch = begin && isTile
        let copying = cu.started && !cuStopped
        let copyLast = copying && cu.copyLeft == 1
        let tileGive = cu.tilePending && coreReady
        let givePrev = tileGive || (copyLast && cu.pushPrev)
        let giveNext = (cu.readLast && cu.job) || (copyLast && cu.pushNext)
        let tileDone = cu.doneTimes.first == cycle
        let drainStart = tileDone && !cu.jobs.isEmpty
        let lastRow = cu.row == R - 1
        let oWEn = cu.readValid
        let beat = cu.issueLeft != 0
        let cuErrorNow = cuAccept && cuDecode != .none

        // Store unit (combinational part).
        let S = shell.st.signals(halt: halt, queueHead: shell.queues[2].first, decode: { storeDecodeError(program[$0]) }, tokenAvailable: shell.tokens[2] != 0,
                                 memory: c.memory, maxOutstanding: c.maxOutstanding, offer: offer, depth: c.oEntries)
        let (awFire, wFire, bFire, stTokenOK, stGive) = (S.awFire, S.wFire, S.bFire, S.tokenOK, S.give)

        // Memory handshakes.
        shell.handshakes(dram, load: L, store: S)

        // Tokens.
        let overflow = ShellCycle.updateTokens(&shell.tokens, gives: [ldGive, givePrev, giveNext, stGive], takes: [prevTake, ldTokenOK, stTokenOK, nextTake])

        // Watchdog.
        let progress = accept || arFire || rFire || awFire || wFire || bFire || beat || oWEn
        let stalled = ShellCycle.watchdog(&shell.quiet, progress: progress, pending: !unitsIdle || !queuesEmpty, stallLimit: c.stallLimit)

        // First error.
        let firstError = ShellCycle.firstError(dispatch: dispatchError, load: L, loadHead: head, compute: cuErrorNow ? cuInsn.map { (cuDecode, $0) } : nil,
                                               store: S, storeSeq: shell.st.seq, overflow: overflow, stalled: stalled)

        // Status.
        if beat { beats += 1 }

        // The shell (error latch, counters, queues, load and store units).
        shell.advance(cycle: cycle, firstError: firstError, dispatch: D, computeAccepted: cuAccept, load: L, store: S, program: program,
                      memory: c.memory)

        // Compute unit: the core.
        if launch {
            cu.issueEnd = cycle + g
            cu.doneTimes.append(cycle + g + c.core.rows + c.core.cols + 2)
        }
        if tileDone { cu.doneTimes.removeFirst() }
        cu.inflight += (launch ? 1 : 0) - (tileDone ? 1 : 0)
        // Layer registers: written the cycle after the descriptor's read.
        if cu.wrValid && cu.wrLayer && cu.wrDst == 0, let d = cu.pendingDescriptor { cu.channels = d.channels }
        // Copies' write stage.
        let wasDst = cu.copyDst
        cu.wrValid = copying
        cu.wrLayer = cu.kind == .layer
        cu.wrDst = wasDst
        // Beats and the tile's compute -> load token.
        if launch { cu.issueLeft = g } else if cu.issueLeft != 0 { cu.issueLeft -= 1 }
        if launch { cu.tilePending = cu.pushPrev } else if tileGive { cu.tilePending = false }
        // Drain.
        let wasDraining = cu.draining
        cu.readValid = wasDraining
        cu.readLast = wasDraining && lastRow
        var popped: Bool?
        if drainStart { popped = cu.jobs.removeFirst() }
        if launch { cu.jobs.append(cu.pushNext) }
        if drainStart, let j = popped {
            cu.draining = true
            cu.row = 0
            cu.job = j
        } else if wasDraining {
            cu.row += 1
            if lastRow { cu.draining = false }
        }
        // Instruction registers.
        if cuAccept, let i = cuInsn, case .conv(let v, let deps) = program[i] {
            cu.busy = cuDecode == .none
            cu.started = false
            cu.kind = v.kind
            cu.waitPrev = deps.popPrev
            cu.waitNext = deps.popNext
            cu.pushPrev = deps.pushPrev
            cu.pushNext = deps.pushNext
            cu.copyDst = v.kind == .layer ? 0 : v.lineBase
            cu.copyLeft = v.kind == .layer ? c.core.period + 1 : v.entries
            if v.kind == .layer, cuDecode == .none {
                cu.pendingDescriptor = cu.layersSeen < layers.count ? layers[cu.layersSeen] : nil
                cu.layersSeen += 1
            }
        } else {
            if begin {
                cu.waitPrev = false
                cu.waitNext = false
                if isTile { cu.busy = false } else { cu.started = true }
            }
            if copying {
                cu.copyDst += 1
                cu.copyLeft -= 1
                if copyLast {
                    cu.started = false
                    cu.busy = false
                }
            }
        }
        if cuErrorNow { cu.failed = true }

        return accept || arFire || rFire || awFire || wFire || beat
    }

    // MARK: Decode checks (in the hardware's order)


    func loadDecodeError(_ i: Instruction) -> SystemError {
        guard case .load(let t, let b, _) = i else { return .none }
        guard b == .x || b == .w else { return .badBuffer }
        return ShellRegisters.transferError(t, memory: c.memory, chunks: b == .x ? 1 : c.wChunks)
    }

    func storeDecodeError(_ i: Instruction) -> SystemError {
        guard case .store(let t, let b, _) = i else { return .none }
        guard b == .o else { return .badBuffer }
        return ShellRegisters.transferError(t, memory: c.memory, chunks: c.oChunks)
    }

    func computeDecodeError(_ i: Instruction) -> SystemError {
        guard case .conv(let v, _) = i else { return .none }
        switch v.kind {
        case .fill:
            if v.entries == 0 { return .zeroCount }
            return v.xBase + v.entries <= c.xEntries && v.lineBase + v.entries <= c.lineEntries ? .none : .bufferRange
        case .layer:
            return v.wBase + c.core.period + 1 <= c.wEntries ? .none : .bufferRange
        case .tile:
            let per = c.weightBeatsPerEntry
            return v.wBase + (tileBeats + per - 1) / per <= c.wEntries && v.oBase + R <= c.oEntries ? .none : .bufferRange
        }
    }
}
