import ArgumentParser
import Designs
import Flow
import Foundation

/// `hwgen sim conv`: one conv layer co-simulated on a design's RTL against the golden model. Thin:
/// it parses the shared arguments and dispatches by design; each design's runner lives in its own
/// file (`SimConvSPS.swift`, `SparseTrainSimConv.swift`). An option of the other design is an
/// error, not ignored.
struct SimConv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "Run one conv layer (sps: forward; sparsetrain: FF, BP or WU) through Verilator; compare outputs bit-exactly with the golden model and cycles with the cycle model.",
        discussion: "Exits 0 when everything matches, 1 on a mismatch, 2 or more on errors.")

    @Option(help: "Design to simulate: sps (the default), sps-system, sparsetrain or sparsetrain-system.")
    var design: String = "sps"

    @Option(help: "The layer: conv:ci=..,co=..,h=..,w=..,k=..[,s=..,p=..]")
    var layer: String

    @Option(help: "PE array shape, ROWSxCOLS (default: the design's).")
    var pe: String?

    @OptionGroup var knobs: DesignKnobs

    @Option(help: "Seed of the random operands.")
    var seed: UInt64 = 1

    @OptionGroup var sps: SPSConvOptions

    @Option(name: .customLong("phase"), help: "sparsetrain: the phase, ff (default), bp or wu.")
    var phaseOption: String?

    @Option(help: "sparsetrain: stochastic pruning rate p of the output gradient, in [0, 1) (default: no pruning).")
    var prune: Double?

    @Option(name: .customLong("mapping"), help: "sparsetrain: how work items are placed on the PEs: balanced (default; per-PE queues, longest first on the least-loaded PE), sorted or in-order (one item per PE and run).")
    var mappingOption: String?

    @Option(name: .customLong("mode"), help: "sparsetrain: sparse, or both (the default: also the dense baseline on the same array, and the speedup).")
    var modeOption: String?

    @Flag(help: "Print one JSON object instead of the summary.")
    var json = false

    var phase: String { phaseOption ?? "ff" }
    var mapping: String { mappingOption ?? "balanced" }
    var mode: String { modeOption ?? "both" }

    func run() throws {
        let shape = try pe.map(PEShape.parse)
        let sparseTrainOptions = [("--phase", phaseOption != nil), ("--prune", prune != nil), ("--mapping", mappingOption != nil),
                                  ("--mode", modeOption != nil)].filter(\.1).map(\.0)
        let spsOptions = [("--scheme", sps.scheme != nil), ("--vcd", sps.vcd != nil)].filter(\.1).map(\.0)
        switch design {
        case "sps":
            if let o = sparseTrainOptions.first { throw CLIError("\(o) applies to --design sparsetrain, not sps") }
            try requireVerilator()
            try SimConvSPS.run(self, shape: shape)
        case "sps-system":
            if let o = sparseTrainOptions.first { throw CLIError("\(o) applies to --design sparsetrain, not sps-system") }
            try requireVerilator()
            try SimConvSPS.runSystem(self, shape: shape)
        case "sparsetrain":
            if let o = spsOptions.first { throw CLIError("\(o) applies to --design sps, not sparsetrain") }
            try SparseTrainSimConv(command: self).run()
        case "sparsetrain-system":
            if let o = spsOptions.first { throw CLIError("\(o) applies to --design sps, not sparsetrain-system") }
            try SparseTrainSystemSimConv(command: self).run()
        default:
            _ = try Designs.named(design)  // an unknown design says which exist
            throw CLIError("design '\(design)' has no conv workload (sim conv runs: sps, sps-system, sparsetrain, sparsetrain-system)")
        }
    }

    func requireVerilator() throws {
        guard EDATools.isAvailable("verilator") else {
            throw CLIError("verilator is not installed (run Scripts/setup, or apt-get install verilator)")
        }
    }

    /// Prints `report` as JSON or text.
    func print<R: Encodable>(_ report: R, summary: String) throws {
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            Swift.print(String(decoding: try enc.encode(report), as: UTF8.self))
        } else {
            Swift.print(summary)
        }
    }
}
