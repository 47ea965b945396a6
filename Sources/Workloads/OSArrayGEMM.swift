import Compiler
import Cosim
import Foundation
import HWCore
import SparseAccel
import SparseModel
import TestSupport

/// Random GEMMs C = A·B (A: R×K, B: K×C), one output tile each, run back to back on the osarray
/// through Verilator: compiled to the array's cycle-by-cycle inputs (``OSArrayProgram``), checked
/// bit-exactly against SparseModel's reference GEMM and cycle-exactly (by `tile_done`) against
/// ``OSArrayCycleModel``. Operands use the full signed range, zeros included.
public struct OSArrayGEMM: Sendable {
    public let config: OSArrayConfig
    public let k: Int
    public let seed: UInt64
    /// The operands of each tile.
    public let a: [Matrix<Int64>]
    public let b: [Matrix<Int64>]
    /// Per tile and beat: the bubbles (invalid beats) a stalled feeder inserts before it.
    public let bubbles: [[Int]]

    public init(config: OSArrayConfig, k: Int, seed: UInt64, tiles: Int = 1, bubblePercent: Int = 0) throws {
        try config.validate()
        guard k >= 1 else { throw ConfigError("K must be at least 1, got \(k)") }
        guard k <= 1 << 20 else { throw ConfigError("K must be at most \(1 << 20), got \(k)") }
        guard (1...64).contains(tiles) else { throw ConfigError("tiles must be in 1...64, got \(tiles)") }
        guard (0...90).contains(bubblePercent) else { throw ConfigError("bubbles must be in 0...90 percent, got \(bubblePercent)") }
        self.config = config
        self.k = k
        self.seed = seed
        var rng = SplitMix64(seed: seed)
        var a: [Matrix<Int64>] = [], b: [Matrix<Int64>] = []
        for _ in 0..<tiles {
            a.append(rng.matrix(rows: config.rows, cols: k, bits: config.dataWidth))
            b.append(rng.matrix(rows: k, cols: config.cols, bits: config.dataWidth))
        }
        self.a = a
        self.b = b
        bubbles = (0..<tiles).map { _ in SATGEMM.bubbles(beats: k, percent: bubblePercent, &rng) }
    }

    public var expectedComputeCycles: Int { OSArrayCycleModel.computeCycles(rows: config.rows, cols: config.cols, k: k) }

    /// The cycle-by-cycle program of the tiles.
    public func program() throws -> OSArrayProgram {
        try OSArrayProgram.compile((0..<a.count).map { OSArrayTile(a: a[$0], b: b[$0], bubbles: bubbles[$0]) },
                                   on: OSArrayTarget(rows: config.rows, cols: config.cols))
    }

    /// The golden results, one per tile.
    public func references() -> [Matrix<Int64>] { zip(a, b).map { referenceGEMM($0, $1, accWidth: config.accWidth) } }

    /// Builds the vectors: reset, then the program; `references` (per tile) and `doneCycles`
    /// supply the expected outputs.
    public func vectors(_ d: Definition<OSArray.Ports>, manifest: Manifest, program p: OSArrayProgram,
                        references: [Matrix<Int64>], doneCycles: [Int]) throws -> TestVectors {
        let n = try (row: TileRun.name(d, \.inRow), col: TileRun.name(d, \.inCol), valid: TileRun.name(d, \.inValid),
                     last: TileRun.name(d, \.inLast), rdRow: TileRun.name(d, \.rdRow), rdData: TileRun.name(d, \.rdData),
                     done: TileRun.name(d, \.tileDone))
        var v = try TestVectors(manifest: manifest, inputs: ["rst", n.row, n.col, n.valid, n.last, n.rdRow], outputs: [n.rdData, n.done])
        let expect = TileRun.expectations(p.readout, doneCycles: doneCycles, references: references, cols: config.cols,
                                          accWidth: config.accWidth, rdData: n.rdData, tileDone: n.done)
        let dw = config.dataWidth
        v.cycle(["rst": [1]], expect: expect[0])
        for t in 0..<p.cycles {
            v.cycle(["rst": [0], n.row: PortWords.pack(p.rowValues[t], elementWidth: dw), n.col: PortWords.pack(p.colValues[t], elementWidth: dw),
                     n.valid: PortWords.pack(p.valid[t].map { $0 ? 1 : 0 }, elementWidth: 1),
                     n.last: PortWords.pack(p.last[t].map { $0 ? 1 : 0 }, elementWidth: 1),
                     n.rdRow: PortWords.scalar(UInt64(p.readout.readRow[t]))], expect: expect[t + 1])
        }
        return v
    }

    /// Builds (or loads) the model, runs the tiles and compares every output and the cycles.
    /// - Parameters:
    ///   - reference: the expected product of every tile (the golden model unless a test
    ///     substitutes one).
    ///   - expectedDoneCycles: the `tile_done` cycles to expect (the cycle model unless a test
    ///     substitutes them).
    ///   - waveform: dump a waveform of the whole run here.
    ///   - waveformOnMismatch: where to dump a waveform when something differs.
    ///   - exportBench: also write a self-checking iverilog bench of the same vectors here.
    ///   - style: the Verilog style simulated (``VerilogStyle/simulation`` unless the synthesis
    ///     text itself is to be checked).
    public func run(reference: [Matrix<Int64>]? = nil, expectedDoneCycles: [Int]? = nil, waveform: String? = nil,
                    waveformOnMismatch: String? = nil, exportBench: URL? = nil,
                    options: BuildOptions = BuildOptions(), style: VerilogStyle = .simulation) throws -> GEMMReport {
        let d = try OSArray.build(config)
        let design = try Design.elaborate(d, parameters: config.parameters, style: style)
        let p = try program()
        let done = expectedDoneCycles ?? p.readout.doneCycles
        let v = try vectors(d, manifest: design.manifest, program: p, references: reference ?? references(), doneCycles: done)
        return try TileRun.run(label: "osarray", design: design, vectors: v, plan: p.readout, tileDone: try TileRun.name(d, \.tileDone),
                               rows: config.rows, cols: config.cols, k: k, seed: seed, expectedDone: done, waveform: waveform,
                               waveformOnMismatch: waveformOnMismatch, exportBench: exportBench, options: options)
    }
}
