import Foundation
import SparseModel
import TestSupport
import Testing

@Suite struct FixedPointUpdateTests {
    /// ⌊x / 2^s + 1/2⌋ from its definition: the floor of the rational (2x + 2^s) / 2^(s+1), with an
    /// explicit floor division (Swift's `/` truncates towards zero). Small |x| only.
    private func roundHalfUp(_ x: Int64, _ s: Int) -> Int64 {
        let num = 2 * x + (Int64(1) << s), den = Int64(1) << (s + 1)
        let q = num / den
        return (num % den != 0 && num < 0) ? q - 1 : q
    }

    @Test func roundShiftIsRoundHalfUp() {
        // Table: value / 2^s → result.
        let cases: [(Int64, Int, Int64)] = [
            (5, 1, 3), (-5, 1, -2),    // ±2.5 → 3, −2 (ties towards +∞)
            (3, 1, 2), (-3, 1, -1),    // ±1.5
            (1, 1, 1), (-1, 1, 0),     // ±0.5
            (7, 2, 2), (-7, 2, -2),    // ±1.75
            (6, 2, 2), (-6, 2, -1),    // ±1.5
            (5, 2, 1), (-5, 2, -1),    // ±1.25
            (-1, 4, 0), (-8, 4, 0), (-9, 4, -1), (8, 4, 1), (7, 4, 0),
            (0, 5, 0), (123, 0, 123), (-123, 0, -123),
        ]
        for (x, s, r) in cases { #expect(roundShift(x, s) == r, "rnd_\(s)(\(x))") }
        for x in Int64(-300)...300 {
            for s in 0...10 { #expect(roundShift(x, s) == roundHalfUp(x, s), "rnd_\(s)(\(x))") }
        }
        // Extremes do not overflow.
        #expect(roundShift(.max, 1) == 1 << 62)
        #expect(roundShift(.min, 1) == -(1 << 62))
        #expect(roundShift(.max, 63) == 1 && roundShift(.min, 63) == -1)
        #expect(roundShift(.min, 0) == .min)
    }

    @Test func saturation() {
        #expect(saturate(128, bits: 8) == 127 && saturate(-129, bits: 8) == -128 && saturate(-128, bits: 8) == -128)
        #expect(saturate(.max, bits: 16) == 32767 && saturate(.min, bits: 16) == -32768 && saturate(.min, bits: 64) == .min)
    }

    @Test func formatValidationAndComputeCopy() throws {
        let f = FixedPointFormat.standard
        #expect(f.computeBits == 8 && f.fracBits == 8 && f.masterBits == 16)
        #expect(f.description == "master s16 (8 fraction bits), compute s8")
        #expect(f.computeValue(master: 256 * 5 + 127) == 5)   // 5.496 → 5
        #expect(f.computeValue(master: 256 * 5 + 128) == 6)   // 5.5 → 6
        #expect(f.computeValue(master: -256 * 5 - 128) == -5) // −5.5 → −5
        #expect(f.computeValue(master: -256 * 5 - 129) == -6)
        #expect(f.computeValue(master: 32767) == 127)         // 127.996 → 128 saturates to 127
        #expect(f.computeValue(master: 32639) == 127)         // 127.496 → 127
        #expect(f.computeValue(master: -32768) == -128)
        #expect(f.masterValue(compute: -128) == -32768 && f.masterValue(compute: 127) == 32512)
        for c in Int64(-128)...127 { #expect(f.computeValue(master: f.masterValue(compute: c)) == c) }
        let wide = try FixedPointFormat(computeBits: 8, fracBits: 4, masterBits: 20)
        #expect(wide.computeValue(master: 1 << 18) == 127 && wide.computeValue(master: -(1 << 18)) == -128)
        #expect(try FixedPointFormat(computeBits: 4, fracBits: 0).computeValue(master: -8) == -8)

        #expect(throws: SparseModelError("compute weights need 1...32 bits, got 0")) { try FixedPointFormat(computeBits: 0) }
        #expect(throws: SparseModelError("master weights need f ≥ 0 and d + f ≤ w ≤ 62, got d=8, f=8, w=15")) {
            try FixedPointFormat(computeBits: 8, fracBits: 8, masterBits: 15)
        }
        #expect(throws: SparseModelError("master weights need f ≥ 0 and d + f ≤ w ≤ 62, got d=8, f=-1, w=7")) {
            try FixedPointFormat(computeBits: 8, fracBits: -1)
        }
        #expect(throws: SparseModelError("master weights need f ≥ 0 and d + f ≤ w ≤ 62, got d=32, f=31, w=63")) {
            try FixedPointFormat(computeBits: 32, fracBits: 31)
        }

        let master = try ConvWeights<Int64>(outChannels: 1, inChannels: 2, kernelSize: 1) { _, ci, _, _ in [384, -32768][ci] }
        #expect(try f.computeCopy(of: master).storage == [2, -128])  // 1.5 → 2
        #expect(try f.master(fromCompute: try f.computeCopy(of: master)).storage == [512, -32768])
        let tooBig = try ConvWeights<Int64>(outChannels: 1, inChannels: 1, kernelSize: 1, repeating: 32768)
        #expect(throws: SparseModelError("master weight 32768 does not fit 16-bit two's complement")) { try f.computeCopy(of: tooBig) }
        #expect(throws: SparseModelError("compute weight 32768 does not fit 8-bit two's complement")) { try f.master(fromCompute: tooBig) }
    }

