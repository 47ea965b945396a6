import Foundation

/// One device resource after placement: how many the design uses of how many the part has.
public struct Utilisation: Codable, Sendable, Hashable {
    /// nextpnr's name for it, e.g. `TRELLIS_COMB`, `MULT18X18D`, `ICESTORM_LC`.
    public let resource: String
    public let used: Int
    public let available: Int
}

/// The longest register-to-register path, named by the design's own signals.
public struct CriticalPath: Codable, Sendable, Hashable {
    /// The launching register (or cell), e.g. `index_unit.idx_2_1_1`.
    public let start: String
    /// The capturing register (or cell), e.g. `pe_2_0.acc_q`.
    public let end: String
    /// The design's signals the path passes through, in order, start and end included.
    public let through: [String]
    /// Total delay in ns.
    public let delayNs: Double
    /// Of which routing (wires), in ns.
    public let routingNs: Double
}

/// What nextpnr's `--report` JSON says.
public struct NextpnrReport: Sendable {
    /// Achieved Fmax of the slowest clock (MHz).
    public let fmaxMHz: Double
    public let utilisation: [Utilisation]
    public let criticalPath: CriticalPath?

    /// Parses the JSON report (`fmax`, `utilization`, `critical_paths`).
    public static func parse(_ data: Data) throws -> NextpnrReport {
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SynthError("nextpnr's report is not a JSON object")
        }
        let clocks = (root["fmax"] as? [String: Any]) ?? [:]
        let fmax = clocks.values.compactMap { ($0 as? [String: Any])?["achieved"] as? Double }.min()
        guard let fmax else { throw SynthError("nextpnr's report has no clock (is the design purely combinational?)") }
        let util = ((root["utilization"] as? [String: Any]) ?? [:]).compactMap { name, v -> Utilisation? in
            guard let d = v as? [String: Any], let u = d["used"] as? Int, let a = d["available"] as? Int else { return nil }
            return Utilisation(resource: name, used: u, available: a)
        }.sorted { $0.resource < $1.resource }
        // The clock whose path is longest: the first path report of the slowest clock.
        let paths = (root["critical_paths"] as? [[String: Any]]) ?? []
        // Register-to-register paths only: `<async>` ends are the design's ports.
        let clocked = paths.filter { ($0["from"] as? String) != "<async>" && ($0["to"] as? String) != "<async>" }
        let worst = clocked.map { criticalPath($0["path"] as? [[String: Any]] ?? []) }.compactMap { $0 }.max { $0.delayNs < $1.delayNs }
        return NextpnrReport(fmaxMHz: fmax, utilisation: util, criticalPath: worst)
    }

    /// Names the path by the cells it passes through. yosys's `autoname` names a mapped cell
    /// after the signal it drives plus the primitive and port (`pe_2_0.acc_q_TRELLIS_FF_Q_2`,
    /// `pe_2_0.sel_1_L6MUX21_Z_6_SD_PFUMX_Z_ALUT_LUT4_Z`): cutting at the first primitive name
    /// gives back hwgen's signal (`pe_2_0.acc_q`, `pe_2_0.sel_1`).
    static func criticalPath(_ segments: [[String: Any]]) -> CriticalPath? {
        guard !segments.isEmpty else { return nil }
        var names: [String] = []
        var total = 0.0, routing = 0.0
        for s in segments {
            let delay = s["delay"] as? Double ?? 0
            total += delay
            if s["type"] as? String == "routing" { routing += delay }
            for end in ["from", "to"] {
                guard let cell = (s[end] as? [String: Any])?["cell"] as? String else { continue }
                let name = signalName(cell)
                if names.last != name { names.append(name) }
            }
        }
        return CriticalPath(start: names.first ?? "?", end: names.last ?? "?", through: names, delayNs: total, routingNs: routing)
    }

    /// Primitive names that `autoname` appends (every target's).
    static let primitives = [
        "TRELLIS_FF", "TRELLIS_COMB", "TRELLIS_DPR16X4", "LUT4", "PFUMX", "L6MUX21", "CCU2C", "MULT18X18D", "ALU54B", "DP16KD", "PDPW16KD",
        "SB_DFF", "SB_LUT4", "SB_CARRY", "SB_MAC16", "SB_RAM40_4K", "ICESTORM_LC", "ICESTORM_RAM", "ICESTORM_DSP",
    ]

    /// hwgen's signal name in a mapped cell's name (the cell name itself when none is found).
    static func signalName(_ cell: String) -> String {
        var cut = cell.endIndex
        for p in primitives {
            if let r = cell.range(of: "_" + p), r.lowerBound < cut { cut = r.lowerBound }
        }
        // Carry cells split by nextpnr: `pe_2_0.sum_CCU2C_S0_3$CCU2_COMB0`.
        if let d = cell.firstIndex(of: "$"), d < cut { cut = d }
        return cut == cell.startIndex ? cell : String(cell[..<cut])
    }

    /// Resources the design needs more of than the part has, from nextpnr's `Device
    /// utilisation` lines (`TRELLIS_COMB:  90000/ 83640   107%`), printed before placement
    /// even when the design does not fit.
    public static func overused(log: String) -> [Utilisation] {
        var out: [Utilisation] = []
        var inside = false, rows = false
        for line in log.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.contains("Device utilisation:") { inside = true; continue }
            guard inside else { continue }
            let body = line.hasPrefix("Info:") ? line.dropFirst(5) : line[...]
            let parts = body.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "/" })
            guard parts.count >= 3, parts[0].hasSuffix(":"), let u = Int(parts[1]), let a = Int(parts[2]) else {
                if rows { inside = false; rows = false }  // the section ended
                continue
            }
            rows = true
            if u > a { out.append(Utilisation(resource: String(parts[0].dropLast()), used: u, available: a)) }
        }
        return out
    }
}
