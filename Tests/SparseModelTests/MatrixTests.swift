import SparseModel
import Testing

@Suite struct MatrixTests {
    @Test func referenceGEMMMatchesTheDefinition() {
        let a = Matrix<Int64>(rows: 2, cols: 3) { r, c in Int64(r * 3 + c) - 2 }
        let b = Matrix<Int64>(rows: 3, cols: 2) { r, c in Int64(r - c) }
        let c = referenceGEMM(a, b)
        #expect(c.rows == 2 && c.cols == 2)
        // Row 0 of A = [-2, -1, 0]; column 0 of B = [0, 1, 2]; column 1 = [-1, 0, 1].
        #expect(c[0, 0] == -1 && c[0, 1] == 2)
        // Row 1 of A = [1, 2, 3].
        #expect(c[1, 0] == 8 && c[1, 1] == 2)
    }

    @Test func accumulatorWraps() {
        let a = Matrix<Int64>(rows: 1, cols: 2, repeating: 127)
        let b = Matrix<Int64>(rows: 2, cols: 1, repeating: 127)
        #expect(referenceGEMM(a, b, accWidth: 16)[0, 0] == wrapSigned(2 * 127 * 127, bits: 16))
        #expect(wrapSigned(32768, bits: 16) == -32768)
        #expect(wrapSigned(-1, bits: 64) == -1)
    }

    @Test func transpose() {
        let a = Matrix<Int64>(rows: 2, cols: 3) { r, c in Int64(10 * r + c) }
        #expect(a.transposed[2, 1] == 12)
        #expect(a.transposed.transposed == a)
    }
}
