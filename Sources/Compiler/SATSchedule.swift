import Formats
import SparseModel

/// The SAT core as the compiler sees it: array shape, weight-stream layout, PE latency.
public struct SATTarget: Sendable, Hashable {
    public let rows: Int
    public let cols: Int
    /// The weight stream's layout (pattern and value width).
    public let layout: NMStreamLayout
    /// The PE's pipeline latency in cycles.
    public let latency: Int

    public init(rows: Int, cols: Int, layout: NMStreamLayout, latency: Int) {
        self.rows = rows
        self.cols = cols
        self.layout = layout
        self.latency = latency
    }

    public var pattern: NMPattern { layout.pattern }
}

/// One output tile of a GEMM Y = W·X on the SAT core: W is R×K (N:M compressed along K, or
/// dense), X is K×C dense.
public struct SATTile: Sendable {
    /// Bubbles (invalid beats) inserted before beat g of the tile: `bubbles[g]` of them, as a
    /// stalled feeder produces; empty for none.
    public var bubbles: [Int] = []

    public enum Weights: Sendable {
        /// Sparse mode: M elements of K per beat.
        case sparse(NMCompressed<Int64>)
        /// Dense mode: N elements of K per beat.
        case dense(Matrix<Int64>)
    }
    public let weights: Weights
    public let x: Matrix<Int64>

    public init(weights: Weights, x: Matrix<Int64>, bubbles: [Int] = []) {
        self.weights = weights
        self.x = x
        self.bubbles = bubbles
    }

    public var sparse: Bool { if case .sparse = weights { return true } else { return false } }
    var k: Int { x.rows }
}

/// What the SAT core consumes, cycle by cycle (cycle 0 is the first cycle after reset): the
/// beats of each tile back to back (bubbles included), idle cycles only where two tiles' last
/// beats would come less than R cycles apart (the read-out of tile t overlaps tile t+1), and the
/// read-out of each tile from its done cycle on.
public struct SATProgram: Sendable {
    public let target: SATTarget
    /// Sparse (N:M) or dense mode, for the whole program.
    public let sparse: Bool
    /// Per cycle: the weight-stream word (``NMStreamLayout`` stream of R groups, 64-bit words);
    /// empty = all zero.
    public let weights: [[UInt64]]
    /// Per cycle: the dense operand, C columns of M lanes (column c's lanes at c·M ..< c·M + M);
    /// empty = all zero.
    public let dense: [[Int64]]
    public let valid: [Bool]
    public let last: [Bool]
    public let readout: ReadoutPlan

    public var cycles: Int { readout.cycles }

    /// Schedules `tiles` (one mode for all) on `target`. Throws unless every tile fits the array
    /// (W has R rows, X has C columns, K is a positive whole number of beats).
    public static func compile(_ tiles: [SATTile], on target: SATTarget) throws -> SATProgram {
        guard let first = tiles.first else { throw CompileError("a SAT program needs at least one tile") }
        let p = target.pattern, R = target.rows, C = target.cols
        var beats: [(weights: [[NMEntry]], dense: [Int64], last: Bool)] = []
        var lastBeats: [Int] = []
        for (t, tile) in tiles.enumerated() {
            guard tile.sparse == first.sparse else { throw CompileError("tile \(t) mixes sparse and dense mode") }
            let unit = tile.sparse ? p.m : p.n
            guard tile.x.cols == C, tile.k >= unit, tile.k % unit == 0 else {
                throw CompileError("tile \(t): X is \(tile.x.rows)x\(tile.x.cols); the array needs \(C) columns and K a positive multiple of \(unit)")
            }
            let G = tile.k / unit
            switch tile.weights {
            case .sparse(let w):
                guard w.rows == R, w.cols == tile.k, w.pattern == p else {
                    throw CompileError("tile \(t): W is \(w.rows)x\(w.cols) \(w.pattern); the array needs \(R)x\(tile.k) \(p)")
                }
            case .dense(let w):
                guard w.rows == R, w.cols == tile.k else { throw CompileError("tile \(t): W is \(w.rows)x\(w.cols); the array needs \(R)x\(tile.k)") }
            }
            guard tile.bubbles.isEmpty || (tile.bubbles.count == G && tile.bubbles.allSatisfy { $0 >= 0 }) else {
                throw CompileError("tile \(t): bubbles needs one non-negative count per beat (\(G)), got \(tile.bubbles.count)")
            }
            // Start right after the previous tile, later if its last beat would come less than
            // minLastBeatGap after the previous tile's (the read-out must stay ahead).
            let span = G + (tile.bubbles.isEmpty ? 0 : tile.bubbles.reduce(0, +))
            let start = max(beats.count, (lastBeats.last ?? Int.min / 2) + SATCycleModel.minLastBeatGap(rows: R) - (span - 1))
            while beats.count < start { beats.append(([], [], false)) }  // idle
            for g in 0..<G {
                for _ in 0..<(tile.bubbles.isEmpty ? 0 : tile.bubbles[g]) { beats.append(([], [], false)) }
                let groups: [[NMEntry]] = (0..<R).map { r in
                    switch tile.weights {
                    case .sparse(let w):
                        return (0..<p.n).map { j in
                            let k = w.entryPosition(row: r, group: g, slot: j)
                            return NMEntry(value: w.values[k], index: w.indices[k])
                        }
                    case .dense(let w):
                        return (0..<p.n).map { j in NMEntry(value: w[r, g * p.n + j], index: j) }
                    }
                }
                var lanes: [Int64] = []
                lanes.reserveCapacity(C * p.m)
                for c in 0..<C {
                    for j in 0..<p.m {
                        if tile.sparse { lanes.append(tile.x[g * p.m + j, c]) } else { lanes.append(j < p.n ? tile.x[g * p.n + j, c] : 0) }
                    }
                }
                beats.append((groups, lanes, g == G - 1))
            }
            lastBeats.append(beats.count - 1)
        }
        let done = lastBeats.map { SATCycleModel.doneCycle(lastBeat: $0, rows: R, latency: target.latency) }
        let readout = ReadoutPlan(doneCycles: done, rows: R)
        let n = readout.cycles
        var weights = [[UInt64]](repeating: [], count: n), dense = [[Int64]](repeating: [], count: n)
        var valid = [Bool](repeating: false, count: n), last = [Bool](repeating: false, count: n)
        for (i, b) in beats.enumerated() where !b.weights.isEmpty {
            weights[i] = try target.layout.pack(b.weights) { "cycle \(i), PE row \($0)" }
            dense[i] = b.dense
            valid[i] = true
            last[i] = b.last
        }
        return SATProgram(target: target, sparse: first.sparse, weights: weights, dense: dense, valid: valid, last: last, readout: readout)
    }
}
