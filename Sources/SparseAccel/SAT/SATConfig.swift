import Formats
import HWCore

/// Configuration of the SAT core: an R x C array of unified dense / N:M sparse PEs.
/// One struct drives the RTL, the manifest, the workloads and the reports.
public struct SATConfig: Codable, Sendable, Hashable {
    public var rows: Int = 16
    public var cols: Int = 16
    /// N of N:M: kept values per group (= multipliers per PE).
    public var n: Int = 2
    /// M of N:M: group size (= dense elements a PE consumes per cycle in sparse mode).
    public var m: Int = 8
    public var dataWidth: Int = 8
    /// Accumulator width; by default ``defaultAccWidth(dataWidth:n:)``.
    public var accWidth: Int = 32
    /// Pipeline registers inside each PE; by default every stage (``PEPipeline/full``), chosen
    /// by measured throughput after place and route (README, Benchmarks/synth.md).
    public var pipeline: PEPipeline = .full

    public init(rows: Int = 16, cols: Int = 16, n: Int = 2, m: Int = 8, dataWidth: Int = 8, accWidth: Int? = nil,
                pipeline: PEPipeline = .full) {
        self.rows = rows
        self.cols = cols
        self.n = n
        self.m = m
        self.dataWidth = dataWidth
        self.accWidth = accWidth ?? Self.defaultAccWidth(dataWidth: dataWidth, n: n)
        self.pipeline = pipeline
    }

    /// The default accumulator: 32 bits while one cycle's sum of N products (2·d + ⌈log2 N⌉ bits)
    /// leaves at least 8 bits of headroom for accumulation, else 64.
    public static func defaultAccWidth(dataWidth: Int, n: Int) -> Int {
        2 * dataWidth + ceilLog2(max(1, n)) <= 24 ? 32 : 64
    }

    public static let maxSide = 256

    /// Throws a ``ConfigError`` naming the first invalid field.
    public func validate() throws {
        try Check.range(rows, 1...Self.maxSide, "rows")
        try Check.range(cols, 1...Self.maxSide, "cols")
        guard n >= 1 else { throw ConfigError("N:M needs N >= 1, got \(n):\(m)") }
        guard n < m else { throw ConfigError("N:M needs N < M, got \(n):\(m)") }
        guard m.nonzeroBitCount == 1 else { throw ConfigError("M must be a power of two, got \(n):\(m)") }
        guard m <= 64 else { throw ConfigError("M must be at most 64, got \(n):\(m)") }
        try Check.range(dataWidth, 1...32, "data width")
        try Check.range(accWidth, 1...64, "accumulator width")
        guard accWidth >= sumWidth else {
            throw ConfigError("accumulator width \(accWidth) is narrower than one cycle's sum of \(n) products (\(sumWidth) bits)")
        }
    }

    // MARK: Derived values

    /// The N:M pattern and the weight stream's bit layout (Formats' one definition of it).
    public var pattern: NMPattern { get throws { try NMPattern(n: n, m: m) } }
    public var streamLayout: NMStreamLayout { get throws { try NMStreamLayout(pattern: pattern, valueBits: dataWidth) } }

    /// Bits of one kept entry's index: ⌈log2 M⌉.
    public var indexBits: Int { max(1, ceilLog2(m)) }
    /// Bits of one compressed entry in the weight stream: value then index.
    public var entryBits: Int { dataWidth + indexBits }
    /// Width of the weight stream: one group (N entries) of every row per cycle.
    public var streamWidth: Int { rows * n * entryBits }
    /// Width of a PE's per-cycle sum of N exact products.
    public var sumWidth: Int { 2 * dataWidth + ceilLog2(n) }
    /// Width of `rd_row`: ⌈log2 rows⌉, at least 1.
    public var rowSelWidth: Int { max(1, ceilLog2(rows)) }
    /// Ideal sparse-over-dense speedup M/N.
    public var idealSpeedup: Double { Double(m) / Double(n) }

    var tag: String { "n\(n)m\(m)_d\(dataWidth)_a\(accWidth)" + pipeline.tag }
    public var topName: String { "sat_r\(rows)_c\(cols)_\(tag)" }
    public var peName: String { "sat_pe_\(tag)" }
    public var indexUnitName: String { "sat_index_r\(rows)_n\(n)m\(m)_d\(dataWidth)" }

    public var parameters: [String: ParamValue] {
        ["design": .string("sat"), "rows": .int(rows), "cols": .int(cols), "n": .int(n), "m": .int(m),
         "dataWidth": .int(dataWidth), "accWidth": .int(accWidth), "pipeline": .string(pipeline.description)]
    }
}
