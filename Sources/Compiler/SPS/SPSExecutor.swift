import Formats
import SparseModel

/// The untimed golden executor of SPS-system programs: runs the instructions one after another
/// (the order every token-correct schedule is equivalent to) against a DRAM image, from the
/// ISA's definition (``Formats/Instruction``) and the CONV semantics, knowing nothing of the
/// core's pipeline, the line buffer's banks or the drain's timing.
///
/// Semantics:
/// * LOAD / STORE: `rows` × `rowBeats` beats, row i at `dramAddr + i·dramStride`, filling (or
///   draining) entries from `bufferBase`, `entryBeats` beats each (the rest of a loaded entry 0).
/// * CONV layer: WBUF `wBase` is the descriptor, `wBase + 1 + q` pattern entry q.
/// * CONV fill: XBUF entry `xBase + i` (E activations) becomes line-buffer entry `lineBase + i`.
/// * CONV tile: weight beat k (C weights) is lane k mod B of WBUF entry `wBase` + k / B (B =
///   ``SPSSystemTarget/weightBeatsPerEntry``); PE row r is the r-th output pixel (oh, ow) after
///   (`pixelRow`, `pixelCol`), row-major over Wo; column c's output = Σ over channels j < Ci and
///   slots s < n of weight beat j·n + s, column c, × the line buffer's activation (j, oh·S −
///   padTop + kh, ow·S − pad + kw) (0 outside H × W), (kh, kw) = table[(`phase` + j) mod P][s]; sums wrap
///   at the accumulator width; row r goes to OBUF `oBase + r`.
/// * SYNC: nothing (execution is already sequential).
/// Errors (thrown, naming the instruction): an opcode other than LOAD, STORE, CONV, SYNC; a buffer
/// the system lacks; a transfer or CONV past a buffer or the DRAM image; a read of an entry never
/// written; a tile before any layer.
public struct SPSExecutor {
    public let target: SPSSystemTarget
    private var x: [[UInt8]?]
    private var w: [[UInt8]?]
    private var o: [[UInt8]?]
    private var line: [Int64?]
    private var descriptor: SPSLayerDescriptor?
    private var table: [[(kh: Int, kw: Int)]] = []
    /// CONV tiles executed and their issue beats (Ci·n each).
    public private(set) var tiles = 0
    public private(set) var beats = 0

    public init(target: SPSSystemTarget) {
        self.target = target
        x = [[UInt8]?](repeating: nil, count: target.xEntries)
        w = [[UInt8]?](repeating: nil, count: target.wEntries)
        o = [[UInt8]?](repeating: nil, count: target.oEntries)
        line = [Int64?](repeating: nil, count: target.lineCapacity)
    }

    /// Runs `program` on `image` (the STOREs write into it).
    public mutating func run(_ program: [Instruction], image: inout DRAMImage) throws {
        for (i, insn) in program.enumerated() { try execute(insn, index: i, image: &image) }
    }

    private func fail(_ i: Int, _ message: String) -> CompileError { CompileError("instruction \(i): \(message)") }

