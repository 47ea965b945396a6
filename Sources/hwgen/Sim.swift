import Flow
import ArgumentParser
import Cosim
import Foundation
import HWCore
import SparseAccel
import Designs
import Flow
import Workloads

struct Sim: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Co-simulate a workload on the Verilated design against the golden model.",
        subcommands: [SimGEMM.self])
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
