import SparseModel
import TestSupport

// Direct loop-nest references of a layer's three training computations, written from the
// convolution's definition (no im2col, no GEMM views) so the GEMM lowering is checked against
// something it shares no code with. Sums are exact in Int64 (wrapping mod 2^64) and reduced to
// `accWidth` bits at the end, which equals a wrapping accumulator of that width in any order.

/// Y[b][oh][ow][co] = Σ_{ci,kh,kw} W[co][ci][kh][kw] · X[b][oh·S−P+kh][ow·S−P+kw][ci] (padding = 0).
func directForward(_ layer: LayerSpec, _ w: ConvWeights<Int64>, _ x: Tensor4, accWidth: Int) -> Tensor4 {
    let batch = x.shape.batch
    var y = try! Tensor4(shape: TensorShape(batch: batch, height: layer.outHeight, width: layer.outWidth, channels: layer.outChannels))
    for b in 0..<batch {
        for oh in 0..<layer.outHeight {
            for ow in 0..<layer.outWidth {
                for co in 0..<layer.outChannels {
                    var acc: Int64 = 0
                    for ci in 0..<layer.inChannels {
                        for kh in 0..<layer.kernelSize {
                            for kw in 0..<layer.kernelSize {
                                let ih = oh * layer.stride - layer.padding + kh, iw = ow * layer.stride - layer.padding + kw
                                guard ih >= 0, ih < layer.inHeight, iw >= 0, iw < layer.inWidth else { continue }
                                acc = acc &+ w[co, ci, kh, kw] &* x[b, ih, iw, ci]
                            }
                        }
                    }
                    y[b, oh, ow, co] = wrapSigned(acc, bits: accWidth)
                }
            }
        }
    }
    return y
}

/// dX = the adjoint of the forward convolution applied to dY, as a scatter: every forward product
/// W[co][ci][kh][kw]·X[b][ih][iw][ci] that contributed to Y[b][oh][ow][co] sends
/// W[co][ci][kh][kw]·dY[b][oh][ow][co] back to dX[b][ih][iw][ci].
func directBackwardData(_ layer: LayerSpec, _ w: ConvWeights<Int64>, _ dY: Tensor4, accWidth: Int) -> Tensor4 {
    let batch = dY.shape.batch
    var dx = try! Tensor4(shape: TensorShape(batch: batch, height: layer.inHeight, width: layer.inWidth, channels: layer.inChannels))
    for b in 0..<batch {
        for oh in 0..<layer.outHeight {
            for ow in 0..<layer.outWidth {
                for co in 0..<layer.outChannels {
                    for ci in 0..<layer.inChannels {
                        for kh in 0..<layer.kernelSize {
                            for kw in 0..<layer.kernelSize {
                                let ih = oh * layer.stride - layer.padding + kh, iw = ow * layer.stride - layer.padding + kw
                                guard ih >= 0, ih < layer.inHeight, iw >= 0, iw < layer.inWidth else { continue }
                                dx[b, ih, iw, ci] = dx[b, ih, iw, ci] &+ w[co, ci, kh, kw] &* dY[b, oh, ow, co]
                            }
                        }
                    }
                }
            }
        }
    }
    return try! Tensor4(shape: dx.shape, storage: dx.storage.map { wrapSigned($0, bits: accWidth) })
}

/// dW[co][ci][kh][kw] = Σ_{b,oh,ow} dY[b][oh][ow][co] · X[b][oh·S−P+kh][ow·S−P+kw][ci].
func directWeightGradient(_ layer: LayerSpec, _ x: Tensor4, _ dY: Tensor4, accWidth: Int) -> ConvWeights<Int64> {
    try! ConvWeights(outChannels: layer.outChannels, inChannels: layer.inChannels, kernelSize: layer.kernelSize) { co, ci, kh, kw in
        var acc: Int64 = 0
        for b in 0..<x.shape.batch {
            for oh in 0..<layer.outHeight {
                for ow in 0..<layer.outWidth {
                    let ih = oh * layer.stride - layer.padding + kh, iw = ow * layer.stride - layer.padding + kw
                    guard ih >= 0, ih < layer.inHeight, iw >= 0, iw < layer.inWidth else { continue }
                    acc = acc &+ dY[b, oh, ow, co] &* x[b, ih, iw, ci]
                }
            }
        }
        return wrapSigned(acc, bits: accWidth)
    }
}

/// One layer geometry plus a batch size, for the shape sweeps.
struct LayerCase: CustomStringConvertible, Sendable {
    let layer: LayerSpec
    let batch: Int
    var description: String { "\(layer), B=\(batch)" }

    /// A deterministic per-case seed (FNV-1a of the description; `hashValue` differs per process).
    var seed: UInt64 {
        description.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }

