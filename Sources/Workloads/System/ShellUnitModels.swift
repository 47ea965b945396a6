import Formats
import Cosim
import HWLib
import SparseAccel

// The register updates of the shared load and store units (``SparseAccel/LoadUnit``,
// ``SparseAccel/StoreUnit``) at the end of a cycle, for every system's cycle model (SAT, SPS,
// SparseTrain): the models compute the units' combinational signals, then call these.

extension LoadState {
    /// One cycle's register updates, given the cycle's handshakes and the instruction the unit
    /// accepted (its position in the program), if any.
    mutating func advance(arFire: Bool, requestDone: Bool, take: Bool, last: Bool, entryFull: Bool, complete: Bool,
                          accepted: (Int, Instruction)?, decode: SystemError, tokenOK: Bool, requestBeats n: Int, beatBytes: Int,
                          errorNow: Bool) {
        outstanding += (arFire ? 1 : 0) - (requestDone ? 1 : 0)
        if take {
            if last {
                got = 0
                entryOffset = 0
                chunk = 0
            } else {
                got += 1
                if entryFull {
                    chunk = 0
                    entryOffset += 1
                } else {
                    chunk += 1
                }
            }
        }
        if complete { receive.removeFirst() }
        if let (i, insn) = accepted, case .load(let t, let b, let deps) = insn {
            if decode == .none {
                receive.append(Receive(target: b, base: t.bufferBase, entryBeats: t.entryBeats, total: t.rows * t.rowBeats, give: deps.pushNext, seq: i))
            }
            active = decode == .none
            waiting = deps.popNext
            rowsLeft = t.rows
            rowBeats = t.rowBeats
            beatsLeft = t.rowBeats
            addr = Int(t.dramAddr)
            rowAddr = Int(t.dramAddr)
            stride = Int(t.dramStride)
        } else {
            if tokenOK { waiting = false }
            if arFire {
                if n == beatsLeft {
                    if rowsLeft == 1 { active = false }
                    rowsLeft -= 1
                    beatsLeft = rowBeats
                    rowAddr = rowAddr + stride
                    addr = rowAddr
                } else {
                    beatsLeft -= n
                    addr += n * beatBytes
                }
            }
        }
        if errorNow { failed = true }
    }
}

extension StoreState {
    /// One cycle's register updates, given the cycle's handshakes and the instruction the unit
    /// accepted (its position in the program), if any.
    mutating func advance(awFire: Bool, requestSent: Bool, bFire: Bool, ackHead: Bool, complete: Bool,
                          accepted: (Int, Instruction)?, decode: SystemError, tokenOK: Bool, requestBeats n: Int, memory: MemoryPortSpec,
                          read: Bool, wFire: Bool, entryEnd: Bool, issued: Bool, errorNow: Bool) {
        dataPending += (awFire ? 1 : 0) - (requestSent ? 1 : 0)
        outstanding += (awFire ? 1 : 0) - (bFire ? 1 : 0)
        if bFire && ackHead { acked = complete ? 0 : acked + 1 }
        if complete { acks.removeFirst() }
        if let (i, insn) = accepted, case .store(let t, let b, let deps) = insn {
            if decode == .none {
                let perRow = (t.rowBeats + memory.maxBeats - 1) / memory.maxBeats
                acks.append(Ack(total: t.rows * perRow, give: deps.pushPrev, seq: i))
            }
            active = decode == .none
            waiting = deps.popPrev
            issuing = true
            fromP = b == .p
            seq = i
            rowsLeft = t.rows
            rowBeats = t.rowBeats
            beatsLeft = t.rowBeats
            addr = Int(t.dramAddr)
            rowAddr = Int(t.dramAddr)
            stride = Int(t.dramStride)
            entryBeats = t.entryBeats
            wLeft = t.rows * t.rowBeats
            wRowLeft = t.rowBeats
            wReqLeft = min(t.rowBeats, memory.maxBeats)
            chunk = 0
            readEntry = t.bufferBase
            unread = t.rows * t.rowBeats
        } else {
            if tokenOK { waiting = false }
            if awFire {
                if n == beatsLeft {
                    if rowsLeft == 1 { issuing = false }
                    rowsLeft -= 1
                    beatsLeft = rowBeats
                    rowAddr = rowAddr + stride
                    addr = rowAddr
                } else {
                    beatsLeft -= n
                    addr += n * memory.beatBytes
                }
            }
            if read {
                readEntry += 1
                unread = unread > entryBeats ? unread - entryBeats : 0
                have = true
            }
            if wFire {
                wLeft -= 1
                let rowNext = wRowLeft == 1 ? rowBeats : wRowLeft - 1
                wReqLeft = wReqLeft == 1 ? min(rowNext, memory.maxBeats) : wReqLeft - 1
                wRowLeft = rowNext
                if entryEnd {
                    chunk = 0
                    if !read { have = false }
                } else {
                    chunk += 1
                }
            }
            if issued { active = false }
        }
        if errorNow { failed = true }
    }
}

