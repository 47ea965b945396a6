import Foundation
import Formats
import SparseModel
import TestSupport
import Testing

@Suite struct LayerSpecTests {
    @Test func derivedOutputSize() throws {
        let l = try LayerSpec.conv(inChannels: 3, outChannels: 64, height: 224, width: 224, kernelSize: 7, stride: 2, padding: 3)
        #expect(l.outHeight == 112 && l.outWidth == 112)
        #expect(l.forwardReductionLength == 147 && l.backwardReductionLength == 49 * 64 && l.weightCount == 64 * 147)
        // Floor division: (7 + 2 − 3)/2 + 1 = 4; the last input row is never read.
        let odd = try LayerSpec.conv(inChannels: 1, outChannels: 1, height: 7, width: 6, kernelSize: 3, stride: 2, padding: 1)
        #expect(odd.outHeight == 4 && odd.outWidth == 3)
        #expect(odd.description == "conv Ci=1 Co=1 7x6 K=3 S=2 P=1")
        let fc = try LayerSpec.fullyConnected(inFeatures: 10, outFeatures: 4)
        #expect(fc.outHeight == 1 && fc.outWidth == 1 && fc.kernelSize == 1 && fc.forwardReductionLength == 10)
        #expect(fc.description == "fc 10->4")
        #expect(fc.inputShape(batch: 3) == TensorShape(batch: 3, height: 1, width: 1, channels: 10))
    }

    @Test func invalidLayersThrow() {
        #expect(throws: SparseModelError("conv layer needs Ci, Co ≥ 1, got Ci=0, Co=4")) {
            try LayerSpec.conv(inChannels: 0, outChannels: 4, height: 4, width: 4, kernelSize: 3)
        }
        #expect(throws: SparseModelError("conv layer needs H, W, K, S ≥ 1, got H=4, W=4, K=3, S=0")) {
            try LayerSpec.conv(inChannels: 1, outChannels: 4, height: 4, width: 4, kernelSize: 3, stride: 0)
        }
        #expect(throws: SparseModelError("conv layer needs 0 ≤ P < K, got P=3, K=3")) {
            try LayerSpec.conv(inChannels: 1, outChannels: 4, height: 4, width: 4, kernelSize: 3, padding: 3)
        }
        #expect(throws: SparseModelError("conv layer: K=5 does not fit the padded input 4x6 (H=2, W=4, P=1)")) {
            try LayerSpec.conv(inChannels: 1, outChannels: 4, height: 2, width: 4, kernelSize: 5, padding: 1)
        }
        #expect(throws: SparseModelError("FC layer needs Ci, Co ≥ 1, got Ci=3, Co=-1")) {
            try LayerSpec.fullyConnected(inFeatures: 3, outFeatures: -1)
        }
        #expect(throws: SparseModelError("conv layer dimensions must be at most 16777216")) {
            try LayerSpec.conv(inChannels: 1 << 25, outChannels: 4, height: 4, width: 4, kernelSize: 1)
        }
    }

    @Test func codableRoundTripAndValidation() throws {
        let l = try LayerSpec.conv(inChannels: 8, outChannels: 16, height: 7, width: 5, kernelSize: 3, stride: 2, padding: 1)
        let data = try JSONEncoder().encode(l)
        #expect(try JSONDecoder().decode(LayerSpec.self, from: data) == l)
        let bad = Data(#"{"kind":"conv","inChannels":8,"outChannels":16,"inHeight":7,"inWidth":5,"kernelSize":3,"stride":2,"padding":3}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LayerSpec.self, from: bad) }
        let badFC = Data(#"{"kind":"fullyConnected","inChannels":8,"outChannels":16,"inHeight":2,"inWidth":1,"kernelSize":1,"stride":1,"padding":0}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LayerSpec.self, from: badFC) }
    }

    @Test func validTapsCountsNonPaddingPairs() throws {
        for c in layerCases {
            let l = c.layer
            var n = 0
            for oh in 0..<l.outHeight {
                for ow in 0..<l.outWidth {
                    for kh in 0..<l.kernelSize {
                        for kw in 0..<l.kernelSize {
                            let ih = oh * l.stride - l.padding + kh, iw = ow * l.stride - l.padding + kw
                            if (0..<l.inHeight).contains(ih), (0..<l.inWidth).contains(iw) { n += 1 }
                        }
                    }
                }
            }
            #expect(l.validTapsPerImage == n, "\(c)")
        }
    }
}

@Suite struct Tensor4Tests {
    @Test func nhwcLayoutAndChannelsByPixels() throws {
        let shape = TensorShape(batch: 2, height: 3, width: 2, channels: 4)
        let t = try Tensor4(shape: shape) { b, h, w, c in Int64(1000 * b + 100 * h + 10 * w + c) }
        #expect(t.storage.count == 48)
        #expect(t.storage[((1 * 3 + 2) * 2 + 1) * 4 + 3] == 1213)  // channels innermost
        #expect(t[1, 2, 1, 3] == 1213)
        let m = t.channelsByPixels
        #expect(m.rows == 4 && m.cols == 12)
        #expect(m[3, shape.pixel(b: 1, h: 2, w: 1)] == 1213 && shape.pixel(b: 1, h: 2, w: 1) == 11)
        #expect(try Tensor4(channelsByPixels: m, shape: shape) == t)
        #expect(try Tensor4(shape: shape, storage: t.storage) == t)
    }

    @Test func badShapesAndValuesThrow() throws {
        let shape = TensorShape(batch: 1, height: 2, width: 2, channels: 2)
        #expect(throws: SparseModelError("a tensor needs B, H, W, C ≥ 1, got 0x2x2x2")) {
            try Tensor4(shape: TensorShape(batch: 0, height: 2, width: 2, channels: 2))
        }
        #expect(throws: SparseModelError("a 1x2x2x2 tensor needs 8 elements, got 3")) {
            try Tensor4(shape: shape, storage: [1, 2, 3])
        }
        #expect(throws: SparseModelError("a 3x4 matrix is not the channels x pixels view of a 1x2x2x2 tensor (needs 2x4)")) {
            try Tensor4(channelsByPixels: Matrix(rows: 3, cols: 4, repeating: 0), shape: shape)
        }
        var t = try Tensor4(shape: shape)
        t[0, 1, 0, 1] = 128
        #expect(throws: SparseModelError("X[0][1][0][1] = 128 does not fit 8-bit two's complement (-128...127)")) {
            try t.requireValues(bits: 8, "X")
        }
        t[0, 1, 0, 1] = -128
        try t.requireValues(bits: 8, "X")
    }
}

