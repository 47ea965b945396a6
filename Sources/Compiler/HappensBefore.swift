/// Race detection on a set of locations (buffer entries or DRAM beats): each location remembers
/// its last writer and, per agent, its last reader since that write. An access by agent a at
/// clock V is ordered after an earlier one by agent b at b's time t iff t ≤ V[b] (a token chain or
/// a SYNC carried b's clock to a). Two accesses, at least one a write, by different agents and not
/// ordered are a race. Accesses of one agent are ordered by its program order.
struct AccessTable: Sendable {
    private var writerAgent: [Int]
    private var writerTime: [Int]
    private var writerInsn: [Int]
    private var readerTime: [[Int]]  // [agent][location]
    private var readerInsn: [[Int]]
    /// Names location i in messages, e.g. "XBUF[3]".
    let name: @Sendable (Int) -> String

    init(locations: Int, name: @escaping @Sendable (Int) -> String) {
        writerAgent = [Int](repeating: -1, count: locations)
        writerTime = [Int](repeating: 0, count: locations)
        writerInsn = [Int](repeating: -1, count: locations)
        readerTime = [[Int]](repeating: [Int](repeating: -1, count: locations), count: Agent.allCases.count)
        readerInsn = readerTime
        self.name = name
    }

    /// Whether location `i` was ever written.
    func written(_ i: Int) -> Bool { writerAgent[i] >= 0 }

    /// Records a read of `i` by instruction `insn` of agent `a` at clock `v`; throws on a race with
    /// the last write.
    mutating func read(_ i: Int, by a: Agent, at v: VectorClock, insn: Int) throws {
        try checkWriter(i, a, v, insn, "reads")
        readerTime[a.rawValue][i] = v[a]
        readerInsn[a.rawValue][i] = insn
    }

    /// Records a write of `i`; throws on a race with the last write or a read since.
    mutating func write(_ i: Int, by a: Agent, at v: VectorClock, insn: Int) throws {
        try checkWriter(i, a, v, insn, "writes")
        for b in Agent.allCases where b != a && readerTime[b.rawValue][i] > v[b] {
            throw ISAError(.race, instruction: insn,
                           "writes \(name(i)) while instruction \(readerInsn[b.rawValue][i]) (\(b)) may still read it: no token or SYNC orders them")
        }
        writerAgent[i] = a.rawValue
        writerTime[i] = v[a]
        writerInsn[i] = insn
        for b in Agent.allCases { readerTime[b.rawValue][i] = -1 }
    }

    private func checkWriter(_ i: Int, _ a: Agent, _ v: VectorClock, _ insn: Int, _ verb: String) throws {
        let w = writerAgent[i]
        guard w >= 0, w != a.rawValue, let b = Agent(rawValue: w), writerTime[i] > v[b] else { return }
        throw ISAError(.race, instruction: insn,
                       "\(verb) \(name(i)) while instruction \(writerInsn[i]) (\(b)) may still write it: no token or SYNC orders them")
    }
}

/// The agents of the system that access buffers and DRAM concurrently: the load unit, the compute
/// unit's beat issue, its drain (which writes a closed tile to OBUF/PBUF, reading MBUF, after the
/// GEMM's last beat and concurrently with the next GEMMs' beats), and the store unit.
enum Agent: Int, CaseIterable, Sendable, CustomStringConvertible {
    case load = 0, issue, drain, store
    var description: String { ["load", "compute", "drain", "store"][rawValue] }
}

/// A vector clock over the agents: component a counts agent a's instructions that happened before.
struct VectorClock: Sendable, Equatable {
    private(set) var time = [Int](repeating: 0, count: Agent.allCases.count)

    subscript(a: Agent) -> Int { time[a.rawValue] }

    mutating func tick(_ a: Agent) { time[a.rawValue] += 1 }

    mutating func join(_ other: VectorClock) {
        for i in time.indices { time[i] = max(time[i], other.time[i]) }
    }
}
