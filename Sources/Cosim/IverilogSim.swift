import Flow
import Foundation
import HWCore

/// Runs an emitted design on iverilog with a generated testbench: a second simulator that
/// needs nothing but the Verilog and the vectors.
///
/// Each vector sets some input ports (by name, values as two's complement bit patterns of the
/// port width); the bench then waits for the logic to settle, records every output port, and,
/// for a clocked design, gives one rising clock edge. So output row i shows the combinational
/// view of cycle i, before that cycle's edge.
public enum IverilogSim {
    public struct SimError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `vectors` on `design`; returns one dictionary of output values per vector (an
    /// output holding x or z bits is absent from its row).
    /// Ports wider than 64 bits are not supported by this runner.
    public static func run(_ design: Design, vectors: [[String: UInt64]]) throws -> [[String: UInt64]] {
        let ports = design.manifest.ports
        guard ports.allSatisfy({ $0.width <= 64 }) else {
            throw SimError(description: "IverilogSim supports ports up to 64 bits")
        }
        let inputs = ports.filter { $0.direction == .input && $0.role != "clock" }
        let outputs = ports.filter { $0.direction == .output }
        let clocked = ports.contains { $0.role == "clock" }
        func range(_ w: Int) -> String { w == 1 ? "" : "[\(w - 1):0] " }
        var tb = "`timescale 1ns/1ps\nmodule hwgen_tb;\n"
        if clocked { tb += "  reg clk = 1'b0;\n" }
        for p in inputs { tb += "  reg \(range(p.width))\(p.name) = \(p.width)'d0;\n" }
        for p in outputs { tb += "  wire \(range(p.width))\(p.name);\n" }
        let conns = (clocked ? [".clk(clk)"] : []) + (inputs + outputs).map { ".\($0.name)(\($0.name))" }
        tb += "  \(design.top) dut (" + conns.joined(separator: ", ") + ");\n"
        tb += "  initial begin\n"
        let fmt = outputs.map { _ in "%h" }.joined(separator: " ")
        let args = outputs.map(\.name).joined(separator: ", ")
        for v in vectors {
            for p in inputs {
                if let x = v[p.name] {
                    let mask: UInt64 = p.width == 64 ? ~0 : (1 << p.width) - 1
                    tb += "    \(p.name) = \(p.width)'h\(String(x & mask, radix: 16));\n"
                }
            }
            tb += "    #1 $display(\"\(fmt)\", \(args));\n"
            if clocked { tb += "    clk = 1'b1; #1 clk = 1'b0;\n" }
        }
        tb += "    $finish;\n  end\nendmodule\n"
        let dir = try EDATools.scratch(["design.v": design.verilog, "tb.v": tb])
        defer { try? FileManager.default.removeItem(at: dir) }
        let comp = try EDATools.run("iverilog", ["-g2005", "-s", "hwgen_tb", "-o", "sim.vvp", "design.v", "tb.v"], in: dir)
        guard comp.succeeded else { throw SimError(description: "iverilog failed: \(comp.output)") }
        let sim = try EDATools.run("vvp", ["-n", "sim.vvp"], in: dir)
        guard sim.succeeded else { throw SimError(description: "vvp failed: \(sim.output)") }
        let rows = sim.output.split(separator: "\n").filter { !$0.hasPrefix("VCD") && !$0.contains("$finish") }
        guard rows.count == vectors.count else {
            throw SimError(description: "expected \(vectors.count) output rows, got \(rows.count):\n\(sim.output)")
        }
        return try rows.map { row in
            let fields = row.split(separator: " ")
            guard fields.count == outputs.count else { throw SimError(description: "bad output row '\(row)'") }
            var d: [String: UInt64] = [:]
            for (p, f) in zip(outputs, fields) {
                // Undefined (x/z) values, e.g. registers before their first edge, are left out.
                if let v = UInt64(f, radix: 16) { d[p.name] = v }
            }
            return d
        }
    }
}
