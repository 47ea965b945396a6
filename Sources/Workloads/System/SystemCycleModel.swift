import Cosim
import Formats
import SparseAccel

/// The cycle model of the SAT training system: the controller's timing rules, cycle by cycle,
/// driving the same ``Cosim/DRAMModel`` as the co-simulation (so DRAM latency, bandwidth and
/// seeded back-pressure are the same), without the data path. It predicts the cycle of every
/// SYNC, the beats the array consumes and the memory beats moved; the co-simulation checks that
/// the RTL takes exactly these cycles.
///
/// The model restates each unit's contract (see the units' header comments) as the register
/// updates of one clock cycle: the dispatcher and its queues, the load unit (one read request
/// per cycle up to `maxOutstanding`, entries assembled from `entryBeats` beats), the compute
/// unit (tokens, mode switches after `modeSwitchWait` idle cycles, one beat
/// per cycle, a closing beat ≥ R or `updateTileGap` cycles after the previous one,
/// `tile_done` R + latency + 1 cycles after the closing beat, a drain of R rows, the update
/// unit's pipeline and pre-generated words), the store unit (write requests and data in order,
/// entries read one cycle ahead), the token counters, the watchdog and the first-error latch.
public struct SystemCycleModel {
    public let config: SATSystemConfig

    public init(config: SATSystemConfig) { self.config = config }

    /// What the model predicts for a program.
    public struct Prediction: Sendable, Equatable {
        public var outcome: SystemRun.Outcome
        public var syncCycles: [Int]
        public var cycles: Int
        public var beats: Int
        public var readBeats: Int
        public var writeBeats: Int
        /// Cycles in which the array consumed a beat, per instruction-stream phase (between SYNCs).
        public var phaseBeats: [Int]
        /// Where the compute unit's cycles without a beat went, summed over the run.
        public var stalls: Stalls
    }

    /// Why the compute unit issued no beat in a cycle.
    public struct Stalls: Sendable, Equatable, Codable {
        /// No GEMM to execute (the compute queue empty, or the dispatcher waiting on SYNC).
        public var noInstruction = 0
        /// Waiting for a load → compute token (operands not loaded yet).
        public var loadToken = 0
        /// Waiting for a store → compute token (no free OBUF slot).
        public var storeToken = 0
        /// Waiting for the array to empty before a mode switch.
        public var modeSwitch = 0
        /// A closing beat held by the last-beat gap or a full drain queue.
        public var drainGap = 0
        /// The cycle after a GEMM ends, before the next one is accepted.
        public var accept = 0
    }

    /// Runs `program` against `dram` (a fresh model configured like the co-simulation's; its
    /// contents do not matter).
    public func predict(_ program: [Instruction], dram: DRAMModel, maxCycles: Int = 50_000_000, quietCycles: Int = 100_000) throws -> Prediction {
        var s = State(config: config, program: program)
        var phaseBeats = [0]
        let (outcome, cycles) = try ShellCycle.run(&s, expected: program.filter { $0.opcode == .sync }.count, dram: dram,
                                                   maxCycles: maxCycles, quietCycles: quietCycles) { s in
            // The beats of each phase (between SYNCs).
            if s.lastBeat { phaseBeats[phaseBeats.count - 1] += 1 }
            if s.lastSync { phaseBeats.append(0) }
        }
        return s.prediction(outcome, cycles, phaseBeats)
    }
}

/// A register-level restatement of the controller (see ``SystemCycleModel``).
struct State: SystemModelState {
    var shell: ShellRegisters
    let c: SATSystemConfig
    let program: [Instruction]
    let R: Int
    var lastSync = false
    var lastBeat = false
    var beats = 0
    var stalls = SystemCycleModel.Stalls()
    // Compute unit.
    var cu = ComputeState()


    init(config: SATSystemConfig, program: [Instruction]) {
        c = config
        shell = ShellRegisters(beatBytes: config.memory.beatBytes)
        self.program = program
        R = config.core.rows
        cu.sinceBeat = cu.cap(config)
        cu.sinceLast = cu.cap(config)
        cu.lastGap = R
    }

    var present: Bool { cu.present }

    func prediction(_ o: SystemRun.Outcome, _ cycles: Int, _ phaseBeats: [Int]) -> SystemCycleModel.Prediction {
        .init(outcome: o, syncCycles: shell.syncCycles, cycles: cycles, beats: beats, readBeats: shell.readBeats, writeBeats: shell.writeBeats, phaseBeats: phaseBeats,
              stalls: stalls)
    }

