import Formats
import SparseModel

/// What the SparseTrain system's compiler needs of the hardware (``SparseAccel/SparseTrainSystemConfig``,
/// restated without HWCore): the PEs, the entry-word layout, the per-bank memories, the buffers'
/// entries and the memory beat.
public struct SparseTrainSystemTarget: Sendable, Hashable {
    public let pes: Int
    public let layout: SparseTrainEntryLayout
    /// Bits of a PE's entry count in a WBUF entry.
    public let countBits: Int
    /// Accumulator bits (a result slot holds `layout.outputs` of them).
    public let accBits: Int
    /// Operand memory entries and result slots of one bank of a PE.
    public let depth: Int
    public let slots: Int
    public let beatBytes: Int
    public let xEntries: Int
    public let wEntries: Int
    public let oEntries: Int

    public init(pes: Int, layout: SparseTrainEntryLayout, countBits: Int, accBits: Int, depth: Int, slots: Int, beatBytes: Int,
                xEntries: Int, wEntries: Int, oEntries: Int) {
        self.pes = pes
        self.layout = layout
        self.countBits = countBits
        self.accBits = accBits
        self.depth = depth
        self.slots = slots
        self.beatBytes = beatBytes
        self.xEntries = xEntries
        self.wEntries = wEntries
        self.oEntries = oEntries
    }

    func chunks(_ bits: Int) -> Int { (bits + 8 * beatBytes - 1) / (8 * beatBytes) }
    /// Memory beats of an XBUF entry (every PE's word), a WBUF entry (every PE's count), an OBUF entry (one slot).
    public var xChunks: Int { chunks(pes * layout.wordBits) }
    public var wChunks: Int { chunks(pes * countBits) }
    public var oChunks: Int { chunks(layout.outputs * accBits) }

    /// What one PE takes per run with the buffers split in halves (double buffering: run k uses
    /// half k mod 2 of XBUF, WBUF and OBUF): operand words (XBUF entries) and result slots (OBUF
    /// entries, one per PE per slot).
    public var capacity: PECapacity {
        PECapacity(entries: min(depth, xEntries / 2), slots: min(slots, oEntries / (2 * pes)))
    }
}

/// The program of one conv phase on the SparseTrain system: the DRAM image (every run's entry
/// counts and entry words, space for its results) and the instruction stream.
///
/// Per run k (half h = k mod 2 of each buffer), in stream order:
/// * LOAD WBUF[h] ← the run's counts (one entry: PE i's count at bits i·countBits), waiting for
///   the compute → load token of run k−2 (k ≥ 2: its loader has read half h);
/// * LOAD XBUF[h·X/2 ...] ← the run's `words` entries (entry j: PE i's word j at bits i·wordBits,
///   zero past the PE's queue), giving a load → compute token (one transfer of consecutive
///   DRAM rows as long as the beat count allows, so the DMA issues full-length requests; a second
///   for a remainder);
/// * RUN (wBase h, xBase h·X/2, words, oBase h·O/2, slots = the longest queue's items, the items'
///   stride): takes the load token, gives a compute → load token if run k+2 exists; takes a store
///   → compute token for k ≥ 2 (STORE k−2 emptied OBUF half h) and gives a compute → store token;
/// * STORE OBUF[h·O/2 ...] → the run's result area (slots·R·C entries, slot s of PE i at entry
///   s·R·C + i, long rows as the LOAD), taking the compute token and giving a store → compute
///   token if run k+2 exists;
/// and a final SYNC. Tokens balance: every one given is taken.
public struct SparseTrainProgram: Sendable {
    public let target: SparseTrainSystemTarget
    public let instructions: [Instruction]
    /// The inputs (counts and words) and zeroed result areas.
    public let image: DRAMImage
    /// Per run, per PE, the queue (indices into the items the program was compiled from).
    public let runs: [[[Int]]]
    /// Per run, the DRAM address of its result area.
    public let resultAddresses: [Int]
    /// Per item, the flat output index of each accumulator (nil: unused).
    public let outputIndex: [[Int?]]

