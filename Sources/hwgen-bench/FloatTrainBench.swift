// Float training benchmark (the last steps of Scripts/bench-float): small-cnn (CIFAR-10 shapes)
// trained for a few steps in bf16 or fp16 on the RTL of a 4x4 2:4 sat-system, losses from the
// RTL's outputs against an independent golden run (`Workloads.FloatTrainRun`). Replaces its
// section of Benchmarks/float.md ("## Float training on the SAT system" for bf16, "## fp16
// training on the SAT system" for fp16; appended when absent), so FloatBench's tables stay.
// Arguments: [steps] [batch] [bf16|fp16] [loss-scale shift].
import Foundation
import HWLib
import SparseAccel
import SparseModel
import Workloads

enum FloatTrainBench {
    static func heading(_ numerics: SATNumerics) -> String {
        numerics == .bf16 ? "## Float training on the SAT system" : "## \(numerics) training on the SAT system"
    }

    static func run(_ args: [String]) throws {
        let steps = args.first.flatMap { Int($0) } ?? 3
        let batch = args.count > 1 ? Int(args[1]) ?? 2 : 2
        let numerics = try args.count > 2 ? SATNumerics.parse(args[2]) : .bf16
        let scales = args.count > 3 ? args[3].split(separator: ",").compactMap { Int($0) } : [0]
        let maxScale = FloatNetworkTraining.maxLossScaleShift
        guard numerics.isFloat, !scales.isEmpty, scales.allSatisfy({ (0...maxScale).contains($0) }) else {
            throw ConfigError("float-train takes [steps] [batch] [bf16|fp16] [loss-scale shifts 0...\(maxScale), comma-separated]")
        }
        let heading = Self.heading(numerics)
        let network = try ModelZoo.network("small-cnn", input: .cifar10)
        var md = """
        \(heading)

        `hwgen sim train --numerics \(numerics) --model small-cnn --input cifar10 --pe 4x4 --nm 2:4 --mem-width 128 \
        --batch \(batch) --steps \(steps) [--loss-scale-shift S]` (`hwgen-bench float-train \(steps) \(batch) \(numerics) \(scales.map(String.init).joined(separator: ","))`):
        4x4 2:4 sat-system, η = 2^-5, η·λ = 2^-12, static loss scale 2^S (the update unit shifts dW by 5 + S), DRAM latency 40.
        \(numerics) operands (X, dY, weight copies rounded to nearest even from fp32), fp32 products, sums and masters.
        conv1 and fc dense, conv2 and conv3 2:4; ReLU, max pools and the loss on
        the host in `Float`, biases not modelled. Each step runs every layer's forward program and its training
        program (FF, BP, WU, fp32 update, pre-generation) on the RTL; each is bit-exact against the golden layer
        step and cycle-exact against the cycle model, and the losses (computed from the RTL's outputs) and the
        final weights equal an independent golden run's bit for bit.

        """
        var failed = false
        for scale in scales {
            var config = SATSystemConfig(core: SATConfig(rows: 4, cols: 4, n: 2, m: 4, numerics: numerics),
                                         memory: MemoryPortSpec(addrBits: 32, dataBits: 128, maxBeats: 16),
                                         denseEntries: 2048, sparseEntries: 8192, masterEntries: 256, outputEntries: 256, pregenEntries: 64,
                                         weights: .float(lrShift: 5 + scale))
            config.axi = false
            let start = Date()
            let r = try FloatTrainRun(config: config, network: network, batch: batch, steps: steps, dram: DRAMTiming(readLatency: 40, writeLatency: 20),
                                      lossScaleShift: scale)
                .run { print($0) }
            let wall = Date().timeIntervalSince(start)
            md += """

            ### Loss scale 2^\(scale) (`\(r.config)`)

            | step | loss (RTL) | loss (golden) | bit-equal | training-step cycles | simulated cycles |
            |---:|---:|---:|---|---:|---:|

            """
            for s in r.steps {
                md += "| \(s.step) | \(s.loss) | \(s.goldenLoss) | \(s.loss.bitPattern == s.goldenLoss.bitPattern && s.bitExact && s.cyclesMatchModel ? "yes" : "NO") "
                    + "| \(s.stepCycles) | \(s.simulatedCycles) |\n"
            }
            let g = r.steps.reduce(FloatNetworkTraining.NarrowingStats()) { $0 + $1.gradients }
            let a = r.steps.reduce(FloatNetworkTraining.NarrowingStats()) { $0 + $1.activations }
            md += "\nHost roundings to \(numerics) over the \(steps) steps (RTL run): gradients dY \(g.values) values, \(g.nonZero) non-zero, "
                + "\(g.flushedToZero) flushed to ±0, \(g.subnormal) subnormal, \(g.overflowed) overflowed; activations \(a.values) values, "
                + "\(a.nonZero) non-zero, \(a.flushedToZero) flushed to ±0, \(a.subnormal) subnormal, \(a.overflowed) overflowed.\n"
            md += "\n" + String(format: "Final weights %@; loss %@. %.0f simulated cycles/s (%.1f s of RTL simulation; elaboration %.1f s, "
                                    + "model build %.1f s; %.0f s wall for the whole run, golden model included).\n",
                                r.weightsEqual ? "bit-equal" : "DIFFERENT", r.lossFalls ? "falls at every step" : "does NOT fall at every step", r.cyclesPerSecond,
                                r.simulationSeconds, r.elaborationSeconds, r.modelBuildSeconds, wall)
            print(r.text)
            failed = failed || !r.ok
        }
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        md += "\nMeasured with a \(build) build of hwgen-bench (the Swift harness and golden model; the Verilator model is built -O1 "
            + "either way) on a shared 2-core machine.\n"
        let url = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Benchmarks/float.md")
        var text = (try? String(contentsOf: url, encoding: .utf8)) ?? "# Float numerics benchmark\n"
        if let range = text.range(of: "\n" + heading) {
            // Replace this section up to the next "## " heading (or the end).
            let rest = text[range.upperBound...]
            let end = rest.range(of: "\n## ")?.lowerBound ?? text.endIndex
            text.replaceSubrange(range.lowerBound..<end, with: "")
        }
        if !text.hasSuffix("\n") { text += "\n" }
        text += "\n" + md
        try text.write(to: url, atomically: true, encoding: .utf8)
        if failed {
            FileHandle.standardError.write(Data("float-train: a mismatch against the golden model\n".utf8))
            exit(1)
        }
    }
}
