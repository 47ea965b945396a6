import Formats
import HWCore
import HWLib

/// The SparseTrain system's compute unit: executes RUN instructions (``Formats/Instruction``) on
/// the ping-pong SparseTrain array (``SparseTrainBankedArray``), as three in-order stages that
/// overlap: the loader fills run k+1's bank while run k computes and the drainer empties run
/// k−1's results.
///
/// Contract (``ComputePorts``):
/// * Loader: accepts a RUN when it is free and at most one earlier run has not finished
///   computing (the bank it fills, k mod 2, was last used by run k−2, which has finished). It
///   waits for a load → compute token (`popPrev`), then reads WBUF `wBase` (every PE's entry
///   count) and XBUF `xBase` ... `xBase + words − 1` (entry j: every PE's entry word j), one
///   buffer read per cycle, and writes each into the bank one cycle after its read: the counts,
///   then word j of every PE at address j. After the last write it gives a compute → load token
///   (`pushPrev`: the XBUF and WBUF entries are free) and hands the run to the starter (or waits
///   until the starter's slot is free).
/// * Starter: starts the loaded run (`stride` 2^`strideLog2`, its bank) when the array has no run
///   in progress (or ends one in this cycle) and at most one started run has not been drained
///   (its result bank was drained). The array's run ends when every PE has finished its queue.
/// * Drainer: in order of the runs' ends, waits for a store → compute token (`popNext`), then
///   writes result slots 0 ..< `slots` of every PE to OBUF: slot s of PE i to entry
///   `oBase + s·R·C + i`, one entry per cycle, and one cycle per slot to read the slot; after the
///   last write a compute → store token (`pushNext`).
/// * `beat`: the array is running (so the system's `beats` counter is Σ of the runs' cycles, the
///   array's own count). `idle`: no RUN in any stage.
/// * Errors (decode): `words` or `slots` zero (`zeroCount`); `words` beyond a bank's operand
///   memory, `slots` beyond a bank's result slots, or the XBUF, WBUF or OBUF entries beyond the
///   buffer (`bufferRange`).
enum SparseTrainComputeUnit {
    typealias Ports = ComputePorts

