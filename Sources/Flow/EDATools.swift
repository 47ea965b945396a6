import Flow
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

/// Finds and runs the external EDA tools (Verilator, iverilog, yosys, nextpnr, the C++ compiler).
/// Each tool call works in its own temporary directory, so calls may run concurrently. The gates
/// and reports built on it live beside it in `Flow` (`Lint.swift`, `Yosys.swift`, `DesignGate`).
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
}
