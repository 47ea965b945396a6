import Formats

/// An instruction stream under construction: instructions without dependency flags, each with
/// the earlier instructions it must follow through a token (`needs[channel]` = the producer's
/// index). ``assignTokens()`` turns the needs into flags.
struct ProgramBuilder {
    private(set) var instructions: [Instruction] = []
    private(set) var needs: [[TokenChannel: Int]] = []

    var count: Int { instructions.count }

    /// Appends `instruction` (its flags are ignored) and returns its index.
    @discardableResult
    mutating func append(_ instruction: Instruction, needs: [TokenChannel: Int] = [:]) -> Int {
        instructions.append(instruction)
        self.needs.append(needs)
        return instructions.count - 1
    }

    /// The monotone token construction, per channel: a consumer pops a token only if its
    /// producer is later than every producer an earlier consumer of the channel waited for (or a
    /// SYNC after it); exactly the producers some consumer pops push one. Since each channel's
    /// producers run in order on one unit and the popped producers are strictly increasing, the
    /// k-th pop receives the k-th push, every push is popped (no token is left over or can pile
    /// up beyond the consumers) and every producer precedes its consumer in the stream (no
    /// deadlock with any queue depth). Throws if a need points at a later instruction or at an
    /// instruction of the wrong unit.
    func assignTokens() throws -> [Instruction] {
        var satisfied: [TokenChannel: Int] = [:]
        var pops = [Set<TokenChannel>](repeating: [], count: count)
        var pushes = [Set<TokenChannel>](repeating: [], count: count)
        for (i, insn) in instructions.enumerated() {
            if case .sync = insn {
                for c in TokenChannel.allCases { satisfied[c] = i }
                continue
            }
            for (channel, producer) in needs[i] {
                guard producer < i, producer >= 0 else {
                    throw CompileError("internal: instruction \(i) needs instruction \(producer) through \(channel), which does not precede it")
                }
                guard Self.roles(channel).producer == Self.unitOpcode(instructions[producer].opcode), Self.roles(channel).consumer == Self.unitOpcode(insn.opcode) else {
                    throw CompileError("internal: \(channel) cannot order instruction \(producer) (\(instructions[producer].opcode)) before \(i) (\(insn.opcode))")
                }
                if producer > satisfied[channel, default: -1] {
                    pops[i].insert(channel)
                    pushes[producer].insert(channel)
                    satisfied[channel] = producer
                }
            }
        }
        return instructions.enumerated().map { i, insn in
            var d = Dependencies()
            for c in pops[i] {
                switch c {
                case .loadToCompute: d.popPrev = true
                case .storeToCompute: d.popNext = true
                case .computeToLoad: d.popNext = true
                case .computeToStore: d.popPrev = true
                }
            }
            for c in pushes[i] {
                switch c {
                case .loadToCompute: d.pushNext = true
                case .computeToLoad: d.pushPrev = true
                case .computeToStore: d.pushNext = true
                case .storeToCompute: d.pushPrev = true
                }
            }
            switch insn {
            case .load(let t, let b, _): return .load(t, buffer: b, deps: d)
            case .store(let t, let b, _): return .store(t, buffer: b, deps: d)
            case .gemm(let g, _): return .gemm(g, deps: d)
            case .conv(let v, _): return .conv(v, deps: d)
            case .run(let r, _): return .run(r, deps: d)
            case .sync: return .sync
            }
        }
    }

    /// The opcode standing for `op`'s unit in ``roles(_:)``: every compute opcode (GEMM, CONV) is GEMM's.
    static func unitOpcode(_ op: Opcode) -> Opcode { op == .conv ? .gemm : op }

    /// The opcodes that produce and consume `channel`'s tokens (GEMM: any compute opcode).
    static func roles(_ channel: TokenChannel) -> (producer: Opcode, consumer: Opcode) {
        switch channel {
        case .loadToCompute: return (.load, .gemm)
        case .computeToLoad: return (.gemm, .load)
        case .computeToStore: return (.gemm, .store)
        case .storeToCompute: return (.store, .gemm)
        }
    }
}
