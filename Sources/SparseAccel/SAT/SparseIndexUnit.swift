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
/// Outputs `row_w` (R x N x SInt d) and `row_idx` (R x N x UInt ⌈log2 M⌉), and the beat flags
/// `in_valid` / `in_last` delayed the same way (`row_valid`, `row_last`, R bits each). The weight
/// delay lines have no reset (the delayed valid flag, which resets, qualifies them), so synthesis
/// maps them to shift-register LUTs.
public enum SparseIndexUnit {
    /// The unit's ports.
    public struct Ports: Interface {
        @Input public var wStream: Signal
        @Input(.bool) public var inValid: Signal
        @Input(.bool) public var inLast: Signal
        @Output public var rowW: [Vec]
        @Output public var rowIdx: [Vec]
        @Output public var rowValid: Vec
        @Output public var rowLast: Vec

        public init(_ cfg: SATConfig) {
            _wStream = Input(.uint(cfg.streamWidth))
            _rowW = Output(.sint(cfg.dataWidth), count: cfg.rows, lanes: cfg.n)
            _rowIdx = Output(.uint(cfg.indexBits), count: cfg.rows, lanes: cfg.n)
            _rowValid = Output(.bool, count: cfg.rows)
            _rowLast = Output(.bool, count: cfg.rows)
        }
    }

    public static func build(_ cfg: SATConfig) throws -> Definition<Ports> {
        let layout = try cfg.streamLayout
        let mod = Module(cfg.indexUnitName)
        mod.doc = "Sparse indexing unit: weight stream -> per-row value/index lanes, row r skewed by r cycles."
        let io = mod.ports(Ports(cfg))
        let value = layout.valueField, index = layout.indexField
        for r in 0..<cfg.rows {
            io.rowValid[r].assign(ShiftRegister.delay(io.inValid, stages: r, name: "valid_\(r)", reset: 0))
            io.rowLast[r].assign(ShiftRegister.delay(io.inLast, stages: r, name: "last_\(r)", reset: .none))
            for j in 0..<cfg.n {
                let base = layout.entryOffset(group: r, slot: j)
                let v = io.wStream.bits(base + value.lowerBound...base + value.upperBound - 1).asSInt
                let i = io.wStream.bits(base + index.lowerBound...base + index.upperBound - 1)
                // Row r meets the dense operand r cycles after it entered the array.
                io.rowW[r][j].assign(ShiftRegister.delay(v, stages: r, name: "w_\(r)_\(j)", reset: .none))
                io.rowIdx[r][j].assign(ShiftRegister.delay(i, stages: r, name: "idx_\(r)_\(j)", reset: .none))
            }
        }
        return Definition(mod, io)
    }
}
