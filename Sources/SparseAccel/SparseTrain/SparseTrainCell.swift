import HWCore

/// One PE of the SparseTrain array with its operand memory, the fetcher that streams it and the
/// result memory its items' accumulators go to.
///
/// Contract (one clock, synchronous active-high reset):
/// * Loading (while the array is not running): with `ld_sel`, `ld_kind` 1 writes word `ld_data`
///   (an entry word, ``SparseTrainEntryLayout``) at `ld_addr`; 2 sets the entry count to
///   `ld_data`'s low bits. The words are the PE's queue of work items back to back, each item's
///   last word marked; every word carries its item's output mask.
/// * `start` clears the PE, rewinds the result slot to 0 and already reads word 0 (prefetch), so
///   the PE takes its first entry in the run's first cycle. While `run` is high the fetcher
///   reads the memory in order (synchronous read: the word is offered one cycle after its read)
///   and reads the next word in every cycle in which the PE takes the offered one, so the PE
///   sees a bubble-free stream across item boundaries.
/// * When the PE finishes an item, its P accumulators are written, as one word, to the next slot
///   of the result memory (`slots` words: the i-th item of the queue lands in slot i).
/// * `finished` is high in a cycle in which every word has been taken and the PE is idle.
/// * `rd_slot` → `rd_row`: the result word of that slot, one cycle after (synchronous read),
///   read in a cycle with `rd_en`; `rd_row` holds in the others (a block RAM read enable: the
///   drain reads each slot once).
/// * Banks (``SparseTrainConfig/banks`` = 2): the operand memory, the entry count and the
///   result memory exist twice. Loads go to bank `ld_bank`, a run uses bank `bank` (which must
///   hold from `start` to the end of the run), the read-out reads bank `rd_bank`; so one bank
///   can be loaded and drained while the other runs. With one bank the three inputs are unused.
public enum SparseTrainCell {
    public struct Ports: Interface {
        @Input(.bool) public var ldSel: Signal
        @Input public var ldKind: Signal
        @Input public var ldAddr: Signal
        @Input public var ldData: Signal
        @Input(.bool) public var ldBank: Signal
        @Input(.bool) public var start: Signal
        @Input(.bool) public var run: Signal
        @Input(.bool) public var bank: Signal
        @Input(.bool) public var rdBank: Signal
        @Input public var strideLog2: Signal
        @Input public var rdSlot: Signal
        @Input(.bool) public var rdEn: Signal
        @Output public var rdRow: Vec
        @Output(.bool) public var finished: Signal

        public init(_ cfg: SparseTrainConfig) {
            _ldKind = Input(.uint(2))
            _ldAddr = Input(.uint(cfg.addrWidth))
            _ldData = Input(.uint(cfg.loadWidth))
            _strideLog2 = Input(.uint(2))
            _rdSlot = Input(.uint(cfg.slotWidth))
            _rdRow = Output(.sint(cfg.accWidth), count: cfg.outputs)
        }
    }

    /// Load-bus kinds.
    public static let kindEntry = 1, kindCount = 2

    public static func build(_ cfg: SparseTrainConfig, pe: Definition<SparseTrainPE.Ports>) -> Definition<Ports> {
        let m = Module(cfg.cellName)
        m.doc = "SparseTrain PE with its operand memory (\(cfg.depth) entry words), the in-order fetcher feeding it and its result memory (\(cfg.slots) item slots)."
        let io = m.ports(Ports(cfg))
        let cw = cfg.countWidth
        let banked = cfg.banks == 2
        // A banked address: the bank is the top bit.
        func inBank(_ bank: Signal, _ a: Signal) -> Signal { banked ? cat(bank, a) : a }
        let mem = m.memory("entries", .uint(cfg.wordBits), depth: cfg.depth * cfg.banks)
        mem.write(inBank(io.ldBank, io.ldAddr), io.ldData.bits(0...(cfg.wordBits - 1)), enable: io.ldSel && io.ldKind == kindEntry)
        let counts = (0..<cfg.banks).map { b in m.reg(banked ? "count_\(b)" : "count", .uint(cw), reset: 0) }
        for (b, c) in counts.enumerated() {
            let here = banked ? (b == 1 ? io.ldBank : !io.ldBank) : m.trueSignal
            m.when(io.ldSel && io.ldKind == kindCount && here) { c.assign(io.ldData.bits(0...(cw - 1))) }
        }
        let count = banked ? m.wire("count", mux(io.bank, counts[1], counts[0])) : counts[0]

        let u = m.instance(pe, "pe")
        let addr = m.reg("addr", .uint(cw), reset: 0)
        let offered = m.reg("offered", .bool, reset: 0)
        let advance = m.wire("advance", io.run && (!offered || u.inReady))
        let more = m.wire("more", addr < count)
        let any = m.wire("any", count != 0)
        // `start` reads word 0 (prefetch); later reads follow the PE.
        let readAddr = m.wire("read_addr", mux(io.start, m.const(0, .uint(cw)), addr))
        let word = mem.read(inBank(io.bank, readAddr.resized(to: cfg.addrWidth)), enable: advance || io.start)
        m.when(io.start) {
            offered.assign(any)
            m.when(any) { addr.assign(1) }.otherwise { addr.assign(0) }
        }.elseWhen(advance) {
            offered.assign(more)
            m.when(more) { addr.assign(addr &+ 1) }
        }

        let (d, ow, k) = (cfg.dataWidth, cfg.offsetWidth, cfg.taps)
        u.clear.assign(io.start)
        u.strideLog2.assign(io.strideLog2)
        u.mask.assign(word.bits(cfg.maskLSB...(cfg.maskLSB + cfg.outputs - 1)))
        u.inLast.assign(word.bit(cfg.lastBit))
        u.inValid.assign(offered)
        u.inValue.assign(word.bits(0...(d - 1)).asSInt)
        u.inOffset.assign(word.bits(d...(d + ow - 1)))
        u.inBitmap.assign(word.bits((d + ow)...(d + ow + k - 1)))
        let packedLSB = d + ow + k
        for t in 0..<k { u.inPacked[t].assign(word.bits((packedLSB + t * d)...(packedLSB + t * d + d - 1)).asSInt) }

        // Results: item i of the queue goes to slot i.
        let results = m.memory("results", .uint(cfg.outputs * cfg.accWidth), depth: cfg.slots * cfg.banks)
        let slot = m.reg("slot", .uint(cfg.slotWidth), reset: 0)
        m.when(io.start) { slot.assign(0) }.elseWhen(u.resultValid) { slot.assign(slot &+ 1) }
        let row = Array(u.result.elements.reversed()).map { $0.asUInt }
        let slotBits = results.addressWidth - (banked ? 1 : 0)
        results.write(inBank(io.bank, slot.resized(to: slotBits)), cat(row[0], Array(row.dropFirst())), enable: u.resultValid)
        let out = results.read(inBank(io.rdBank, io.rdSlot.resized(to: slotBits)), enable: io.rdEn)
        let aw = cfg.accWidth
        for i in 0..<cfg.outputs { io.rdRow[i].assign(out.bits((i * aw)...(i * aw + aw - 1)).asSInt) }
        io.finished.assign(!offered && !more && u.idle)
        return Definition(m, io)
    }
}
