import Cosim
import Formats
import SparseAccel

/// The cycle model of the SparseTrain training system: the controller's timing rules, cycle by
/// cycle, driving the same ``Cosim/DRAMModel`` as the co-simulation (latency, bandwidth), without
/// the data path, as ``SystemCycleModel`` does for the SAT system. The dispatcher, load unit and
/// store unit are the shared blocks' contracts restated as in ``SystemCycleModel`` (their state
/// types are shared); the compute unit is ``SparseAccel/SparseTrainComputeUnit``'s contract: a
/// loader (one buffer read per cycle: the counts, then the words; each written a cycle later),
/// a starter, the array busy for the run's golden cycle count (``SparseModel/SparseTrainCycleModel``),
/// and a drainer (per slot, one cycle to read and one per PE to write). It predicts the cycle of
/// every SYNC; the co-simulation checks the RTL takes exactly these cycles.
public struct SparseTrainSystemCycleModel {
    public let config: SparseTrainSystemConfig

    public init(config: SparseTrainSystemConfig) { self.config = config }

    public struct Prediction: Sendable, Equatable {
        public var outcome: SystemRun.Outcome
        public var syncCycles: [Int]
        public var cycles: Int
        /// Σ of the array's busy cycles.
        public var arrayCycles: Int
        public var readBeats: Int
        public var writeBeats: Int
    }

    /// Runs `program` against `dram` (a fresh model configured like the co-simulation's); the
    /// array's n-th run takes `runs[n]` cycles.
    public func predict(_ program: [Instruction], dram: DRAMModel, runs: [Int], maxCycles: Int = 50_000_000,
                        quietCycles: Int = 100_000) throws -> Prediction {
        var s = STState(config: config, program: program, runCycles: runs)
        let (outcome, cycles) = try ShellCycle.run(&s, expected: program.filter { $0.opcode == .sync }.count, dram: dram,
                                                   maxCycles: maxCycles, quietCycles: quietCycles)
        return s.prediction(outcome, cycles)
    }
}

/// The compute unit's registers (``SparseAccel/SparseTrainComputeUnit``).
struct STComputeState {
    /// A RUN's fields the later stages need.
    struct Job {
        var slots = 0, give = false, wait = false
    }
    var failed = false
    var loadsAhead = 0, undrained = 0
    var ldActive = false, ldWait = false, ldGive = false, ldWords = 0, rdIdx = 0, ldJob = Job()
    var wrValid = false
    var pendValid = false, pendJob = Job()
    var runValid = false, runJob = Job()
    var arrayBusy = false, arrayLeft = 0, busyPrev = false, started = 0
    var jobs: [Job] = []
    var dActive = false, dPrimed = false, dSlot = 0, dPe = 0, dJob = Job()

    var idle: Bool { !ldActive && !pendValid && !runValid && jobs.isEmpty && !dActive }
}

/// A register-level restatement of the SparseTrain system (see ``SparseTrainSystemCycleModel``).
struct STState: SystemModelState {
    var shell: ShellRegisters
    let c: SparseTrainSystemConfig
    let program: [Instruction]
    let runCycles: [Int]
    var arrayCycles = 0
    var cu = STComputeState()

    init(config: SparseTrainSystemConfig, program: [Instruction], runCycles: [Int]) {
        c = config
        shell = ShellRegisters(beatBytes: config.memory.beatBytes)
        self.program = program
        self.runCycles = runCycles
    }

    func prediction(_ o: SystemRun.Outcome, _ cycles: Int) -> SparseTrainSystemCycleModel.Prediction {
        .init(outcome: o, syncCycles: shell.syncCycles, cycles: cycles, arrayCycles: arrayCycles, readBeats: shell.readBeats, writeBeats: shell.writeBeats)
    }

