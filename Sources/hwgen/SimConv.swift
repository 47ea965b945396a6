import ArgumentParser
import Designs

/// `hwgen sim conv`: one convolution layer's training phase on a design with a conv workload.
/// Thin on purpose: it parses the shared options and dispatches by design; each design's
/// co-simulation lives in its own file.
struct SimConv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "Run one convolution layer's FF, BP or WU on a design's RTL; compare results bit-exactly and cycles with the golden model.",
        discussion: "Exits 0 when everything matches, 1 on a mismatch, 2 or more on errors.")

    @Option(help: "Design to simulate: sparsetrain.")
    var design: String = "sparsetrain"

    @Option(help: "The phase: ff, bp or wu.")
    var phase: String = "ff"

    @Option(help: "The layer: conv:ci=..,co=..,h=..,w=..,k=..[,s=..,p=..]")
    var layer: String

    @Option(help: "PE array shape, ROWSxCOLS (default: the design's).")
    var pe: String?

    @OptionGroup var knobs: DesignKnobs

    @Option(help: "sparsetrain: stochastic pruning rate p of the output gradient, in [0, 1) (default: no pruning).")
    var prune: Double?

    @Option(help: "sparsetrain: how work items are grouped into array runs, balanced (default) or in-order.")
    var mapping: String = "balanced"

    @Option(help: "sparsetrain: sparse, or both (the default: also the dense baseline on the same array, and the speedup).")
    var mode: String = "both"

    @Option(help: "Seed of the random operands.")
    var seed: UInt64 = 1

    @Flag(help: "Print one JSON object instead of the summary.")
    var json = false

    func run() throws {
        switch design {
        case "sparsetrain":
            try SparseTrainSimConv(command: self).run()
        default:
            _ = try Designs.named(design)
            throw CLIError("design '\(design)' has no conv workload (designs with one: sparsetrain)")
        }
    }
}
