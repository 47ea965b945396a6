import HWCore
import HWLib

/// The SPS indexing unit: a slot counter (0..<n), a channel counter, a mod-P pattern counter and
/// the pattern table turn a tile start into one kernel position (kh, kw) per cycle — the only
/// "index" the SPS core has. No per-weight index memory exists: the table holds P entries of n
/// offsets (``PPSPatternTableLayout``), whatever the layer's size.
///
/// Contract (one clock, synchronous active-high reset):
/// * `pt_we`/`pt_addr`/`pt_data` write table entry `pt_addr` (the pattern of residue class q);
///   the table is written before a layer and read while tiles run.
/// * `start` (one cycle, while not `issue`) starts a tile: the pattern counter loads `phase` (the
///   residue class of the tile's filters), the channel and slot counters 0, `chan_base` 0.
/// * From the next cycle on, every cycle issues one beat (`issue` = 1): slot s of channel j, with
///   pattern q = (phase + j) mod P, (kh, kw) = table[q][s] and `kernel_offset` =
///   j·`plane` + kh·`width` + kw (the beat's offset in a [ci][h][w] activation buffer from the
///   window origin). `last` marks slot n−1 of channel max(`channels`, 1) − 1; the unit then idles.
///   A tile issues G = max(channels, 1)·n beats in G consecutive cycles.
public enum SPSIndexUnit {
    public struct Ports: Interface {
        @Input(.bool) public var start: Signal
        @Input public var channels: Signal
        @Input public var phase: Signal
        @Input public var plane: Signal
        @Input public var width: Signal
        @Input(.bool) public var ptWe: Signal
        @Input public var ptAddr: Signal
        @Input public var ptData: Signal
        @Output(.bool) public var issue: Signal
        @Output(.bool) public var last: Signal
        @Output public var kh: Signal
        @Output public var kw: Signal
        @Output public var kernelOffset: Signal

        public init(_ cfg: SPSConfig) throws {
            let layout = try cfg.tableLayout
            _channels = Input(.uint(cfg.chanBits))
            _phase = Input(.uint(cfg.patternIdBits))
            _plane = Input(.uint(cfg.actAddrBits))
            _width = Input(.uint(cfg.dimBits))
            _ptAddr = Input(.uint(cfg.patternIdBits))
            _ptData = Input(.uint(layout.entryBits))
            _kh = Output(.uint(cfg.coordBits))
            _kw = Output(.uint(cfg.coordBits))
            _kernelOffset = Output(.uint(cfg.actAddrBits))
        }
    }

    public static func build(_ cfg: SPSConfig) throws -> Definition<Ports> {
        let layout = try cfg.tableLayout
        let m = Module(cfg.indexUnitName)
        m.doc = "SPS indexing unit: mod-\(cfg.period) pattern counter + \(cfg.period)-entry pattern table -> one kernel offset (kh, kw) per cycle, \(cfg.patternNNZ) per channel."
        let io = m.ports(try Ports(cfg))
        let a = cfg.actAddrBits, cb = cfg.coordBits

        // The pattern table: P entries of n (kh, kw) offsets, written by the host per layer.
        let table = (0..<cfg.period).map { q in m.reg("pattern_\(q)", .uint(layout.entryBits), reset: .none) }
        for (q, entry) in table.enumerated() {
            m.when(io.ptWe && io.ptAddr == q) { entry.assign(io.ptData) }
        }

        let issuing = m.reg("issuing", .bool, reset: 0)
        let slot = m.reg("slot", .uint(cfg.slotBits), reset: 0)
        let chan = m.reg("chan", .uint(cfg.chanBits), reset: 0)
        let pattern = m.reg("pattern_id", .uint(cfg.patternIdBits), reset: 0)
        let chanBase = m.reg("chan_base", .uint(a), reset: 0)

        let slotEnd = m.wire("slot_end", slot == cfg.patternNNZ - 1)
        // Channels 0 runs as 1: the last channel is the one whose successor reaches `channels`.
        let chanEnd = m.wire("chan_end", (chan + 1) >= io.channels)
        let last = m.wire("last_beat", issuing && slotEnd && chanEnd)

        m.when(io.start && !issuing) {
            issuing.assign(1)
            slot.assign(0)
            chan.assign(0)
            pattern.assign(io.phase)
            chanBase.assign(0)
        }.elseWhen(issuing) {
            slot.assign(mux(slotEnd, 0, slot &+ 1))
            m.when(slotEnd) {
                chan.assign(chan &+ 1)
                // The mod-P counter: the next channel's pattern (the filters' residue is fixed).
                pattern.assign(mux(pattern == cfg.period - 1, 0, pattern &+ 1))
                chanBase.assign(chanBase &+ io.plane)
            }
            m.when(last) { issuing.assign(0) }
        }

        // Look up slot s of entry q: kw in the low bits of each slot field, kh above it.
        let entry = m.wire("entry", Vec(table).select(pattern, default: m.const(0, .uint(layout.entryBits))))
        let khs = (0..<cfg.patternNNZ).map { s in entry.bits((2 * s + 1) * cb...(2 * s + 2) * cb - 1) }
        let kws = (0..<cfg.patternNNZ).map { s in entry.bits(2 * s * cb...(2 * s + 1) * cb - 1) }
        let kh = m.wire("kh_sel", Vec(khs).select(slot, default: m.const(0, .uint(cb))))
        let kw = m.wire("kw_sel", Vec(kws).select(slot, default: m.const(0, .uint(cb))))
        // One shared kh·W multiply for all PE rows.
        let rowOffset = m.wire("row_offset", (kh * io.width).resized(to: a))
        io.kernelOffset.assign(chanBase &+ rowOffset &+ kw.resized(to: a))
        io.kh.assign(kh)
        io.kw.assign(kw)
        io.issue.assign(issuing)
        io.last.assign(last)
        return Definition(m, io)
    }
}