/// The load unit's combinational signals in one cycle.
struct LoadSignals {
    let accept: Bool, insn: Int?, decode: SystemError, tokenOK: Bool, requestBeats: Int
    let arFire: Bool, rFire: Bool, requestDone: Bool, take: Bool, last: Bool, entryFull: Bool
    let rangeError: Bool, complete: Bool, give: Bool, errorNow: Bool
}

/// The store unit's combinational signals in one cycle.
struct StoreSignals {
    let accept: Bool, insn: Int?, decode: SystemError, tokenOK: Bool, requestBeats: Int
    let awFire: Bool, wFire: Bool, entryEnd: Bool, read: Bool, requestSent: Bool, bFire: Bool, writeError: Bool
    let rangeError: Bool, issued: Bool, ackHead: StoreState.Ack?, complete: Bool, give: Bool, errorNow: Bool
}

extension LoadState {
    /// The cycle's signals: `queueHead` is the load queue's first instruction (its position),
    /// `decode` the unit's decode check, `depth` a buffer's entries.
    func signals(halt: Bool, queueHead: Int?, decode check: (Int) -> SystemError, tokenAvailable: Bool, memory: MemoryPortSpec,
                 maxOutstanding: Int, offer: DRAMModel.Offer, depth: (BufferID) -> Int) -> LoadSignals {
        let stopped = failed || halt
        let accept = !active && !stopped && receive.count != LoadState.receiveSlots && queueHead != nil
        let insn = accept ? queueHead : nil
        let decode = insn.map(check) ?? .none
        let tokenOK = active && waiting && tokenAvailable && !stopped
        let n = min(beatsLeft, memory.maxBeats)
        let arFire = active && !waiting && !stopped && outstanding != maxOutstanding && offer.readRequestReady
        let rFire = offer.readBeat != nil
        let requestDone = rFire && offer.readBeat!.last
        let head = receive.first
        let take = rFire && head != nil && !failed
        let last = head.map { got + 1 == $0.total } ?? false
        let entryFull = head.map { chunk == $0.entryBeats - 1 || last } ?? false
        let inRange = (head?.base ?? 0) + entryOffset < (head.map { depth($0.target) } ?? 0)
        let rangeError = take && entryFull && !inRange
        let complete = take && last
        return LoadSignals(accept: accept, insn: insn, decode: decode, tokenOK: tokenOK, requestBeats: n, arFire: arFire, rFire: rFire,
                           requestDone: requestDone, take: take, last: last, entryFull: entryFull, rangeError: rangeError,
                           complete: complete, give: complete && head!.give, errorNow: (accept && decode != .none) || rangeError)
    }
}

