import HWCore

/// The designs `hwgen` can emit, with their shared knobs.
public struct DesignOptions: Sendable, Hashable {
    public var rows: Int = 16
    public var cols: Int = 16
    public var dataWidth: Int?
    public var accWidth: Int?
    /// N:M of sparse designs (default 2:8).
    public var nm: (n: Int, m: Int)? {
        get { sparsity.map { ($0.n, $0.m) } }
        set { sparsity = newValue.map { Sparsity(n: $0.n, m: $0.m) } }
    }
    // Stored as a struct (tuples are not Hashable), so equality and hashing are synthesized.
    private struct Sparsity: Sendable, Hashable { let n: Int; let m: Int }
    private var sparsity: Sparsity?

    public init(rows: Int = 16, cols: Int = 16, dataWidth: Int? = nil, accWidth: Int? = nil, nm: (n: Int, m: Int)? = nil) {
        self.rows = rows
        self.cols = cols
        self.dataWidth = dataWidth
        self.accWidth = accWidth
        self.nm = nm
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
    public static let defaultName = "sat"

    public static let all: [GeneratorEntry] = [
        GeneratorEntry(name: "sat", summary: "SAT core: unified dense/N:M sparse PE array (2:8, int8 -> int32 by default)") { o in
            let cfg = SATConfig(options: o)
            return (try SATArray.build(cfg), cfg.parameters)
        },
        GeneratorEntry(name: "osarray", summary: "dense output-stationary systolic array (int8 x int8 -> int32 by default)") { o in
            let cfg = OSArrayConfig(options: o)
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
    public static func elaborate(_ name: String, _ options: DesignOptions, style: VerilogStyle = .synthesis) throws -> Design {
        let g = try named(name)
        let (top, params) = try g.build(options)
        return try Design.elaborate(top, parameters: params, style: style)
    }
}

extension OSArrayConfig {
    /// The config `hwgen emit/sim` builds from its options (N:M does not apply).
    public init(options o: DesignOptions) {
        self.init(rows: o.rows, cols: o.cols)
        if let d = o.dataWidth { dataWidth = d }
        if let a = o.accWidth { accWidth = a }
    }
}

extension SATConfig {
    /// The config `hwgen emit/sim` builds from its options.
    public init(options o: DesignOptions) {
        self.init(rows: o.rows, cols: o.cols)
        if let nm = o.nm { n = nm.n; m = nm.m }
        if let d = o.dataWidth { dataWidth = d }
        if let a = o.accWidth { accWidth = a }
    }
}
