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
    /// The PE's arithmetic: integers (the default) or floats (bf16/fp16 operands, fp32 sums).
    public var numerics: SATNumerics = .int8
    /// Subnormal handling of the float PE (ignored by the integer PE).
    public var subnormals: SubnormalMode = .ieee

    /// A configuration; `dataWidth` and `accWidth` default to 16 and 32 for float numerics
    /// (the only widths they take), to 8 and ``defaultAccWidth(dataWidth:n:)`` for integers.
    public init(rows: Int = 16, cols: Int = 16, n: Int = 2, m: Int = 8, dataWidth: Int? = nil, accWidth: Int? = nil,
                pipeline: PEPipeline = .full, numerics: SATNumerics = .int8, subnormals: SubnormalMode = .ieee) {
        self.rows = rows
        self.cols = cols
        self.n = n
        self.m = m
        let d = dataWidth ?? numerics.format?.width ?? 8
        self.dataWidth = d
        self.accWidth = accWidth ?? (numerics.isFloat ? FloatFormat.fp32.width : Self.defaultAccWidth(dataWidth: d, n: n))
        self.pipeline = pipeline
        self.numerics = numerics
        self.subnormals = subnormals
    }

    private enum CodingKeys: String, CodingKey { case rows, cols, n, m, dataWidth, accWidth, pipeline, numerics, subnormals }

    /// Decodes a config; `numerics` and `subnormals` may be absent (integer configs written before floats).
    public init(from decoder: any Decoder) throws {
        let k = try decoder.container(keyedBy: CodingKeys.self)
        self.init(rows: try k.decode(Int.self, forKey: .rows), cols: try k.decode(Int.self, forKey: .cols),
                  n: try k.decode(Int.self, forKey: .n), m: try k.decode(Int.self, forKey: .m),
                  dataWidth: try k.decode(Int.self, forKey: .dataWidth), accWidth: try k.decode(Int.self, forKey: .accWidth),
                  pipeline: try k.decode(PEPipeline.self, forKey: .pipeline),
                  numerics: try k.decodeIfPresent(SATNumerics.self, forKey: .numerics) ?? .int8,
                  subnormals: try k.decodeIfPresent(SubnormalMode.self, forKey: .subnormals) ?? .ieee)
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
        if let f = numerics.format {
            guard dataWidth == f.width, accWidth == FloatFormat.fp32.width else {
                throw ConfigError("\(numerics) numerics take \(f.width)-bit operands and 32-bit (fp32) accumulators, "
                    + "got data width \(dataWidth) and accumulator width \(accWidth)")
            }
            return
        }
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

    var tag: String {
        let numbers = numerics.isFloat ? "\(numerics)" + (subnormals == .flushToZero ? "_ftz" : "") : "d\(dataWidth)_a\(accWidth)"
        return "n\(n)m\(m)_" + numbers + pipeline.tag
    }
    public var topName: String { "sat_r\(rows)_c\(cols)_\(tag)" }
    public var peName: String { "sat_pe_\(tag)" }
    public var indexUnitName: String { "sat_index_r\(rows)_n\(n)m\(m)_d\(dataWidth)" }

    /// Manifest parameters; float configs add `numerics` and `subnormals` (integer manifests are
    /// unchanged).
    public var parameters: [String: ParamValue] {
        let p: [String: ParamValue] = ["design": .string("sat"), "rows": .int(rows), "cols": .int(cols), "n": .int(n), "m": .int(m),
                                       "dataWidth": .int(dataWidth), "accWidth": .int(accWidth), "pipeline": .string(pipeline.description)]
        guard numerics.isFloat else { return p }
        return p.merging(["numerics": .string(numerics.rawValue), "subnormals": .string(subnormals.rawValue)]) { _, float in float }
    }
}
