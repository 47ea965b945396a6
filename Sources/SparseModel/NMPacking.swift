import Formats

/// The packed form of an N:M compressed matrix: its groups, row by row, as one
/// ``Formats/NMStreamLayout`` stream (the layout the hardware's weight stream uses).
extension NMCompressed where T: BinaryInteger {
    /// The groups in (row, group) order, each N entries in ascending index order. Throws if a value
    /// does not fit Int64.
    public func entryGroups() throws -> [[NMEntry]] {
        var out: [[NMEntry]] = []
        out.reserveCapacity(rows * groupsPerRow)
        for r in 0..<rows {
            for g in 0..<groupsPerRow {
                out.append(try (0..<pattern.n).map { j in
                    let k = entryPosition(row: r, group: g, slot: j)
                    guard let v = Int64(exactly: values[k]) else {
                        throw SparseModelError("value \(values[k]) at row \(r), column \(g * pattern.m + indices[k]) does not fit Int64")
                    }
                    return NMEntry(value: v, index: indices[k])
                })
            }
        }
        return out
    }

    /// Packs the matrix as an ``NMStreamLayout`` stream of its groups in (row, group) order with
    /// `valueBits`-bit values. Throws unless `valueBits` is in 1...64 and every value fits.
    public func pack(valueBits: Int) throws -> [UInt64] {
        try Self.checkValueBits(valueBits, limit: 64)
        let layout = try modelError { try NMStreamLayout(pattern: pattern, valueBits: valueBits) }
        let groups = groupsPerRow
        return try modelError {
            try layout.pack(try entryGroups()) { k in "row \(k / max(1, groups)), group \(k % max(1, groups))" }
        }
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
        let groups = try pattern.groups(cols, along: "the compressed matrix's column count")
        let (total, overflow) = rows.multipliedReportingOverflow(by: groups)
        guard !overflow else { throw SparseModelError("N:M compressed matrix \(rows)x\(cols) is too large") }
        let layout = try modelError { try NMStreamLayout(pattern: pattern, valueBits: valueBits) }
        let entries = try modelError {
            try layout.unpack(words, groups: total) { k in "row \(k / max(1, groups)), group \(k % max(1, groups))" }
        }
        return try NMCompressed<T>(rows: rows, cols: cols, pattern: pattern,
                                   values: entries.flatMap { $0.map { T(truncatingIfNeeded: $0.value) } },
                                   indices: entries.flatMap { $0.map(\.index) })
    }
}

/// Runs `body`, turning a ``Formats/FormatError`` into the golden model's ``SparseModelError``
/// (same message), so the model's API throws one error type.
func modelError<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch let e as FormatError { throw SparseModelError(e.message) }
}

extension NMPattern {
    /// ``Formats/NMPattern/groupCount(_:along:)`` throwing the model's error type.
    func groups(_ length: Int, along what: String) throws -> Int {
        try modelError { try groupCount(length, along: what) }
    }
}