    @Test func updateEdgeCases() throws {
        let u = try FixedPointUpdate(format: .standard, lrShift: 4, decayShift: 3)
        // Kept weights: W − rnd_4(dW); no λ term whatever W is.
        #expect(u.updated(master: 1000, gradient: 160, pruned: false) == 990)
        #expect(u.updated(master: 1000, gradient: -8, pruned: false) == 1000)   // −0.5 → 0 (half up)
        #expect(u.updated(master: 1000, gradient: -9, pruned: false) == 1001)   // −0.5625 → −1
        #expect(u.updated(master: 1000, gradient: 8, pruned: false) == 999)     // 0.5 → 1
        #expect(u.updated(master: 1000, gradient: -1, pruned: false) == 1000)   // a floor would give 1001
        // Pruned weights also decay by rnd_3(W).
        #expect(u.updated(master: 1000, gradient: 0, pruned: true) == 875)
        #expect(u.updated(master: -1000, gradient: 0, pruned: true) == -875)
        #expect(u.updated(master: 12, gradient: 0, pruned: true) == 10)        // 1.5 → 2
        #expect(u.updated(master: -12, gradient: 0, pruned: true) == -11)      // −1.5 → −1
        #expect(u.updated(master: 3, gradient: 0, pruned: true) == 3)          // 0.375 → 0: small weights stay
        #expect(u.updated(master: -4, gradient: 0, pruned: true) == -4)        // −0.5 → 0
        #expect(u.updated(master: 4, gradient: 0, pruned: true) == 3)          // 0.5 → 1
        #expect(u.updated(master: 1000, gradient: 160, pruned: true) == 865)
        // Saturation at both ends of the 16-bit master.
        #expect(u.updated(master: 32760, gradient: -1600, pruned: false) == 32767)
        #expect(u.updated(master: -32760, gradient: 1600, pruned: false) == -32768)
        #expect(u.updated(master: -32768, gradient: 16, pruned: true) == -28673)  // −32768 + 4096 − 1
        // Gradients at the Int64 extremes saturate instead of overflowing.
        let raw = try FixedPointUpdate(format: .standard, lrShift: 0, decayShift: nil)
        #expect(raw.updated(master: 5, gradient: .min, pruned: true) == 32767)
        #expect(raw.updated(master: -5, gradient: .max, pruned: false) == -32768)
        #expect(raw.updated(master: -5, gradient: -7, pruned: true) == 2)  // no λ term at all
        let wide = try FixedPointUpdate(format: try FixedPointFormat(computeBits: 16, fracBits: 46), lrShift: 0, decayShift: 0)
        #expect(wide.updated(master: (1 << 61) - 1, gradient: .min, pruned: false) == (1 << 61) - 1)
        #expect(wide.updated(master: -(1 << 61), gradient: .max, pruned: true) == -(1 << 61))  // decay 0 → W − W = 0, then −max
        // decayShift 0 zeroes a pruned weight before the gradient step.
        #expect(wide.updated(master: 12345, gradient: 7, pruned: true) == -7)

        #expect(throws: SparseModelError("lrShift must be in 0...62, got 63")) { try FixedPointUpdate(lrShift: 63) }
        #expect(throws: SparseModelError("decayShift must be in 0...62, got -1")) { try FixedPointUpdate(decayShift: -1) }
    }

