import Cosim
import Foundation
import HWCore
import SparseAccel
import SparseModel
import TestSupport

/// A random GEMM C = A·B (A: R×K, B: K×C) run on the osarray through Verilator, checked
/// bit-exactly against SparseModel's reference GEMM and cycle-exactly against
/// ``OSArrayCycleModel``.
///
/// Schedule: 1 reset cycle; K + R + C - 2 compute cycles feeding a[r][t - r] to row r and
/// b[t - c][c] to column c (zero outside the matrices); R read-out cycles selecting rows
/// R-1 ... 0. During compute `row_sel` stays on row R-1, whose read-out is sampled every cycle:
/// the measured compute cycles are those up to the last cycle that changed it. So the final
/// accumulation is visible, a[R-1][K-1] and b[K-1][C-1] are drawn non-zero (all other operands
/// use the full signed range, zeros included).
public struct OSArrayGEMM: Sendable {
    public let config: OSArrayConfig
    public let k: Int
    public let seed: UInt64
    public let a: Matrix<Int64>
    public let b: Matrix<Int64>

    public init(config: OSArrayConfig, k: Int, seed: UInt64) throws {
        try config.validate()
        guard k >= 1 else { throw ConfigError("K must be at least 1, got \(k)") }
        guard k <= 1 << 20 else { throw ConfigError("K must be at most \(1 << 20), got \(k)") }
        self.config = config
        self.k = k
        self.seed = seed
        var rng = SplitMix64(seed: seed)
        let lo = -(Int64(1) << (config.dataWidth - 1)), hi = (Int64(1) << (config.dataWidth - 1)) - 1
        var a = Matrix<Int64>(rows: config.rows, cols: k) { _, _ in rng.next(in: lo...hi) }
        var b = Matrix<Int64>(rows: k, cols: config.cols) { _, _ in rng.next(in: lo...hi) }
        while a[config.rows - 1, k - 1] == 0 { a[config.rows - 1, k - 1] = rng.next(in: lo...hi) }
        while b[k - 1, config.cols - 1] == 0 { b[k - 1, config.cols - 1] = rng.next(in: lo...hi) }
        self.a = a
        self.b = b
    }

    public var expectedComputeCycles: Int { OSArrayCycleModel.computeCycles(rows: config.rows, cols: config.cols, k: k) }

    /// Builds the vectors; `reference` supplies the expected result (the golden model by default).
    public func vectors(manifest: Manifest, reference: Matrix<Int64>) throws -> TestVectors {
        let R = config.rows, C = config.cols, dw = config.dataWidth
        var v = try TestVectors(manifest: manifest, inputs: ["rst", "en", "clear", "in_row", "in_col", "row_sel"], outputs: ["row_out"])
        v.cycle(["rst": [1], "en": [0], "clear": [0], "row_sel": PortWords.scalar(UInt64(R - 1))])
        for t in 0..<expectedComputeCycles {
            let rowVals = (0..<R).map { r in (0..<k).contains(t - r) ? a[r, t - r] : 0 }
            let colVals = (0..<C).map { c in (0..<k).contains(t - c) ? b[t - c, c] : 0 }
            v.cycle(["rst": [0], "en": [1], "in_row": PortWords.pack(rowVals, elementWidth: dw),
                     "in_col": PortWords.pack(colVals, elementWidth: dw)])
        }
        TileRun.appendReadout(&v, reference: reference, rows: R, cols: C, accWidth: config.accWidth,
                              idle: ["in_row": [0], "in_col": [0]])
        return v
    }

    /// Compute cycles observed in a run (see ``TileRun``).
    public func measuredComputeCycles(_ result: DifferentialResult) -> Int {
        TileRun.measuredComputeCycles(result, outputWords: (config.cols * config.accWidth + 31) / 32, expected: expectedComputeCycles)
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
    /// Outputs bit-exact and cycles equal to the cycle model.
    public let match: Bool
    public let outputsMatch: Bool
    public let mismatch: String?
    public let cycles: Int
    public let expectedCycles: Int
    public let totalCycles: Int
    public let cyclesPerSecond: Double
    public let buildSeconds: Double
    public let cacheHit: Bool
    public let waveform: String?

    public var summary: String {
        var s = """
        design:          \(design) \(rows)x\(cols) (\(top), \(style.rawValue) style), K=\(k), seed=\(seed)
        result:          \(match ? "MATCH" : "MISMATCH")
        outputs:         \(outputsMatch ? "bit-exact" : (mismatch ?? "differ"))
        compute cycles:  \(cycles) (cycle model: \(expectedCycles)\(cycles == expectedCycles ? ", equal" : ", DIFFERENT"))
        total cycles:    \(totalCycles)
        simulation:      \(String(format: "%.0f", cyclesPerSecond)) cycles/s
        model build:     \(cacheHit ? "cache hit" : String(format: "%.1f s", buildSeconds))
        """
        if let w = waveform { s += "\nwaveform:        \(w)" }
        return s
    }
}

extension OSArrayGEMM {
    /// Builds (or loads) the model, runs the GEMM and compares outputs and cycles.
    /// - Parameters:
    ///   - reference: the expected product (the golden model unless a test substitutes one).
    ///   - waveform: dump a VCD of the whole run here.
    ///   - waveformOnMismatch: where to dump a VCD when something differs.
    ///   - exportBench: also write a self-checking iverilog bench of the same vectors here.
    ///   - style: the Verilog style simulated (``VerilogStyle/simulation`` unless the synthesis
    ///     text itself is to be checked).
    public func run(reference: Matrix<Int64>? = nil, expectedCycles: Int? = nil, waveform: String? = nil,
                    waveformOnMismatch: String? = nil, exportBench: URL? = nil,
                    options: BuildOptions = BuildOptions(), style: VerilogStyle = .simulation) throws -> GEMMReport {
        let design = try Design.elaborate(try OSArray.build(config), parameters: config.parameters, style: style)
        let ref = reference ?? referenceGEMM(a, b, accWidth: config.accWidth)
        return try TileRun.run(label: "osarray", design: design, vectors: try vectors(manifest: design.manifest, reference: ref),
                               rows: config.rows, cols: config.cols, accWidth: config.accWidth, k: k, seed: seed, modelCycles: expectedComputeCycles,
                               expectedCycles: expectedCycles, waveform: waveform, waveformOnMismatch: waveformOnMismatch,
                               exportBench: exportBench, options: options)
    }
}
