import Compiler
import Cosim
import Foundation
import HWCore
import SparseModel

/// What the GEMM workloads share: the ports every output-stationary array has, the read-out
/// expectations, building (or loading) the model, running, comparing, and the report.
///
/// Every output is compared: `rd_data` in each read cycle against the golden model, and
/// `tile_done` in every cycle after reset against the cycle model (high exactly in each tile's
/// done cycle). The measured compute cycles come from the design's own protocol — the cycles in
/// which `tile_done` is high — never from watching data change.
enum TileRun {
    /// The flat port name of an interface field.
    static func name<I, S: PortShape>(_ d: Definition<I>, _ field: KeyPath<I, S>) throws -> String {
        guard let n = d.portNames(field).first else { throw SimulationError(description: "\(field) is not a port of \(d.module.name)") }
        return n
    }

    /// Appends the expectations of the read-out and of `tile_done` to vectors whose cycle 0 is
    /// reset and cycle i + 1 is program cycle i.
    static func expectations(_ plan: ReadoutPlan, doneCycles: [Int], references: [Matrix<Int64>], cols: Int, accWidth: Int,
                             rdData: String, tileDone: String) -> [[String: [UInt32]]] {
        var expect = [[String: [UInt32]]](repeating: [:], count: plan.cycles + 1)
        let done = Set(doneCycles)
        for c in 0..<plan.cycles { expect[c + 1][tileDone] = [done.contains(c) ? 1 : 0] }
        for read in plan.reads where read.cycle < plan.cycles {
            expect[read.cycle + 1][rdData] = PortWords.pack((0..<cols).map { references[read.tile][read.row, $0] }, elementWidth: accWidth)
        }
        return expect
    }

    /// Program cycles in which `tile_done` was high in the run.
    static func measuredDoneCycles(_ result: DifferentialResult, vectors: TestVectors, tileDone: String) -> [Int] {
        let words = vectors.outputs.map { ($0.width + 31) / 32 }
        let stride = words.reduce(0, +)
        guard let k = vectors.outputs.firstIndex(where: { $0.name == tileDone }) else { return [] }
        let offset = words[..<k].reduce(0, +)
        return (1..<vectors.cycles).filter { result.outputs[$0 * stride + offset] & 1 == 1 }.map { $0 - 1 }
    }

    static func run(label: String, design: Design, vectors: TestVectors, plan: ReadoutPlan, tileDone: String,
                    rows: Int, cols: Int, k: Int, seed: UInt64, expectedDone: [Int]?, waveform: String?,
                    waveformOnMismatch: String?, exportBench: URL?, options: BuildOptions) throws -> GEMMReport {
        let model = try ModelBuilder.build(design, options: options)
        if let dir = exportBench { try BenchExporter.write(vectors, design: design, to: dir) }
        let result = try DifferentialRunner.run(vectors, model: model, design: design, waveform: waveform,
                                                waveformOnMismatch: waveformOnMismatch)
        let measured = measuredDoneCycles(result, vectors: vectors, tileDone: tileDone)
        let expected = expectedDone ?? plan.doneCycles
        var mismatch = result.firstMismatch
        if mismatch == nil && measured != expected, let path = waveformOnMismatch, waveform == nil {
            // Outputs agree with the vectors but not with the asked-for timing: leave a waveform.
            _ = try DifferentialRunner.run(vectors, model: model, design: design, waveform: path)
        }
        let cycleNote = measured == expected ? nil
            : "tile_done in cycles \(measured.map(String.init).joined(separator: ", ")), cycle model \(expected.map(String.init).joined(separator: ", "))"
        if mismatch != nil, mismatch?.waveform == nil { mismatch?.waveform = waveform }
        return GEMMReport(design: label, top: design.top, style: design.style, rows: rows, cols: cols, k: k, seed: seed,
                          tiles: plan.doneCycles.count,
                          match: result.passed && measured == expected, outputsMatch: result.passed,
                          mismatch: mismatch?.description ?? cycleNote, cycles: measured.first ?? -1,
                          expectedCycles: expected.first ?? -1, doneCycles: measured, expectedDoneCycles: expected,
                          totalCycles: vectors.cycles, cyclesPerSecond: result.cyclesPerSecond,
                          buildSeconds: model.buildSeconds, runtimeBuildSeconds: model.runtimeBuildSeconds, cacheHit: model.cacheHit,
                          waveform: mismatch?.waveform ?? waveform ?? (cycleNote != nil ? waveformOnMismatch : nil))
    }
}

/// The outcome of a co-simulated GEMM, as printed by `hwgen sim gemm`.
public struct GEMMReport: Codable, Sendable {
    public let design: String
    public let top: String
    /// The Verilog style that was simulated.
    public let style: VerilogStyle
    public let rows: Int
    public let cols: Int
    public let k: Int
    public let seed: UInt64
    /// Output tiles run back to back.
    public let tiles: Int
    /// Outputs bit-exact and `tile_done` exactly where the cycle model puts it.
    public let match: Bool
    public let outputsMatch: Bool
    public let mismatch: String?
    /// Compute cycles of the first tile: from its first beat to `tile_done` (-1 if it never came).
    public let cycles: Int
    public let expectedCycles: Int
    /// Every cycle in which `tile_done` was high (program cycles, 0 = first beat), and the model's.
    public let doneCycles: [Int]
    public let expectedDoneCycles: [Int]
    public let totalCycles: Int
    public let cyclesPerSecond: Double
    /// Wall time of this model's build (0 on a cache hit), seconds.
    public let buildSeconds: Double
    /// Wall time of the one-time build of Verilator's runtime archive in this run (0 when cached).
    public let runtimeBuildSeconds: Double
    public let cacheHit: Bool
    public let waveform: String?

    public var summary: String {
        var s = """
        design:          \(design) \(rows)x\(cols) (\(top), \(style.rawValue) style), K=\(k), \(tiles) tile\(tiles == 1 ? "" : "s"), seed=\(seed)
        result:          \(match ? "MATCH" : "MISMATCH")
        outputs:         \(outputsMatch ? "bit-exact" : (mismatch ?? "differ"))
        compute cycles:  \(cycles) (cycle model: \(expectedCycles)\(doneCycles == expectedDoneCycles ? ", equal" : ", DIFFERENT"))
        total cycles:    \(totalCycles)
        simulation:      \(String(format: "%.0f", cyclesPerSecond)) cycles/s
        model build:     \(cacheHit ? "cache hit" : String(format: "%.1f s", buildSeconds))\(runtimeBuildSeconds > 0 ? String(format: " (+ %.1f s Verilator runtime, once per toolchain)", runtimeBuildSeconds) : "")
        """
        if tiles > 1 { s += "\ntile_done:       cycles \(doneCycles.map(String.init).joined(separator: ", ")) (cycle model: \(expectedDoneCycles.map(String.init).joined(separator: ", ")))" }
        if let w = waveform { s += "\nwaveform:        \(w)" }
        return s
    }
}