    // MARK: One cycle

    /// Advances one cycle; returns whether anything moved (for the harness-style shell.quiet watchdog).
    mutating func step(cycle: Int, dram: DRAMModel) throws -> Bool {
        let offer = dram.beginCycle()
        let halt = shell.failed
        let computeIdle = cu.idle
        let unitsIdle = shell.loadIdle && computeIdle && shell.storeIdle
        let queuesEmpty = shell.queuesEmpty

        // Dispatcher.
        let D = ShellCycle.dispatch(program, fed: shell.fed, computeOpcodes: [.gemm], queues: shell.queues, queueDepth: c.queueDepth, halt: halt,
                                    queuesEmpty: queuesEmpty, unitsIdle: unitsIdle)
        let (accept, syncDone, dispatchError) = (D.accept, D.syncDone, D.error)

        // Load unit (combinational part): an issue stage and, per accepted instruction, a
        // receive descriptor (in order).
        let L = shell.ld.signals(halt: halt, queueHead: shell.queues[0].first, decode: { loadDecodeError(program[$0]) }, tokenAvailable: shell.tokens[1] != 0,
                                 memory: c.memory, maxOutstanding: c.maxOutstanding, offer: offer, depth: { $0 == .x ? c.denseEntries : $0 == .w ? c.sparseEntries : c.masterEntries })
        let (arFire, rFire, ldTokenOK, ldGive) = (L.arFire, L.rFire, L.tokenOK, L.give)
        let head = shell.ld.receive.first

        // Compute unit (combinational part).
        let cuStopped = cu.failed || halt
        let cuAccept = !cu.busy && !cuStopped && !shell.queues[1].isEmpty
        let cuInsn = cuAccept ? shell.queues[1][0] : nil
        let cuDecode = cuInsn.map { computeDecodeError(program[$0]) } ?? .none
        let modeSwitch = cu.sparse != cu.mode
        let arrayEmpty = cu.sinceBeat >= c.modeSwitchWait
        let tokensOK = (!cu.waitPrev || shell.tokens[0] != 0) && (!cu.waitNext || shell.tokens[3] != 0)
        let streaming = cu.busy && !cuStopped && tokensOK && !modeSwitch
        let finalBeat = cu.beatsLeft == 1
        let gapOK = cu.sinceLast >= cu.lastGap
        let jobsFull = cu.jobs.count == c.drainSlots
        let canIssue = streaming && (!finalBeat || !cu.close || (gapOK && !jobsFull))
        let prevTake = streaming && cu.waitPrev
        let nextTake = streaming && cu.waitNext
        let closing = cu.present && cu.presentLast
        let done = canIssue && finalBeat
        let givePrev = done && cu.pushPrev
        let tileDone = cu.doneTimes.first == cycle
        let start = tileDone && !cu.jobs.isEmpty
        let lastRow = cu.row == R - 1
        let job = cu.job
        let updateIn = cu.readValid && job.update
        let plainWrite = cu.readValid && !job.update
        let oWEn = plainWrite || cu.outValid
        let words = c.pregenWordsPerTile
        let pWEn = cu.pending
        let pregenLast = pWEn && cu.pregenCount == words - 1
        let tileWritten = (cu.readLast && !job.update) || (cu.updLast && !job.pregen) || pregenLast
        let giveNext = (tileWritten && job.give) || (done && !cu.close && cu.pushNext)
        let tileEnd = cu.outValid && cu.updRow == R - 1 && job.pregen
        let cuErrorNow = cuAccept && cuDecode != .none
        if !canIssue {
            if !cu.busy { if cuAccept { stalls.accept += 1 } else { stalls.noInstruction += 1 } }
            else if cu.waitPrev && shell.tokens[0] == 0 { stalls.loadToken += 1 }
            else if cu.waitNext && shell.tokens[3] == 0 { stalls.storeToken += 1 }
            else if modeSwitch { stalls.modeSwitch += 1 }
            else { stalls.drainGap += 1 }
        }

        // Store unit (combinational part).
        let S = shell.st.signals(halt: halt, queueHead: shell.queues[2].first, decode: { storeDecodeError(program[$0]) }, tokenAvailable: shell.tokens[2] != 0,
                                 memory: c.memory, maxOutstanding: c.maxOutstanding, offer: offer, depth: shell.st.fromP ? c.pregenEntries : c.outputEntries)
        let (awFire, wFire, bFire, stTokenOK, stGive) = (S.awFire, S.wFire, S.bFire, S.tokenOK, S.give)

        // Memory handshakes.
        shell.handshakes(dram, load: L, store: S)

        // Tokens.
        let overflow = ShellCycle.updateTokens(&shell.tokens, gives: [ldGive, givePrev, giveNext, stGive], takes: [prevTake, ldTokenOK, stTokenOK, nextTake])

        // Watchdog.
        let progress = accept || arFire || rFire || awFire || wFire || bFire || cu.present || oWEn || pWEn
        let stalled = ShellCycle.watchdog(&shell.quiet, progress: progress, pending: !unitsIdle || !queuesEmpty, stallLimit: c.stallLimit)

        // First error.
        let firstError = ShellCycle.firstError(dispatch: dispatchError, load: L, loadHead: head, compute: cuErrorNow ? cuInsn.map { (cuDecode, $0) } : nil,
                                               store: S, storeSeq: shell.st.seq, overflow: overflow, stalled: stalled)

        // Status.
        lastSync = syncDone
        lastBeat = cu.present
        if cu.present { beats += 1 }

        // Register updates: the shell (error latch, counters, queues, load and store units).
        shell.advance(cycle: cycle, firstError: firstError, dispatch: D, computeAccepted: cuAccept, load: L, store: S, program: program,
                      memory: c.memory)

        // Compute unit.
        cu.advance(c, cycle: cycle, accept: cuAccept ? cuInsn.map { program[$0] } : nil, acceptOK: cuDecode == .none, acceptSeq: cuInsn ?? 0,
                   modeSwitch: modeSwitch, arrayEmpty: arrayEmpty, streaming: streaming, canIssue: canIssue, finalBeat: finalBeat,
                   closing: closing, done: done, start: start, lastRow: lastRow, updateIn: updateIn, tileEnd: tileEnd, pWEn: pWEn, stopped: cuStopped)
        if cuErrorNow { cu.failed = true }

        return accept || arFire || rFire || awFire || wFire || bFire || cu.present || closing
    }

