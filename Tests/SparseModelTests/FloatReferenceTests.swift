import Formats
import SparseModel
import TestSupport
import Testing

@Suite struct FloatReferenceTests {
    @Test func nanResultsAreCanonical() {
        let inf = Float.infinity.bitPattern, negInf = (-Float.infinity).bitPattern
        #expect(FloatReference.add(inf, negInf) == 0x7FC0_0000)  // x86 gives 0xFFC00000
        #expect(FloatReference.add(0xFF80_1234, 0x3F80_0000) == 0x7FC0_0000)  // payload not propagated
        #expect(FloatReference.multiply(0x7F80, 0x0000, .bf16) == 0x7FC0_0000)
        #expect(FloatReference.multiply(0x7C00, 0x8000, .fp16) == 0x7FC0_0000)
        #expect(FloatReference.multiply(0x7F80_0001, 0x3F80_0000, .fp32) == 0x7FC0_0000)
    }

    @Test func flushToZeroOnBothSides() {
        // A subnormal input is a zero of its sign: Inf × subnormal is then NaN.
        #expect(FloatReference.multiply(0x7F80, 0x0001, .bf16, subnormals: .flushToZero) == 0x7FC0_0000)
        #expect(FloatReference.multiply(0x7F80, 0x0001, .bf16) == 0x7F80_0000)
        #expect(FloatReference.add(0x8000_0001, 0x8000_0000, subnormals: .flushToZero) == 0x8000_0000)
        // 1.5·2^-126 − 1·2^-126 is subnormal: flushed to +0 (its sign).
        #expect(FloatReference.add(0x00C0_0000, 0x8080_0000) == 0x0040_0000)
        #expect(FloatReference.add(0x00C0_0000, 0x8080_0000, subnormals: .flushToZero) == 0)
        // A result that rounds up to the smallest normal stays (flush after rounding).
        // (1 − 2^-24) · 2^-126 is a tie between the largest subnormal and 2^-126; even wins: normal.
        #expect(FloatReference.multiply(0x3F7F_FFFF, 0x0080_0000, .fp32, subnormals: .flushToZero) == 0x0080_0000)
        #expect(FloatReference.multiply(0x3F7F_FFFE, 0x0080_0000, .fp32, subnormals: .flushToZero) == 0)
        #expect(FloatReference.multiply(0x3F7F_FFFE, 0x0080_0000, .fp32) == 0x007F_FFFF)
    }

    /// bf16 and fp16 products are exact in fp32 while they stay in its normal range.
    @Test func narrowProductsAreExact() {
        var rng = SplitMix64(seed: 5)
        var exact = 0
        for _ in 0..<50_000 {
            for f in [FloatFormat.bf16, .fp16] {
                let a = FloatPatterns.random(f, &rng), b = FloatPatterns.random(f, &rng)
                let x = FloatReference.value(a, f), y = FloatReference.value(b, f)
                guard x.isFinite, y.isFinite else { continue }
                let d = Double(x) * Double(y)
                guard d == 0 || (d.magnitude >= 0x1p-126 && d.magnitude < 0x1p128) else { continue }
                #expect(Double(Float(bitPattern: FloatReference.multiply(a, b, f))) == d)
                exact += 1
            }
        }
        #expect(exact > 40_000)
    }
}
