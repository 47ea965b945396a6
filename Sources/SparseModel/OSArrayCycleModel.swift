/// Closed-form cycle model of the dense output-stationary array (osarray).
///
/// The feeder presents row r's beat k at cycle s + k + r and column c's at s + k + c (tile
/// start s); each hop east or south costs one cycle, so a[r][k] and b[k][c] meet in PE (r, c) at
/// cycle s + k + r + c. PE (R-1, C-1) accumulates the tile's last beat at s + K + R + C - 3, and
/// its result register (and `tile_done`) shows the tile two cycles later (the accumulator's
/// latency: the sum settles in the accumulator, then moves to the result register):
///
///     compute = K + R + C - 1 cycles from the tile's first beat to `tile_done`.
///
/// The registered read-out shows row r one cycle after `rd_row` selects it: R + 1 cycles for a
/// tile. Reading row r of tile t must happen before tile t+1 overwrites it, so consecutive
/// tiles' last beats are at least R + C - 1 cycles apart: the next tile streams while this one
/// is read out.
public enum OSArrayCycleModel {
    public static func computeCycles(rows: Int, cols: Int, k: Int) -> Int { k + rows + cols - 1 }
    /// The cycle in which `tile_done` shows a tile whose last beat entered row 0 at `lastBeat`
    /// (bubbles inside a tile only move its last beat): lastBeat + R + C.
    public static func doneCycle(lastBeat: Int, rows: Int, cols: Int) -> Int { lastBeat + rows + cols }

    public static func readoutCycles(rows: Int) -> Int { rows + 1 }
    /// The fewest cycles between the last beats of two consecutive tiles: R + C - 1, so that
    /// row r of a tile is read (at its done cycle + r) before the next tile's row r replaces it.
    public static func minLastBeatGap(rows: Int, cols: Int) -> Int { rows + cols - 1 }
}
