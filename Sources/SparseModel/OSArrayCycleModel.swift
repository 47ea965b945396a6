/// Closed-form cycle model of the dense output-stationary array (osarray) for one GEMM tile.
///
/// Row r's operand enters PE (r, 0) at cycle t = k + r and column c's at PE (0, c) at
/// t = k + c (the feeder skews them); each hop east or south costs one cycle, so a[r][k] and
/// b[k][c] meet in PE (r, c) at cycle k + r + c. The last product (k = K-1 in PE (R-1, C-1))
/// is accumulated at cycle K + R + C - 3, so a tile needs
///
///     compute = K + R + C - 2 cycles (K streaming + R + C - 2 fill and drain),
///
/// then R cycles to read the accumulators out one PE row per cycle.
public enum OSArrayCycleModel {
    public static func computeCycles(rows: Int, cols: Int, k: Int) -> Int { k + rows + cols - 2 }
    public static func readoutCycles(rows: Int) -> Int { rows }
    /// Reset (1) + compute + read-out.
    public static func totalCycles(rows: Int, cols: Int, k: Int) -> Int {
        1 + computeCycles(rows: rows, cols: cols, k: k) + readoutCycles(rows: rows)
    }
}
