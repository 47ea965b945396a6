import Formats
import SparseModel
import Testing

/// The float weight numerics of the training system's golden model: fp32 SR-STE update in its
/// stated order, bf16 compute copies, and BDWP ranking by float magnitude.
@Suite struct FloatWeightUpdateTests {
    static func f32(_ x: Float) -> Int64 { FloatGEMM.signExtended(x.bitPattern, width: 32) }
    static func value(_ p: Int64) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: p)) }

    /// m' = (pruned ? m − m·2^−d : m) − dW·2^−lr, each operation rounded: values chosen so every
    /// step is exact, and one where the two roundings differ from a fused evaluation.
    @Test func updateOrder() throws {
        let u = try FloatWeightUpdate(lrShift: 2, decayShift: 3)
        #expect(Self.value(u.updated(master: Self.f32(1), gradient: Self.f32(2), pruned: false)) == 0.5)
        #expect(Self.value(u.updated(master: Self.f32(1), gradient: Self.f32(2), pruned: true)) == 0.375)  // 1 − 0.125 − 0.5
        // Two rounded subtractions, not one fused: 1 − 2^−25 ties to 1 (even) twice, while the
        // exact 1 − 2^−24 is representable.
        let tiny = try FloatWeightUpdate(lrShift: 25, decayShift: 25)
        #expect(Self.value(tiny.updated(master: Self.f32(1), gradient: Self.f32(1), pruned: true)) == 1)
        #expect(Self.value(tiny.updated(master: Self.f32(1), gradient: Self.f32(2), pruned: false)) == 1 - Float.ulpOfOne / 2)
        // x − x is +0; NaN inputs give the canonical NaN.
        #expect(u.updated(master: Self.f32(0.25), gradient: Self.f32(1), pruned: false) == 0)
        let nan = u.updated(master: Self.f32(.nan), gradient: Self.f32(1), pruned: true)
        #expect(UInt32(truncatingIfNeeded: nan) == FloatFormat.fp32.canonicalNaN)
        #expect(throws: SparseModelError.self) { try FloatWeightUpdate(computeFormat: .fp32) }
    }

    /// The compute copy rounds to nearest even and keeps NaNs quiet; FTZ flushes subnormal copies.
    @Test func computeCopyRounding() throws {
        let ieee = try FloatWeightUpdate(), ftz = try FloatWeightUpdate(subnormals: .flushToZero)
        func copy(_ u: FloatWeightUpdate, _ bits: UInt32) -> UInt16 { UInt16(truncatingIfNeeded: u.computeValue(master: FloatGEMM.signExtended(bits, width: 32))) }
        #expect(copy(ieee, 0x3F80_8000) == 0x3F80)  // tie, even stays
        #expect(copy(ieee, 0x3F81_8000) == 0x3F82)  // tie, odd rounds up
        #expect(copy(ieee, 0x7F7F_FFFF) == 0x7F80)  // overflow to Inf
        #expect(copy(ieee, 0x7F80_0001) == 0x7FC0)  // signaling NaN -> quiet
        #expect(copy(ieee, 0x0000_8000) == 0x0000)  // subnormal tie to even
        #expect(copy(ieee, 0x0001_0000) == 0x0001)  // bf16 subnormal kept
        #expect(copy(ftz, 0x8001_0000) == 0x8000)   // flushed to −0
        // fp16 copies: nearest even, overflow to Inf, fp16's subnormal grid, canonical NaN.
        let half = try FloatWeightUpdate(computeFormat: .fp16), halfFTZ = try FloatWeightUpdate(computeFormat: .fp16, subnormals: .flushToZero)
        #expect(copy(half, Float(1 + 0x1p-11).bitPattern) == 0x3C00)  // tie, even stays
        #expect(copy(half, Float(65520).bitPattern) == 0x7C00)         // past the largest finite 65504: Inf
        #expect(copy(half, Float(-70000).bitPattern) == 0xFC00)
        #expect(copy(half, Float(0x1p-20).bitPattern) == 0x0010)       // subnormal copy
        #expect(copy(halfFTZ, Float(-0x1p-20).bitPattern) == 0x8000)   // flushed to −0
        #expect(copy(half, 0x7F80_0001) == 0x7E00)                     // NaN: canonical
        #expect(half.computeValue(master: FloatGEMM.signExtended(Float(-2).bitPattern, width: 32)) == FloatGEMM.signExtended(0xC000, width: 16))
    }

    /// Float BDWP ranks |w| by the magnitude key: −3 beats 2 (an integer ranking of the
    /// sign-extended patterns would keep 2), NaN beats +Inf.
    @Test func floatRanking() throws {
        let layer = try LayerSpec.fullyConnected(inFeatures: 4, outFeatures: 2)
        func bf(_ x: Float) -> Int64 { FloatGEMM.signExtended(UInt32(BFloat16(x).bitPattern), width: 16) }
        let rows: [[Int64]] = [[bf(2), bf(-3), bf(1), bf(-0.5)], [FloatGEMM.signExtended(0x7F80, width: 16), 0x7FC0, bf(1), bf(-1)]]
        let w = try ConvWeights<Int64>(outChannels: 2, inChannels: 4, kernelSize: 1) { co, ci, _, _ in rows[co][ci] }
        let p = try NMPattern(n: 1, m: 2)
        let b = try BDWPWeights(weights: w, layer: layer, sparsity: .sparse(p), ranking: .floatMagnitude(.bf16))
        #expect(b.forwardMask[0, 0, 0, 0] == false && b.forwardMask[0, 1, 0, 0] == true)   // −3 over 2
        #expect(b.forwardMask[0, 2, 0, 0] == true && b.forwardMask[0, 3, 0, 0] == false)   // 1 over −0.5
        #expect(b.forwardMask[1, 1, 0, 0] == true && b.forwardMask[1, 2, 0, 0] == true)    // NaN over Inf; tie: lower index
        let integer = try BDWPWeights(weights: w, layer: layer, sparsity: .sparse(p))
        #expect(integer.forwardMask != b.forwardMask)
    }
}
