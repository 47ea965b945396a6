import Foundation

/// The resource categories of `hwgen synth`'s tables; every target's cell names map to them in
/// ``ResourceKind/classify(_:target:)``, the one place that knows a vendor's primitives.
public enum ResourceKind: String, CaseIterable, Codable, Sendable {
    /// Look-up tables (LUT4 / LUT1-6; logic gates for the generic target).
    case lut
    /// Flip-flops.
    case ff
    /// Carry-chain cells (CCU2C: 2 bits, SB_CARRY: 1 bit, CARRY4: 4 bits).
    case carry
    /// Hard multipliers / DSP blocks (MULT18X18D, ALU54B, SB_MAC16, DSP48E1).
    case dsp
    /// Block RAM (DP16KD, SB_RAM40_4K, SB_SPRAM256KA, RAMB18/36).
    case bram
    /// LUTs used as memory or shift registers (TRELLIS_DPR16X4, SRL16E/SRLC32E, RAM32M, ...).
    case lutram
    /// I/O buffers (none with ECP5's out-of-context flow).
    case io
    /// Everything else, e.g. the ECP5's wide-function multiplexers PFUMX and L6MUX21, which
    /// combine LUT4 outputs inside a slice and cost no LUT of their own.
    case other

    /// Column title.
    public var title: String {
        switch self {
        case .lut: return "LUT"
        case .ff: return "FF"
        case .carry: return "carry"
        case .dsp: return "DSP"
        case .bram: return "BRAM"
        case .lutram: return "SRL/LUTRAM"
        case .io: return "IO"
        case .other: return "other"
        }
    }

    /// A rule: a cell name equal to, or starting with, `name`.
    struct Rule {
        let name: String
        let prefix: Bool
        let kind: ResourceKind
        static func exact(_ n: String, _ k: ResourceKind) -> Rule { Rule(name: n, prefix: false, kind: k) }
        static func prefix(_ n: String, _ k: ResourceKind) -> Rule { Rule(name: n, prefix: true, kind: k) }
    }

    /// Per target, in order (the first matching rule wins).
    static let rules: [SynthTarget: [Rule]] = [
        .ecp5: [
            .exact("LUT4", .lut), .exact("TRELLIS_FF", .ff), .exact("CCU2C", .carry),
            .exact("MULT18X18D", .dsp), .exact("ALU54B", .dsp), .exact("DP16KD", .bram), .exact("PDPW16KD", .bram),
            .exact("TRELLIS_DPR16X4", .lutram), .exact("TRELLIS_IO", .io),
        ],
        .ice40: [
            .exact("SB_LUT4", .lut), .prefix("SB_DFF", .ff), .exact("SB_CARRY", .carry), .exact("SB_MAC16", .dsp),
            .prefix("SB_RAM40_4K", .bram), .exact("SB_SPRAM256KA", .bram), .exact("SB_IO", .io),
        ],
        .xilinx: [
            .prefix("LUT", .lut), .exact("INV", .lut), .prefix("FD", .ff), .prefix("CARRY", .carry), .prefix("DSP48", .dsp),
            .prefix("RAMB", .bram), .prefix("SRL", .lutram), .prefix("RAM16", .lutram), .prefix("RAM32", .lutram),
            .prefix("RAM64", .lutram), .prefix("RAM128", .lutram), .prefix("RAM256", .lutram),
            .prefix("IBUF", .io), .prefix("OBUF", .io), .prefix("IOBUF", .io), .prefix("BUFG", .io),
        ],
        .generic: [
            // yosys's internal gate library: flip-flops by name, latches apart (the design gate
            // counts them), every other fine-grained cell is a logic gate.
            .prefix("$_DLATCH", .other), .prefix("$_SR_", .other),
            .prefix("$_DFF", .ff), .prefix("$_SDFF", .ff), .prefix("$_DFFE", .ff), .prefix("$_SDFFE", .ff),
            .prefix("$_SDFFCE", .ff), .prefix("$_ALDFF", .ff), .prefix("$_FF_", .ff),
            .prefix("$_", .lut),
        ],
    ]

    /// The category of a cell type on `target`.
    public static func classify(_ cell: String, target: SynthTarget) -> ResourceKind {
        for r in rules[target] ?? [] where r.prefix ? cell.hasPrefix(r.name) : cell == r.name { return r.kind }
        return .other
    }
}

/// Cell counts by ``ResourceKind``.
public struct ResourceCount: Codable, Sendable, Hashable {
    public var counts: [ResourceKind: Int] = [:]

    public init(_ counts: [ResourceKind: Int] = [:]) { self.counts = counts }

    /// Classifies `cells` (cell type -> count) for `target`.
    public init(cells: [String: Int], target: SynthTarget) {
        for (cell, n) in cells { counts[ResourceKind.classify(cell, target: target), default: 0] += n }
    }

    public subscript(_ kind: ResourceKind) -> Int { counts[kind] ?? 0 }

    /// `self` scaled by `n` instances.
    public func times(_ n: Int) -> ResourceCount { ResourceCount(counts.mapValues { $0 * n }) }

    public static func + (a: ResourceCount, b: ResourceCount) -> ResourceCount {
        ResourceCount(a.counts.merging(b.counts, uniquingKeysWith: +))
    }

    // Encoded as {"lut": n, ...} with every kind present, so the JSON has fixed keys.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: ResourceKind.CodingKey.self)
        for k in ResourceKind.allCases { counts[k] = try c.decodeIfPresent(Int.self, forKey: .init(k)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: ResourceKind.CodingKey.self)
        for k in ResourceKind.allCases { try c.encode(self[k], forKey: .init(k)) }
    }
}

extension ResourceKind {
    struct CodingKey: Swift.CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ k: ResourceKind) { stringValue = k.rawValue }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
