/// A read of one result row through the array's registered read-out.
public struct ResultRead: Sendable, Hashable {
    /// Which tile (0-based, in issue order) and which PE row.
    public let tile: Int
    public let row: Int
    /// The cycle in which `rd_data` shows the row (`rd_row` selects it one cycle earlier).
    public let cycle: Int
}

/// An error in what the compiler was asked to schedule (shapes that do not fit the array, a
/// reduction length that is not a whole number of beats).
public struct CompileError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The part of a tile program every output-stationary array shares: when each tile is done
/// (the cycle model's prediction of the `tile_done` pulse) and when each result row is read.
public struct ReadoutPlan: Sendable {
    /// Cycles of the program (cycle 0 is the first cycle after reset).
    public let cycles: Int
    /// Per tile: the cycle in which `tile_done` is high for it.
    public let doneCycles: [Int]
    /// Every result row of every tile, in cycle order.
    public let reads: [ResultRead]
    /// `rd_row` per cycle.
    public let readRow: [Int]

    /// Tiles done at `doneCycles`, each read row by row starting in its done cycle: row r is
    /// selected at done + r and shown at done + r + 1.
    init(doneCycles: [Int], rows: Int) {
        self.doneCycles = doneCycles
        let end = (doneCycles.last ?? 0) + rows + 1
        var readRow = [Int](repeating: 0, count: end)
        var selected = [Bool](repeating: false, count: end)
        var reads: [ResultRead] = []
        for (t, d) in doneCycles.enumerated() {
            for r in 0..<rows {
                readRow[d + r] = r
                selected[d + r] = true
                reads.append(ResultRead(tile: t, row: r, cycle: d + r + 1))
            }
        }
        // Between reads `rd_row` holds its last value (fewer input changes to simulate).
        for c in 1..<max(1, end) where !selected[c] { readRow[c] = readRow[c - 1] }
        cycles = end
        self.reads = reads
        self.readRow = readRow
    }
}
