import ArgumentParser
import Cosim
import Flow
import Designs
import Foundation
import SparseAccel
import SparseModel
import Workloads

/// The six N:M patterns of the sweep.
let sweepPatterns = ["1:4", "2:4", "1:8", "2:8", "4:8", "2:16"]

struct SimTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Run a whole network's training step (every conv and FC layer's FF, BP, WU, update and pre-generation) on the sat-system RTL, dense and N:M.",
        discussion: """
            Each distinct layer shape is one job per mode (layers of equal shape take equal cycles). A job is predicted by the \
            cycle model; within --rtl-budget cycles it is co-simulated (tensors bit-exact against the golden model, cycles \
            against the cycle model), beyond it the model's cycles are reported and marked `model`. Progress goes to stderr, \
            the report to stdout. --shard i/n runs every n-th job starting at the i-th and writes one JSON per job to \
            --jobs-dir; `hwgen report merge` turns any set of shards into the report of the whole run. Exits 1 on a mismatch. \
            Defaults here suit a 16x16 array: --mem-width 512, --buffers 2048,8192,256,256,64.
            """)

    @Option(help: "The network: \(ModelZoo.names.joined(separator: ", ")).")
    var model: String

    @Option(help: "Input size: imagenet (224x224) or cifar10 (32x32).")
    var input: String = "imagenet"

    @Option(help: "Batch size.")
    var batch: Int = 1

    @Option(help: "PE array shape, ROWSxCOLS (default 16x16).")
    var pe: String?

    @OptionGroup var knobs: DesignKnobs

    @Option(name: .customLong("dram-bytes-per-cycle"), help: "DRAM bandwidth each way, bytes per cycle (default: one memory beat per cycle).")
    var dramBytesPerCycle: Double?

    @Option(name: .customLong("dram-latency"), help: "DRAM read latency in cycles (writes are acknowledged after half of it).")
    var dramLatency: Int = 40

    @Option(help: "Layers A..B of the network (1-based, inclusive), e.g. 2..5.")
    var layers: String?

    @Option(name: .customLong("rtl-budget"), help: "Co-simulate a layer step only when the cycle model predicts at most this many cycles.")
    var rtlBudget: Int = 5_000_000

    @Flag(name: .customLong("nm-sweep"), help: "Also run the other N:M patterns (1:4, 2:4, 1:8, 2:8, 4:8, 2:16) for the pattern table and plot.")
    var nmSweep = false

    @Option(help: "Run shard i of n (1-based): every n-th job starting at the i-th. Needs --jobs-dir.")
    var shard: String?

    @Option(name: .customLong("jobs-dir"), help: "Write one JSON result per job into DIR (what `hwgen report merge` reads).")
    var jobsDir: String?

    @Option(help: "Write all results as one JSON file (what `hwgen report` reads).")
    var json: String?

    @Option(help: "Write report.md and the SVG plots into DIR.")
    var report: String?

    @Option(help: "With --numerics bf16|fp16: training steps on one seeded batch, losses from the RTL's outputs (default 3).")
    var steps: Int?

    @Option(name: .customLong("lr-shift"), help: "With --numerics bf16|fp16: learning rate 2^-SHIFT of the fp32 SR-STE update, 0...62 (default 5).")
    var lrShift: Int?

    @Option(name: .customLong("loss-scale-shift"),
            help: "With --numerics bf16|fp16: static loss scale 2^SHIFT, 0...15, on the loss gradient; the update unit shifts by --lr-shift + SHIFT (default 0).")
    var lossScaleShift: Int?

    func run() throws {
        guard batch >= 1, batch <= 4096 else { throw CLIError("--batch must be in 1...4096, got \(batch)") }
        guard let inputSize = NetworkInput(rawValue: input) else { throw CLIError("--input expects imagenet or cifar10, got '\(input)'") }
        guard rtlBudget >= 0 else { throw CLIError("--rtl-budget must be ≥ 0, got \(rtlBudget)") }
        if let b = dramBytesPerCycle, !(b > 0 && b <= 4096) { throw CLIError("--dram-bytes-per-cycle must be in (0, 4096], got \(b)") }
        guard (1...10_000).contains(dramLatency) else { throw CLIError("--dram-latency must be in 1...10000, got \(dramLatency)") }
        if knobs.axi { throw CLIError("sim train runs the native memory port (the AXI wrapper is co-simulated by the tests)") }
        if knobs.numerics.map({ $0.lowercased() != "int8" }) ?? false { return try runFloat(inputSize) }
        if steps != nil || lrShift != nil || lossScaleShift != nil {
            throw CLIError("--steps, --lr-shift and --loss-scale-shift train on real losses with --numerics bf16 or fp16 only")
        }
        let network = try ModelZoo.network(model, input: inputSize)
        let range = try layers.map { try Self.parseRange($0, count: network.layers.count) }
        let shardSpec = try shard.map(Self.parseShard)
        if shardSpec != nil {
            guard jobsDir != nil else { throw CLIError("--shard needs --jobs-dir DIR (merge the shards with `hwgen report merge`)") }
            if json != nil || report != nil { throw CLIError("a shard writes job results only: merge the shards with `hwgen report merge` for --json/--report") }
        }
        guard EDATools.isAvailable("verilator") || rtlBudget == 0 else {
            throw CLIError("verilator is not installed (run Scripts/setup, or apt-get install verilator; --rtl-budget 0 uses the cycle model only)")
        }

        // One system per pattern, through the design registry; sim train's defaults suit a 16x16 array.
        let shape = try pe.map(PEShape.parse)
        var options = knobs.options(shape ?? PEShape(rows: 16, cols: 16))
        options.memWidth = options.memWidth ?? 512
        options.buffers = options.buffers ?? "2048,8192,256,256,64"
        let main = options.nm ?? "2:8"
        let patterns = [main] + (nmSweep ? sweepPatterns.filter { $0 != main } : [])
        var systems: [String: SATSystemConfig] = [:]
        for p in patterns {
            var o = options
            o.nm = p
            guard let c = try Designs.named("sat-system").config(o) as? SATSystemConfig else { throw CLIError("internal: sat-system has no system config") }
            systems[p] = c
        }
        let first = systems[main]!
        let setup = TrainSetup(model: model, input: inputSize, batch: batch, patterns: patterns, systems: patterns.map { systems[$0]!.topName },
                               dram: DRAMTiming(bytesPerCycle: dramBytesPerCycle, readLatency: dramLatency, writeLatency: max(1, dramLatency / 2)),
                               beatBytes: first.memory.beatBytes, rtlBudget: rtlBudget, firstLayer: range?.lowerBound, lastLayer: range?.upperBound)
        var jobs = TrainJob.plan(setup, network: network)
        if let (i, n) = shardSpec { jobs = TrainJob.shard(jobs, index: i, count: n) }

        let start = Date()
        let runner = try TrainRunner(setup: setup, systems: systems)
        let jobsURL = jobsDir.map { URL(fileURLWithPath: $0) }
        let results = try runner.run(jobs, progress: { FileHandle.standardError.write(Data("hwgen: \($0)\n".utf8)) }) { r in
            guard let dir = jobsURL else { return }
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try OutputFiles.write([(dir.appendingPathComponent(r.job.key + ".json").path, try Self.encode(r))])
        }
        let simulated = results.filter { $0.source == .rtl }.map(\.report.cycles).reduce(0, +)
        let seconds = Date().timeIntervalSince(start)
        FileHandle.standardError.write(Data(String(format: "hwgen: %d jobs in %.1f s, %d cycles co-simulated (%.0f cycles/s overall)\n",
                                                   results.count, seconds, simulated, Double(simulated) / max(seconds, 1e-9)).utf8))
        if shardSpec != nil {
            for r in results { print("\(r.job.key): \(r.report.cycles) cycles, \(r.source.rawValue)\(r.ok ? "" : ", MISMATCH")") }
        } else {
            let merged = try TrainResults.merge(results)
            let rep = try TrainReport(merged)
            let jsonFile = try json.map { ($0, try Self.encode(merged)) }
            if let dir = report {
                try ReportMerge.write(rep, to: dir, json: jsonFile)
            } else if let jsonFile {
                try OutputFiles.write([jsonFile])
            }
            print(rep.markdown, terminator: "")
        }
        if !results.allSatisfy(\.ok) { throw ExitCode(1) }
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try enc.encode(value), as: UTF8.self) + "\n"
    }

    /// `A..B`, 1-based and inclusive, inside 1...count.
    static func parseRange(_ text: String, count: Int) throws -> ClosedRange<Int> {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]) else { throw CLIError("--layers expects A..B, e.g. 2..5, got '\(text)'") }
        guard 1 <= a, a <= b, b <= count else { throw CLIError("--layers \(text) is outside 1..\(count) (the network has \(count) layers)") }
        return a...b
    }

    /// `i/n` with 1 ≤ i ≤ n.
    static func parseShard(_ text: String) throws -> (Int, Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= 100_000, (1...n).contains(i) else {
            throw CLIError("--shard expects i/n with 1 ≤ i ≤ n, e.g. 1/4, got '\(text)'")
        }
        return (i, n)
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the report of a training run: report.md and SVG plots.",
        subcommands: [ReportRender.self, ReportMerge.self], defaultSubcommand: ReportRender.self)
}

