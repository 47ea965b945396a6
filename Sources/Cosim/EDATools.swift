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
        let dir = try scratch(["design.v": verilog])
        defer { try? FileManager.default.removeItem(at: dir) }
        return try run("verilator", ["--lint-only", "-Wall", "--top-module", top, "design.v"], in: dir)
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
        /// Cell type -> count, from `stat` of the flattened netlist.
        public let cells: [String: Int]
        public var totalCells: Int { cells.values.reduce(0, +) }
        public var latches: Int { cells.filter { $0.key.lowercased().contains("latch") }.values.reduce(0, +) }
    }

    /// `yosys synth -top` then `check -assert` (fails on combinational loops and other
    /// netlist problems), then `stat`. `script` replaces `synth -flatten -top TOP` if given
    /// (e.g. `synth_xilinx -top TOP`).
    public static func yosysSynth(_ verilog: String, top: String, script: String? = nil) throws -> SynthReport {
        let dir = try scratch(["design.v": verilog])
        defer { try? FileManager.default.removeItem(at: dir) }
        let synth = script ?? "synth -flatten -top \(top)"
        let result = try run("yosys", ["-q", "-p", "read_verilog design.v; \(synth); check -assert; tee -o stat.txt stat"], in: dir)
        var cells: [String: Int] = [:]
        if let stat = try? String(contentsOf: dir.appendingPathComponent("stat.txt"), encoding: .utf8) {
            cells = parseStat(stat)
        }
        return SynthReport(result: result, cells: cells)
    }

    /// Parses the cell table of yosys `stat` (lines like `     $_AND_     12`).
    static func parseStat(_ text: String) -> [String: Int] {
        var cells: [String: Int] = [:]
        var inCells = false
        for line in text.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("Number of cells:") { inCells = true; continue }
            guard inCells else { continue }
            let parts = t.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count == 2, let n = Int(parts[1]) {
                cells[String(parts[0]), default: 0] += n
            } else if !t.isEmpty && !t.hasPrefix("$") && parts.count != 2 {
                inCells = false
            }
        }
        return cells
    }
}
