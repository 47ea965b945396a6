import Formats
import HWCore
import HWLib

/// A training system: the shared blocks of ``SystemShell`` — dispatcher, load and store units,
/// buffers, dependency-token counters, watchdog, error latch and status counters — around one
/// compute unit (``ComputePorts``). ``SATSystem`` is this with the SAT compute unit.
///
/// ```
///   insn ─▶ Dispatcher ─▶ load queue ──▶ LoadUnit ──── ar/r ───▶ mem
///                      ├▶ compute queue ▶ compute unit (the engine)
///                      └▶ store queue ─▶ StoreUnit ─── aw/w/b ─▶ mem
///   LoadUnit ─▶ XBUF, WBUF, (MBUF) ─▶ compute unit ─▶ OBUF, (PBUF) ─▶ StoreUnit
/// ```
///
/// Contract:
/// * `insn`: the program, one instruction per transfer (valid/ready). Units run decoupled and
///   synchronise through dependency tokens (VTA's scheme: load ⇄ compute ⇄ store counters).
/// * `mem`: the memory port (``HWLib/MemoryPort``): read data in request order, one write
///   acknowledgement per write request in order.
/// * Status: `sync_done` pulses when a SYNC completes (every queue empty, every unit idle);
///   `error` (a ``SystemError`` code, 0 = none) and `error_seq` (the failing instruction's
///   position in the stream) latch the first error, after which nothing new is issued (memory
///   responses are still accepted). `cycles` counts cycles since reset, `beats` the compute
///   unit's beats, `read_beats` / `write_beats` the memory beats moved.
/// * Watchdog: with work pending and no handshake anywhere for `stallLimit` cycles the system
///   stops with `stalled` (a dependency token that never comes).
public struct SystemPorts: Interface {
    @Input(BitsType.uint(InstructionLayout.bits)) public var insn: Decoupled<Signal>
    @Output public var mem: MemoryPort
    @Output(.bool) public var syncDone: Signal
    @Output public var error: Signal
    @Output public var errorSeq: Signal
    @Output public var cycles: Signal
    @Output public var beats: Signal
    @Output public var readBeats: Signal
    @Output public var writeBeats: Signal

    public init(memory: MemoryPortSpec) {
        _mem = Output(memory)
        _error = Output(.uint(SystemError.bits))
        _errorSeq = Output(.uint(sequenceBits))
        _cycles = Output(.uint(SystemTop.counterBits))
        _beats = Output(.uint(SystemTop.counterBits))
        _readBeats = Output(.uint(SystemTop.counterBits))
        _writeBeats = Output(.uint(SystemTop.counterBits))
    }
}

public enum SystemTop {
    /// Width of the status counters.
    public static let counterBits = 40
    /// Dependency tokens a counter holds before `tokenOverflow`.
    public static let tokenCapacity = 255