    static func build(_ c: SparseTrainSystemConfig) throws -> Definition<Ports> {
        try c.validate()
        let a = c.array
        let pes = c.pes
        let arrayDef = try SparseTrainBankedArray.build(a)
        let m = Module("st_compute_\(c.tag)_m\(a.depth)_s\(a.slots)")
        m.doc = "Compute unit: RUN instructions on the ping-pong SparseTrain array; loading, running and draining of consecutive runs overlap."
        let io = m.ports(Ports(c.shell))
        let f = InstructionFields(word: io.insn.bits)
        let array = m.instance(arrayDef, "array")
        let failed = m.reg("failed", .bool, reset: 0)
        let stopped = m.wire("stopped", failed || io.halt)

        // Decode checks.
        let wide = 20
        func sum(_ x: Signal, _ y: Signal) -> Signal { x.resized(to: wide) &+ y.resized(to: wide) }
        let words = f(.words), slots = f(.slots)
        let slotEntries = (slots * pes).resized(to: wide)
        let decodeError = m.wire("decode_error", m.firstError([
            (words == 0 || slots == 0, .zeroCount),
            (words.resized(to: wide) > a.depth || slots.resized(to: wide) > a.slots || f(.wBase).resized(to: wide) >= c.wEntries
                || sum(f(.xBase), words) > c.xEntries || sum(f(.oBase), slotEntries) > c.oEntries, .bufferRange),
        ]))

        // Runs between the loader's accept and the array's end of the run, and between the
        // start and the end of the drain (each at most 2: one per bank).
        let loadsAhead = m.reg("loads_ahead", .uint(2), reset: 0)
        let undrained = m.reg("undrained", .uint(2), reset: 0)

        // Loader.
        let ldActive = m.reg("ld_active", .bool, reset: 0)
        let ldWait = m.reg("ld_wait", .bool, reset: 0)
        let ldBank = m.reg("ld_bank", .bool, reset: .none)
        let nextBank = m.reg("next_bank", .bool, reset: 0)
        let ldGive = m.reg("ld_give", .bool, reset: .none)
        let ldW = m.reg("ld_w", .uint(16), reset: .none)
        let ldX = m.reg("ld_x", .uint(16), reset: .none)
        let ldWords = m.reg("ld_words", .uint(16), reset: .none)
        let rdIdx = m.reg("rd_idx", .uint(17), reset: .none)
        // The run's fields for the later stages: oBase (16), slots (12), stride (2), pushNext, popNext.
        let runBits = 16 + 12 + 2 + 1 + 1
        let ldRun = m.reg("ld_run", .uint(runBits), reset: .none)
        let wrValid = m.reg("wr_valid", .bool, reset: 0)
        let wrCount = m.reg("wr_count", .bool, reset: .none)
        let wrAddr = m.reg("wr_addr", .uint(16), reset: .none)

        io.insn.ready.assign(!ldActive && !stopped && loadsAhead < 2)
        let accept = m.wire("accept", io.insn.fire)
        let acceptOK = m.wire("accept_ok", accept && decodeError == 0)
        let tokenOK = m.wire("ld_token_ok", ldActive && ldWait && io.prevAvailable && !stopped)
        io.prevTake.assign(tokenOK)
        let issue = m.wire("ld_issue", ldActive && !ldWait && !stopped && rdIdx.resized(to: 17) <= ldWords.resized(to: 17))
        let first = m.wire("ld_first", rdIdx == 0)
        io.wREn.assign(issue && first)
        io.wRAddr.assign(ldW.resized(to: io.wRAddr.width))
        io.xREn.assign(issue && !first)
        io.xRAddr.assign((ldX &+ (rdIdx.truncated(to: 16) &- 1)).resized(to: io.xRAddr.width))
        m.when(acceptOK) { rdIdx.assign(0) }.elseWhen(issue) { rdIdx.assign(rdIdx &+ 1) }
        wrValid.assign(issue)
        wrCount.assign(first)
        wrAddr.assign(rdIdx.truncated(to: 16) &- 1)
        array.ldEn.assign(wrValid && !wrCount)
        array.ldCountEn.assign(wrValid && wrCount)
        array.ldBank.assign(ldBank)
        array.ldAddr.assign(wrAddr.resized(to: a.addrWidth))
        array.ldWords.assign(io.xRData.resized(to: pes * a.wordBits))
        array.ldCounts.assign(io.wRData.resized(to: pes * a.countWidth))
        let loaded = m.wire("loaded", ldActive && !ldWait && rdIdx.resized(to: 17) > ldWords.resized(to: 17) && !wrValid)

        // Starter: the loaded run waiting for the array.
        let pendValid = m.reg("pend_valid", .bool, reset: 0)
        let pendBank = m.reg("pend_bank", .bool, reset: .none)
        let pendRun = m.reg("pend_run", .uint(runBits), reset: .none)
        let handoff = m.wire("handoff", loaded && !pendValid)
        io.givePrev.assign(handoff && ldGive)

        m.when(acceptOK) {
            ldActive.assign(1)
            ldWait.assign(f.flag(.popPrev))
            ldBank.assign(nextBank)
            nextBank.assign(!nextBank)
            ldGive.assign(f.flag(.pushPrev))
            ldW.assign(f(.wBase))
            ldX.assign(f(.xBase))
            ldWords.assign(words)
            ldRun.assign(cat(f.flag(.popNext), f.flag(.pushNext), f(.strideLog2), slots, f(.oBase)))
        }.otherwise {
            m.when(tokenOK) { ldWait.assign(0) }
            m.when(handoff) { ldActive.assign(0) }
        }

        // The run on the array: started from the pending slot; ends when `busy` falls.
        let runValid = m.reg("run_valid", .bool, reset: 0)
        let runBank = m.reg("run_bank", .bool, reset: .none)
        let runFields = m.reg("run_fields", .uint(runBits), reset: .none)
        let busyPrev = m.reg("busy_prev", next: array.busy, reset: 0)
        let complete = m.wire("run_complete", runValid && busyPrev && !array.busy)
        let start = m.wire("start", pendValid && (!runValid || complete) && undrained < 2 && !stopped)
        array.start.assign(start)
        array.bank.assign(pendBank)
        array.strideLog2.assign(pendRun.bits(28...29))
        m.when(handoff) {
            pendValid.assign(1)
            pendBank.assign(ldBank)
            pendRun.assign(ldRun)
        }.elseWhen(start) { pendValid.assign(0) }
        m.when(start) {
            runValid.assign(1)
            runBank.assign(pendBank)
            runFields.assign(pendRun)
        }.elseWhen(complete) { runValid.assign(0) }
        io.beat.assign(array.busy)

        // Drainer: finished runs in order.
        let jobs = RegisterQueue(in: m, name: "drain", width: runBits + 1, depth: 2)
        jobs.push(complete, cat(runBank, runFields))
        let dActive = m.reg("d_active", .bool, reset: 0)
        let dPrimed = m.reg("d_primed", .bool, reset: 0)
        let dJob = m.reg("d_job", .uint(runBits + 1), reset: .none)
        let slotWidth = a.slotWidth
        let peWidth = max(1, ceilLog2(pes))
        let dSlot = m.reg("d_slot", .uint(slotWidth), reset: .none)
        let dPe = m.reg("d_pe", .uint(peWidth), reset: .none)
        let dAddr = m.reg("d_addr", .uint(16), reset: .none)
        let head = jobs.head
        let headWait = head.bit(31)
        let dStart = m.wire("d_start", !dActive && !jobs.empty && (!headWait || io.nextAvailable) && !stopped)
        jobs.pop(dStart)
        io.nextTake.assign(dStart && headWait)
        let jobSlots = dJob.bits(16...27)
        let write = m.wire("d_write", dActive && dPrimed)
        let lastPe = m.wire("d_last_pe", dPe == pes - 1)
        let lastSlot = m.wire("d_last_slot", dSlot.resized(to: 12) == (jobSlots &- 1))
        let drained = m.wire("drained", write && lastPe && lastSlot)
        m.when(dStart) {
            dActive.assign(1)
            dPrimed.assign(0)
            dJob.assign(head)
            dSlot.assign(0)
            dPe.assign(0)
            dAddr.assign(head.bits(0...15))
        }.elseWhen(dActive) {
            m.when(!dPrimed) { dPrimed.assign(1) }
            m.when(write) {
                dAddr.assign(dAddr &+ 1)
                m.when(lastPe) {
                    dPe.assign(0)
                    dPrimed.assign(0)
                    m.when(lastSlot) { dActive.assign(0) }.otherwise { dSlot.assign(dSlot &+ 1) }
                }.otherwise { dPe.assign(dPe &+ 1) }
            }
        }
        array.rdSlot.assign(dSlot)
        array.rdBank.assign(dJob.bit(32))
        // A slot is read once, in its priming cycle; its word holds while the PEs' rows are written.
        array.rdEn.assign(dActive && !dPrimed)
        array.rdPe.assign(dPe.resized(to: a.peSelWidth))
        io.oWEn.assign(write)
        io.oWAddr.assign(dAddr.resized(to: io.oWAddr.width))
        io.oWData.assign(array.rdWord.resized(to: io.oWData.width))
        io.giveNext.assign(drained && dJob.bit(30))

        // In-flight bookkeeping.
        loadsAhead.assign(loadsAhead &+ acceptOK.extended(to: 2) &- complete.extended(to: 2))
        undrained.assign(undrained &+ start.extended(to: 2) &- drained.extended(to: 2))

        // Unused ports of the shell (no MBUF, no PBUF).
        io.mREn.assign(0)
        io.mRAddr.assign(0)
        io.pWEn.assign(0)
        io.pWAddr.assign(0)
        io.pWLanes.assign(0)
        io.pWData.assign(0)

        let errorNow = m.wire("error_now", accept && decodeError != 0)
        m.when(errorNow) { failed.assign(m.trueSignal) }
        io.error.assign(decodeError)
        io.errorSeq.assign(f.sequence)
        io.errorValid.assign(errorNow)
        io.idle.assign(!ldActive && !pendValid && !runValid && jobs.empty && !dActive)
        return Definition(m, io)
    }
}
