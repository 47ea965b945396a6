import Designs
import HWCore
import SparseAccel
import Testing

@Suite struct RegistryTests {
    @Test func satIsTheDefaultAndEveryDesignIsListed() {
        #expect(Designs.defaultName == "sat")
        #expect(Designs.all.map(\.name) == ["sat", "sat-system", "osarray", "sps", "sps-system", "sparsetrain", "sparsetrain-system"])
        for d in Designs.all {
            #expect(d.workloads == (d.name == "sat-system" ? ["layer"] : ["sps", "sps-system", "sparsetrain", "sparsetrain-system"].contains(d.name) ? ["conv"] : ["gemm"]))
            #expect(d.parameters.first?.knob == .pe)
        }
    }

    @Test func unknownDesign() {
        #expect(throws: ConfigError("unknown design 'nope' (available: sat, sat-system, osarray, sps, sps-system, sparsetrain, sparsetrain-system)")) { try Designs.named("nope") }
    }

    @Test func optionsADesignDoesNotTakeAreRejected() throws {
        let os = try Designs.named("osarray")
        #expect(throws: ConfigError("--nm does not apply to design 'osarray' (it takes --pe, --data-width, --acc-width)")) {
            try os.elaborate(DesignOptions(nm: "9:4"))
        }
        #expect(throws: ConfigError.self) { try os.elaborate(DesignOptions(pipeline: "full")) }
    }

    @Test func defaultsAndDerivedAccumulatorWidth() throws {
        let sat = try Designs.named("sat")
        let c = try #require(try sat.config(DesignOptions()) as? SATConfig)
        #expect(c == SATConfig())
        // A wide operand gets a wide enough accumulator by default.
        let wide = try #require(try sat.config(DesignOptions(dataWidth: 16)) as? SATConfig)
        #expect(wide.accWidth == 64)
        let os = try #require(try Designs.named("osarray").config(DesignOptions(dataWidth: 16)) as? OSArrayConfig)
        #expect(os.accWidth == 64)
        #expect(try Designs.named("osarray").elaborate(DesignOptions(rows: 2, cols: 2, dataWidth: 32)).top == "osarray_r2_c2_d32_a64")
        #expect(throws: ConfigError("data width must be in 1...32, got 33")) { try Designs.named("osarray").config(DesignOptions(dataWidth: 33)) }
    }

    @Test func invalidValuesAreConfigErrors() throws {
        let sat = try Designs.named("sat")
        #expect(throws: ConfigError("N:M needs N < M, got 9:4")) { try sat.config(DesignOptions(nm: "9:4")) }
        #expect(throws: ConfigError("--nm expects N:M (e.g. 2:8), got '2-8'")) { try sat.config(DesignOptions(nm: "2-8")) }
        #expect(throws: ConfigError.self) { try sat.config(DesignOptions(pipeline: "fast")) }
        #expect(throws: ConfigError("rows must be in 1...256, got 0")) { try sat.config(DesignOptions(rows: 0, cols: 16)) }
    }

    @Test func elaboratesThroughTheRegistry() throws {
        let d = try Designs.named("sat").elaborate(DesignOptions(rows: 4, cols: 4, nm: "2:4", pipeline: "mul"))
        #expect(d.top == "sat_r4_c4_n2m4_d8_a32_px")
        #expect(d.manifest.parameters["pipeline"] == .string("mul"))
    }
}
