import Formats
import SparseModel

/// The state and instruction semantics of the ISA interpreter: buffers as arrays of entries
/// (bytes, nil until written), the R × C accumulators, and the agents' clocks and token queues
/// for race detection (``AccessTable``). Instructions arrive already checked
/// (``InstructionCheck``) in an order the token accounting allows (``UnitSchedule``).
///
/// Semantics (the ISA's doc comment and the units' contracts):
/// * LOAD: `rows` × `rowBeats` beats, row i at `dramAddr + i · dramStride`, fill entries
///   `bufferBase...` `entryBeats` beats each (chunk k of an entry = bits k·B ..< (k+1)·B), the rest
///   of each entry, and of a last partial entry, zero.
/// * STORE: the same beats drained from the first `entryBeats` chunks of each entry to DRAM.
/// * GEMM beat i: sparse: WBUF `wBase + i`, XBUF `xBase + i`, PE (r, c) += Σ_j value[r][j] ·
///   x[c][index[r][j]] (the word's R groups, ``NMStreamLayout``); dense: WBUF `wBase + i / k`
///   (k = `denseWordsPerEntry`), element (r, j) at bit (i mod k)·R·N·d + (r·N + j)·d, XBUF
///   `xBase + i / (M/N)`, lanes (i mod M/N)·N + j. Products exact, sums
///   wrapping at `accBits`. Without `close` the accumulators carry over to the next GEMM; with it
///   row r goes to OBUF `oBase + r` (C accumulators at bit c·acc) and the accumulators clear.
/// * With `update`, row r and MBUF `mBase + r` go through the update unit instead
///   (``ISAMachine/updateTile(mBase:oBase:pfBase:pbBase:pregen:insn:clock:)``).
struct ISAMachine {
    let target: SystemTarget
    let checker: InstructionCheck
    private var buffers: [[[UInt8]?]]
    private var access: [AccessTable]
    private var dramAccess: AccessTable
    private(set) var accumulators: [Int64]
    private var clocks = [VectorClock](repeating: VectorClock(), count: Agent.allCases.count)
    private var fifos: [TokenChannel: [VectorClock]] = [:]
    private(set) var beats = 0
    private(set) var readBeats = 0
    private(set) var writeBeats = 0

    init(target: SystemTarget, dramSize: Int, checker: InstructionCheck) {
        self.target = target
        self.checker = checker
        buffers = BufferID.allCases.map { [[UInt8]?](repeating: nil, count: checker.depth($0)) }
        access = BufferID.allCases.map { b in AccessTable(locations: checker.depth(b)) { "\(b)[\($0)]" } }
        let beatBytes = target.beatBits / 8
        dramAccess = AccessTable(locations: dramSize / beatBytes) { "DRAM beat at 0x\(String($0 * beatBytes, radix: 16))" }
        accumulators = [Int64](repeating: 0, count: target.rows * target.cols)
    }

    private var beatBytes: Int { target.beatBits / 8 }
    private func entryBytes(_ b: BufferID) -> Int { checker.entryChunks(b) * beatBytes }

    // MARK: Tokens and clocks

    private mutating func pop(_ c: TokenChannel, into v: inout VectorClock) {
        v.join(fifos[c, default: []].removeFirst())
    }

    private mutating func push(_ c: TokenChannel, _ v: VectorClock) { fifos[c, default: []].append(v) }

    // MARK: Buffer access

    mutating func readEntry(_ b: BufferID, _ e: Int, by a: Agent, at v: VectorClock, insn: Int) throws -> [UInt8] {
        try access[Int(b.rawValue)].read(e, by: a, at: v, insn: insn)
        guard let bytes = buffers[Int(b.rawValue)][e] else {
            throw ISAError(.undefinedData, instruction: insn, "reads \(b)[\(e)], which no instruction has written")
        }
        return bytes
    }

    mutating func writeEntry(_ b: BufferID, _ e: Int, _ bytes: [UInt8], by a: Agent, at v: VectorClock, insn: Int) throws {
        try access[Int(b.rawValue)].write(e, by: a, at: v, insn: insn)
        buffers[Int(b.rawValue)][e] = bytes
    }

    // MARK: Execution