    // MARK: Decode checks (in the hardware's order)

    func loadDecodeError(_ i: Instruction) -> SystemError {
        guard case .load(let t, let b, _) = i else { return .none }
        let chunks = b == .x ? c.denseChunks : b == .w ? c.sparseChunks : c.masterChunks
        return ShellRegisters.transferError(t, memory: c.memory, chunks: chunks)
    }

    func storeDecodeError(_ i: Instruction) -> SystemError {
        guard case .store(let t, let b, _) = i else { return .none }
        return ShellRegisters.transferError(t, memory: c.memory, chunks: b == .o ? c.outputChunks : c.pregenChunks)
    }


    func computeDecodeError(_ i: Instruction) -> SystemError {
        guard case .gemm(let g, _) = i else { return .none }
        if g.beats == 0 { return .zeroCount }
        if (g.update && (g.sparse || !g.close)) || (g.pregen && !g.update) { return .badGEMM }
        let per = c.denseBeatsPerEntry
        let xEntries = g.sparse ? g.beats : (g.beats + per - 1) / per
        let perW = g.sparse ? 1 : c.denseWordsPerEntry
        let fits = g.wBase + (g.beats + perW - 1) / perW <= c.sparseEntries && g.xBase + xEntries <= c.denseEntries
            && (!g.close || g.oBase + R <= c.outputEntries) && (!g.update || g.mBase + R <= c.masterEntries)
            && (!g.pregen || (g.pfBase + c.forwardWordsPerTile <= c.pregenEntries && g.pbBase + c.backwardWordsPerTile <= c.pregenEntries))
        return fits ? .none : .bufferRange
    }
}

struct LoadState {
    static let receiveSlots = 4
    /// Where an accepted instruction's beats go.
    struct Receive {
        var target: BufferID
        var base: Int
        var entryBeats: Int
        var total: Int
        var give: Bool
        var seq: Int
    }
    var active = false, waiting = false, failed = false
    var rowsLeft = 0, rowBeats = 0, beatsLeft = 0, addr = 0, rowAddr = 0, stride = 0
    var outstanding = 0
    var receive: [Receive] = []
    var got = 0, entryOffset = 0, chunk = 0
}

