import HWCore

/// The dense output-stationary systolic array: R x C ``OSArrayPE``s.
///
/// Contract:
/// * `in_row` (R x SInt d) with per-row beat flags `in_valid`, `in_last` (R bits each): row r's
///   operand enters PE (r, 0) and moves east one PE per cycle, its last flag with it. An invalid
///   beat's operand (and last flag) is zeroed at the edge, so it adds nothing: a bubble.
/// * `in_col` (C x SInt d): column c's operand enters PE (0, c) and moves south one PE per cycle.
///   The array does not skew its inputs: the feeder delays row r (operand and flags) and column c
///   by r and c cycles, so a[r][k] and b[k][c] meet in PE (r, c).
/// * A tile is a run of valid beats ending with a last beat; PE (r, c) finishes it when its last
///   beat passes, and its result register holds the tile until the next tile's last beat.
/// * `tile_done` is high in the cycle in which PE (R-1, C-1) — the last to finish — shows the
///   finished tile: every result of the tile is readable from then on.
/// * `rd_row` / `rd_data` (C x SInt a): registered read-out; `rd_data` shows row `rd_row`'s
///   results one cycle later (``ResultReadout``).
public enum OSArray {
    /// The array's ports.
    public struct Ports: Interface {
        @Input public var inRow: Vec
        @Input public var inCol: Vec
        @Input public var inValid: Vec
        @Input public var inLast: Vec
        @Input public var rdRow: Signal
        @Output public var rdData: Vec
        @Output(.bool) public var tileDone: Signal

        public init(_ cfg: OSArrayConfig) {
            let d = BitsType.sint(cfg.dataWidth)
            _inRow = Input(d, count: cfg.rows)
            _inCol = Input(d, count: cfg.cols)
            _inValid = Input(.bool, count: cfg.rows)
            _inLast = Input(.bool, count: cfg.rows)
            _rdRow = Input(.uint(cfg.rowSelWidth))
            _rdData = Output(.sint(cfg.accWidth), count: cfg.cols)
        }
    }

    /// Builds the top module (and its PE module) for `cfg`.
    public static func build(_ cfg: OSArrayConfig) throws -> Definition<Ports> {
        try cfg.validate()
        let pe = OSArrayPE.build(cfg)
        let m = Module(cfg.topName)
        m.doc = "Dense output-stationary systolic array, \(cfg.rows)x\(cfg.cols) PEs, SInt(\(cfg.dataWidth)) operands, SInt(\(cfg.accWidth)) accumulators."
        let io = m.ports(Ports(cfg))
        let grid = InstanceGrid(in: m, of: pe, rows: cfg.rows, cols: cfg.cols) { r, c in "pe_\(r)_\(c)" }
        // Bubbles: an invalid beat enters as zeros (one gate per row, not a flag in every PE).
        let rowIn = (0..<cfg.rows).map { r in m.wire("row_in_\(r)", mux(io.inValid[r], io.inRow[r], 0)) }
        let lastIn = (0..<cfg.rows).map { r in m.wire("last_in_\(r)", io.inValid[r] && io.inLast[r]) }
        grid.chainRows(\.outA, to: \.inA, entering: rowIn)
        let last = grid.chainRows(\.outLast, to: \.inLast, entering: lastIn)
        grid.chainColumns(\.outB, to: \.inB, entering: Array(io.inCol))
        ResultReadout.build(results: grid.collect(\.result), rdRow: io.rdRow, rdData: io.rdData, accWidth: cfg.accWidth)
        // PE (R-1, C-1)'s last_q (its east edge) rises the cycle after it accumulates a last
        // beat; its result shows the tile TileAccumulator.latency cycles after accumulating.
        ResultReadout.done(last[cfg.rows - 1], delay: TileAccumulator.latency - 1, into: io.tileDone)
        return Definition(m, io)
    }
}
