import Formats
import HWCore
import HWLib

/// The compute unit: executes GEMM instructions on the SAT core, drains finished output tiles
/// into OBUF, and runs weight tiles through the update unit.
///
/// Contract:
/// * `insn`: GEMM instructions from the compute queue, one at a time. Before its first beat an
///   instruction waits for a load → compute token (`popPrev`) and a store → compute token
///   (`popNext`), and, when it changes the array's mode, for the array to empty
///   (`SATSystemConfig.modeSwitchWait` cycles after the last beat).
/// * It issues one beat per cycle: beat i reads WBUF entry `wBase + i` and XBUF entry `xBase + i`
///   (sparse) or WBUF entry `wBase + i / k` (its dense word i mod k, k =
///   `SATSystemConfig.denseWordsPerEntry`) and XBUF entry `xBase + i / (M/N)` (dense: slice
///   i mod M/N of the entry's groups); the entries reach the array the next cycle. A closing GEMM's final beat waits until at least
///   R cycles (`SATSystemConfig.updateTileGap` after a weight tile) have passed since the previous
///   tile's last beat, and for a free drain slot.
/// * After its last beat: a compute → load token if `pushPrev`; without `close`, a compute →
///   store token if `pushNext`.
/// * Drain: on each `tile_done` the oldest closed tile reads its R rows (`rd_row` 0 ... R-1, one
///   per cycle); row r is written to OBUF entry `oBase + r` the cycle after it is read, or, for
///   a weight tile (`update`), goes with MBUF entry `mBase + r` through the update unit and its
///   new master weights are written to OBUF a cycle later. Then (after the pre-generated words'
///   writes) the compute → store token if `pushNext`.
/// * Errors (decode): a zero beat count; an update on a sparse or non-closing GEMM, or pregen
///   without update; WBUF/XBUF/OBUF/MBUF/PBUF ranges exceeded.
enum ComputeUnit {
    typealias Ports = ComputePorts

