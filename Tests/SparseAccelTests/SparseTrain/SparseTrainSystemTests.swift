import Designs
import Flow
import HWCore
import HWLib
import SparseAccel
import Testing

@Suite struct SparseTrainSystemConfigTests {
    @Test func namesAndDeterminism() throws {
        let d = try Designs.named("sparsetrain-system").elaborate(DesignOptions(rows: 2, cols: 2, memWidth: 256))
        #expect(d.top == "st_system_r2_c2_d16_a48_k8_p16_m256")
        #expect(d.manifest.modules.contains { $0.name.hasPrefix("st_dispatch_") })
        #expect(d.manifest.modules.contains { $0.name.hasPrefix("sparsetrain_cell_") && $0.name.hasSuffix("_b2") })
        // No master-weight or pre-generated-weight buffer.
        #expect(!d.manifest.modules.contains { $0.name.hasPrefix("st_mbuf") || $0.name.hasPrefix("st_pbuf") })
        let again = try Designs.named("sparsetrain-system").elaborate(DesignOptions(rows: 2, cols: 2, memWidth: 256))
        #expect(d.verilog == again.verilog)
        #expect(d.manifest.ports.contains { $0.name == "sync_done" })
    }

    @Test func invalidConfigsAreErrors() {
        #expect(throws: ConfigError.self) { try SparseTrainSystemConfig(array: SparseTrainConfig(depth: 256, slots: 16, banks: 1)).validate() }
        #expect(throws: ConfigError.self) { try SparseTrainSystemConfig(array: SparseTrainConfig(depth: 200, slots: 16, banks: 2)).validate() }
        #expect(throws: ConfigError.self) { try SparseTrainConfig(banks: 3).validate() }
        #expect(throws: ConfigError.self) { try SparseTrainSystemConfig(memory: MemoryPortSpec(addrBits: 32, dataBits: 48, maxBeats: 8)).validate() }
        // An XBUF entry of 64 PEs' words is more than 255 beats of 32 bits.
        #expect(throws: ConfigError.self) {
            try SparseTrainSystemConfig(array: SparseTrainConfig(rows: 8, cols: 8, depth: 256, slots: 16, banks: 2),
                                        memory: MemoryPortSpec(addrBits: 32, dataBits: 32, maxBeats: 8), oEntries: 2048).validate()
        }
        #expect(throws: ConfigError.self) { try Designs.named("sparsetrain-system").elaborate(DesignOptions(nm: "2:8")) }
        #expect(throws: ConfigError.self) { try SparseTrainBankedArray.build(SparseTrainConfig(rows: 1, cols: 1)) }
    }
}

@Suite(.enabled(if: edaEnabled, edaNote)) struct SparseTrainSystemEDATests {
    @Test func systemLintsCompilesAndSynthesises() throws {
        let c = SparseTrainSystemConfig(array: SparseTrainConfig(rows: 1, cols: 2, taps: 3, outputs: 4, depth: 8, slots: 2, banks: 2),
                                        memory: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 4), xEntries: 16, wEntries: 2, oEntries: 8)
        let d = try Design.elaborate(try SparseTrainSystem.build(c), parameters: c.parameters)
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}
