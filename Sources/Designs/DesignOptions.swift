import Formats
import SparseAccel

/// A knob of a design, as the command line spells it.
public enum DesignKnob: String, CaseIterable, Sendable {
    case pe
    case nm
    case dataWidth = "data-width"
    case accWidth = "acc-width"
    case pipeline
    case memWidth = "mem-width"
    case buffers
    case axi
    case numerics
    case subnormals
    case patternNNZ = "pattern-nnz"
    case period

    public var flag: String { "--" + rawValue }
}

/// The knobs a user gave (nil = the design's default). A design rejects a knob it does not take.
public struct DesignOptions: Sendable, Hashable {
    public var rows: Int?
    public var cols: Int?
    public var nm: String?
    public var dataWidth: Int?
    public var accWidth: Int?
    public var pipeline: String?
    public var memWidth: Int?
    /// `X,W,M,O,P`: entries of XBUF, WBUF, MBUF, OBUF and PBUF.
    public var buffers: String?
    /// Wrap the memory port in an AXI4 master.
    public var axi: Bool
    /// `int8`, `bf16` or `fp16`: the PE's arithmetic.
    public var numerics: String?
    /// `ieee` or `ftz`: subnormal handling of a float PE.
    public var subnormals: String?
    /// SPS: weights kept per kernel (n of the pattern).
    public var patternNNZ: Int?
    /// SPS: the period P of the pattern assignment.
    public var period: Int?

    public init(rows: Int? = nil, cols: Int? = nil, nm: String? = nil, dataWidth: Int? = nil, accWidth: Int? = nil,
                pipeline: String? = nil, memWidth: Int? = nil, buffers: String? = nil, axi: Bool = false, numerics: String? = nil,
                subnormals: String? = nil, patternNNZ: Int? = nil, period: Int? = nil) {
        self.rows = rows
        self.cols = cols
        self.nm = nm
        self.dataWidth = dataWidth
        self.accWidth = accWidth
        self.pipeline = pipeline
        self.memWidth = memWidth
        self.buffers = buffers
        self.axi = axi
        self.numerics = numerics
        self.subnormals = subnormals
        self.patternNNZ = patternNNZ
        self.period = period
    }

    /// The knobs that were given.
    public var given: [DesignKnob] {
        var k: [DesignKnob] = []
        if rows != nil || cols != nil { k.append(.pe) }
        if nm != nil { k.append(.nm) }
        if dataWidth != nil { k.append(.dataWidth) }
        if accWidth != nil { k.append(.accWidth) }
        if pipeline != nil { k.append(.pipeline) }
        if memWidth != nil { k.append(.memWidth) }
        if buffers != nil { k.append(.buffers) }
        if axi { k.append(.axi) }
        if numerics != nil { k.append(.numerics) }
        if subnormals != nil { k.append(.subnormals) }
        if patternNNZ != nil { k.append(.patternNNZ) }
        if period != nil { k.append(.period) }
        return k
    }

    /// Throws a ``ConfigError`` naming the first given knob that `design` does not take.
    public func check(takes knobs: [DesignKnob], design: String) throws {
        if let bad = given.first(where: { !knobs.contains($0) }) {
            throw ConfigError("\(bad.flag) does not apply to design '\(design)' (it takes \(knobs.map(\.flag).joined(separator: ", ")))")
        }
    }
}

/// One knob of a design with its default, for `hwgen list` and `--help`.
public struct DesignParameter: Sendable {
    public let knob: DesignKnob
    /// The value's form, e.g. `RxC`, `N:M`, `W`.
    public let value: String
    /// The default, as text (derived defaults say how they are derived).
    public let defaultText: String
    public let help: String
}

/// Parses `N:M`, e.g. `2:8`.
func parseNM(_ text: String) throws -> (n: Int, m: Int) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]) else {
        throw ConfigError("--nm expects N:M (e.g. 2:8), got '\(text)'")
    }
    return (n, m)
}

/// Parses `X,W,M,O,P` buffer entry counts.
func parseBuffers(_ text: String) throws -> [Int] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
    guard parts.count == 5, parts.allSatisfy({ $0 != nil }) else {
        throw ConfigError("--buffers expects five entry counts X,W,M,O,P (e.g. 512,512,64,64,16), got '\(text)'")
    }
    return parts.map { $0! }
}

/// Parses `--subnormals`: `ieee` or `ftz` (case-insensitive).
func parseSubnormals(_ text: String) throws -> SubnormalMode {
    guard let mode = SubnormalMode(rawValue: text.lowercased()) else {
        throw ConfigError("--subnormals expects ieee or ftz, got '\(text)'")
    }
    return mode
}
