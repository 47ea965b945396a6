import Formats

/// The N:M compressed form of a matrix pruned along its columns (the operand SAT streams to its
/// PEs): for each row, for each group of M consecutive columns, exactly N kept entries stored as
/// (value, index in the group), kept entries in ascending index order.
///
/// Entry j of group g of row r is at flat position `(r * groupsPerRow + g) * N + j` of `values` and
/// `indices`; it stands for element [r, g*M + indices[…]] of the dense matrix. A kept entry may hold
/// zero (e.g. when a group has fewer than N non-zeros). Every initialiser validates, so the invariants
/// (shape, exactly N strictly ascending in-range indices per group) always hold.
public struct NMCompressed<T: Sendable>: Sendable {
    /// The number of rows of the dense matrix.
    public let rows: Int
    /// The number of columns of the dense matrix (a multiple of M).
    public let cols: Int
    /// The sparsity pattern.
    public let pattern: NMPattern
    /// The kept values, `rows * groupsPerRow * N` of them, in row, group, ascending-index order.
    public let values: [T]
    /// The index in its group (0..<M) of each kept value, parallel to `values`.
    public let indices: [Int]

    /// The number of groups of M in a row, `cols / M`.
    public var groupsPerRow: Int { cols / pattern.m }

    /// Creates a compressed matrix from its parts, throwing unless `cols` is a non-negative multiple
    /// of M, `rows` is non-negative, both arrays hold `rows * cols/M * N` entries, and each group's
    /// indices are strictly ascending in 0..<M.
    public init(rows: Int, cols: Int, pattern: NMPattern, values: [T], indices: [Int]) throws {
        guard rows >= 0 else { throw SparseModelError("N:M compressed matrix needs rows ≥ 0, got \(rows)") }
        let groups = try pattern.groups(cols, along: "the compressed matrix's column count")
        let (rowGroups, o1) = rows.multipliedReportingOverflow(by: groups)
        let (entries, o2) = rowGroups.multipliedReportingOverflow(by: pattern.n)
        guard !o1, !o2 else {
            throw SparseModelError("N:M compressed matrix \(rows)x\(cols) is too large")
        }
        guard values.count == entries, indices.count == entries else {
            throw SparseModelError(
                "a \(rows)x\(cols) \(pattern) compressed matrix needs \(entries) values and indices, "
                    + "got \(values.count) values and \(indices.count) indices")
        }
        for start in stride(from: 0, to: entries, by: pattern.n) {
            var previous = -1
            for k in start..<(start + pattern.n) {
                let index = indices[k]
                guard index > previous, index < pattern.m else {
                    let row = start / pattern.n / groups, group = start / pattern.n % groups
                    throw SparseModelError(
                        "row \(row), group \(group): indices \(Array(indices[start..<(start + pattern.n)])) "
                            + "are not strictly ascending in 0..<\(pattern.m)")
                }
                previous = index
            }
        }
        self.rows = rows
        self.cols = cols
        self.pattern = pattern
        self.values = values
        self.indices = indices
    }

    /// The flat position of entry `slot` (0..<N) of group `group` of row `row`.
    public func entryPosition(row: Int, group: Int, slot: Int) -> Int {
        (row * groupsPerRow + group) * pattern.n + slot
    }

    /// The dense column of entry `slot` of group `group` of row `row`: `group*M + index`.
    public func column(row: Int, group: Int, slot: Int) -> Int {
        group * pattern.m + indices[entryPosition(row: row, group: group, slot: slot)]
    }

    /// The exact size of the compressed matrix in bits when each value takes `valueBits` bits:
    /// rows · (cols/M) · N · (valueBits + ⌈log2 M⌉), the length of the `pack(valueBits:)` stream
    /// before padding to whole words. Throws unless `valueBits` is in 1...64.
    public func storageBits(valueBits: Int) throws -> Int {
        try Self.checkValueBits(valueBits, limit: 64)
        return values.count * (valueBits + pattern.indexBits)
    }

    /// The size in bits of this matrix stored densely with `valueBits`-bit values, rows·cols·valueBits.
    public func denseStorageBits(valueBits: Int) throws -> Int {
        try Self.denseStorageBits(rows: rows, cols: cols, valueBits: valueBits)
    }

    /// The size in bits of a dense `rows`×`cols` matrix of `valueBits`-bit values, rows·cols·valueBits.
    /// Throws on a negative dimension, `valueBits` outside 1...64, or overflow.
    public static func denseStorageBits(rows: Int, cols: Int, valueBits: Int) throws -> Int {
        guard rows >= 0, cols >= 0 else {
            throw SparseModelError("dense storage needs rows, cols ≥ 0, got \(rows)x\(cols)")
        }
        try checkValueBits(valueBits, limit: 64)
        let (elements, o1) = rows.multipliedReportingOverflow(by: cols)
        let (bits, o2) = elements.multipliedReportingOverflow(by: valueBits)
        guard !o1, !o2 else { throw SparseModelError("dense storage of \(rows)x\(cols) overflows Int") }
        return bits
    }

    static func checkValueBits(_ valueBits: Int, limit: Int) throws {
        guard (1...limit).contains(valueBits) else {
            throw SparseModelError("value width must be in 1...\(limit) bits, got \(valueBits)")
        }
    }
}

extension NMCompressed: Equatable where T: Equatable {}

extension NMCompressed where T: Numeric {
    /// Compresses `w` with the forward-mask rule (`NMPruning.forwardMask`): in each row, each group
    /// of M columns keeps its N largest |w| (ties to the lower index). Throws if the column count is
    /// not a multiple of M or a value is NaN.
    public init(compressing w: Matrix<T>, pattern: NMPattern) throws {
        try self.init(compressing: w, mask: NMPruning.forwardMask(w, pattern), pattern: pattern)
    }

    /// Compresses the entries of `w` that `mask` keeps. Throws unless the shapes match and the mask
    /// keeps exactly N of every group of M along each row (e.g. a transposed backward mask, to
    /// compress the backward operand Wbᵀ).
    public init(compressing w: Matrix<T>, mask: Mask, pattern: NMPattern) throws {
        try mask.requireShape(of: w, "compress with a mask")
        let groups = try pattern.groups(w.cols, along: "the forward reduction dimension (columns)")
        var values: [T] = [], indices: [Int] = []
        values.reserveCapacity(w.rows * groups * pattern.n)
        indices.reserveCapacity(w.rows * groups * pattern.n)
        for r in 0..<w.rows {
            for g in 0..<groups {
                var kept = 0
                for i in 0..<pattern.m where mask[r, g * pattern.m + i] {
                    values.append(w[r, g * pattern.m + i])
                    indices.append(i)
                    kept += 1
                }
                guard kept == pattern.n else {
                    throw SparseModelError(
                        "mask keeps \(kept) of row \(r), columns \(g * pattern.m)..<\((g + 1) * pattern.m); "
                            + "\(pattern) needs exactly \(pattern.n)")
                }
            }
        }
        try self.init(rows: w.rows, cols: w.cols, pattern: pattern, values: values, indices: indices)
    }

    /// The dense matrix: kept entries at their columns, zero elsewhere.
    public func decompress() -> Matrix<T> {
        var out = Matrix<T>(rows: rows, cols: cols, repeating: 0)
        for r in 0..<rows {
            for g in 0..<groupsPerRow {
                for j in 0..<pattern.n {
                    let k = entryPosition(row: r, group: g, slot: j)
                    out[r, g * pattern.m + indices[k]] = values[k]
                }
            }
        }
        return out
    }
}
