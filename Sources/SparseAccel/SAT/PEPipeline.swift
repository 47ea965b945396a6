/// Pipeline registers inside the SAT PE, between its stages: entry → index multiplexer →
/// multiplier operands → multipliers → (route) → adder tree → accumulator. Each register adds one cycle of
/// latency to every beat and shortens the PE's longest combinational path; the cycle model and
/// the tile-done flag account for it, so co-simulation stays cycle-exact for every setting. The
/// default (``SATConfig``) is ``full``: on ECP5 it gives the most MAC/s and MAC/s per LUT for
/// 6 cycles per GEMM and flip-flops only (README "PE pipelining", Benchmarks/synth.md).
public struct PEPipeline: Codable, Sendable, Hashable, CustomStringConvertible {
    /// A register at the PE's entry for the row's weights and indices (each PE its own copy of
    /// the broadcast; the index multiplexers then select from the PE's own dense-operand register
    /// `x_q`, one cycle later like the indices). It cuts the row-long route from the indexing unit
    /// to every PE's multiplexers (ECP5 8x8: 11.3 ns of a 12.9 ns path).
    public var atEntry: Bool
    /// A register after the index multiplexers (the weights and the selected dense operands).
    public var afterMux: Bool
    /// A register on the multipliers' operands, in front of the multipliers: with
    /// ``afterMultiply`` it makes each lane a ``HWLib/PipelinedMultiplier``, whose operand and
    /// product registers an ECP5 flow maps into the MULT18X18D itself.
    public var beforeMultiply: Bool
    /// A register after the multipliers (the products).
    public var afterMultiply: Bool
    /// A second register on the products, in the fabric (`route_q_j`): a stop between a PE's
    /// multipliers and its adder tree. A large array fills the DSP columns (ECP5 8x8 2:8: 128 of
    /// 156), so a PE's two DSPs can sit far apart and the product's route alone took 5 of a
    /// 7.2 ns path; the placer puts this register on the way.
    public var routeProducts: Bool
    /// A register after the adder tree (the beat's sum).
    public var afterAdderTree: Bool

    public init(atEntry: Bool = false, afterMux: Bool = false, beforeMultiply: Bool = false, afterMultiply: Bool = false,
                routeProducts: Bool = false, afterAdderTree: Bool = false) {
        self.atEntry = atEntry
        self.afterMux = afterMux
        self.beforeMultiply = beforeMultiply
        self.afterMultiply = afterMultiply
        self.routeProducts = routeProducts
        self.afterAdderTree = afterAdderTree
    }

    private enum CodingKeys: String, CodingKey { case atEntry, afterMux, beforeMultiply, afterMultiply, routeProducts, afterAdderTree }

    /// Decodes configs written before the entry, operand and route registers existed (absent: off).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        atEntry = try c.decodeIfPresent(Bool.self, forKey: .atEntry) ?? false
        afterMux = try c.decode(Bool.self, forKey: .afterMux)
        beforeMultiply = try c.decodeIfPresent(Bool.self, forKey: .beforeMultiply) ?? false
        afterMultiply = try c.decode(Bool.self, forKey: .afterMultiply)
        routeProducts = try c.decodeIfPresent(Bool.self, forKey: .routeProducts) ?? false
        afterAdderTree = try c.decode(Bool.self, forKey: .afterAdderTree)
    }

    /// No pipeline registers: a beat is accumulated in the cycle it reaches the PE.
    public static let none = PEPipeline()
    /// Every stage registered.
    public static let full = PEPipeline(atEntry: true, afterMux: true, beforeMultiply: true, afterMultiply: true, routeProducts: true,
                                        afterAdderTree: true)

    /// Whether each lane's multiplier is a ``HWLib/PipelinedMultiplier`` (operand and product
    /// registers around it).
    public var pipelinedMultiplier: Bool { beforeMultiply && afterMultiply }

    /// Cycles from a beat reaching the PE to its accumulation.
    // Counted without an array: the system cycle model asks for it every simulated cycle.
    public var latency: Int {
        (atEntry ? 1 : 0) + (afterMux ? 1 : 0) + (beforeMultiply ? 1 : 0) + (afterMultiply ? 1 : 0) + (routeProducts ? 1 : 0)
            + (afterAdderTree ? 1 : 0)
    }

    static let names = ["entry", "mux", "in", "mul", "route", "sum"]
    var stages: [Bool] { [atEntry, afterMux, beforeMultiply, afterMultiply, routeProducts, afterAdderTree] }

    /// `none`, or the registered stages joined by `+`: `entry`, `mux`, `in`, `mul`, `route`, `sum` (e.g. `mul+sum`).
    public var description: String {
        let on = zip(Self.names, stages).filter { $0.1 }.map { $0.0 }
        return on.isEmpty ? "none" : on.joined(separator: "+")
    }

    /// Parses ``description``'s form (`none`, `full`, or stages joined by `+` or `,`).
    public static func parse(_ text: String) throws -> PEPipeline {
        let t = text.lowercased()
        if t == "none" { return .none }
        if t == "full" { return .full }
        var p = PEPipeline()
        for part in t.split(whereSeparator: { $0 == "+" || $0 == "," }) {
            switch part {
            case "entry": p.atEntry = true
            case "mux": p.afterMux = true
            case "in": p.beforeMultiply = true
            case "mul": p.afterMultiply = true
            case "route": p.routeProducts = true
            case "sum": p.afterAdderTree = true
            default: throw ConfigError("pipeline '\(text)': unknown stage '\(part)' (stages: entry, mux, in, mul, route, sum; or none, full)")
            }
        }
        if t.isEmpty { throw ConfigError("pipeline is empty (stages: entry, mux, in, mul, route, sum; or none, full)") }
        return p
    }

    /// Module-name tag: empty for no registers, else `_p` and the stage letters (`_pms`; `e` for
    /// the entry register, `i` for the operand register).
    var tag: String {
        latency == 0 ? "" : "_p" + zip(["e", "m", "i", "x", "r", "s"], stages).filter { $0.1 }.map { $0.0 }.joined()
    }
}
