import ArgumentParser
import Designs
import Flow
import Foundation

/// `hwgen sim conv`: one conv layer co-simulated on a design's RTL against the golden conv. Thin:
/// it parses the shared arguments and dispatches by design; each design's runner lives in its own
/// file (`SimConvSPS.swift`, ...).
struct SimConv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "Run one conv layer through Verilator; compare outputs bit-exactly with the golden conv and cycles with the cycle model.",
        discussion: "Exits 0 on a match, 1 on a mismatch, 2 or more on errors.")

    @Option(help: "Design to simulate: sps.")
    var design: String = "sps"

    @Option(help: "The layer: conv:ci=..,co=..,h=..,w=..,k=..[,s=..,p=..]")
    var layer: String

    @Option(help: "PE array shape, ROWSxCOLS (default: the design's).")
    var pe: String?

    @OptionGroup var knobs: DesignKnobs

    @Option(help: "Seed of the random activations and weights.")
    var seed: UInt64 = 1

    @OptionGroup var sps: SPSConvOptions

    @Flag(help: "Print one JSON object instead of the summary.")
    var json = false

    func run() throws {
        let shape = try pe.map(PEShape.parse)
        guard EDATools.isAvailable("verilator") else {
            throw CLIError("verilator is not installed (run Scripts/setup, or apt-get install verilator)")
        }
        switch design {
        case "sps": try SimConvSPS.run(self, shape: shape)
        default:
            _ = try Designs.named(design)  // an unknown design says which exist
            throw CLIError("design '\(design)' has no conv workload (sim conv runs: sps)")
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
