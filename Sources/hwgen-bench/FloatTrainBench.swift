// Float training benchmark (the last step of Scripts/bench-float): small-cnn (CIFAR-10 shapes)
// trained for a few steps in bf16 on the RTL of a 4x4 2:4 sat-system, losses from the RTL's
// outputs against an independent golden run (`Workloads.FloatTrainRun`). Replaces the section
// "## Float training" of Benchmarks/float.md (appended when absent), so FloatBench's tables stay.
// Arguments: [steps] [batch].
import Foundation
import HWLib
import SparseAccel
import SparseModel
import Workloads

enum FloatTrainBench {
    static let heading = "## Float training on the SAT system"

    static func run(_ args: [String]) throws {
        let steps = args.first.flatMap { Int($0) } ?? 3
        let batch = args.count > 1 ? Int(args[1]) ?? 2 : 2
        var config = SATSystemConfig(core: SATConfig(rows: 4, cols: 4, n: 2, m: 4, numerics: .bf16),
                                     memory: MemoryPortSpec(addrBits: 32, dataBits: 128, maxBeats: 16),
                                     denseEntries: 2048, sparseEntries: 8192, masterEntries: 256, outputEntries: 256, pregenEntries: 64,
                                     weights: .float(lrShift: 5))
        config.axi = false
        let network = try ModelZoo.network("small-cnn", input: .cifar10)
        let start = Date()
        let r = try FloatTrainRun(config: config, network: network, batch: batch, steps: steps, dram: DRAMTiming(readLatency: 40, writeLatency: 20))
            .run { print($0) }
        let wall = Date().timeIntervalSince(start)
        var md = """
        \(heading)

        `hwgen sim train --numerics bf16 --model small-cnn --input cifar10 --pe 4x4 --nm 2:4 --mem-width 128 \
        --batch \(batch) --steps \(steps)` (`hwgen-bench float-train \(steps) \(batch)`): `\(r.config)`, η = 2^-5,
        η·λ = 2^-12, DRAM latency 40. conv1 and fc dense, conv2 and conv3 2:4; ReLU, max pools and the loss on
        the host in `Float`, biases not modelled. Each step runs every layer's forward program and its training
        program (FF, BP, WU, fp32 update, pre-generation) on the RTL; each is bit-exact against the golden layer
        step and cycle-exact against the cycle model, and the losses (computed from the RTL's outputs) and the
        final weights equal an independent golden run's bit for bit.

        | step | loss (RTL) | loss (golden) | bit-equal | training-step cycles | simulated cycles |
        |---:|---:|---:|---|---:|---:|

        """
        for s in r.steps {
            md += "| \(s.step) | \(s.loss) | \(s.goldenLoss) | \(s.loss.bitPattern == s.goldenLoss.bitPattern && s.bitExact && s.cyclesMatchModel ? "yes" : "NO") "
                + "| \(s.stepCycles) | \(s.simulatedCycles) |\n"
        }
        md += "\n" + String(format: "Final weights %@; loss %@. %.0f simulated cycles/s (%.1f s of RTL simulation; elaboration %.1f s, "
                                + "model build %.1f s; %.0f s wall for the whole run, golden model included).\n",
                            r.weightsEqual ? "bit-equal" : "DIFFERENT", r.lossFalls ? "falls at every step" : "does NOT fall at every step", r.cyclesPerSecond,
                            r.simulationSeconds, r.elaborationSeconds, r.modelBuildSeconds, wall)
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        md += "Measured with a \(build) build of hwgen-bench (the Swift harness and golden model; the Verilator model is built -O1 "
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
        print(r.text)
        if !r.ok {
            FileHandle.standardError.write(Data("float-train: a mismatch against the golden model\n".utf8))
            exit(1)
        }
    }
}