@Suite struct ReductionOrderTests {
    @Test(arguments: ReductionOrder.allCases)
    func indexIsABijection(order: ReductionOrder) {
        for (ci, k) in [(1, 1), (3, 3), (8, 3), (5, 5), (16, 1)] {
            var seen = Set<Int>()
            for c in 0..<ci {
                for kh in 0..<k {
                    for kw in 0..<k {
                        let i = order.index(ci: c, kh: kh, kw: kw, inChannels: ci, kernelSize: k)
                        #expect((0..<(ci * k * k)).contains(i))
                        seen.insert(i)
                        let back = order.coordinates(i, inChannels: ci, kernelSize: k)
                        #expect(back.ci == c && back.kh == kh && back.kw == kw)
                    }
                }
            }
            #expect(seen.count == ci * k * k)
        }
    }

    @Test func theTwoOrdersSpelledOut() throws {
        // Ci = 4, K = 3: channels innermost puts the 4 channels of tap (1, 2) at 20..<24.
        #expect((0..<4).map { ReductionOrder.channelsInnermost.index(ci: $0, kh: 1, kw: 2, inChannels: 4, kernelSize: 3) } == [20, 21, 22, 23])
        #expect((0..<4).map { ReductionOrder.flattened.index(ci: $0, kh: 1, kw: 2, inChannels: 4, kernelSize: 3) } == [5, 14, 23, 32])
        let l = try LayerSpec.conv(inChannels: 4, outChannels: 2, height: 5, width: 5, kernelSize: 3)
        #expect(l.backwardIndex(kh: 1, kw: 2, co: 1) == 11)
        #expect(l.backwardCoordinates(11) == (1, 2, 1))
    }

