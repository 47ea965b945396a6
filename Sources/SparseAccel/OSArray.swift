import HWCore

/// The dense output-stationary systolic array: R x C ``OSArrayPE``s.
///
/// Contract:
/// * `in_row` (R x SInt d): row r's operand enters PE (r, 0) and moves east one PE per cycle.
/// * `in_col` (C x SInt d): column c's operand enters PE (0, c) and moves south one PE per cycle.
///   The array does not skew its inputs: the feeder delays row r and column c by r and c cycles.
/// * `en`: advance the array; `clear`: zero every accumulator (priority over accumulation).
/// * `row_sel` / `row_out` (C x SInt a): combinational read-out of PE row `row_sel`'s
///   accumulators (rows past R read 0 when R is not a power of two).
public enum OSArray {
    /// Builds the top module (and its PE module) for `cfg`.
    public static func build(_ cfg: OSArrayConfig) throws -> Module {
        try cfg.validate()
        let pe = OSArrayPE.build(cfg)
        let m = Module(cfg.topName)
        m.doc = "Dense output-stationary systolic array, \(cfg.rows)x\(cfg.cols) PEs, SInt(\(cfg.dataWidth)) operands, SInt(\(cfg.accWidth)) accumulators."
        let d = BitsType.sint(cfg.dataWidth)
        let en = m.input("en", .bool)
        let clear = m.input("clear", .bool)
        let inRow = m.input("in_row", d, count: cfg.rows)
        let inCol = m.input("in_col", d, count: cfg.cols)
        let rowSel = m.input("row_sel", .uint(cfg.rowSelWidth))
        let rowOut = m.output("row_out", .sint(cfg.accWidth), count: cfg.cols)

        let grid = InstanceGrid(in: m, of: pe, rows: cfg.rows, cols: cfg.cols) { r, c in "pe_\(r)_\(c)" }
        grid.chainRows(from: "out_a", to: "in_a", entering: Array(inRow))
        grid.chainColumns(from: "out_b", to: "in_b", entering: Array(inCol))
        grid.broadcast("en", en)
        grid.broadcast("clear", clear)

        let acc = grid.collect("acc")
        let zero = m.const(0, .sint(cfg.accWidth))
        for c in 0..<cfg.cols {
            let column = Vec((0..<cfg.rows).map { acc[$0][c] })
            rowOut[c].assign(column.select(rowSel, default: zero))
        }
        return m
    }
}
