// FPGA benchmark (Scripts/bench-synth): resources per target for osarray and SAT at every listed
// N:M and size (yosys, hierarchy kept), the cost of N:M support per PE against the dense PE, and
// Fmax after place and route on ECP5 for the PE pipeline settings, with the throughput of a fixed
// GEMM from the cycle model. Writes Benchmarks/synth.md and Benchmarks/synth.json.
import Designs
import Flow
import Foundation
import SparseAccel
import SparseModel

enum SynthBench {
    /// One synthesis (hierarchy kept).
    struct ResourceRow: Codable {
        let design: String
        let size: Int
        let target: String
        let pipeline: String
        /// The whole design, and one PE (the module instantiated R·C times).
        let total: ResourceCount
        let pe: ResourceCount
        let seconds: Double
    }

    /// One place-and-route run and what it means for a fixed GEMM.
    struct PnRRow: Codable {
        let design: String
        let size: Int
        let pipeline: String
        let part: String
        let clockMHz: Double
        let fmaxMHz: Double
        let luts: Int
        let ffs: Int
        let dsps: Int
        let criticalStart: String
        let criticalEnd: String
        let criticalThrough: [String]
        /// Cycles of the fixed GEMM (SATCycleModel), sparse (N:M) and dense mode.
        let sparseCycles: Int
        let denseCycles: Int
        let seconds: Double
    }

    /// A whole design other than the bare core (the SAT training system) placed and routed by
    /// `hwgen synth --pnr --json`, imported with `--import-system`.
    struct SystemPnRRow: Codable {
        let design: String
        /// The design's parameters as `key value` pairs, sorted by key.
        let parameters: String
        let part: String
        let clockMHz: Double
        let fmaxMHz: Double
        /// nextpnr's utilisation of the part (resources in use).
        let utilisation: [Utilisation]
        let criticalPath: CriticalPath
        let seconds: Double
    }

    /// Every value of a repeatable option (`--import A --import B`).
    static func values(_ args: [String], _ name: String) -> [String] {
        args.indices.filter { args[$0] == name && $0 + 1 < args.count }.map { args[$0 + 1] }
    }

    /// The fixed GEMM of the pipelining table: Y (64 x 64) = W (64 x K) · X (K x 64).
    static let gemm = (rows: 64, k: 4096, cols: 64)

    /// Cycles of the fixed GEMM on an R x C SAT core: its output tiles stream back to back (a
    /// tile's G beats outlast the R-cycle read-out, so no idle cycles), and the last tile is done
    /// R + latency + 1 cycles after its last beat (SATCycleModel.doneCycle).
    static func cycles(_ cfg: SATConfig, sparse: Bool) throws -> Int {
        let tiles = (gemm.rows / cfg.rows) * (gemm.cols / cfg.cols)
        let g = SATCycleModel.groups(k: gemm.k, pattern: try cfg.pattern, sparse: sparse)
        precondition(g >= SATCycleModel.minLastBeatGap(rows: cfg.rows))
        return SATCycleModel.doneCycle(lastBeat: tiles * g - 1, rows: cfg.rows, latency: cfg.pipeline.latency)
    }

    static func option(_ args: [String], _ name: String, _ fallback: String) -> String {
        guard let i = args.firstIndex(of: name), i + 1 < args.count else { return fallback }
        return args[i + 1]
    }

    static func options(design: String, size: Int, pipeline: String?) -> DesignOptions {
        if design == "osarray" { return DesignOptions(rows: size, cols: size) }
        let nm = design.split(separator: " ").last.map(String.init)
        return DesignOptions(rows: size, cols: size, nm: nm, pipeline: pipeline)
    }

