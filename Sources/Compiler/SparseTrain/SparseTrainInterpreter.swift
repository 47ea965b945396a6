import Formats
import SparseModel

/// The untimed reference of the SparseTrain system's instructions: executes a program in stream
/// order against a DRAM image (the dependency tokens only order the units, so in-order execution
/// is what a race-free program computes). Written from the ISA's contract (``Formats/Instruction``)
/// and the entry word's meaning (``Formats/SparseTrainEntryLayout``), independently of the RTL:
///
/// * LOAD (XBUF, WBUF) and STORE (OBUF): `rows` × `rowBeats` beats, `entryBeats` per entry, the
///   rest of an entry zero; any other buffer throws.
/// * RUN: PE i's count from WBUF `wBase` bits i·countBits, its words j < count from XBUF
///   `xBase + j` bits i·wordBits; the PE walks its words: for each stored tap t with o ≥ t,
///   (o − t) a multiple of 2^strideLog2 and x = (o − t) >> strideLog2 < P with mask[x] set,
///   acc[x] += value · kernel[t] (wrapping at the accumulator width); an item's last word sends
///   its accumulators to the next result slot and clears them. Slot s of PE i goes to OBUF
///   `oBase + s·R·C + i` for s < `slots` (slots past the queue hold zeros here; the hardware
///   leaves older results there, which no output reads).
/// * GEMM throws (not an instruction of this system); SYNC does nothing.
public struct SparseTrainInterpreter {
    public let target: SparseTrainSystemTarget

    public init(target: SparseTrainSystemTarget) { self.target = target }

    /// Runs `program` on `dram` (modified in place). Throws a one-line error naming the
    /// instruction for an access outside a buffer or the image, or an instruction this system
    /// does not execute.
    public func run(_ program: [Instruction], on dram: inout DRAMImage) throws {
        let t = target
        let beat = t.beatBytes
        var x = [[UInt8]?](repeating: nil, count: t.xEntries)
        var w = [[UInt8]?](repeating: nil, count: t.wEntries)
        var o = [[UInt8]?](repeating: nil, count: t.oEntries)
        func fail(_ i: Int, _ why: String) -> SparseModelError { SparseModelError("instruction \(i) (\(program[i])): \(why)") }
        func beats(_ tr: Instruction.Transfer, _ i: Int) throws -> [Int] {
            var out: [Int] = []
            for r in 0..<tr.rows { for b in 0..<tr.rowBeats { out.append(Int(tr.dramAddr) + r * Int(tr.dramStride) + b * beat) } }
            guard out.allSatisfy({ $0 >= 0 && $0 + beat <= dram.size }) else { throw fail(i, "DRAM access outside the image") }
            return out
        }
        for (i, insn) in program.enumerated() {
            switch insn {
            case .sync:
                break
            case .gemm:
                throw fail(i, "GEMM is not an instruction of the SparseTrain system")
            case .conv:
                throw fail(i, "CONV is not an instruction of the SparseTrain system")
            case .load(let tr, let b, _):
                let chunks = b == .x ? t.xChunks : b == .w ? t.wChunks : 0
                guard chunks > 0, tr.entryBeats <= chunks else { throw fail(i, "LOAD into \(b) with \(tr.entryBeats) beats per entry") }
                var e = tr.bufferBase, c = 0
                var entry = [UInt8](repeating: 0, count: chunks * beat)
                for a in try beats(tr, i) {
                    entry.replaceSubrange(c * beat..<(c + 1) * beat, with: dram.read(at: a, count: beat))
                    c += 1
                    if c == tr.entryBeats {
                        guard e < (b == .x ? t.xEntries : t.wEntries) else { throw fail(i, "\(b) entry \(e) out of range") }
                        if b == .x { x[e] = entry } else { w[e] = entry }
                        entry = [UInt8](repeating: 0, count: entry.count)
                        c = 0
                        e += 1
                    }
                }
                if c > 0 {
                    guard e < (b == .x ? t.xEntries : t.wEntries) else { throw fail(i, "\(b) entry \(e) out of range") }
                    if b == .x { x[e] = entry } else { w[e] = entry }
                }
            case .store(let tr, let b, _):
                guard b == .o, tr.entryBeats <= t.oChunks else { throw fail(i, "STORE from \(b) with \(tr.entryBeats) beats per entry") }
                var e = tr.bufferBase, c = 0
                for a in try beats(tr, i) {
                    guard e < t.oEntries, let entry = o[e] else { throw fail(i, "OBUF entry \(e) unwritten or out of range") }
                    dram.write(Array(entry[c * beat..<(c + 1) * beat]), at: a)
                    c += 1
                    if c == tr.entryBeats { c = 0; e += 1 }
                }
            case .run(let r, _):
                guard r.wBase < t.wEntries, let counts = w[r.wBase] else { throw fail(i, "WBUF entry \(r.wBase) unwritten or out of range") }
                guard r.words >= 1, r.slots >= 1, r.words <= t.depth, r.slots <= t.slots, r.xBase + r.words <= t.xEntries,
                      r.oBase + r.slots * t.pes <= t.oEntries else { throw fail(i, "RUN outside the memories or buffers") }
                let countReader = BitReader(DRAMImage.words(fromBytes: counts))
                var xWords: [BitReader] = []
                for j in 0..<r.words {
                    guard let e = x[r.xBase + j] else { throw fail(i, "XBUF entry \(r.xBase + j) unwritten") }
                    xWords.append(BitReader(DRAMImage.words(fromBytes: e)))
                }
                for pe in 0..<t.pes {
                    let n = Int(countReader.field(at: pe * t.countBits, bits: t.countBits))
                    guard n <= r.words else { throw fail(i, "PE \(pe) has \(n) entries; the RUN loads \(r.words)") }
                    let results = peResults((0..<n).map { j in
                        (0..<(t.layout.wordBits + 63) / 64).map { q in
                            xWords[j].field(at: pe * t.layout.wordBits + q * 64, bits: min(64, t.layout.wordBits - q * 64))
                        }
                    }, strideLog2: r.strideLog2)
                    for s in 0..<r.slots {
                        var bw = BitWriter(zeros: t.layout.outputs * t.accBits)
                        if s < results.count {
                            for (xi, v) in results[s].enumerated() { bw.set(UInt64(bitPattern: v) & lowMask(t.accBits), bits: t.accBits, at: xi * t.accBits) }
                        }
                        o[r.oBase + s * t.pes + pe] = DRAMImage.bytes(fromWords: bw.words, count: t.oChunks * beat)
                    }
                }
            }
        }
    }

    /// One PE's queue: the accumulators of each item, in order.
    func peResults(_ words: [[UInt64]], strideLog2: Int) -> [[Int64]] {
        let l = target.layout
        var acc = [Int64](repeating: 0, count: l.outputs)
        var out: [[Int64]] = []
        for word in words {
            let e = l.unpack(word)
            for tap in 0..<l.taps where e.stored[tap] && e.offset >= tap {
                let d = e.offset - tap
                guard d & ((1 << strideLog2) - 1) == 0 else { continue }
                let xi = d >> strideLog2
                guard xi < l.outputs, e.mask[xi] else { continue }
                acc[xi] = ConvReference.wrap(acc[xi] &+ e.value &* e.kernel[tap], target.accBits)
            }
            if e.last {
                out.append(acc)
                acc = [Int64](repeating: 0, count: l.outputs)
            }
        }
        return out
    }
}