struct StoreState {
    static let ackSlots = 4
    /// An instruction's write acknowledgements still to come.
    struct Ack {
        var total: Int
        var give: Bool
        var seq: Int
    }
    var acks: [Ack] = []
    var acked = 0
    var active = false, waiting = false, issuing = false, fromP = false, failed = false, have = false
    var seq = 0, rowsLeft = 0, rowBeats = 0, beatsLeft = 0, addr = 0, rowAddr = 0, stride = 0, entryBeats = 1
    var outstanding = 0, dataPending = 0, wLeft = 0, wRowLeft = 0, wReqLeft = 0, chunk = 0, readEntry = 0, unread = 0
}

/// A closed tile's drain job.
struct DrainJob {
    var give = false, update = false, pregen = false
}

struct ComputeState {
    var busy = false, waitPrev = false, waitNext = false, sparse = false, close = false, pushPrev = false, pushNext = false
    var failed = false, mode = false
    var beatsLeft = 0, slice = 0
    var fields = DrainJob()
    var sinceBeat = 0, sinceLast = 0, lastGap = 0
    var present = false, presentLast = false
    var jobs: [DrainJob] = []
    /// Cycles at which `tile_done` will rise (closing beats in flight through the array).
    var doneTimes: [Int] = []
    var draining = false, row = 0, job = DrainJob()
    var readValid = false, readRow = 0, readLast = false
    var outValid = false, updRow = 0, updLast = false
    var pending = false, index = 0, pregenCount = 0

    func cap(_ c: SATSystemConfig) -> Int { c.sinceCounterCap }

    var idle: Bool { !busy && !draining && !readValid && !outValid && !pending && jobs.isEmpty && !present }

    mutating func advance(_ c: SATSystemConfig, cycle: Int, accept: Instruction?, acceptOK: Bool, acceptSeq: Int,
                          modeSwitch: Bool, arrayEmpty: Bool, streaming: Bool, canIssue: Bool, finalBeat: Bool,
                          closing: Bool, done: Bool, start: Bool, lastRow: Bool, updateIn: Bool, tileEnd: Bool, pWEn: Bool, stopped: Bool) {
        let R = c.core.rows
        let words = c.pregenWordsPerTile
        let capValue = cap(c)
        // Array: a closing beat presented now shows as tile_done R + latency + 1 cycles later.
        if closing { doneTimes.append(cycle + c.tileDoneDelay) }
        if doneTimes.first == cycle { doneTimes.removeFirst() }
        // Drain pipeline (registered stages read this cycle's values).
        let wasReadLast = readLast, wasReadRow = readRow
        let wasDraining = draining, wasRow = row
        let jobNow = job
        updLast = wasReadLast && jobNow.update
        updRow = wasReadRow
        outValid = updateIn
        readValid = wasDraining
        readRow = wasRow
        readLast = wasDraining && lastRow
        // Pre-generated words.
        if pWEn { pregenCount = pregenCount == words - 1 ? 0 : pregenCount + 1 }
        if tileEnd {
            pending = true
            index = 0
        } else if pending {
            if index == words - 1 { pending = false }
            index += 1
        }
        // Drain jobs.
        var popped: DrainJob?
        if start { popped = jobs.removeFirst() }
        if done && close { jobs.append(fields) }
        if done && close { lastGap = fields.update ? c.updateTileGap : R }
        if start, let j = popped {
            draining = true
            row = 0
            job = j
        } else if wasDraining {
            row += 1
            if lastRow { draining = false }
        }
        // Beats.
        let wasPresent = present
        present = canIssue
        presentLast = canIssue && finalBeat && close
        sinceBeat = wasPresent ? 1 : (sinceBeat == capValue ? sinceBeat : sinceBeat + 1)
        sinceLast = closing ? 1 : (sinceLast == capValue ? sinceLast : sinceLast + 1)
        if let insn = accept, case .gemm(let g, let deps) = insn {
            busy = acceptOK
            waitPrev = deps.popPrev
            waitNext = deps.popNext
            sparse = g.sparse
            close = g.close
            pushPrev = deps.pushPrev
            pushNext = deps.pushNext
            beatsLeft = g.beats
            slice = 0
            fields = DrainJob(give: deps.pushNext, update: g.update, pregen: g.pregen)
        } else {
            if busy && !stopped && modeSwitch && arrayEmpty { mode = sparse }
            if streaming {
                waitPrev = false
                waitNext = false
            }
            if canIssue {
                beatsLeft -= 1
                if finalBeat { busy = false }
            }
        }
    }
}
