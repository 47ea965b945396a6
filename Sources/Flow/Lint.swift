import Flow
import Foundation

/// The lint and compile gates: Verilator `-Wall` and `iverilog -g2005`.
extension EDATools {
    /// `verilator --lint-only -Wall`: succeeds only with zero warnings.
    public static func verilatorLint(_ verilog: String, top: String) throws -> ToolResult {
        // The file is named after the top, as Verilator's DECLFILENAME rule expects.
        let dir = try scratch(["\(top).v": verilog])
        defer { try? FileManager.default.removeItem(at: dir) }
        return try run("verilator", Verilator.lintArguments(top: top, files: ["\(top).v"]), in: dir)
    }

    /// `iverilog -g2005`: compiles the design as plain Verilog-2005.
    public static func iverilogCompile(_ verilog: String, top: String) throws -> ToolResult {
        let dir = try scratch(["design.v": verilog])
        defer { try? FileManager.default.removeItem(at: dir) }
        return try run("iverilog", ["-g2005", "-Wall", "-s", top, "-o", "design.vvp", "design.v"], in: dir)
    }
}