    mutating func step(cycle: Int, dram: DRAMModel) throws -> Bool {
        let offer = dram.beginCycle()
        let halt = shell.failed
        let unitsIdle = shell.loadIdle && cu.idle && shell.storeIdle
        let queuesEmpty = shell.queuesEmpty
        let pes = c.pes

        // Dispatcher.
        let D = ShellCycle.dispatch(program, fed: shell.fed, computeOpcodes: [.run], queues: shell.queues, queueDepth: c.queueDepth, halt: halt,
                                    queuesEmpty: queuesEmpty, unitsIdle: unitsIdle)
        let (accept, dispatchError) = (D.accept, D.error)

        // Load unit.
        let L = shell.ld.signals(halt: halt, queueHead: shell.queues[0].first, decode: { loadDecodeError(program[$0]) }, tokenAvailable: shell.tokens[1] != 0,
                                 memory: c.memory, maxOutstanding: c.maxOutstanding, offer: offer, depth: { $0 == .x ? c.xEntries : c.wEntries })
        let (arFire, rFire, ldTokenOK, ldGive) = (L.arFire, L.rFire, L.tokenOK, L.give)
        let head = shell.ld.receive.first

        // Compute unit (combinational part).
        let cuStopped = cu.failed || halt
        let cuAccept = !cu.ldActive && !cuStopped && cu.loadsAhead < 2 && !shell.queues[1].isEmpty
        let cuInsn = cuAccept ? shell.queues[1][0] : nil
        let cuDecode = cuInsn.map { computeDecodeError(program[$0]) } ?? .none
        let acceptOK = cuAccept && cuDecode == .none
        let prevTake = cu.ldActive && cu.ldWait && shell.tokens[0] != 0 && !cuStopped
        let issue = cu.ldActive && !cu.ldWait && !cuStopped && cu.rdIdx <= cu.ldWords
        let loaded = cu.ldActive && !cu.ldWait && cu.rdIdx > cu.ldWords && !cu.wrValid
        let handoff = loaded && !cu.pendValid
        let givePrev = handoff && cu.ldGive
        let complete = cu.runValid && cu.busyPrev && !cu.arrayBusy
        let start = cu.pendValid && (!cu.runValid || complete) && cu.undrained < 2 && !cuStopped
        let dHead = cu.jobs.first
        let dStart = !cu.dActive && dHead != nil && (!dHead!.wait || shell.tokens[3] != 0) && !cuStopped
        let nextTake = dStart && dHead!.wait
        let write = cu.dActive && cu.dPrimed
        let lastPe = cu.dPe == pes - 1
        let lastSlot = cu.dSlot == cu.dJob.slots - 1
        let drained = write && lastPe && lastSlot
        let giveNext = drained && cu.dJob.give
        let cuErrorNow = cuAccept && cuDecode != .none

        // Store unit.
        let S = shell.st.signals(halt: halt, queueHead: shell.queues[2].first, decode: { storeDecodeError(program[$0]) }, tokenAvailable: shell.tokens[2] != 0,
                                 memory: c.memory, maxOutstanding: c.maxOutstanding, offer: offer, depth: c.oEntries)
        let (awFire, wFire, bFire, stTokenOK, stGive) = (S.awFire, S.wFire, S.bFire, S.tokenOK, S.give)

        // Memory handshakes.
        shell.handshakes(dram, load: L, store: S)

        // Tokens.
        let overflow = ShellCycle.updateTokens(&shell.tokens, gives: [ldGive, givePrev, giveNext, stGive], takes: [prevTake, ldTokenOK, stTokenOK, nextTake])

        // Watchdog.
        let progress = accept || arFire || rFire || awFire || wFire || bFire || cu.arrayBusy || write
        let stalled = ShellCycle.watchdog(&shell.quiet, progress: progress, pending: !unitsIdle || !queuesEmpty, stallLimit: c.stallLimit)

        // First error.
        let firstError = ShellCycle.firstError(dispatch: dispatchError, load: L, loadHead: head, compute: cuErrorNow ? cuInsn.map { (cuDecode, $0) } : nil,
                                               store: S, storeSeq: shell.st.seq, overflow: overflow, stalled: stalled)

        // Status.
        if cu.arrayBusy { arrayCycles += 1 }

        // The shell (error latch, counters, queues, load and store units).
        shell.advance(cycle: cycle, firstError: firstError, dispatch: D, computeAccepted: cuAccept, load: L, store: S, program: program,
                      memory: c.memory)

        // Compute unit registers.
        if acceptOK, let i = cuInsn, case .run(let r, let deps) = program[i] {
            cu.ldActive = true
            cu.ldWait = deps.popPrev
            cu.ldGive = deps.pushPrev
            cu.ldWords = r.words
            cu.rdIdx = 0
            cu.ldJob = .init(slots: r.slots, give: deps.pushNext, wait: deps.popNext)
        } else {
            if prevTake { cu.ldWait = false }
            if handoff { cu.ldActive = false }
            if issue { cu.rdIdx += 1 }
        }
        cu.wrValid = issue
        if handoff {
            cu.pendValid = true
            cu.pendJob = cu.ldJob
        } else if start {
            cu.pendValid = false
        }
        let wasBusy = cu.arrayBusy
        // The run that ends now (a run starting in the same cycle replaces it).
        let finished = cu.runJob
        if start {
            cu.runValid = true
            cu.runJob = cu.pendJob
            cu.arrayLeft = cu.started < runCycles.count ? runCycles[cu.started] : 1
            cu.started += 1
            cu.arrayBusy = true
        } else {
            if complete { cu.runValid = false }
            if wasBusy {
                cu.arrayLeft -= 1
                if cu.arrayLeft == 0 { cu.arrayBusy = false }
            }
        }
        cu.busyPrev = wasBusy
        if dStart { cu.jobs.removeFirst() }
        if complete { cu.jobs.append(finished) }
        if dStart, let h = dHead {
            cu.dActive = true
            cu.dPrimed = false
            cu.dJob = h
            cu.dSlot = 0
            cu.dPe = 0
        } else if cu.dActive {
            if !cu.dPrimed { cu.dPrimed = true }
            if write {
                if lastPe {
                    cu.dPe = 0
                    cu.dPrimed = false
                    if lastSlot { cu.dActive = false } else { cu.dSlot += 1 }
                } else {
                    cu.dPe += 1
                }
            }
        }
        cu.loadsAhead += (acceptOK ? 1 : 0) - (complete ? 1 : 0)
        cu.undrained += (start ? 1 : 0) - (drained ? 1 : 0)
        if cuErrorNow { cu.failed = true }

        return progress
    }

    // MARK: Decode checks (in the hardware's order)


    func loadDecodeError(_ i: Instruction) -> SystemError {
        guard case .load(let t, let b, _) = i else { return .none }
        guard b == .x || b == .w else { return .badBuffer }
        return ShellRegisters.transferError(t, memory: c.memory, chunks: b == .x ? c.xChunks : c.wChunks)
    }

    func storeDecodeError(_ i: Instruction) -> SystemError {
        guard case .store(let t, let b, _) = i else { return .none }
        guard b == .o else { return .badBuffer }
        return ShellRegisters.transferError(t, memory: c.memory, chunks: c.oChunks)
    }

    func computeDecodeError(_ i: Instruction) -> SystemError {
        guard case .run(let r, _) = i else { return .none }
        if r.words == 0 || r.slots == 0 { return .zeroCount }
        let fits = r.words <= c.array.depth && r.slots <= c.array.slots && r.wBase < c.wEntries && r.xBase + r.words <= c.xEntries
            && r.oBase + r.slots * c.pes <= c.oEntries
        return fits ? .none : .bufferRange
    }
}
