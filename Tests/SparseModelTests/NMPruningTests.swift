import Formats
import SparseModel
import TestSupport
import Testing

@Suite struct NMPruningTests {
    /// Checks that `mask` keeps, in every group of M along each row of `w`, exactly the N positions
    /// the independent sort-based reference picks.
    private func checkRowGroups(_ w: Matrix<Int64>, _ mask: Mask, _ p: NMPattern) {
        #expect(mask.rows == w.rows && mask.cols == w.cols)
        for r in 0..<w.rows {
            for g in 0..<(w.cols / p.m) {
                let group = (0..<p.m).map { w[r, g * p.m + $0] }
                let kept = Set((0..<p.m).filter { mask[r, g * p.m + $0] })
                #expect(kept.count == p.n, "row \(r) group \(g) keeps \(kept.count)")
                #expect(kept == nmExpectedKept(group, n: p.n), "row \(r) group \(g) of \(group)")
                // The kept ones are the N largest: no dropped magnitude exceeds a kept one.
                let keptMin = kept.map { group[$0].magnitude }.min()!
                let droppedMax = (0..<p.m).filter { !kept.contains($0) }.map { group[$0].magnitude }.max()!
                #expect(keptMin >= droppedMax)
            }
        }
        #expect(mask.keptCount == w.rows * w.cols / p.m * p.n)
    }

    @Test(arguments: nmTestPatterns)
    func forwardMaskKeepsTopNPerRowGroup(p: NMPattern) throws {
        var rng = SplitMix64(seed: 0x5EED_0001 &+ UInt64(p.n * 100 + p.m))
        // A narrow range (many ties) and a full-width range (including the extremes).
        for range: ClosedRange<Int64> in [-3...3, -1000...1000, Int64.min...Int64.max] {
            let w = rng.matrix(rows: 5, cols: p.m * 4, in: range)
            checkRowGroups(w, try NMPruning.forwardMask(w, p), p)
        }
    }

    @Test(arguments: nmTestPatterns)
    func backwardMaskKeepsTopNPerColumnGroup(p: NMPattern) throws {
        var rng = SplitMix64(seed: 0x5EED_0002 &+ UInt64(p.n * 100 + p.m))
        for range: ClosedRange<Int64> in [-3...3, -1000...1000, Int64.min...Int64.max] {
            let w = rng.matrix(rows: p.m * 3, cols: 7, in: range)
            let mb = try NMPruning.backwardMask(w, p, source: .dense)
            // Backward groups run down the columns: the transposed mask is the forward rule on Wᵀ.
            checkRowGroups(w.transposed, mb.transposed, p)
            #expect(mb.transposed == (try NMPruning.forwardMask(w.transposed, p)))
        }
    }

    @Test func tieRuleAllEqualKeepsLowestIndices() throws {
        let p = try NMPattern(n: 2, m: 8)
        let w = Matrix<Int64>(rows: 1, cols: 8, repeating: 5)
        let mask = try NMPruning.forwardMask(w, p)
        #expect((0..<8).map { mask[0, $0] } == [true, true, false, false, false, false, false, false])
        let zeros = Matrix<Int64>(rows: 1, cols: 8, repeating: 0)
        #expect(try NMPruning.forwardMask(zeros, p) == mask)
    }