extension StoreState {
    /// The cycle's signals: `queueHead` is the store queue's first instruction (its position),
    /// `decode` the unit's decode check, `depth` the entries of the buffer being drained.
    func signals(halt: Bool, queueHead: Int?, decode check: (Int) -> SystemError, tokenAvailable: Bool, memory: MemoryPortSpec,
                 maxOutstanding: Int, offer: DRAMModel.Offer, depth: Int) -> StoreSignals {
        let stopped = failed || halt
        let accept = !active && !stopped && acks.count != StoreState.ackSlots && queueHead != nil
        let insn = accept ? queueHead : nil
        let decode = insn.map(check) ?? .none
        let tokenOK = active && waiting && tokenAvailable && !stopped
        let n = min(beatsLeft, memory.maxBeats)
        let awFire = active && issuing && !waiting && !stopped && outstanding != maxOutstanding && offer.writeRequestReady
        let wFire = have && dataPending != 0 && offer.writeDataReady
        let entryEnd = chunk == entryBeats - 1 || wLeft == 1
        let readNow = active && !waiting && unread != 0 && (!have || (wFire && entryEnd))
        let readOK = readEntry < depth
        let bFire = offer.writeResponse != nil
        let writeError = bFire && !(offer.writeResponse!.ok)
        let rangeError = readNow && !readOK && !failed
        let ackHead = acks.first
        let complete = bFire && ackHead != nil && acked + 1 == ackHead!.total
        return StoreSignals(accept: accept, insn: insn, decode: decode, tokenOK: tokenOK, requestBeats: n, awFire: awFire, wFire: wFire,
                            entryEnd: entryEnd, read: readNow && readOK && !failed, requestSent: wFire && wReqLeft == 1, bFire: bFire,
                            writeError: writeError, rangeError: rangeError,
                            issued: active && !waiting && !issuing && wLeft == 0 && dataPending == 0 && !stopped, ackHead: ackHead,
                            complete: complete, give: complete && ackHead!.give, errorNow: (accept && decode != .none) || rangeError || writeError)
    }
}

/// The parts of a cycle every system's model shares besides the units: the memory port's
/// handshakes and the dependency-token counters.
enum ShellCycle {
    /// The cycle's handshakes on the memory port (`address`es: the units' next requests), then
    /// the end of the DRAM model's cycle.
    static func handshakes(_ dram: DRAMModel, load L: LoadSignals, loadAddress: Int, store S: StoreSignals, storeAddress: Int,
                           lastWriteBeat: Bool, beat: [UInt8], strobe: [Bool]) {
        if L.arFire { dram.acceptReadRequest(address: UInt64(loadAddress), beats: L.requestBeats) }
        if S.awFire { dram.acceptWriteRequest(address: UInt64(storeAddress), beats: S.requestBeats) }
        if S.wFire { dram.acceptWriteData(beat, strobe: strobe, last: lastWriteBeat) }
        if L.rFire { dram.takeReadBeat() }
        if S.bFire { dram.takeWriteResponse() }
        dram.endCycle()
    }

    /// The token counters (load → compute, compute → load, compute → store, store → compute)
    /// after one cycle's gives and takes, 8 bits wide as in the hardware; whether one exceeded
    /// ``SparseAccel/SystemTop/tokenCapacity``.
    static func updateTokens(_ tokens: inout [Int], gives: [Bool], takes: [Bool]) -> Bool {
        var overflow = false
        for i in 0..<4 {
            tokens[i] += (gives[i] ? 1 : 0) - (takes[i] ? 1 : 0)
            if tokens[i] > SystemTop.tokenCapacity { overflow = true }
        }
        for i in 0..<4 { tokens[i] &= 0xFF }
        return overflow
    }
}

/// A system cycle model's state: what ``ShellCycle/run(_:expected:dram:maxCycles:quietCycles:afterStep:)`` steps.
protocol SystemModelState {
    /// The shell's registers: SYNC cycles, the first error.
    var shell: ShellRegisters { get }
    /// Advances one cycle; returns whether anything moved.
    mutating func step(cycle: Int, dram: DRAMModel) throws -> Bool
}

