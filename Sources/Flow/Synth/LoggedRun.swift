import Foundation

/// Where a long EDA step stands: which tool step, and for how long it has run.
public struct FlowProgress: Sendable {
    /// E.g. `yosys synth_ecp5 (hierarchy)` or `nextpnr-ecp5: routing`.
    public let stage: String
    public let elapsed: Double
}

extension EDATools {
    /// Runs `tool args` in `directory` with stdout and stderr going to `log` (kept for the user:
    /// a P&R log runs to megabytes), calling `progress` about once a second while it runs.
    /// `substage` names where the tool is from its log so far (nextpnr: packing, placing,
    /// routing). Returns the result with the log's last lines as its output.
    public static func runLogged(_ tool: String, _ args: [String], in directory: URL, log: URL, stage: String,
                                 substage: ((String) -> String?)? = nil,
                                 progress: (@Sendable (FlowProgress) -> Void)?) throws -> ToolResult {
        guard let exe = find(tool) else { throw EDAToolError.missing(tool) }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = directory
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        var lastReport = 0
        while p.isRunning {
            usleep(100_000)
            let elapsed = Date().timeIntervalSince(start)
            guard let progress, Int(elapsed) > lastReport else { continue }
            lastReport = Int(elapsed)
            let sub = substage.flatMap { f in tail(of: log, bytes: 65536).flatMap(f) }
            progress(FlowProgress(stage: sub.map { "\(stage): \($0)" } ?? stage, elapsed: elapsed))
        }
        p.waitUntilExit()
        return ToolResult(tool: tool, exitCode: p.terminationStatus, output: tail(of: log, bytes: 16384) ?? "")
    }

    /// The last `bytes` of a file as text.
    static func tail(of url: URL, bytes: Int) -> String? {
        guard let h = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        try? h.seek(toOffset: size > UInt64(bytes) ? size - UInt64(bytes) : 0)
        return (try? h.readToEnd()).map { String(decoding: $0, as: UTF8.self) }
    }
}