struct ReportRender: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render", abstract: "hwgen report RESULTS.json -o DIR: the report of a run's merged results (`sim train --json`).")

    @Argument(help: "The results JSON of `hwgen sim train --json` or `hwgen report merge --json`.")
    var results: String

    @Option(name: .shortAndLong, help: "The report directory.")
    var output: String

    func run() throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: results)) } catch { throw CLIError("cannot read \(results)") }
        let decoded: TrainResults
        do { decoded = try JSONDecoder().decode(TrainResults.self, from: data) } catch {
            throw CLIError("\(results) is not the results JSON of `hwgen sim train --json`")
        }
        try ReportMerge.write(try TrainReport(decoded), to: output)
    }
}

struct ReportMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine job results (files, or directories of them, from any shards) into the report of the whole run.",
        discussion: "The jobs must come from one run (same setup) and cover every job of it; the report equals an unsharded run's byte for byte.")

    @Argument(help: "Job result JSON files or directories holding them (`sim train --jobs-dir`).")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "The report directory.")
    var output: String

    @Option(help: "Also write the merged results as one JSON file.")
    var json: String?

    func run() throws {
        guard !inputs.isEmpty else { throw CLIError("give job result files or directories") }
        var files: [URL] = []
        for path in inputs {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw CLIError("no such file or directory: \(path)") }
            if isDir.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted()
                files += names.map { URL(fileURLWithPath: path).appendingPathComponent($0) }
            } else {
                files.append(URL(fileURLWithPath: path))
            }
        }
        var jobs: [TrainJobResult] = []
        for f in files {
            guard let data = try? Data(contentsOf: f), let r = try? JSONDecoder().decode(TrainJobResult.self, from: data) else {
                throw CLIError("\(f.path) is not a job result of `hwgen sim train --jobs-dir`")
            }
            jobs.append(r)
        }
        let merged = try TrainResults.merge(jobs)
        let rep = try TrainReport(merged)
        try Self.write(rep, to: output, json: json.map { ($0, try SimTrain.encode(merged)) })
        print(rep.markdown, terminator: "")
        if !merged.jobs.allSatisfy(\.ok) { throw ExitCode(1) }
    }

    /// Publishes report.md, the plots and the optional JSON together (creating the directory).
    static func write(_ rep: TrainReport, to dir: String, json: (String, String)? = nil) throws {
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw CLIError("cannot create the report directory \(dir)")
        }
        var files: [(String, String)] = [(URL(fileURLWithPath: dir).appendingPathComponent("report.md").path, rep.markdown)]
        for (name, svg) in rep.plots { files.append((URL(fileURLWithPath: dir).appendingPathComponent(name).path, svg)) }
        if let json { files.append(json) }
        try OutputFiles.write(files)
    }
}
