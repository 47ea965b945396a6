import SparseModel

/// The dense output-stationary array as the compiler sees it.
public struct OSArrayTarget: Sendable, Hashable {
    public let rows: Int
    public let cols: Int
    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
    }
}

/// One output tile C = A·B on the osarray: A is R×K, B is K×C.
public struct OSArrayTile: Sendable {
    public let a: Matrix<Int64>
    public let b: Matrix<Int64>
    /// Bubbles (invalid beats) inserted before beat k: `bubbles[k]` of them; empty for none.
    public var bubbles: [Int]
    public init(a: Matrix<Int64>, b: Matrix<Int64>, bubbles: [Int] = []) {
        self.a = a
        self.b = b
        self.bubbles = bubbles
    }
}

/// What the osarray consumes, cycle by cycle (cycle 0 is the first cycle after reset): the
/// skewed operands of each tile (row r delayed by r, column c by c), tiles back to back with
/// idle cycles only where two tiles' last beats would come less than R + C - 1 cycles apart (the
/// read-out of tile t overlaps tile t+1), and the read-out of each tile from its done cycle on.
public struct OSArrayProgram: Sendable {
    public let target: OSArrayTarget
    /// Per cycle: R row operands, C column operands, R valid and R last flags.
    public let rowValues: [[Int64]]
    public let colValues: [[Int64]]
    public let valid: [[Bool]]
    public let last: [[Bool]]
    public let readout: ReadoutPlan

    public var cycles: Int { readout.cycles }

    public static func compile(_ tiles: [OSArrayTile], on target: OSArrayTarget) throws -> OSArrayProgram {
        guard !tiles.isEmpty else { throw CompileError("an osarray program needs at least one tile") }
        let R = target.rows, C = target.cols
        // Beat k of each tile enters (row 0, column 0) at beatTime[t][k]; row r and column c see it
        // r and c cycles later.
        var beatTime: [[Int]] = [], time = 0
        let gap = OSArrayCycleModel.minLastBeatGap(rows: R, cols: C)
        for (t, tile) in tiles.enumerated() {
            let K = tile.a.cols
            guard tile.a.rows == R, tile.b.cols == C, tile.a.cols == tile.b.rows, K >= 1 else {
                throw CompileError("tile \(t): A is \(tile.a.rows)x\(tile.a.cols), B is \(tile.b.rows)x\(tile.b.cols); the array needs \(R)xK times Kx\(C), K >= 1")
            }
            guard tile.bubbles.isEmpty || (tile.bubbles.count == K && tile.bubbles.allSatisfy { $0 >= 0 }) else {
                throw CompileError("tile \(t): bubbles needs one non-negative count per beat (\(K)), got \(tile.bubbles.count)")
            }
            // Start right after the previous tile, later if this tile's last beat would come less
            // than `gap` after the previous tile's (the read-out must stay ahead).
            let span = K + (tile.bubbles.isEmpty ? 0 : tile.bubbles.reduce(0, +))
            var times: [Int] = [], at = max(time, (beatTime.last?.last ?? Int.min / 2) + gap - (span - 1))
            for k in 0..<K {
                at += tile.bubbles.isEmpty ? 0 : tile.bubbles[k]
                times.append(at)
                at += 1
            }
            beatTime.append(times)
            time = at
        }
        let done = beatTime.map { OSArrayCycleModel.doneCycle(lastBeat: $0.last!, rows: R, cols: C) }
        let readout = ReadoutPlan(doneCycles: done, rows: R)
        let n = readout.cycles
        var rowValues = [[Int64]](repeating: [Int64](repeating: 0, count: R), count: n)
        var colValues = [[Int64]](repeating: [Int64](repeating: 0, count: C), count: n)
        var valid = [[Bool]](repeating: [Bool](repeating: false, count: R), count: n)
        var last = valid
        for (tile, times) in zip(tiles, beatTime) {
            let K = tile.a.cols
            for (k, s) in times.enumerated() {
                for r in 0..<R {
                    rowValues[s + r][r] = tile.a[r, k]
                    valid[s + r][r] = true
                    last[s + r][r] = k == K - 1
                }
                for c in 0..<C { colValues[s + c][c] = tile.b[k, c] }
            }
        }
        return OSArrayProgram(target: target, rowValues: rowValues, colValues: colValues, valid: valid, last: last, readout: readout)
    }
}
