import Formats

/// Closed-form cycle model of the SAT core (unified dense / N:M array) for one output tile.
///
/// The feeder presents one group per cycle: sparse mode consumes M elements of the reduction
/// dimension per cycle (G = K/M groups), dense mode N elements (G = K/N). The indexing unit
/// delays PE row r's weights by r cycles and the dense group reaches row r after r hops, so
/// group g is accumulated in row r at cycle g + r: the last (g = G-1, r = R-1) at G + R - 2.
///
///     compute = G + R - 1 cycles,    read-out = R cycles.
///
/// The work is data-independent, so the RTL must take exactly this many cycles.
public enum SATCycleModel {
    /// Groups streamed for a reduction length `k` (a multiple of M in sparse mode, of N in dense mode).
    public static func groups(k: Int, pattern: NMPattern, sparse: Bool) -> Int {
        sparse ? k / pattern.m : k / pattern.n
    }

    public static func computeCycles(rows: Int, k: Int, pattern: NMPattern, sparse: Bool) -> Int {
        groups(k: k, pattern: pattern, sparse: sparse) + rows - 1
    }

    public static func readoutCycles(rows: Int) -> Int { rows }

    /// Dense-mode over sparse-mode compute cycles for one tile.
    public static func speedup(rows: Int, k: Int, pattern: NMPattern) -> Double {
        Double(computeCycles(rows: rows, k: k, pattern: pattern, sparse: false))
            / Double(computeCycles(rows: rows, k: k, pattern: pattern, sparse: true))
    }
}
