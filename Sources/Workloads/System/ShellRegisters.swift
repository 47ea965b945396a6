import Cosim
import Formats
import HWLib
import SparseAccel

/// The shell's registers (``SparseAccel/SystemShell``) as every system's cycle model keeps them
/// (SAT, SPS, SparseTrain): the dispatcher's feed position and unit queues, the dependency-token
/// counters, the first-error latch, the status counters and the load and store units; and the
/// end of a cycle for them. A model adds its compute unit's registers and its own counters.
struct ShellRegisters {
    /// The next instruction the dispatcher looks at (its position in the program).
    var fed = 0
    /// Instruction positions waiting in the load, compute and store queues.
    var queues = [[Int]](repeating: [], count: 3)
    var failed = false
    /// The first error and the instruction it names.
    var error: (SystemError, Int)?
    /// Cycles at which a SYNC completed.
    var syncCycles: [Int] = []
    var readBeats = 0, writeBeats = 0
    /// load → compute, compute → load, compute → store, store → compute.
    var tokens = [0, 0, 0, 0]
    /// The watchdog's count of cycles without progress.
    var quiet = 0
    var ld = LoadState()
    var st = StoreState()
    /// A written beat's data (the models' writes carry no values) and strobes, made once.
    let zeroBeat: [UInt8]
    let fullStrobe: [Bool]

    init(beatBytes: Int) {
        zeroBeat = [UInt8](repeating: 0, count: beatBytes)
        fullStrobe = [Bool](repeating: true, count: beatBytes)
    }

    var loadIdle: Bool { !ld.active && ld.receive.isEmpty && ld.outstanding == 0 }
    var storeIdle: Bool { !st.active && st.acks.isEmpty && st.outstanding == 0 && st.dataPending == 0 }
    var queuesEmpty: Bool { queues.allSatisfy { $0.isEmpty } }

    /// The cycle's handshakes on the memory port, then the end of the DRAM model's cycle.
    func handshakes(_ dram: DRAMModel, load L: LoadSignals, store S: StoreSignals) {
        ShellCycle.handshakes(dram, load: L, loadAddress: ld.addr, store: S, storeAddress: st.addr, lastWriteBeat: st.wReqLeft == 1,
                              beat: zeroBeat, strobe: fullStrobe)
    }

    /// The end of a cycle: the first error latched, SYNCs and memory beats counted, the queues
    /// popped by the units that accepted (the compute unit's `computeAccepted`) and pushed by the
    /// dispatcher, the load and store units' registers updated.
    mutating func advance(cycle: Int, firstError: (SystemError, Int)?, dispatch D: DispatchSignals, computeAccepted: Bool,
                          load L: LoadSignals, store S: StoreSignals, program: [Instruction], memory: MemoryPortSpec) {
        if !failed, let e = firstError {
            failed = true
            error = e
        }
        if D.syncDone { syncCycles.append(cycle) }
        if L.rFire { readBeats += 1 }
        if S.wFire { writeBeats += 1 }
        for (q, pop) in [L.accept, computeAccepted, S.accept].enumerated() where pop { queues[q].removeFirst() }
        if D.accept {
            if let q = D.queue { queues[q].append(fed) }
            fed += 1
        }
        ld.advance(arFire: L.arFire, requestDone: L.requestDone, take: L.take, last: L.last, entryFull: L.entryFull, complete: L.complete,
                   accepted: L.accept ? L.insn.map { ($0, program[$0]) } : nil, decode: L.decode, tokenOK: L.tokenOK,
                   requestBeats: L.requestBeats, beatBytes: memory.beatBytes, errorNow: L.errorNow)
        st.advance(awFire: S.awFire, requestSent: S.requestSent, bFire: S.bFire, ackHead: S.ackHead != nil, complete: S.complete,
                   accepted: S.accept ? S.insn.map { ($0, program[$0]) } : nil, decode: S.decode, tokenOK: S.tokenOK,
                   requestBeats: S.requestBeats, memory: memory, read: S.read, wFire: S.wFire, entryEnd: S.entryEnd, issued: S.issued,
                   errorNow: S.errorNow)
    }

    /// A transfer's decode check (the load and store units' order): zero counts, `entryBeats`
    /// beyond an entry of `chunks` beats, a misaligned or out-of-range DRAM address.
    static func transferError(_ t: Instruction.Transfer, memory: MemoryPortSpec, chunks: Int) -> SystemError {
        let beat = UInt64(memory.beatBytes)
        let limit = UInt64(1) << UInt64(memory.addrBits)
        if t.rows == 0 || t.rowBeats == 0 || t.entryBeats == 0 { return .zeroCount }
        if t.entryBeats > chunks { return .entryBeats }
        if t.dramAddr % beat != 0 || t.dramStride % beat != 0 { return .misaligned }
        if t.dramAddr >= limit || t.dramStride >= limit { return .dramRange }
        return .none
    }
}
