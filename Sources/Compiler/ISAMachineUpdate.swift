import Formats
import SparseModel

extension ISAMachine {
    /// The update unit on a closed weight-gradient tile (the hardware's `UpdateUnit` contract):
    /// row r's dW (the accumulators as `accBits` two's complement) and master row MBUF
    /// `mBase + r` (C master weights of w bits, column c at bit c·w) give the compute copy
    /// c = sat_d(rnd_f(m)), this step's Mf (top-N |c| of each M consecutive columns, ties to the
    /// lower column) and m' = sat_w(m − rnd_lr(dW) − [pregen and not kept] · rnd_decay(m)) (the golden
    /// `FixedPointUpdate`); OBUF `oBase + r` takes m' in the MBUF format.
    ///
    /// With `pregen`, c' = sat_d(rnd_f(m')) is compressed: forward word g (PBUF `pfBase + g`) lane
    /// r = the top-N of c'[r][g·M ..< g·M + M]; backward word `pbBase + i·(C/R) + col/R` lane
    /// col mod R = the top-N of rows i·M ..< i·M + M of column col of c' (of c' ⊙ Mf' when Mb ranks
    /// the forward-pruned weights), kept values in ascending index order (``NMStreamLayout``).
    mutating func updateTile(mBase: Int, oBase: Int, pfBase: Int, pbBase: Int, pregen: Bool, insn: Int, clock v: VectorClock) throws {
        let R = target.rows, C = target.cols, N = target.n, M = target.m, w = target.masterBits, acc = target.accBits
        let rule = target.update, format = rule.format
        func topN(_ values: ArraySlice<Int64>) throws -> [Bool] { try NMPruning.topN(values.map(\.magnitude), n: N) }
        var copies = [[Int64]](repeating: [], count: R)  // c' per row
        for r in 0..<R {
            let mr = BitReader(DRAMImage.words(fromBytes: try readEntry(.m, mBase + r, by: .drain, at: v, insn: insn)))
            let master = (0..<C).map { TwosComplement.decode(mr.field(at: $0 * w, bits: w), bits: w) }
            let copy = master.map { format.computeValue(master: $0) }
            var kept: [Bool] = []
            for g in 0..<(C / M) { kept += try topN(copy[(g * M)..<((g + 1) * M)]) }
            var out = BitWriter(zeros: checker.entryChunks(.o) * target.beatBits)
            var updated: [Int64] = []
            for c in 0..<C {
                let dW = TwosComplement.decode(TwosComplement.wrap(accumulators[r * C + c], bits: acc), bits: acc)
                // Without pregen the layer is dense: no mask, nothing pruned, no decay.
                let m = rule.updated(master: master[c], gradient: dW, pruned: pregen && !kept[c])
                updated.append(m)
                out.set(TwosComplement.wrap(m, bits: w), bits: w, at: c * w)
            }
            try writeEntry(.o, oBase + r, DRAMImage.bytes(fromWords: out.words, count: checker.entryChunks(.o) * target.beatBits / 8),
                           by: .drain, at: v, insn: insn)
            copies[r] = updated.map { format.computeValue(master: $0) }
        }
        guard pregen else { return }
        let layout = target.streamLayout
        let wordBytes = checker.entryChunks(.p) * target.beatBits / 8
        func word(_ lanes: [[NMEntry]]) throws -> [UInt8] {
            let words = try formatError { try layout.pack(lanes) }
            return DRAMImage.bytes(fromWords: words, count: wordBytes)
        }
        func entries(_ values: [Int64]) throws -> [NMEntry] {
            try topN(values[...]).enumerated().filter { $0.element }.map { NMEntry(value: values[$0.offset], index: $0.offset) }
        }
        // Forward words, and Mf' for the backward ranking.
        var forwardKept = [[Bool]](repeating: [], count: R)
        for g in 0..<(C / M) {
            var lanes: [[NMEntry]] = []
            for r in 0..<R {
                let group = Array(copies[r][(g * M)..<((g + 1) * M)])
                lanes.append(try entries(group))
                forwardKept[r] += try topN(group[...])
            }
            try writeEntry(.p, pfBase + g, try word(lanes), by: .drain, at: v, insn: insn)
        }
        for i in 0..<(R / M) {
            for s in 0..<(C / R) {
                let lanes = try (0..<R).map { lane -> [NMEntry] in
                    let col = s * R + lane
                    return try entries((0..<M).map { rr in
                        let row = i * M + rr
                        return target.backwardFromForward && !forwardKept[row][col] ? 0 : copies[row][col]
                    })
                }
                try writeEntry(.p, pbBase + i * (C / R) + s, try word(lanes), by: .drain, at: v, insn: insn)
            }
        }
    }
}
