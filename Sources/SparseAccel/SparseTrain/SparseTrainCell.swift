import HWCore

/// One PE of the SparseTrain array with its operand memory and the fetcher that streams it.
///
/// Contract (one clock, synchronous active-high reset):
/// * Loading (while the array is not running): with `ld_sel`, `ld_kind` 1 writes word `ld_data`
///   (an entry word, ``SparseTrainEntryLayout``) at `ld_addr`; 2 sets the entry count to
///   `ld_data`'s low bits; 3 sets the output mask (P bits) from them.
/// * `start` rewinds the fetcher and clears the PE. While `run` is high the fetcher reads the
///   memory in order (synchronous read: the word is offered to the PE one cycle after its read)
///   and reads the next word in every cycle in which the PE takes the offered one, so the PE
///   sees a bubble-free stream after the first read.
/// * `finished` is high in a cycle in which every word has been taken and the PE is idle.
public enum SparseTrainCell {
    public struct Ports: Interface {
        @Input(.bool) public var ldSel: Signal
        @Input public var ldKind: Signal
        @Input public var ldAddr: Signal
        @Input public var ldData: Signal
        @Input(.bool) public var start: Signal
        @Input(.bool) public var run: Signal
        @Input public var strideLog2: Signal
        @Output public var acc: Vec
        @Output(.bool) public var finished: Signal

        public init(_ cfg: SparseTrainConfig) {
            _ldKind = Input(.uint(2))
            _ldAddr = Input(.uint(cfg.addrWidth))
            _ldData = Input(.uint(cfg.loadWidth))
            _strideLog2 = Input(.uint(2))
            _acc = Output(.sint(cfg.accWidth), count: cfg.outputs)
        }
    }

    /// Load-bus kinds.
    public static let kindEntry = 1, kindCount = 2, kindMask = 3

    public static func build(_ cfg: SparseTrainConfig, pe: Definition<SparseTrainPE.Ports>) -> Definition<Ports> {
        let m = Module(cfg.cellName)
        m.doc = "SparseTrain PE with its operand memory (\(cfg.depth) entry words) and the in-order fetcher feeding it."
        let io = m.ports(Ports(cfg))
        let cw = cfg.countWidth
        let mem = m.memory("entries", .uint(cfg.wordBits), depth: cfg.depth)
        mem.write(io.ldAddr, io.ldData.bits(0...(cfg.wordBits - 1)), enable: io.ldSel && io.ldKind == kindEntry)
        let count = m.reg("count", .uint(cw), reset: 0)
        let mask = m.reg("mask", .uint(cfg.outputs), reset: 0)
        m.when(io.ldSel && io.ldKind == kindCount) { count.assign(io.ldData.bits(0...(cw - 1))) }
        m.when(io.ldSel && io.ldKind == kindMask) { mask.assign(io.ldData.bits(0...(cfg.outputs - 1))) }

        let u = m.instance(pe, "pe")
        let addr = m.reg("addr", .uint(cw), reset: 0)
        let offered = m.reg("offered", .bool, reset: 0)
        let advance = m.wire("advance", io.run && (!offered || u.inReady))
        let more = m.wire("more", addr < count)
        let word = mem.read(addr.resized(to: cfg.addrWidth), enable: advance)
        m.when(io.start) {
            addr.assign(0)
            offered.assign(0)
        }.elseWhen(advance) {
            offered.assign(more)
            m.when(more) { addr.assign(addr &+ 1) }
        }

        let (d, ow, k) = (cfg.dataWidth, cfg.offsetWidth, cfg.taps)
        u.clear.assign(io.start)
        u.strideLog2.assign(io.strideLog2)
        u.mask.assign(mask)
        u.inValid.assign(offered)
        u.inValue.assign(word.bits(0...(d - 1)).asSInt)
        u.inOffset.assign(word.bits(d...(d + ow - 1)))
        u.inBitmap.assign(word.bits((d + ow)...(d + ow + k - 1)))
        let packedLSB = d + ow + k
        for t in 0..<k { u.inPacked[t].assign(word.bits((packedLSB + t * d)...(packedLSB + t * d + d - 1)).asSInt) }
        for i in 0..<cfg.outputs { io.acc[i].assign(u.acc[i]) }
        io.finished.assign(!offered && !more && u.idle)
        return Definition(m, io)
    }
}
