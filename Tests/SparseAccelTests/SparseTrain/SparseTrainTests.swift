import Designs
import Flow
import HWCore
import SparseAccel
import Testing

@Suite struct SparseTrainConfigTests {
    @Test func namesPortsAndDeterminism() throws {
        let d = try Designs.named("sparsetrain").elaborate(DesignOptions(rows: 2, cols: 3))
        #expect(d.top == "sparsetrain_r2_c3_d16_a48_k8_p16")
        #expect(d.manifest.modules.first { $0.name.hasPrefix("sparsetrain_cell_") }?.instances == 6)
        let again = try Designs.named("sparsetrain").elaborate(DesignOptions(rows: 2, cols: 3))
        #expect(d.verilog == again.verilog)
        #expect(d.manifest.ports.contains { $0.name == "cycles" && $0.width == 32 })
    }

    @Test func invalidConfigsAreErrors() {
        #expect(throws: ConfigError.self) { try SparseTrainConfig(rows: 0).validate() }
        #expect(throws: ConfigError.self) { try SparseTrainConfig(dataWidth: 16, accWidth: 24).validate() }
        #expect(throws: ConfigError.self) { try SparseTrainConfig(outputs: 12).validate() }
        #expect(throws: ConfigError.self) { try SparseTrainConfig(taps: 17).validate() }
        #expect(throws: ConfigError.self) { try SparseTrainConfig(slots: 0).validate() }
        #expect(throws: ConfigError.self) { try SparseTrainPrunerConfig(lanes: 0).validate() }
        #expect(throws: ConfigError.self) { try Designs.named("sparsetrain").elaborate(DesignOptions(nm: "2:8")) }
    }
}

@Suite(.enabled(if: edaEnabled, edaNote)) struct SparseTrainEDATests {
    @Test func arrayLintsCompilesAndSynthesises() throws {
        let d = try Design.elaborate(try SparseTrainArray.build(SparseTrainConfig(rows: 1, cols: 2, taps: 3, outputs: 4, depth: 16, slots: 4)))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func prunerLintsCompilesAndSynthesises() throws {
        let d = try Design.elaborate(try SparseTrainPruner.build(SparseTrainPrunerConfig(lanes: 1)))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}
