/// A dense row-major matrix: the golden model's tensor type for GEMM views.
/// Independent of the RTL (this target never imports HWCore).
public struct Matrix<Element>: Sendable where Element: Sendable {
    public let rows: Int
    public let cols: Int
    public var storage: [Element]

    public init(rows: Int, cols: Int, repeating value: Element) {
        self.rows = rows
        self.cols = cols
        storage = Array(repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, _ generate: (Int, Int) -> Element) {
        self.rows = rows
        self.cols = cols
        var s: [Element] = []
        s.reserveCapacity(rows * cols)
        for r in 0..<rows { for c in 0..<cols { s.append(generate(r, c)) } }
        storage = s
    }

    public subscript(r: Int, c: Int) -> Element {
        get { storage[r * cols + c] }
        set { storage[r * cols + c] = newValue }
    }

    public var transposed: Matrix {
        Matrix(rows: cols, cols: rows) { r, c in self[c, r] }
    }
}

extension Matrix: Equatable where Element: Equatable {}

/// Reference integer GEMM with the arithmetic of a fixed-width hardware accumulator:
/// C[i][j] = Σ_k A[i][k]·B[k][j], products exact, the sum wrapping at `accWidth` bits (two's
/// complement), as an `accWidth`-bit register adding sign-extended products does.
public func referenceGEMM(_ a: Matrix<Int64>, _ b: Matrix<Int64>, accWidth: Int = 64) -> Matrix<Int64> {
    precondition(a.cols == b.rows, "GEMM shape mismatch")
    return Matrix(rows: a.rows, cols: b.cols) { i, j in
        var acc: Int64 = 0
        for k in 0..<a.cols { acc = acc &+ a[i, k] &* b[k, j] }
        return wrapSigned(acc, bits: accWidth)
    }
}

/// `value` reduced to a `bits`-bit two's complement number.
public func wrapSigned(_ value: Int64, bits: Int) -> Int64 {
    guard bits < 64 else { return value }
    let shift = Int64(64 - bits)
    return (value << shift) >> shift
}
