import Cosim
import Flow
import Foundation
import HWCore
import HWLib
import Testing

/// The pipelined multiplier's generic text and its ECP5 implementation (a MULT18X18D with input
/// and output registers), simulated side by side on iverilog cycle by cycle.
@Suite(.enabled(if: edaEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct PipelinedMultiplierTests {
    @Test func genericModulePassesTheGateAndHasTwoCyclesOfLatency() throws {
        let def = try PipelinedMultiplier.build(a: .sint(8), b: .sint(8))
        let d = try Design.elaborate(def)
        #expect(d.top == "pipelined_mul_s8_s8")
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        let pairs: [(Int, Int)] = [(-128, -128), (127, -128), (-1, 1), (0, 5), (99, -77), (3, 4)]
        let vectors = pairs.map { ["a": UInt64(UInt8(truncatingIfNeeded: $0.0)), "b": UInt64(UInt8(truncatingIfNeeded: $0.1))] }
            + [["a": 0, "b": 0], ["a": 0, "b": 0]]
        let rows = try IverilogSim.run(d, vectors: vectors)
        for (t, (a, b)) in pairs.enumerated() {
            // Row i shows the outputs before edge i: the product of vector t appears in row t + 2.
            #expect(rows[t + PipelinedMultiplier.latency]["p"] == UInt64(UInt16(truncatingIfNeeded: a * b)), "\(a) x \(b)")
        }
    }

    @Test(arguments: [(8, 8, true), (3, 7, true), (18, 18, true), (5, 11, false), (18, 18, false)])
    func ecp5ImplementationMatchesTheGenericModuleCycleByCycle(_ shape: (Int, Int, Bool)) throws {
        let (aw, bw, signed) = shape
        let type = { (w: Int) in signed ? BitsType.sint(w) : BitsType.uint(w) }
        let d = try Design.elaborate(try PipelinedMultiplier.build(a: type(aw), b: type(bw)))
        let ecp5 = try #require(d.technologyLibrary("ecp5"))
        #expect(ecp5.contains("module \(d.top) ("))
        #expect(ecp5.contains(".REG_INPUTA_CLK(\"CLK0\"), .REG_INPUTB_CLK(\"CLK0\"), .REG_OUTPUT_CLK(\"CLK0\")"))
        let variant = ecp5.replacingOccurrences(of: "module \(d.top) (", with: "module variant (")
        let pw = aw + bw
        let bench = """
        `timescale 1ns/1ps
        module bench;
          reg clk = 1'b0;
          reg [\(aw - 1):0] a = 0;
          reg [\(bw - 1):0] b = 0;
          wire [\(pw - 1):0] p_generic, p_variant;
          integer t, bad, seed;
          \(d.top) generic (.clk(clk), .a(a), .b(b), .p(p_generic));
          variant ecp5 (.clk(clk), .a(a), .b(b), .p(p_variant));
          initial begin
            bad = 0;
            seed = 1;
            for (t = 0; t < 3000; t = t + 1) begin
              // Extremes first, then random operands.
              a = t < 4 ? (t[0] ? {1'b1, {\(aw - 1){1'b0}}} : {\(aw){1'b1}}) : $random(seed);
              b = t < 4 ? (t[1] ? {1'b1, {\(bw - 1){1'b0}}} : {\(bw){1'b1}}) : $random(seed);
              #1;
              if (t >= 2 && p_generic !== p_variant) begin
                if (bad < 5) $display("MISMATCH cycle %0d: generic %h, ecp5 %h", t, p_generic, p_variant);
                bad = bad + 1;
              end
              clk = 1'b1; #1; clk = 1'b0;
            end
            $display("DONE %0d mismatches", bad);
            $finish;
          end
        endmodule

        """
        let dir = try EDATools.scratch(["generic.v": d.verilog, "variant.v": variant, "model.v": Self.mult18x18dModel, "bench.v": bench])
        defer { try? FileManager.default.removeItem(at: dir) }
        let build = try EDATools.run("iverilog", ["-g2005", "-o", "sim", "bench.v", "generic.v", "variant.v", "model.v"], in: dir)
        #expect(build.succeeded, "\(build.output)")
        let run = try EDATools.run("vvp", ["-n", "sim"], in: dir)
        #expect(run.output.contains("DONE 0 mismatches"), "\(run.output)")
    }

    @Test func operandsOfDifferentSignednessAreAnErrorAtTheCallersLine() {
        #expect(throws: ElaborationError.self) { try PipelinedMultiplier.build(a: .sint(8), b: .uint(8)) }
        do {
            _ = try PipelinedMultiplier.build(a: .sint(8), b: .uint(8)); Issue.record("no error")
        } catch {
            #expect("\(error)".contains("PipelinedMultiplierTests.swift"))
        }
    }

    @Test func operandsWiderThanAMULT18X18DHaveNoECP5Implementation() throws {
        let d = try Design.elaborate(try PipelinedMultiplier.build(a: .sint(19), b: .sint(8)))
        #expect(d.technologyLibrary("ecp5") == nil)
    }

    /// A behavioural model of the MULT18X18D features the ECP5 implementation uses (written from
    /// Lattice's description: A/B/P registers on CLK0 with CE0, SIGNEDA/SIGNEDB select signed
    /// operands), for simulation in this test only; synthesis uses the real primitive.
    static let mult18x18dModel: String = {
        func list(_ p: String, _ n: Int) -> String { (0..<n).map { "\(p)\($0)" }.joined(separator: ", ") }
        func bus(_ p: String, _ n: Int) -> String { "{" + (0..<n).reversed().map { "\(p)\($0)" }.joined(separator: ", ") + "}" }
        return """
        module MULT18X18D #(
          parameter REG_INPUTA_CLK = "NONE", parameter REG_INPUTB_CLK = "NONE", parameter REG_OUTPUT_CLK = "NONE",
          parameter REG_INPUTC_CLK = "NONE", parameter REG_PIPELINE_CLK = "NONE", parameter RESETMODE = "SYNC",
          parameter GSR = "ENABLED"
        ) (
          input \(list("A", 18)),
          input \(list("B", 18)),
          input \(list("C", 18)),
          input SIGNEDA, SIGNEDB, SOURCEA, SOURCEB, CLK0, CE0, RST0,
          output \(list("P", 36))
        );
          wire [17:0] a_in = \(bus("A", 18));
          wire [17:0] b_in = \(bus("B", 18));
          reg [17:0] a_q, b_q;
          reg [35:0] p_q;
          wire [17:0] a = REG_INPUTA_CLK == "CLK0" ? a_q : a_in;
          wire [17:0] b = REG_INPUTB_CLK == "CLK0" ? b_q : b_in;
          wire [35:0] a_ext = SIGNEDA ? {{18{a[17]}}, a} : {18'd0, a};
          wire [35:0] b_ext = SIGNEDB ? {{18{b[17]}}, b} : {18'd0, b};
          wire [35:0] product = a_ext * b_ext;
          always @(posedge CLK0) if (CE0) begin a_q <= a_in; b_q <= b_in; p_q <= product; end
          wire [35:0] p = REG_OUTPUT_CLK == "CLK0" ? p_q : product;
          assign \(bus("P", 36)) = p;
        endmodule

        """
    }()
}
