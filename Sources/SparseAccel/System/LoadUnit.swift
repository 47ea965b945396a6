import Formats
import HWCore
import HWLib

/// The load unit: executes LOAD instructions, DRAM → XBUF, WBUF or MBUF, through the memory
/// port's read channels.
///
/// Contract:
/// * `insn`: LOAD instructions from the load queue, one at a time. An instruction waits for a
///   compute → load token when `popNext` is set (`tokenAvailable`, consumed by `tokenTake`).
/// * It issues read requests for `rows` rows of `rowBeats` beats, row i at `dramAddr + i ·
///   dramStride`, each request at most `maxBeats` beats, one request per cycle, up to
///   `maxOutstanding` in flight. Read data is always accepted (`r_ready` = 1).
/// * Beats fill buffer entries `bufferBase...` in order, `entryBeats` beats per entry, assembled
///   in a staging register: an entry is written whole (one write per entry, the chunks after
///   `entryBeats` zero) in the cycle its last beat arrives.
/// * When every beat has arrived the instruction completes (that cycle): `tokenGive` (a
///   load → compute token) if `pushNext`; the next instruction is accepted the cycle after.
/// * Errors (`error`, with the instruction's sequence number): a buffer LOAD cannot fill, a zero
///   count, `entryBeats` beyond the entry, a misaligned or out-of-range DRAM address, an entry past
///   the buffer's end. After an error (or with `halt`) it issues nothing more but keeps accepting
///   read data, so the memory side never blocks.
enum LoadUnit {
    struct Ports: Interface {
        @Input(BitsType.uint(queuedInstructionBits)) var insn: Decoupled<Signal>
        @Output var ar: Decoupled<MemRequest>
        @Input var r: Decoupled<MemReadBeat>
        @Input(.bool) var tokenAvailable: Signal
        @Output(.bool) var tokenTake: Signal
        @Output(.bool) var tokenGive: Signal
        @Output(.bool) var xWEn: Signal
        @Output var xWAddr: Signal
        @Output var xWData: Signal
        @Output(.bool) var wWEn: Signal
        @Output var wWAddr: Signal
        @Output var wWData: Signal
        @Output(.bool) var mWEn: Signal
        @Output var mWAddr: Signal
        @Output var mWData: Signal
        @Input(.bool) var halt: Signal
        @Output(.bool) var idle: Signal
        @Output var error: Signal
        @Output var errorSeq: Signal
        @Output(.bool) var errorValid: Signal

        init(_ c: SATSystemConfig) {
            _ar = Output(c.memory)
            _r = Input(c.memory)
            _xWAddr = Output(.uint(addressBits(c.denseEntries)))
            _xWData = Output(.uint(c.denseChunks * c.memory.dataBits))
            _wWAddr = Output(.uint(addressBits(c.sparseEntries)))
            _wWData = Output(.uint(c.sparseChunks * c.memory.dataBits))
            _mWAddr = Output(.uint(addressBits(c.masterEntries)))
            _mWData = Output(.uint(c.masterChunks * c.memory.dataBits))
            _error = Output(.uint(SystemError.bits))
            _errorSeq = Output(.uint(sequenceBits))
        }
    }