    @Test func weightViewsRoundTrip() throws {
        var rng = SplitMix64(seed: 0x0DE5)
        for c in layerCases {
            let l = c.layer
            let w = rng.weights(l, in: -100...100)
            #expect(try l.forwardMatrix(w, order: .flattened) == w.asMatrix, "\(c)")
            for order in ReductionOrder.allCases {
                let m = try l.forwardMatrix(w, order: order)
                #expect(m.rows == l.outChannels && m.cols == l.forwardReductionLength)
                #expect(try l.weights(fromForward: m, order: order) == w)
                for co in 0..<l.outChannels {
                    for ci in 0..<l.inChannels {
                        for kh in 0..<l.kernelSize {
                            for kw in 0..<l.kernelSize {
                                #expect(m[co, order.index(ci: ci, kh: kh, kw: kw, inChannels: l.inChannels, kernelSize: l.kernelSize)]
                                    == w[co, ci, kh, kw])
                            }
                        }
                    }
                }
            }
            let bt = try l.backwardMatrix(w)
            #expect(bt.rows == l.inChannels && bt.cols == l.backwardReductionLength)
            #expect(try l.weights(fromBackward: bt) == w)
            for ci in 0..<l.inChannels {
                for r in 0..<l.backwardReductionLength {
                    // r = (kh·K + kw)·Co + co, spelled out independently.
                    let co = r % l.outChannels, kw = r / l.outChannels % l.kernelSize, kh = r / l.outChannels / l.kernelSize
                    #expect(bt[ci, r] == w[co, ci, kh, kw])
                }
            }
        }
    }

    @Test func shapeMismatchesThrow() throws {
        let l = try LayerSpec.conv(inChannels: 4, outChannels: 2, height: 5, width: 5, kernelSize: 3)
        let w = try ConvWeights<Int64>(outChannels: 2, inChannels: 3, kernelSize: 3, repeating: 0)
        #expect(throws: SparseModelError("the weight tensor is 2x3x3x3, the layer needs 2x4x3x3 (Co x Ci x K x K)")) {
            try l.forwardMatrix(w, order: .channelsInnermost)
        }
        #expect(throws: SparseModelError("a 2x35 matrix is not the forward weight view of conv Ci=4 Co=2 5x5 K=3 S=1 P=0 (needs 2x36)")) {
            try l.weights(fromForward: Matrix<Int64>(rows: 2, cols: 35, repeating: 0), order: .flattened)
        }
        #expect(throws: SparseModelError("the input is 1x5x5x3, conv Ci=4 Co=2 5x5 K=3 S=1 P=0 needs Bx5x5x4")) {
            try l.im2col(try Tensor4(shape: TensorShape(batch: 1, height: 5, width: 5, channels: 3)), order: .flattened)
        }
        #expect(throws: SparseModelError("the output gradient is 1x3x3x3, conv Ci=4 Co=2 5x5 K=3 S=1 P=0 needs 1x3x3x2")) {
            try l.backwardIm2col(try Tensor4(shape: TensorShape(batch: 1, height: 3, width: 3, channels: 3)))
        }
    }
}

@Suite struct Im2ColTests {
    /// Xcol element by element from its definition, in both orders.
    @Test(arguments: layerCases)
    func im2colReadsTheStridedPaddedWindow(c: LayerCase) throws {
        let l = c.layer
        var rng = SplitMix64(seed: 0x1A2C ^ c.seed)
        let x = rng.tensor(l.inputShape(batch: c.batch), bits: 8)
        for order in ReductionOrder.allCases {
            let col = try l.im2col(x, order: order)
            #expect(col.rows == l.forwardReductionLength && col.cols == c.batch * l.outHeight * l.outWidth)
            var mismatches = 0
            for k in 0..<col.rows {
                let (ci, kh, kw) = order.coordinates(k, inChannels: l.inChannels, kernelSize: l.kernelSize)
                for j in 0..<col.cols {
                    let b = j / (l.outHeight * l.outWidth), oh = j / l.outWidth % l.outHeight, ow = j % l.outWidth
                    let ih = oh * l.stride - l.padding + kh, iw = ow * l.stride - l.padding + kw
                    let inside = (0..<l.inHeight).contains(ih) && (0..<l.inWidth).contains(iw)
                    if col[k, j] != (inside ? x[b, ih, iw, ci] : 0) { mismatches += 1 }
                }
            }
            #expect(mismatches == 0, "\(c) \(order)")
        }
    }

    /// The documented alternative reading of dYcol: dilate dY by S, pad by K−1−P before and
    /// K−1−P + (H+2P−K) mod S after, and take the stride-1 window with the rotated kernel.
    @Test(arguments: layerCases)
    func backwardIm2colIsTheDilatedPaddedWindowWithTheRotatedKernel(c: LayerCase) throws {
        let l = c.layer, k = l.kernelSize, s = l.stride
        var rng = SplitMix64(seed: 0xD11A ^ c.seed)
        let dY = rng.tensor(l.outputShape(batch: c.batch), bits: 8)
        let before = k - 1 - l.padding
        let dh = before + (l.outHeight - 1) * s + 1 + before + (l.inHeight + 2 * l.padding - k) % s
        let dw = before + (l.outWidth - 1) * s + 1 + before + (l.inWidth + 2 * l.padding - k) % s
        #expect(dh == l.inHeight + k - 1 && dw == l.inWidth + k - 1)
        var d = try Tensor4(shape: TensorShape(batch: c.batch, height: dh, width: dw, channels: l.outChannels))
        for b in 0..<c.batch {
            for oh in 0..<l.outHeight {
                for ow in 0..<l.outWidth {
                    for co in 0..<l.outChannels { d[b, before + oh * s, before + ow * s, co] = dY[b, oh, ow, co] }
                }
            }
        }
        let col = try l.backwardIm2col(dY)
        for b in 0..<c.batch {
            for ih in 0..<l.inHeight {
                for iw in 0..<l.inWidth {
                    for kh in 0..<k {
                        for kw in 0..<k {
                            for co in 0..<l.outChannels {
                                #expect(col[l.backwardIndex(kh: kh, kw: kw, co: co), (b * l.inHeight + ih) * l.inWidth + iw]
                                    == d[b, ih + (k - 1 - kh), iw + (k - 1 - kw), co])
                            }
                        }
                    }
                }
            }
        }
    }
}
