import Flow
import Cosim
import HWCore
import SparseAccel
import Designs
import Testing

@Suite struct SATConfigTests {
    @Test(arguments: [
        (SATConfig(n: 4, m: 4), "N:M needs N < M, got 4:4"),
        (SATConfig(n: 5, m: 4), "N:M needs N < M, got 5:4"),
        (SATConfig(n: 0, m: 4), "N:M needs N >= 1, got 0:4"),
        (SATConfig(n: 2, m: 6), "M must be a power of two, got 2:6"),
        (SATConfig(n: 2, m: 128), "M must be at most 64, got 2:128"),
        (SATConfig(rows: 0), "rows must be in 1...256, got 0"),
        (SATConfig(dataWidth: 0), "data width must be in 1...32, got 0"),
        (SATConfig(n: 4, m: 8, dataWidth: 16, accWidth: 33), "accumulator width 33 is narrower than one cycle's sum of 4 products (34 bits)"),
    ])
    func invalidConfigsAreRejected(_ cfg: SATConfig, _ message: String) {
        #expect(throws: ConfigError(message)) { try cfg.validate() }
        #expect(throws: ConfigError.self) { try SATArray.build(cfg) }
    }

    @Test func derivedValues() throws {
        let c = SATConfig()
        #expect(c.indexBits == 3 && c.entryBits == 11 && c.streamWidth == 16 * 2 * 11)
        #expect(c.topName == "sat_r16_c16_n2m8_d8_a32_pemixrs" && c.peName == "sat_pe_n2m8_d8_a32_pemixrs" && c.pipeline == .full)
        #expect(SATConfig(pipeline: .none).peName == "sat_pe_n2m8_d8_a32")
        #expect(SATConfig(n: 2, m: 16).indexBits == 4)
        #expect(c.idealSpeedup == 4)
        #expect(SATConfig(dataWidth: 16).accWidth == 64 && SATConfig(n: 4, m: 8, dataWidth: 11).accWidth == 32)
        #expect(SATConfig(pipeline: .full).peName == "sat_pe_n2m8_d8_a32_pemixrs")
        #expect(try PEPipeline.parse("mul+sum") == PEPipeline(afterMultiply: true, afterAdderTree: true))
        #expect(PEPipeline.full.latency == 6 && PEPipeline.none.description == "none")
        #expect(PEPipeline.full.description == "entry+mux+in+mul+route+sum" && PEPipeline.full.pipelinedMultiplier)
        #expect(try PEPipeline.parse("in+mul") == PEPipeline(beforeMultiply: true, afterMultiply: true))
        #expect(try PEPipeline.parse("mul+route") == PEPipeline(afterMultiply: true, routeProducts: true))
        #expect(try PEPipeline.parse("route").latency == 1 && PEPipeline(routeProducts: true).description == "route")
        #expect(throws: ConfigError.self) { try PEPipeline.parse("mux+fast") }
    }

    @Test func satIsTheDefaultDesign() throws {
        #expect(Designs.defaultName == "sat")
        let d = try Designs.named("sat").elaborate(DesignOptions(rows: 4, cols: 4, nm: "2:4"))
        #expect(d.top == "sat_r4_c4_n2m4_d8_a32_pemixrs")
        #expect(d.moduleNames == ["sat_index_r4_n2m4_d8", "pipelined_mul_s8_s8", "sat_pe_n2m4_d8_a32_pemixrs", "sat_r4_c4_n2m4_d8_a32_pemixrs"])
        #expect(d.manifest.modules.first { $0.name == "sat_pe_n2m4_d8_a32_pemixrs" }?.instances == 16)
        let x = try #require(d.manifest.ports.first { $0.name == "in_x" })
        #expect(x.packing?.dims == [4, 4] && x.width == 4 * 4 * 8)
    }
}

@Suite(.enabled(if: edaEnabled, edaNote)) struct SATEDATests {
    @Test(arguments: [(1, 4), (2, 4), (1, 8), (2, 8), (4, 8), (2, 16)])
    func lintCompileSynthesise(_ n: Int, _ m: Int) throws {
        let d = try Design.elaborate(try SATArray.build(SATConfig(rows: 3, cols: 2, n: n, m: m)))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test(arguments: [PEPipeline.full, PEPipeline(afterMux: true), PEPipeline(afterAdderTree: true), PEPipeline(atEntry: true)])
    func pipelinedPEsAreClean(_ p: PEPipeline) throws {
        let d = try Design.elaborate(try SATArray.build(SATConfig(rows: 3, cols: 2, n: 2, m: 8, pipeline: p)))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// The index unit's skew lines have no reset, so yosys maps them to shift-register LUTs.
    @Test func skewLinesMapToSRLs() throws {
        let d = try Designs.named("sat").elaborate(DesignOptions())
        let iu = try #require(d.moduleNames.first { $0.hasPrefix("sat_index_") })
        let r = try EDATools.yosysSynth(d.verilog, top: iu, script: "synth_xilinx -top \(iu)")
        #expect(r.result.succeeded, "\(r.result.output)")
        let srl = r.cells.filter { $0.key.hasPrefix("SRL") }.values.reduce(0, +)
        let ffs = r.cells.filter { $0.key.hasPrefix("FD") }.values.reduce(0, +)
        // 16 rows, 2 entries of 8 + 3 bits: Σ r·22 = 2640 bits of delay. The lines of rows
        // 4...15 are SRLs whole (a value line's first stage, which zeroes bubbles, is a flip-flop
        // with a synchronous reset); the flip-flops left are those first stages, rows 1-3, and
        // the one-bit tile-boundary lines (which reset).
        #expect(srl >= 12 * 2 * 11, "cells: \(r.cells)")
        #expect(ffs < 2640 / 4, "cells: \(r.cells)")
    }

    @Test func defaultSixteenBySixteenIsClean() throws {
        let d = try Designs.named("sat").elaborate(DesignOptions())
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}
