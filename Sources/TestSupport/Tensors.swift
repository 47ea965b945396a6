import SparseModel

/// Random tensors for tests, workloads and benchmarks, drawn from ``SplitMix64``.
extension SplitMix64 {
    /// A rows×cols matrix of values drawn from `range`, row-major.
    public mutating func matrix(rows: Int, cols: Int, in range: ClosedRange<Int64>) -> Matrix<Int64> {
        Matrix(rows: rows, cols: cols) { _, _ in next(in: range) }
    }

    /// A rows×cols matrix of `bits`-bit two's complement values (the full range).
    public mutating func matrix(rows: Int, cols: Int, bits: Int) -> Matrix<Int64> {
        Matrix(rows: rows, cols: cols) { _, _ in signed(bits: bits) }
    }
}

/// The first element where two matrices differ, for tolerance-free comparisons: results are equal
/// bit for bit or the report names the element.
public struct MatrixDifference: Sendable, Equatable, CustomStringConvertible {
    public let row: Int
    public let col: Int
    public let expected: Int64
    public let actual: Int64
    public var description: String { "[\(row)][\(col)] expected \(expected), got \(actual)" }
}

/// nil when `actual` equals `expected` exactly (shape included); otherwise the first differing
/// element in row-major order (a shape mismatch is reported at [-1][-1] with the element counts).
public func firstDifference(expected: Matrix<Int64>, actual: Matrix<Int64>) -> MatrixDifference? {
    guard expected.rows == actual.rows, expected.cols == actual.cols else {
        return MatrixDifference(row: -1, col: -1, expected: Int64(expected.storage.count), actual: Int64(actual.storage.count))
    }
    for i in expected.storage.indices where expected.storage[i] != actual.storage[i] {
        return MatrixDifference(row: i / expected.cols, col: i % expected.cols, expected: expected.storage[i], actual: actual.storage[i])
    }
    return nil
}
