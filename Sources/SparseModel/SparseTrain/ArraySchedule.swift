/// How work items are grouped into runs ("rounds") of the PE array: each run gives one item to
/// each of the R·C PEs, and ends when the slowest PE finishes (the array's done), so a run costs
/// its largest item.
public enum ArrayMapping: String, Sendable, Hashable, Codable, CaseIterable {
    /// Items in the order the dataflow enumerates them (output channel, row, tile): the plain
    /// geometric mapping, PEs take neighbouring output rows of neighbouring channels.
    case inOrder = "in-order"
    /// Items sorted by their data-dependent stream cycles, longest first, then cut into runs: the
    /// items sharing a run cost about the same, so little time is lost waiting for the slowest
    /// PE (the sparsity pattern is known when the operands are compressed, so the compiler can
    /// sort).
    case balanced

    public static func parse(_ s: String) throws -> ArrayMapping {
        guard let m = ArrayMapping(rawValue: s) else { throw SparseModelError("mapping must be in-order or balanced, got '\(s)'") }
        return m
    }
}

/// The cycle model of the SparseTrain array (exact: the RTL's cycle counter must equal it).
public enum SparseTrainCycleModel {
    /// Cycles from `start` to the first entry reaching a PE: one to read the operand memory,
    /// one in which the PE accepts it. A PE's stream of cycles follows.
    public static let fetchLatency = 2

    /// Cycles of one run whose PEs got `items` (the counter's value at done): the slowest PE's
    /// fetchLatency + stream cycles, or 1 when no PE has an entry.
    public static func runCycles(_ items: [WorkItem]) -> Int { runCycles(items.map(\.cost)) }

    /// The same from the items' costs.
    public static func runCycles(_ costs: [ItemCost]) -> Int {
        costs.reduce(1) { m, c in c.entries == 0 ? m : max(m, fetchLatency + c.streamCycles) }
    }

    /// The runs of `items` on `pes` PEs under `mapping` (indices into `items`).
    public static func runs(_ items: [WorkItem], pes: Int, mapping: ArrayMapping) -> [[Int]] { runs(items.map(\.cost), pes: pes, mapping: mapping) }

    /// The same from the items' costs.
    public static func runs(_ costs: [ItemCost], pes: Int, mapping: ArrayMapping) -> [[Int]] {
        var order = Array(costs.indices)
        if mapping == .balanced {
            let cost = costs.map(\.streamCycles)
            order.sort { cost[$0] != cost[$1] ? cost[$0] > cost[$1] : $0 < $1 }
        }
        return stride(from: 0, to: order.count, by: max(1, pes)).map { Array(order[$0..<min(order.count, $0 + pes)]) }
    }
}

/// A phase's cycle summary on the array.
public struct PhaseCycles: Sendable, Hashable, Codable {
    /// Array cycles (Σ over runs).
    public let cycles: Int
    public let runs: Int
    /// Work items.
    public let items: Int
    /// MACs issued (non-zero, unmasked pairs).
    public let pairs: Int
    /// Entry cycles that issue no MAC (an entry without a valid pair).
    public let idleEntries: Int
    public let pes: Int

    /// The ideal bound: pairs / PEs (every PE issues a MAC every cycle).
    public var ideal: Double { Double(pairs) / Double(pes) }
    /// Fraction of PE-cycles that issue a MAC.
    public var utilisation: Double { cycles == 0 ? 0 : Double(pairs) / Double(cycles * pes) }

    /// Summarises `items` on `pes` PEs.
    public init(_ items: [WorkItem], pes: Int, mapping: ArrayMapping) { self.init(costs: items.map(\.cost), pes: pes, mapping: mapping) }

    /// Summarises items of `costs` on `pes` PEs.
    public init(costs: [ItemCost], pes: Int, mapping: ArrayMapping) {
        let runs = SparseTrainCycleModel.runs(costs, pes: pes, mapping: mapping)
        cycles = runs.reduce(0) { $0 + SparseTrainCycleModel.runCycles($1.map { costs[$0] }) }
        self.runs = runs.count
        items = costs.count
        pairs = costs.reduce(0) { $0 + $1.pairs }
        idleEntries = costs.reduce(0) { $0 + $1.streamCycles - $1.pairs }
        self.pes = pes
    }
}
