import Formats
import HWCore
import HWLib

/// The sparse indexing unit: turns the packed compressed weight stream into per-row value and
/// index lanes, skewed for the array (row r delayed by r cycles).
///
/// Stream format (one word per cycle, `SATConfig.streamWidth` bits): the ``NMStreamLayout``
/// stream of R groups, group r being PE row r's N entries (value, then index) — the layout the
/// golden model packs compressed matrices with. In dense mode the entries carry N dense values
/// and their index fields are ignored.
///
/// Outputs `row_w` (R x N x SInt d) and `row_idx` (R x N x UInt ⌈log2 M⌉), and `row_first`
/// (R bits): "the previous beat at this row's accumulators closed a tile" — the beat's
/// `in_valid && in_last` delayed by r + 1 + the PE's pipeline latency (less the PE's own
/// `first_q` register when the pipeline has an entry stage), so it meets the next beat's sum at
/// the accumulator. An invalid beat's values are zeroed at the entry, so a bubble
/// adds nothing and no PE needs a valid flag. Float numerics zero them as −0, IEEE's additive
/// identity: a bubble's products are (−0) × (+0) = −0 (its dense elements are +0), their sum −0,
/// and acc + (−0) = acc for every acc, ±0 included (+0 would turn an accumulated −0 into +0).
/// So a float tile's sum does not depend on bubbles or idle cycles before its first beat. The weight delay lines have no reset, so synthesis
/// maps them to shift-register LUTs; `row_first`'s lines reset to 1 instead, so each row's
/// accumulators start fresh on every cycle until the first beat (with defined weights and dense
/// elements) reaches them: no unknown value from an unfilled line is ever accumulated.
/// `tile_done` for the last row comes out as `row_done` (the same timing, reset to 0).
public enum SparseIndexUnit {
    /// The unit's ports.
    public struct Ports: Interface {
        @Input public var wStream: Signal
        @Input(.bool) public var inValid: Signal
        @Input(.bool) public var inLast: Signal
        @Output public var rowW: [Vec]
        @Output public var rowIdx: [Vec]
        @Output public var rowFirst: Vec
        @Output(.bool) public var rowDone: Signal

        public init(_ cfg: SATConfig) {
            _wStream = Input(.uint(cfg.streamWidth))
            _rowW = Output(.sint(cfg.dataWidth), count: cfg.rows, lanes: cfg.n)
            _rowIdx = Output(.uint(cfg.indexBits), count: cfg.rows, lanes: cfg.n)
            _rowFirst = Output(.bool, count: cfg.rows)
        }
    }

    public static func build(_ cfg: SATConfig) throws -> Definition<Ports> {
        let layout = try cfg.streamLayout
        let mod = Module(cfg.indexUnitName)
        mod.doc = "Sparse indexing unit: weight stream -> per-row value/index lanes, row r skewed by r cycles."
        let io = mod.ports(Ports(cfg))
        let value = layout.valueField, index = layout.indexField
        // The weight of an invalid beat: 0, or −0 (the sign bit alone) for float numerics.
        let bubbleWeight = cfg.numerics.isFloat ? -(1 << (cfg.dataWidth - 1)) : 0
        let closes = mod.wire("closes", io.inValid && io.inLast)
        for r in 0..<cfg.rows {
            // With an entry stage, each PE registers its own copy of the flag (`first_q`): one
            // stage of the delay line moves into the PEs.
            let inPE = cfg.pipeline.atEntry ? 1 : 0
            io.rowFirst[r].assign(ShiftRegister.delay(closes, stages: r + 1 + cfg.pipeline.latency - inPE, name: "first_\(r)", reset: 1))
            for j in 0..<cfg.n {
                let base = layout.entryOffset(group: r, slot: j)
                let field = io.wStream.bits(base + value.lowerBound...base + value.upperBound - 1).asSInt
                // Bubbles: an invalid beat's weights enter as zeros.
                let v = mod.wire("w_in_\(r)_\(j)", mux(io.inValid, field, bubbleWeight))
                let i = io.wStream.bits(base + index.lowerBound...base + index.upperBound - 1)
                // Row r meets the dense operand r cycles after it entered the array.
                io.rowW[r][j].assign(ShiftRegister.delay(v, stages: r, name: "w_\(r)_\(j)", reset: .none))
                io.rowIdx[r][j].assign(ShiftRegister.delay(i, stages: r, name: "idx_\(r)_\(j)", reset: .none))
            }
        }
        // The last row shows a tile TileAccumulator.latency cycles after accumulating its last
        // beat, which reached it R - 1 + pipeline cycles after entering (a line resetting to 0).
        let doneDelay = cfg.rows - 1 + cfg.pipeline.latency + TileAccumulator.latency
        io.rowDone.assign(ShiftRegister.delay(closes, stages: doneDelay, name: "done", reset: 0))
        return Definition(mod, io)
    }
}
