import Cosim
import Flow
import Formats
import HWCore
import HWLib
import SparseModel
import TestSupport
import Testing

private let floatToolsEnabled = DesignGate.missingTools.isEmpty || DesignGate.toolsRequired

/// Co-simulated fp32 adders against `FloatReference.add` (Swift's Float arithmetic).
@Suite(.enabled(if: floatToolsEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct FloatAdderTests {
    static let configs: [FloatAdder.Config] = [
        .init(subnormals: .ieee), .init(subnormals: .flushToZero),
        .init(subnormals: .ieee, registers: [.prepare, .normalize, .round]),
        .init(subnormals: .flushToZero, registers: [.normalize]),
    ]

    @Test(arguments: configs)
    func emittedVerilogPassesTheEDAGates(_ c: FloatAdder.Config) throws {
        let d = try Design.elaborate(try FloatAdder.build(c), parameters: c.parameters)
        #expect(d.top == FloatAdder.moduleName(c))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(d.top):\n\(problems.joined(separator: "\n"))")
    }

    @Test(arguments: configs)
    func specialsPlusSpecials(_ c: FloatAdder.Config) throws {
        let s = FloatPatterns.specials(.fp32)
        let d = try Design.elaborate(try FloatAdder.build(c))
        let r = try cosimFloatBlock(d, latency: c.latency, count: s.count * s.count, name: d.top,
                                    next: { (s[$0 / s.count], s[$0 % s.count]) },
                                    golden: { FloatReference.add($0, $1, subnormals: c.subnormals) })
        #expect(r.pairs == s.count * s.count)
        #expect(r.mismatches == 0, "\(r.mismatches) of \(r.pairs) differ:\n\(r.report)")
    }

    /// ≥ 10^5 pairs (HWGEN_FLOAT_PAIRS for more), weighted towards cancellation and alignment.
    @Test(arguments: configs)
    func randomPairs(_ c: FloatAdder.Config) throws {
        var rng = SplitMix64(seed: 0xADD &+ UInt64(c.latency) &* 7 &+ (c.subnormals == .ieee ? 0 : 1))
        let d = try Design.elaborate(try FloatAdder.build(c))
        let count = c.registers.isEmpty ? floatPairs : 20_000
        let r = try cosimFloatBlock(d, latency: c.latency, count: count, name: d.top, next: { _ in FloatPatterns.addPair(&rng) },
                                    golden: { FloatReference.add($0, $1, subnormals: c.subnormals) })
        #expect(r.pairs == count)
        #expect(r.mismatches == 0, "\(r.mismatches) of \(r.pairs) differ:\n\(r.report)")
        print("\(d.top): \(r.pairs) random pairs, \(r.mismatches) mismatches, \(Int(Double(r.pairs) / max(r.seconds, 1e-9))) pairs/s")
    }

    @Test func namesAndDeterminism() throws {
        let c = FloatAdder.Config(subnormals: .flushToZero, registers: [.normalize])
        #expect(FloatAdder.moduleName(c) == "fadd_fp32_ftz_reg2")
        // One call site: source locations are part of the text.
        func emit() throws -> Design { try Design.elaborate(try FloatAdder.build(c), parameters: c.parameters) }
        let d = try emit()
        for name in ["swap", "align_dist", "aligned", "subtract", "prepare_sig", "normalize_sig_q", "rnd_rounded", "round_result"] {
            #expect(d.verilog.contains(name), "missing \(name)")
        }
        #expect(try emit().verilog == d.verilog, "emission is deterministic")
    }
}
