import Cosim
import Foundation
import HWCore
import SparseAccel
import SparseModel
import Formats
import TestSupport

/// A GEMM Y = W·X on the SAT core through Verilator: W (R×K) random, pruned N:M by the golden
/// model along K and compressed (sparse mode) or used dense (dense mode); X (K×C) dense.
/// Outputs are compared bit-exactly with SparseModel's reference (sparse GEMM from the
/// compressed form, or dense GEMM), compute cycles with ``SATCycleModel``.
///
/// The weight stream carries, per cycle, group g of every row in the golden packed entry
/// layout (value, then index); the dense operand carries X[g·M ..< g·M+M][c] per column
/// (dense mode: X[g·N ..< g·N+N][c] in lanes 0..N-1). Read-out and cycle measurement work as in
/// ``OSArrayGEMM``: row R-1 is watched during compute; so its final accumulation is visible,
/// W[R-1][K-1] is drawn with the largest magnitude (always kept) and the dense elements that
/// the last group of row R-1 selects in column C-1 are drawn non-zero.
public struct SATGEMM: Sendable {
    public let config: SATConfig
    public let pattern: NMPattern
    public let k: Int
    public let sparse: Bool
    public let seed: UInt64
    public let w: Matrix<Int64>
    public let x: Matrix<Int64>
    /// The compressed weights (sparse mode).
    public let compressed: NMCompressed<Int64>?

    public init(config: SATConfig, k: Int, sparse: Bool, seed: UInt64) throws {
        try config.validate()
        let p = try NMPattern(n: config.n, m: config.m)
        let unit = sparse ? p.m : p.n
        guard k >= unit, k % unit == 0 else {
            throw ConfigError("K must be a positive multiple of \(unit) in \(sparse ? "sparse" : "dense") mode, got \(k)")
        }
        guard k <= 1 << 20 else { throw ConfigError("K must be at most \(1 << 20), got \(k)") }
        self.config = config
        self.pattern = p
        self.k = k
        self.sparse = sparse
        self.seed = seed
        var rng = SplitMix64(seed: seed)
        let lo = -(Int64(1) << (config.dataWidth - 1)), hi = (Int64(1) << (config.dataWidth - 1)) - 1
        var w = Matrix<Int64>(rows: config.rows, cols: k) { _, _ in rng.next(in: lo...hi) }
        var x = Matrix<Int64>(rows: k, cols: config.cols) { _, _ in rng.next(in: lo...hi) }
        w[config.rows - 1, k - 1] = lo
        if sparse {
            let c = try NMCompressed(compressing: w, pattern: p)
            let g = k / p.m - 1
            for j in 0..<p.n {
                let col = c.column(row: config.rows - 1, group: g, slot: j)
                while x[col, config.cols - 1] == 0 { x[col, config.cols - 1] = rng.next(in: lo...hi) }
            }
            compressed = c
        } else {
            while x[k - 1, config.cols - 1] == 0 { x[k - 1, config.cols - 1] = rng.next(in: lo...hi) }
            compressed = nil
        }
        self.w = w
        self.x = x
    }

    public var groups: Int { SATCycleModel.groups(k: k, pattern: pattern, sparse: sparse) }
    public var expectedComputeCycles: Int { SATCycleModel.computeCycles(rows: config.rows, k: k, pattern: pattern, sparse: sparse) }

    /// The golden result: the sparse GEMM on the compressed weights, or the dense GEMM.
    public func reference() throws -> Matrix<Int64> {
        if let c = compressed { return try referenceSparseGEMM(c, x, accWidth: config.accWidth) }
        return referenceGEMM(w, x, accWidth: config.accWidth)
    }

    /// Entries (value, index) of row `r`'s group `g` as streamed.
    func entries(row r: Int, group g: Int) -> [NMEntry] {
        if let c = compressed {
            return (0..<pattern.n).map { j in
                let pos = c.entryPosition(row: r, group: g, slot: j)
                return NMEntry(value: c.values[pos], index: c.indices[pos])
            }
        }
        return (0..<pattern.n).map { j in NMEntry(value: w[r, g * pattern.n + j], index: j) }
    }

    /// One weight-stream word: group g of every row as one ``NMStreamLayout`` stream (zeros past
    /// the last group).
    public func streamWord(group g: Int) throws -> [UInt32] {
        let count = (config.streamWidth + 31) / 32
        guard g < groups else { return [UInt32](repeating: 0, count: count) }
        return words32(try config.streamLayout.pack((0..<config.rows).map { entries(row: $0, group: g) }), count: count)
    }

    /// The dense operand for cycle g: C columns x M lanes.
    public func denseWord(group g: Int) -> [UInt32] {
        var lanes: [Int64] = []
        for c in 0..<config.cols {
            for j in 0..<pattern.m {
                if g < groups {
                    if sparse { lanes.append(x[g * pattern.m + j, c]) }
                    else { lanes.append(j < pattern.n ? x[g * pattern.n + j, c] : 0) }
                } else {
                    lanes.append(0)
                }
            }
        }
        return PortWords.pack(lanes, elementWidth: config.dataWidth)
    }

    public func vectors(manifest: Manifest, reference: Matrix<Int64>) throws -> TestVectors {
        let R = config.rows, C = config.cols
        var v = try TestVectors(manifest: manifest, inputs: ["rst", "en", "clear", "mode", "w_stream", "in_x", "row_sel"], outputs: ["row_out"])
        v.cycle(["rst": [1], "en": [0], "clear": [0], "mode": [sparse ? 1 : 0], "row_sel": PortWords.scalar(UInt64(R - 1))])
        for t in 0..<expectedComputeCycles {
            v.cycle(["rst": [0], "en": [1], "w_stream": try streamWord(group: t), "in_x": denseWord(group: t)])
        }
        TileRun.appendReadout(&v, reference: reference, rows: R, cols: C, accWidth: config.accWidth,
                              idle: ["w_stream": [0], "in_x": [0]])
        return v
    }

    /// Compute cycles observed in a run (see ``TileRun``).
    public func measuredComputeCycles(_ result: DifferentialResult) -> Int {
        TileRun.measuredComputeCycles(result, outputWords: (config.cols * config.accWidth + 31) / 32, expected: expectedComputeCycles)
    }

    /// Builds (or loads) the model, runs, compares outputs and cycles (`style` as for
    /// ``OSArrayGEMM/run(reference:expectedCycles:waveform:waveformOnMismatch:exportBench:options:style:)``).
    public func run(reference: Matrix<Int64>? = nil, expectedCycles: Int? = nil, waveform: String? = nil,
                    waveformOnMismatch: String? = nil, exportBench: URL? = nil,
                    options: BuildOptions = BuildOptions(), style: VerilogStyle = .simulation) throws -> GEMMReport {
        let design = try Design.elaborate(try SATArray.build(config), parameters: config.parameters, style: style)
        let ref = try reference ?? self.reference()
        return try TileRun.run(label: "sat \(pattern) \(sparse ? "sparse" : "dense")", design: design,
                               vectors: try vectors(manifest: design.manifest, reference: ref), rows: config.rows, cols: config.cols,
                               accWidth: config.accWidth, k: k, seed: seed, modelCycles: expectedComputeCycles,
                               expectedCycles: expectedCycles, waveform: waveform, waveformOnMismatch: waveformOnMismatch,
                               exportBench: exportBench, options: options)
    }
}
