/// The exact bit-level packing of an N:M compressed matrix used by the hardware's weight stream.
///
/// The stream is little-endian in 64-bit words (bit 0 = LSB of word 0). Entries are laid out rows
/// in order, groups in order within a row, the N entries of a group in ascending index order. Each
/// entry is `valueBits` bits of the two's complement value (low bits) followed immediately by
/// ⌈log2 M⌉ bits of the index in the group (high bits); entry j of group g of row r starts at bit
/// ((r*groupsPerRow + g)*N + j) * (valueBits + indexBits). Bits after the last entry, up to the end of
/// the last word, are zero.
extension NMCompressed where T: BinaryInteger {
    /// Packs the matrix into the hardware weight-stream format with `valueBits`-bit values (see the
    /// extension's documentation for the layout). Throws unless `valueBits` is in 1...64 and every
    /// value fits in `valueBits`-bit two's complement.
    public func pack(valueBits: Int) throws -> [UInt64] {
        try Self.checkValueBits(valueBits, limit: 64)
        let minValue: Int64 = valueBits == 64 ? .min : -(1 << Int64(valueBits - 1))
        let maxValue: Int64 = valueBits == 64 ? .max : (1 << Int64(valueBits - 1)) - 1
        var writer = BitWriter()
        for k in values.indices {
            let value = values[k]
            guard let v = Int64(exactly: value), v >= minValue, v <= maxValue else {
                let row = k / pattern.n / groupsPerRow, group = k / pattern.n % groupsPerRow
                throw SparseModelError(
                    "value \(value) at row \(row), column \(group * pattern.m + indices[k]) does not fit in "
                        + "\(valueBits)-bit two's complement (\(minValue)...\(maxValue))")
            }
            writer.append(UInt64(bitPattern: v), bits: valueBits)
            writer.append(UInt64(indices[k]), bits: pattern.indexBits)
        }
        return writer.words
    }
}

extension NMCompressed where T: FixedWidthInteger & SignedInteger {
    /// Unpacks a stream produced by `pack(valueBits:)` (the exact inverse: `unpack(pack(x)) == x`),
    /// sign-extending each value to `T`, e.g. `NMCompressed<Int64>.unpack(…)`.
    ///
    /// Throws unless `rows` ≥ 0, `cols` is a non-negative multiple of M, `valueBits` is in
    /// 1...T.bitWidth, `words` holds exactly the words the layout needs, the padding bits are zero and
    /// each group's indices are strictly ascending.
    public static func unpack(
        _ words: [UInt64], rows: Int, cols: Int, pattern: NMPattern, valueBits: Int
    ) throws -> NMCompressed<T> {
        try checkValueBits(valueBits, limit: T.bitWidth)
        guard rows >= 0 else { throw SparseModelError("N:M compressed matrix needs rows ≥ 0, got \(rows)") }
        let groups = try pattern.groupCount(cols, along: "the compressed matrix's column count")
        let entrySize = valueBits + pattern.indexBits
        let (rowGroups, o1) = rows.multipliedReportingOverflow(by: groups)
        let (entries, o2) = rowGroups.multipliedReportingOverflow(by: pattern.n)
        let (totalBits, o3) = entries.multipliedReportingOverflow(by: entrySize)
        guard !o1, !o2, !o3, totalBits <= Int.max - 63 else {
            throw SparseModelError("N:M compressed matrix \(rows)x\(cols) is too large")
        }
        let neededWords = (totalBits + 63) / 64
        guard words.count == neededWords else {
            throw SparseModelError(
                "a \(rows)x\(cols) \(pattern) stream with \(valueBits)-bit values is \(totalBits) bits = "
                    + "\(neededWords) words, got \(words.count) words")
        }
        var reader = BitReader(words)
        var values: [T] = [], indices: [Int] = []
        values.reserveCapacity(entries)
        indices.reserveCapacity(entries)
        let shift = UInt64(64 - valueBits)
        for _ in 0..<entries {
            let raw = reader.read(bits: valueBits)
            let signExtended = Int64(bitPattern: raw << shift) >> Int64(shift)
            values.append(T(truncatingIfNeeded: signExtended))
            indices.append(Int(reader.read(bits: pattern.indexBits)))
        }
        let padding = reader.capacity - totalBits
        if padding > 0, reader.read(bits: padding) != 0 {
            throw SparseModelError("padding bits after the last entry (bit \(totalBits) on) are not zero")
        }
        return try NMCompressed<T>(rows: rows, cols: cols, pattern: pattern, values: values, indices: indices)
    }
}
