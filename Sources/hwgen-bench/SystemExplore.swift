import Foundation
import HWLib
import SparseAccel
import SparseModel
import Workloads

/// `hwgen-bench explore LAYER RxC N:M MEMBITS X,W,M,O,P [BYTES_PER_CYCLE] [LATENCY]`: the cycle
/// model's per-phase cycles and stall breakdown for a layer step, N:M and dense (no RTL): a
/// quick way to size buffers and bandwidth before a co-simulation.
enum SystemExplore {
    static func run(args: [String]) throws {
        guard args.count >= 5 else {
            print("usage: hwgen-bench explore LAYER RxC N:M MEMBITS X,W,M,O,P [BYTES_PER_CYCLE] [LATENCY] [BATCH]")
            return
        }
        let layer = try LayerSpec.parse(args[0])
        let rc = args[1].split(separator: "x").compactMap { Int($0) }
        let nm = args[2].split(separator: ":").compactMap { Int($0) }
        let bits = Int(args[3]) ?? 128
        let b = args[4].split(separator: ",").compactMap { Int($0) }
        let bw = args.count > 5 ? Double(args[5]) : nil
        let latency = args.count > 6 ? Int(args[6]) ?? 40 : 40
        let batch = args.count > 7 ? Int(args[7]) ?? 1 : 1
        var config = SATSystemConfig(core: SATConfig(rows: rc[0], cols: rc[1], n: nm[0], m: nm[1]),
                                     memory: MemoryPortSpec(addrBits: 32, dataBits: bits, maxBeats: min(16, 4096 / (bits / 8))),
                                     denseEntries: b[0], sparseEntries: b[1], masterEntries: b[2], outputEntries: b[3], pregenEntries: b[4])
        if let q = ProcessInfo.processInfo.environment["HWGEN_QUEUE"].flatMap({ Int($0) }) { config.queueDepth = q }
        if let o = ProcessInfo.processInfo.environment["HWGEN_OUTSTANDING"].flatMap({ Int($0) }) { config.maxOutstanding = o }
        var totals: [Int] = []
        for sparse in [true, false] {
            let start = Date()
            let (program, p) = try LayerRun(config: config, layer: layer, batch: batch, sparse: sparse)
                .predict(dram: DRAMTiming(bytesPerCycle: bw, readLatency: latency, writeLatency: latency / 2))
            var previous = 0
            print(sparse ? "N:M" : "dense", p.outcome, "cycles", p.syncCycles.last.map { $0 + 1 } ?? -1,
                  String(format: "(model %.1f s)", Date().timeIntervalSince(start)))
            for (i, ph) in program.phases.enumerated() {
                let end = p.syncCycles[i] + 1
                print("  \(ph.phase.rawValue): \(end - previous) cycles, \(p.phaseBeats[i]) beats, order \(ph.order), read \(ph.readBytes / 1024) KiB (min \(ph.minimumReadBytes / 1024)), tiling \(ph.tiling.rowTiles)x\(ph.tiling.colTiles) chunks \(ph.tiling.chunks)")
                previous = end
            }
            print("  stalls:", p.stalls)
            if let from = ProcessInfo.processInfo.environment["HWGEN_LIST"].flatMap({ Int($0) }) {
                // HWGEN_LIST=N: 40 instructions from the N-th (negative: from the last phase's start - N).
                let sync = program.instructions.indices.filter { program.instructions[$0] == .sync }
                let start = from >= 0 ? from : (sync.dropLast().last.map { $0 + 1 } ?? 0) - from - 1
                for i in start..<min(program.instructions.count, start + 40) { print("   \(i): \(program.instructions[i])") }
            }
            totals.append(p.syncCycles.last.map { $0 + 1 } ?? 0)
        }
        let speedup = Double(totals[1]) / Double(totals[0])
        let ideal = 3 / (2 * Double(nm[0]) / Double(nm[1]) + 1)
        print(String(format: "step speedup %.3f, ideal %.3f, ratio %.3f", speedup, ideal, speedup / ideal))
    }
}
