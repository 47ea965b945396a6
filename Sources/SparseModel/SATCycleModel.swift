import Formats

/// Closed-form cycle model of the SAT core (unified dense / N:M array).
///
/// The feeder presents one beat per cycle: sparse mode consumes M elements of the reduction
/// dimension per beat (G = K/M beats per tile), dense mode N elements (G = K/N). The indexing
/// unit delays PE row r's weights and beat flags by r cycles and the dense group reaches row r
/// after r hops, so beat g of a tile starting at s reaches row r at s + g + r, and is accumulated
/// `latency` cycles later (the PE's pipeline registers). Row R-1 shows the tile (and `tile_done`
/// rises) two cycles after it accumulates the last beat (the sum settles in the accumulator,
/// then moves to the result register):
///
///     compute = G + R + latency cycles from the tile's first beat to `tile_done`.
///
/// The registered read-out takes R + 1 cycles; consecutive tiles' last beats must be at least R
/// cycles apart (row r of tile t is read before tile t+1 overwrites it). The work is data-independent, so the RTL must
/// take exactly this many cycles.
public enum SATCycleModel {
    /// Beats of a tile with reduction length `k` (a multiple of M in sparse mode, of N in dense mode).
    public static func groups(k: Int, pattern: NMPattern, sparse: Bool) -> Int {
        sparse ? k / pattern.m : k / pattern.n
    }

    public static func computeCycles(rows: Int, k: Int, pattern: NMPattern, sparse: Bool, latency: Int = 0) -> Int {
        groups(k: k, pattern: pattern, sparse: sparse) + rows + latency
    }

    /// The cycle in which `tile_done` shows a tile whose last beat entered at `lastBeat`
    /// (bubbles inside a tile only move its last beat): lastBeat + R + latency + 1.
    public static func doneCycle(lastBeat: Int, rows: Int, latency: Int = 0) -> Int { lastBeat + rows + latency + 1 }

    public static func readoutCycles(rows: Int) -> Int { rows + 1 }

    /// The fewest cycles between the last beats of two consecutive tiles: R, so that row r of a
    /// tile is read (at its done cycle + r) before the next tile's row r replaces it.
    public static func minLastBeatGap(rows: Int) -> Int { rows }

    /// Dense-mode over sparse-mode compute cycles for one tile.
    public static func speedup(rows: Int, k: Int, pattern: NMPattern, latency: Int = 0) -> Double {
        Double(computeCycles(rows: rows, k: k, pattern: pattern, sparse: false, latency: latency))
            / Double(computeCycles(rows: rows, k: k, pattern: pattern, sparse: true, latency: latency))
    }
}
