import Formats
import Testing

@Suite struct BFloat16Tests {
    /// Round to nearest even, decided independently of the implementation's bit trick: the two
    /// bf16 neighbours of x (truncation and the next pattern away from zero; past the largest
    /// finite value the neighbour is 2^128, which rounds to Inf) are compared by distance in Double.
    static func reference(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        let lo = UInt16(bits >> 16)
        if bits & 0xFFFF == 0 { return lo }
        let hi = lo &+ 1
        let d = Double(x).magnitude
        let dLo = Double(BFloat16(bitPattern: lo).float).magnitude
        let dHi = hi & 0x7FFF == 0x7F80 ? 0x1p128 : Double(BFloat16(bitPattern: hi).float).magnitude
        if d - dLo < dHi - d { return lo }
        if d - dLo > dHi - d { return hi }
        return lo & 1 == 0 ? lo : hi
    }

    @Test func roundsToNearestEven() {
        var rng = SplitMix(seed: 3)
        var checked = 0
        for i in 0..<1_000_000 {
            var bits = UInt32(truncatingIfNeeded: rng.next())
            // Every fourth value is a tie or one unit off a tie.
            if i % 4 == 0 { bits = (bits & 0xFFFF_0000) | [0x8000, 0x7FFF, 0x8001][i / 4 % 3] }
            let x = Float(bitPattern: bits)
            guard !x.isNaN else { continue }
            #expect(BFloat16(x).bitPattern == Self.reference(x), "\(x) 0x\(String(bits, radix: 16))")
            checked += 1
        }
        #expect(checked > 990_000)
    }

    @Test func boundaries() {
        #expect(BFloat16(Float(1)).bitPattern == 0x3F80)
        #expect(BFloat16(Float(bitPattern: 0x3F80_8000)).bitPattern == 0x3F80)  // tie, even stays
        #expect(BFloat16(Float(bitPattern: 0x3F81_8000)).bitPattern == 0x3F82)  // tie, odd rounds up
        #expect(BFloat16(Float(bitPattern: 0x7F7F_8000)).bitPattern == 0x7F80)  // largest finite + half ulp: Inf
        #expect(BFloat16(Float(bitPattern: 0x7F7F_7FFF)).bitPattern == 0x7F7F)
        #expect(BFloat16(-Float.infinity).bitPattern == 0xFF80)
        #expect(BFloat16(Float(bitPattern: 0x007F_FFFF)).bitPattern == 0x0080)  // subnormal rounds up to the smallest normal
        #expect(BFloat16(Float(bitPattern: 0x8000_8000)).bitPattern == 0x8000)  // tiny negative tie: -0
        #expect(BFloat16(-Float.zero).bitPattern == 0x8000)
    }

    @Test func nanStaysQuietNaN() {
        for bits: UInt32 in [0x7FC0_0000, 0x7F80_0001, 0xFF80_0001, 0x7FFF_FFFF, 0xFFC0_1234, 0x7F80_FFFF] {
            let b = BFloat16(Float(bitPattern: bits))
            #expect(b.isNaN, "0x\(String(bits, radix: 16))")
            #expect(b.bitPattern & 0x0040 != 0, "quiet bit")
            #expect(b.bitPattern & 0x8000 == UInt16(bits >> 16) & 0x8000, "sign kept")
        }
        #expect(BFloat16(Float(bitPattern: 0x7F80_0001)).bitPattern == 0x7FC0)
    }

    @Test func toFloatIsExact() {
        for p in 0...0xFFFF {
            let b = BFloat16(bitPattern: UInt16(p))
            #expect(Float(b).bitPattern == UInt32(p) << 16)
            if !b.isNaN { #expect(BFloat16(Float(b)).bitPattern == UInt16(p)) }
        }
    }
}