    /// Compiles `items` placed as `runs` (``SparseModel/SparseTrainCycleModel/runs(_:pes:capacity:mapping:)``
    /// with ``SparseTrainSystemTarget/capacity``). Throws for a run that does not fit the target,
    /// items of one run with different strides, or an item value that does not fit the entry word.
    public static func compile(items: [WorkItem], runs: [[[Int]]], target t: SparseTrainSystemTarget) throws -> SparseTrainProgram {
        guard t.wEntries >= 2, t.capacity.entries >= 1, t.capacity.slots >= 1 else {
            throw SparseModelError("the SparseTrain system needs 2 WBUF entries, 2 XBUF entries and 2·R·C OBUF entries at least (double buffering)")
        }
        let beat = t.beatBytes
        let wordBytes = t.xChunks * beat, countBytes = t.wChunks * beat, slotBytes = t.oChunks * beat
        var words: [Int] = [], slotsPerRun: [Int] = [], strides: [Int] = []
        for (k, run) in runs.enumerated() {
            guard run.count <= t.pes else { throw SparseModelError("run \(k) has \(run.count) queues for \(t.pes) PEs") }
            let n = run.map { $0.reduce(0) { $0 + items[$1].entries.count } }.max() ?? 0
            let s = run.map(\.count).max() ?? 0
            guard n >= 1, s >= 1 else { throw SparseModelError("run \(k) has no entries") }
            guard n <= t.capacity.entries, s <= t.capacity.slots else {
                throw SparseModelError("run \(k) needs \(n) words and \(s) slots per PE; the system holds \(t.capacity.entries) and \(t.capacity.slots)")
            }
            let stride = Set(run.flatMap { $0 }.map { items[$0].strideLog2 })
            guard stride.count == 1, let sl = stride.first, (0...3).contains(sl) else { throw SparseModelError("run \(k)'s items differ in stride") }
            words.append(n)
            slotsPerRun.append(s)
            strides.append(sl)
        }
        // DRAM: counts, then words, then results, each run's area beat-aligned.
        let countBase = 0
        let wordBase = countBase + runs.count * countBytes
        var wordAddr: [Int] = [], at = wordBase
        for n in words { wordAddr.append(at); at += n * wordBytes }
        var resultAddr: [Int] = []
        for s in slotsPerRun { resultAddr.append(at); at += s * t.pes * slotBytes }
        var image = DRAMImage(size: max(at, beat))
        for (k, run) in runs.enumerated() {
            var counts = BitWriter(zeros: t.pes * t.countBits)
            var entryWords = [BitWriter](repeating: BitWriter(zeros: t.pes * t.layout.wordBits), count: words[k])
            for (pe, queue) in run.enumerated() {
                var a = 0
                for i in queue {
                    let item = items[i]
                    for (j, e) in item.entries.enumerated() {
                        let w = try t.layout.pack(value: e.value, offset: e.offset, kernel: e.kernel, stored: e.stored, mask: item.mask,
                                                  last: j == item.entries.count - 1)
                        var r = BitReader(w)
                        var bit = 0
                        while bit < t.layout.wordBits {
                            let n = min(64, t.layout.wordBits - bit)
                            entryWords[a].set(r.read(bits: n), bits: n, at: pe * t.layout.wordBits + bit)
                            bit += n
                        }
                        a += 1
                    }
                }
                counts.set(UInt64(a), bits: t.countBits, at: pe * t.countBits)
            }
            image.write(words: counts.words, at: countBase + k * countBytes, byteCount: countBytes)
            for (j, w) in entryWords.enumerated() { image.write(words: w.words, at: wordAddr[k] + j * wordBytes, byteCount: wordBytes) }
        }
        // Instructions.
        let xHalf = t.xEntries / 2, oHalf = t.oEntries / 2
        var program: [Instruction] = []
        for k in runs.indices {
            let h = k % 2, later = k + 2 < runs.count, earlier = k >= 2
            program.append(.load(.init(bufferBase: h, rows: 1, rowBeats: t.wChunks, entryBeats: t.wChunks, dramAddr: UInt64(countBase + k * countBytes),
                                       dramStride: UInt64(countBytes)), buffer: .w, deps: Dependencies(popNext: earlier)))
            let loads = contiguous(entries: words[k], chunks: t.xChunks, bufferBase: h * xHalf, address: wordAddr[k], beatBytes: beat)
            for (j, tr) in loads.enumerated() {
                program.append(.load(tr, buffer: .x, deps: Dependencies(pushNext: j == loads.count - 1)))
            }
            program.append(.run(.init(wBase: h, xBase: h * xHalf, words: words[k], oBase: h * oHalf, slots: slotsPerRun[k], strideLog2: strides[k]),
                                deps: Dependencies(popPrev: true, popNext: earlier, pushPrev: later, pushNext: true)))
            let stores = contiguous(entries: slotsPerRun[k] * t.pes, chunks: t.oChunks, bufferBase: h * oHalf, address: resultAddr[k], beatBytes: beat)
            for (j, tr) in stores.enumerated() {
                program.append(.store(tr, buffer: .o, deps: Dependencies(popPrev: j == 0, pushPrev: later && j == stores.count - 1)))
            }
        }
        program.append(.sync)
        return SparseTrainProgram(target: t, instructions: program, image: image, runs: runs, resultAddresses: resultAddr,
                                  outputIndex: items.map(\.outputIndex))
    }

