import Formats
import SparseModel
import TestSupport
import Testing

@Suite struct SparseGEMMTests {
    @Test(arguments: nmTestPatterns)
    func sparseGEMMEqualsDenseGEMMOnTheDecompressedMatrix(p: NMPattern) throws {
        var rng = SplitMix64(seed: 0x6E33 &+ UInt64(p.m * 16 + p.n))
        let a = rng.matrix(rows: 5, cols: p.m * 3, in: -128...127)
        let b = rng.matrix(rows: p.m * 3, cols: 4, in: -128...127)
        let compressed = try NMCompressed(compressing: a, pattern: p)
        for accWidth in [64, 32, 16, 12, 8] {
            let sparse = try referenceSparseGEMM(compressed, b, accWidth: accWidth)
            #expect(sparse == referenceGEMM(compressed.decompress(), b, accWidth: accWidth))
        }
        #expect(try referenceSparseGEMM(compressed, b) == referenceGEMM(compressed.decompress(), b))
    }

    @Test func wrapsAtTheAccumulatorWidth() throws {
        // 2:4 row [127, 0, 0, 127] times a column of 127s: 2·127² = 32258 wraps in 12 bits.
        let p = try NMPattern(n: 2, m: 4)
        let a = Matrix<Int64>(rows: 1, cols: 4) { _, c in [127, 0, 0, 127][c] }
        let b = Matrix<Int64>(rows: 4, cols: 1, repeating: 127)
        let c = try NMCompressed(compressing: a, pattern: p)
        #expect(try referenceSparseGEMM(c, b, accWidth: 64)[0, 0] == 32258)
        #expect(try referenceSparseGEMM(c, b, accWidth: 16)[0, 0] == 32258)
        #expect(try referenceSparseGEMM(c, b, accWidth: 15)[0, 0] == 32258 - 32768)
        #expect(try referenceSparseGEMM(c, b, accWidth: 12)[0, 0] == wrapSigned(32258, bits: 12))
        #expect(wrapSigned(32258, bits: 12) == 32258 % 4096 - 4096)
        // Exact products, wrapping sum: Int64 extremes give the same as the dense reference.
        let big = Matrix<Int64>(rows: 1, cols: 4) { _, c in [Int64.min, 0, 3, 0][c] }
        let bigB = Matrix<Int64>(rows: 4, cols: 1) { r, _ in [Int64.max, 1, -5, 2][r] }
        let bc = try NMCompressed(compressing: big, pattern: p)
        for width in [64, 33, 7] {
            #expect(try referenceSparseGEMM(bc, bigB, accWidth: width) == referenceGEMM(bc.decompress(), bigB, accWidth: width))
        }
    }

    @Test func readsTheDenseOperandAtGroupStartPlusIndex() throws {
        // 1:8 keeps column 5 of the first group and column 8+2 of the second.
        let p = try NMPattern(n: 1, m: 8)
        let a = Matrix<Int64>(rows: 1, cols: 16) { _, c in c == 5 ? 3 : (c == 10 ? -2 : 0) }
        let b = Matrix<Int64>(rows: 16, cols: 2) { r, c in Int64(r * 10 + c) }
        let c = try NMCompressed(compressing: a, pattern: p)
        let expected: [Int64] = [3 * 50 - 2 * 100, 3 * 51 - 2 * 101]
        #expect(try referenceSparseGEMM(c, b).storage == expected)
    }

    @Test func badInputThrows() throws {
        let p = try NMPattern(n: 2, m: 4)
        let c = try NMCompressed(compressing: Matrix<Int64>(rows: 2, cols: 8, repeating: 1), pattern: p)
        #expect(throws: SparseModelError("sparse GEMM shape mismatch: A is 2x8, B is 4x3")) {
            try referenceSparseGEMM(c, Matrix<Int64>(rows: 4, cols: 3, repeating: 0))
        }
        for bad in [0, 65] {
            #expect(throws: SparseModelError("accumulator width must be in 1...64 bits, got \(bad)")) {
                try referenceSparseGEMM(c, Matrix<Int64>(rows: 8, cols: 1, repeating: 0), accWidth: bad)
            }
        }
    }
}
