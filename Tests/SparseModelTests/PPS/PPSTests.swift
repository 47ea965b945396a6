import SparseModel
import TestSupport
import Testing

@Suite struct PPSTests {
    @Test func candidateLibraryIsEveryCombination() throws {
        let all = try KernelPattern.all(kernelSize: 3, keeping: 4)
        #expect(all.count == 126)  // C(9, 4)
        #expect(Set(all).count == 126 && all.allSatisfy { $0.count == 4 })
        #expect(try KernelPattern.all(kernelSize: 3, keeping: 9).count == 1)
        #expect(throws: SparseModelError.self) { try KernelPattern.all(kernelSize: 3, keeping: 10) }
        #expect(throws: SparseModelError.self) { try KernelPattern(kernelSize: 3, positions: [0, 0]) }
        #expect(throws: SparseModelError.self) { try KernelPattern(kernelSize: 3, positions: [9]) }
    }

    /// The pSConv rule restated from its published code: r = (i + j + 1) mod 8 picks the mask.
    @Test(arguments: [false, true])
    func pSConvFollowsThePeriodicRule(dense: Bool) throws {
        let a = try PPSAssignment.pSConv(denseEvery8th: dense)
        let masks: [[Int]] = [[1, 1, 0, 1, 1, 0, 0, 0, 0], [0, 1, 1, 0, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 0, 1, 1, 0], [0, 0, 0, 0, 1, 1, 0, 1, 1]]
        for i in 0..<13 {
            for j in 0..<11 {
                let r = (i + j + 1) % 8
                let want: [Int] = r == 0 ? (dense ? [Int](repeating: 1, count: 9) : masks[3]) : masks[(r - 1) % 4]
                let got = (0..<9).map { a.keeps(filter: i, channel: j, kh: $0 / 3, kw: $0 % 3) ? 1 : 0 }
                #expect(got == want, "kernel (\(i), \(j))")
            }
        }
        #expect(a.library.count == (dense ? 5 : 4))
        #expect(a.uniformCount == (dense ? nil : 4))
    }

    @Test func magnitudeChoiceMaximisesEachResidueClass() throws {
        var rng = SplitMix64(seed: 3)
        let w = try ConvWeights<Double>(outChannels: 7, inChannels: 5, kernelSize: 3) { _, _, _, _ in Double(rng.signed(bits: 8)) }
        let candidates = try KernelPattern.all(kernelSize: 3, keeping: 3)
        let a = try PPSAssignment.magnitude(w, period: 4, candidates: candidates)
        for q in 0..<4 {
            func score(_ p: KernelPattern) -> Double {
                var s = 0.0
                for i in 0..<7 { for j in 0..<5 where (i + j) % 4 == q { for pos in p.positions { s += abs(w[i, j, pos / 3, pos % 3]) } } }
                return s
            }
            let best = candidates.map(score).max()!
            #expect(score(a.patterns[q]) == best)
        }
    }

    @Test func magnitudeChoiceFindsAPlantedPattern() throws {
        // Residue class q's kernels are large exactly at planted[q]'s positions.
        let planted = try [KernelPattern(kernelSize: 3, positions: [0, 4, 8]), KernelPattern(kernelSize: 3, positions: [1, 2, 3])]
        let w = try ConvWeights<Double>(outChannels: 4, inChannels: 6, kernelSize: 3) { i, j, kh, kw in
            planted[(i + j) % 2].keeps(kh: kh, kw: kw) ? -10 : 1
        }
        let a = try PPSAssignment.magnitude(w, period: 2, candidates: try KernelPattern.all(kernelSize: 3, keeping: 3))
        #expect(a.patterns == planted)
    }

