import Formats

/// The interpreter's static checks: everything the hardware checks when it accepts an
/// instruction, in its order (dispatcher: opcode, dependency flags; unit: buffer, zero counts,
/// entry beats, alignment, address width, buffer ranges), plus the DRAM image's bounds. Written
/// from ``Formats/InstructionLayout`` and the hardware contract, independently of the compiler.
struct InstructionCheck {
    let target: SystemTarget
    let dramSize: Int

    /// Decodes and checks instruction `index` from its two words.
    func check(_ words: [UInt64], index: Int) throws -> CheckedInstruction {
        let raw = BitReader(words)
        func field(_ f: InstructionLayout.Field) -> UInt64 {
            raw.field(at: InstructionLayout.range(f).lowerBound, bits: InstructionLayout.range(f).count)
        }
        func fail(_ kind: ISAError.Kind, _ message: String) -> ISAError { ISAError(kind, instruction: index, message) }
        guard let op = Opcode(rawValue: UInt8(field(.opcode))) else {
            throw fail(.illegalOpcode, "illegal opcode \(field(.opcode))")
        }
        // CONV drives the SPS engine (``SPSExecutor``); the SAT system's dispatcher rejects it.
        guard op != .conv else { throw fail(.illegalOpcode, "illegal opcode \(field(.opcode)) (CONV is an SPS-system instruction)") }
        // RUN is the SparseTrain system's compute opcode; the SAT system does not know it.
        guard op != .run else { throw fail(.illegalOpcode, "illegal opcode \(field(.opcode)) (RUN belongs to the SparseTrain system)") }
        let flags = Dependencies(popPrev: field(.popPrev) == 1, popNext: field(.popNext) == 1,
                                 pushPrev: field(.pushPrev) == 1, pushNext: field(.pushNext) == 1)
        switch op {
        case .load where flags.popPrev || flags.pushPrev:
            throw fail(.badDependency, "LOAD has no unit before it: popPrev/pushPrev are not allowed")
        case .store where flags.popNext || flags.pushNext:
            throw fail(.badDependency, "STORE has no unit after it: popNext/pushNext are not allowed")
        case .sync where flags.popPrev || flags.popNext || flags.pushPrev || flags.pushNext:
            throw fail(.badDependency, "SYNC takes no dependency flags")
        default: break
        }
        let insn: Instruction
        do { insn = try Instruction.decode(words) } catch let e as FormatError { throw fail(.badBuffer, e.message) }
        switch insn {
        case .load(let t, let b, _):
            try checkTransfer(t, buffer: b, op: "LOAD", fail)
            return CheckedInstruction(index: index, instruction: insn, unit: .load,
                                      pops: flags.popNext ? [.computeToLoad] : [], pushes: flags.pushNext ? [.loadToCompute] : [])
        case .store(let t, let b, _):
            try checkTransfer(t, buffer: b, op: "STORE", fail)
            return CheckedInstruction(index: index, instruction: insn, unit: .store,
                                      pops: flags.popPrev ? [.computeToStore] : [], pushes: flags.pushPrev ? [.storeToCompute] : [])
        case .gemm(let g, _):
            try checkGEMM(g, fail)
            return CheckedInstruction(index: index, instruction: insn, unit: .compute,
                                      pops: (flags.popPrev ? [.loadToCompute] : []) + (flags.popNext ? [.storeToCompute] : []),
                                      pushes: (flags.pushPrev ? [.computeToLoad] : []) + (flags.pushNext ? [.computeToStore] : []))
        case .conv:
            throw fail(.illegalOpcode, "illegal opcode \(field(.opcode)) (CONV is an SPS-system instruction)")
        case .sync:
            return CheckedInstruction(index: index, instruction: insn, unit: nil, pops: [], pushes: [])
        case .run:
            throw fail(.illegalOpcode, "illegal opcode \(field(.opcode)) (RUN belongs to the SparseTrain system)")
        }
    }

    /// Entries and beats per entry of each buffer, from the hardware's entry formats.
    func depth(_ b: BufferID) -> Int {
        switch b {
        case .x: return target.xEntries
        case .w: return target.wEntries
        case .m: return target.mEntries
        case .o: return target.oEntries
        case .p: return target.pEntries
        }
    }