extension ShellCycle {
    /// Steps `state` until `expected` SYNCs completed, an error, or the harness watchdog (as the
    /// RTL runner's: no SYNC for `maxCycles` cycles, or nothing moving for `quietCycles`), calling
    /// `afterStep` after each cycle; returns the outcome and the cycles run.
    static func run<S: SystemModelState>(_ state: inout S, expected: Int, dram: DRAMModel, maxCycles: Int, quietCycles: Int,
                                         afterStep: (inout S) -> Void = { _ in }) throws -> (SystemRun.Outcome, Int) {
        var cycle = 0, quiet = 0
        while true {
            if state.shell.syncCycles.count >= expected && expected > 0 { return (.completed, cycle) }
            if let e = state.shell.error { return (.error(e.0, instruction: e.1), cycle) }
            if cycle - (state.shell.syncCycles.last.map { $0 + 1 } ?? 0) >= maxCycles {
                return (.watchdog("no SYNC for \(maxCycles) cycles (\(state.shell.syncCycles.count) of \(expected) done)"), cycle)
            }
            if quiet >= quietCycles {
                return (.watchdog("nothing moved for \(quietCycles) cycles with \(expected - state.shell.syncCycles.count) SYNC(s) still due"), cycle)
            }
            let moved = try state.step(cycle: cycle, dram: dram)
            afterStep(&state)
            cycle += 1
            quiet = moved ? 0 : quiet + 1
        }
    }
}

/// The dispatcher's decision in one cycle (``SparseAccel/Dispatcher``).
struct DispatchSignals {
    var accept = false, syncDone = false
    var error: (SystemError, Int)?
    /// The unit queue (0 load, 1 compute, 2 store) the accepted instruction goes to.
    var queue: Int?
}

extension ShellCycle {
    /// Whether the dispatcher takes instruction `fed` this cycle and where it goes: LOAD, the
    /// engine's `computeOpcodes`, STORE into their queues when there is room, SYNC once every
    /// queue is empty and every unit idle; any other opcode, or a dependency flag towards a unit
    /// that does not exist, is consumed and reported.
    static func dispatch(_ program: [Instruction], fed: Int, computeOpcodes: [Opcode], queues: [[Int]], queueDepth: Int, halt: Bool,
                         queuesEmpty: Bool, unitsIdle: Bool) -> DispatchSignals {
        var out = DispatchSignals()
        guard fed < program.count else { return out }
        let op = program[fed].opcode, d = program[fed].deps
        let queue: Int? = op == .load ? 0 : computeOpcodes.contains(op) ? 1 : op == .store ? 2 : nil
        let illegal = queue == nil && op != .sync
        let badDeps = (op == .load && (d.popPrev || d.pushPrev)) || (op == .store && (d.popNext || d.pushNext))
        let room = queue.map { queues[$0].count != queueDepth } ?? false
        guard !halt && (illegal || badDeps || room || (op == .sync && queuesEmpty && unitsIdle)) else { return out }
        out.accept = true
        if illegal {
            out.error = (.illegalOpcode, fed)
        } else if badDeps {
            out.error = (.badDependency, fed)
        } else if let q = queue {
            out.queue = q
        } else {
            out.syncDone = true
        }
        return out
    }
}

extension ShellCycle {
    /// The system's watchdog (``SparseAccel/SystemTop``): `quiet` counts cycles without progress
    /// while work is pending; returns whether it reached `stallLimit` this cycle.
    static func watchdog(_ quiet: inout Int, progress: Bool, pending: Bool, stallLimit: Int) -> Bool {
        let stalled = pending && quiet == stallLimit
        quiet = (progress || !pending) ? 0 : min(quiet + 1, stallLimit)
        return stalled
    }

    /// The cycle's first error in the hardware's priority order (dispatcher, load, compute,
    /// store, token overflow, stall), with the instruction it names, or nil.
    static func firstError(dispatch: (SystemError, Int)?, load L: LoadSignals, loadHead: LoadState.Receive?,
                           compute: (SystemError, Int)?, store S: StoreSignals, storeSeq: Int, overflow: Bool, stalled: Bool) -> (SystemError, Int)? {
        if let e = dispatch { return e }
        if let q = L.insn, L.accept, L.decode != .none { return (L.decode, q) }
        if L.rangeError { return (.bufferRange, loadHead!.seq) }
        if let e = compute { return e }
        if let q = S.insn, S.accept, S.decode != .none { return (S.decode, q) }
        if S.rangeError { return (.bufferRange, storeSeq) }
        if S.writeError { return (.writeFailed, S.ackHead?.seq ?? 0) }
        if overflow { return (.tokenOverflow, 0) }
        if stalled { return (.stalled, 0) }
        return nil
    }
}
