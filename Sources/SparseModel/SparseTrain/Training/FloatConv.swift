/// Float convolution kernels of the training loop (one image, C × H × W, channel-major), written
/// from the definitions: forward, input gradient and weight gradient.
enum FloatConv {
    /// y[co] = b[co] + Σ w[co][ci][kh][kw] · x[ci][oh·s+kh−p][ow·s+kw−p].
    static func forward(_ l: LayerSpec, x: [Float], w: [Float], b: [Float]) -> [Float] {
        let (ci, co, k, s, p) = (l.inChannels, l.outChannels, l.kernelSize, l.stride, l.padding)
        let (h, wd, oh, ow) = (l.inHeight, l.inWidth, l.outHeight, l.outWidth)
        var y = [Float](repeating: 0, count: co * oh * ow)
        y.withUnsafeMutableBufferPointer { y in
            x.withUnsafeBufferPointer { x in
                for o in 0..<co {
                    for i in 0..<(oh * ow) { y[o * oh * ow + i] = b[o] }
                    for c in 0..<ci { for a in 0..<k { for e in 0..<k {
                        let wv = w[((o * ci + c) * k + a) * k + e]
                        if wv == 0 { continue }
                        for r in 0..<oh {
                            let hr = r * s + a - p
                            if hr < 0 || hr >= h { continue }
                            let xrow = (c * h + hr) * wd, yrow = (o * oh + r) * ow
                            for q in 0..<ow {
                                let col = q * s + e - p
                                if col >= 0 && col < wd { y[yrow + q] += wv * x[xrow + col] }
                            }
                        }
                    } } }
                }
            }
        }
        return y
    }

    /// dx and dW (accumulated into `dw`, `db`) from dz at the conv output.
    static func backward(_ l: LayerSpec, x: [Float], w: [Float], dz: [Float], dw: inout [Float], db: inout [Float], needInput: Bool) -> [Float] {
        let (ci, co, k, s, p) = (l.inChannels, l.outChannels, l.kernelSize, l.stride, l.padding)
        let (h, wd, oh, ow) = (l.inHeight, l.inWidth, l.outHeight, l.outWidth)
        var dx = [Float](repeating: 0, count: needInput ? ci * h * wd : 0)
        for o in 0..<co { for i in 0..<(oh * ow) { db[o] += dz[o * oh * ow + i] } }
        dx.withUnsafeMutableBufferPointer { dx in
            dw.withUnsafeMutableBufferPointer { dw in
                x.withUnsafeBufferPointer { x in
                    dz.withUnsafeBufferPointer { dz in
                        for o in 0..<co { for c in 0..<ci { for a in 0..<k { for e in 0..<k {
                            let wi = ((o * ci + c) * k + a) * k + e
                            let wv = w[wi]
                            var acc: Float = 0
                            for r in 0..<oh {
                                let hr = r * s + a - p
                                if hr < 0 || hr >= h { continue }
                                let xrow = (c * h + hr) * wd, zrow = (o * oh + r) * ow
                                for q in 0..<ow {
                                    let g = dz[zrow + q]
                                    if g == 0 { continue }
                                    let col = q * s + e - p
                                    if col < 0 || col >= wd { continue }
                                    acc += g * x[xrow + col]
                                    if needInput { dx[xrow + col] += g * wv }
                                }
                            }
                            dw[wi] += acc
                        } } } }
                    }
                }
            }
        }
        return dx
    }
}
