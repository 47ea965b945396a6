import Foundation

/// One module's resources from a hierarchical synthesis.
public struct ModuleResources: Codable, Sendable, Hashable {
    public let name: String
    /// Instances of the module in the whole design (through every level of the hierarchy).
    public let instances: Int
    /// One instance's own cells by category (its submodules' cells not included).
    public let perInstance: ResourceCount
    /// One instance's own cells by yosys cell type.
    public let cells: [String: Int]
}

/// `hwgen synth`'s resource table: every module of the design and the total.
public struct ResourceTable: Codable, Sendable, Hashable {
    public let target: SynthTarget
    public let top: String
    /// Modules, the top first, then by name.
    public let modules: [ModuleResources]
    /// The whole design (every instance expanded).
    public let total: ResourceCount
    /// The whole design by yosys cell type.
    public let totalCells: [String: Int]
    /// Latch cells anywhere in the design (the design gate requires none).
    public let latches: Int
    /// Wall time of the yosys run.
    public let seconds: Double

    /// Builds the table from yosys `stat` text (hierarchy kept).
    public static func parse(stat: String, top: String, target: SynthTarget, seconds: Double) -> ResourceTable {
        let (modules, total) = EDATools.parseStat(stat)
        let instances = parseHierarchy(stat, top: top)
        let rows = modules.map { name, cells in
            ModuleResources(name: name, instances: instances[name] ?? (name == top ? 1 : 0),
                            perInstance: ResourceCount(cells: cells, target: target), cells: cells)
        }.sorted { ($0.name == top ? 0 : 1, $0.name) < ($1.name == top ? 0 : 1, $1.name) }
        let latches = total.filter { $0.key.lowercased().contains("latch") }.values.reduce(0, +)
        return ResourceTable(target: target, top: top, modules: rows, total: ResourceCount(cells: total, target: target),
                             totalCells: total, latches: latches, seconds: seconds)
    }

    /// Instance counts from `stat`'s `design hierarchy` section: an indented tree of `name count`
    /// lines (before the section's first `Number of` line) in which a count is per instance of
    /// the parent one level up, so a module's total is its count times its parent's, summed over
    /// every parent it appears under. A design of one module has no such section.
    static func parseHierarchy(_ stat: String, top: String) -> [String: Int] {
        var counts: [String: Int] = [top: 1]
        var inside = false
        var path: [(indent: Int, total: Int)] = []  // the enclosing modules of the current line
        for line in stat.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t == "=== design hierarchy ===" { inside = true; continue }
            guard inside else { continue }
            if t.hasPrefix("Number of") || t.hasPrefix("===") { break }
            let parts = t.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, let n = Int(parts[1]) else { continue }
            let indent = line.prefix { $0 == " " }.count
            while let last = path.last, last.indent >= indent { path.removeLast() }
            let total = n * (path.last?.total ?? 1)
            let name = String(parts[0])
            if path.isEmpty { counts[name] = total } else { counts[name, default: 0] += total }
            path.append((indent, total))
        }
        return counts
    }
}

extension EDATools {
    /// Synthesises `verilog` for `target` with the hierarchy kept, in `directory` (the report
    /// directory: `design.v`, `yosys-<target>.log` and `stat-<target>.txt` stay there).
    /// `library`: technology-specific modules (the design's ``technologyLibrary``) read after
    /// `design.v`, replacing the generic modules of the same names (`technology-<target>.v`).
    public static func synthesizeResources(verilog: String, top: String, target: SynthTarget, library: String? = nil, in directory: URL,
                                           progress: (@Sendable (FlowProgress) -> Void)? = nil) throws -> ResourceTable {
        let design = directory.appendingPathComponent("design.v")
        try verilog.write(to: design, atomically: true, encoding: .utf8)
        let stat = "stat-\(target.rawValue).txt"
        let read = try readDesign(library: library, target: target, in: directory)
        let script = "\(read) \(target.yosysCommand(top: top, flatten: false)); check -assert; tee -q -o \(stat) stat"
        let start = Date()
        let r = try runLogged("yosys", ["-p", script], in: directory, log: directory.appendingPathComponent("yosys-\(target.rawValue).log"),
                              stage: "yosys \(target.yosysCommand(top: top, flatten: false).split(separator: " ")[0])", progress: progress)
        guard r.succeeded else { throw SynthError("yosys failed (\(firstError(r.output) ?? "exit \(r.exitCode)")); log: \(directory.path)/yosys-\(target.rawValue).log") }
        let text = (try? String(contentsOf: directory.appendingPathComponent(stat), encoding: .utf8)) ?? ""
        return ResourceTable.parse(stat: text, top: top, target: target, seconds: Date().timeIntervalSince(start))
    }

    /// The yosys commands reading `design.v` and, if given, the technology library over it
    /// (written to `technology-<target>.v` in `directory`).
    static func readDesign(library: String?, target: SynthTarget, in directory: URL) throws -> String {
        guard let library, !library.isEmpty else { return "read_verilog design.v;" }
        let file = "technology-\(target.rawValue).v"
        try library.write(to: directory.appendingPathComponent(file), atomically: true, encoding: .utf8)
        return "read_verilog design.v; read_verilog -overwrite \(file);"
    }

    /// The first `ERROR:` line of a tool's output, without the prefix.
    static func firstError(_ output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("ERROR:") }
            .map { $0.dropFirst(6).trimmingCharacters(in: .whitespaces) }
    }
}