    static func build(_ c: SystemShell, name: String, doc: String, compute computeUnit: Definition<ComputePorts>) throws -> Definition<SystemPorts> {
        let dispatcher = try Dispatcher.build(c)
        let loadUnit = LoadUnit.build(c)
        let storeUnit = StoreUnit.build(c)
        func bufferDef(_ id: BufferID, _ letter: String) -> Definition<LaneBuffer.Ports>? {
            c.buffer(id).map { b in
                let lanes = b.lanes == 1 ? "" : "\(b.lanes)x"
                return LaneBuffer.build(name: "\(c.prefix)_\(letter)buf_\(lanes)\(b.laneBits)x\(b.entries)", lanes: b.lanes, laneWidth: b.laneBits, depth: b.entries)
            }
        }

        let m = Module(name)
        m.doc = doc
        let io = m.ports(SystemPorts(memory: c.memory))
        let dispatch = m.instance(dispatcher, "dispatch")
        let load = m.instance(loadUnit, "load")
        let compute = m.instance(computeUnit, "compute")
        let store = m.instance(storeUnit, "store")
        let xbuf = m.instance(bufferDef(.x, "x")!, "xbuf"), wbuf = m.instance(bufferDef(.w, "w")!, "wbuf")
        let mbuf = bufferDef(.m, "m").map { m.instance($0, "mbuf") }
        let obuf = m.instance(bufferDef(.o, "o")!, "obuf")
        let pbuf = bufferDef(.p, "p").map { m.instance($0, "pbuf") }

        // The first error stops everything.
        let failed = m.reg("failed", .bool, reset: 0)
        let halt = m.wire("halt", failed)
        for h in [dispatch.halt, load.halt, compute.halt, store.halt] { h.assign(halt) }

        io.insn.drive(dispatch.insn)
        dispatch.load.drive(load.insn)
        dispatch.compute.drive(compute.insn)
        dispatch.store.drive(store.insn)
        load.ar.drive(io.mem.ar)
        io.mem.r.drive(load.r)
        store.aw.drive(io.mem.aw)
        store.w.drive(io.mem.w)
        io.mem.b.drive(store.b)

        // Buffers.
        xbuf.wEn.assign(load.xWEn); xbuf.wAddr.assign(load.xWAddr); xbuf.wData.assign(load.xWData); xbuf.wLanes.assign(1)
        wbuf.wEn.assign(load.wWEn); wbuf.wAddr.assign(load.wWAddr); wbuf.wData.assign(load.wWData); wbuf.wLanes.assign(1)
        xbuf.rEn.assign(compute.xREn); xbuf.rAddr.assign(compute.xRAddr); compute.xRData.assign(xbuf.rData)
        wbuf.rEn.assign(compute.wREn); wbuf.rAddr.assign(compute.wRAddr); compute.wRData.assign(wbuf.rData)
        if let mbuf {
            mbuf.wEn.assign(load.mWEn); mbuf.wAddr.assign(load.mWAddr); mbuf.wData.assign(load.mWData); mbuf.wLanes.assign(1)
            mbuf.rEn.assign(compute.mREn); mbuf.rAddr.assign(compute.mRAddr); compute.mRData.assign(mbuf.rData)
        } else {
            compute.mRData.assign(0)
        }
        obuf.wEn.assign(compute.oWEn); obuf.wAddr.assign(compute.oWAddr); obuf.wData.assign(compute.oWData); obuf.wLanes.assign(1)
        obuf.rEn.assign(store.oREn); obuf.rAddr.assign(store.oRAddr); store.oRData.assign(obuf.rData)
        if let pbuf {
            pbuf.wEn.assign(compute.pWEn); pbuf.wAddr.assign(compute.pWAddr); pbuf.wData.assign(compute.pWData); pbuf.wLanes.assign(compute.pWLanes)
            pbuf.rEn.assign(store.pREn); pbuf.rAddr.assign(store.pRAddr); store.pRData.assign(pbuf.rData.resized(to: store.pRData.width))
        } else {
            store.pRData.assign(0)
        }

        // Dependency tokens.
        let l2c = TokenCounter(in: m, name: "tokens_load_compute", capacity: tokenCapacity, give: load.tokenGive, take: compute.prevTake)
        let c2l = TokenCounter(in: m, name: "tokens_compute_load", capacity: tokenCapacity, give: compute.givePrev, take: load.tokenTake)
        let c2s = TokenCounter(in: m, name: "tokens_compute_store", capacity: tokenCapacity, give: compute.giveNext, take: store.tokenTake)
        let s2c = TokenCounter(in: m, name: "tokens_store_compute", capacity: tokenCapacity, give: store.tokenGive, take: compute.nextTake)
        compute.prevAvailable.assign(l2c.available)
        load.tokenAvailable.assign(c2l.available)
        store.tokenAvailable.assign(c2s.available)
        compute.nextAvailable.assign(s2c.available)
        let overflow = m.wire("token_overflow", l2c.overflow || c2l.overflow || c2s.overflow || s2c.overflow)

        let unitsIdle = m.wire("units_idle", load.idle && compute.idle && store.idle)
        dispatch.unitsIdle.assign(unitsIdle)
        io.syncDone.assign(dispatch.syncDone)

        // Watchdog: pending work and no handshake anywhere.
        let progress = m.wire("progress", io.insn.fire || io.mem.ar.fire || io.mem.r.fire || io.mem.aw.fire || io.mem.w.fire
            || io.mem.b.fire || compute.beat || compute.oWEn || compute.pWEn)
        let pending = m.wire("pending", !unitsIdle || !dispatch.queuesEmpty)
        let quietBits = ceilLog2(c.stallLimit + 1)
        let quiet = m.reg("quiet", .uint(quietBits), reset: 0)
        quiet.assign(mux(progress || !pending, m.const(0, .uint(quietBits)), mux(quiet == c.stallLimit, quiet, quiet &+ 1)))
        let stalled = m.wire("stalled", pending && quiet == c.stallLimit)

        // The first error: code and instruction.
        let code = m.reg("error_code", .uint(SystemError.bits), reset: 0)
        let codeSeq = m.reg("error_seq_q", .uint(sequenceBits), reset: 0)
        let sources: [(Signal, Signal, Signal)] = [
            (dispatch.errorValid, dispatch.error, dispatch.errorSeq),
            (load.errorValid, load.error, load.errorSeq),
            (compute.errorValid, compute.error, compute.errorSeq),
            (store.errorValid, store.error, store.errorSeq),
            (overflow, m.code(.tokenOverflow), m.const(0, .uint(sequenceBits))),
            (stalled, m.code(.stalled), m.const(0, .uint(sequenceBits))),
        ]
        let anyError = m.wire("any_error", sources.map { $0.0 }.reduce(m.falseSignal) { $0 || $1 })
        let firstCode = sources.reversed().reduce(m.code(.none)) { rest, s in mux(s.0, s.1, rest) }
        let firstSeq = sources.reversed().reduce(m.const(0, .uint(sequenceBits))) { rest, s in mux(s.0, s.2, rest) }
        m.when(anyError && !failed) {
            failed.assign(m.trueSignal)
            code.assign(firstCode)
            codeSeq.assign(firstSeq)
        }
        io.error.assign(code)
        io.errorSeq.assign(codeSeq)

        // Status counters.
        func counter(_ name: String, _ inc: Signal) -> Signal {
            let r = m.reg(name, .uint(counterBits), reset: 0)
            m.when(inc) { r.assign(r &+ 1) }
            return r
        }
        io.cycles.assign(counter("cycle_count", m.trueSignal))
        io.beats.assign(counter("beat_count", compute.beat))
        io.readBeats.assign(counter("read_beat_count", io.mem.r.fire))
        io.writeBeats.assign(counter("write_beat_count", io.mem.w.fire))
        return Definition(m, io)
    }
}
