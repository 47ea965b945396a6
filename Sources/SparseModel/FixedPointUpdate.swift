/// The integer formats of the weights: a signed `masterBits`-bit master copy with `fracBits`
/// fraction bits below the compute LSB, and the `computeBits`-bit compute copy the GEMMs use.
///
/// A master integer m stands for m / 2^f compute units; the compute copy is
/// `c = sat_d(rnd_f(m))`, and a compute weight c enters the master exactly as `c · 2^f`.
/// The default (d = 8, f = 8, w = 16) keeps 8 fraction bits of headroom below the 8-bit compute
/// LSB, so updates much smaller than one compute step accumulate instead of vanishing, while the
/// master's integer part spans exactly the compute range.
///
/// Rounding `rnd_s(x)` (a right shift by s with rounding) is **round half up**:
/// `rnd_s(x) = ⌊x / 2^s + 1/2⌋ = (x >> s) + bit(s−1) of x` (arithmetic shift; rnd_0(x) = x). It is
/// the cheapest unbiased-enough rule: the shifted-out bit s−1 goes in as the carry-in of the adder
/// that follows (the update's subtractor, or the compute copy's incrementer), so it costs no extra
/// adder, while a plain floor (`x >> s`) would bias every update by −½ LSB (e.g. a gradient of −1
/// with η = 2^−4 would move W by a full +1 each step instead of 0). Ties go towards +∞
/// (−2.5 → −2, 2.5 → 3). Saturation `sat_b(x)` clamps to the b-bit two's complement range.
public struct FixedPointFormat: Sendable, Hashable, Codable, CustomStringConvertible {
    /// d, the width of the compute weights (and of the GEMMs' activation and gradient inputs).
    public let computeBits: Int
    /// f, the master's fraction bits below the compute LSB.
    public let fracBits: Int
    /// w, the width of the master weights.
    public let masterBits: Int

    /// Throws unless 1 ≤ d ≤ 32, f ≥ 0 and d + f ≤ w ≤ 62 (the master holds every compute value
    /// exactly, and the update's exact intermediate values fit Int64).
    public init(computeBits: Int = 8, fracBits: Int = 8, masterBits: Int? = nil) throws {
        let w = masterBits ?? computeBits + fracBits
        guard (1...32).contains(computeBits) else {
            throw SparseModelError("compute weights need 1...32 bits, got \(computeBits)")
        }
        guard fracBits >= 0, computeBits + fracBits <= w, w <= 62 else {
            throw SparseModelError(
                "master weights need f ≥ 0 and d + f ≤ w ≤ 62, got d=\(computeBits), f=\(fracBits), w=\(w)")
        }
        self.computeBits = computeBits
        self.fracBits = fracBits
        self.masterBits = w
    }

    /// The 8-bit compute, 8 fraction bit, 16-bit master default.
    public static let standard = try! FixedPointFormat()

    private enum CodingKeys: String, CodingKey { case computeBits, fracBits, masterBits }

    /// Decodes the three widths and validates them as `init` does; an invalid format is a
    /// `DecodingError`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(computeBits: try c.decode(Int.self, forKey: .computeBits), fracBits: try c.decode(Int.self, forKey: .fracBits),
                          masterBits: try c.decode(Int.self, forKey: .masterBits))
        } catch let e as SparseModelError {
            throw DecodingError.dataCorruptedError(forKey: .masterBits, in: c, debugDescription: e.message)
        }
    }

    public var description: String { "master s\(masterBits) (\(fracBits) fraction bits), compute s\(computeBits)" }

    /// The compute copy of one master value: sat_d(rnd_f(m)).
    public func computeValue(master m: Int64) -> Int64 {
        saturate(roundShift(m, fracBits), bits: computeBits)
    }

    /// The master value of a compute value: c · 2^f (exact for c in the d-bit range).
    public func masterValue(compute c: Int64) -> Int64 { c << fracBits }

    /// The compute copy of a master weight tensor. Throws unless every master value fits w bits.
    public func computeCopy(of master: ConvWeights<Int64>) throws -> ConvWeights<Int64> {
        try requireMaster(master)
        var out = master
        for co in 0..<master.outChannels {
            for ci in 0..<master.inChannels {
                for kh in 0..<master.kernelSize {
                    for kw in 0..<master.kernelSize { out[co, ci, kh, kw] = computeValue(master: master[co, ci, kh, kw]) }
                }
            }
        }
        return out
    }

    /// The master tensor of compute weights (each c · 2^f). Throws unless every value fits d bits.
    public func master(fromCompute compute: ConvWeights<Int64>) throws -> ConvWeights<Int64> {
        let r = signedRange(bits: computeBits)
        if let bad = compute.storage.first(where: { !r.contains($0) }) {
            throw SparseModelError("compute weight \(bad) does not fit \(computeBits)-bit two's complement")
        }
        return try ConvWeights(outChannels: compute.outChannels, inChannels: compute.inChannels,
                               kernelSize: compute.kernelSize) { co, ci, kh, kw in
            masterValue(compute: compute[co, ci, kh, kw])
        }
    }

    /// Throws unless every value of `master` fits w-bit two's complement.
    public func requireMaster(_ master: ConvWeights<Int64>) throws {
        let r = signedRange(bits: masterBits)
        if let bad = master.storage.first(where: { !r.contains($0) }) {
            throw SparseModelError("master weight \(bad) does not fit \(masterBits)-bit two's complement")
        }
    }
}