    func entryChunks(_ b: BufferID) -> Int {
        let bits: Int
        switch b {
        case .x: bits = target.cols * target.m * target.dataBits
        case .w, .p: bits = target.rows * target.n * (target.dataBits + target.pattern.indexBits)
        case .m: bits = target.cols * target.masterBits
        case .o: bits = target.cols * target.accBits
        }
        return (bits + target.beatBits - 1) / target.beatBits
    }

    private func checkTransfer(_ t: Instruction.Transfer, buffer b: BufferID, op: String, _ fail: (ISAError.Kind, String) -> ISAError) throws {
        for (name, v) in [("rows", t.rows), ("rowBeats", t.rowBeats), ("entryBeats", t.entryBeats)] where v == 0 {
            throw fail(.zeroCount, "\(op) \(b) with \(name) 0")
        }
        guard t.entryBeats <= entryChunks(b) else {
            throw fail(.entryBeats, "\(op) \(b) with \(t.entryBeats) beats per entry; an entry holds \(entryChunks(b))")
        }
        let beatBytes = UInt64(target.beatBits / 8)
        guard t.dramAddr % beatBytes == 0, t.dramStride % beatBytes == 0 else {
            throw fail(.misaligned, "\(op) \(b): DRAM address 0x\(String(t.dramAddr, radix: 16)) or stride \(t.dramStride) is not a multiple of the \(beatBytes)-byte beat")
        }
        let limit = UInt64(1) << UInt64(min(target.addressBits, 63))
        guard t.dramAddr < limit, t.dramStride < limit else {
            throw fail(.dramRange, "\(op) \(b): DRAM address 0x\(String(t.dramAddr, radix: 16)) or stride \(t.dramStride) exceeds the \(target.addressBits)-bit address")
        }
        guard t.bufferBase + t.entries <= depth(b) else {
            throw fail(.bufferRange, "\(op) \(b) entries \(t.bufferBase)..<\(t.bufferBase + t.entries) exceed its \(depth(b)) entries")
        }
        let last = t.dramAddr + UInt64(t.rows - 1) * t.dramStride + UInt64(t.rowBeats) * beatBytes
        guard last <= UInt64(dramSize) else {
            throw fail(.dramRange, "\(op) \(b) reaches DRAM byte \(last), beyond the \(dramSize)-byte image")
        }
    }

    private func checkGEMM(_ g: Instruction.GEMMOp, _ fail: (ISAError.Kind, String) -> ISAError) throws {
        guard g.beats > 0 else { throw fail(.zeroCount, "GEMM with 0 beats") }
        if g.update && (g.sparse || !g.close) { throw fail(.badGEMM, "GEMM update needs a dense, closing GEMM") }
        if g.pregen && !g.update { throw fail(.badGEMM, "GEMM pregen needs update") }
        let perEntry = target.m / target.n
        let xUsed = g.sparse ? g.beats : (g.beats + perEntry - 1) / perEntry
        let perWEntry = g.sparse ? 1 : target.denseWordsPerEntry
        let wUsed = (g.beats + perWEntry - 1) / perWEntry
        var ranges: [(String, Int, Int, Int)] = [("WBUF", g.wBase, wUsed, target.wEntries), ("XBUF", g.xBase, xUsed, target.xEntries)]
        if g.close { ranges.append(("OBUF", g.oBase, target.rows, target.oEntries)) }
        if g.update { ranges.append(("MBUF", g.mBase, target.rows, target.mEntries)) }
        if g.pregen {
            ranges.append(("PBUF forward words", g.pfBase, target.cols / target.m, target.pEntries))
            ranges.append(("PBUF backward words", g.pbBase, target.rows / target.m * (target.cols / target.rows), target.pEntries))
        }
        for (name, base, count, depth) in ranges where base + count > depth {
            throw fail(.bufferRange, "GEMM \(name) entries \(base)..<\(base + count) exceed its \(depth) entries")
        }
    }
}

/// The unit that executes an instruction.
enum ExecutionUnit: Int, Sendable, CaseIterable, CustomStringConvertible {
    case load = 0, compute, store
    var description: String { ["load", "compute", "store"][rawValue] }
}

/// An instruction of a program, decoded and checked, with what the scheduler needs: its unit
/// (nil for SYNC) and the token channels it pops and pushes.
struct CheckedInstruction: Sendable {
    let index: Int
    let instruction: Instruction
    let unit: ExecutionUnit?
    let pops: [TokenChannel]
    let pushes: [TokenChannel]
}
