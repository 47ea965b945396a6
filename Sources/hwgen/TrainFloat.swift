import ArgumentParser
import Designs
import Flow
import Foundation
import SparseAccel
import SparseModel
import Workloads

extension SimTrain {
    /// `sim train --numerics bf16|fp16`: several training steps of a sequential network on one
    /// seeded batch, every layer on the RTL, losses from the RTL's outputs, compared bit for bit with
    /// an independent golden run (``Workloads/FloatTrainRun``). With `--loss-scale-shift S` the host
    /// scales the loss gradient by 2^S and the update unit's shift is `--lr-shift` + S.
    func runFloat(_ inputSize: NetworkInput) throws {
        let steps = self.steps ?? 3
        guard (1...1000).contains(steps) else { throw CLIError("--steps must be in 1...1000, got \(steps)") }
        if let s = lrShift, !(0...62).contains(s) { throw CLIError("--lr-shift must be in 0...62, got \(s)") }
        let maxScale = FloatNetworkTraining.maxLossScaleShift
        if let s = lossScaleShift, !(0...maxScale).contains(s) { throw CLIError("--loss-scale-shift must be in 0...\(maxScale), got \(s)") }
        if (lrShift ?? 5) + (lossScaleShift ?? 0) > 62 {
            throw CLIError("--lr-shift + --loss-scale-shift must be at most 62 (the update unit's shift), got \((lrShift ?? 5) + (lossScaleShift ?? 0))")
        }
        for (flag, used) in [("--nm-sweep", nmSweep), ("--shard", shard != nil), ("--jobs-dir", jobsDir != nil), ("--layers", layers != nil)] where used {
            throw CLIError("\(flag) applies to per-layer jobs (int8); --numerics \(knobs.numerics ?? "bf16") trains the whole network for --steps")
        }
        guard EDATools.isAvailable("verilator") else {
            throw CLIError("verilator is not installed (run Scripts/setup, or apt-get install verilator)")
        }
        let network = try ModelZoo.network(model, input: inputSize)
        _ = try FloatNetworkTraining(network)  // unsupported networks fail here, before elaborating
        let shape = try pe.map(PEShape.parse)
        var options = knobs.options(shape ?? PEShape(rows: 16, cols: 16))
        options.memWidth = options.memWidth ?? 512
        options.buffers = options.buffers ?? "2048,8192,256,256,64"
        guard var config = try Designs.named("sat-system").config(options) as? SATSystemConfig else {
            throw CLIError("internal: sat-system has no system config")
        }
        // The loss scale 2^S multiplies every gradient; the update unit undoes it in η: 2^-(L + S).
        config.weights.lrShift = (lrShift ?? 5) + (lossScaleShift ?? 0)
        try config.validate()
        let run = FloatTrainRun(config: config, network: network, batch: batch, steps: steps,
                                dram: DRAMTiming(bytesPerCycle: dramBytesPerCycle, readLatency: dramLatency, writeLatency: max(1, dramLatency / 2)),
                                lossScaleShift: lossScaleShift ?? 0)
        let result = try run.run { FileHandle.standardError.write(Data("hwgen: \($0)\n".utf8)) }
        var files: [(path: String, text: String)] = []
        if let json { files.append((json, try Self.encode(result))) }
        if let report {
            try FileManager.default.createDirectory(atPath: report, withIntermediateDirectories: true)
            files.append(((report as NSString).appendingPathComponent("report.md"), "# Float training\n\n```\n" + result.text + "\n```\n"))
        }
        try OutputFiles.write(files)
        print(result.text)
        if !result.ok { throw ExitCode(1) }
    }
}
