import Formats
import SparseModel
import TestSupport
import Testing

@Suite struct BDWPTests {
    /// Sparse layers for the mask sweeps (every M of `nmTestPatterns` divides Ci and Co = 16).
    private static let sparseLayers: [LayerSpec] = [
        try! .conv(inChannels: 16, outChannels: 16, height: 5, width: 5, kernelSize: 3, padding: 1),
        try! .conv(inChannels: 16, outChannels: 32, height: 4, width: 4, kernelSize: 1),
        try! .conv(inChannels: 32, outChannels: 16, height: 6, width: 6, kernelSize: 2, stride: 2),
        try! .fullyConnected(inFeatures: 32, outFeatures: 16),
    ]

    /// Checks Mf from the tensor's coordinates, independently of the GEMM views: for each co, the
    /// forward reduction indices in `order` are cut into groups of M, and each group keeps exactly
    /// the N largest |w| (ties to the lower index), found by `nmExpectedKept`.
    private func checkForwardMask(_ w: ConvWeights<Int64>, _ mf: ConvWeights<Bool>, _ p: NMPattern, _ order: ReductionOrder) {
        let ci = w.inChannels, k = w.kernelSize
        // The (ci, kh, kw) at each reduction position, spelled out per order.
        var coords: [(Int, Int, Int)] = []
        switch order {
        case .channelsInnermost:
            for kh in 0..<k { for kw in 0..<k { for c in 0..<ci { coords.append((c, kh, kw)) } } }
        case .flattened:
            for c in 0..<ci { for kh in 0..<k { for kw in 0..<k { coords.append((c, kh, kw)) } } }
        }
        for co in 0..<w.outChannels {
            for g in 0..<(coords.count / p.m) {
                let members = coords[(g * p.m)..<((g + 1) * p.m)]
                if order == .channelsInnermost, Set(members.map { [$0.1, $0.2] }).count != 1 {
                    // A group is M consecutive input channels at one kernel tap.
                    Issue.record("group \(g) spans kernel taps")
                }
                let group = members.map { w[co, $0.0, $0.1, $0.2] }
                let kept = Set(members.enumerated().filter { mf[co, $0.element.0, $0.element.1, $0.element.2] }.map(\.offset))
                if kept != nmExpectedKept(group, n: p.n) {
                    Issue.record("Mf: co \(co) group \(g) of \(group) keeps \(kept.sorted())")
                    return
                }
            }
        }
    }

    /// Checks Mb: for each (ci, kh, kw), each group of M consecutive co keeps the N largest |r|.
    private func checkBackwardMask(_ ranked: ConvWeights<Int64>, _ mb: ConvWeights<Bool>, _ p: NMPattern) {
        for ci in 0..<ranked.inChannels {
            for kh in 0..<ranked.kernelSize {
                for kw in 0..<ranked.kernelSize {
                    for g in 0..<(ranked.outChannels / p.m) {
                        let group = (0..<p.m).map { ranked[g * p.m + $0, ci, kh, kw] }
                        let kept = Set((0..<p.m).filter { mb[g * p.m + $0, ci, kh, kw] })
                        if kept != nmExpectedKept(group, n: p.n) {
                            Issue.record("Mb: ci \(ci) tap (\(kh), \(kw)) group \(g) of \(group) keeps \(kept.sorted())")
                            return
                        }
                    }
                }
            }
        }
    }

    private func masked(_ w: ConvWeights<Int64>, _ m: ConvWeights<Bool>) -> ConvWeights<Int64> {
        var out = w
        for co in 0..<w.outChannels {
            for ci in 0..<w.inChannels {
                for kh in 0..<w.kernelSize { for kw in 0..<w.kernelSize where !m[co, ci, kh, kw] { out[co, ci, kh, kw] = 0 } }
            }
        }
        return out
    }

