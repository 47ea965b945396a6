import Foundation
import Formats
import Testing

/// The fp32 → fp16 narrowing rule of the float training datapath, checked against a reference
/// that decides round-to-nearest-even by distance in Double (independent of Swift's `Float16`).
@Suite struct FloatNarrowingRuleTests {
    /// The fp16 pattern nearest to x (ties to the even pattern); 65520 and beyond is Inf.
    static func reference(_ x: Float) -> UInt32 {
        let sign: UInt32 = x.sign == .minus ? 0x8000 : 0
        let d = Double(x).magnitude
        if d >= 65520 { return sign | 0x7C00 }
        // fp16 magnitudes are k · 2^−24 up to 2^−14 (subnormals), then every binade's grid.
        var ulp = 0x1p-24, base = 0.0, field: UInt32 = 0
        if d >= 0x1p-14 {
            let e = Int(floor(log2(d)))
            ulp = Double(sign: .plus, exponent: e - 10, significand: 1)
            base = Double(sign: .plus, exponent: e, significand: 1)
            field = UInt32(e + 15)
        }
        let steps = (d - base) / ulp
        var k = floor(steps)
        let rest = steps - k
        if rest > 0.5 || (rest == 0.5 && Int(k) % 2 == 1) { k += 1 }
        // A carry out of the fraction moves into the exponent field (bits add up).
        return sign | ((field << 10) + UInt32(k))
    }

    @Test func fp16RoundsToNearestEven() {
        var rng = SplitMix(seed: 0x16)
        var checked = 0
        for i in 0..<400_000 {
            var bits = UInt32(truncatingIfNeeded: rng.next())
            // Exponents around fp16's range (2^−27 ... 2^17), every third one a tie or one off it.
            let e = UInt32(100 + Int(rng.next() % 47))
            bits = (bits & 0x807F_FFFF) | (e << 23)
            if i % 3 == 0 { bits = (bits & 0xFFFF_E000) | [0x1000, 0x0FFF, 0x1001][i / 3 % 3] }
            let x = Float(bitPattern: bits)
            #expect(FloatFormat.fp16.narrowed(fromFP32: bits) == Self.reference(x), "0x\(String(bits, radix: 16))")
            checked += 1
        }
        #expect(checked == 400_000)
    }

    @Test func fp16Boundaries() {
        func n(_ x: Float, _ m: SubnormalMode = .ieee) -> UInt32 { FloatFormat.fp16.narrowed(fromFP32: x.bitPattern, subnormals: m) }
        #expect(n(65504) == 0x7BFF)
        #expect(n(65519.996) == 0x7BFF)       // below the midpoint to 2^16: largest finite
        #expect(n(65520) == 0x7C00)           // the midpoint ties to even: Inf
        #expect(n(-1e9) == 0xFC00)
        #expect(n(.infinity) == 0x7C00 && n(-.infinity) == 0xFC00)
        #expect(n(0x1p-24) == 0x0001)         // smallest subnormal
        #expect(n(0x1p-25) == 0x0000)         // half of it: tie to the even zero
        #expect(n(0x1.000002p-25) == 0x0001)  // just above half
        #expect(n(-0x1p-26) == 0x8000)
        #expect(n(0x1.ffcp-15) == 0x0400)     // 1023.5 subnormal steps tie to the even 1024: the smallest normal 2^−14
        #expect(n(0x1p-15) == 0x0200)         // a subnormal under IEEE ...
        #expect(n(0x1p-15, .flushToZero) == 0x0000 && n(-0x1p-15, .flushToZero) == 0x8000)  // ... flushed under FTZ
        #expect(n(0x1.ffcp-15, .flushToZero) == 0x0400)  // rounded to normal first: stays
        #expect(n(Float(bitPattern: 0x0000_0001)) == 0x0000)  // an fp32 subnormal is far below fp16
        #expect(n(1 + 0x1p-11) == 0x3C00 && n(1 + 0x1p-10 + 0x1p-11) == 0x3C02)  // ties to even
        for bits: UInt32 in [0x7FC0_0000, 0x7F80_0001, 0xFFC0_1234, 0x7FFF_FFFF] {
            #expect(FloatFormat.fp16.narrowed(fromFP32: bits) == 0x7E00, "NaN 0x\(String(bits, radix: 16)) is canonical")
        }
    }

    /// bf16 is ``BFloat16``'s rule; fp32 narrows to itself (flushed under FTZ).
    @Test func otherFormats() {
        for bits: UInt32 in [0x3F81_8000, 0x7F7F_FFFF, 0x0001_0000, 0x7F80_0001] {
            #expect(FloatFormat.bf16.narrowed(fromFP32: bits) == UInt32(BFloat16(Float(bitPattern: bits)).bitPattern))
        }
        #expect(FloatFormat.bf16.narrowed(fromFP32: 0x8001_0000, subnormals: .flushToZero) == 0x8000)
        #expect(FloatFormat.fp32.narrowed(fromFP32: 0x3F80_0001) == 0x3F80_0001)
        #expect(FloatFormat.fp32.narrowed(fromFP32: 0x8000_0001, subnormals: .flushToZero) == 0x8000_0000)
    }
}
