/// The golden direct convolution of the SPS co-simulation, written from the definition of a
/// convolution and knowing nothing of patterns, tiles or the array: PPS only shows up as the
/// zeros of the (pruned) weights.
///
/// Layouts: input [ci][h][w], weights [co][ci][kh][kw] (``ConvWeights``), output [co][oh][ow];
/// out[co][oh][ow] = Σ_ci Σ_kh Σ_kw W[co][ci][kh][kw] · x[ci][oh·S + kh − P][ow·S + kw − P]
/// (x = 0 outside the input), each sum wrapping at `accWidth` bits, two's complement, as the
/// array's accumulators do.
public enum PPSConvReference {
    public static func conv(input: [Int64], layer: LayerSpec, weights: ConvWeights<Int64>, accWidth: Int) throws -> [Int64] {
        guard weights.outChannels == layer.outChannels, weights.inChannels == layer.inChannels, weights.kernelSize == layer.kernelSize else {
            throw SparseModelError("conv reference: weights \(weights.outChannels)x\(weights.inChannels)x\(weights.kernelSize)x\(weights.kernelSize) do not match \(layer)")
        }
        let (ci, h, w) = (layer.inChannels, layer.inHeight, layer.inWidth)
        guard input.count == ci * h * w else { throw SparseModelError("conv reference: input needs \(ci * h * w) values, got \(input.count)") }
        guard (1...64).contains(accWidth) else { throw SparseModelError("accumulator width must be in 1...64, got \(accWidth)") }
        let (ho, wo, k, s, p) = (layer.outHeight, layer.outWidth, layer.kernelSize, layer.stride, layer.padding)
        var out = [Int64](repeating: 0, count: layer.outChannels * ho * wo)
        for co in 0..<layer.outChannels {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var acc: Int64 = 0
                    for c in 0..<ci {
                        for kh in 0..<k {
                            let y = oy * s + kh - p
                            guard y >= 0, y < h else { continue }
                            for kw in 0..<k {
                                let x = ox * s + kw - p
                                guard x >= 0, x < w else { continue }
                                acc = wrap(acc &+ weights[co, c, kh, kw] &* input[(c * h + y) * w + x], bits: accWidth)
                            }
                        }
                    }
                    out[(co * ho + oy) * wo + ox] = acc
                }
            }
        }
        return out
    }

    /// `v` reduced to a `bits`-bit two's complement value.
    public static func wrap(_ v: Int64, bits: Int) -> Int64 {
        bits >= 64 ? v : (v << Int64(64 - bits)) >> Int64(64 - bits)
    }
}
