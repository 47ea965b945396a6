import Compiler
import Cosim
import Foundation
import Formats
import HWCore
import SparseAccel
import SparseModel
import TestSupport

/// Random GEMMs Y = W·X on the SAT core through Verilator, one output tile each, back to back:
/// W (R×K) random, pruned N:M by the golden model along K and compressed (sparse mode) or used
/// dense (dense mode); X (K×C) dense. Compiled to the core's cycle-by-cycle inputs
/// (``SATProgram``: the weight stream in the Formats layout, the dense groups, the beat flags,
/// the read-out), compared bit-exactly with SparseModel's reference (sparse GEMM from the
/// compressed form, or dense GEMM) and cycle-exactly (by `tile_done`) with ``SATCycleModel``.
///
/// Float numerics (``SparseAccel/SATNumerics/bf16``, ``SparseAccel/SATNumerics/fp16``): W and X
/// hold random finite patterns (`FloatPatterns.operand`, sign-extended in the Int64 matrices),
/// pruned by |w| as the top-N-of-M selector ranks float weights (`FloatFormat.magnitudeKey`), and
/// the references are `FloatGEMM`'s, in the PE's order of operations.
public struct SATGEMM: Sendable {
    public let config: SATConfig
    public let pattern: NMPattern
    public let k: Int
    public let sparse: Bool
    public let seed: UInt64
    /// The operands of each tile.
    public let w: [Matrix<Int64>]
    public let x: [Matrix<Int64>]
    /// The compressed weights of each tile (sparse mode).
    public let compressed: [NMCompressed<Int64>]
    /// Per tile and beat: the bubbles (invalid beats) a stalled feeder inserts before it.
    public let bubbles: [[Int]]

    public init(config: SATConfig, k: Int, sparse: Bool, seed: UInt64, tiles: Int = 1, bubblePercent: Int = 0) throws {
        try config.validate()
        let p = try config.pattern
        let unit = sparse ? p.m : p.n
        guard k >= unit, k % unit == 0 else {
            throw ConfigError("K must be a positive multiple of \(unit) in \(sparse ? "sparse" : "dense") mode, got \(k)")
        }
        guard k <= 1 << 20 else { throw ConfigError("K must be at most \(1 << 20), got \(k)") }
        guard (1...64).contains(tiles) else { throw ConfigError("tiles must be in 1...64, got \(tiles)") }
        guard (0...90).contains(bubblePercent) else { throw ConfigError("bubbles must be in 0...90 percent, got \(bubblePercent)") }
        self.config = config
        self.pattern = p
        self.k = k
        self.sparse = sparse
        self.seed = seed
        var rng = SplitMix64(seed: seed)
        var w: [Matrix<Int64>] = [], x: [Matrix<Int64>] = []
        for _ in 0..<tiles {
            if let f = config.numerics.format {
                w.append(Matrix(rows: config.rows, cols: k) { _, _ in FloatGEMM.signExtended(FloatPatterns.operand(f, &rng), width: f.width) })
                x.append(Matrix(rows: k, cols: config.cols) { _, _ in FloatGEMM.signExtended(FloatPatterns.operand(f, &rng), width: f.width) })
            } else {
                w.append(rng.matrix(rows: config.rows, cols: k, bits: config.dataWidth))
                x.append(rng.matrix(rows: k, cols: config.cols, bits: config.dataWidth))
            }
        }
        self.w = w
        self.x = x
        compressed = sparse ? try w.map { try Self.compress($0, config: config, pattern: p) } : []
        let beats = SATCycleModel.groups(k: k, pattern: p, sparse: sparse)
        bubbles = (0..<tiles).map { _ in Self.bubbles(beats: beats, percent: bubblePercent, &rng) }
    }

    /// GEMMs on given operands (hand-picked corner cases): `w[t]` is R×K, `x[t]` K×C for every
    /// tile t; `bubbles` as the stored property (empty: none). Throws on inconsistent shapes.
    public init(config: SATConfig, w: [Matrix<Int64>], x: [Matrix<Int64>], sparse: Bool, bubbles: [[Int]] = []) throws {
        try config.validate()
        let p = try config.pattern
        guard let k = w.first?.cols, w.count == x.count, (1...64).contains(w.count),
              w.allSatisfy({ $0.rows == config.rows && $0.cols == k }), x.allSatisfy({ $0.rows == k && $0.cols == config.cols }) else {
            throw ConfigError("operands: 1...64 tiles of W (\(config.rows)xK) and X (Kx\(config.cols)) of one K")
        }
        let unit = sparse ? p.m : p.n
        guard k >= unit, k % unit == 0 else { throw ConfigError("K must be a positive multiple of \(unit) in \(sparse ? "sparse" : "dense") mode, got \(k)") }
        guard bubbles.isEmpty || bubbles.count == w.count else { throw ConfigError("bubbles: one list per tile, got \(bubbles.count)") }
        self.config = config
        self.pattern = p
        self.k = k
        self.sparse = sparse
        self.seed = 0
        self.w = w
        self.x = x
        compressed = sparse ? try w.map { try Self.compress($0, config: config, pattern: p) } : []
        self.bubbles = bubbles.isEmpty ? w.map { _ in [] } : bubbles
    }

