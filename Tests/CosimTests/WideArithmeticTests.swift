import Flow
import Cosim
import HWCore
import TestSupport
import Testing

/// Arithmetic wider than 64 bits (multi-word Verilator ports, constants above 64 bits, slices
/// across word boundaries) matches Swift's UInt128.
@Suite(.enabled(if: verilatorEnabled, "needs verilator; run Scripts/setup"))
struct WideArithmeticTests {
    static func mask(_ w: Int) -> UInt128 { w >= 128 ? ~0 : (UInt128(1) << w) - 1 }
    static func words(_ v: UInt128) -> [UInt32] { (0..<4).map { UInt32(truncatingIfNeeded: v >> (32 * $0)) } }
    static func value(_ w: [UInt32]) -> UInt128 { w.enumerated().reduce(0) { $0 | UInt128($1.1) << (32 * $1.0) } }

    @Test func wideOperatorsMatchUInt128() throws {
        let m = Module("wide_ops")
        let a = m.input("a", .uint(100)), b = m.input("b", .uint(100)), sh = m.input("sh", .uint(7))
        let big = (UInt128(1) << 99) | 0x1234_5678_9abc_def0_1357
        let k = m.const(words: [UInt64(truncatingIfNeeded: big), UInt64(truncatingIfNeeded: big >> 64)], .uint(100))
        var refs: [(String, Int, (UInt128, UInt128, Int) -> UInt128)] = []
        func out(_ name: String, _ s: Signal, _ f: @escaping (UInt128, UInt128, Int) -> UInt128) {
            m.output(name, s.type).assign(s)
            refs.append((name, s.width, f))
        }
        out("sum", a + b) { a, b, _ in a + b }
        out("diff", a - b) { a, b, _ in a &- b }
        out("wsum", a &+ k) { a, _, _ in a &+ big }
        out("andv", a & b) { a, b, _ in a & b }
        out("xorv", a ^ k) { a, _, _ in a ^ big }
        out("lt", a < b) { a, b, _ in a < b ? 1 : 0 }
        out("eqk", a == k) { a, _, _ in a == big ? 1 : 0 }
        out("shl", a << 5) { a, _, _ in a << 5 }
        out("shr", a >> 37) { a, _, _ in a >> 37 }
        out("dshl", a.shiftedLeft(by: sh)) { a, _, s in a << s }
        out("spliced", cat(a.bits(20...75), b.bits(60...99))) { a, b, _ in ((a >> 20) & Self.mask(56)) << 40 | (b >> 60) }
        out("sel", mux(a < b, k, b)) { a, b, _ in a < b ? big : b }
        let d = try Design.elaborate(m)
        let sim = try Simulator(try ModelBuilder.build(d))
        let pa = try sim.port("a"), pb = try sim.port("b"), ps = try sim.port("sh")
        var rng = SplitMix64(seed: 0x1234_9876)
        func next() -> UInt128 { (UInt128(rng.next()) << 64 | UInt128(rng.next())) & Self.mask(100) }
        var cases: [(UInt128, UInt128, Int)] = [(0, 0, 0), (Self.mask(100), Self.mask(100), 127), (big, big, 64), (big, 1, 99)]
        for i in 0..<300 { cases.append((next(), i % 7 == 0 ? next() >> 40 : next(), Int(next() % 128))) }
        for (av, bv, s) in cases {
            sim.poke(pa, words: Self.words(av))
            sim.poke(pb, words: Self.words(bv))
            sim.poke(ps, UInt64(s))
            try sim.settle()
            for (name, w, f) in refs {
                let got = Self.value(sim.peekWords(try sim.port(name)))
                let want = f(av, bv, s) & Self.mask(w)
                #expect(got == want, "\(name)(a: \(String(av, radix: 16)), b: \(String(bv, radix: 16)), sh: \(s))")
            }
        }
        try expectLintClean(d)
    }

    func expectLintClean(_ d: Design) throws {
        guard DesignGate.missingTools.isEmpty || DesignGate.toolsRequired else { return }
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}
