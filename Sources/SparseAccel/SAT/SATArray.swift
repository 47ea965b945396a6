import HWCore

/// The SAT core: the sparse indexing unit feeding an R x C array of ``SparsePE``s.
///
/// Contract:
/// * A beat (one cycle) carries `w_stream` — one compressed group of every PE row
///   (``SparseIndexUnit``), broadcast along each PE row with row r delayed by r cycles — the beat
///   flags `in_valid` and `in_last`, and `in_x` (C x M x SInt d), the dense operand, one group of
///   M elements per column, entering PE (0, c) and moving south one PE per cycle. The indexing
///   unit delays row r's weights by r cycles, exactly when the beat reaches row r, so the array
///   needs no input skew; it zeroes an invalid beat's weights (a bubble adds nothing) and times
///   each row's tile boundary.
/// * A tile is a run of valid beats ending with a last beat; row r finishes it r cycles after
///   row 0 (plus the PE's pipeline latency), and its result registers hold it until the next
///   tile's last beat: the next tile streams while this one is read out.
/// * `tile_done` is high in the cycle in which row R-1 (the last to finish) shows the tile.
/// * `rd_row` / `rd_data` (C x SInt a): registered read-out, one cycle of latency
///   (``ResultReadout``).
/// * `mode` (1 = sparse N:M, 0 = dense): a configuration input, registered once at the array
///   boundary (`mode_q`, no reset), so it applies from the cycle after it is presented; hold it
///   for a whole GEMM (the workloads set it during reset). The register cuts the path from the
///   outside into the R·C·N index multiplexers it fans out to, and in Verilator it keeps every
///   PE's multiplexers out of the logic re-evaluated whenever an input changes: 1.7x the
///   simulation speed of the 16x16 array.
/// Broadcasting the weight lanes along rows (instead of moving them east one PE per cycle)
/// makes the fill/drain R - 1 cycles instead of R + C - 2: for 16x16 and K = 4096 at 2:8 the
/// array reaches 0.98 of the ideal M/N speedup instead of 0.96.
public enum SATArray {
    /// The core's ports.
    public struct Ports: Interface {
        @Input(.bool) public var mode: Signal
        @Input public var wStream: Signal
        @Input public var inX: [Vec]
        @Input(.bool) public var inValid: Signal
        @Input(.bool) public var inLast: Signal
        @Input public var rdRow: Signal
        @Output public var rdData: Vec
        @Output(.bool) public var tileDone: Signal

        public init(_ cfg: SATConfig) {
            _wStream = Input(.uint(cfg.streamWidth))
            _inX = Input(.sint(cfg.dataWidth), count: cfg.cols, lanes: cfg.m)
            _rdRow = Input(.uint(cfg.rowSelWidth))
            _rdData = Output(.sint(cfg.accWidth), count: cfg.cols)
        }
    }

    public static func build(_ cfg: SATConfig) throws -> Definition<Ports> {
        try cfg.validate()
        let pe = try SparsePE.build(cfg)
        let iu = try SparseIndexUnit.build(cfg)
        let mod = Module(cfg.topName)
        mod.doc = "SAT core: \(cfg.rows)x\(cfg.cols) unified dense/\(cfg.n):\(cfg.m) PEs, "
            + (cfg.numerics.isFloat ? "\(cfg.numerics) operands, fp32 adder trees and accumulators (IEEE bit patterns in the SInt ports)."
                : "SInt(\(cfg.dataWidth)) operands, SInt(\(cfg.accWidth)) accumulators.")
        let io = mod.ports(Ports(cfg))

        let index = mod.instance(iu, "index_unit")
        index.wStream.assign(io.wStream)
        index.inValid.assign(io.inValid)
        index.inLast.assign(io.inLast)

        let grid = InstanceGrid(in: mod, of: pe, rows: cfg.rows, cols: cfg.cols) { r, c in "pe_\(r)_\(c)" }
        grid.broadcastAlongRows(\.inW, index.rowW)
        grid.broadcastAlongRows(\.inIdx, index.rowIdx)
        grid.broadcastAlongRows(\.inFirst, Array(index.rowFirst))
        grid.chainColumns(\.outX, to: \.inX, entering: io.inX)
        grid.broadcast(\.mode, mod.reg("mode_q", next: io.mode, reset: .none))

        ResultReadout.build(results: grid.collect(\.result), rdRow: io.rdRow, rdData: io.rdData, accWidth: cfg.accWidth)
        // Row R-1 shows a tile TileAccumulator.latency cycles after accumulating its last beat.
        io.tileDone.assign(index.rowDone)
        return Definition(mod, io)
    }
}
