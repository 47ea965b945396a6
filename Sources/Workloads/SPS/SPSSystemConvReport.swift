import Foundation

/// The result of an SPS-system conv co-simulation: the output tensor read back from DRAM against
/// the golden conv (for the golden executor and for the RTL), the SYNC cycle and counters against
/// the system's cycle model, and the overhead of the system over the bare core.
public struct SPSSystemConvReport: Codable, Sendable {
    public let design: String
    public let top: String
    public let layer: String
    public let rows: Int
    public let cols: Int
    public let patternNNZ: Int
    public let period: Int
    public let scheme: String
    public let seed: UInt64
    public let instructions: Int
    /// Bands of output rows (1: the whole input fits the line buffer).
    public let bands: Int
    public let tiles: Int
    /// Golden executor and RTL outputs bit-exact, RTL cycles and counters equal to the model.
    public let match: Bool
    public let goldenMatch: Bool
    public let outputsMatch: Bool
    public let cyclesMatch: Bool
    public let mismatch: String?
    public let outcome: String
    /// The design's `cycles` counter at the final SYNC, and the cycle model's.
    public let systemCycles: Int
    public let modelCycles: Int
    /// The bare core's layer cycles (``SPSCycleModel``, RTL-validated) sparse and dense.
    public let coreCycles: Int
    public let denseCoreCycles: Int
    /// Issue beats of the core, memory beats read and written (the design's counters).
    public let beats: Int
    public let readBeats: Int
    public let writeBeats: Int
    /// DRAM bytes the program's LOADs read and STOREs write.
    public let dmaReadBytes: Int
    public let dmaWrittenBytes: Int
    /// (system − core) / core.
    public let overheadPercent: Double
    /// Dense core cycles / system cycles, and K²/n.
    public let speedupVsDenseCore: Double
    public let idealSpeedup: Double
    public let weightSlots: Int
    public let outputSlots: Int
    public let simulatedCycles: Int
    public let cyclesPerSecond: Double
    public let elaborationSeconds: Double
    public let buildSeconds: Double

    public var summary: String {
        var s = "\(design) \(top): \(layer) on \(rows)x\(cols) PEs, \(patternNNZ) of 9 per kernel, P=\(period) (\(scheme)), seed \(seed)\n"
        s += "  \(instructions) instructions, \(bands) band(s), \(tiles) tiles (\(weightSlots) WBUF weight slot(s), \(outputSlots) OBUF slot(s)); \(outcome)\n"
        s += "  outputs from DRAM: golden executor \(goldenMatch ? "bit-exact" : "DIFFERS"), RTL \(outputsMatch ? "bit-exact" : "DIFFERS"); "
        s += "cycles \(cyclesMatch ? "= cycle model" : "DIFFER from the cycle model")\n"
        s += String(format: "  system: %d cycles (model %d); core alone: %d (overhead %.2f%%); dense core: %d (speedup %.3fx, ideal %.3fx)\n",
                    systemCycles, modelCycles, coreCycles, overheadPercent, denseCoreCycles, speedupVsDenseCore, idealSpeedup)
        s += "  DMA: \(dmaReadBytes) bytes read, \(dmaWrittenBytes) written; \(beats) issue beats, \(readBeats) + \(writeBeats) memory beats\n"
        s += String(format: "  %d cycles simulated, %.0f cycles/s, model build %.1f s", simulatedCycles, cyclesPerSecond, buildSeconds)
        if let m = mismatch { s += "\n  first mismatch: \(m)" }
        return s
    }
}
