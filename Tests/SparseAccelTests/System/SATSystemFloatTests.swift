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
        (["numerics": "fp8"], "--numerics expects int8, bf16 or fp16"),
        (["subnormals": "ftz"], "only with a float --numerics (bf16 or fp16)"),
        (["numerics": "bf16", "dataWidth": "8"], "16-bit operands"),
        (["numerics": "fp16", "dataWidth": "8"], "fp16 numerics take 16-bit operands"),
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

    /// A bf16 or fp16 system keeps fp32 masters (32 bits, no fraction) and its module names say
    /// its format; the int8 default is unchanged.
    @Test(arguments: ["bf16", "fp16"]) func floatDefaults(_ numerics: String) throws {
        let c = try #require(try Designs.named("sat-system").config(DesignOptions(numerics: numerics)) as? SATSystemConfig)
        try c.validate()
        #expect(c.core.dataWidth == 16 && c.core.accWidth == 32 && c.weights.masterBits == 32 && c.weights.fracBits == 0)
        #expect(c.topName.contains(numerics))
        var wrong = c
        wrong.weights = WeightNumerics()
        #expect(throws: ConfigError.self) { try wrong.validate() }
        let int = try #require(try Designs.named("sat-system").config(DesignOptions()) as? SATSystemConfig)
        #expect(int == SATSystemConfig(core: SATConfig(), memory: int.memory, denseEntries: 1024, sparseEntries: 1024, masterEntries: 64,
                                       outputEntries: 64, pregenEntries: 16))
    }
}

@Suite(.enabled(if: edaEnabled, edaNote)) struct SATSystemFloatEDATests {
    static func system(_ side: Int, _ n: Int, _ m: Int, _ subnormals: SubnormalMode, _ numerics: SATNumerics = .bf16) -> SATSystemConfig {
        SATSystemConfig(core: SATConfig(rows: side, cols: side, n: n, m: m, numerics: numerics, subnormals: subnormals),
                        memory: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 8), denseEntries: 32, sparseEntries: 32,
                        masterEntries: 16, outputEntries: 16, pregenEntries: 8, weights: .float())
    }

    /// verilator --lint-only -Wall with zero warnings and iverilog -g2005 on a 2x2 1:2 bf16 and
    /// fp16 system, IEEE and flush-to-zero (seconds; yosys is the slow gate, below).
    @Test(arguments: [SATNumerics.bf16, .fp16], [SubnormalMode.ieee, .flushToZero])
    func lintAndCompile(_ numerics: SATNumerics, _ subnormals: SubnormalMode) throws {
        let c = Self.system(2, 1, 2, subnormals, numerics)
        try c.validate()
        let d = try Design.elaborate(try SATSystem.build(c), parameters: c.parameters)
        let lint = try EDATools.verilatorLint(d.verilog, top: d.top)
        #expect(lint.succeeded && !lint.output.contains("%Warning"), "\(d.top): \(lint.output)")
        let iv = try EDATools.iverilogCompile(d.verilog, top: d.top)
        #expect(iv.succeeded && iv.output.isEmpty, "\(d.top): \(iv.output)")
    }

    /// The whole design gate (lint, iverilog, latch-free yosys synthesis) of bf16 systems: 2x2 1:2
    /// IEEE, 4x4 2:4 IEEE and FTZ, and of a 2x2 1:2 fp16 FTZ system. Synthesising the fp32 update datapath takes minutes on a
    /// loaded 2-core machine, so with HWGEN_LONG_TESTS=1.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["HWGEN_LONG_TESTS"] == "1", "HWGEN_LONG_TESTS=1"))
    func lintCompileSynthesise() throws {
        for c in [Self.system(2, 1, 2, .ieee), Self.system(4, 2, 4, .ieee), Self.system(4, 2, 4, .flushToZero),
                  Self.system(2, 1, 2, .flushToZero, .fp16)] {
            try c.validate()
            let d = try Design.elaborate(try SATSystem.build(c), parameters: c.parameters)
            let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
            #expect(problems.isEmpty, "\(d.top): \(problems.joined(separator: "\n"))")
        }
    }
}
