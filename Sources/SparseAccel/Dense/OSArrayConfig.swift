import HWCore

/// Configuration of the dense output-stationary systolic array ("osarray").
/// One struct drives the RTL, the manifest and (later) the golden model and reports.
public struct OSArrayConfig: Codable, Sendable, Hashable {
    /// PE rows (R): one row operand lane each.
    public var rows: Int = 16
    /// PE columns (C): one column operand lane each.
    public var cols: Int = 16
    /// Operand width (signed), bits.
    public var dataWidth: Int = 8
    /// Accumulator width (signed), bits; at least 2 x dataWidth so one product always fits.
    public var accWidth: Int = 32

    public init(rows: Int = 16, cols: Int = 16, dataWidth: Int = 8, accWidth: Int? = nil) {
        self.rows = rows
        self.cols = cols
        self.dataWidth = dataWidth
        self.accWidth = accWidth ?? Self.defaultAccWidth(dataWidth: dataWidth)
    }

    /// The default accumulator: 32 bits while a product (2·d bits) leaves at least 8 bits of
    /// headroom for accumulation, else 64.
    public static func defaultAccWidth(dataWidth: Int) -> Int { 2 * dataWidth <= 24 ? 32 : 64 }

    /// Largest array side accepted (a sanity bound on elaboration size).
    public static let maxSide = 1024

    /// Throws a ``ConfigError`` naming the first invalid field.
    public func validate() throws {
        try Check.range(rows, 1...Self.maxSide, "rows")
        try Check.range(cols, 1...Self.maxSide, "cols")
        try Check.range(dataWidth, 1...32, "data width")
        try Check.range(accWidth, 1...64, "accumulator width")
        guard accWidth >= 2 * dataWidth else {
            throw ConfigError("accumulator width \(accWidth) is narrower than one product (2 x data width = \(2 * dataWidth))")
        }
    }

    // MARK: Derived values

    /// Width of `rd_row`: ⌈log2 rows⌉, at least 1.
    public var rowSelWidth: Int { max(1, ceilLog2(rows)) }

    /// Emitted name of the top module.
    public var topName: String { "osarray_r\(rows)_c\(cols)_d\(dataWidth)_a\(accWidth)" }

    /// Emitted name of the PE module.
    public var peName: String { "osarray_pe_d\(dataWidth)_a\(accWidth)" }

    public var parameters: [String: ParamValue] {
        ["design": .string("osarray"), "rows": .int(rows), "cols": .int(cols),
         "dataWidth": .int(dataWidth), "accWidth": .int(accWidth)]
    }
}
