import HWCore

/// The SAT core: the sparse indexing unit feeding an R x C array of ``SparsePE``s.
///
/// Contract:
/// * `w_stream`: one compressed group of every PE row per cycle (format: ``SparseIndexUnit``);
///   its lanes are broadcast along each PE row, row r delayed by r cycles.
/// * `in_x` (C x M x SInt d): the dense operand, one group of M elements per column per cycle,
///   entering PE (0, c) and moving south one PE per cycle. No skew is needed at the inputs: the
///   indexing unit delays row r's weights by r cycles, exactly when the dense group reaches row r.
/// * `mode` (1 = sparse N:M, 0 = dense): a configuration input, registered once at the array
///   boundary (`mode_q`, no reset), so it applies from the cycle after it is presented; hold it
///   for a whole GEMM (the workloads set it during reset). The register cuts the path from the
///   outside into the R·C·N index multiplexers it fans out to, and in Verilator it keeps every
///   PE's multiplexers out of the logic re-evaluated whenever an input changes: 1.7x the
///   simulation speed of the 16x16 array.
/// * `en`, `clear` (zero all accumulators).
/// * `row_sel` / `row_out` (C x SInt a): combinational read-out of PE row `row_sel`.
/// Broadcasting the weight lanes along rows (instead of moving them east one PE per cycle)
/// makes the fill/drain R - 1 cycles instead of R + C - 2: for 16x16 and K = 4096 at 2:8 the
/// array reaches 0.98 of the ideal M/N speedup instead of 0.96.
public enum SATArray {
    public static func build(_ cfg: SATConfig) throws -> Module {
        try cfg.validate()
        let pe = SparsePE.build(cfg)
        let iu = try SparseIndexUnit.build(cfg)
        let mod = Module(cfg.topName)
        mod.doc = "SAT core: \(cfg.rows)x\(cfg.cols) unified dense/\(cfg.n):\(cfg.m) PEs, SInt(\(cfg.dataWidth)) operands, SInt(\(cfg.accWidth)) accumulators."
        let en = mod.input("en", .bool)
        let clear = mod.input("clear", .bool)
        let mode = mod.input("mode", .bool)
        let stream = mod.input("w_stream", .uint(cfg.streamWidth))
        let inX = mod.port("in_x", .input, .vector(.vector(.sint(cfg.dataWidth), count: cfg.m), count: cfg.cols))
        let rowSel = mod.input("row_sel", .uint(cfg.rowSelWidth))
        let rowOut = mod.output("row_out", .sint(cfg.accWidth), count: cfg.cols)

        let index = mod.instance(iu, "index_unit")
        index["w_stream"].assign(stream)
        index["en"].assign(en)

        let grid = InstanceGrid(in: mod, of: pe, rows: cfg.rows, cols: cfg.cols) { r, c in "pe_\(r)_\(c)" }
        let lanes = index.value("row")
        grid.broadcastAlongRows("in_w", (0..<cfg.rows).map { lanes[$0]["w"] })
        grid.broadcastAlongRows("in_idx", (0..<cfg.rows).map { lanes[$0]["idx"] })
        grid.chainColumns(from: "out_x", to: "in_x", entering: (0..<cfg.cols).map { inX[$0] })
        grid.broadcast("mode", mod.reg("mode_q", next: mode))
        grid.broadcast("en", en)
        grid.broadcast("clear", clear)

        let acc = grid.collect("acc")
        let zero = mod.const(0, .sint(cfg.accWidth))
        for c in 0..<cfg.cols {
            rowOut[c].assign(Vec((0..<cfg.rows).map { acc[$0][c] }).select(rowSel, default: zero))
        }
        return mod
    }
}