    @Test(arguments: nmTestPatterns)
    func masksAreNMAlongTheRightAxesWithTheTieRule(p: NMPattern) throws {
        var rng = SplitMix64(seed: 0xB0_0001 &+ UInt64(p.n * 64 + p.m))
        for layer in Self.sparseLayers {
            // A narrow range (many ties) and the 8-bit range.
            for range: ClosedRange<Int64> in [-2...2, -128...127] {
                let w = rng.weights(layer, in: range)
                for order in ReductionOrder.allCases {
                    for source in BackwardMaskSource.allCases {
                        let s = LayerSparsity.decide(layer: layer, pattern: p, order: order)
                        #expect(s == .sparse(p))
                        let bw = try BDWPWeights(weights: w, layer: layer, sparsity: s, order: order, backwardMaskSource: source)
                        checkForwardMask(w, bw.forwardMask, p, order)
                        let ranked = source == .dense ? w : masked(w, bw.forwardMask)
                        checkBackwardMask(ranked, bw.backwardMask, p)
                        #expect(bw.forwardMask.storage.filter { $0 }.count == layer.weightCount / p.m * p.n)
                        #expect(bw.backwardMask.storage.filter { $0 }.count == layer.weightCount / p.m * p.n)
                        // Compressed forms decompress to W ⊙ Mf and R ⊙ Mb.
                        #expect(bw.forwardWeights == masked(w, bw.forwardMask))
                        #expect(bw.backwardWeights == masked(ranked, bw.backwardMask))
                        if source == .forwardSparse {
                            #expect(bw.backwardWeights == masked(masked(w, bw.forwardMask), bw.backwardMask))
                        }
                        guard case .sparse(let wf) = bw.forwardOperand, case .sparse(let wbt) = bw.backwardOperand else {
                            Issue.record("sparse layer with a dense operand")
                            continue
                        }
                        #expect(wf.rows == layer.outChannels && wf.cols == layer.forwardReductionLength && wf.pattern == p)
                        #expect(wbt.rows == layer.inChannels && wbt.cols == layer.backwardReductionLength && wbt.pattern == p)
                        #expect(wf.decompress() == (try layer.forwardMatrix(masked(w, bw.forwardMask), order: order)))
                        #expect(wbt.decompress() == (try layer.backwardMatrix(masked(ranked, bw.backwardMask))))
                        // Each compressed BP group is M consecutive co at one tap: group g of row ci
                        // covers r = g·M ..< g·M + M, i.e. tap g / (Co/M), co from (g mod Co/M)·M.
                        var misplaced = 0
                        let groupsPerTap = layer.outChannels / p.m
                        for ci in 0..<wbt.rows {
                            for g in 0..<wbt.groupsPerRow {
                                for slot in 0..<p.n {
                                    let (kh, kw, co) = layer.backwardCoordinates(wbt.column(row: ci, group: g, slot: slot))
                                    if kh * layer.kernelSize + kw != g / groupsPerTap || co / p.m != g % groupsPerTap
                                        || !bw.backwardMask[co, ci, kh, kw] { misplaced += 1 }
                                }
                            }
                        }
                        #expect(misplaced == 0)
                    }
                }
            }
        }
    }

    @Test func compressedOperandsPackAndUnpack() throws {
        let p = try NMPattern(n: 2, m: 8)
        let layer = Self.sparseLayers[0]
        var rng = SplitMix64(seed: 0xB0_0002)
        let w = rng.weights(layer, in: -128...127)
        let bw = try BDWPWeights(weights: w, layer: layer, sparsity: .sparse(p))
        for operand in [bw.forwardOperand, bw.backwardOperand] {
            guard case .sparse(let c) = operand else { Issue.record("dense operand"); continue }
            let words = try c.pack(valueBits: 8)
            #expect(try NMCompressed<Int64>.unpack(words, rows: c.rows, cols: c.cols, pattern: p, valueBits: 8) == c)
            #expect(words.count == (c.rows * c.cols / 8 * 2 * 11 + 63) / 64)
        }
    }