    mutating func execute(_ insn: CheckedInstruction, dram: inout DRAMImage) throws {
        let i = insn.index
        switch insn.instruction {
        case .run:
            throw ISAError(.illegalOpcode, instruction: i, "illegal opcode 6 (RUN belongs to the SparseTrain system)")
        case .sync:
            var all = VectorClock()
            for c in clocks { all.join(c) }
            clocks = clocks.map { _ in all }
        case .load(let t, let b, let deps):
            var v = clocks[Agent.load.rawValue]
            if deps.popNext { pop(.computeToLoad, into: &v) }
            v.tick(.load)
            var entry = [UInt8](repeating: 0, count: entryBytes(b))
            var chunk = 0, e = t.bufferBase
            for row in 0..<t.rows {
                for k in 0..<t.rowBeats {
                    let addr = Int(t.dramAddr) + row * Int(t.dramStride) + k * beatBytes
                    try dramAccess.read(addr / beatBytes, by: .load, at: v, insn: i)
                    entry.replaceSubrange(chunk * beatBytes..<(chunk + 1) * beatBytes, with: dram.read(at: addr, count: beatBytes))
                    readBeats += 1
                    chunk += 1
                    if chunk == t.entryBeats {
                        try writeEntry(b, e, entry, by: .load, at: v, insn: i)
                        entry = [UInt8](repeating: 0, count: entry.count)
                        chunk = 0
                        e += 1
                    }
                }
            }
            if chunk > 0 { try writeEntry(b, e, entry, by: .load, at: v, insn: i) }
            clocks[Agent.load.rawValue] = v
            if deps.pushNext { push(.loadToCompute, v) }
        case .store(let t, let b, let deps):
            var v = clocks[Agent.store.rawValue]
            if deps.popPrev { pop(.computeToStore, into: &v) }
            v.tick(.store)
            var entry: [UInt8] = []
            var chunk = t.entryBeats, e = t.bufferBase - 1
            for row in 0..<t.rows {
                for k in 0..<t.rowBeats {
                    if chunk == t.entryBeats {
                        e += 1
                        entry = try readEntry(b, e, by: .store, at: v, insn: i)
                        chunk = 0
                    }
                    let addr = Int(t.dramAddr) + row * Int(t.dramStride) + k * beatBytes
                    try dramAccess.write(addr / beatBytes, by: .store, at: v, insn: i)
                    dram.write(Array(entry[chunk * beatBytes..<(chunk + 1) * beatBytes]), at: addr)
                    writeBeats += 1
                    chunk += 1
                }
            }
            clocks[Agent.store.rawValue] = v
            if deps.pushPrev { push(.storeToCompute, v) }
        case .conv:
            throw ISAError(.illegalOpcode, instruction: i, "CONV is an SPS-system instruction")
        case .gemm(let g, let deps):
            var v = clocks[Agent.issue.rawValue]
            if deps.popPrev { pop(.loadToCompute, into: &v) }
            if deps.popNext { pop(.storeToCompute, into: &v) }
            v.tick(.issue)
            try stream(g, clock: v, insn: i)
            clocks[Agent.issue.rawValue] = v
            if deps.pushPrev { push(.computeToLoad, v) }
            if g.close {
                var dv = clocks[Agent.drain.rawValue]
                dv.join(v)
                dv.tick(.drain)
                if g.update {
                    try updateTile(mBase: g.mBase, oBase: g.oBase, pfBase: g.pfBase, pbBase: g.pbBase, pregen: g.pregen, insn: i, clock: dv)
                } else {
                    try drainResults(oBase: g.oBase, insn: i, clock: dv)
                }
                accumulators = accumulators.map { _ in 0 }
                clocks[Agent.drain.rawValue] = dv
                if deps.pushNext { push(.computeToStore, dv) }
            } else if deps.pushNext {
                push(.computeToStore, v)
            }
        }
    }

    /// The beats of a GEMM into the accumulators.
    private mutating func stream(_ g: Instruction.GEMMOp, clock v: VectorClock, insn: Int) throws {
        let R = target.rows, C = target.cols, N = target.n, M = target.m, d = target.dataBits
        let layout = target.streamLayout
        let perEntry = M / N
        let wordsPerEntry = g.sparse ? 1 : target.denseWordsPerEntry
        var x = [Int64](repeating: 0, count: C * M)
        var lastX = -1
        for i in 0..<g.beats {
            let wr = BitReader(DRAMImage.words(fromBytes: try readEntry(.w, g.wBase + i / wordsPerEntry, by: .issue, at: v, insn: insn)))
            let wAt = i % wordsPerEntry * target.denseWordBits
            let xe = g.sparse ? g.xBase + i : g.xBase + i / perEntry
            if xe != lastX {
                let xr = BitReader(DRAMImage.words(fromBytes: try readEntry(.x, xe, by: .issue, at: v, insn: insn)))
                for k in 0..<(C * M) { x[k] = TwosComplement.decode(xr.field(at: k * d, bits: d), bits: d) }
                lastX = xe
            }
            let slice = g.sparse ? 0 : i % perEntry
            for r in 0..<R {
                var weights: [(value: Int64, lane: Int)] = []
                for j in 0..<N {
                    if g.sparse {
                        let off = layout.entryOffset(group: r, slot: j)
                        weights.append((TwosComplement.decode(wr.field(at: off, bits: d), bits: d),
                                        Int(wr.field(at: off + d, bits: layout.indexBits))))
                    } else {
                        weights.append((TwosComplement.decode(wr.field(at: wAt + (r * N + j) * d, bits: d), bits: d), slice * N + j))
                    }
                }
                for c in 0..<C {
                    var sum: Int64 = 0
                    for w in weights { sum = sum &+ w.value &* x[c * M + w.lane] }
                    accumulators[r * C + c] = accumulators[r * C + c] &+ sum
                }
            }
            beats += 1
        }
    }

    /// A closed tile's rows into OBUF `oBase...`: C accumulators of `accBits` each.
    private mutating func drainResults(oBase: Int, insn: Int, clock v: VectorClock) throws {
        let R = target.rows, C = target.cols, acc = target.accBits
        for r in 0..<R {
            var w = BitWriter(zeros: entryBytes(.o) * 8)
            for c in 0..<C { w.set(TwosComplement.wrap(accumulators[r * C + c], bits: acc), bits: acc, at: c * acc) }
            try writeEntry(.o, oBase + r, DRAMImage.bytes(fromWords: w.words, count: entryBytes(.o)), by: .drain, at: v, insn: insn)
        }
    }
}
