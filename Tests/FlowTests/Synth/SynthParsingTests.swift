import Foundation
import Testing
@testable import Flow

/// The FPGA flow's parsers and tables, on text captured from the real tools (yosys 0.23,
/// nextpnr-ecp5 0.11).
@Suite struct SynthParsingTests {
    @Test func cellNamesMapToCategoriesPerTarget() {
        #expect(ResourceKind.classify("LUT4", target: .ecp5) == .lut)
        #expect(ResourceKind.classify("TRELLIS_FF", target: .ecp5) == .ff)
        #expect(ResourceKind.classify("CCU2C", target: .ecp5) == .carry)
        #expect(ResourceKind.classify("MULT18X18D", target: .ecp5) == .dsp)
        #expect(ResourceKind.classify("DP16KD", target: .ecp5) == .bram)
        #expect(ResourceKind.classify("TRELLIS_DPR16X4", target: .ecp5) == .lutram)
        #expect(ResourceKind.classify("PFUMX", target: .ecp5) == .other)
        #expect(ResourceKind.classify("SB_DFFESR", target: .ice40) == .ff)
        #expect(ResourceKind.classify("SB_RAM40_4K", target: .ice40) == .bram)
        #expect(ResourceKind.classify("SB_MAC16", target: .ice40) == .dsp)
        #expect(ResourceKind.classify("LUT6", target: .xilinx) == .lut)
        #expect(ResourceKind.classify("FDRE", target: .xilinx) == .ff)
        #expect(ResourceKind.classify("SRLC32E", target: .xilinx) == .lutram)
        #expect(ResourceKind.classify("RAM64M", target: .xilinx) == .lutram)
        #expect(ResourceKind.classify("RAMB36E1", target: .xilinx) == .bram)
        #expect(ResourceKind.classify("DSP48E1", target: .xilinx) == .dsp)
        #expect(ResourceKind.classify("$_SDFFE_PP0P_", target: .generic) == .ff)
        #expect(ResourceKind.classify("$_DLATCH_P_", target: .generic) == .other)
        #expect(ResourceKind.classify("$_XOR_", target: .generic) == .lut)
        // A cell of another family is not silently counted as a LUT.
        #expect(ResourceKind.classify("LUT4", target: .ice40) == .other)
    }

    static let stat = """
    === sat_pe ===

       Number of wires:                313
       Number of cells:                506
         CCU2C                          25
         LUT4                          239
         MULT18X18D                      2
         PFUMX                          96
         TRELLIS_FF                    128

    === top ===

       Number of wires:                828
       Number of cells:               1042
         LUT4                          512
         TRELLIS_FF                    129
         sat_pe                         16

    === design hierarchy ===

       top                               1
         sat_pe                         16

       Number of wires:               5955
       Number of cells:               9327
         CCU2C                         400
         LUT4                         4336
         MULT18X18D                     32
         PFUMX                        1536
         TRELLIS_FF                   2177

    """

    @Test func resourceTableHasInstancesPerModuleAndTheTotal() {
        let t = ResourceTable.parse(stat: Self.stat, top: "top", target: .ecp5, seconds: 1)
        #expect(t.modules.map(\.name) == ["top", "sat_pe"])
        let pe = t.modules[1]
        #expect(pe.instances == 16)
        #expect(pe.perInstance[.lut] == 239 && pe.perInstance[.ff] == 128 && pe.perInstance[.carry] == 25 && pe.perInstance[.dsp] == 2)
        #expect(pe.perInstance[.other] == 96)
        #expect(t.total[.lut] == 4336 && t.total[.dsp] == 32 && t.total[.ff] == 2177)
        // The total is the per-instance rows expanded.
        let expanded = t.modules.map { $0.perInstance.times($0.instances) }.reduce(ResourceCount(), +)
        #expect(expanded == t.total)
        #expect(t.latches == 0)
        let json = SynthSummary(design: "sat", parameters: [:], resources: t, pnr: nil).json
        #expect(json.contains("\"lut\" : 4336"))
        #expect(json.contains("\"lutram\" : 0"))
    }

