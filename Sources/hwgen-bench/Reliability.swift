// The reliability campaign (Scripts/bench-reliability, issue 15): a CLI fuzz of random command
// lines against the built `hwgen`, and a soak of randomized co-simulations over many design
// configurations (GEMM tiles on the arrays, layer training steps on the sat-system). Writes
// Benchmarks/reliability.md.
import Designs
import Foundation
import HWCore
import TestSupport
import Workloads

enum Reliability {
    struct FuzzResult {
        var cases = 0
        var byKind: [CLIFuzz.Kind: [CLIFuzz.Outcome: Int]] = [:]
        var failures: [String] = []
        var seconds = 0.0
    }

    /// `cases` random command lines (simulations included), each bounded by `timeout` seconds.
    static func fuzz(binary: URL, cases: Int, seed: UInt64, timeout: Double) throws -> FuzzResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-fuzz-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix64(seed: seed)
        var r = FuzzResult()
        let start = Date()
        for i in 0..<cases {
            let (kind, args) = CLIFuzz.arguments(&rng, outputDir: dir.path, simulation: true)
            try CLIFuzz.prepare(dir)
            let (outcome, detail) = try CLIFuzz.run(binary: binary, args, dir: dir, timeout: timeout)
            r.byKind[kind, default: [:]][outcome, default: 0] += 1
            // A mismatch is acceptable CLI behaviour (a reported, clean exit 1) but, with the
            // golden model as reference, a design or model bug: list it with the failures.
            if !outcome.acceptable || outcome == .mismatch {
                r.failures.append("\(outcome.rawValue): hwgen \(args.joined(separator: " ")) — \(detail)")
            }
            r.cases += 1
            if (i + 1) % 250 == 0 { FileHandle.standardError.write(Data("fuzz: \(i + 1)/\(cases)\n".utf8)) }
        }
        r.seconds = Date().timeIntervalSince(start)
        return r
    }

    /// One soak configuration: a design, its knobs, and how its GEMMs are drawn.
    struct SoakConfig {
        let design: String
        let options: DesignOptions
        let style: VerilogStyle
        let k: Int
        let tiles: Int
        let bubbles: Int
        let mode: String?

        var label: String {
            var parts = [design, "\(options.rows ?? 16)x\(options.cols ?? 16)"]
            if let nm = options.nm { parts.append(nm) }
            if let m = mode { parts.append(m) }
            if let d = options.dataWidth { parts.append("d\(d)") }
            if let a = options.accWidth { parts.append("a\(a)") }
            if let p = options.pipeline { parts.append("pipe \(p)") }
            parts.append("K=\(k)")
            if tiles > 1 { parts.append("\(tiles) tiles") }
            if bubbles > 0 { parts.append("\(bubbles)% bubbles") }
            if style == .synthesis { parts.append("synthesis text") }
            return parts.joined(separator: ", ")
        }
    }

    static let soakConfigs: [SoakConfig] = [
        .init(design: "sat", options: DesignOptions(rows: 16, cols: 16), style: .simulation, k: 4096, tiles: 2, bubbles: 0, mode: "sparse"),
        .init(design: "sat", options: DesignOptions(rows: 16, cols: 16), style: .simulation, k: 2048, tiles: 1, bubbles: 0, mode: "dense"),
        .init(design: "sat", options: DesignOptions(rows: 8, cols: 8, nm: "1:4"), style: .simulation, k: 8192, tiles: 2, bubbles: 10, mode: "sparse"),
        .init(design: "sat", options: DesignOptions(rows: 8, cols: 8, nm: "2:4", pipeline: "full"), style: .simulation, k: 4096, tiles: 3, bubbles: 0, mode: "sparse"),
        .init(design: "sat", options: DesignOptions(rows: 4, cols: 4, nm: "1:8"), style: .synthesis, k: 4096, tiles: 4, bubbles: 20, mode: "sparse"),
        .init(design: "sat", options: DesignOptions(rows: 4, cols: 4, nm: "4:8", pipeline: "mul"), style: .simulation, k: 8192, tiles: 2, bubbles: 0, mode: "dense"),
        .init(design: "sat", options: DesignOptions(rows: 3, cols: 5, nm: "2:16"), style: .simulation, k: 16384, tiles: 2, bubbles: 5, mode: "sparse"),
        .init(design: "sat", options: DesignOptions(rows: 7, cols: 1, nm: "2:4", dataWidth: 2, accWidth: 5), style: .simulation, k: 88, tiles: 8, bubbles: 30, mode: "sparse"),
        .init(design: "sat", options: DesignOptions(rows: 1, cols: 16, nm: "2:8", dataWidth: 16), style: .simulation, k: 4096, tiles: 2, bubbles: 0, mode: "sparse"),
        .init(design: "sat", options: DesignOptions(rows: 16, cols: 1, nm: "3:8", dataWidth: 12, accWidth: 40), style: .simulation, k: 2048, tiles: 2, bubbles: 15, mode: "sparse"),
        .init(design: "sat", options: DesignOptions(rows: 2, cols: 3, nm: "1:2", dataWidth: 32), style: .simulation, k: 4096, tiles: 3, bubbles: 0, mode: "dense"),
        .init(design: "sat", options: DesignOptions(rows: 5, cols: 2, nm: "2:8", pipeline: "mux+sum"), style: .synthesis, k: 1024, tiles: 6, bubbles: 40, mode: "sparse"),
        .init(design: "sat", options: DesignOptions(rows: 1, cols: 1, nm: "1:4"), style: .simulation, k: 65536, tiles: 1, bubbles: 0, mode: "sparse"),
        .init(design: "osarray", options: DesignOptions(rows: 16, cols: 16), style: .simulation, k: 4096, tiles: 2, bubbles: 0, mode: nil),
        .init(design: "osarray", options: DesignOptions(rows: 16, cols: 16), style: .synthesis, k: 1024, tiles: 2, bubbles: 10, mode: nil),
        .init(design: "osarray", options: DesignOptions(rows: 8, cols: 3), style: .simulation, k: 8192, tiles: 3, bubbles: 20, mode: nil),
        .init(design: "osarray", options: DesignOptions(rows: 1, cols: 9, dataWidth: 16), style: .simulation, k: 4096, tiles: 2, bubbles: 0, mode: nil),
        .init(design: "osarray", options: DesignOptions(rows: 9, cols: 1, dataWidth: 3, accWidth: 7), style: .simulation, k: 33, tiles: 10, bubbles: 25, mode: nil),
        .init(design: "osarray", options: DesignOptions(rows: 4, cols: 4, dataWidth: 32), style: .simulation, k: 4096, tiles: 2, bubbles: 5, mode: nil),
        .init(design: "osarray", options: DesignOptions(rows: 2, cols: 2), style: .simulation, k: 100_000, tiles: 1, bubbles: 0, mode: nil),
        .init(design: "osarray", options: DesignOptions(rows: 5, cols: 7, dataWidth: 12), style: .synthesis, k: 2000, tiles: 4, bubbles: 35, mode: nil),
        .init(design: "osarray", options: DesignOptions(rows: 1, cols: 1, dataWidth: 1, accWidth: 2), style: .simulation, k: 7, tiles: 16, bubbles: 50, mode: nil),
    ]

    struct SoakRow {
        let config: SoakConfig
        var runs = 0
        var cycles = 0
        var outputMismatches = 0
        var cycleMismatches = 0
        var seconds = 0.0
        var firstProblem: String?
    }

    /// Runs every configuration with fresh seeds until it has simulated `cyclesPerConfig` cycles.
    static func soak(cyclesPerConfig: Int, seed: UInt64) throws -> [SoakRow] {
        var rng = SplitMix64(seed: seed)
        var rows: [SoakRow] = []
        for (n, c) in soakConfigs.enumerated() {
            var row = SoakRow(config: c)
            let start = Date()
            let entry = try Designs.named(c.design)
            while row.cycles < cyclesPerConfig {
                let r = try entry.gemm(c.options, GEMMRequest(k: c.k, seed: rng.next(), tiles: c.tiles, bubblePercent: c.bubbles,
                                                              mode: c.mode, waveformOnMismatch: "/tmp/hwgen-soak-mismatch.vcd", style: c.style))
                row.runs += 1
                row.cycles += r.totalCycles
                if !r.outputsMatch { row.outputMismatches += 1 }
                if r.doneCycles != r.expectedDoneCycles { row.cycleMismatches += 1 }
                if !r.match && row.firstProblem == nil { row.firstProblem = "seed \(r.seed): \(r.mismatch ?? "")" }
            }
            row.seconds = Date().timeIntervalSince(start)
            FileHandle.standardError.write(Data("soak \(n + 1)/\(soakConfigs.count): \(c.label): \(row.runs) runs, \(row.cycles) cycles, \(String(format: "%.1f", row.seconds)) s\n".utf8))
            rows.append(row)
        }
        return rows
    }

    static func run(args: [String]) throws {
        if args.first == "list" {
            // The command lines of the fuzz, without running them (to replay one by hand).
            var rng = SplitMix64(seed: 0x15)
            for i in 0..<(args.count > 1 ? Int(args[1]) ?? 3500 : 3500) {
                let (kind, a) = CLIFuzz.arguments(&rng, outputDir: "/tmp/fuzz", simulation: true)
                print("\(i)\t\(kind.rawValue)\t\(a.joined(separator: " "))")
            }
            return
        }
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let binary = root.appendingPathComponent(".build/release/hwgen")
        let cases = args.count > 0 ? Int(args[0]) ?? 3500 : 3500
        let soakCycles = args.count > 1 ? Int(args[1]) ?? 500_000 : 500_000
        let fuzz = try fuzz(binary: binary, cases: cases, seed: 0x15, timeout: 180)
        let layerCycles = args.count > 2 ? Int(args[2]) ?? 200_000 : 200_000
        let soak = try soak(cyclesPerConfig: soakCycles, seed: 0x50AC)
        let layers = try layerSoak(cyclesPerConfig: layerCycles, seed: 0x1A7E)
        let total = soak.reduce(0) { $0 + $1.cycles }
        let bad = soak.reduce(0) { $0 + $1.outputMismatches + $1.cycleMismatches }
        var md = """
        # Reliability campaign (issue 15)

        `Scripts/bench-reliability`, \(ProcessInfo.processInfo.activeProcessorCount) cores. Two parts: a fuzz of random `hwgen`
        command lines (TestSupport.CLIFuzz: well-formed commands with values from valid ranges, edge
        cases and malformed text, garbage; paths into a directory holding a file, a subdirectory and a
        symlink, plus missing directories and /dev/null; small co-simulations included), and a soak
        of randomized co-simulations (fresh operand seeds per run) checking every output bit-exactly
        against the golden model and `tile_done` against the cycle model.

        ## CLI fuzz: \(fuzz.cases) command lines, \(String(format: "%.0f", fuzz.seconds)) s

        Each run bounded to 180 s. Acceptable: exit 0, exit 1 (a reported mismatch), or an error exit with one
        `hwgen: error:` line and the output directory exactly as before. Not acceptable: a signal (a Swift
        trap), a hang, other error text, files changed by a failed command, or a successful `emit` whose
        stdout does not end a module.

        | kind | runs | \(CLIFuzz.Outcome.allCases.map(\.rawValue).joined(separator: " | ")) |
        |---|---:|\(CLIFuzz.Outcome.allCases.map { _ in "---:" }.joined(separator: "|"))|

        """
        for kind in CLIFuzz.Kind.allCases {
            let counts = fuzz.byKind[kind] ?? [:]
            md += "| \(kind.rawValue) | \(counts.values.reduce(0, +)) | " + CLIFuzz.Outcome.allCases.map { String(counts[$0] ?? 0) }.joined(separator: " | ") + " |\n"
        }
        let unacceptable = fuzz.failures.count
        md += "\nUnacceptable outcomes and simulation mismatches: **\(unacceptable)**" + (unacceptable == 0 ? " (0 traps, 0 hangs, 0 partial files, 0 mismatches).\n" : ":\n\n" + fuzz.failures.prefix(20).map { "* \($0)" }.joined(separator: "\n") + "\n")
        md += """

        ## Soak: \(soak.count) configurations, \(total) simulated cycles, \(String(format: "%.0f", soak.reduce(0) { $0 + $1.seconds })) s

        | configuration | runs | cycles | output mismatches | cycle mismatches | wall (s) |
        |---|---:|---:|---:|---:|---:|

        """
        for row in soak {
            md += "| \(row.config.label) | \(row.runs) | \(row.cycles) | \(row.outputMismatches) | \(row.cycleMismatches) | \(String(format: "%.1f", row.seconds)) |\n"
        }
        md += "\nTotal: \(total) cycles, \(soak.reduce(0) { $0 + $1.runs }) runs, \(bad) mismatches"
        md += total >= 10_000_000 && bad == 0 ? " — target (>= 10^7 cycles, 0 mismatches): met.\n" : " — target (>= 10^7 cycles, 0 mismatches): MISSED.\n"
        for row in soak { if let p = row.firstProblem { md += "\n* \(row.config.label): \(p)" } }
        let layerTotal = layers.reduce(0) { $0 + $1.cycles }, layerBad = layers.reduce(0) { $0 + $1.mismatches }
        md += """

        ## Soak, training system: \(layers.count) configurations, \(layerTotal) simulated cycles, \(String(format: "%.0f", layers.reduce(0) { $0 + $1.seconds })) s

        Random conv layers (1..20 channels each way, kernel 1, 2, 3 or 5, stride 1 or 2, padding,
        odd sizes) and FC layers, batch 1..3, N:M or dense, with or without BP, on the RTL of the
        training system against a DRAM model with random latency (1..60 read, 1..30 write), random
        bandwidth limits and seeded random back-pressure; every run checks Y, dX, the updated master
        weights and the next Wf/Wbt bit for bit against the golden step and every SYNC cycle, beat
        and memory-beat count against the cycle model.

        | configuration | layer steps | cycles | mismatches | wall (s) |
        |---|---:|---:|---:|---:|

        """
        for row in layers {
            md += "| \(row.config.label) | \(row.runs) | \(row.cycles) | \(row.mismatches) | \(String(format: "%.1f", row.seconds)) |\n"
        }
        md += "\nTotal: \(layers.reduce(0) { $0 + $1.runs }) layer steps, \(layerTotal) cycles, \(layerBad) mismatches.\n"
        for row in layers { for p in row.problems.prefix(5) { md += "\n* \(row.config.label): \(p)" } }
        let out = root.appendingPathComponent("Benchmarks/reliability.md")
        try md.write(to: out, atomically: true, encoding: .utf8)
        print(md)
    }
}