    private mutating func execute(_ insn: Instruction, index i: Int, image: inout DRAMImage) throws {
        let t = target, beat = t.beatBytes
        switch insn {
        case .sync:
            return
        case .gemm:
            throw fail(i, "GEMM is not an SPS-system instruction (illegal opcode)")
        case .run:
            throw fail(i, "RUN is not an SPS-system instruction (illegal opcode)")
        case .load(let tr, let b, _):
            guard b == .x || b == .w else { throw fail(i, "LOAD into \(b): the SPS system has no such buffer") }
            let chunks = b == .x ? 1 : t.wChunks
            guard tr.entryBeats >= 1, tr.entryBeats <= chunks else { throw fail(i, "LOAD \(b) with \(tr.entryBeats) beats per entry; an entry holds \(chunks)") }
            let depth = b == .x ? t.xEntries : t.wEntries
            guard tr.bufferBase + tr.entries <= depth else { throw fail(i, "LOAD \(b)[\(tr.bufferBase)...] of \(tr.entries) entries passes its \(depth) entries") }
            var entry = [UInt8](repeating: 0, count: chunks * beat)
            var chunk = 0, e = tr.bufferBase
            func put() {
                if b == .x { x[e] = entry } else { w[e] = entry }
            }
            for row in 0..<tr.rows {
                for k in 0..<tr.rowBeats {
                    let addr = Int(tr.dramAddr) + row * Int(tr.dramStride) + k * beat
                    guard addr + beat <= image.size else { throw fail(i, "LOAD reads past the DRAM image at 0x\(String(addr, radix: 16))") }
                    entry.replaceSubrange(chunk * beat..<(chunk + 1) * beat, with: image.read(at: addr, count: beat))
                    chunk += 1
                    if chunk == tr.entryBeats {
                        put()
                        entry = [UInt8](repeating: 0, count: entry.count)
                        chunk = 0
                        e += 1
                    }
                }
            }
            if chunk > 0 { put() }
        case .store(let tr, let b, _):
            guard b == .o else { throw fail(i, "STORE from \(b): the SPS system has no such buffer") }
            guard tr.entryBeats >= 1, tr.entryBeats <= t.oChunks, tr.bufferBase + tr.entries <= t.oEntries else {
                throw fail(i, "STORE OBUF[\(tr.bufferBase)...] does not fit OBUF")
            }
            var chunk = tr.entryBeats, e = tr.bufferBase - 1
            var entry: [UInt8] = []
            for row in 0..<tr.rows {
                for k in 0..<tr.rowBeats {
                    if chunk == tr.entryBeats {
                        e += 1
                        guard let v = o[e] else { throw fail(i, "STORE reads OBUF[\(e)], which no tile has written") }
                        entry = v
                        chunk = 0
                    }
                    let addr = Int(tr.dramAddr) + row * Int(tr.dramStride) + k * beat
                    guard addr + beat <= image.size else { throw fail(i, "STORE writes past the DRAM image at 0x\(String(addr, radix: 16))") }
                    image.write(Array(entry[chunk * beat..<(chunk + 1) * beat]), at: addr)
                    chunk += 1
                }
            }
        case .conv(let v, _):
            switch v.kind {
            case .layer:
                guard v.wBase + t.period + 1 <= t.wEntries else { throw fail(i, "CONV layer reads WBUF past its end") }
                guard let d = w[v.wBase] else { throw fail(i, "CONV layer reads WBUF[\(v.wBase)], never written") }
                descriptor = SPSLayerDescriptor.unpack(DRAMImage.words(fromBytes: d))
                let layout = try PPSPatternTableLayout(kernelSize: t.kernelSize, slots: t.patternNNZ, period: t.period)
                table = try (0..<t.period).map { q in
                    guard let bytes = w[v.wBase + 1 + q] else { throw fail(i, "CONV layer reads WBUF[\(v.wBase + 1 + q)], never written") }
                    return try layout.unpack(DRAMImage.words(fromBytes: bytes))
                }
            case .fill:
                guard v.entries >= 1, v.xBase + v.entries <= t.xEntries, v.lineBase + v.entries <= t.lineEntries else {
                    throw fail(i, "CONV fill of \(v.entries) entries from XBUF[\(v.xBase)] to line[\(v.lineBase)] does not fit")
                }
                let per = t.elementsPerEntry
                for k in 0..<v.entries {
                    guard let bytes = x[v.xBase + k] else { throw fail(i, "CONV fill reads XBUF[\(v.xBase + k)], never written") }
                    let r = BitReader(DRAMImage.words(fromBytes: bytes))
                    for el in 0..<per {
                        line[(v.lineBase + k) * per + el] = TwosComplement.decode(r.field(at: el * t.dataBits, bits: t.dataBits), bits: t.dataBits)
                    }
                }
            case .tile:
                guard let d = descriptor else { throw fail(i, "CONV tile before any CONV layer") }
                let n = t.patternNNZ, ci = max(d.channels, 1)
                let per = t.weightBeatsPerEntry
                guard v.wBase + (ci * n + per - 1) / per <= t.wEntries, v.oBase + t.rows <= t.oEntries else { throw fail(i, "CONV tile passes WBUF or OBUF") }
                // Weight beat k: WBUF entry wBase + k / B, bits (k mod B)·C·d ...
                let weights: [[Int64]] = try (0..<(ci * n)).map { k in
                    guard let bytes = w[v.wBase + k / per] else { throw fail(i, "CONV tile reads WBUF[\(v.wBase + k / per)], never written") }
                    let r = BitReader(DRAMImage.words(fromBytes: bytes))
                    let at = (k % per) * t.cols * t.dataBits
                    return (0..<t.cols).map { c in TwosComplement.decode(r.field(at: at + c * t.dataBits, bits: t.dataBits), bits: t.dataBits) }
                }
                var oh = v.pixelRow, ow = v.pixelCol
                for r in 0..<t.rows {
                    if r > 0 {
                        ow += 1
                        if ow == d.outWidth { ow = 0; oh += 1 }
                    }
                    let y0 = oh * d.stride - d.padTop, x0 = ow * d.stride - d.padding
                    var bw = BitWriter(zeros: t.oEntryBytes * 8)
                    for c in 0..<t.cols {
                        var acc: Int64 = 0
                        for j in 0..<ci {
                            for (s, off) in table[(v.phase + j) % t.period].enumerated() {
                                let y = y0 + off.kh, xx = x0 + off.kw
                                guard y >= 0, y < d.height, xx >= 0, xx < d.width else { continue }
                                let a = (j * d.height + y) * d.width + xx
                                guard a < line.count, let act = line[a] else {
                                    throw fail(i, "CONV tile reads activation \(a), which no fill has written")
                                }
                                acc = PPSConvReference.wrap(acc &+ weights[j * n + s][c] &* act, bits: t.accBits)
                            }
                        }
                        bw.set(TwosComplement.wrap(acc, bits: t.accBits), bits: t.accBits, at: c * t.accBits)
                    }
                    o[v.oBase + r] = DRAMImage.bytes(fromWords: bw.words, count: t.oEntryBytes)
                }
                tiles += 1
                beats += ci * n
            }
        }
    }
}