    /// Transfers of `entries` consecutive buffer entries of `chunks` beats from consecutive DRAM
    /// at `address`: as few rows as the 12-bit beat count allows, so the DMA unit issues long
    /// requests (it never lets a request cross a row) — one transfer, or two with the remainder.
    static func contiguous(entries: Int, chunks: Int, bufferBase: Int, address: Int, beatBytes: Int) -> [Instruction.Transfer] {
        let maxBeats = Int(InstructionLayout.maxValue(.rowBeats))
        let perRow = max(1, min(entries, maxBeats / chunks))
        let full = entries / perRow, rest = entries % perRow
        var out = [Instruction.Transfer(bufferBase: bufferBase, rows: full, rowBeats: perRow * chunks, entryBeats: chunks, dramAddr: UInt64(address),
                                        dramStride: UInt64(perRow * chunks * beatBytes))]
        if rest > 0 {
            out.append(.init(bufferBase: bufferBase + full * perRow, rows: 1, rowBeats: rest * chunks, entryBeats: chunks,
                             dramAddr: UInt64(address + full * perRow * chunks * beatBytes), dramStride: UInt64(rest * chunks * beatBytes)))
        }
        return out
    }

    /// The phase's outputs from a DRAM image the program has run on: every item's accumulators
    /// from its result slot, added into its outputs (items cut to fit a PE's memory give partial
    /// sums of the same outputs), wrapping at the accumulator width; `count` outputs, 0 where
    /// no item computes.
    public func outputs(from dram: DRAMImage, count: Int) -> [Int64] {
        var out = [Int64](repeating: 0, count: count)
        let slotBytes = target.oChunks * target.beatBytes
        let acc = target.accBits
        for (k, run) in runs.enumerated() {
            for (pe, queue) in run.enumerated() {
                for (s, i) in queue.enumerated() {
                    let at = resultAddresses[k] + (s * target.pes + pe) * slotBytes
                    let r = BitReader(dram.words(at: at, byteCount: slotBytes))
                    for (x, idx) in outputIndex[i].enumerated() {
                        guard let idx else { continue }
                        let raw = r.field(at: x * acc, bits: acc)
                        let v = acc >= 64 ? Int64(bitPattern: raw) : Int64(bitPattern: raw << UInt64(64 - acc)) >> Int64(64 - acc)
                        out[idx] = ConvReference.wrap(out[idx] &+ v, acc)
                    }
                }
            }
        }
        return out
    }
}
