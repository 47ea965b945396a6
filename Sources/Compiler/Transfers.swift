import Formats

extension SystemTarget {
    /// The LOAD/STORE transfers moving `count` buffer entries `bufferBase ..< bufferBase + count`
    /// of `entryBeats` beats each, entry e at DRAM byte `dramAddr + e · entryStride`.
    ///
    /// Contiguous entries (`entryStride` = entryBeats · beatBytes) go as one row when they fit the
    /// 12-bit `rowBeats`; longer runs as rows of as many whole entries as fit (one transfer, plus
    /// one for the remainder), so every memory request stays a long burst. Other entries go one
    /// row per entry, at most 4095 rows per transfer (the field limits of ``InstructionLayout``).
    func transfers(count: Int, entryBeats: Int, bufferBase: Int, dramAddr: Int, entryStride: Int) -> [Instruction.Transfer] {
        let maxField = Int(InstructionLayout.maxValue(.rows))
        if entryStride == entryBeats * beatBytes {
            if count * entryBeats <= maxField {
                return [Instruction.Transfer(bufferBase: bufferBase, rows: 1, rowBeats: count * entryBeats, entryBeats: entryBeats,
                                             dramAddr: UInt64(dramAddr), dramStride: 0)]
            }
            let perRow = maxField / entryBeats
            var out: [Instruction.Transfer] = []
            var first = 0
            while first < count {
                let rows = min(maxField, (count - first) / perRow)
                if rows >= 1 {
                    out.append(Instruction.Transfer(bufferBase: bufferBase + first, rows: rows, rowBeats: perRow * entryBeats, entryBeats: entryBeats,
                                                    dramAddr: UInt64(dramAddr + first * entryStride),
                                                    dramStride: rows == 1 ? 0 : UInt64(perRow * entryStride)))
                    first += rows * perRow
                } else {
                    let n = count - first
                    out.append(Instruction.Transfer(bufferBase: bufferBase + first, rows: 1, rowBeats: n * entryBeats, entryBeats: entryBeats,
                                                    dramAddr: UInt64(dramAddr + first * entryStride), dramStride: 0))
                    first = count
                }
            }
            return out
        }
        return stride(from: 0, to: count, by: maxField).map { first in
            let rows = min(maxField, count - first)
            return Instruction.Transfer(bufferBase: bufferBase + first, rows: rows, rowBeats: entryBeats, entryBeats: entryBeats,
                                        dramAddr: UInt64(dramAddr + first * entryStride), dramStride: rows == 1 ? 0 : UInt64(entryStride))
        }
    }
}
