import Formats
import Testing

@Suite struct FloatFormatTests {
    @Test func fieldWidthsAndConstants() {
        #expect(FloatFormat.bf16.width == 16 && FloatFormat.bf16.bias == 127 && FloatFormat.bf16.precision == 8)
        #expect(FloatFormat.fp16.width == 16 && FloatFormat.fp16.bias == 15 && FloatFormat.fp16.precision == 11)
        #expect(FloatFormat.fp32.width == 32 && FloatFormat.fp32.bias == 127 && FloatFormat.fp32.precision == 24)
        #expect(FloatFormat.fp32.canonicalNaN == 0x7FC0_0000 && FloatFormat.bf16.canonicalNaN == 0x7FC0 && FloatFormat.fp16.canonicalNaN == 0x7E00)
        #expect(FloatFormat.fp32.infinity == Float.infinity.bitPattern)
        #expect(FloatFormat.fp16.infinity == UInt32(Float16.infinity.bitPattern))
        #expect(UInt32(Float16.nan.bitPattern) == FloatFormat.fp16.canonicalNaN)
        #expect(Float.nan.bitPattern == FloatFormat.fp32.canonicalNaN)
    }

    @Test func fieldsAndPackRoundTrip() throws {
        let x = Float(-1.75).bitPattern
        let f = FloatFormat.fp32.fields(x)
        #expect(f.sign && f.exponent == 127 && f.fraction == 0x60_0000)
        #expect(try FloatFormat.fp32.pack(sign: f.sign, exponent: f.exponent, fraction: f.fraction) == x)
        // Bits above the format's width are ignored.
        #expect(FloatFormat.bf16.fields(0xABCD_3F80) == (false, 127, 0))
        #expect(throws: FormatError("fp16: exponent field 32 does not fit 5 bits")) { try FloatFormat.fp16.pack(sign: false, exponent: 32, fraction: 0) }
        #expect(throws: FormatError("bf16: fraction field 128 does not fit 7 bits")) { try FloatFormat.bf16.pack(sign: true, exponent: 1, fraction: 128) }
    }

    @Test func classificationMatchesSwift() {
        var rng = SplitMix(seed: 7)
        for _ in 0..<200_000 {
            let bits = UInt32(truncatingIfNeeded: rng.next())
            let x = Float(bitPattern: bits)
            let c = FloatFormat.fp32.classify(bits)
            #expect(c.isNaN == x.isNaN)
            #expect((c == .signalingNaN) == x.isSignalingNaN)
            #expect((c == .infinity) == x.isInfinite)
            #expect((c == .zero) == x.isZero)
            #expect((c == .subnormal) == x.isSubnormal)
            #expect((c == .normal) == x.isNormal)
            let h = UInt16(truncatingIfNeeded: bits)
            let y = Float16(bitPattern: h)
            let ch = FloatFormat.fp16.classify(UInt32(h))
            #expect(ch.isNaN == y.isNaN && (ch == .subnormal) == y.isSubnormal && (ch == .zero) == y.isZero && (ch == .normal) == y.isNormal)
            // bf16 is the top half of fp32, so it classifies like the fp32 value it extends to.
            #expect(FloatFormat.bf16.classify(UInt32(h)) == FloatFormat.fp32.classify(UInt32(h) << 16))
        }
    }

    /// The magnitude key orders every non-NaN value by |x|, in every format; NaN keys exceed Inf's.
    @Test func magnitudeKeyOrdersByMagnitude() {
        var rng = SplitMix(seed: 11)
        for _ in 0..<100_000 {
            let a = UInt32(truncatingIfNeeded: rng.next()), b = UInt32(truncatingIfNeeded: rng.next())
            let fa = Float(bitPattern: a), fb = Float(bitPattern: b)
            if !fa.isNaN, !fb.isNaN {
                #expect((FloatFormat.fp32.magnitudeKey(a) < FloatFormat.fp32.magnitudeKey(b)) == (fa.magnitude < fb.magnitude))
            }
            let ha = Float16(bitPattern: UInt16(a & 0xFFFF)), hb = Float16(bitPattern: UInt16(b & 0xFFFF))
            if !ha.isNaN, !hb.isNaN {
                #expect((FloatFormat.fp16.magnitudeKey(a) < FloatFormat.fp16.magnitudeKey(b)) == (ha.magnitude < hb.magnitude))
            }
            let ba = BFloat16(bitPattern: UInt16(a >> 16)).float, bb = BFloat16(bitPattern: UInt16(b >> 16)).float
            if !ba.isNaN, !bb.isNaN {
                #expect((FloatFormat.bf16.magnitudeKey(a >> 16) < FloatFormat.bf16.magnitudeKey(b >> 16)) == (ba.magnitude < bb.magnitude))
            }
        }
        for f in FloatFormat.allCases {
            #expect(f.magnitudeKey(f.canonicalNaN | f.signMask) > f.magnitudeKey(f.infinity))
            #expect(f.magnitudeKey(f.signMask) == f.magnitudeKey(0))
        }
    }

    @Test func flushToZeroKeepsTheSign() {
        #expect(FloatFormat.fp32.flushingSubnormal(0x8000_0001) == 0x8000_0000)
        #expect(FloatFormat.fp32.flushingSubnormal(0x007F_FFFF) == 0)
        #expect(FloatFormat.fp32.flushingSubnormal(0x0080_0000) == 0x0080_0000)
        #expect(FloatFormat.fp16.flushingSubnormal(0x83FF) == 0x8000)
        #expect(FloatFormat.bf16.flushingSubnormal(0xFF81) == 0xFF81)
    }
}

/// A local SplitMix64 (FormatsTests depends on Formats only).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
