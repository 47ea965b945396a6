import HWCore

/// The zero-skipping 1-D convolution PE of SparseTrain (NonZeroMulDetector + MAC + a row of
/// output accumulators).
///
/// Contract (one clock, synchronous active-high reset):
/// * Entry stream in (valid/ready): `in_value` (SInt d) at `in_offset` (UInt o) with its kernel
///   row — `in_bitmap` (K_t bits, the stored taps) and `in_packed` (K_t × SInt d, the stored taps'
///   values in ascending tap order) — its work item's output `mask` (P bits) and `in_last` (the
///   item's last entry). An entry is taken in a cycle with `in_valid && in_ready`.
/// * Tap t of an entry is a **valid pair** when its bitmap bit is set, o ≥ t, (o − t) is a
///   multiple of 2^`stride_log2` and x = (o − t) >> `stride_log2` is below P with `mask[x]` set.
///   Invalid taps (zero kernel values, outputs off the row, ReLU-masked outputs) cost no cycle.
/// * The PE issues one MAC per valid pair, lowest tap first, one per cycle, in the cycles after
///   taking the entry: `acc[x] += value · kernel[t]` (wrapping at acc width). An entry with n
///   valid pairs occupies the PE for max(1, n) cycles; `in_ready` is high in its last one (and
///   whenever the PE holds no entry), so a stream of entries runs without bubbles.
/// * In the last cycle of an item's last entry (the cycle of its last MAC), `result_valid` is high
///   and `result` holds the item's P accumulators including that MAC; the accumulators restart
///   from zero in the next cycle. Since `in_ready` is high in that cycle too, the PE goes on with
///   the next item's first entry without a bubble: a queue of items costs the sum of their
///   entries' cycles.
/// * `idle` = `in_ready`: the PE has no work after this cycle unless it takes an entry.
/// * `clear` empties the PE and zeroes the accumulators (the run's start).
public enum SparseTrainPE {
    public struct Ports: Interface {
        @Input(.bool) public var clear: Signal
        @Input public var strideLog2: Signal
        @Input public var mask: Signal
        @Input(.bool) public var inValid: Signal
        @Output(.bool) public var inReady: Signal
        @Input public var inValue: Signal
        @Input public var inOffset: Signal
        @Input public var inBitmap: Signal
        @Input public var inPacked: Vec
        @Input(.bool) public var inLast: Signal
        @Output public var result: Vec
        @Output(.bool) public var resultValid: Signal
        @Output(.bool) public var idle: Signal

        public init(_ cfg: SparseTrainConfig) {
            _strideLog2 = Input(.uint(2))
            _mask = Input(.uint(cfg.outputs))
            _inValue = Input(.sint(cfg.dataWidth))
            _inOffset = Input(.uint(cfg.offsetWidth))
            _inBitmap = Input(.uint(cfg.taps))
            _inPacked = Input(.sint(cfg.dataWidth), count: cfg.taps)
            _result = Output(.sint(cfg.accWidth), count: cfg.outputs)
        }
    }