    static func conv(_ ci: Int, _ co: Int, _ h: Int, _ w: Int, k: Int, s: Int, p: Int, b: Int) -> LayerCase {
        LayerCase(layer: try! .conv(inChannels: ci, outChannels: co, height: h, width: w, kernelSize: k, stride: s, padding: p), batch: b)
    }

    static func fc(_ i: Int, _ o: Int, b: Int) -> LayerCase {
        LayerCase(layer: try! .fullyConnected(inFeatures: i, outFeatures: o), batch: b)
    }
}

/// The hand-picked shapes every lowering test sweeps: strides 1/2/3, padding 0/1/2, K 1/2/3/5,
/// batch 1–3, odd and non-square H/W, Ci/Co with and without M divisibility, a kernel as large as
/// the padded input, and FC layers.
let layerCases: [LayerCase] = [
    .conv(8, 8, 5, 5, k: 3, s: 1, p: 1, b: 2),
    .conv(8, 16, 7, 6, k: 3, s: 2, p: 1, b: 1),
    .conv(3, 8, 7, 7, k: 3, s: 2, p: 0, b: 2),
    .conv(5, 3, 4, 5, k: 1, s: 1, p: 0, b: 3),
    .conv(16, 8, 9, 9, k: 5, s: 2, p: 2, b: 1),
    .conv(4, 4, 6, 6, k: 5, s: 1, p: 0, b: 2),
    .conv(8, 8, 8, 8, k: 1, s: 2, p: 0, b: 2),
    .conv(6, 10, 5, 7, k: 3, s: 3, p: 1, b: 1),
    .conv(8, 4, 3, 3, k: 3, s: 1, p: 2, b: 2),
    .conv(7, 5, 9, 4, k: 5, s: 2, p: 1, b: 2),
    .conv(8, 8, 2, 2, k: 3, s: 1, p: 1, b: 1),
    .conv(2, 8, 5, 5, k: 2, s: 2, p: 1, b: 3),
    .conv(4, 8, 1, 1, k: 1, s: 1, p: 0, b: 2),
    .fc(16, 8, b: 3),
    .fc(3, 5, b: 1),
]

extension SplitMix64 {
    /// A random B×H×W×C tensor of `bits`-bit values.
    mutating func tensor(_ shape: TensorShape, bits: Int) -> Tensor4 {
        try! Tensor4(shape: shape) { _, _, _, _ in signed(bits: bits) }
    }

    /// A random weight tensor for `layer` with values in `range`.
    mutating func weights(_ layer: LayerSpec, in range: ClosedRange<Int64>) -> ConvWeights<Int64> {
        try! ConvWeights(outChannels: layer.outChannels, inChannels: layer.inChannels, kernelSize: layer.kernelSize) { _, _, _, _ in
            next(in: range)
        }
    }

    /// A random valid layer (for the fuzz sweeps): small dimensions, any stride and padding that fit.
    mutating func layerCase() -> LayerCase {
        if below(6) == 0 { return .fc(int(1...12), int(1...12), b: int(1...3)) }
        let k = [1, 2, 3, 3, 5][below(5)]
        let p = int(0...(k - 1))
        let h = int(max(1, k - 2 * p)...9), w = int(max(1, k - 2 * p)...9)
        return .conv(int(1...9), int(1...9), h, w, k: k, s: int(1...3), p: p, b: int(1...3))
    }
}

/// nil when the tensors are equal (shape included), else a one-line report of the first difference
/// (so a failing expectation does not print whole tensors).
func difference(_ expected: Tensor4, _ actual: Tensor4?) -> String? {
    guard let actual else { return "expected a \(expected.shape) tensor, got nil" }
    guard expected.shape == actual.shape else { return "shape: expected \(expected.shape), got \(actual.shape)" }
    guard let d = firstDifference(expected: expected.channelsByPixels, actual: actual.channelsByPixels) else { return nil }
    let s = expected.shape, p = d.col
    return "[\(p / (s.height * s.width))][\(p / s.width % s.height)][\(p % s.width)][\(d.row)] expected \(d.expected), got \(d.actual)"
}

/// nil when the weight tensors are equal, else the first difference as [co][ci][kh][kw].
func difference(_ expected: ConvWeights<Int64>, _ actual: ConvWeights<Int64>) -> String? {
    guard expected.outChannels == actual.outChannels, expected.inChannels == actual.inChannels,
          expected.kernelSize == actual.kernelSize else { return "weight shapes differ" }
    guard let d = firstDifference(expected: expected.asMatrix, actual: actual.asMatrix) else { return nil }
    let k = expected.kernelSize
    return "[\(d.row)][\(d.col / (k * k))][\(d.col / k % k)][\(d.col % k)] expected \(d.expected), got \(d.actual)"
}
