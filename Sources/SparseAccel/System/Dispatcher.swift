import Formats
import HWCore
import HWLib

/// The dispatcher: takes the instruction stream, numbers each instruction, and routes it to the
/// load, compute or store queue; executes SYNC.
///
/// Contract:
/// * `insn` (one 128-bit ``Formats/Instruction`` per transfer): accepted when its unit's queue
///   has room; LOAD → load queue, the engine's compute opcodes (``SystemShell/computeOpcodes``: GEMM
///   in the SAT system) → compute queue, STORE → store queue, each entry the
///   instruction with its sequence number (0, 1, ... in stream order) above it.
/// * SYNC is accepted only when every queue is empty and every unit idle (`units_idle`); its
///   acceptance pulses `sync_done`.
/// * Errors: an opcode the system does not know (`illegalOpcode`); a dependency flag towards a unit that does not
///   exist (LOAD with popPrev/pushPrev, STORE with popNext/pushNext, SYNC with any) (`badDependency`).
///   The offending instruction is consumed; with `halt` nothing more is accepted.
enum Dispatcher {
    struct Ports: Interface {
        @Input(BitsType.uint(InstructionLayout.bits)) var insn: Decoupled<Signal>
        @Output(BitsType.uint(queuedInstructionBits)) var load: Decoupled<Signal>
        @Output(BitsType.uint(queuedInstructionBits)) var compute: Decoupled<Signal>
        @Output(BitsType.uint(queuedInstructionBits)) var store: Decoupled<Signal>
        @Input(.bool) var unitsIdle: Signal
        @Input(.bool) var halt: Signal
        @Output(.bool) var syncDone: Signal
        @Output(.bool) var queuesEmpty: Signal
        @Output var error: Signal
        @Output var errorSeq: Signal
        @Output(.bool) var errorValid: Signal

        init() {
            _error = Output(.uint(SystemError.bits))
            _errorSeq = Output(.uint(sequenceBits))
        }
    }

    static func build(_ c: SystemShell) throws -> Definition<Ports> {
        guard !c.computeOpcodes.isEmpty, c.computeOpcodes.allSatisfy({ ![.load, .store, .sync].contains($0) }) else {
            throw ConfigError("a system's compute queue needs at least one compute opcode (not LOAD, STORE or SYNC), got \(c.computeOpcodes)")
        }
        let m = Module("\(c.prefix)_dispatch_q\(c.queueDepth)")
        m.doc = "Dispatcher: numbers instructions and routes them to the load, compute and store queues; executes SYNC."
        let io = m.ports(Ports())
        let f = InstructionFields(word: io.insn.bits)
        let op = f(.opcode)
        let seqNo = m.reg("seq", .uint(sequenceBits), reset: 0)
        let entry = cat(seqNo, io.insn.bits)

        // The unit queues: FIFOs in distributed RAM (an entry is 144 bits), registered outputs.
        let queues = try [("load", [Opcode.load], io.load), ("compute", c.computeOpcodes, io.compute), ("store", [Opcode.store], io.store)].map { name, codes, out in
            let enq = try Decoupled<Signal>.wires("\(name)_enq", .uint(queuedInstructionBits), in: m)
            let (deq, count) = try SyncFIFO.queue(enq, depth: c.queueDepth, storage: c.queueDepth >= 2 ? .memory : .registers, name: "\(name)_q")
            deq.drive(out)
            return (codes, enq, count)
        }
        let isSync = m.wire("is_sync", op == Int(Opcode.sync.rawValue))
        let known = m.wire("known", ([.load, .store, .sync] + c.computeOpcodes).sorted { $0.rawValue < $1.rawValue }
            .map { op == Int($0.rawValue) }.reduce(m.falseSignal) { $0 || $1 })
        let anyDep = f.flag(.popPrev) || f.flag(.popNext) || f.flag(.pushPrev) || f.flag(.pushNext)
        let badDeps = m.wire("bad_deps", (op == Int(Opcode.load.rawValue) && (f.flag(.popPrev) || f.flag(.pushPrev)))
            || (op == Int(Opcode.store.rawValue) && (f.flag(.popNext) || f.flag(.pushNext)))
            || (isSync && anyDep))
        let empty = m.wire("queues_empty_now", queues.map { $0.2 == 0 }.reduce(m.trueSignal) { $0 && $1 })
        io.queuesEmpty.assign(empty)
        let invalid = m.wire("invalid", !known || badDeps)
        // Ready: an invalid instruction is consumed (and reported); SYNC waits for all idle.
        func isOne(_ codes: [Opcode]) -> Signal {
            let hits = codes.map { op == Int($0.rawValue) }
            return hits.dropFirst().reduce(hits[0]) { $0 || $1 }
        }
        let room = queues.map { codes, enq, _ in isOne(codes) && enq.ready }.reduce(m.falseSignal) { $0 || $1 }
        io.insn.ready.assign(!io.halt && (invalid || room || (isSync && empty && io.unitsIdle)))
        let accept = m.wire("accept", io.insn.fire)
        for (codes, enq, _) in queues {
            enq.valid.assign(accept && !invalid && isOne(codes))
            enq.bits.assign(entry)
        }
        m.when(accept) { seqNo.assign(seqNo &+ 1) }
        io.syncDone.assign(accept && isSync && !invalid)
        io.errorValid.assign(accept && invalid)
        io.error.assign(mux(known, m.code(.badDependency), m.code(.illegalOpcode)))
        io.errorSeq.assign(seqNo)
        return Definition(m, io)
    }
}