    /// N:M compression of a weight tile: integers by |w|, float patterns by their magnitude keys
    /// (as the hardware's top-N-of-M selector ranks float weights).
    static func compress(_ m: Matrix<Int64>, config: SATConfig, pattern p: NMPattern) throws -> NMCompressed<Int64> {
        guard let f = config.numerics.format else { return try NMCompressed(compressing: m, pattern: p) }
        let keys = Matrix(rows: m.rows, cols: m.cols) { r, c in Int64(f.magnitudeKey(FloatGEMM.pattern(m[r, c]))) }
        return try NMCompressed(compressing: m, mask: NMPruning.forwardMask(keys, p), pattern: p)
    }

    public var groups: Int { SATCycleModel.groups(k: k, pattern: pattern, sparse: sparse) }

    /// Random bubble counts for `beats` beats: before each, with `percent` probability, 1 to 3
    /// bubbles ([] when `percent` is 0: no bubbles).
    static func bubbles(beats: Int, percent: Int, _ rng: inout SplitMix64) -> [Int] {
        guard percent > 0 else { return [] }
        return (0..<beats).map { _ in rng.below(100) < percent ? 1 + rng.below(3) : 0 }
    }
    public var expectedComputeCycles: Int {
        SATCycleModel.computeCycles(rows: config.rows, k: k, pattern: pattern, sparse: sparse, latency: config.pipeline.latency)
    }

    /// The golden results, one per tile: the sparse GEMM on the compressed weights, or the dense GEMM.
    public func references() throws -> [Matrix<Int64>] {
        if let f = config.numerics.format {
            if sparse { return try zip(compressed, x).map { try FloatGEMM.sparse($0, $1, format: f, subnormals: config.subnormals) } }
            return try zip(w, x).map { try FloatGEMM.dense($0, $1, lanes: config.n, format: f, subnormals: config.subnormals) }
        }
        if sparse { return try zip(compressed, x).map { try referenceSparseGEMM($0, $1, accWidth: config.accWidth) } }
        return zip(w, x).map { referenceGEMM($0, $1, accWidth: config.accWidth) }
    }

    /// The cycle-by-cycle program of the tiles.
    public func program() throws -> SATProgram {
        let target = SATTarget(rows: config.rows, cols: config.cols, layout: try config.streamLayout, latency: config.pipeline.latency)
        let tiles = (0..<x.count).map { t in
            SATTile(weights: sparse ? .sparse(compressed[t]) : .dense(w[t]), x: x[t], bubbles: bubbles[t])
        }
        return try SATProgram.compile(tiles, on: target)
    }

    public func vectors(_ d: Definition<SATArray.Ports>, manifest: Manifest, program p: SATProgram,
                        references: [Matrix<Int64>], doneCycles: [Int]) throws -> TestVectors {
        let n = try (mode: TileRun.name(d, \.mode), w: TileRun.name(d, \.wStream), x: TileRun.name(d, \.inX),
                     valid: TileRun.name(d, \.inValid), last: TileRun.name(d, \.inLast), rdRow: TileRun.name(d, \.rdRow),
                     rdData: TileRun.name(d, \.rdData), done: TileRun.name(d, \.tileDone))
        var v = try TestVectors(manifest: manifest, inputs: ["rst", n.mode, n.w, n.x, n.valid, n.last, n.rdRow], outputs: [n.rdData, n.done])
        let expect = TileRun.expectations(p.readout, doneCycles: doneCycles, references: references, cols: config.cols,
                                          accWidth: config.accWidth, rdData: n.rdData, tileDone: n.done)
        let streamWords = (config.streamWidth + 31) / 32
        v.cycle(["rst": [1], n.mode: [sparse ? 1 : 0]], expect: expect[0])
        for t in 0..<p.cycles {
            v.cycle(["rst": [0], n.w: words32(p.weights[t], count: streamWords), n.x: PortWords.pack(p.dense[t], elementWidth: config.dataWidth),
                     n.valid: [p.valid[t] ? 1 : 0], n.last: [p.last[t] ? 1 : 0], n.rdRow: PortWords.scalar(UInt64(p.readout.readRow[t]))],
                    expect: expect[t + 1])
        }
        return v
    }

    /// Builds (or loads) the model, runs, compares every output and the cycles (parameters as
    /// for ``OSArrayGEMM/run(reference:expectedDoneCycles:waveform:waveformOnMismatch:exportBench:options:style:)``).
    public func run(reference: [Matrix<Int64>]? = nil, expectedDoneCycles: [Int]? = nil, waveform: String? = nil,
                    waveformOnMismatch: String? = nil, exportBench: URL? = nil,
                    options: BuildOptions = BuildOptions(), style: VerilogStyle = .simulation) throws -> GEMMReport {
        let d = try SATArray.build(config)
        let design = try Design.elaborate(d, parameters: config.parameters, style: style)
        let p = try program()
        let done = expectedDoneCycles ?? p.readout.doneCycles
        let v = try vectors(d, manifest: design.manifest, program: p, references: reference ?? references(), doneCycles: done)
        return try TileRun.run(label: "sat \(pattern) \(sparse ? "sparse" : "dense")", design: design, vectors: v, plan: p.readout,
                               tileDone: try TileRun.name(d, \.tileDone), rows: config.rows, cols: config.cols, k: k, seed: seed,
                               expectedDone: done, waveform: waveform, waveformOnMismatch: waveformOnMismatch,
                               exportBench: exportBench, options: options)
    }
}
