import Designs
import Flow
import Formats
import Foundation
import HWCore
import HWLib
import SparseAccel
import Testing

/// The bf16 SAT training system: configuration rules and the design gates.
@Suite struct SATSystemFloatConfigTests {
    /// Unsupported float combinations are one-line config errors, never traps.
    @Test(arguments: [
        (["numerics": "fp16"], "int8 or bf16"),
        (["subnormals": "ftz"], "only with --numerics bf16"),
        (["numerics": "bf16", "dataWidth": "8"], "16-bit operands"),
    ])
    func unsupportedCombinationsAreErrors(_ knobs: [String: String], _ message: String) throws {
        let o = DesignOptions(dataWidth: knobs["dataWidth"].flatMap { Int($0) }, numerics: knobs["numerics"], subnormals: knobs["subnormals"])
        let entry = try Designs.named("sat-system")
        var thrown: String?
        do {
            let c = try entry.config(o)
            try c.validate()
        } catch let e as ConfigError { thrown = e.message }
        #expect(thrown?.contains(message) == true, "\(knobs): \(thrown ?? "no error")")
    }

    /// A bf16 system keeps fp32 masters (32 bits, no fraction) and its module names say bf16;
    /// the int8 default is unchanged.
    @Test func floatDefaults() throws {
        let c = try #require(try Designs.named("sat-system").config(DesignOptions(numerics: "bf16")) as? SATSystemConfig)
        try c.validate()
        #expect(c.core.dataWidth == 16 && c.core.accWidth == 32 && c.weights.masterBits == 32 && c.weights.fracBits == 0)
        #expect(c.topName.contains("bf16"))
        var wrong = c
        wrong.weights = WeightNumerics()
        #expect(throws: ConfigError.self) { try wrong.validate() }
        let int = try #require(try Designs.named("sat-system").config(DesignOptions()) as? SATSystemConfig)
        #expect(int == SATSystemConfig(core: SATConfig(), memory: int.memory, denseEntries: 1024, sparseEntries: 1024, masterEntries: 64,
                                       outputEntries: 64, pregenEntries: 16))
    }
}

@Suite(.enabled(if: edaEnabled, edaNote)) struct SATSystemFloatEDATests {
    /// verilator --lint-only -Wall (no warnings), iverilog -g2005 and a latch-free yosys
    /// synthesis of a bf16 system: a 2x2 1:2 one with IEEE subnormals by default (the float
    /// units make synthesis slow), a 4x4 2:4 one with flush-to-zero as well with HWGEN_LONG_TESTS=1.
    @Test func lintCompileSynthesise() throws {
        var configs = [(2, 1, 2, SubnormalMode.ieee)]
        if ProcessInfo.processInfo.environment["HWGEN_LONG_TESTS"] == "1" { configs += [(4, 2, 4, .ieee), (4, 2, 4, .flushToZero)] }
        for (side, n, m, subnormals) in configs {
            let c = SATSystemConfig(core: SATConfig(rows: side, cols: side, n: n, m: m, numerics: .bf16, subnormals: subnormals),
                                    memory: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 8), denseEntries: 32, sparseEntries: 32,
                                    masterEntries: 16, outputEntries: 16, pregenEntries: 8, weights: .float())
            try c.validate()
            let d = try Design.elaborate(try SATSystem.build(c), parameters: c.parameters)
            let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
            #expect(problems.isEmpty, "\(d.top): \(problems.joined(separator: "\n"))")
        }
    }
}