    /// yosys prints a nested module's count per instance of its parent.
    @Test func nestedHierarchyCountsMultiplyThroughEveryParent() {
        let stat = """
        === design hierarchy ===

           top                               1
             sat_index                       1
             sat_pe                         16
               mul                           2
             edge_pe                         4
               mul                           1

           Number of wires:               5955
        """
        let counts = ResourceTable.parseHierarchy(stat, top: "top")
        #expect(counts == ["top": 1, "sat_index": 1, "sat_pe": 16, "edge_pe": 4, "mul": 36])
    }

    static let report = """
    {"critical_paths": [
      {"from": "<async>", "to": "posedge clk", "path": [{"delay": 9.0, "type": "routing", "net": "in_x[3]",
        "from": {"cell": "in_x", "port": "O"}, "to": {"cell": "pe_0_0.x_q_3_TRELLIS_FF_Q", "port": "DI"}}]},
      {"from": "posedge clk", "to": "posedge clk", "path": [
        {"delay": 0.525, "type": "clk-to-q", "from": {"cell": "index_unit.idx_2_1_1_TRELLIS_FF_Q", "port": "Q"}, "to": {"cell": "index_unit.idx_2_1_1_TRELLIS_FF_Q", "port": "Q"}},
        {"delay": 1.474, "type": "routing", "net": "index_unit_row_idx[17]", "from": {"cell": "index_unit.idx_2_1_1_TRELLIS_FF_Q", "port": "Q"}, "to": {"cell": "pe_2_0.sel_1_L6MUX21_Z_6_SD_PFUMX_Z_ALUT_LUT4_Z", "port": "D"}},
        {"delay": 0.236, "type": "logic", "from": {"cell": "pe_2_0.sel_1_L6MUX21_Z_6_SD_PFUMX_Z_ALUT_LUT4_Z", "port": "D"}, "to": {"cell": "pe_2_0.sel_1_L6MUX21_Z_6_SD_PFUMX_Z_ALUT_LUT4_Z", "port": "F"}},
        {"delay": 2.715, "type": "routing", "net": "pe_2_0.sel_1[0]", "from": {"cell": "pe_2_0.sel_1_L6MUX21_Z_6_D1_PFUMX_Z_ALUT_LUT4_Z", "port": "OFX"}, "to": {"cell": "pe_2_0.prod_1_MULT18X18D_P0", "port": "B0"}},
        {"delay": 3.927, "type": "logic", "from": {"cell": "pe_2_0.prod_1_MULT18X18D_P0", "port": "B0"}, "to": {"cell": "pe_2_0.prod_1_MULT18X18D_P0", "port": "P2"}},
        {"delay": 2.428, "type": "routing", "net": "pe_2_0.prod_1[2]", "from": {"cell": "pe_2_0.prod_1_MULT18X18D_P0", "port": "P2"}, "to": {"cell": "pe_2_0.sum_CCU2C_S0_3$CCU2_COMB0", "port": "A"}},
        {"delay": 0.447, "type": "logic", "from": {"cell": "pe_2_0.sum_CCU2C_S0_3$CCU2_COMB0", "port": "A"}, "to": {"cell": "pe_2_0.sum_CCU2C_S0_3$CCU2_COMB0", "port": "FCO"}},
        {"delay": 0.864, "type": "routing", "net": "x", "from": {"cell": "pe_2_0.sum_CCU2C_B0_5$CCU2_COMB1", "port": "F"}, "to": {"cell": "pe_2_0.acc_q_TRELLIS_FF_Q_2_DI_LUT4_Z", "port": "C"}},
        {"delay": 0.13, "type": "routing", "net": "y", "from": {"cell": "pe_2_0.acc_q_TRELLIS_FF_Q_2_DI_LUT4_Z", "port": "F"}, "to": {"cell": "pe_2_0.acc_q_TRELLIS_FF_Q_2", "port": "DI"}}
      ]}],
     "fmax": {"clk": {"achieved": 55.70720291137695, "constraint": 150}},
     "utilization": {"MULT18X18D": {"available": 156, "used": 32}, "TRELLIS_COMB": {"available": 83640, "used": 5178}}}
    """

