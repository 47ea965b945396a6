/// Which entries of a weight matrix are stored (non-zero): the input of every storage-format bit
/// count. The matrix is the GEMM view of a conv layer's weights, `rows` = filters (Co) by
/// `cols` = Ci·K·K, column index (ci·K + kh)·K + kw, kept row-major.
public struct SparsityMask: Sendable, Hashable {
    public let rows: Int
    public let cols: Int
    /// Row-major, `rows`·`cols` entries; true = stored.
    public let bits: [Bool]

    /// A mask; throws unless `bits` holds exactly `rows`·`cols` entries and both are ≥ 1.
    public init(rows: Int, cols: Int, bits: [Bool]) throws {
        guard rows >= 1, cols >= 1 else { throw FormatError("a sparsity mask needs rows, cols ≥ 1, got \(rows)x\(cols)") }
        guard bits.count == rows * cols else {
            throw FormatError("a \(rows)x\(cols) sparsity mask needs \(rows * cols) entries, got \(bits.count)")
        }
        self.rows = rows
        self.cols = cols
        self.bits = bits
    }

    /// The all-stored mask of a dense matrix.
    public static func dense(rows: Int, cols: Int) throws -> SparsityMask {
        try SparsityMask(rows: rows, cols: cols, bits: [Bool](repeating: true, count: max(0, rows * cols)))
    }

    /// Stored entries.
    public var nonZeros: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// Whether entry (r, c) is stored.
    public subscript(r: Int, c: Int) -> Bool { bits[r * cols + c] }
}

/// ⌈log2 x⌉ for x ≥ 1 (0 for x = 1): the bits of an index into x positions.
@inlinable
public func storageIndexBits(_ x: Int) -> Int {
    x <= 1 ? 0 : Int.bitWidth - (x - 1).leadingZeroBitCount
}
