import ArgumentParser
import Flow
import Foundation
import SparseAccel
import SparseModel
import Designs
import Workloads

/// `hwgen sim conv --design sparsetrain`: random operands (X post-ReLU, dY bell-shaped and, with
/// --prune, stochastically pruned with the streaming τ) for one phase, run on the Verilated array
/// in sparse and dense mode.
struct SparseTrainSimConv {
    let command: SimConv

    func run() throws {
        let c = command
        let shape = try c.pe.map(PEShape.parse)
        let phase = try ConvPhase.parse(c.phase)
        let mapping = try ArrayMapping.parse(c.mapping)
        guard ["both", "sparse"].contains(c.mode) else { throw CLIError("--mode expects sparse or both, got '\(c.mode)'") }
        if let p = c.prune, !(p >= 0 && p < 1) { throw CLIError("--prune must be in [0, 1), got \(p)") }
        let spec = try LayerSpec.parse(c.layer)
        guard spec.kind == .conv else { throw CLIError("sim conv needs a conv layer, got \(spec)") }
        guard spec.inChannels * spec.inHeight * spec.inWidth <= 1 << 20, spec.weightCount <= 1 << 20 else {
            throw CLIError("layer \(spec) is too large for a co-simulation here (at most 2^20 activations and weights)")
        }
        let config = try Designs.named("sparsetrain").config(c.knobs.options(shape))
        guard let cfg = config as? SparseTrainConfig else { throw CLIError("internal: sparsetrain has no SparseTrain config") }
        guard EDATools.isAvailable("verilator") else {
            throw CLIError("verilator is not installed (run Scripts/setup, or apt-get install verilator)")
        }
        let ops = try SparseTrainOperands.random(layer: spec, seed: c.seed, prune: c.prune, lanes: cfg.cols)
        let runner = try SparseTrainArrayRunner(config: cfg)
        let report = try SparseTrainConv.run(phase, ops, runner: runner, mapping: mapping, dense: c.mode == "both")
        if c.json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(report), as: UTF8.self))
        } else {
            print(report.text)
        }
        if !report.ok { throw ExitCode(1) }
    }
}