    @Test func forwardSparseSourceRanksOnlyForwardKeptWeights() throws {
        // Co = 4 (one backward group), Ci = 4, K = 1, 2:4. Column ci = 0 down Co: [9, 8, 1, 2].
        // Rows' forward groups make Mf drop the 9 and the 8 (each row has two larger weights).
        let p = try NMPattern(n: 2, m: 4)
        let layer = try LayerSpec.fullyConnected(inFeatures: 4, outFeatures: 4)
        let rows: [[Int64]] = [[9, 10, 11, 0], [8, 12, 13, 0], [1, 0, 0, 0], [2, 0, 0, 0]]
        let w = try ConvWeights<Int64>(outChannels: 4, inChannels: 4, kernelSize: 1) { co, ci, _, _ in rows[co][ci] }
        let dense = try BDWPWeights(weights: w, layer: layer, sparsity: .sparse(p), backwardMaskSource: .dense)
        let fs = try BDWPWeights(weights: w, layer: layer, sparsity: .sparse(p), backwardMaskSource: .forwardSparse)
        #expect((0..<4).map { dense.forwardMask[$0, 0, 0, 0] } == [false, false, true, true])
        #expect((0..<4).map { dense.backwardMask[$0, 0, 0, 0] } == [true, true, false, false])
        // Ranked on W ⊙ Mf = [0, 0, 1, 2]: the two survivors.
        #expect((0..<4).map { fs.backwardMask[$0, 0, 0, 0] } == [false, false, true, true])
        #expect((0..<4).map { fs.backwardWeights[$0, 0, 0, 0] } == [0, 0, 1, 2])
        // Column ci = 3 is all zero after Mf: ties go to the lowest co, kept entries hold zero.
        #expect((0..<4).map { fs.backwardMask[$0, 3, 0, 0] } == [true, true, false, false])
        #expect((0..<4).map { fs.backwardWeights[$0, 3, 0, 0] } == [0, 0, 0, 0])
    }

    @Test func denseRule() throws {
        let p8 = try NMPattern(n: 2, m: 8)
        let first = try LayerSpec.conv(inChannels: 3, outChannels: 64, height: 8, width: 8, kernelSize: 3, padding: 1)
        #expect(LayerSparsity.decide(layer: first, pattern: p8, order: .channelsInnermost) == .dense(.forwardAxis(length: 3, m: 8)))
        #expect(LayerSparsity.decide(layer: first, pattern: p8, order: .flattened) == .dense(.forwardAxis(length: 27, m: 8)))
        let oddCo = try LayerSpec.conv(inChannels: 16, outChannels: 12, height: 4, width: 4, kernelSize: 3)
        #expect(LayerSparsity.decide(layer: oddCo, pattern: p8, order: .channelsInnermost) == .dense(.outputChannels(length: 12, m: 8)))
        // Ci = 2, K = 2: channels innermost needs M | Ci (dense), flattened needs M | Ci·K·K = 8 (sparse).
        let k2 = try LayerSpec.conv(inChannels: 2, outChannels: 8, height: 4, width: 4, kernelSize: 2)
        #expect(LayerSparsity.decide(layer: k2, pattern: p8, order: .channelsInnermost) == .dense(.forwardAxis(length: 2, m: 8)))
        #expect(LayerSparsity.decide(layer: k2, pattern: p8, order: .flattened) == .sparse(p8))
        let last = try LayerSpec.fullyConnected(inFeatures: 512, outFeatures: 16)
        #expect(LayerSparsity.decide(layer: last, pattern: p8, order: .channelsInnermost) == .sparse(p8))
        #expect(LayerSparsity.decide(layer: last, pattern: p8, order: .channelsInnermost, keepDense: true) == .dense(.flagged))
        #expect(LayerSparsity.decide(layer: last, pattern: nil, order: .channelsInnermost) == .dense(.noPattern))
        #expect(LayerSparsity.dense(.forwardAxis(length: 3, m: 8)).description == "dense (forward group axis 3 is not a multiple of M=8)")
        #expect(LayerSparsity.sparse(p8).description == "sparse 2:8")

        // A dense layer keeps everything and streams W itself in both directions.
        var rng = SplitMix64(seed: 0xB0_0003)
        let w = rng.weights(first, in: -128...127)
        let bw = try BDWPWeights(weights: w, layer: first, sparsity: .dense(.forwardAxis(length: 3, m: 8)))
        #expect(bw.forwardMask.storage.allSatisfy { $0 } && bw.backwardMask.storage.allSatisfy { $0 })
        #expect(bw.forwardOperand == .dense(try first.forwardMatrix(w, order: .channelsInnermost)))
        #expect(bw.backwardOperand == .dense(try first.backwardMatrix(w)))
        #expect(bw.forwardWeights == w && bw.backwardWeights == w)

        // Asking for sparsity the layer cannot have is an error, not a trap.
        #expect(throws: SparseModelError(
            "2:8 BDWP needs M to divide Co and the forward group axis of conv Ci=3 Co=64 8x8 K=3 S=1 P=1 (channelsInnermost)")) {
            try BDWPWeights(weights: w, layer: first, sparsity: .sparse(p8))
        }
    }
}
