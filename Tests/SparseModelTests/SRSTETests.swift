import Formats
import SparseModel
import Testing

@Suite struct SRSTETests {
    @Test func updateDecaysOnlyPrunedWeights() throws {
        let p = try NMPattern(n: 1, m: 2)
        let w = Matrix<Double>(rows: 1, cols: 4) { _, c in [4, -1, 0.5, -2][c] }
        let dw = Matrix<Double>(rows: 1, cols: 4) { _, c in [1, 2, -1, 0.5][c] }
        let mf = try NMPruning.forwardMask(w, p)
        #expect(mf.bits.storage == [true, false, false, true])
        let updated = try srsteUpdate(w: w, dw: dw, mask: mf, lr: 0.5, lambda: 0.25)
        // Kept: w − η·dW. Pruned: w − η·(dW + λ·w).
        #expect(updated.storage == [3.5, -1.875, 0.9375, -2.25])
        // λ = 0 is plain dense SGD; η = 0 leaves W unchanged.
        #expect(try srsteUpdate(w: w, dw: dw, mask: mf, lr: 0.5, lambda: 0).storage == [3.5, -2, 1, -2.25])
        #expect(try srsteUpdate(w: w, dw: dw, mask: mf, lr: 0, lambda: 0.25) == w)
    }

    @Test func shapeMismatchThrows() throws {
        let w = Matrix<Double>(rows: 2, cols: 2, repeating: 1)
        let mask = Mask(Matrix(rows: 2, cols: 2, repeating: true))
        #expect(throws: SparseModelError("cannot apply an SR-STE update: W is 2x2, dW is 1x2")) {
            try srsteUpdate(w: w, dw: Matrix(rows: 1, cols: 2, repeating: 0), mask: mask, lr: 1, lambda: 1)
        }
        #expect(throws: SparseModelError("cannot apply an SR-STE update: mask is 2x2, matrix is 2x1")) {
            try srsteUpdate(w: Matrix(rows: 2, cols: 1, repeating: 0), dw: Matrix(rows: 2, cols: 1, repeating: 0),
                            mask: mask, lr: 1, lambda: 1)
        }
    }
}
