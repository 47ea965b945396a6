import Formats
import SparseModel
import TestSupport
import Testing

@Suite struct ConvWeightsTests {
    @Test func gemmViewUsesTheReductionIndex() throws {
        let w = try ConvWeights<Int64>(outChannels: 2, inChannels: 3, kernelSize: 3) { co, ci, kh, kw in
            Int64(1000 * co + 100 * ci + 10 * kh + kw)
        }
        #expect(w.reductionLength == 27)
        let m = w.asMatrix
        #expect(m.rows == 2 && m.cols == 27)
        for co in 0..<2 {
            for ci in 0..<3 {
                for kh in 0..<3 {
                    for kw in 0..<3 {
                        #expect(m[co, (ci * 3 + kh) * 3 + kw] == w[co, ci, kh, kw])
                        #expect(w.reductionIndex(ci: ci, kh: kh, kw: kw) == (ci * 3 + kh) * 3 + kw)
                    }
                }
            }
        }
        #expect(m[1, 14] == 1112)  // ci = 1, kh = 1, kw = 2
        #expect(try ConvWeights(matrix: m, inChannels: 3, kernelSize: 3) == w)
    }

    @Test func mutationAndRepeating() throws {
        var w = try ConvWeights<Int64>(outChannels: 1, inChannels: 2, kernelSize: 2, repeating: 0)
        w[0, 1, 1, 0] = -5
        #expect(w.asMatrix.storage == [0, 0, 0, 0, 0, 0, -5, 0])
    }

    @Test func pruneAConvLayerInItsGEMMView() throws {
        let p = try NMPattern(n: 2, m: 8)
        var rng = SplitMix64(seed: 42)
        let w = try ConvWeights<Int64>(outChannels: 8, inChannels: 8, kernelSize: 3) { _, _, _, _ in
            Int64.random(in: -128...127, using: &rng)
        }
        let pruned = try NMPruning.forwardPruned(w.asMatrix, p)
        let back = try ConvWeights(matrix: pruned, inChannels: 8, kernelSize: 3)
        #expect(back.storage.filter { $0 != 0 }.count <= 8 * 72 / 4)
        let mb = try NMPruning.backwardMask(w.asMatrix, p, source: .forwardSparse)
        #expect(mb.keptCount == 72 * 2)
    }

    @Test func badShapesThrow() {
        #expect(throws: SparseModelError("conv weights need Co, Ci, K ≥ 1, got Co=0, Ci=3, K=3")) {
            try ConvWeights<Int64>(outChannels: 0, inChannels: 3, kernelSize: 3, repeating: 0)
        }
        #expect(throws: SparseModelError.self) {
            try ConvWeights<Int64>(outChannels: 1 << 40, inChannels: 1 << 20, kernelSize: 3, repeating: 0)
        }
        let m = Matrix<Int64>(rows: 2, cols: 10, repeating: 0)
        #expect(throws: SparseModelError(
            "a 2x10 matrix is not the GEMM view of Ci=1, K=3 weights (needs 9 columns)")) {
            try ConvWeights(matrix: m, inChannels: 1, kernelSize: 3)
        }
    }
}
