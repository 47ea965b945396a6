import Flow
import ArgumentParser
import Cosim
import Foundation
import SparseModel
import HWCore
import SparseAccel
import Designs
import Flow
import Workloads

struct Sim: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Co-simulate a workload on the Verilated design against the golden model.",
        subcommands: [SimGEMM.self, SimLayer.self, SimTrain.self, SimConv.self])
}

struct SimGEMM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "Run a random GEMM through Verilator; compare outputs bit-exactly and cycles with the cycle model.",
        discussion: "Exits 0 on a match, 1 on a mismatch (a waveform is written automatically), 2 or more on errors.")

    @Option(help: "Design to simulate (see `hwgen list`).")
    var design: String = Designs.defaultName

    @Option(help: "Designs with a sparse mode (sat): sparse (N:M weights, M elements per beat, the default) or dense (N elements per beat).")
    var mode: String?

    @Option(help: "PE array shape, ROWSxCOLS (default 4x4 here).")
    var pe: String = "4x4"

    @Option(help: "Reduction length K of each output tile.")
    var k: Int = 64

    @Option(help: "Output tiles run back to back (the read-out of one overlaps the next).")
    var tiles: Int = 1

    @Option(help: "Percent of beats preceded by 1 to 3 bubbles (invalid beats), as a stalled feeder makes (0...90).")
    var bubbles: Int = 0

    @Option(help: "Seed of the random operands.")
    var seed: UInt64 = 1

    @OptionGroup var knobs: DesignKnobs

    @Option(help: "Dump a VCD waveform of the whole run to FILE.")
    var vcd: String?

    @Option(help: "Dump an FST waveform (compressed, for gtkwave) of the whole run to FILE.fst.")
    var fst: String?

    @Option(name: .customLong("export-bench"), help: "Also write a self-checking iverilog bench of the same vectors to DIR.")
    var exportBench: String?

    @Option(help: "Verilog style to simulate: simulation (the default, tuned for Verilator) or synthesis (the text `hwgen emit` writes).")
    var style: VerilogStyle = .simulation

    @Flag(help: "Print one JSON object instead of the summary.")
    var json = false

    func run() throws {
        let shape = try PEShape.parse(pe)
        guard EDATools.isAvailable("verilator") else {
            throw CLIError("verilator is not installed (run Scripts/setup, or apt-get install verilator)")
        }
        let bench = exportBench.map { URL(fileURLWithPath: $0) }
        if vcd != nil && fst != nil { throw CLIError("give --vcd or --fst, not both") }
        if let f = fst, !f.hasSuffix(".fst") { throw CLIError("--fst FILE must end in .fst, got '\(f)'") }
        if let v = vcd, v.hasSuffix(".fst") { throw CLIError("--vcd FILE must not end in .fst (use --fst)") }
        let wave = vcd ?? fst
        let entry = try Designs.named(design)
        guard entry.workloads.contains("gemm") else { throw CLIError("design '\(design)' has no gemm workload") }
        let report = try entry.gemm(knobs.options(shape),
                                    GEMMRequest(k: k, seed: seed, tiles: tiles, bubblePercent: bubbles, mode: mode, waveform: wave, exportBench: bench, style: style))
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(report), as: UTF8.self))
        } else {
            print(report.summary)
        }
        if !report.match { throw ExitCode(1) }
    }
}

struct SimLayer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layer",
        abstract: "Run one layer's training step (FF, BP, WU with update and pre-generation) on the sat-system RTL, N:M and dense.",
        discussion: """
            Compiles the step to an instruction program, runs it in Verilator against a DRAM model, checks Y, dX, the updated \
            master weights and the pre-generated Wf/Wbt bit for bit against the golden model and every phase's cycles against \
            the cycle model, and prints per-phase cycles, PE utilisation, DMA bytes and the dense-vs-N:M speedup of the step. \
            Exits 0 when everything matches, 1 on a mismatch, 2 or more on errors.
            """)

    @Option(help: "The layer: conv:ci=..,co=..,h=..,w=..,k=..[,s=..,p=..] or fc:in=..,out=..")
    var layer: String

    @Option(help: "Batch size.")
    var batch: Int = 1

    @Option(help: "PE array shape, ROWSxCOLS (default 16x16).")
    var pe: String?

    @OptionGroup var knobs: DesignKnobs

    @Option(help: "sparse (the N:M step), dense, or both (the default: also the step speedup).")
    var mode: String = "both"

    @Option(name: .customLong("dram-bytes-per-cycle"), help: "DRAM bandwidth each way, bytes per cycle (default: one beat per cycle).")
    var dramBytesPerCycle: Double?

    @Option(name: .customLong("dram-latency"), help: "DRAM read latency in cycles (writes are acknowledged after half of it).")
    var dramLatency: Int = 20

    @Option(name: .customLong("back-pressure"), help: "Probability of each kind of random DRAM stall per cycle, 0...0.9 (seeded).")
    var backPressure: Double?

    @Option(help: "Seed of the random operands and the DRAM's stalls.")
    var seed: UInt64 = 1

    @Option(help: "Skip BP (the first layer needs no input gradient): yes or no.")
    var bp: String = "yes"

    @Flag(help: "Print one JSON object instead of the summary.")
    var json = false

    func run() throws {
        let shape = try pe.map(PEShape.parse)
        guard EDATools.isAvailable("verilator") else {
            throw CLIError("verilator is not installed (run Scripts/setup, or apt-get install verilator)")
        }
        guard ["both", "sparse", "dense"].contains(mode) else { throw CLIError("--mode expects sparse, dense or both, got '\(mode)'") }
        guard batch >= 1, batch <= 4096 else { throw CLIError("--batch must be in 1...4096, got \(batch)") }
        guard bp == "yes" || bp == "no" else { throw CLIError("--bp expects yes or no, got '\(bp)'") }
        if let b = dramBytesPerCycle, !(b > 0 && b <= 4096) { throw CLIError("--dram-bytes-per-cycle must be in (0, 4096], got \(b)") }
        guard (1...10_000).contains(dramLatency) else { throw CLIError("--dram-latency must be in 1...10000, got \(dramLatency)") }
        if let p = backPressure, !(p >= 0 && p <= 0.9) { throw CLIError("--back-pressure must be in 0...0.9, got \(p)") }
        let spec = try LayerSpec.parse(layer)
        let config = try Designs.named("sat-system").config(knobs.options(shape))
        guard let system = config as? SATSystemConfig else { throw CLIError("internal: sat-system has no system config") }
        if system.axi { throw CLIError("sim layer runs the native memory port (the AXI wrapper is co-simulated by the tests)") }
        let timing = DRAMTiming(bytesPerCycle: dramBytesPerCycle, readLatency: dramLatency, writeLatency: max(1, dramLatency / 2),
                                backPressure: backPressure, seed: seed)
        var reports: [LayerRun.Report] = []
        for sparse in mode == "both" ? [true, false] : [mode == "sparse"] {
            reports.append(try LayerRun(config: system, layer: spec, batch: batch, sparse: sparse, computeInputGradient: bp == "yes", seed: seed)
                .run(dram: timing))
        }
        let summary = LayerComparison(reports: reports, n: system.core.n, m: system.core.m)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(summary), as: UTF8.self))
        } else {
            print(summary.text)
        }
        if !summary.ok { throw ExitCode(1) }
    }
}