    static func build(_ c: SATSystemConfig) throws -> Definition<Ports> {
        let k = c.core
        let R = k.rows, C = k.cols, N = k.n, M = k.m, d = k.dataWidth
        let core = try SATArray.build(k)
        let updater = try UpdateUnit.build(c)
        let layout = try k.streamLayout
        let m = Module("sat_compute_\(c.tag)")
        m.doc = "Compute unit: GEMM instructions on the SAT core; finished tiles drained into OBUF, weight tiles through the update unit."
        let io = m.ports(Ports(c.shell))
        let f = InstructionFields(word: io.insn.bits)
        let array = m.instance(core, "array")
        let update = m.instance(updater, "update")

        // The instruction being executed.
        let busy = m.reg("busy", .bool, reset: 0)
        let waitPrev = m.reg("wait_prev", .bool, reset: .none)
        let waitNext = m.reg("wait_next", .bool, reset: .none)
        let sparse = m.reg("sparse", .bool, reset: .none)
        let close = m.reg("close", .bool, reset: .none)
        let givePrev = m.reg("push_prev", .bool, reset: .none)
        let giveNext = m.reg("push_next", .bool, reset: .none)
        let wAddr = m.reg("w_addr", .uint(16), reset: .none)
        let xAddr = m.reg("x_addr", .uint(16), reset: .none)
        let beatsLeft = m.reg("beats_left", .uint(16), reset: .none)
        let sliceBits = max(1, ceilLog2(c.denseBeatsPerEntry))
        let slice = m.reg("slice", .uint(sliceBits), reset: .none)
        // The drain job of a closing GEMM: oBase, give, update, pregen, mBase, pfBase, pbBase.
        let jobBits = 16 + 1 + 1 + 1 + 16 + 12 + 12
        let jobFields = m.reg("job_fields", .uint(jobBits), reset: .none)
        let failed = m.reg("failed", .bool, reset: 0)
        let seq = m.reg("seq", .uint(sequenceBits), reset: 0)
        // The array's mode; cycles since the last beat and since the last closing beat.
        let mode = m.reg("mode", .bool, reset: 0)
        let cap = c.sinceCounterCap
        let counterBits = ceilLog2(cap + 1)
        let sinceBeat = m.reg("since_beat", .uint(counterBits), reset: .sync(cap))
        let sinceLast = m.reg("since_last", .uint(counterBits), reset: .sync(cap))
        let lastGap = m.reg("last_gap", .uint(counterBits), reset: .sync(R))

        // Decode checks.
        let beats = f(.beats)
        let wide = 18
        func fits(_ base: Signal, _ count: Signal, _ depth: Int) -> Signal {
            (base.resized(to: wide) &+ count.resized(to: wide)) <= depth
        }
        func fits(_ base: Signal, _ count: Int, _ depth: Int) -> Signal { fits(base, m.const(count, .uint(wide)), depth) }
        let sliceShift = ceilLog2(c.denseBeatsPerEntry)
        let denseEntriesUsed = sliceShift == 0 ? beats : ((beats.resized(to: wide) &+ (c.denseBeatsPerEntry - 1)) >> sliceShift)
        let xEntries = mux(f.flag(.sparse), beats.resized(to: wide), denseEntriesUsed.resized(to: wide))
        // Dense weight words: k to a WBUF entry (k a power of two dividing M/N).
        let wordsPerEntry = c.denseWordsPerEntry, wordShift = ceilLog2(wordsPerEntry)
        let denseWEntries = wordShift == 0 ? beats : ((beats.resized(to: wide) &+ (wordsPerEntry - 1)) >> wordShift)
        let wEntries = mux(f.flag(.sparse), beats.resized(to: wide), denseWEntries.resized(to: wide))
        let upd = f.flag(.update), pre = f.flag(.pregen)
        let decodeError = m.wire("decode_error", m.firstError([
            (beats == 0, .zeroCount),
            ((upd && (f.flag(.sparse) || !f.flag(.close))) || (pre && !upd), .badGEMM),
            (!fits(f(.wBase), wEntries, c.sparseEntries) || !fits(f(.xBase), xEntries, c.denseEntries)
                || (f.flag(.close) && !fits(f(.oBase), R, c.outputEntries))
                || (upd && !fits(f(.mBase), R, c.masterEntries))
                || (pre && (!fits(f(.pfBase), c.forwardWordsPerTile, c.pregenEntries)
                            || !fits(f(.pbBase), c.backwardWordsPerTile, c.pregenEntries))),
             .bufferRange),
        ]))
        let stopped = m.wire("stopped", failed || io.halt)
        io.insn.ready.assign(!busy && !stopped)
        let accept = m.wire("accept", io.insn.fire)

        // Drain jobs, oldest first.
        let jobs = RegisterQueue(in: m, name: "drain", width: jobBits, depth: c.drainSlots)

        // Ready to stream: tokens, mode, and (for a closing GEMM's final beat) the last-beat gap.
        let modeSwitch = m.wire("mode_switch", sparse != mode)
        let arrayEmpty = m.wire("array_empty", sinceBeat >= c.modeSwitchWait)
        let tokensOK = m.wire("tokens_ok", (!waitPrev || io.prevAvailable) && (!waitNext || io.nextAvailable))
        let streaming = m.wire("streaming", busy && !stopped && tokensOK && !modeSwitch)
        let finalBeat = m.wire("final_beat", beatsLeft == 1)
        let gapOK = m.wire("gap_ok", sinceLast >= lastGap)
        let canIssue = m.wire("can_issue", streaming && (!finalBeat || !close || (gapOK && !jobs.full)))
        io.prevTake.assign(streaming && waitPrev)
        io.nextTake.assign(streaming && waitNext)

        // Beat i: read both buffers now, present to the array next cycle.
        io.wREn.assign(canIssue)
        io.xREn.assign(canIssue)
        io.wRAddr.assign(wAddr.resized(to: io.wRAddr.width))
        io.xRAddr.assign(xAddr.resized(to: io.xRAddr.width))
        let present = m.reg("present", next: canIssue, reset: 0)
        let presentLast = m.reg("present_last", next: canIssue && finalBeat && close, reset: .none)
        let presentSlice = m.reg("present_slice", next: slice, reset: .none)
        array.mode.assign(mode)
        // The weight word: sparse, the stream as stored; dense, R x N values re-spaced into the
        // stream's value fields (index fields zero: dense mode ignores them).
        let raw = io.wRData.resized(to: k.streamWidth)
        // The dense word of this beat: word (slice mod k) of the entry.
        let denseSource: Signal
        if wordsPerEntry == 1 {
            denseSource = io.wRData
        } else {
            let wordBits = c.denseWordBits
            let words = Vec((0..<wordsPerEntry).map { io.wRData.bits($0 * wordBits...($0 + 1) * wordBits - 1) })
            denseSource = m.wire("dense_word", words.select(presentSlice.bits(0...(wordShift - 1)), default: words[0]))
        }
        var denseFields: [Signal] = []
        var position = 0
        for r in 0..<R {
            for j in 0..<N {
                let off = layout.entryOffset(group: r, slot: j)
                if off > position { denseFields.append(m.const(0, .uint(off - position))) }
                denseFields.append(denseSource.bits((r * N + j) * d...(r * N + j + 1) * d - 1))
                denseFields.append(m.const(0, .uint(layout.indexBits)))
                position = off + layout.entryBits
            }
        }
        if position < k.streamWidth { denseFields.append(m.const(0, .uint(k.streamWidth - position))) }
        let denseWord = cat(denseFields.last!, Array(denseFields.reversed().dropFirst()))
        array.wStream.assign(mux(mode, raw, denseWord))
        let xWord = io.xRData
        for col in 0..<C {
            func element(_ e: Int) -> Signal { xWord.bits((col * M + e) * d...(col * M + e + 1) * d - 1).asSInt }
            for j in 0..<M {
                if j < N && c.denseBeatsPerEntry > 1 {
                    let choices = Vec((0..<c.denseBeatsPerEntry).map { s in element(s * N + j) })
                    array.inX[col][j].assign(mux(mode, element(j), choices.select(presentSlice, default: element(j))))
                } else {
                    array.inX[col][j].assign(element(j))
                }
            }
        }
        array.inValid.assign(present)
        array.inLast.assign(present && presentLast)
        io.beat.assign(present)
        sinceBeat.assign(mux(present, m.const(1, .uint(counterBits)), mux(sinceBeat == cap, sinceBeat, sinceBeat &+ 1)))
        let closing = m.wire("closing", present && presentLast)
        sinceLast.assign(mux(closing, m.const(1, .uint(counterBits)), mux(sinceLast == cap, sinceLast, sinceLast &+ 1)))

        let done = m.wire("stream_done", canIssue && finalBeat)
        io.givePrev.assign(done && givePrev)
        jobs.push(done && close, jobFields)
        // The gap the next closing beat keeps after this one.
        m.when(done && close) {
            lastGap.assign(mux(jobFields.bit(17), m.const(c.updateTileGap, .uint(counterBits)), m.const(R, .uint(counterBits))))
        }

        m.when(accept) {
            busy.assign(decodeError == 0)
            waitPrev.assign(f.flag(.popPrev))
            waitNext.assign(f.flag(.popNext))
            sparse.assign(f.flag(.sparse))
            close.assign(f.flag(.close))
            givePrev.assign(f.flag(.pushPrev))
            giveNext.assign(f.flag(.pushNext))
            seq.assign(f.sequence)
            wAddr.assign(f(.wBase))
            xAddr.assign(f(.xBase))
            beatsLeft.assign(beats)
            slice.assign(0)
            jobFields.assign(cat(f(.pbBase), f(.pfBase), f(.mBase), f.flag(.pregen), f.flag(.update), f.flag(.pushNext), f(.oBase)))
        }.otherwise {
            m.when(busy && !stopped && modeSwitch && arrayEmpty) { mode.assign(sparse) }
            m.when(streaming) {
                waitPrev.assign(m.falseSignal)
                waitNext.assign(m.falseSignal)
            }
            m.when(canIssue) {
                // The slice counts dense beats within an XBUF entry (M/N); k divides M/N, so its
                // low bits count the words within a WBUF entry.
                let nextWEntry = sparse || (wordsPerEntry == 1 ? m.trueSignal : slice.bits(0...(wordShift - 1)) == wordsPerEntry - 1)
                m.when(nextWEntry) { wAddr.assign(wAddr &+ 1) }
                let nextEntry = sparse || (c.denseBeatsPerEntry == 1 ? m.trueSignal : slice == c.denseBeatsPerEntry - 1)
                m.when(nextEntry) {
                    xAddr.assign(xAddr &+ 1)
                    slice.assign(0)
                }.otherwise { slice.assign(slice &+ 1) }
                beatsLeft.assign(beatsLeft &- 1)
                m.when(finalBeat) { busy.assign(m.falseSignal) }
            }
        }

        // Drain: R rows per finished tile, rd_row r at cycle t.
        let rowBits = max(1, ceilLog2(R))
        let draining = m.reg("draining", .bool, reset: 0)
        let row = m.reg("row", .uint(rowBits), reset: .none)
        let job = m.reg("job", .uint(jobBits), reset: .none)
        let start = m.wire("drain_start", array.tileDone && !jobs.empty)
        jobs.pop(start)
        let lastRow = m.wire("last_row", row == R - 1)
        m.when(start) {
            draining.assign(m.trueSignal)
            row.assign(0)
            job.assign(jobs.head)
        }.elseWhen(draining) {
            row.assign(row &+ 1)
            m.when(lastRow) { draining.assign(m.falseSignal) }
        }
        let jobOBase = job.bits(0...15), jobGive = job.bit(16), jobUpdate = job.bit(17), jobPregen = job.bit(18)
        let jobMBase = job.bits(19...34), jobPfBase = job.bits(35...46), jobPbBase = job.bits(47...58)
        array.rdRow.assign(row.resized(to: array.rdRow.width))
        io.mREn.assign(draining && jobUpdate)
        io.mRAddr.assign((jobMBase &+ row.resized(to: 16)).resized(to: io.mRAddr.width))

        // Rows read last cycle: straight to OBUF, or into the update unit.
        let readValid = m.reg("read_valid", next: draining, reset: 0)
        let readRow = m.reg("read_row", next: row, reset: .none)
        let readLast = m.reg("read_last", next: draining && lastRow, reset: 0)
        update.inValid.assign(readValid && jobUpdate)
        update.inFirst.assign(readRow == 0)
        for col in 0..<C {
            update.dw[col].assign(array.rdData[col])
            update.master[col].assign(io.mRData.bits(col * c.weights.masterBits...(col + 1) * c.weights.masterBits - 1).asSInt)
        }
        update.pregen.assign(jobPregen)
        update.pfBase.assign(jobPfBase)
        update.pbBase.assign(jobPbBase)
        let updRow = m.reg("upd_row", next: readRow, reset: .none)
        let updLast = m.reg("upd_last", next: readLast && jobUpdate, reset: 0)
        let plainWrite = m.wire("plain_write", readValid && !jobUpdate)
        io.oWEn.assign(plainWrite || update.outValid)
        let writeRow = mux(update.outValid, updRow, readRow)
        io.oWAddr.assign((jobOBase &+ writeRow.resized(to: 16)).resized(to: io.oWAddr.width))
        let results = Vec(array.rdData.elements.map { $0.asUInt }).packed!
        let masters = Vec(update.masterOut.elements.map { $0.asUInt }).packed!
        io.oWData.assign(mux(update.outValid, masters.resized(to: io.oWData.width), results.resized(to: io.oWData.width)))
        io.pWEn.assign(update.pWEn)
        io.pWAddr.assign(update.pWAddr)
        io.pWLanes.assign(update.pWLanes)
        io.pWData.assign(update.pWData)
        // The compute -> store token: after the tile's last OBUF write, or its last pregen write.
        let seqBits = max(1, ceilLog2(c.pregenWordsPerTile + 1))
        let pregenCount = m.reg("pregen_count", .uint(seqBits), reset: 0)
        m.when(update.pWEn) { pregenCount.assign(mux(pregenCount == c.pregenWordsPerTile - 1, m.const(0, .uint(seqBits)), pregenCount &+ 1)) }
        let pregenLast = m.wire("pregen_last", update.pWEn && pregenCount == c.pregenWordsPerTile - 1)
        let tileWritten = m.wire("tile_written", (readLast && !jobUpdate) || (updLast && !jobPregen) || pregenLast)
        io.giveNext.assign((tileWritten && jobGive) || (done && !close && giveNext))

        let errorNow = m.wire("error_now", accept && decodeError != 0)
        m.when(errorNow) { failed.assign(m.trueSignal) }
        io.error.assign(decodeError)
        io.errorSeq.assign(f.sequence)
        io.errorValid.assign(errorNow)
        io.idle.assign(!busy && !draining && !readValid && !update.outValid && !update.busy && jobs.empty && !present)
        _ = seq
        return Definition(m, io)
    }
}

