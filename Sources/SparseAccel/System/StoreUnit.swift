import Formats
import HWCore
import HWLib

/// The store unit: executes STORE instructions, OBUF or PBUF → DRAM, through the memory port's
/// write channels.
///
/// Contract:
/// * `insn`: STORE instructions from the store queue, one at a time. An instruction waits for a
///   compute → store token when `popPrev` is set.
/// * Write requests (`aw`) for `rows` rows of `rowBeats` beats, row i at `dramAddr + i ·
///   dramStride`, each at most `maxBeats` beats, one per cycle, up to `maxOutstanding` without
///   a write response. Write data (`w`) follows in request order, only for requests already
///   issued, `entryBeats` beats per buffer entry from `bufferBase` on (the entry read one cycle
///   ahead, so a beat can leave every cycle); `last` closes each request.
/// * Once an instruction's requests are issued and its data sent, the next instruction is
///   accepted (the cycle after) while the acknowledgements of up to ``StoreUnit/ackSlots``
///   instructions are outstanding. When an instruction's last acknowledgement arrives it
///   completes: `tokenGive` (a store → compute token) if `pushPrev`.
/// * Errors: a buffer STORE cannot drain, a zero count, `entryBeats` beyond the entry, a
///   misaligned or out-of-range address, an entry past the buffer's end, a refused write
///   (`b_ok` = 0). After an error (or with `halt`) no new request is issued, but the data of
///   issued requests is still sent and responses accepted, so the memory side never blocks.
enum StoreUnit {
    struct Ports: Interface {
        @Input(BitsType.uint(queuedInstructionBits)) var insn: Decoupled<Signal>
        @Output var aw: Decoupled<MemRequest>
        @Output var w: Decoupled<MemWriteBeat>
        @Input var b: Decoupled<MemAck>
        @Input(.bool) var tokenAvailable: Signal
        @Output(.bool) var tokenTake: Signal
        @Output(.bool) var tokenGive: Signal
        @Output(.bool) var oREn: Signal
        @Output var oRAddr: Signal
        @Input var oRData: Signal
        @Output(.bool) var pREn: Signal
        @Output var pRAddr: Signal
        @Input var pRData: Signal
        @Input(.bool) var halt: Signal
        @Output(.bool) var idle: Signal
        @Output var error: Signal
        @Output var errorSeq: Signal
        @Output(.bool) var errorValid: Signal

        init(_ c: SystemShell) {
            _aw = Output(c.memory)
            _w = Output(c.memory)
            _b = Input(c.memory)
            _oRAddr = Output(.uint(c.addressBits(.o)))
            _oRData = Input(.uint(c.dmaBits(.o)))
            _pRAddr = Output(.uint(c.addressBits(.p)))
            _pRData = Input(.uint(c.dmaBits(.p)))
            _error = Output(.uint(SystemError.bits))
            _errorSeq = Output(.uint(sequenceBits))
        }
    }

    /// Instructions whose writes are all issued and not all acknowledged.
    static let ackSlots = 4

