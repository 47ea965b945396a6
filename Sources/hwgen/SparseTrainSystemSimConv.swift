import ArgumentParser
import Designs
import Flow
import Foundation
import SparseAccel
import SparseModel
import Workloads

/// `hwgen sim conv --design sparsetrain-system`: the same random operands as `--design
/// sparsetrain` for one phase, compiled to an instruction stream and run on the Verilated
/// SparseTrain training system against the DRAM model, in sparse and dense mode; outputs read
/// back from DRAM, cycles from the design's counters (the balanced mapping).
struct SparseTrainSystemSimConv {
    let command: SimConv

    func run() throws {
        let c = command
        let shape = try c.pe.map(PEShape.parse)
        let phase = try ConvPhase.parse(c.phase)
        guard c.mapping == "balanced" else { throw CLIError("--mapping: the system runs the balanced mapping (queues per PE), got '\(c.mapping)'") }
        guard ["both", "sparse"].contains(c.mode) else { throw CLIError("--mode expects sparse or both, got '\(c.mode)'") }
        if let p = c.prune, !(p >= 0 && p < 1) { throw CLIError("--prune must be in [0, 1), got \(p)") }
        let spec = try LayerSpec.parse(c.layer)
        guard spec.kind == .conv else { throw CLIError("sim conv needs a conv layer, got \(spec)") }
        guard spec.inChannels * spec.inHeight * spec.inWidth <= 1 << 20, spec.weightCount <= 1 << 20 else {
            throw CLIError("layer \(spec) is too large for a co-simulation here (at most 2^20 activations and weights)")
        }
        let config = try Designs.named("sparsetrain-system").config(c.knobs.options(shape))
        guard let cfg = config as? SparseTrainSystemConfig else { throw CLIError("internal: sparsetrain-system has no SparseTrain system config") }
        guard EDATools.isAvailable("verilator") else {
            throw CLIError("verilator is not installed (run Scripts/setup, or apt-get install verilator)")
        }
        let ops = try SparseTrainOperands.random(layer: spec, seed: c.seed, prune: c.prune, lanes: cfg.array.cols)
        let runner = try SparseTrainSystemRun(config: cfg)
        let report = try SparseTrainSystemConv.run(phase, ops, runner: runner, dense: c.mode == "both")
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
