import Formats
import SparseModel
import TestSupport
import Testing

@Suite struct TrainingGEMMTests {
    /// Dense BDWP weights (everything kept), so the GEMM forms can be compared with the loops on
    /// every shape, divisible or not.
    private func dense(_ w: ConvWeights<Int64>, _ l: LayerSpec, _ order: ReductionOrder) throws -> BDWPWeights {
        try BDWPWeights(weights: w, layer: l, sparsity: .dense(.noPattern), order: order)
    }

    private func checkAll(_ c: LayerCase, _ rng: inout SplitMix64, accWidths: [Int]) throws {
        let l = c.layer
        let w = rng.weights(l, in: -128...127)
        let x = rng.tensor(l.inputShape(batch: c.batch), bits: 8)
        let dY = rng.tensor(l.outputShape(batch: c.batch), bits: 8)
        for order in ReductionOrder.allCases {
            let bw = try dense(w, l, order)
            for acc in accWidths {
                #expect(difference(directForward(l, w, x, accWidth: acc), try LayerTraining.forward(x, weights: bw, accWidth: acc)) == nil,
                        "FF \(c) \(order) acc \(acc)")
                #expect(difference(directBackwardData(l, w, dY, accWidth: acc), try LayerTraining.backwardData(dY, weights: bw, accWidth: acc)) == nil,
                        "BP \(c) \(order) acc \(acc)")
                #expect(difference(directWeightGradient(l, x, dY, accWidth: acc),
                                   try LayerTraining.weightGradient(layer: l, x: x, dY: dY, order: order, accWidth: acc)) == nil,
                        "WU \(c) \(order) acc \(acc)")
            }
        }
    }

    @Test(arguments: layerCases)
    func gemmFormsEqualTheLoopNests(c: LayerCase) throws {
        var rng = SplitMix64(seed: 0xC0_4E ^ c.seed)
        try checkAll(c, &rng, accWidths: [64, 20, 12])
    }

    @Test func gemmFormsEqualTheLoopNestsOnRandomShapes() throws {
        var rng = SplitMix64(seed: 0xF022)
        for _ in 0..<40 { try checkAll(rng.layerCase(), &rng, accWidths: [32]) }
    }

    /// ⟨conv(X, W), dY⟩ = ⟨X, convᵀ(dY, W)⟩ = ⟨W, dW(X, dY)⟩ exactly (mod 2^64): the three GEMMs are
    /// the adjoints they claim to be.
    @Test func adjointIdentities() throws {
        var rng = SplitMix64(seed: 0xAD10)
        for c in layerCases + (0..<20).map({ _ in rng.layerCase() }) {
            let l = c.layer
            let w = rng.weights(l, in: -128...127)
            let x = rng.tensor(l.inputShape(batch: c.batch), bits: 8)
            let dY = rng.tensor(l.outputShape(batch: c.batch), bits: 8)
            for order in ReductionOrder.allCases {
                let bw = try dense(w, l, order)
                let y = try LayerTraining.forward(x, weights: bw, accWidth: 64)
                let dx = try LayerTraining.backwardData(dY, weights: bw, accWidth: 64)
                let dw = try LayerTraining.weightGradient(layer: l, x: x, dY: dY, order: order, accWidth: 64)
                func dot(_ a: [Int64], _ b: [Int64]) -> Int64 { zip(a, b).reduce(0) { $0 &+ $1.0 &* $1.1 } }
                let lhs = dot(y.storage, dY.storage)
                #expect(lhs == dot(x.storage, dx.storage), "\(c)")
                #expect(lhs == dot(w.storage, dw.storage), "\(c)")
            }
        }
    }

    /// A hand-checked stride-2 case: K = S = 2, P = 0 tiles the input, so every dX element is one
    /// weight times one gradient.
    @Test func stride2BackwardByHand() throws {
        let l = try LayerSpec.conv(inChannels: 1, outChannels: 1, height: 4, width: 5, kernelSize: 2, stride: 2)
        #expect(l.outHeight == 2 && l.outWidth == 2)
        let w = try ConvWeights<Int64>(outChannels: 1, inChannels: 1, kernelSize: 2) { _, _, kh, kw in [[1, 2], [3, 4]][kh][kw] }
        let dY = try Tensor4(shape: l.outputShape(batch: 1)) { _, oh, ow, _ in [[1, 10], [100, 1000]][oh][ow] }
        let dx = try LayerTraining.backwardData(dY, weights: try dense(w, l, .channelsInnermost), accWidth: 32)
        // Column 4 is never read by the forward pass (floor in Wo), so its gradient is 0.
        #expect(dx.storage == [1, 2, 10, 20, 0,
                               3, 4, 30, 40, 0,
                               100, 200, 1000, 2000, 0,
                               300, 400, 3000, 4000, 0])
        // dYcol has K·K·Co = 4 rows; row (kh, kw) is non-zero exactly at pixels with ih ≡ kh, iw ≡ kw (mod 2).
        let col = try l.backwardIm2col(dY)
        #expect(col.rows == 4 && col.cols == 20)
        #expect((0..<20).map { col[l.backwardIndex(kh: 1, kw: 0, co: 0), $0] }
            == [0, 0, 0, 0, 0, 1, 0, 10, 0, 0, 0, 0, 0, 0, 0, 100, 0, 1000, 0, 0])
    }

    @Test func accumulatorsWrap() throws {
        // FC 4 -> 1 with every product 127·127: 4·16129 = 64516 wraps in 16 bits to 64516 − 65536.
        let l = try LayerSpec.fullyConnected(inFeatures: 4, outFeatures: 1)
        let w = try ConvWeights<Int64>(outChannels: 1, inChannels: 4, kernelSize: 1, repeating: 127)
        let x = try Tensor4(shape: l.inputShape(batch: 1), repeating: 127)
        let bw = try dense(w, l, .channelsInnermost)
        #expect(try LayerTraining.forward(x, weights: bw, accWidth: 17).storage == [64516])
        #expect(try LayerTraining.forward(x, weights: bw, accWidth: 16).storage == [-1020])
        #expect(throws: SparseModelError("accumulator width must be in 1...64 bits, got 65")) {
            try LayerTraining.forward(x, weights: bw, accWidth: 65)
        }
    }
}
