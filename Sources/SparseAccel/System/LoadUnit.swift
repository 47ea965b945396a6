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
/// * Issue and receive are decoupled: once an instruction's last request is issued the next
///   instruction is accepted (the cycle after), while up to ``LoadUnit/receiveSlots``
///   instructions' data is still arriving (so DRAM latency is paid once per stream, not once
///   per instruction). When an instruction's last beat arrives it completes (that cycle):
///   `tokenGive` (a load → compute token) if `pushNext`.
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

        init(_ c: SystemShell) {
            _ar = Output(c.memory)
            _r = Input(c.memory)
            _xWAddr = Output(.uint(c.addressBits(.x)))
            _xWData = Output(.uint(c.dmaBits(.x)))
            _wWAddr = Output(.uint(c.addressBits(.w)))
            _wWData = Output(.uint(c.dmaBits(.w)))
            _mWAddr = Output(.uint(c.addressBits(.m)))
            _mWData = Output(.uint(c.dmaBits(.m)))
            _error = Output(.uint(SystemError.bits))
            _errorSeq = Output(.uint(sequenceBits))
        }
    }

    /// Instructions whose requests are issued and whose data is still arriving.
    static let receiveSlots = 4

    static func build(_ c: SystemShell) -> Definition<Ports> {
        let m = Module("\(c.prefix)_load_\(c.tag)")
        m.doc = "Load unit: LOAD instructions, DRAM -> XBUF/WBUF/MBUF through the memory port's read channels."
        let io = m.ports(Ports(c))
        let f = InstructionFields(word: io.insn.bits)
        let spec = c.memory
        let beatShift = ceilLog2(spec.beatBytes)
        let aw = spec.addrBits
        let maxChunks = max(c.chunks(.x), c.chunks(.w), c.chunks(.m))

        // Issue stage: the instruction whose read requests are being issued.
        let active = m.reg("active", .bool, reset: 0)
        let waiting = m.reg("waiting", .bool, reset: 0)      // for the compute -> load token
        let rowsLeft = m.reg("rows_left", .uint(12), reset: .none)
        let rowBeats = m.reg("row_beats", .uint(12), reset: .none)
        let beatsLeft = m.reg("beats_left", .uint(12), reset: .none)  // to request in this row
        let addr = m.reg("addr", .uint(aw), reset: .none)             // next request
        let rowAddr = m.reg("row_addr", .uint(aw), reset: .none)       // current row's start
        let stride = m.reg("stride", .uint(aw), reset: .none)
        let failed = m.reg("failed", .bool, reset: 0)
        let outstanding = m.reg("outstanding", .uint(ceilLog2(c.maxOutstanding + 1)), reset: 0)

        // Receive stage: per accepted instruction, in order, where its beats go: target (2),
        // buffer base (17), entryBeats (8), total beats (24), give (1), sequence number (16).
        let descBits = 2 + 17 + 8 + 24 + 1 + sequenceBits
        let receive = RegisterQueue(in: m, name: "recv", width: descBits, depth: receiveSlots)
        let head = receive.head
        let target = m.wire("target", head.bits(0...1))
        let base = head.bits(2...18), entryBeats = head.bits(19...26), total = head.bits(27...50)
        let give = head.bit(51), headSeq = head.bits(52...(51 + sequenceBits))
        let got = m.reg("got", .uint(24), reset: 0)          // beats of the head instruction so far
        let entryOffset = m.reg("entry_offset", .uint(17), reset: 0)
        let chunk = m.reg("chunk", .uint(8), reset: 0)
        let stage = (0..<maxChunks).map { m.reg("stage_\($0)", .uint(spec.dataBits), reset: .none) }

        // Decode checks of the instruction offered now.
        let buf = f(.buffer)
        let chunksOf = mux(buf == Int(BufferID.x.rawValue), m.const(c.chunks(.x), .uint(8)),
                           mux(buf == Int(BufferID.w.rawValue), m.const(c.chunks(.w), .uint(8)), m.const(c.chunks(.m), .uint(8))))
        // X and W always exist; M only where the engine keeps master weights.
        let lastLoadable = c.m == nil ? BufferID.w : BufferID.m
        let dram = f(.dramAddr), dramStride = f(.dramStride)
        func misalignedField(_ s: Signal) -> Signal { beatShift == 0 ? m.falseSignal : s.bits(0...(beatShift - 1)) != 0 }
        func beyond(_ s: Signal) -> Signal { s.width > aw ? s.bits(aw...(s.width - 1)) != 0 : m.falseSignal }
        let decodeError = m.wire("decode_error", m.firstError([
            (buf > Int(lastLoadable.rawValue), .badBuffer),
            (f(.rows) == 0 || f(.rowBeats) == 0 || f(.entryBeats) == 0, .zeroCount),
            (f(.entryBeats) > chunksOf, .entryBeats),
            (misalignedField(dram) || misalignedField(dramStride), .misaligned),
            (beyond(dram) || beyond(dramStride), .dramRange),
        ]))

        let stopped = m.wire("stopped", failed || io.halt)
        io.insn.ready.assign(!active && !stopped && !receive.full)
        let accept = m.wire("accept", io.insn.fire)
        receive.push(accept && decodeError == 0,
                     cat(f.sequence, f.flag(.pushNext), (f(.rows) * f(.rowBeats)).resized(to: 24), f(.entryBeats),
                         f(.bufferBase).resized(to: 17), buf.truncated(to: 2)))

        // Token wait.
        let tokenOK = m.wire("token_ok", active && waiting && io.tokenAvailable && !stopped)
        io.tokenTake.assign(tokenOK)

        // Read requests: one per cycle, up to maxOutstanding in flight.
        let maxBeats = m.const(spec.maxBeats, .uint(12))
        let n = m.wire("req_beats", mux(beatsLeft > maxBeats, maxBeats, beatsLeft))
        io.ar.valid.assign(active && !waiting && !stopped && outstanding != c.maxOutstanding)
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

        // Entry assembly for the head instruction: the beat goes to chunk `chunk`; the entry is
        // written when it is full or the instruction's last beat arrives.
        let take = m.wire("take", rFire && !receive.empty && !failed)
        let last = m.wire("last_beat", got &+ 1 == total)
        let entryFull = m.wire("entry_full", chunk == entryBeats &- 1 || last)
        let merged = (0..<maxChunks).map { l in mux(chunk == l, io.r.bits.data, stage[l]) }
        let entry = m.wire("entry", base &+ entryOffset)
        let depth = mux(target == Int(BufferID.x.rawValue), m.const(c.entries(.x), .uint(17)),
                        mux(target == Int(BufferID.w.rawValue), m.const(c.entries(.w), .uint(17)), m.const(c.entries(.m), .uint(17))))
        let inRange = m.wire("in_range", entry < depth)
        let write = m.wire("write", take && entryFull && inRange)
        func port(_ en: Signal, _ a: Signal, _ d: Signal, _ id: BufferID, chunks: Int) {
            en.assign(write && target == Int(id.rawValue))
            a.assign(entry.resized(to: a.width))
            // cat puts its first argument in the high bits: chunk 0 goes last.
            let lanes = Array(merged[0..<chunks].reversed())
            d.assign(cat(lanes[0], Array(lanes.dropFirst())).resized(to: d.width))
        }
        port(io.xWEn, io.xWAddr, io.xWData, .x, chunks: c.chunks(.x))
        port(io.wWEn, io.wWAddr, io.wWData, .w, chunks: c.chunks(.w))
        port(io.mWEn, io.mWAddr, io.mWData, .m, chunks: c.chunks(.m))
        let rangeError = m.wire("range_error", take && entryFull && !inRange)
        let complete = m.wire("complete", take && last)
        receive.pop(complete)
        io.tokenGive.assign(complete && give)
        m.when(take) {
            m.when(last) {
                got.assign(0)
                entryOffset.assign(0)
                chunk.assign(0)
                for s in stage { s.assign(0) }
            }.otherwise {
                got.assign(got &+ 1)
                m.when(entryFull) {
                    chunk.assign(0)
                    entryOffset.assign(entryOffset &+ 1)
                    for s in stage { s.assign(0) }
                }.otherwise {
                    chunk.assign(chunk &+ 1)
                    for (l, s) in stage.enumerated() { m.when(chunk == l) { s.assign(io.r.bits.data) } }
                }
            }
        }

        // Issue stage registers.
        m.when(accept) {
            active.assign(decodeError == 0)
            waiting.assign(f.flag(.popNext))
            rowsLeft.assign(f(.rows))
            rowBeats.assign(f(.rowBeats))
            beatsLeft.assign(f(.rowBeats))
            addr.assign(dram.resized(to: aw))
            rowAddr.assign(dram.resized(to: aw))
            stride.assign(dramStride.resized(to: aw))
        }.otherwise {
            m.when(tokenOK) { waiting.assign(m.falseSignal) }
            m.when(arFire) {
                m.when(rowDone) {
                    m.when(rowsLeft == 1) { active.assign(m.falseSignal) }
                    rowsLeft.assign(rowsLeft &- 1)
                    beatsLeft.assign(rowBeats)
                    rowAddr.assign(nextRowAddr)
                    addr.assign(nextRowAddr)
                }.otherwise {
                    beatsLeft.assign(beatsLeft &- n)
                    addr.assign(addr &+ (n.resized(to: aw) << beatShift).truncated(to: aw))
                }
            }
        }
        let errorNow = m.wire("error_now", (accept && decodeError != 0) || rangeError)
        m.when(errorNow) { failed.assign(m.trueSignal) }
        io.error.assign(mux(rangeError, m.code(.bufferRange), decodeError))
        io.errorSeq.assign(mux(rangeError, headSeq, f.sequence))
        io.errorValid.assign(errorNow)
        io.idle.assign(!active && receive.empty && outstanding == 0)
        return Definition(m, io)
    }
}

/// Address bits of a buffer of `depth` entries (at least 1).
func addressBits(_ depth: Int) -> Int { max(1, ceilLog2(depth)) }
