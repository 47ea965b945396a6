import Formats

/// A functional, untimed reference of the SAT training system's instruction set
/// (``Formats/Instruction``): it executes a program against a DRAM image with the buffers as
/// arrays, exactly per the ISA's semantics, and reports every error the hardware detects plus the
/// undefined behaviour it does not (``ISAError``).
///
/// It is written from the ISA and the hardware contract only (``InstructionCheck``,
/// ``ISAMachine``), independently of the compiler's layouts and schedule: besides
/// ``SystemTarget``'s plain values and the ``DRAMImage`` it runs on, it shares only Formats'
/// ``BitWriter``/``BitReader``/``NMStreamLayout`` and the golden model's update rule and top-N
/// selection.
///
/// Execution:
/// 1. Every instruction is decoded and checked (``InstructionCheck``); the first failing one, in
///    stream order, is reported.
/// 2. Token accounting (``UnitSchedule``): the dispatcher and units run as in-order queues; a
///    deadlock or a counter overflow is reported. The overflow check takes the worst of the
///    round-robin order and the orders in which each unit runs last.
/// 3. The instructions run in the round-robin order. Each agent (load, compute beats, compute
///    drain, store) carries a vector clock that tokens and SYNC propagate; an access to a buffer
///    entry or DRAM beat not ordered after a conflicting access of another agent is a race, and a
///    read of a never-written entry is undefined data. A race-free program's result does not
///    depend on the order the units ran in.
public struct ISAInterpreter: Sendable {
    public let target: SystemTarget
    /// Instructions each unit's queue holds (the hardware's `queueDepth`).
    public let queueDepth: Int
    /// Tokens a counter holds before overflowing (the hardware's 255).
    public let tokenCapacity: Int

    /// Throws unless `queueDepth` is in 1...64, `tokenCapacity` ≥ 1 and the target is an integer one.
    public init(target: SystemTarget, queueDepth: Int = 4, tokenCapacity: Int = 255) throws {
        guard (1...64).contains(queueDepth) else { throw CompileError("queue depth must be in 1...64, got \(queueDepth)") }
        guard tokenCapacity >= 1 else { throw CompileError("token capacity must be ≥ 1, got \(tokenCapacity)") }
        // Its GEMMs and update are the integer datapath's; float programs are checked on the RTL
        // against the float golden model instead.
        guard target.float == nil else { throw CompileError("the ISA interpreter models the integer datapath only, not \(target.float!.update.computeFormat) numerics") }
        self.target = target
        self.queueDepth = queueDepth
        self.tokenCapacity = tokenCapacity
    }

    /// What a run did.
    public struct Report: Sendable, Equatable {
        /// Instructions executed (SYNCs included) and GEMM beats issued.
        public let instructions: Int
        public let beats: Int
        /// Memory beats the LOADs read and the STOREs wrote.
        public let readBeats: Int
        public let writeBeats: Int
        /// The most tokens each counter held, worst case over the schedules checked.
        public let maxTokens: [TokenChannel: Int]
        /// Tokens left in the counters at the end (a balanced program leaves none).
        public let leftoverTokens: [TokenChannel: Int]
    }

    /// Runs `words` (two 64-bit words per instruction, ``Instruction/encode()``) on `dram`.
    /// Throws an ``ISAError`` at the first error.
    public func run(_ words: [UInt64], on dram: inout DRAMImage) throws -> Report {
        guard words.count % 2 == 0 else {
            throw ISAError(.malformedProgram, instruction: nil, "a program is 2 words per instruction, got \(words.count) words")
        }
        let checker = InstructionCheck(target: target, dramSize: dram.size)
        let program = try stride(from: 0, to: words.count, by: 2).map { try checker.check(Array(words[$0..<($0 + 2)]), index: $0 / 2) }
        let inOrder = try UnitSchedule(program, queueDepth: queueDepth, tokenCapacity: tokenCapacity, policy: .roundRobin)
        var maxTokens = inOrder.maxTokens
        for u in ExecutionUnit.allCases {
            let s = try UnitSchedule(program, queueDepth: queueDepth, tokenCapacity: tokenCapacity, policy: .last(u))
            maxTokens.merge(s.maxTokens, uniquingKeysWith: max)
        }
        var machine = ISAMachine(target: target, dramSize: dram.size, checker: checker)
        for i in inOrder.order { try machine.execute(program[i], dram: &dram) }
        return Report(instructions: inOrder.order.count, beats: machine.beats, readBeats: machine.readBeats,
                      writeBeats: machine.writeBeats, maxTokens: maxTokens, leftoverTokens: inOrder.leftover)
    }

    /// Encodes `instructions` and runs them; an instruction that does not encode is an
    /// `.unencodable` error.
    public func run(_ instructions: [Instruction], on dram: inout DRAMImage) throws -> Report {
        var words: [UInt64] = []
        for (i, insn) in instructions.enumerated() {
            do { words += try insn.encode() } catch let e as FormatError { throw ISAError(.unencodable, instruction: i, e.message) }
        }
        return try run(words, on: &dram)
    }
}