    static func run(_ args: [String]) throws {
        // `--targets none` or `--pnr none` skips that part and keeps its rows from the previous
        // Benchmarks/synth.json, so the two halves can be re-measured separately.
        let targetList = option(args, "--targets", "ecp5,ice40,xilinx,generic")
        let targets = targetList == "none" ? [] : try targetList.split(separator: ",").map { try SynthTarget.parse(String($0)) }
        let sizes = option(args, "--sizes", "4,8,16").split(separator: ",").compactMap { Int($0) }
        let designs = ["osarray", "sat 1:4", "sat 2:4", "sat 2:8", "sat 4:8"]
        // size:pipeline pairs placed and routed on ECP5 (SAT 2:8).
        // Rows of earlier runs for other size:pipeline pairs are kept (see `merged`).
        // A third field `generic` synthesises the generic Verilog only (`hwgen synth
        // --generic-modules`: multipliers as yosys infers them, registers in the fabric).
        let pnrList = option(args, "--pnr", "8:full,4:full,4:mux+mul+sum,4:none,4:mul,4:mux+mul")
        let pnr = (pnrList == "none" ? [] : pnrList.split(separator: ",")).map { p -> (Int, String, Bool) in
            let parts = p.split(separator: ":")
            return (Int(parts[0])!, String(parts[1]), parts.count > 2 && parts[2] == "generic")
        }
        let clock = Double(option(args, "--clock-mhz", "150"))!
        let jobs = Int(option(args, "--jobs", "2"))!
        let out = URL(fileURLWithPath: option(args, "--out", "Benchmarks/synth"))
        // Tool logs of this run (each run its own directory: runs may overlap).
        let keep = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-bench-synth-\(getpid())")
        try FileManager.default.createDirectory(at: keep, withIntermediateDirectories: true)
        FileHandle.standardError.write(Data("logs in \(keep.path)\n".utf8))
        let yosys = (try? EDATools.run("yosys", ["-V"]).output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? "?"

        // Synthesis: one job per (target, design, size), run `jobs` at a time.
        // Smaller sizes first, so an interrupted run has every target's small cores.
        var work: [(SynthTarget, String, Int)] = []
        for s in sizes { for t in targets { for d in designs { work.append((t, d, s)) } } }
        let sink = try Sink(out: out, yosys: yosys, clock: clock)
        // `--import FILE.json`: a `hwgen synth --pnr --json` summary of a SAT core (the same flow
        // and settings as the rows below, run on its own) becomes a row.
        for file in values(args, "--import") {
            try sink.add(placed: try imported(URL(fileURLWithPath: file)))
        }
        // `--import-system FILE.json`: the same for a whole system (`hwgen synth --design
        // sat-system --pnr --json`), which takes too long to place inside this script's run.
        for file in values(args, "--import-system") {
            try sink.add(system: try importedSystem(URL(fileURLWithPath: file)))
        }
        let resources = try parallel(work, jobs: jobs) { t, d, s -> ResourceRow in
            let entry = try Designs.named(d.hasPrefix("sat") ? "sat" : d)
            let design = try entry.elaborate(options(design: d, size: s, pipeline: nil))
            let dir = keep.appendingPathComponent("\(t.rawValue)-\(d.replacingOccurrences(of: " ", with: "-").replacingOccurrences(of: ":", with: "_"))-\(s)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let table = try EDATools.synthesizeResources(verilog: design.verilog, top: design.top, target: t,
                                                         library: design.technologyLibrary(t.rawValue), in: dir)
            let pe = table.modules.first { $0.instances == s * s }?.perInstance ?? ResourceCount()
            let pipeline = design.manifest.parameters["pipeline"]?.description ?? "-"
            FileHandle.standardError.write(Data("synth \(t.rawValue) \(d) \(s)x\(s): \(table.total[.lut]) LUT, \(Int(table.seconds)) s\n".utf8))
            let row = ResourceRow(design: d, size: s, target: t.rawValue, pipeline: pipeline, total: table.total, pe: pe, seconds: table.seconds)
            try sink.add(resource: row)
            return row
        }

        let part = try args.firstIndex(of: "--part").map { try FPGAPart.parse(args[$0 + 1], target: .ecp5) } ?? SynthTarget.ecp5.defaultPart!
        let placed = try parallel(pnr, jobs: jobs) { size, pipeline, generic -> PnRRow in
            let opts = options(design: "sat 2:8", size: size, pipeline: pipeline)
            let cfg = try Designs.named("sat").config(opts) as! SATConfig
            let design = try Designs.named("sat").elaborate(opts)
            let dir = keep.appendingPathComponent("pnr-\(size)-\(pipeline.replacingOccurrences(of: "+", with: "_"))-\(part.fullName)\(generic ? "-generic" : "")")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let start = Date()
            let technology = design.technologyLibrary("ecp5")
            let library = generic ? nil : technology
            let table = try EDATools.synthesizeResources(verilog: design.verilog, top: design.top, target: .ecp5, library: library, in: dir)
            let r = try EDATools.placeAndRoute(verilog: design.verilog, top: design.top, part: part, clockMHz: clock, library: library, in: dir)
            FileHandle.standardError.write(Data("pnr sat 2:8 \(size)x\(size) \(pipeline)\(generic ? " generic" : ""): \(String(format: "%.1f", r.fmaxMHz)) MHz\n".utf8))
            // Rows are keyed by part: a generic run of a pipeline that has DSP registers says so.
            let label = r.part + (generic && technology != nil ? ", generic multipliers" : "")
            let row = PnRRow(design: "sat 2:8", size: size, pipeline: cfg.pipeline.description, part: label, clockMHz: clock, fmaxMHz: r.fmaxMHz,
                          luts: table.total[.lut], ffs: table.total[.ff], dsps: table.total[.dsp],
                          criticalStart: r.criticalPath?.start ?? "?", criticalEnd: r.criticalPath?.end ?? "?",
                          criticalThrough: r.criticalPath?.through ?? [],
                          sparseCycles: try cycles(cfg, sparse: true), denseCycles: try cycles(cfg, sparse: false),
                          seconds: Date().timeIntervalSince(start))
            try sink.add(placed: row)
            return row
        }
        _ = (resources, placed)
    }

    /// Writes the report after every finished job (a long run that is stopped keeps what it
    /// measured), merged with the previous Benchmarks/synth.json: a row replaces the earlier row
    /// of the same target, design and size (or size and pipeline); other rows stay.
    final class Sink: @unchecked Sendable {
        private let lock = NSLock()
        private var report: SynthBenchReport
        private let out: URL

        init(out: URL, yosys: String, clock: Double) throws {
            self.out = out
            let previous = try Sink.onDisk(out)
            report = SynthBenchReport(resources: previous?.resources ?? [], placed: previous?.placed ?? [], systems: previous?.systems, yosys: yosys,
                                      clock: previous?.clock ?? clock)
        }

        /// The report on disk: nil when there is none yet. A file that exists but does not decode
        /// (edited by hand, or written before a row type changed) is an error: writing over it
        /// would drop every row it holds.
        static func onDisk(_ out: URL) throws -> SynthBenchReport? {
            let url = out.appendingPathExtension("json")
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            do {
                return try JSONDecoder().decode(SynthBenchReport.self, from: Data(contentsOf: url))
            } catch {
                throw BenchError("\(url.path) exists but cannot be read (\(error)); fix or move it, the bench does not overwrite it")
            }
        }

        /// Applies `change` to the report as it is on disk now (several runs may share the file:
        /// synthesis and place and route measured side by side) and writes it.
        private func update(_ change: (inout SynthBenchReport) -> Void) throws {
            try lock.withLock {
                if let disk = try Sink.onDisk(out) {
                    report = SynthBenchReport(resources: disk.resources, placed: disk.placed, systems: disk.systems, yosys: report.yosys, clock: disk.clock)
                }
                change(&report)
                try report.write(to: out)
            }
        }

        func add(resource row: ResourceRow) throws {
            let key = { (r: ResourceRow) in "\(r.target) \(r.design) \(r.size)" }
            let targets = SynthTarget.allCases.map(\.rawValue)
            try update { report in
                report.resources = (report.resources.filter { key($0) != key(row) } + [row]).sorted {
                    (targets.firstIndex(of: $0.target)!, $0.design, $0.size) < (targets.firstIndex(of: $1.target)!, $1.design, $1.size)
                }
            }
        }

        func add(placed row: PnRRow) throws {
            try update { report in
                report.placed = SynthBench.merged(report.placed, [row])
                report.clock = row.clockMHz
            }
        }

        /// A system row replaces the earlier one of the same design, parameters and part.
        func add(system row: SystemPnRRow) throws {
            let key = { (r: SystemPnRRow) in "\(r.design) \(r.parameters) \(r.part)" }
            try update { report in
                report.systems = ((report.systems ?? []).filter { key($0) != key(row) } + [row]).sorted { key($0) < key($1) }
            }
        }
    }

    static func importedSystem(_ file: URL) throws -> SystemPnRRow {
        let summary = try JSONDecoder().decode(SynthSummary.self, from: try Data(contentsOf: file))
        guard let pnr = summary.pnr, let cp = pnr.criticalPath else {
            throw SynthError("\(file.path) is not a `hwgen synth --pnr` report")
        }
        let params = summary.parameters.filter { $0.key != "design" }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        let extra = (pnr.extraArguments ?? []).joined(separator: " ")
        return SystemPnRRow(design: summary.design, parameters: params.joined(separator: ", "),
                            part: pnr.part + (extra.isEmpty ? "" : " (\(extra))"), clockMHz: pnr.clockMHz, fmaxMHz: pnr.fmaxMHz,
                            utilisation: pnr.utilisation, criticalPath: cp,
                            seconds: summary.resources.seconds + pnr.synthSeconds + pnr.pnrSeconds)
    }

    static func imported(_ file: URL) throws -> PnRRow {
        let summary = try JSONDecoder().decode(SynthSummary.self, from: try Data(contentsOf: file))
        guard summary.design == "sat", let pnr = summary.pnr, let cp = pnr.criticalPath else {
            throw SynthError("\(file.path) is not a `hwgen synth --pnr` report of the sat design")
        }
        let p = summary.parameters
        let opts = DesignOptions(rows: Int(p["rows"] ?? ""), cols: Int(p["cols"] ?? ""), nm: "\(p["n"] ?? "?"):\(p["m"] ?? "?")",
                                 pipeline: p["pipeline"])
        let cfg = try Designs.named("sat").config(opts) as! SATConfig
        let t = summary.resources.total
        let extra = (pnr.extraArguments ?? []).joined(separator: " ")
        return PnRRow(design: "sat \(cfg.n):\(cfg.m)", size: cfg.rows, pipeline: cfg.pipeline.description,
                      part: pnr.part + (extra.isEmpty ? "" : " (\(extra))"), clockMHz: pnr.clockMHz,
                      fmaxMHz: pnr.fmaxMHz, luts: t[.lut], ffs: t[.ff], dsps: t[.dsp], criticalStart: cp.start, criticalEnd: cp.end,
                      criticalThrough: cp.through, sparseCycles: try cycles(cfg, sparse: true), denseCycles: try cycles(cfg, sparse: false),
                      seconds: summary.resources.seconds + pnr.synthSeconds + pnr.pnrSeconds)
    }

    /// The previous place-and-route rows with this run's replacing those of the same size and
    /// pipeline, ordered by size, then latency (none first).
    static func merged(_ old: [PnRRow], _ new: [PnRRow]) -> [PnRRow] {
        let keys = Set(new.map { "\($0.size) \($0.pipeline) \($0.part)" })
        let order = ["none", "mux", "mul", "sum", "mux+mul", "mul+sum", "mux+sum", "mux+mul+sum", "in+mul", "mux+in+mul", "mux+in+mul+sum", "entry+mux+in+mul+sum", "entry+mux+in+mul+route+sum"]
        return (old.filter { !keys.contains("\($0.size) \($0.pipeline) \($0.part)") } + new).sorted {
            ($0.part, $0.size, order.firstIndex(of: $0.pipeline) ?? 99) < ($1.part, $1.size, order.firstIndex(of: $1.pipeline) ?? 99)
        }
    }

    /// Runs `body` over `items` on `jobs` threads; results in the items' order.
    static func parallel<T: Sendable, R: Sendable>(_ items: [T], jobs: Int, _ body: @escaping @Sendable (T) throws -> R) throws -> [R] {
        let pool = Pool<R>(count: items.count)
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, items.count))) { _ in
            while let i = pool.take() { pool.put(i, Result { try body(items[i]) }) }
        }
        return try pool.results.map { try $0!.get() }
    }

    /// The shared state of ``parallel``: the next item and the results, under a lock.
    final class Pool<R: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private let count: Int
        private(set) var results: [Result<R, Error>?]
        init(count: Int) { self.count = count; results = Array(repeating: nil, count: count) }
        func take() -> Int? { lock.withLock { next < count ? { next += 1; return next - 1 }() : nil } }
        func put(_ i: Int, _ r: Result<R, Error>) { lock.withLock { results[i] = r } }
    }
}