/// The fixed-point SR-STE update of the integer datapath (what the hardware's update unit computes):
///
///     W ← sat_w( W − rnd_lr(dW) − [pruned] · rnd_decay(W) )
///
/// per weight, where W is the w-bit master value, dW the weight-gradient GEMM's accumulator value
/// (an integer at the compute scale of dY·X), `[pruned]` is 1 where the forward mask Mf used in
/// this step pruned the weight, and rnd/sat are ``FixedPointFormat``'s round-half-up shift and
/// saturation. This is SR-STE's W ← W − η·(dW + λ·(1 − Mf) ⊙ W) with η = 2^−lrShift (master LSBs
/// per gradient unit) and η·λ = 2^−decayShift, the two products rounded separately (each shift's
/// rounding bit is one carry-in of the three-input subtraction). The result is the exact value
/// saturated once, as a datapath with enough guard bits computes it.
public struct FixedPointUpdate: Sendable, Hashable, Codable, CustomStringConvertible {
    public let format: FixedPointFormat
    /// η = 2^−lrShift.
    public let lrShift: Int
    /// η·λ = 2^−decayShift; nil disables the λ term (plain dense SGD on the master).
    public let decayShift: Int?

    /// Throws unless the shifts are in 0...62.
    public init(format: FixedPointFormat = .standard, lrShift: Int = 8, decayShift: Int? = 12) throws {
        guard (0...62).contains(lrShift) else { throw SparseModelError("lrShift must be in 0...62, got \(lrShift)") }
        if let d = decayShift, !(0...62).contains(d) {
            throw SparseModelError("decayShift must be in 0...62, got \(d)")
        }
        self.format = format
        self.lrShift = lrShift
        self.decayShift = decayShift
    }

    /// The default format, η = 2^−8, η·λ = 2^−12.
    public static let standard = try! FixedPointUpdate()

    private enum CodingKeys: String, CodingKey { case format, lrShift, decayShift }

    /// Decodes and validates as `init` does; an invalid update is a `DecodingError`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(format: try c.decode(FixedPointFormat.self, forKey: .format), lrShift: try c.decode(Int.self, forKey: .lrShift),
                          decayShift: try c.decodeIfPresent(Int.self, forKey: .decayShift))
        } catch let e as SparseModelError {
            throw DecodingError.dataCorruptedError(forKey: .lrShift, in: c, debugDescription: e.message)
        }
    }

    public var description: String {
        "\(format), eta 2^-\(lrShift), eta*lambda " + (decayShift.map { "2^-\($0)" } ?? "0")
    }

    /// One weight's update: sat_w(m − rnd_lr(g) − [pruned]·rnd_decay(m)). `m` must fit w bits
    /// (checked by the tensor form); `g` may be any Int64.
    public func updated(master m: Int64, gradient g: Int64, pruned: Bool) -> Int64 {
        let decay = pruned ? decayShift.map { roundShift(m, $0) } ?? 0 : 0
        let step = roundShift(g, lrShift)
        let a = m - decay  // |m| < 2^61 and |decay| ≤ |m| + 1: no overflow
        let (r, overflow) = a.subtractingReportingOverflow(step)
        // On overflow the exact a − step lies beyond Int64, on the side of −step; saturate there.
        let exact = overflow ? (step > 0 ? Int64.min : Int64.max) : r
        return saturate(exact, bits: format.masterBits)
    }

    /// The update of a master tensor with the weight gradient `gradient` and the forward mask
    /// `forwardMask` used in this step (`false` = pruned: the λ term applies). Throws unless the
    /// three tensors have the same shape and every master value fits w bits.
    public func apply(
        master: ConvWeights<Int64>, gradient: ConvWeights<Int64>, forwardMask: ConvWeights<Bool>
    ) throws -> ConvWeights<Int64> {
        try format.requireMaster(master)
        for (what, shape) in [("weight gradient", (gradient.outChannels, gradient.inChannels, gradient.kernelSize)),
                              ("forward mask", (forwardMask.outChannels, forwardMask.inChannels, forwardMask.kernelSize))]
        where shape != (master.outChannels, master.inChannels, master.kernelSize) {
            throw SparseModelError(
                "cannot update \(master.outChannels)x\(master.inChannels)x\(master.kernelSize)x\(master.kernelSize) "
                    + "master weights with a \(shape.0)x\(shape.1)x\(shape.2)x\(shape.2) \(what)")
        }
        var out = master
        for co in 0..<master.outChannels {
            for ci in 0..<master.inChannels {
                for kh in 0..<master.kernelSize {
                    for kw in 0..<master.kernelSize {
                        out[co, ci, kh, kw] = updated(master: master[co, ci, kh, kw], gradient: gradient[co, ci, kh, kw],
                                                      pruned: !forwardMask[co, ci, kh, kw])
                    }
                }
            }
        }
        return out
    }
}

/// rnd_s(x) = ⌊x / 2^s + 1/2⌋ (round half up), computed without overflow as (x >> s) + bit(s−1)
/// of x; rnd_0(x) = x. `s` must be in 0...63.
public func roundShift(_ x: Int64, _ s: Int) -> Int64 {
    guard s > 0 else { return x }
    return (x >> Int64(s)) + ((x >> Int64(s - 1)) & 1)
}

/// `x` clamped to the `bits`-bit two's complement range (1...64 bits).
public func saturate(_ x: Int64, bits: Int) -> Int64 {
    let r = signedRange(bits: bits)
    return min(max(x, r.lowerBound), r.upperBound)
}
