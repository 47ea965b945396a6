/// How work items are placed on the PE array. The array works in runs: a run loads every PE's
/// operand memory with a queue of items, starts all PEs together and ends when the slowest PE
/// has finished its queue (the array's done). A PE goes from one item of its queue to the next
/// without a bubble (the item's end mark travels with its last entry and the accumulators leave
/// in the cycle of its last MAC), so a run costs ``SparseTrainCycleModel/fetchLatency`` plus the
/// longest queue's stream cycles.
public enum ArrayMapping: String, Sendable, Hashable, Codable, CaseIterable {
    /// One item per PE and run, in the order the dataflow enumerates them (output channel, row,
    /// tile): the plain geometric mapping, PEs take neighbouring output rows of neighbouring
    /// channels and wait for each other after every item.
    case inOrder = "in-order"
    /// One item per PE and run, items sorted by their data-dependent stream cycles (longest
    /// first) so the items sharing a run cost about the same; still a barrier after every item.
    case sorted
    /// Queues: the items, longest first, each go to the least-loaded PE queue that still has room
    /// (operand memory entries and result slots), over as few runs as the memories allow
    /// (longest-processing-time-first list scheduling); the queues are then grouped into runs by
    /// load, so every run's PEs finish within about one small item of each other and the fixed
    /// per-run cost is paid once per memory load instead of once per item.
    case balanced

    public static func parse(_ s: String) throws -> ArrayMapping {
        guard let m = ArrayMapping(rawValue: s) else {
            throw SparseModelError("mapping must be \(allCases.map(\.rawValue).joined(separator: ", ")), got '\(s)'")
        }
        return m
    }
}

/// What one PE holds per run: entries of its operand memory and result slots (items).
public struct PECapacity: Sendable, Hashable, Codable {
    public let entries: Int
    public let slots: Int

    public init(entries: Int, slots: Int) {
        self.entries = entries
        self.slots = slots
    }
}

/// The cycle model of the SparseTrain array (exact: the RTL's cycle counter must equal it).
public enum SparseTrainCycleModel {
    /// Cycles from the first busy cycle to the first MAC: the operand memory's first word is read
    /// in the `start` cycle (prefetch) and the PE takes it in the run's first cycle; its MACs
    /// follow from the second.
    public static let fetchLatency = 1

    /// Cycles of one run whose PEs got the queues `queues` (the counter's value at done): the
    /// slowest PE's fetchLatency + Σ stream cycles of its queue, or 1 when no PE has an entry.
    public static func runCycles(_ queues: [[WorkItem]]) -> Int { runCycles(costs: queues.map { $0.map(\.cost) }) }

    /// The same from the items' costs.
    public static func runCycles(costs queues: [[ItemCost]]) -> Int {
        queues.reduce(1) { m, q in
            let entries = q.reduce(0) { $0 + $1.entries }, stream = q.reduce(0) { $0 + $1.streamCycles }
            return entries == 0 ? m : max(m, fetchLatency + stream)
        }
    }

    /// The runs of `items` on `pes` PEs under `mapping`: per run, per PE, its queue (indices into
    /// `items`). Items without entries are left out (they issue nothing: their outputs are 0).
    public static func runs(_ items: [WorkItem], pes: Int, capacity: PECapacity, mapping: ArrayMapping) throws -> [[[Int]]] {
        try runs(items.map(\.cost), pes: pes, capacity: capacity, mapping: mapping)
    }

    /// The same from the items' costs. Throws when an item has more entries than a PE's memory.
    public static func runs(_ costs: [ItemCost], pes: Int, capacity: PECapacity, mapping: ArrayMapping) throws -> [[[Int]]] {
        guard pes >= 1, capacity.entries >= 1, capacity.slots >= 1 else {
            throw SparseModelError("an array needs at least one PE, one entry and one slot per PE")
        }
        var work = costs.indices.filter { costs[$0].entries > 0 }
        if let big = work.first(where: { costs[$0].entries > capacity.entries }) {
            throw SparseModelError("work item \(big) has \(costs[big].entries) entries; a PE's memory holds \(capacity.entries) (cut items with maxEntries)")
        }
        let cost = costs.map(\.streamCycles)
        if mapping != .inOrder { work.sort { cost[$0] != cost[$1] ? cost[$0] > cost[$1] : $0 < $1 } }
        if mapping != .balanced {
            return stride(from: 0, to: work.count, by: pes).map { s in work[s..<min(work.count, s + pes)].map { [$0] } }
        }
        if work.isEmpty { return [] }
        let totalEntries = work.reduce(0) { $0 + costs[$1].entries }
        var runCount = max(1, (totalEntries + pes * capacity.entries - 1) / (pes * capacity.entries),
                           (work.count + pes * capacity.slots - 1) / (pes * capacity.slots))
        while true {
            if let queues = listSchedule(work, costs, bins: runCount * pes, capacity: capacity) {
                // Group the queues by load: the longest pes queues share a run, and so on.
                let load = queues.map { $0.reduce(0) { $0 + cost[$1] } }
                let order = queues.indices.sorted { load[$0] != load[$1] ? load[$0] > load[$1] : $0 < $1 }
                return stride(from: 0, to: order.count, by: pes).compactMap { s in
                    let run = order[s..<min(order.count, s + pes)].map { queues[$0] }
                    return run.allSatisfy(\.isEmpty) ? nil : run
                }
            }
            runCount += max(1, runCount / 16)
        }
    }

