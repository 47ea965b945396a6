import Formats

/// The float weight numerics of a training step (the SAT system's float update unit): fp32 master
/// weights, bf16 or fp16 compute copies for FF and BP, and the SR-STE update in fp32.
///
/// Values are IEEE bit patterns held in `Int64`, sign-extended from their width, as the integer
/// workloads carry their values (``FloatGEMM/signExtended(_:width:)``): masters and gradients are
/// fp32 patterns, compute copies bf16 or fp16 patterns.
///
/// * Compute copy: `c = bf16(m)` or `fp16(m)`, round to nearest even
///   (``Formats/FloatFormat/narrowed(fromFP32:subnormals:)``: overflow to ±Inf, fp16's subnormal
///   grid below 2^−14, a NaN stays a quiet NaN); under flush-to-zero a subnormal copy becomes a
///   zero of its sign.
/// * Update, per weight, each operation one ``FloatReference`` call (rounded to nearest even, NaN
///   canonical, FTZ as configured), in this order:
///
///       step  = dW × 2^−lrShift
///       decay = m × 2^−decayShift                       (pruned weights only; no λ term when nil)
///       a     = pruned ? m − decay : m
///       m'    = a − step
///
///   i.e. SR-STE's W ← W − η·(dW + λ·(1 − Mf) ⊙ W) with η = 2^−lrShift and η·λ = 2^−decayShift,
///   the two products rounded separately and subtracted one after the other (x − y is x + (−y),
///   exactly IEEE's subtraction). Multiplying by a power of two is exact unless the product leaves
///   fp32's normal range.
public struct FloatWeightUpdate: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The compute copy's format (bf16 or fp16; the master is always fp32).
    public let computeFormat: FloatFormat
    public let subnormals: SubnormalMode
    /// η = 2^−lrShift.
    public let lrShift: Int
    /// η·λ = 2^−decayShift; nil disables the λ term.
    public let decayShift: Int?

    /// Throws unless the compute format is bf16 or fp16 (the narrowings the hardware rounds) and
    /// the shifts are in 0...100 (2^−100 is an fp32 normal number).
    public init(computeFormat: FloatFormat = .bf16, subnormals: SubnormalMode = .ieee, lrShift: Int = 8, decayShift: Int? = 12) throws {
        guard computeFormat != .fp32 else {
            throw SparseModelError("float training keeps bf16 or fp16 compute copies of fp32 masters, not \(computeFormat)")
        }
        guard (0...100).contains(lrShift) else { throw SparseModelError("lrShift must be in 0...100, got \(lrShift)") }
        if let d = decayShift, !(0...100).contains(d) { throw SparseModelError("decayShift must be in 0...100, got \(d)") }
        self.computeFormat = computeFormat
        self.subnormals = subnormals
        self.lrShift = lrShift
        self.decayShift = decayShift
    }

    public var description: String {
        "fp32 master, \(computeFormat) compute (\(subnormals.rawValue)), eta 2^-\(lrShift), eta*lambda " + (decayShift.map { "2^-\($0)" } ?? "0")
    }

    /// The fp32 pattern of 2^−s (0 ≤ s ≤ 126: a normal number).
    public static func powerOfTwo(minus s: Int) -> UInt32 { UInt32(127 - s) << 23 }

    /// The compute copy (bf16 or fp16 pattern, sign-extended) of one fp32 master pattern.
    public func computeValue(master m: Int64) -> Int64 {
        FloatGEMM.signExtended(computeFormat.narrowed(fromFP32: FloatGEMM.pattern(m), subnormals: subnormals), width: computeFormat.width)
    }

    /// The compute copy of a master tensor.
    public func computeCopy(of master: ConvWeights<Int64>) throws -> ConvWeights<Int64> {
        try ConvWeights(outChannels: master.outChannels, inChannels: master.inChannels, kernelSize: master.kernelSize) { co, ci, kh, kw in
            computeValue(master: master[co, ci, kh, kw])
        }
    }

    /// One weight's update (fp32 patterns, sign-extended), in the order stated above.
    public func updated(master m: Int64, gradient g: Int64, pruned: Bool) -> Int64 {
        let mb = FloatGEMM.pattern(m), sign: UInt32 = 0x8000_0000
        let step = FloatReference.multiply(FloatGEMM.pattern(g), Self.powerOfTwo(minus: lrShift), .fp32, subnormals: subnormals)
        var a = mb
        if pruned, let s = decayShift {
            let decay = FloatReference.multiply(mb, Self.powerOfTwo(minus: s), .fp32, subnormals: subnormals)
            a = FloatReference.add(mb, decay ^ sign, subnormals: subnormals)
        }
        return FloatGEMM.signExtended(FloatReference.add(a, step ^ sign, subnormals: subnormals), width: 32)
    }

    /// The update of a master tensor with the weight gradient and this step's forward mask
    /// (`false` = pruned). Throws unless the shapes agree.
    public func apply(master: ConvWeights<Int64>, gradient: ConvWeights<Int64>, forwardMask: ConvWeights<Bool>) throws -> ConvWeights<Int64> {
        for (what, shape) in [("weight gradient", (gradient.outChannels, gradient.inChannels, gradient.kernelSize)),
                              ("forward mask", (forwardMask.outChannels, forwardMask.inChannels, forwardMask.kernelSize))]
        where shape != (master.outChannels, master.inChannels, master.kernelSize) {
            throw SparseModelError("cannot update \(master.outChannels)x\(master.inChannels)x\(master.kernelSize)x\(master.kernelSize) "
                + "float master weights with a \(shape.0)x\(shape.1)x\(shape.2)x\(shape.2) \(what)")
        }
        return try ConvWeights(outChannels: master.outChannels, inChannels: master.inChannels, kernelSize: master.kernelSize) { co, ci, kh, kw in
            updated(master: master[co, ci, kh, kw], gradient: gradient[co, ci, kh, kw], pruned: !forwardMask[co, ci, kh, kw])
        }
    }
}
