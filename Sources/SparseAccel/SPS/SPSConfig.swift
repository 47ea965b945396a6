import Formats
import HWCore

/// Configuration of the SPS conv core ("sps"): an R × C dense output-stationary array fed by a
/// pattern-driven indexing unit and an im2col address generator. One struct drives the RTL, the
/// manifest, the compiler's checks and the reports.
public struct SPSConfig: Codable, Sendable, Hashable {
    /// PE rows (R): output pixels of a tile.
    public var rows: Int = 8
    /// PE columns (C): filters of a tile (all of one residue class mod P).
    public var cols: Int = 8
    /// Kernel side K.
    public var kernelSize: Int = 3
    /// n, weights kept per kernel (every pattern of the period keeps n).
    public var patternNNZ: Int = 4
    /// P, the period of the pattern assignment (pattern table entries).
    public var period: Int = 8
    /// Signed operand width (activations and weights), bits.
    public var dataWidth: Int = 8
    /// Signed accumulator width, bits.
    public var accWidth: Int = 32
    /// Activation buffer address width (words of one activation each).
    public var actAddrBits: Int = 20
    /// Weight buffer address width (beats of C weights each).
    public var weightAddrBits: Int = 20
    /// Width of the input height/width registers (unsigned); window origins are one bit wider, signed.
    public var dimBits: Int = 12
    /// Width of the channel-count register (Ci ≤ 2^chanBits − 1).
    public var chanBits: Int = 12

    public init(rows: Int = 8, cols: Int = 8, kernelSize: Int = 3, patternNNZ: Int = 4, period: Int = 8,
                dataWidth: Int = 8, accWidth: Int? = nil) {
        self.rows = rows
        self.cols = cols
        self.kernelSize = kernelSize
        self.patternNNZ = patternNNZ
        self.period = period
        self.dataWidth = dataWidth
        self.accWidth = accWidth ?? OSArrayConfig.defaultAccWidth(dataWidth: dataWidth)
    }

    /// Largest array side accepted.
    public static let maxSide = 256

    /// Throws a ``ConfigError`` naming the first invalid field.
    public func validate() throws {
        try Check.range(rows, 1...Self.maxSide, "rows")
        try Check.range(cols, 1...Self.maxSide, "cols")
        try Check.range(kernelSize, 1...15, "kernel size")
        try Check.range(patternNNZ, 1...(kernelSize * kernelSize), "pattern non-zeros (1...K² for K=\(kernelSize))")
        try Check.range(period, 1...256, "period")
        try Check.range(dataWidth, 1...32, "data width")
        try Check.range(accWidth, 1...64, "accumulator width")
        guard accWidth >= 2 * dataWidth else {
            throw ConfigError("accumulator width \(accWidth) is narrower than one product (2 x data width = \(2 * dataWidth))")
        }
        try Check.range(actAddrBits, 2...40, "activation address width")
        try Check.range(weightAddrBits, 2...40, "weight address width")
        try Check.range(dimBits, 2...24, "dimension width")
        try Check.range(chanBits, 1...24, "channel-count width")
        guard actAddrBits > dimBits else { throw ConfigError("activation address width \(actAddrBits) must exceed the dimension width \(dimBits)") }
    }

    // MARK: Derived values

    /// The pattern table's layout (the core's whole index memory).
    public var tableLayout: PPSPatternTableLayout {
        get throws {
            do { return try PPSPatternTableLayout(kernelSize: kernelSize, slots: patternNNZ, period: period) } catch let e as FormatError {
                throw ConfigError(e.message)
            }
        }
    }

    /// Width of a pattern id (the mod-P counter), at least 1.
    public var patternIdBits: Int { max(1, ceilLog2(period)) }
    /// Width of the slot counter (0..<n), at least 1.
    public var slotBits: Int { max(1, ceilLog2(patternNNZ)) }
    /// Width of a kernel coordinate, at least 1.
    public var coordBits: Int { max(1, ceilLog2(kernelSize)) }
    /// Width of `rd_row`.
    public var rowSelWidth: Int { max(1, ceilLog2(rows)) }
    /// Width of the tiles-in-flight counter: bounds ⌈(R + C + 3)/(G + 1)⌉ + 1 ≤ R + C + 4 tiles.
    public var inflightBits: Int { max(2, ceilLog2(rows + cols + 5)) }
    /// Width of the cycle counter.
    public static let cycleCounterBits = 32

    /// The dense array inside (same R, C, widths).
    public var array: OSArrayConfig { OSArrayConfig(rows: rows, cols: cols, dataWidth: dataWidth, accWidth: accWidth) }

    /// Emitted name of the top module.
    public var topName: String { "sps_r\(rows)_c\(cols)_k\(kernelSize)_n\(patternNNZ)_p\(period)_d\(dataWidth)_a\(accWidth)" }
    /// Emitted name of the indexing unit.
    public var indexUnitName: String { "sps_index_k\(kernelSize)_n\(patternNNZ)_p\(period)" }
    /// Emitted name of the address generator.
    public var addressGenName: String { "sps_im2col_r\(rows)_k\(kernelSize)" }

    public var parameters: [String: ParamValue] {
        ["design": .string("sps"), "rows": .int(rows), "cols": .int(cols), "kernelSize": .int(kernelSize),
         "patternNNZ": .int(patternNNZ), "period": .int(period), "dataWidth": .int(dataWidth), "accWidth": .int(accWidth)]
    }
}