    @Test func maskedTrainingKeepsPrunedWeightsZero() throws {
        var rng = SplitMix64(seed: 9)
        let a = try PPSAssignment.pSConv(denseEvery8th: false)
        var w = try a.prune(try ConvWeights<Double>(outChannels: 6, inChannels: 5, kernelSize: 3) { _, _, _, _ in Double(rng.signed(bits: 8)) })
        let before = w
        for _ in 0..<5 {
            let g = try ConvWeights<Double>(outChannels: 6, inChannels: 5, kernelSize: 3) { _, _, _, _ in Double(rng.signed(bits: 8)) }
            w = try a.maskedStep(w, gradient: g, learningRate: 0.1)
        }
        var changedKept = 0
        for i in 0..<6 { for j in 0..<5 { for kh in 0..<3 { for kw in 0..<3 {
            if a.keeps(filter: i, channel: j, kh: kh, kw: kw) {
                if w[i, j, kh, kw] != before[i, j, kh, kw] { changedKept += 1 }
            } else {
                #expect(w[i, j, kh, kw] == 0)
            }
        } } } }
        #expect(changedKept > 0)
    }

    /// The direct conv agrees with the im2col GEMM of the N:M golden model (two independent routes).
    @Test(arguments: [(1, 0), (1, 1), (2, 1), (2, 2)])
    func directConvMatchesIm2colGEMM(stride: Int, padding: Int) throws {
        var rng = SplitMix64(seed: UInt64(10 * stride + padding))
        let layer = try LayerSpec.conv(inChannels: 3, outChannels: 5, height: 7, width: 6, kernelSize: 3, stride: stride, padding: padding)
        let w = try PPSAssignment.pSConv(denseEvery8th: true).prune(
            try ConvWeights<Int64>(outChannels: 5, inChannels: 3, kernelSize: 3) { _, _, _, _ in rng.signed(bits: 8) })
        let x = (0..<(3 * 7 * 6)).map { _ in rng.signed(bits: 8) }
        let direct = try PPSConvReference.conv(input: x, layer: layer, weights: w, accWidth: 32)
        let t = try Tensor4(shape: layer.inputShape(batch: 1)) { _, h, ww, c in x[(c * 7 + h) * 6 + ww] }
        let gemm = referenceGEMM(try layer.forwardMatrix(w, order: .flattened), try layer.im2col(t, order: .flattened), accWidth: 32)
        for co in 0..<5 { for p in 0..<(layer.outHeight * layer.outWidth) {
            #expect(direct[co * layer.outHeight * layer.outWidth + p] == gemm[co, p])
        } }
    }

    @Test func cycleModelTileCountMatchesTheCompilerGrouping() throws {
        // Filters grouped by residue class: class a holds ⌈(Co − a)/P⌉ filters.
        let layer = try LayerSpec.conv(inChannels: 4, outChannels: 19, height: 5, width: 5, kernelSize: 3, padding: 1)
        let perClass = (0..<8).map { a in (0..<19).filter { $0 % 8 == a }.count }
        let colTiles = perClass.map { ($0 + 2) / 3 }.reduce(0, +)
        #expect(SPSCycleModel.tiles(layer: layer, period: 8, rows: 4, cols: 3) == colTiles * ((25 + 3) / 4))
        #expect(SPSCycleModel.tileCycles(channels: 4, slots: 4, rows: 4, cols: 3) == 16 + 4 + 3 + 2)
        // G = 16 ≥ R + C = 7: the next tile starts G + 1 cycles after the previous one.
        #expect(SPSCycleModel.tileInterval(channels: 4, slots: 4, rows: 4, cols: 3) == 17)
        // G = 4 < R + C = 7: it waits for the previous tile_done (tile + 1).
        #expect(SPSCycleModel.tileInterval(channels: 1, slots: 4, rows: 4, cols: 3) == (4 + 4 + 3 + 2) + 1)
        let t = SPSCycleModel.tiles(layer: layer, period: 8, rows: 4, cols: 3)
        #expect(SPSCycleModel.layerCycles(layer: layer, slots: 4, period: 8, rows: 4, cols: 3) == (t - 1) * 17 + 25 + 1)
    }
}