    @Test func tieRuleOppositeSignsCompareByMagnitude() throws {
        let p = try NMPattern(n: 1, m: 4)
        // |−7| == |7|: the lower index (the negative one at 1) wins.
        let w = Matrix<Int64>(rows: 1, cols: 4) { _, c in [2, -7, 7, 3][c] }
        #expect((0..<4).map { try! NMPruning.forwardMask(w, p)[0, $0] } == [false, true, false, false])
        // Swapped: the positive one is now lower and wins.
        let v = Matrix<Int64>(rows: 1, cols: 4) { _, c in [2, 7, -7, 3][c] }
        #expect((0..<4).map { try! NMPruning.forwardMask(v, p)[0, $0] } == [false, true, false, false])
        // 2:4 with a three-way tie on |4| behind a larger |−9|.
        let u = Matrix<Int64>(rows: 1, cols: 4) { _, c in [4, -4, -9, 4][c] }
        #expect((0..<4).map { try! NMPruning.forwardMask(u, try! NMPattern(n: 2, m: 4))[0, $0] }
            == [true, false, true, false])
    }

    @Test func tieRuleMostNegativeValues() throws {
        let p = try NMPattern(n: 1, m: 4)
        // Int8's −128 stored in Int64: |−128| = 128 beats 127 although −128 < 127.
        let w = Matrix<Int64>(rows: 1, cols: 4) { _, c in [127, -127, -128, 127][c] }
        #expect((0..<4).map { try! NMPruning.forwardMask(w, p)[0, $0] } == [false, false, true, false])
        // −128 and 128 tie: the lower index wins.
        let t = Matrix<Int64>(rows: 1, cols: 4) { _, c in [1, 128, -128, 0][c] }
        #expect((0..<4).map { try! NMPruning.forwardMask(t, p)[0, $0] } == [false, true, false, false])
        // Int64.min's magnitude (2^63) does not overflow and beats Int64.max.
        let x = Matrix<Int64>(rows: 1, cols: 4) { _, c in [Int64.max, 0, Int64.min, Int64.max][c] }
        #expect((0..<4).map { try! NMPruning.forwardMask(x, p)[0, $0] } == [false, false, true, false])
        // The same directly in Int8, where −(−128) does not exist.
        let y = Matrix<Int8>(rows: 4, cols: 1) { r, _ in [127, -128, 5, -128][r] }
        let mb = try NMPruning.backwardMask(y, try NMPattern(n: 2, m: 4), source: .dense)
        #expect((0..<4).map { mb[$0, 0] } == [false, true, false, true])
    }

    @Test func forwardAndBackwardOrientationOnNonSquare() throws {
        let p = try NMPattern(n: 1, m: 2)
        // 4 x 2: forward groups are the two elements of each row; backward groups are rows {0,1}
        // and {2,3} of each column.
        let w = Matrix<Int64>(rows: 4, cols: 2) { r, c in [[1, 9], [8, 2], [3, 4], [6, 5]][r][c] }
        let mf = try NMPruning.forwardMask(w, p)
        #expect(mf.bits.storage == [false, true, true, false, false, true, true, false])
        let mb = try NMPruning.backwardMask(w, p, source: .dense)
        #expect(mb.bits.storage == [false, true, true, false, false, false, true, true])
        // A 4:8-style check on a wide matrix: 8 x 3 only has backward groups, not forward ones.
        let p48 = try NMPattern(n: 4, m: 8)
        let tall = Matrix<Int64>(rows: 8, cols: 3) { r, c in Int64(r * 3 + c) }
        #expect(throws: SparseModelError(
            "4:8 pruning needs the forward reduction dimension (columns) to be a multiple of 8, got 3")) {
            try NMPruning.forwardMask(tall, p48)
        }
        let mbt = try NMPruning.backwardMask(tall, p48, source: .dense)
        for c in 0..<3 { #expect((0..<8).map { mbt[$0, c] } == [false, false, false, false, true, true, true, true]) }
    }

    @Test func forwardSparseSourceDiffersFromDense() throws {
        let p = try NMPattern(n: 1, m: 2)
        // Row 0 = [5, 9]: forward keeps 9 and prunes 5. Column 0 = [5, 1]: dense backward keeps 5,
        // but on W ⊙ Mf the 5 is gone ([0, 1]), so the backward mask keeps the 1 instead.
        let w = Matrix<Int64>(rows: 2, cols: 2) { r, c in [[5, 9], [1, 0]][r][c] }
        let dense = try NMPruning.backwardMask(w, p, source: .dense)
        let sparse = try NMPruning.backwardMask(w, p, source: .forwardSparse)
        #expect(dense.bits.storage == [true, true, false, false])
        #expect(sparse.bits.storage == [false, true, true, false])
        #expect(dense != sparse)
        // .forwardSparse is by definition the dense rule applied to W ⊙ Mf.
        var rng = SplitMix64(seed: 77)
        for pattern in nmTestPatterns {
            let x = rng.matrix(rows: pattern.m * 2, cols: pattern.m * 2, in: -50...50)
            let pruned = try NMPruning.forwardPruned(x, pattern)
            #expect(try NMPruning.backwardMask(x, pattern, source: .forwardSparse)
                == NMPruning.backwardMask(pruned, pattern, source: .dense))
        }
    }

    @Test func nonMultipleDimensionsThrow() throws {
        let p = try NMPattern(n: 2, m: 8)
        let w = Matrix<Int64>(rows: 8, cols: 12, repeating: 1)
        #expect(throws: SparseModelError(
            "2:8 pruning needs the forward reduction dimension (columns) to be a multiple of 8, got 12")) {
            try NMPruning.forwardMask(w, p)
        }
        // 8 rows are fine for the dense backward mask, but .forwardSparse also needs the columns.
        #expect(try NMPruning.backwardMask(w, p, source: .dense).keptCount == 2 * 12)
        #expect(throws: SparseModelError.self) { try NMPruning.backwardMask(w, p, source: .forwardSparse) }
        let v = Matrix<Int64>(rows: 6, cols: 8, repeating: 1)
        #expect(throws: SparseModelError(
            "2:8 pruning needs Co (rows) for the backward mask to be a multiple of 8, got 6")) {
            try NMPruning.backwardMask(v, p, source: .dense)
        }
    }

    @Test func floatingPointWeightsAndNaN() throws {
        let p = try NMPattern(n: 2, m: 4)
        let w = Matrix<Double>(rows: 1, cols: 4) { _, c in [0.5, -2.25, -0.0, 2.25][c] }
        let mask = try NMPruning.forwardMask(w, p)
        #expect(mask.bits.storage == [false, true, false, true])
        #expect(try mask.apply(to: w).storage == [0, -2.25, 0, 2.25])
        let nan = Matrix<Double>(rows: 1, cols: 4) { _, c in [0.5, .nan, 1, 2][c] }
        #expect(throws: SparseModelError("cannot rank an unordered value (NaN) at row 0, columns 0..<4, slot 1")) {
            try NMPruning.forwardMask(nan, p)
        }
    }

    @Test func maskApplyAndShapes() throws {
        let mask = Mask(Matrix(rows: 2, cols: 2) { r, c in r == c })
        let w = Matrix<Int64>(rows: 2, cols: 2) { r, c in Int64(10 * r + c + 1) }
        #expect(try mask.apply(to: w).storage == [1, 0, 0, 12])
        #expect(try mask.complement.apply(to: w).storage == [0, 2, 11, 0])
        #expect(mask.keptCount == 2)
        #expect(throws: SparseModelError("cannot apply a mask: mask is 2x2, matrix is 1x2")) {
            try mask.apply(to: Matrix<Int64>(rows: 1, cols: 2, repeating: 0))
        }
    }

    @Test func topNHelper() throws {
        #expect(try NMPruning.topN([3, 1, 3, 2], n: 2) == [true, false, true, false])
        #expect(try NMPruning.topN([UInt64](), n: 2) == [])
    }
}
