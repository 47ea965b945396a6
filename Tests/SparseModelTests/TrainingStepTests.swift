import Formats
import SparseModel
import TestSupport
import Testing

@Suite struct TrainingStepTests {
    private static let p28 = try! NMPattern(n: 2, m: 8)

    private func inputs(_ c: LayerCase, seed: UInt64) -> (ConvWeights<Int64>, Tensor4, Tensor4) {
        var rng = SplitMix64(seed: seed)
        let master = rng.weights(c.layer, in: -32768...32767)
        return (master, rng.tensor(c.layer.inputShape(batch: c.batch), bits: 8), rng.tensor(c.layer.outputShape(batch: c.batch), bits: 8))
    }

    /// Every output of the step against the loop nests and the pieces, for sparse and dense layers,
    /// both orders and both backward mask sources.
    @Test(arguments: layerCases)
    func stepEqualsTheLoopNestsAndTheUpdateRule(c: LayerCase) throws {
        let (master, x, dY) = inputs(c, seed: 0x57E9 ^ c.seed)
        let dWReference = directWeightGradient(c.layer, x, dY, accWidth: 24)  // WU is dense: the same for every option
        for pattern in [Self.p28, try NMPattern(n: 1, m: 4), nil] as [NMPattern?] {
            for order in ReductionOrder.allCases {
                for source in BackwardMaskSource.allCases {
                    let options = LayerTrainingOptions(pattern: pattern, reductionOrder: order, backwardMaskSource: source, accWidth: 24)
                    let r = try LayerTraining.step(layer: c.layer, master: master, x: x, dY: dY, options: options)
                    let format = options.update.format
                    let compute = try format.computeCopy(of: master)
                    #expect(r.used == (try BDWPWeights(weights: compute, layer: c.layer, sparsity: options.sparsity(for: c.layer),
                                                       order: order, backwardMaskSource: source)))
                    #expect(r.used.sparsity.pattern == nil || r.used.forwardOperand.isSparse)
                    #expect(difference(directForward(c.layer, r.used.forwardWeights, x, accWidth: 24), r.y) == nil, "FF \(c)")
                    #expect(difference(directBackwardData(c.layer, r.used.backwardWeights, dY, accWidth: 24), r.dX) == nil, "BP \(c)")
                    #expect(difference(dWReference, r.dW) == nil, "WU \(c)")
                    #expect(difference(try options.update.apply(master: master, gradient: r.dW, forwardMask: r.used.forwardMask), r.master) == nil)
                    #expect(r.next.weights == (try format.computeCopy(of: r.master)))
                    #expect(r.next == (try BDWPWeights(weights: r.next.weights, layer: c.layer, sparsity: r.used.sparsity,
                                                       order: order, backwardMaskSource: source)))
                }
            }
        }
    }

    @Test func stepIsDeterministicAndChains() throws {
        let c = LayerCase.conv(16, 16, 6, 5, k: 3, s: 2, p: 1, b: 2)
        let (master, x, dY) = inputs(c, seed: 0x57E9_0002)
        let options = LayerTrainingOptions(pattern: Self.p28)
        let a = try LayerTraining.step(layer: c.layer, master: master, x: x, dY: dY, options: options)
        let b = try LayerTraining.step(layer: c.layer, master: master, x: x, dY: dY, options: options)
        #expect(a == b)
        #expect(a.used.sparsity == .sparse(Self.p28))
        // The next step streams exactly what this step's PREGEN produced.
        let (_, x2, dY2) = inputs(c, seed: 0x57E9_0003)
        let a2 = try LayerTraining.step(layer: c.layer, master: a.master, x: x2, dY: dY2, options: options)
        #expect(a2.used == a.next)
        // The update moved the weights (a real gradient, η = 2^−8 on 24-bit-ish sums).
        #expect(a.master != master)
    }

    @Test func firstLayerSkipsBackwardData() throws {
        let c = LayerCase.conv(3, 16, 7, 7, k: 3, s: 2, p: 1, b: 2)
        let (master, x, dY) = inputs(c, seed: 0x57E9_0004)
        let options = LayerTrainingOptions(pattern: Self.p28, computeInputGradient: false)
        let r = try LayerTraining.step(layer: c.layer, master: master, x: x, dY: dY, options: options)
        #expect(r.dX == nil)
        #expect(r.used.sparsity == .dense(.forwardAxis(length: 3, m: 8)))
        #expect(r.macs.backwardData == PhaseMACs(gemm: 0, issued: 0))
        // Dense layer: no pruned weights, so no λ term: the update is W − rnd(dW) everywhere.
        let plain = try FixedPointUpdate(format: .standard, lrShift: 8, decayShift: nil)
        #expect(difference(try plain.apply(master: master, gradient: r.dW, forwardMask: r.used.forwardMask), r.master) == nil)
    }

    @Test func macCounts() throws {
        // conv 16 -> 32, 8x8, K = 3, S = 1, P = 1, B = 2, 2:8: Ho = Wo = 8.
        let l = try LayerSpec.conv(inChannels: 16, outChannels: 32, height: 8, width: 8, kernelSize: 3, padding: 1)
        let m = LayerTraining.macs(layer: l, batch: 2, options: LayerTrainingOptions(pattern: Self.p28))
        #expect(m.forward == PhaseMACs(gemm: 32 * 144 * 128, issued: 32 * 36 * 128))
        #expect(m.backwardData == PhaseMACs(gemm: 16 * 288 * 128, issued: 16 * 72 * 128))
        #expect(m.weightGradient == PhaseMACs(gemm: 32 * 128 * 144, issued: 32 * 128 * 144))
        // Valid taps per image: per axis 8·3 − 2 (the two edge taps in the padding) = 22.
        #expect(m.usefulPerPhase == 2 * 32 * 16 * 22 * 22)
        #expect(m.totalIssued == m.forward.issued + m.backwardData.issued + m.weightGradient.issued)
        // Ideal speedup 3 / (2·N/M + 1) = 2 at 2:8 when the three GEMMs are equal.
        #expect(Double(m.totalGEMM) / Double(m.totalIssued) == 2)
        // Stride 2: BP's GEMM over the dilated gradient is ~S² larger than FF's.
        let s2 = try LayerSpec.conv(inChannels: 16, outChannels: 16, height: 8, width: 8, kernelSize: 3, stride: 2, padding: 1)
        let m2 = LayerTraining.macs(layer: s2, batch: 1, options: LayerTrainingOptions())
        #expect(m2.forward.gemm == 16 * 144 * 16 && m2.backwardData.gemm == 16 * 144 * 64)
        #expect(m2.forward.issued == m2.forward.gemm)
    }

    @Test func badInputsThrow() throws {
        let c = LayerCase.conv(8, 8, 4, 4, k: 3, s: 1, p: 1, b: 1)
        let (master, x, dY) = inputs(c, seed: 0x57E9_0005)
        let options = LayerTrainingOptions(pattern: Self.p28)
        var badX = x
        badX[0, 3, 3, 7] = -129
        #expect(throws: SparseModelError("X[0][3][3][7] = -129 does not fit 8-bit two's complement (-128...127)")) {
            try LayerTraining.step(layer: c.layer, master: master, x: badX, dY: dY, options: options)
        }
        let wrongDY = try Tensor4(shape: TensorShape(batch: 2, height: 4, width: 4, channels: 8))
        #expect(throws: SparseModelError("the output gradient is 2x4x4x8, conv Ci=8 Co=8 4x4 K=3 S=1 P=1 needs 1x4x4x8")) {
            try LayerTraining.step(layer: c.layer, master: master, x: x, dY: wrongDY, options: options)
        }
        var badMaster = master
        badMaster[0, 0, 0, 0] = 40000
        #expect(throws: SparseModelError("master weight 40000 does not fit 16-bit two's complement")) {
            try LayerTraining.step(layer: c.layer, master: badMaster, x: x, dY: dY, options: options)
        }
        var wide = options
        wide.accWidth = 0
        #expect(throws: SparseModelError("accumulator width must be in 1...64 bits, got 0")) {
            try LayerTraining.step(layer: c.layer, master: master, x: x, dY: dY, options: wide)
        }
    }
}
