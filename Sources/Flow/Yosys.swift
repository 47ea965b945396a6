import Flow
import Foundation

/// yosys synthesis and its parsed `stat` report.
extension EDATools {
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