    static func build(_ c: SATSystemConfig) -> Definition<Ports> {
        let m = Module("sat_load_\(c.tag)")
        m.doc = "Load unit: LOAD instructions, DRAM -> XBUF/WBUF/MBUF through the memory port's read channels."
        let io = m.ports(Ports(c))
        let f = InstructionFields(word: io.insn.bits)
        let spec = c.memory
        let beatShift = ceilLog2(spec.beatBytes)
        let aw = spec.addrBits
        let maxChunks = max(c.denseChunks, c.sparseChunks, c.masterChunks)

        // The instruction being executed.
        let active = m.reg("active", .bool, reset: 0)
        let waiting = m.reg("waiting", .bool, reset: 0)      // for the compute -> load token
        let issuing = m.reg("issuing", .bool, reset: 0)      // read requests still to issue
        let target = m.reg("target", .uint(2), reset: .none)  // BufferID x / w / m
        let give = m.reg("give", .bool, reset: .none)
        let seq = m.reg("seq", .uint(sequenceBits), reset: 0)
        let rowsLeft = m.reg("rows_left", .uint(12), reset: .none)
        let rowBeats = m.reg("row_beats", .uint(12), reset: .none)
        let beatsLeft = m.reg("beats_left", .uint(12), reset: .none)  // to request in this row
        let remaining = m.reg("remaining", .uint(24), reset: 0)       // beats still to arrive
        let addr = m.reg("addr", .uint(aw), reset: .none)             // next request
        let rowAddr = m.reg("row_addr", .uint(aw), reset: .none)       // current row's start
        let stride = m.reg("stride", .uint(aw), reset: .none)
        let failed = m.reg("failed", .bool, reset: 0)
        let outstanding = m.reg("outstanding", .uint(ceilLog2(c.maxOutstanding + 1)), reset: 0)
        let entry = m.reg("entry", .uint(17), reset: .none)
        let chunk = m.reg("chunk", .uint(8), reset: .none)
        let entryBeats = m.reg("entry_beats", .uint(8), reset: .none)
        let stage = (0..<maxChunks).map { m.reg("stage_\($0)", .uint(spec.dataBits), reset: .none) }

        // Decode checks of the instruction offered now.
        let buf = f(.buffer)
        let chunksOf = mux(buf == Int(BufferID.x.rawValue), m.const(c.denseChunks, .uint(8)),
                           mux(buf == Int(BufferID.w.rawValue), m.const(c.sparseChunks, .uint(8)), m.const(c.masterChunks, .uint(8))))
        let dram = f(.dramAddr), dramStride = f(.dramStride)
        func misalignedField(_ s: Signal) -> Signal { beatShift == 0 ? m.falseSignal : s.bits(0...(beatShift - 1)) != 0 }
        func beyond(_ s: Signal) -> Signal { s.width > aw ? s.bits(aw...(s.width - 1)) != 0 : m.falseSignal }
        let decodeError = m.wire("decode_error", m.firstError([
            (buf > Int(BufferID.m.rawValue), .badBuffer),
            (f(.rows) == 0 || f(.rowBeats) == 0 || f(.entryBeats) == 0, .zeroCount),
            (f(.entryBeats) > chunksOf, .entryBeats),
            (misalignedField(dram) || misalignedField(dramStride), .misaligned),
            (beyond(dram) || beyond(dramStride), .dramRange),
        ]))

        let stopped = m.wire("stopped", failed || io.halt)
        io.insn.ready.assign(!active && !stopped)
        let accept = m.wire("accept", io.insn.fire)

        // Token wait.
        let tokenOK = m.wire("token_ok", active && waiting && io.tokenAvailable && !stopped)
        io.tokenTake.assign(tokenOK)

        // Read requests: one per cycle while issuing, up to maxOutstanding in flight.
        let maxBeats = m.const(spec.maxBeats, .uint(12))
        let n = m.wire("req_beats", mux(beatsLeft > maxBeats, maxBeats, beatsLeft))
        io.ar.valid.assign(active && issuing && !waiting && !stopped && outstanding != c.maxOutstanding)
        io.ar.bits.addr.assign(addr)
        io.ar.bits.len.assign((n &- 1).truncated(to: spec.lenBits))
        let arFire = m.wire("ar_fire", io.ar.fire)
        let rowDone = m.wire("row_done", n == beatsLeft)
        let nextRowAddr = m.wire("next_row_addr", rowAddr &+ stride)

        // Read data: always accepted (also after an error, so the memory side never blocks).
        io.r.ready.assign(m.trueSignal)
        let rFire = m.wire("r_fire", io.r.fire)
        let requestDone = m.wire("request_done", rFire && io.r.bits.last)
        outstanding.assign(outstanding &+ arFire.extended(to: outstanding.width) &- requestDone.extended(to: outstanding.width))

        // Entry assembly: the beat goes to chunk `chunk`; the entry is written when it is full
        // or the transfer's last beat arrives.
        let take = m.wire("take", rFire && active && !failed)
        let entryFull = m.wire("entry_full", chunk == entryBeats &- 1 || remaining == 1)
        let merged = (0..<maxChunks).map { l in mux(chunk == l, io.r.bits.data, stage[l]) }
        let depth = mux(target == Int(BufferID.x.rawValue), m.const(c.denseEntries, .uint(17)),
                        mux(target == Int(BufferID.w.rawValue), m.const(c.sparseEntries, .uint(17)), m.const(c.masterEntries, .uint(17))))
        let inRange = m.wire("in_range", entry < depth)
        let write = m.wire("write", take && entryFull && inRange)
        func port(_ en: Signal, _ a: Signal, _ d: Signal, _ id: BufferID, chunks: Int) {
            en.assign(write && target == Int(id.rawValue))
            a.assign(entry.resized(to: a.width))
            // cat puts its first argument in the high bits: chunk 0 goes last.
            let lanes = Array(merged[0..<chunks].reversed())
            d.assign(cat(lanes[0], Array(lanes.dropFirst())).resized(to: d.width))
        }
        port(io.xWEn, io.xWAddr, io.xWData, .x, chunks: c.denseChunks)
        port(io.wWEn, io.wWAddr, io.wWData, .w, chunks: c.sparseChunks)
        port(io.mWEn, io.mWAddr, io.mWData, .m, chunks: c.masterChunks)

        let rangeError = m.wire("range_error", take && entryFull && !inRange)
        let complete = m.wire("complete", active && !waiting && !issuing && remaining == 0 && !stopped)
        io.tokenGive.assign(complete && give)

        m.when(accept) {
            active.assign(decodeError == 0)
            waiting.assign(f.flag(.popNext))
            issuing.assign(m.trueSignal)
            target.assign(buf.truncated(to: 2))
            give.assign(f.flag(.pushNext))
            seq.assign(f.sequence)
            rowsLeft.assign(f(.rows))
            rowBeats.assign(f(.rowBeats))
            beatsLeft.assign(f(.rowBeats))
            remaining.assign((f(.rows) * f(.rowBeats)).resized(to: 24))
            addr.assign(dram.resized(to: aw))
            rowAddr.assign(dram.resized(to: aw))
            stride.assign(dramStride.resized(to: aw))
            entry.assign(f(.bufferBase).resized(to: 17))
            chunk.assign(0)
            entryBeats.assign(f(.entryBeats))
            for s in stage { s.assign(0) }
        }.otherwise {
            m.when(tokenOK) { waiting.assign(m.falseSignal) }
            m.when(arFire) {
                m.when(rowDone) {
                    m.when(rowsLeft == 1) { issuing.assign(m.falseSignal) }
                    rowsLeft.assign(rowsLeft &- 1)
                    beatsLeft.assign(rowBeats)
                    rowAddr.assign(nextRowAddr)
                    addr.assign(nextRowAddr)
                }.otherwise {
                    beatsLeft.assign(beatsLeft &- n)
                    addr.assign(addr &+ (n.resized(to: aw) << beatShift).truncated(to: aw))
                }
            }
            m.when(take) {
                remaining.assign(remaining &- 1)
                m.when(entryFull) {
                    chunk.assign(0)
                    entry.assign(entry &+ 1)
                    for s in stage { s.assign(0) }
                }.otherwise {
                    chunk.assign(chunk &+ 1)
                    for (l, s) in stage.enumerated() { m.when(chunk == l) { s.assign(io.r.bits.data) } }
                }
            }
            m.when(complete) { active.assign(m.falseSignal) }
        }
        let errorNow = m.wire("error_now", (accept && decodeError != 0) || rangeError)
        m.when(errorNow) { failed.assign(m.trueSignal) }
        io.error.assign(mux(rangeError, m.code(.bufferRange), decodeError))
        io.errorSeq.assign(mux(rangeError, seq, f.sequence))
        io.errorValid.assign(errorNow)
        io.idle.assign(!active && outstanding == 0)
        return Definition(m, io)
    }
}

/// Address bits of a buffer of `depth` entries (at least 1).
func addressBits(_ depth: Int) -> Int { max(1, ceilLog2(depth)) }