    static func build(_ c: SystemShell) -> Definition<Ports> {
        let m = Module("\(c.prefix)_store_\(c.tag)")
        m.doc = "Store unit: STORE instructions, OBUF/PBUF -> DRAM through the memory port's write channels."
        let io = m.ports(Ports(c))
        let f = InstructionFields(word: io.insn.bits)
        let spec = c.memory
        let beatShift = ceilLog2(spec.beatBytes)
        let aw = spec.addrBits
        let maxChunks = max(c.chunks(.o), c.chunks(.p))
        let countBits = ceilLog2(c.maxOutstanding + 1)

        let active = m.reg("active", .bool, reset: 0)
        let waiting = m.reg("waiting", .bool, reset: 0)
        let issuing = m.reg("issuing", .bool, reset: 0)
        let fromP = m.reg("from_p", .bool, reset: .none)
        let seq = m.reg("seq", .uint(sequenceBits), reset: 0)
        let failed = m.reg("failed", .bool, reset: 0)
        let rowsLeft = m.reg("rows_left", .uint(12), reset: .none)
        let rowBeats = m.reg("row_beats", .uint(12), reset: .none)
        let beatsLeft = m.reg("beats_left", .uint(12), reset: .none)
        let addr = m.reg("addr", .uint(aw), reset: .none)
        let rowAddr = m.reg("row_addr", .uint(aw), reset: .none)
        let stride = m.reg("stride", .uint(aw), reset: .none)
        let entryBeats = m.reg("entry_beats", .uint(8), reset: .none)
        // Requests issued and not answered; issued requests whose data is not all sent.
        let outstanding = m.reg("outstanding", .uint(countBits), reset: 0)
        let dataPending = m.reg("data_pending", .uint(countBits), reset: 0)
        // Write data: beats left, position in the row and request, the entry on the read port.
        let wLeft = m.reg("w_left", .uint(24), reset: 0)
        let wRowLeft = m.reg("w_row_left", .uint(12), reset: .none)
        let wReqLeft = m.reg("w_req_left", .uint(12), reset: .none)
        let have = m.reg("have", .bool, reset: 0)
        let chunk = m.reg("chunk", .uint(8), reset: .none)
        let readEntry = m.reg("read_entry", .uint(17), reset: .none)
        let unread = m.reg("unread", .uint(24), reset: 0)   // beats whose entry is not read yet

        let buf = f(.buffer)
        let chunksOf = mux(buf == Int(BufferID.o.rawValue), m.const(c.chunks(.o), .uint(8)), m.const(c.chunks(.p), .uint(8)))
        let dram = f(.dramAddr), dramStride = f(.dramStride)
        func misalignedField(_ s: Signal) -> Signal { beatShift == 0 ? m.falseSignal : s.bits(0...(beatShift - 1)) != 0 }
        func beyond(_ s: Signal) -> Signal { s.width > aw ? s.bits(aw...(s.width - 1)) != 0 : m.falseSignal }
        let decodeError = m.wire("decode_error", m.firstError([
            (c.p == nil ? buf != Int(BufferID.o.rawValue) : buf != Int(BufferID.o.rawValue) && buf != Int(BufferID.p.rawValue), .badBuffer),
            (f(.rows) == 0 || f(.rowBeats) == 0 || f(.entryBeats) == 0, .zeroCount),
            (f(.entryBeats) > chunksOf, .entryBeats),
            (misalignedField(dram) || misalignedField(dramStride), .misaligned),
            (beyond(dram) || beyond(dramStride), .dramRange),
        ]))

        let stopped = m.wire("stopped", failed || io.halt)
        let acks = RegisterQueue(in: m, name: "acks", width: 24 + 1 + sequenceBits, depth: ackSlots)
        io.insn.ready.assign(!active && !stopped && !acks.full)
        let accept = m.wire("accept", io.insn.fire)
        let tokenOK = m.wire("token_ok", active && waiting && io.tokenAvailable && !stopped)
        io.tokenTake.assign(tokenOK)

        // Write requests.
        let maxBeats = m.const(spec.maxBeats, .uint(12))
        let n = m.wire("req_beats", mux(beatsLeft > maxBeats, maxBeats, beatsLeft))
        io.aw.valid.assign(active && issuing && !waiting && !stopped && outstanding != c.maxOutstanding)
        io.aw.bits.addr.assign(addr)
        io.aw.bits.len.assign((n &- 1).truncated(to: spec.lenBits))
        let awFire = m.wire("aw_fire", io.aw.fire)
        let rowDone = m.wire("row_done", n == beatsLeft)
        let nextRowAddr = m.wire("next_row_addr", rowAddr &+ stride)

        // Buffer reads: the entry for the beats to come is read one cycle ahead.
        let depth = mux(fromP, m.const(c.entries(.p), .uint(17)), m.const(c.entries(.o), .uint(17)))
        let wFire = m.wire("w_fire", io.w.fire)
        let entryEnd = m.wire("entry_end", chunk == entryBeats &- 1 || wLeft == 1)
        let readNow = m.wire("read_now", active && !waiting && unread != 0 && (!have || (wFire && entryEnd)))
        let readOK = m.wire("read_ok", readEntry < depth)
        let read = m.wire("read", readNow && readOK && !failed)
        io.oREn.assign(read && !fromP)
        io.pREn.assign(read && fromP)
        io.oRAddr.assign(readEntry.resized(to: io.oRAddr.width))
        io.pRAddr.assign(readEntry.resized(to: io.pRAddr.width))
        let data = mux(fromP, io.pRData.resized(to: maxChunks * spec.dataBits), io.oRData.resized(to: maxChunks * spec.dataBits))
        let lanes = Vec((0..<maxChunks).map { data.bits($0 * spec.dataBits...($0 + 1) * spec.dataBits - 1) })

        io.w.valid.assign(have && dataPending != 0)
        io.w.bits.data.assign(lanes.select(chunk.resized(to: max(1, ceilLog2(maxChunks))), default: m.const(0, .uint(spec.dataBits))))
        io.w.bits.strb.assign(m.allOnes(spec.beatBytes))
        io.w.bits.last.assign(wReqLeft == 1)
        let requestSent = m.wire("request_sent", wFire && wReqLeft == 1)
        dataPending.assign(dataPending &+ awFire.extended(to: countBits) &- requestSent.extended(to: countBits))

        io.b.ready.assign(m.trueSignal)
        let bFire = m.wire("b_fire", io.b.fire)
        outstanding.assign(outstanding &+ awFire.extended(to: countBits) &- bFire.extended(to: countBits))

        // The issue stage is done with an instruction once its requests are issued and its data
        // sent; its acknowledgements are counted by the ack queue (instructions in order).
        let issued = m.wire("issued", active && !waiting && !issuing && wLeft == 0 && dataPending == 0 && !stopped)
        let requestsPerRow = m.wire("requests_per_row", ((f(.rowBeats).resized(to: 13) &+ (spec.maxBeats - 1)) >> ceilLog2(spec.maxBeats)).resized(to: 12))
        acks.push(accept && decodeError == 0, cat(f.sequence, f.flag(.pushPrev), (f(.rows) * requestsPerRow).resized(to: 24)))
        let ackHead = acks.head
        let ackTotal = ackHead.bits(0...23), ackGive = ackHead.bit(24), ackSeq = ackHead.bits(25...(24 + sequenceBits))
        let acked = m.reg("acked", .uint(24), reset: 0)
        let complete = m.wire("complete", bFire && !acks.empty && acked &+ 1 == ackTotal)
        acks.pop(complete)
        m.when(bFire && !acks.empty) { acked.assign(mux(complete, m.const(0, .uint(24)), acked &+ 1)) }
        io.tokenGive.assign(complete && ackGive)

        let wRowNext = m.wire("w_row_next", mux(wRowLeft == 1, rowBeats, wRowLeft &- 1))
        m.when(accept) {
            active.assign(decodeError == 0)
            waiting.assign(f.flag(.popPrev))
            issuing.assign(m.trueSignal)
            fromP.assign(buf == Int(BufferID.p.rawValue))
            seq.assign(f.sequence)
            rowsLeft.assign(f(.rows))
            rowBeats.assign(f(.rowBeats))
            beatsLeft.assign(f(.rowBeats))
            addr.assign(dram.resized(to: aw))
            rowAddr.assign(dram.resized(to: aw))
            stride.assign(dramStride.resized(to: aw))
            entryBeats.assign(f(.entryBeats))
            wLeft.assign((f(.rows) * f(.rowBeats)).resized(to: 24))
            wRowLeft.assign(f(.rowBeats))
            wReqLeft.assign(mux(f(.rowBeats) > maxBeats, maxBeats, f(.rowBeats)))
            chunk.assign(0)
            readEntry.assign(f(.bufferBase).resized(to: 17))
            unread.assign((f(.rows) * f(.rowBeats)).resized(to: 24))
        }.otherwise {
            m.when(tokenOK) { waiting.assign(m.falseSignal) }
            m.when(awFire) {
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
            m.when(read) {
                readEntry.assign(readEntry &+ 1)
                unread.assign(mux(unread > entryBeats.extended(to: 24), unread &- entryBeats.extended(to: 24), m.const(0, .uint(24))))
                have.assign(m.trueSignal)
            }
            m.when(wFire) {
                wLeft.assign(wLeft &- 1)
                wRowLeft.assign(wRowNext)
                wReqLeft.assign(mux(wReqLeft == 1, mux(wRowNext > maxBeats, maxBeats, wRowNext), wReqLeft &- 1))
                m.when(entryEnd) {
                    chunk.assign(0)
                    m.when(!read) { have.assign(m.falseSignal) }
                }.otherwise { chunk.assign(chunk &+ 1) }
            }
            m.when(issued) { active.assign(m.falseSignal) }
        }
        let rangeError = m.wire("range_error", readNow && !readOK && !failed)
        let writeError = m.wire("write_error", bFire && !io.b.bits.ok)
        let errorNow = m.wire("error_now", (accept && decodeError != 0) || rangeError || writeError)
        m.when(errorNow) { failed.assign(m.trueSignal) }
        io.error.assign(mux(accept, decodeError, mux(rangeError, m.code(.bufferRange), m.code(.writeFailed))))
        io.errorSeq.assign(mux(accept, f.sequence, mux(rangeError, seq, ackSeq)))
        io.errorValid.assign(errorNow)
        io.idle.assign(!active && acks.empty && outstanding == 0 && dataPending == 0)
        return Definition(m, io)
    }
}
