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
/// Outputs `row_<r>_w` (N x SInt d) and `row_<r>_idx` (N x UInt ⌈log2 M⌉) per row.
public enum SparseIndexUnit {
    public static func build(_ cfg: SATConfig) throws -> Module {
        let layout = try cfg.streamLayout
        let mod = Module(cfg.indexUnitName)
        mod.doc = "Sparse indexing unit: weight stream -> per-row value/index lanes, row r skewed by r cycles."
        let stream = mod.input("w_stream", .uint(cfg.streamWidth))
        let en = mod.input("en", .bool)
        let lanes = HWType.bundle([BundleField("w", .vector(.sint(cfg.dataWidth), count: cfg.n)),
                                   BundleField("idx", .vector(.uint(cfg.indexBits), count: cfg.n))])
        let rows = mod.port("row", .output, .vector(lanes, count: cfg.rows))
        for r in 0..<cfg.rows {
            for j in 0..<cfg.n {
                let base = layout.entryOffset(group: r, slot: j)
                let value = stream.bits(base + layout.valueField.lowerBound...base + layout.valueField.upperBound - 1).asSInt
                let index = stream.bits(base + layout.indexField.lowerBound...base + layout.indexField.upperBound - 1)
                // Row r meets the dense operand r cycles after it entered the array.
                let v = ShiftRegister.delay(value, stages: r, name: "w_\(r)_\(j)", enable: en)
                let i = ShiftRegister.delay(index, stages: r, name: "idx_\(r)_\(j)", enable: en)
                rows[r]["w"][j].signal.assign(v)
                rows[r]["idx"][j].signal.assign(i)
            }
        }
        return mod
    }
}
