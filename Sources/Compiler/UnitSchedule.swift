/// The token accounting of a program: the dispatcher and the three units executed as in-order
/// queues, untimed.
///
/// Model (the hardware's `Dispatcher` and units): instructions are dispatched in stream order into
/// the load, compute or store queue (`queueDepth` entries each), a unit takes its queue's head as
/// its active instruction and executes it once every token it pops is available (a GEMM pops its
/// two at once), then pushes its tokens (a counter above `tokenCapacity` is an overflow). SYNC
/// is dispatched once every queue is empty and every unit idle. With nothing able to move and
/// instructions left, the program deadlocks: the report names the first waiting instruction and
/// the token it waits for.
///
/// A unit's progress never disables another's (each counter has one consumer), so whether a
/// program deadlocks does not depend on the order in which units move. How many tokens pile up
/// does: `Policy.last(u)` moves unit u only when no other can, the worst case for the counters u
/// consumes; running it for each unit bounds every counter.
struct UnitSchedule {
    enum Policy: Sendable, Hashable {
        /// Every unit moves whenever it can, load, compute, store in turn.
        case roundRobin
        /// Unit `u` moves only when no other unit or the dispatcher can.
        case last(ExecutionUnit)
    }

    /// The instruction indices in execution order, the largest count each counter reached, the
    /// tokens left at the end.
    let order: [Int]
    let maxTokens: [TokenChannel: Int]
    let leftover: [TokenChannel: Int]

    /// Runs `program` under `policy`. Throws ``ISAError`` `.tokenOverflow` or `.deadlock`.
    init(_ program: [CheckedInstruction], queueDepth: Int, tokenCapacity: Int, policy: Policy) throws {
        var queues = [[Int]](repeating: [], count: ExecutionUnit.allCases.count)
        var heads = [Int](repeating: 0, count: queues.count)  // queue front (queues only grow)
        var active = [Int?](repeating: nil, count: queues.count)
        var tokens: [TokenChannel: Int] = [:]
        var maxTokens: [TokenChannel: Int] = [:]
        var order: [Int] = []
        order.reserveCapacity(program.count)
        var next = 0

        func queued(_ u: ExecutionUnit) -> Int { queues[u.rawValue].count - heads[u.rawValue] }
        func idle() -> Bool { ExecutionUnit.allCases.allSatisfy { queued($0) == 0 && active[$0.rawValue] == nil } }
        func dispatch() -> Bool {
            var moved = false
            while next < program.count {
                let insn = program[next]
                if let u = insn.unit {
                    guard queued(u) < queueDepth else { break }
                    queues[u.rawValue].append(next)
                } else {
                    guard idle() else { break }
                    order.append(next)
                }
                next += 1
                moved = true
            }
            for u in ExecutionUnit.allCases where active[u.rawValue] == nil && queued(u) > 0 {
                active[u.rawValue] = queues[u.rawValue][heads[u.rawValue]]
                heads[u.rawValue] += 1
                moved = true
            }
            return moved
        }
        func ready(_ u: ExecutionUnit) -> Bool {
            guard let i = active[u.rawValue] else { return false }
            return program[i].pops.allSatisfy { tokens[$0, default: 0] > 0 }
        }
        func run(_ u: ExecutionUnit) throws {
            guard let i = active[u.rawValue] else { return }
            for c in program[i].pops { tokens[c, default: 0] -= 1 }
            for c in program[i].pushes {
                tokens[c, default: 0] += 1
                maxTokens[c] = max(maxTokens[c, default: 0], tokens[c, default: 0])
                guard tokens[c, default: 0] <= tokenCapacity else {
                    throw ISAError(.tokenOverflow, instruction: program[i].index,
                                   "pushes a \(c) token beyond the counter's \(tokenCapacity) (\(policy == .roundRobin ? "in order" : "when \(Self.lastUnit(policy)) runs last"))")
                }
            }
            order.append(i)
            active[u.rawValue] = nil
        }

        while true {
            var moved = dispatch()
            switch policy {
            case .roundRobin:
                for u in ExecutionUnit.allCases where ready(u) {
                    try run(u)
                    moved = true
                }
            case .last(let slow):
                if let u = ExecutionUnit.allCases.first(where: { $0 != slow && ready($0) }) {
                    try run(u)
                    moved = true
                } else if !moved, ready(slow) {
                    try run(slow)
                    moved = true
                }
            }
            if !moved { break }
        }
        guard next == program.count, idle() else {
            let waiting = ExecutionUnit.allCases.compactMap { active[$0.rawValue] }.min() ?? next
            let insn = program[waiting]
            let name = "\(insn.instruction.opcode)".uppercased()
            let missing = insn.pops.filter { tokens[$0, default: 0] == 0 }.map(\.description).joined(separator: " and ")
            throw ISAError(.deadlock, instruction: insn.index,
                           missing.isEmpty ? "\(name) can never be dispatched" : "\(name) waits for a \(missing) token that never comes")
        }
        self.order = order
        self.maxTokens = maxTokens
        leftover = tokens.filter { $0.value != 0 }
    }

    private static func lastUnit(_ p: Policy) -> String {
        if case .last(let u) = p { return "the \(u) unit" }
        return ""
    }
}