    @Test func criticalPathIsNamedByTheDesignsSignals() throws {
        let r = try NextpnrReport.parse(Data(Self.report.utf8))
        #expect(abs(r.fmaxMHz - 55.707) < 0.001)
        #expect(r.utilisation == [Utilisation(resource: "MULT18X18D", used: 32, available: 156),
                                  Utilisation(resource: "TRELLIS_COMB", used: 5178, available: 83640)])
        let p = try #require(r.criticalPath)
        // The port-to-register path (<async>) is not the register-to-register critical path.
        #expect(p.start == "index_unit.idx_2_1_1")
        #expect(p.end == "pe_2_0.acc_q")
        #expect(p.through == ["index_unit.idx_2_1_1", "pe_2_0.sel_1", "pe_2_0.prod_1", "pe_2_0.sum", "pe_2_0.acc_q"])
        #expect(abs(p.routingNs - (1.474 + 2.715 + 2.428 + 0.864 + 0.13)) < 1e-9)
    }

    @Test func overusedResourcesComeFromTheUtilisationLines() {
        let log = """
        Info: Device utilisation:
        Info: \t          TRELLIS_IO:       0/    365     0%
        Info: \t          MULT18X18D:     512/    156   328%
        Info: \t        TRELLIS_COMB:    5178/  83640     6%

        Info: Placed 0 cells based on constraints.
        Info: 12/20 done
        """
        #expect(NextpnrReport.overused(log: log) == [Utilisation(resource: "MULT18X18D", used: 512, available: 156)])
        #expect(NextpnrReport.overused(log: "Info: Device utilisation:\nInfo: \t SB_IO: 10/ 39 25%\n").isEmpty)
    }

    @Test func partsParseWithSpeedGradesAndRejectTheRest() throws {
        let p = try FPGAPart.parse("lfe5um-85f", target: .ecp5)
        #expect(p.fullName == "LFE5UM-85F-6")
        #expect(p.nextpnrArguments == ["--um-85k", "--package", "CABGA381", "--speed", "6"])
        #expect(try FPGAPart.parse("LFE5UM-85F-8", target: .ecp5).speed == 8)
        #expect(throws: SynthError.self) { try FPGAPart.parse("LFE5UM-85F-9", target: .ecp5) }
        #expect(throws: SynthError.self) { try FPGAPart.parse("LFE5UM5G-85F-6", target: .ecp5) }
        #expect(throws: SynthError.self) { try FPGAPart.parse("iCE40HX8K", target: .ecp5) }
        #expect(throws: SynthError.self) { try FPGAPart.parse("xc7a35t", target: .xilinx) }
        #expect(try FPGAPart.parse("ice40up5k", target: .ice40).deviceFlag == "--up5k")
        #expect(SynthTarget.ecp5.defaultPart?.fullName == "LFE5UM-85F-6")
        #expect(throws: SynthError.self) { try SynthTarget.parse("vivado") }
    }

    @Test func yosysCommandsKeepOrFlattenTheHierarchy() {
        #expect(SynthTarget.ecp5.yosysCommand(top: "t", flatten: false) == "synth_ecp5 -top t -noflatten")
        #expect(SynthTarget.ice40.yosysCommand(top: "t", flatten: true) == "synth_ice40 -top t")
        #expect(SynthTarget.xilinx.yosysCommand(top: "t", flatten: false) == "synth_xilinx -top t")
        #expect(SynthTarget.generic.yosysCommand(top: "t", flatten: true) == "synth -top t -flatten")
    }
}