/// A small first-in first-out queue of `width`-bit entries held in registers, built inside a
/// module (for the controller's bookkeeping; data queues use HWLib's FIFOs).
struct RegisterQueue {
    let head: Signal
    let empty: Signal
    let full: Signal
    let pushValue: Signal
    let pushEnable: Signal
    let popEnable: Signal

    init(in m: Module, name: String, width: Int, depth: Int) {
        let pw = max(1, ceilLog2(depth))
        let cw = ceilLog2(depth + 1)
        let entries = (0..<depth).map { m.reg("\(name)_\($0)", .uint(width), reset: .none) }
        let rd = m.reg("\(name)_rd", .uint(pw), reset: 0)
        let wr = m.reg("\(name)_wr", .uint(pw), reset: 0)
        let count = m.reg("\(name)_count", .uint(cw), reset: 0)
        pushEnable = m.wire("\(name)_push", .bool)
        popEnable = m.wire("\(name)_pop", .bool)
        pushValue = m.wire("\(name)_in", .uint(width))
        head = m.wire("\(name)_head", Vec(entries).select(rd, default: m.const(0, .uint(width))))
        empty = m.wire("\(name)_empty", count == 0)
        full = m.wire("\(name)_full", count == depth)
        func advance(_ p: Signal) -> Signal { depth & (depth - 1) == 0 ? p &+ 1 : mux(p == depth - 1, m.const(0, .uint(pw)), p &+ 1) }
        for (i, e) in entries.enumerated() {
            m.when(pushEnable && wr == i) { e.assign(pushValue) }
        }
        m.when(pushEnable) { wr.assign(advance(wr)) }
        m.when(popEnable) { rd.assign(advance(rd)) }
        count.assign(count &+ pushEnable.extended(to: cw) &- popEnable.extended(to: cw))
    }

    func push(_ enable: Signal, _ value: Signal) {
        pushEnable.assign(enable)
        pushValue.assign(value)
    }

    func pop(_ enable: Signal) { popEnable.assign(enable) }
}