    public static func build(_ cfg: SparseTrainConfig) -> Definition<Ports> {
        let m = Module(cfg.peName)
        m.doc = "SparseTrain 1-D conv PE: one MAC per valid (non-zero, unmasked, in-row) pair of a row entry and its kernel row; max(1, pairs) cycles per entry; an item's accumulators leave in the cycle of its last MAC."
        let io = m.ports(Ports(cfg))
        let (k, p, d, ow) = (cfg.taps, cfg.outputs, cfg.dataWidth, cfg.offsetWidth)
        let tw = max(1, ceilLog2(k))
        let maskBits = Vec((0..<p).map { io.mask.bit($0) })
        let off = m.const(0, .bool)

        // The valid taps of the offered entry, and its kernel row unpacked to one value per tap
        // (tap t's value is packed slot popcount(bitmap[0..<t])), both decided when it is taken
        // so the issue loop only walks set bits.
        var validTaps: [Signal] = []
        var kernel: [Signal] = []
        let zeroD = m.const(0, .sint(d))
        for t in 0..<k {
            let diff = m.wire("diff_\(t)", io.inOffset &- m.const(t, .uint(ow)))
            let lowMask = ~(m.const((1 << ow) - 1, .uint(ow)).shiftedLeft(by: io.strideLog2.extended(to: ow)))
            let aligned = (diff & lowMask) == 0
            let x = diff.shiftedRight(by: io.strideLog2.extended(to: ow))
            let ok = io.inBitmap.bit(t) && (io.inOffset >= t) && aligned && maskBits.select(x, default: off)
            validTaps.append(m.wire("tap_ok_\(t)", ok))
            if t == 0 {
                kernel.append(mux(io.inBitmap.bit(0), io.inPacked[0], zeroD))
            } else {
                let cw = max(1, ceilLog2(t + 1))
                var slot = m.const(0, .uint(cw))
                for b in 0..<t { slot = slot &+ io.inBitmap.bit(b).extended(to: cw) }
                kernel.append(mux(io.inBitmap.bit(t), Vec(Array(io.inPacked.elements[0...t])).select(m.wire("slot_\(t)", slot), default: zeroD), zeroD))
            }
        }
        let offeredTaps = m.wire("offered_taps", packBits(validTaps))

        // The held entry.
        let hold = m.reg("hold", .bool, reset: 0)
        let rem = m.reg("rem", .uint(k), reset: 0)
        let value = m.reg("cur_value", .sint(d), reset: .none)
        let offset = m.reg("cur_offset", .uint(ow), reset: .none)
        let last = m.reg("cur_last", .bool, reset: 0)
        let kv = (0..<k).map { m.reg("cur_k_\($0)", .sint(d), reset: .none) }

        // Lowest remaining tap: isolate the lowest set bit, then encode it.
        let lowest = m.wire("lowest", rem & (~rem &+ 1))
        let tapBits = (0..<tw).map { b -> Signal in
            let hits = (0..<k).filter { ($0 >> b) & 1 == 1 }.map { lowest.bit($0) }
            return hits.isEmpty ? off : hits.dropFirst().reduce(hits[0]) { $0 || $1 }
        }
        let tSel = m.wire("tap_sel", packBits(tapBits))
        let active = m.wire("active", hold && rem.orReduce())
        let prod = m.wire("prod", value * Vec(kv).select(tSel, default: zeroD))
        let xSel = m.wire("x_sel", (offset &- tSel.resized(to: ow)).shiftedRight(by: io.strideLog2.extended(to: ow)))
        let remNext = m.wire("rem_next", rem & (rem &- 1))
        let ready = m.wire("ready", !hold || remNext == 0)
        io.inReady.assign(ready)
        io.idle.assign(ready)
        // The held entry ends in this cycle and is its item's last: the item's results leave.
        let flush = m.wire("flush", hold && remNext == 0 && last)
        io.resultValid.assign(flush)

        for i in 0..<p {
            let acc = m.reg("acc_q_\(i)", .sint(cfg.accWidth), reset: 0)
            let hit = m.wire("hit_\(i)", active && xSel == i)
            let sum = m.wire("acc_next_\(i)", mux(hit, acc &+ prod.extended(to: cfg.accWidth), acc))
            m.when(io.clear || flush) { acc.assign(0) }
                .elseWhen(hit) { acc.assign(sum) }
            io.result[i].assign(sum)
        }

        m.when(io.clear) {
            hold.assign(0)
            rem.assign(0)
            last.assign(0)
        }.elseWhen(io.inValid && ready) {
            hold.assign(1)
            rem.assign(offeredTaps)
            value.assign(io.inValue)
            offset.assign(io.inOffset)
            last.assign(io.inLast)
            for t in 0..<k { kv[t].assign(kernel[t]) }
        }.elseWhen(ready) {
            hold.assign(0)
            rem.assign(0)
            last.assign(0)
        }.otherwise {
            rem.assign(remNext)
        }
        return Definition(m, io)
    }
}

/// Bits (bit 0 first) as one unsigned value.
func packBits(_ bits: [Signal]) -> Signal {
    let msbFirst = Array(bits.reversed())
    return cat(msbFirst[0], Array(msbFirst.dropFirst()))
}
