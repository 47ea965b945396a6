import HWCore

/// The designs `hwgen` can emit, with their shared knobs.
public struct DesignOptions: Sendable, Hashable {
    public var rows: Int = 16
    public var cols: Int = 16
    public var dataWidth: Int?
    public var accWidth: Int?
    public init(rows: Int = 16, cols: Int = 16, dataWidth: Int? = nil, accWidth: Int? = nil) {
        self.rows = rows
        self.cols = cols
        self.dataWidth = dataWidth
        self.accWidth = accWidth
    }
}

/// A named generator: builds a top module and the parameters recorded in its manifest.
public struct GeneratorEntry: Sendable {
    public let name: String
    public let summary: String
    public let build: @Sendable (DesignOptions) throws -> (Module, [String: ParamValue])
}

public enum Generators {
    /// The default design of `hwgen emit`.
    public static let defaultName = "osarray"

    public static let all: [GeneratorEntry] = [
        GeneratorEntry(name: "osarray", summary: "dense output-stationary systolic array (int8 x int8 -> int32 by default)") { o in
            var cfg = OSArrayConfig(rows: o.rows, cols: o.cols)
            if let d = o.dataWidth { cfg.dataWidth = d }
            if let a = o.accWidth { cfg.accWidth = a }
            return (try OSArray.build(cfg), cfg.parameters)
        },
    ]

    public static func named(_ name: String) throws -> GeneratorEntry {
        guard let g = all.first(where: { $0.name == name }) else {
            throw ConfigError("unknown design '\(name)' (available: \(all.map { $0.name }.joined(separator: ", ")))")
        }
        return g
    }

    /// Builds and elaborates a design.
    public static func elaborate(_ name: String, _ options: DesignOptions) throws -> Design {
        let g = try named(name)
        let (top, params) = try g.build(options)
        return try Design.elaborate(top, parameters: params)
    }
}
