import Cosim
import Flow
import Formats
import HWCore
import HWLib
import SparseModel
import TestSupport
import Testing

private let floatToolsEnabled = DesignGate.missingTools.isEmpty || DesignGate.toolsRequired

/// Co-simulated multipliers against `FloatReference.multiply` (Swift's Float arithmetic).
@Suite(.enabled(if: floatToolsEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct FloatMultiplierTests {
    static let combinational: [FloatMultiplier.Config] = FloatFormat.allCases.flatMap { f in
        SubnormalMode.allCases.map { FloatMultiplier.Config(format: f, subnormals: $0) }
    }
    static let pipelined: [FloatMultiplier.Config] = [
        .init(format: .bf16, subnormals: .ieee, registers: [.prepare, .normalize, .round]),
        .init(format: .fp32, subnormals: .ieee, registers: [.prepare, .normalize]),
        .init(format: .fp16, subnormals: .flushToZero, registers: [.round]),
    ]

    @Test(arguments: combinational + pipelined)
    func emittedVerilogPassesTheEDAGates(_ c: FloatMultiplier.Config) throws {
        let d = try Design.elaborate(try FloatMultiplier.build(c), parameters: c.parameters)
        #expect(d.top == FloatMultiplier.moduleName(c))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(d.top):\n\(problems.joined(separator: "\n"))")
    }

    @Test(arguments: combinational + pipelined)
    func specialsTimesSpecials(_ c: FloatMultiplier.Config) throws {
        let s = FloatPatterns.specials(c.format)
        let d = try Design.elaborate(try FloatMultiplier.build(c))
        let r = try cosimFloatBlock(d, latency: c.latency, count: s.count * s.count, name: d.top,
                                    next: { (s[$0 / s.count], s[$0 % s.count]) },
                                    golden: { FloatReference.multiply($0, $1, c.format, subnormals: c.subnormals) })
        #expect(r.pairs == s.count * s.count)
        #expect(r.mismatches == 0, "\(r.mismatches) of \(r.pairs) differ:\n\(r.report)")
    }

    /// ≥ 10^5 pairs per configuration (HWGEN_FLOAT_PAIRS for more); for bf16 the first operand
    /// walks through all 2^16 patterns in turn against random second operands.
    @Test(arguments: combinational + pipelined)
    func randomPairs(_ c: FloatMultiplier.Config) throws {
        var rng = SplitMix64(seed: 0xF1 &+ UInt64(c.format.width) &* 31 &+ UInt64(c.latency) &* 7 &+ (c.subnormals == .ieee ? 0 : 1))
        let d = try Design.elaborate(try FloatMultiplier.build(c))
        let count = c.registers.isEmpty ? floatPairs : 20_000
        let r = try cosimFloatBlock(d, latency: c.latency, count: count, name: d.top, next: { i in
            var (a, b) = FloatPatterns.multiplyPair(c.format, &rng)
            if c.format == .bf16, i % 2 == 0 { a = UInt32(i / 2 & 0xFFFF) }
            return (a, b)
        }, golden: { FloatReference.multiply($0, $1, c.format, subnormals: c.subnormals) })
        #expect(r.pairs == count)
        #expect(r.mismatches == 0, "\(r.mismatches) of \(r.pairs) differ:\n\(r.report)")
        print("\(d.top): \(r.pairs) random pairs, \(r.mismatches) mismatches, \(Int(Double(r.pairs) / max(r.seconds, 1e-9))) pairs/s")
    }

    @Test func verilogNamesStagesAndPorts() throws {
        let c = FloatMultiplier.Config(format: .bf16, subnormals: .ieee, registers: [.prepare, .round])
        #expect(FloatMultiplier.moduleName(c) == "fmul_bf16_ieee_reg13")
        #expect(FloatMultiplier.moduleName(.init(format: .fp32, subnormals: .flushToZero)) == "fmul_fp32_ftz")
        #expect(c.latency == 2)
        // One call site: source locations are part of the text.
        func emit() throws -> Design { try Design.elaborate(try FloatMultiplier.build(c), parameters: c.parameters) }
        let d = try emit()
        for name in ["a_sig", "b_exp", "prepare_sig_q", "prepare_nan_q", "norm_lz", "normalize_field_m1", "rnd_round_up", "round_result_q"] {
            #expect(d.verilog.contains(name), "missing \(name)")
        }
        #expect(!d.verilog.contains("rst"), "datapath registers need no reset")
        let ports = Dictionary(uniqueKeysWithValues: d.manifest.ports.map { ($0.name, $0.width) })
        #expect(ports["a"] == 16 && ports["b"] == 16 && ports["result"] == 32)
        #expect(try emit().verilog == d.verilog, "emission is deterministic")
    }
}

/// Misuse of the inline builders: one-line errors naming the caller's file and line.
struct FloatBlockMisuseTests {
    @Test func wrongOperandWidthThrowsAtTheCallersLine() throws {
        let m = Module("bad_fmul")
        let a = m.input("a", .uint(16)), b = m.input("b", .uint(32))
        let line = #line + 1
        let e = try #require(throws: HWLibError.self) { _ = try FloatMultiplier.multiply(a, b, .init(format: .fp32), name: "m") }
        #expect(e.message.contains("FloatMultiplierTests.swift:\(line)"), "\(e.message)")
        #expect(e.message.contains("fp32 needs UInt(32), got UInt(16)"), "\(e.message)")
        #expect(!e.message.contains("\n"))
        let s = m.input("s", .sint(32))
        #expect(throws: HWLibError.self) { _ = try FloatAdder.add(s, b, .init(), name: "x") }
    }

    @Test func operandsOfDifferentModulesThrow() throws {
        let m1 = Module("one"), m2 = Module("two")
        let a = m1.input("a", .uint(32)), b = m2.input("b", .uint(32))
        let e = try #require(throws: HWLibError.self) { _ = try FloatAdder.add(a, b, .init(), name: "acc") }
        #expect(e.message.contains("operands belong to modules 'one' and 'two'"), "\(e.message)")
        #expect(throws: HWLibError.self) { _ = try FloatMultiplier.multiply(a, b, .init(format: .fp32), name: "p") }
    }
}
