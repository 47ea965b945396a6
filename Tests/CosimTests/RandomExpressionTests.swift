import Flow
import Cosim
import HWCore
import TestSupport
import Testing

/// Random well-typed expression DAGs (nested operators, shared subexpressions that need
/// temporaries, slices of expressions, extensions) emitted to Verilog, simulated on Verilator
/// and compared with the same expressions evaluated on Swift integers.
@Suite(.enabled(if: verilatorEnabled, "needs verilator; run Scripts/setup"))
struct RandomExpressionTests {
    /// A DSL signal paired with its Swift evaluator (value as a mathematical integer).
    struct Term {
        let signal: Signal
        let eval: ([Int]) -> Int
        var type: BitsType { signal.type }
    }

    /// Two's complement reinterpretation of `v` in `t`.
    static func wrap(_ v: Int, _ t: BitsType) -> Int {
        let w = t.width
        let m = v & ((1 << w) - 1)
        return t.signed && (m >> (w - 1)) & 1 == 1 ? m - (1 << w) : m
    }

    static func build(seed: UInt64, outputs: Int) -> (Module, [Term], [BitsType]) {
        var rng = SplitMix64(seed: seed)
        let m = Module("rand_\(seed)")
        let inputTypes: [BitsType] = [.uint(7), .uint(12), .sint(9), .sint(5), .uint(1), .sint(16)]
        var pool: [Term] = inputTypes.enumerated().map { i, t in
            Term(signal: m.input("in\(i)", t), eval: { $0[i] })
        }
        func pick() -> Term { pool[pool.count - 1 - rng.below(min(pool.count, 8))] }
        func fits(_ t: Term) -> Bool { t.type.width <= 40 }
        var results: [Term] = []
        while results.count < outputs {
            let a = pick(), b = pick()
            // x ^ x, x < x ...: constant results a user would be warned about; not what this tests.
            let probes = [[1, 2, 3, 4, 0, 5], [3, 1, -2, 7, 1, -9]]
            if a.type == b.type && probes.allSatisfy({ a.eval($0) == b.eval($0) }) { continue }
            var made: Term?
            switch rng.below(12) {
            case 0 where a.type.signed == b.type.signed:
                let s = a.signal + b.signal
                made = Term(signal: s, eval: { a.eval($0) + b.eval($0) })
            case 1 where a.type.signed == b.type.signed:
                let s = a.signal - b.signal
                made = Term(signal: s, eval: { a.eval($0) - b.eval($0) })
            case 2 where a.type.signed == b.type.signed && a.type.width + b.type.width <= 40:
                let s = a.signal * b.signal
                made = Term(signal: s, eval: { a.eval($0) * b.eval($0) })
            case 3 where a.type.signed == b.type.signed:
                let s = a.signal &+ b.signal
                let t = s.type
                made = Term(signal: s, eval: { Self.wrap(a.eval($0) + b.eval($0), t) })
            case 4:
                // Bitwise on equal types: bring b to a's type first.
                let bb = b.type.width >= a.type.width ? b.signal.truncated(to: a.type.width) : b.signal.extended(to: a.type.width)
                let bs = a.type.signed ? bb.asSInt : bb.asUInt
                let t = a.type
                let bEval: ([Int]) -> Int = { Self.wrap(b.eval($0), BitsType(width: min(b.type.width, t.width), signed: b.type.signed)) }
                if rng.below(2) == 0 {
                    made = Term(signal: a.signal ^ bs, eval: { Self.wrap(a.eval($0) ^ bEval($0), t) })
                } else {
                    made = Term(signal: a.signal & bs, eval: { Self.wrap(a.eval($0) & bEval($0), t) })
                }
            case 5 where a.type.signed == b.type.signed:
                let s = mux(a.signal < b.signal, a.signal.extended(to: max(a.type.width, b.type.width)), b.signal.extended(to: max(a.type.width, b.type.width)))
                made = Term(signal: s, eval: { min(a.eval($0), b.eval($0)) })
            case 6 where a.type.width + b.type.width <= 40:
                let s = cat(a.signal, b.signal)
                let bw = b.type.width
                made = Term(signal: s, eval: { (Self.wrap(a.eval($0), .uint(a.type.width)) << bw) | Self.wrap(b.eval($0), .uint(bw)) })
            case 7 where a.type.width >= 3:
                let lo = rng.below(a.type.width - 1), hi = lo + 1 + rng.below(a.type.width - lo - 1)
                let s = a.signal.bits(lo...hi)
                made = Term(signal: s, eval: { (Self.wrap(a.eval($0), .uint(a.type.width)) >> lo) & ((1 << (hi - lo + 1)) - 1) })
            case 8:
                let s = ~a.signal
                let t = a.type
                made = Term(signal: s, eval: { Self.wrap(~a.eval($0), t) })
            case 9:
                let n = 1 + rng.below(4)
                let s = rng.below(2) == 0 ? a.signal << n : a.signal >> n
                if s.width > a.type.width {
                    made = Term(signal: s, eval: { a.eval($0) << n })
                } else {
                    made = Term(signal: s, eval: { n >= a.type.width && !a.type.signed ? 0 : a.eval($0) >> min(n, a.type.width - 1) })
                }
            case 10:
                let s = -a.signal
                made = Term(signal: s, eval: { -a.eval($0) })
            case 11 where a.type.signed == b.type.signed:
                let s = mux(a.signal == b.signal, a.signal.orReduce(), b.signal.xorReduce())
                made = Term(signal: s, eval: { a.eval($0) == b.eval($0) ? (a.eval($0) != 0 ? 1 : 0) : (Self.wrap(b.eval($0), .uint(b.type.width)).nonzeroBitCount & 1) })
            default:
                break
            }
            guard let t = made, fits(t) else { continue }
            pool.append(t)
            if rng.below(3) == 0 { results.append(t) }
        }
        var types: [BitsType] = []
        for (i, r) in results.enumerated() {
            m.output("out\(i)", r.type).assign(r.signal)
            types.append(r.type)
        }
        return (m, results, inputTypes)
    }

    /// Odd seeds check the simulation style, even ones the synthesis style.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func randomExpressionsMatchSwift(_ seed: UInt64) throws {
        let (m, terms, inputTypes) = Self.build(seed: seed, outputs: 24)
        let d = try Design.elaborate(m, style: seed % 2 == 1 ? .simulation : .synthesis)
        let sim = try Simulator(try ModelBuilder.build(d))
        let ins = try inputTypes.indices.map { try sim.port("in\($0)") }
        let outs = try terms.indices.map { try sim.port("out\($0)") }
        var rng = SplitMix64(seed: seed &* 977)
        for _ in 0..<200 {
            let values = inputTypes.map { t -> Int in
                let raw = Int(rng.next() & ((1 << UInt64(t.width)) - 1))
                return Self.wrap(raw, t)
            }
            for (p, v) in zip(ins, values) { sim.poke(p, UInt64(bitPattern: Int64(v))) }
            try sim.settle()
            for (i, (p, t)) in zip(outs, terms).enumerated() {
                let want = UInt64(bitPattern: Int64(t.eval(values))) & ((1 << UInt64(t.type.width)) - 1)
                #expect(sim.peek(p) == want, "seed \(seed) out\(i) (\(t.type)) for inputs \(values)")
            }
        }
        if DesignGate.missingTools.isEmpty || DesignGate.toolsRequired {
            let lint = try EDATools.verilatorLint(d.verilog, top: d.top)
            #expect(lint.succeeded && !lint.output.contains("%Warning"), "\(lint.output)")
        }
    }
}
