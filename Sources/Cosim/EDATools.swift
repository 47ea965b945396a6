import Foundation

/// The outcome of running an external EDA tool.
public struct ToolResult: Sendable {
    public let tool: String
    public let exitCode: Int32
    public let output: String
    public var succeeded: Bool { exitCode == 0 }
}

/// Why an EDA tool could not be used.
public enum EDAToolError: Error, CustomStringConvertible, Sendable {
    case missing(String)
    case failed(ToolResult)

    public var description: String {
        switch self {
        case .missing(let t): return "\(t) is not installed (run Scripts/setup to install the EDA tools)"
        case .failed(let r): return "\(r.tool) failed (exit \(r.exitCode)):\n\(r.output)"
        }
    }
}

/// Runs Verilator lint, iverilog and yosys on emitted Verilog. Each call works in its own
/// temporary directory, so calls may run concurrently.
public enum EDATools {
    /// Absolute path of `tool` on PATH, or nil.
    public static func find(_ tool: String) -> String? {
        if tool.contains("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    public static func isAvailable(_ tool: String) -> Bool { find(tool) != nil }

    /// Runs `tool args` in `directory`, capturing stdout and stderr together.
    public static func run(_ tool: String, _ args: [String], in directory: URL? = nil) throws -> ToolResult {
        guard let exe = find(tool) else { throw EDAToolError.missing(tool) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        if let directory { p.currentDirectoryURL = directory }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return ToolResult(tool: tool, exitCode: p.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// A fresh temporary directory holding `files`.
    public static func scratch(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return dir
    }

    /// `verilator --lint-only -Wall`: succeeds only with zero warnings.
    public static func verilatorLint(_ verilog: String, top: String) throws -> ToolResult {
        // The file is named after the top, as Verilator's DECLFILENAME rule expects.
        let dir = try scratch(["\(top).v": verilog])
        defer { try? FileManager.default.removeItem(at: dir) }
        return try run("verilator", ["--lint-only", "-Wall", "--top-module", top, "\(top).v"], in: dir)
    }

    /// `iverilog -g2005`: compiles the design as plain Verilog-2005.
    public static func iverilogCompile(_ verilog: String, top: String) throws -> ToolResult {
        let dir = try scratch(["design.v": verilog])
        defer { try? FileManager.default.removeItem(at: dir) }
        return try run("iverilog", ["-g2005", "-Wall", "-s", top, "-o", "design.vvp", "design.v"], in: dir)
    }

    /// Synthesis statistics from yosys.
    public struct SynthReport: Sendable {
        public let result: ToolResult
        /// Per module: cell type -> count (submodule instances excluded).
        public let modules: [String: [String: Int]]
        /// Cell type -> count over the whole design (every instance expanded).
        public let cells: [String: Int]
        public var totalCells: Int { cells.values.reduce(0, +) }
        /// Latch cells anywhere in the design.
        public var latches: Int {
            modules.values.flatMap { $0 }.filter { $0.key.lowercased().contains("latch") }.reduce(0) { $0 + $1.value }
        }
    }

    /// `yosys synth -top` (hierarchy kept, so a PE is synthesised once), then `check -assert`
    /// (fails on combinational loops and other netlist problems), then `stat`. `script`
    /// replaces the synth command (e.g. `synth_xilinx -top TOP`).
    public static func yosysSynth(_ verilog: String, top: String, script: String? = nil) throws -> SynthReport {
        let dir = try scratch(["design.v": verilog])
        defer { try? FileManager.default.removeItem(at: dir) }
        let synth = script ?? "synth -top \(top)"
        let result = try run("yosys", ["-q", "-p", "read_verilog design.v; \(synth); check -assert; tee -q -o stat.txt stat"], in: dir)
        let stat = (try? String(contentsOf: dir.appendingPathComponent("stat.txt"), encoding: .utf8)) ?? ""
        let (modules, total) = parseStat(stat)
        return SynthReport(result: result, modules: modules, cells: total)
    }

    /// Parses yosys `stat`: per-module cell tables (`=== name ===` sections) and the design
    /// total (the `design hierarchy` section when present, else the single module).
    static func parseStat(_ text: String) -> ([String: [String: Int]], [String: Int]) {
        var sections: [(String, [String: Int])] = []
        var inCells = false
        for line in text.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("=== ") && t.hasSuffix(" ===") {
                sections.append((String(t.dropFirst(4).dropLast(4)), [:]))
                inCells = false
                continue
            }
            if t.hasPrefix("Number of cells:") { inCells = true; continue }
            guard inCells, !sections.isEmpty else { continue }
            let parts = t.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count == 2, let n = Int(parts[1]) {
                sections[sections.count - 1].1[String(parts[0]), default: 0] += n
            } else {
                inCells = false
            }
        }
        let names = Set(sections.map { $0.0 })
        func primitives(_ cells: [String: Int]) -> [String: Int] { cells.filter { !names.contains($0.key) } }
        var modules: [String: [String: Int]] = [:]
        for (name, cells) in sections where name != "design hierarchy" { modules[name] = primitives(cells) }
        let total = sections.first { $0.0 == "design hierarchy" }.map { primitives($0.1) } ?? modules.values.first ?? [:]
        return (modules, total)
    }
}

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
