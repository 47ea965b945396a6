import Flow
import Foundation

/// The three quality gates every emitted design must pass.
public enum DesignGate {
    /// Environment variable set by `Scripts/test` (and so CI): a missing tool is a failure.
    public static var toolsRequired: Bool {
        ProcessInfo.processInfo.environment["HWGEN_REQUIRE_EDA"] == "1"
    }

    /// Tools the gates use that are not installed.
    public static var missingTools: [String] {
        ["verilator", "iverilog", "yosys"].filter { !EDATools.isAvailable($0) }
    }

    /// Lints (zero warnings), compiles with iverilog -g2005, and synthesises with yosys
    /// (no latches, `check -assert` clean). Returns a description of every failure.
    public static func problems(verilog: String, top: String) throws -> [String] {
        var out: [String] = []
        let lint = try EDATools.verilatorLint(verilog, top: top)
        if !lint.succeeded || lint.output.contains("%Warning") { out.append("verilator -Wall:\n" + lint.output) }
        let iv = try EDATools.iverilogCompile(verilog, top: top)
        if !iv.succeeded || !iv.output.isEmpty { out.append("iverilog -g2005:\n" + iv.output) }
        let syn = try EDATools.yosysSynth(verilog, top: top)
        if !syn.result.succeeded { out.append("yosys:\n" + syn.result.output) }
        if syn.latches > 0 { out.append("yosys inferred \(syn.latches) latch cells") }
        return out
    }
}