    /// Longest-processing-time-first list scheduling of `work` (already longest first) onto
    /// `bins` queues with `capacity` each: every item goes to the least-loaded queue it fits in
    /// (ties: the lowest queue). Nil when some item fits nowhere.
    static func listSchedule(_ work: [Int], _ costs: [ItemCost], bins: Int, capacity: PECapacity) -> [[Int]]? {
        var queues = [[Int]](repeating: [], count: bins)
        var entries = [Int](repeating: 0, count: bins)
        var heap = MinHeap((0..<bins).map { (0, $0) })
        var aside: [(Int, Int)] = []
        for i in work {
            let c = costs[i]
            var placed = false
            while let top = heap.pop() {
                let b = top.1
                if entries[b] + c.entries <= capacity.entries {
                    queues[b].append(i)
                    entries[b] += c.entries
                    if queues[b].count < capacity.slots && entries[b] < capacity.entries { heap.push((top.0 + c.streamCycles, b)) }
                    placed = true
                    break
                }
                aside.append(top)
            }
            for a in aside { heap.push(a) }
            aside.removeAll(keepingCapacity: true)
            if !placed { return nil }
        }
        return queues
    }
}

/// A binary min-heap of (key, tie-break) pairs, smallest pair first.
struct MinHeap {
    var a: [(Int, Int)]

    init(_ items: [(Int, Int)]) {
        a = items.sorted { $0 < $1 }
    }

    mutating func push(_ x: (Int, Int)) {
        a.append(x)
        var i = a.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard a[i] < a[p] else { break }
            a.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> (Int, Int)? {
        guard let first = a.first else { return nil }
        let last = a.removeLast()
        if a.isEmpty { return first }
        a[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < a.count && a[l] < a[m] { m = l }
            if r < a.count && a[r] < a[m] { m = r }
            if m == i { break }
            a.swapAt(i, m)
            i = m
        }
        return first
    }
}

/// A phase's cycle summary on the array, and where the cycles above the ideal bound go.
public struct PhaseCycles: Sendable, Hashable, Codable {
    /// Array cycles (Σ over runs).
    public let cycles: Int
    public let runs: Int
    /// Work items (including those without entries, which are not run).
    public let items: Int
    /// MACs issued (non-zero, unmasked pairs).
    public let pairs: Int
    /// Entry cycles that issue no MAC (an entry without a valid pair).
    public let idleEntries: Int
    public let pes: Int
    /// Σ over runs of the fixed cost: ``SparseTrainCycleModel/fetchLatency`` (1 for a run without entries).
    public let fixedCycles: Int

    /// The ideal bound: pairs / PEs (every PE issues a MAC every cycle).
    public var ideal: Double { Double(pairs) / Double(pes) }
    /// Fraction of PE-cycles that issue a MAC.
    public var utilisation: Double { cycles == 0 ? 0 : Double(pairs) / Double(cycles * pes) }
    /// Cycles lost to load imbalance: PEs waiting for the slowest PE of their run,
    /// cycles − fixed − (pairs + idle entries) / PEs.
    public var imbalance: Double { Double(cycles - fixedCycles) - Double(pairs + idleEntries) / Double(pes) }

    /// Summarises `items` on `pes` PEs.
    public init(_ items: [WorkItem], pes: Int, capacity: PECapacity, mapping: ArrayMapping) throws {
        try self.init(costs: items.map(\.cost), pes: pes, capacity: capacity, mapping: mapping)
    }

    /// Summarises items of `costs` on `pes` PEs.
    public init(costs: [ItemCost], pes: Int, capacity: PECapacity, mapping: ArrayMapping) throws {
        let runs = try SparseTrainCycleModel.runs(costs, pes: pes, capacity: capacity, mapping: mapping)
        cycles = runs.reduce(0) { $0 + SparseTrainCycleModel.runCycles(costs: $1.map { $0.map { costs[$0] } }) }
        self.runs = runs.count
        items = costs.count
        pairs = costs.reduce(0) { $0 + $1.pairs }
        idleEntries = costs.reduce(0) { $0 + $1.streamCycles - $1.pairs }
        self.pes = pes
        fixedCycles = runs.count * SparseTrainCycleModel.fetchLatency
    }
}
