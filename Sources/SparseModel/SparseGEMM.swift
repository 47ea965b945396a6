/// Reference GEMM C = A·B with an N:M compressed left operand, computed directly from the compressed
/// form: C[i][j] = Σ over kept entries (value, index) of group g in row i of value · B[g*M + index][j].
///
/// A is R×K with N:M groups along K, B is dense K×C. Products are exact and the sum wraps at
/// `accWidth` bits two's complement, the convention of `referenceGEMM`, so the result equals
/// `referenceGEMM(a.decompress(), b, accWidth:)`. Throws if A.cols ≠ B.rows or `accWidth` is not in
/// 1...64.
public func referenceSparseGEMM(
    _ a: NMCompressed<Int64>, _ b: Matrix<Int64>, accWidth: Int = 64
) throws -> Matrix<Int64> {
    guard a.cols == b.rows else {
        throw SparseModelError(
            "sparse GEMM shape mismatch: A is \(a.rows)x\(a.cols), B is \(b.rows)x\(b.cols)")
    }
    guard (1...64).contains(accWidth) else {
        throw SparseModelError("accumulator width must be in 1...64 bits, got \(accWidth)")
    }
    let n = a.pattern.n, m = a.pattern.m, groups = a.groupsPerRow
    var c = Matrix<Int64>(rows: a.rows, cols: b.cols, repeating: 0)
    for i in 0..<a.rows {
        for j in 0..<b.cols {
            var acc: Int64 = 0
            for g in 0..<groups {
                for slot in 0..<n {
                    let k = (i * groups + g) * n + slot
                    acc = acc &+ a.values[k] &* b[g * m + a.indices[k], j]
                }
            }
            c[i, j] = wrapSigned(acc, bits: accWidth)
        }
    }
    return c
}
