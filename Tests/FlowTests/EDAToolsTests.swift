@testable import Flow
import Testing

@Suite struct EDAToolsTests {
    @Test func missingToolIsAClearError() {
        #expect(EDATools.find("definitely-not-a-tool-xyz") == nil)
        #expect(throws: EDAToolError.self) { try EDATools.run("definitely-not-a-tool-xyz", []) }
        #expect(EDAToolError.missing("verilator").description.contains("Scripts/setup"))
    }

    @Test func parsesYosysStat() {
        let stat = """
        === pe ===

           Number of wires:                 10
           Number of cells:                 7
             $_AND_                          3
             $_DFF_P_                        2
             $_DLATCH_P_                     2

        === top ===

           Number of cells:                 3
             $_OR_                           1
             pe                              2

        === design hierarchy ===

           top                               1
             pe                              2

           Number of cells:                 15
             $_AND_                          6
             $_DFF_P_                        4
             $_DLATCH_P_                     4
             $_OR_                           1

        """
        let (modules, total) = EDATools.parseStat(stat)
        #expect(modules["pe"] == ["$_AND_": 3, "$_DFF_P_": 2, "$_DLATCH_P_": 2])
        #expect(modules["top"] == ["$_OR_": 1])
        #expect(total == ["$_AND_": 6, "$_DFF_P_": 4, "$_DLATCH_P_": 4, "$_OR_": 1])
    }

    /// CI sets HWGEN_REQUIRE_EDA=1: there, every tool must be present.
    @Test func requiredToolsArePresent() {
        if DesignGate.toolsRequired {
            #expect(DesignGate.missingTools.isEmpty, "missing: \(DesignGate.missingTools)")
        }
    }
}

/// The gates can fail: hand-written Verilog with a latch and a width warning is flagged.
@Suite(.enabled(if: DesignGate.missingTools.isEmpty || DesignGate.toolsRequired, "needs verilator, iverilog and yosys"))
struct DesignGateTests {
    @Test func latchAndLintWarningAreCaught() throws {
        let bad = """
        module bad (input wire en, input wire [3:0] d, output reg [3:0] q, output wire [2:0] n);
          always @* if (en) q = d;
          assign n = d;
        endmodule

        """
        let problems = try DesignGate.problems(verilog: bad, top: "bad")
        #expect(problems.contains { $0.hasPrefix("verilator") && $0.contains("WIDTH") })
        #expect(problems.contains { $0.contains("latch") })
    }

    @Test func cleanVerilogPasses() throws {
        let good = """
        module good (input wire [3:0] a, input wire [3:0] b, output wire [4:0] s);
          assign s = {1'b0, a} + {1'b0, b};
        endmodule

        """
        #expect(try DesignGate.problems(verilog: good, top: "good").isEmpty)
    }
}