    /// The tensor form applies the scalar rule per weight, with the λ term exactly where Mf prunes.
    @Test func tensorUpdateAgainstAnIndependentRational() throws {
        var rng = SplitMix64(seed: 0xF1_0001)
        for (lr, decay) in [(0, nil), (3, 5), (9, 2), (12, 0)] as [(Int, Int?)] {
            let u = try FixedPointUpdate(format: .standard, lrShift: lr, decayShift: decay)
            let master = try ConvWeights<Int64>(outChannels: 4, inChannels: 3, kernelSize: 3) { _, _, _, _ in rng.signed(bits: 16) }
            let grad = try ConvWeights<Int64>(outChannels: 4, inChannels: 3, kernelSize: 3) { _, _, _, _ in rng.next(in: -(1 << 20)...(1 << 20)) }
            let mask = try ConvWeights<Bool>(outChannels: 4, inChannels: 3, kernelSize: 3) { _, _, _, _ in rng.below(2) == 0 }
            let out = try u.apply(master: master, gradient: grad, forwardMask: mask)
            for i in master.storage.indices {
                let m = master.storage[i]
                let d = !mask.storage[i] && decay != nil ? roundHalfUp(m, decay!) : 0
                let expected = min(max(m - d - roundHalfUp(grad.storage[i], lr), -32768), 32767)
                #expect(out.storage[i] == expected, "weight \(i)")
            }
            // All kept: no decay; all pruned: decay everywhere.
            let keep = try ConvWeights<Bool>(outChannels: 4, inChannels: 3, kernelSize: 3, repeating: true)
            let zero = try ConvWeights<Int64>(outChannels: 4, inChannels: 3, kernelSize: 3, repeating: 0)
            #expect(try u.apply(master: master, gradient: zero, forwardMask: keep) == master)
        }
    }

    @Test func codableValidates() throws {
        let u = try FixedPointUpdate(format: try FixedPointFormat(computeBits: 6, fracBits: 5, masterBits: 14), lrShift: 3, decayShift: nil)
        #expect(try JSONDecoder().decode(FixedPointUpdate.self, from: try JSONEncoder().encode(u)) == u)
        #expect(try JSONDecoder().decode(FixedPointUpdate.self, from: try JSONEncoder().encode(FixedPointUpdate.standard)) == .standard)
        let badFormat = Data(#"{"computeBits":8,"fracBits":8,"masterBits":12}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(FixedPointFormat.self, from: badFormat) }
        let badShift = Data(#"{"format":{"computeBits":8,"fracBits":8,"masterBits":16},"lrShift":70}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(FixedPointUpdate.self, from: badShift) }
    }

    @Test func tensorUpdateErrors() throws {
        let u = FixedPointUpdate.standard
        let w = try ConvWeights<Int64>(outChannels: 2, inChannels: 2, kernelSize: 1, repeating: 0)
        let g = try ConvWeights<Int64>(outChannels: 2, inChannels: 1, kernelSize: 1, repeating: 0)
        let m = try ConvWeights<Bool>(outChannels: 2, inChannels: 2, kernelSize: 3, repeating: true)
        let ok = try ConvWeights<Bool>(outChannels: 2, inChannels: 2, kernelSize: 1, repeating: true)
        #expect(throws: SparseModelError("cannot update 2x2x1x1 master weights with a 2x1x1x1 weight gradient")) {
            try u.apply(master: w, gradient: g, forwardMask: ok)
        }
        #expect(throws: SparseModelError("cannot update 2x2x1x1 master weights with a 2x2x3x3 forward mask")) {
            try u.apply(master: w, gradient: w, forwardMask: m)
        }
        let big = try ConvWeights<Int64>(outChannels: 2, inChannels: 2, kernelSize: 1, repeating: -32769)
        #expect(throws: SparseModelError("master weight -32769 does not fit 16-bit two's complement")) {
            try u.apply(master: big, gradient: w, forwardMask: ok)
        }
        #expect(u.description == "master s16 (8 fraction bits), compute s8, eta 2^-8, eta*lambda 2^-12")
    }
}
