import Foundation

/// The result of an SPS conv co-simulation: outputs against the golden conv, cycles against the
/// closed-form model.
public struct SPSConvReport: Codable, Sendable {
    public let design: String
    public let top: String
    public let layer: String
    public let rows: Int
    public let cols: Int
    public let patternNNZ: Int
    public let period: Int
    public let scheme: String
    public let seed: UInt64
    public let tiles: Int
    /// Outputs bit-exact, every tile's `tile_done` and `cycle_count` where the model puts them.
    public let match: Bool
    public let outputsMatch: Bool
    public let cyclesMatch: Bool
    public let mismatch: String?
    /// One tile: the core's `cycle_count` at `tile_done` (first tile), and the model's.
    public let tileCycles: Int
    public let expectedTileCycles: Int
    /// The layer: first `start` to last `tile_done`, inclusive, and the model's.
    public let layerCycles: Int
    public let expectedLayerCycles: Int
    /// The same array run dense (n = K², P = 1), by the cycle model validated on RTL.
    public let denseLayerCycles: Int
    public let speedupVsDense: Double
    /// K²/n.
    public let idealSpeedup: Double
    /// The core's whole index memory for the layer: the pattern table, bits.
    public let indexMemoryBits: Int
    public let simulatedCycles: Int
    public let cyclesPerSecond: Double
    public let buildSeconds: Double

    public var summary: String {
        var s = "\(design) \(top): \(layer) on \(rows)x\(cols) PEs, \(patternNNZ) of 9 per kernel, P=\(period) (\(scheme)), seed \(seed)\n"
        s += "  \(tiles) tiles; outputs \(outputsMatch ? "bit-exact" : "DIFFER"); cycles \(cyclesMatch ? "match the model" : "DIFFER from the model")\n"
        s += "  tile: \(tileCycles) cycles (model \(expectedTileCycles)); layer: \(layerCycles) cycles (model \(expectedLayerCycles))\n"
        s += String(format: "  dense on the same array: %d cycles; speedup %.3fx (ideal K²/n = %.3fx, %.1f%% of it)\n",
                    denseLayerCycles, speedupVsDense, idealSpeedup, 100 * speedupVsDense / idealSpeedup)
        s += "  index memory: \(indexMemoryBits) bits (the pattern table)\n"
        s += String(format: "  %d cycles simulated, %.0f cycles/s, model build %.1f s", simulatedCycles, cyclesPerSecond, buildSeconds)
        if let m = mismatch { s += "\n  first mismatch: \(m)" }
        return s
    }
}
