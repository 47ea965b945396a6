// The layer part of the soak (Scripts/bench-reliability): random conv and FC training steps on
// several sat-system configurations, each co-simulated against a DRAM model with random latency,
// bandwidth and back-pressure, and checked bit-exact against the golden step and cycle-exact
// against the cycle model (LayerRun).
import Cosim
import Foundation
import HWLib
import SparseAccel
import SparseModel
import TestSupport
import Workloads

extension Reliability {
    struct LayerSoakConfig {
        let label: String
        let system: SATSystemConfig
    }

    static func system(_ r: Int, _ c: Int, _ n: Int, _ m: Int, beat: Int, buffers: [Int]) -> SATSystemConfig {
        SATSystemConfig(core: SATConfig(rows: r, cols: c, n: n, m: m), memory: MemoryPortSpec(addrBits: 32, dataBits: beat, maxBeats: 8),
                        denseEntries: buffers[0], sparseEntries: buffers[1], masterEntries: buffers[2], outputEntries: buffers[3],
                        pregenEntries: buffers[4])
    }

    /// Valid systems only (M divides R and C; R divides C or C divides R): a configuration error
    /// would count as a mismatch of every run.
    static let layerConfigs: [LayerSoakConfig] = [
        .init(label: "sat-system 2x2 1:2, 32-bit port, tiny buffers", system: system(2, 2, 1, 2, beat: 32, buffers: [8, 8, 4, 4, 2])),
        .init(label: "sat-system 4x4 2:4, 64-bit port", system: system(4, 4, 2, 4, beat: 64, buffers: [64, 64, 32, 32, 16])),
        .init(label: "sat-system 4x8 1:4, 128-bit port, small buffers", system: system(4, 8, 1, 4, beat: 128, buffers: [16, 16, 8, 8, 4])),
        .init(label: "sat-system 8x8 2:8, 256-bit port", system: system(8, 8, 2, 8, beat: 256, buffers: [128, 256, 64, 64, 32])),
        .init(label: "sat-system 8x16 4:8, 64-bit port", system: system(8, 16, 4, 8, beat: 64, buffers: [64, 64, 32, 32, 16])),
    ]

    struct LayerSoakRow {
        let config: LayerSoakConfig
        var runs = 0
        var cycles = 0
        var mismatches = 0
        var seconds = 0.0
        var problems: [String] = []
    }

    /// A random small layer: conv (kernel 1...5, stride 1...2, padding below the kernel) or FC.
    static func randomLayer(_ rng: inout SplitMix64) throws -> LayerSpec {
        if rng.below(4) == 0 {
            return try LayerSpec.fullyConnected(inFeatures: 1 + rng.below(48), outFeatures: 1 + rng.below(40))
        }
        let k = [1, 2, 3, 3, 5][rng.below(5)]
        let s = 1 + rng.below(2), p = rng.below((k + 1) / 2)
        let h = max(k, 2 + rng.below(9) - 2 * p), w = max(k, 2 + rng.below(9) - 2 * p)
        return try LayerSpec.conv(inChannels: 1 + rng.below(20), outChannels: 1 + rng.below(20), height: h, width: w,
                                  kernelSize: k, stride: s, padding: p)
    }

    /// Random layer steps per configuration until each has simulated `cyclesPerConfig` cycles.
    static func layerSoak(cyclesPerConfig: Int, seed: UInt64) throws -> [LayerSoakRow] {
        var rng = SplitMix64(seed: seed)
        var rows: [LayerSoakRow] = []
        for (n, c) in layerConfigs.enumerated() {
            var row = LayerSoakRow(config: c)
            let start = Date()
            while row.cycles < cyclesPerConfig {
                let layer = try randomLayer(&rng)
                let batch = 1 + rng.below(3), sparse = rng.below(3) != 0, bp = rng.below(4) != 0
                let timing = DRAMTiming(bytesPerCycle: rng.below(3) == 0 ? Double(1 + rng.below(c.system.memory.beatBytes)) : nil,
                                        readLatency: 1 + rng.below(60), writeLatency: 1 + rng.below(30),
                                        backPressure: rng.below(2) == 0 ? Double(rng.below(50)) / 100 : nil, seed: rng.next())
                let what = "\(layer), batch \(batch), \(sparse ? "N:M" : "dense")\(bp ? "" : ", no BP"), \(timing)"
                do {
                    let r = try LayerRun(config: c.system, layer: layer, batch: batch, sparse: sparse, computeInputGradient: bp, seed: rng.next())
                        .run(dram: timing)
                    row.cycles += r.cycles
                    if !(r.bitExact && r.cyclesMatchModel) {
                        row.mismatches += 1
                        row.problems.append("\(what): " + (r.bitExact ? "cycles differ (model \(r.modelSyncCycles), RTL \(r.rtlSyncCycles))" : r.mismatches.joined(separator: ", ")))
                    }
                } catch {
                    row.mismatches += 1
                    row.problems.append("\(what): \(error)")
                    row.cycles += 1000  // a failing configuration still ends
                }
                row.runs += 1
            }
            row.seconds = Date().timeIntervalSince(start)
            FileHandle.standardError.write(Data("layer soak \(n + 1)/\(layerConfigs.count): \(c.label): \(row.runs) runs, \(row.cycles) cycles, \(row.mismatches) mismatches, \(String(format: "%.1f", row.seconds)) s\n".utf8))
            rows.append(row)
        }
        return rows
    }
}
