import Foundation

/// Everything `hwgen synth` reports for one design: the resource table and, with `--pnr`, the
/// place-and-route result. Rendered as Markdown (stdout) and JSON (`--json`).
public struct SynthSummary: Codable, Sendable {
    /// The registry name of the design and its parameters (as in the manifest).
    public let design: String
    public let parameters: [String: String]
    public let resources: ResourceTable
    public let pnr: PnRResult?

    public init(design: String, parameters: [String: String], resources: ResourceTable, pnr: PnRResult?) {
        self.design = design
        self.parameters = parameters
        self.resources = resources
        self.pnr = pnr
    }

    /// Sorted keys, pretty-printed, a trailing newline.
    public var json: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: (try? enc.encode(self)) ?? Data(), as: UTF8.self) + "\n"
    }

    public var markdown: String {
        let r = resources
        let kinds = ResourceKind.allCases
        var s = "## \(r.top) on \(r.target.rawValue)\n\n"
        let params = parameters.filter { $0.key != "design" }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        s += "Design `\(design)` (\(params)); yosys `\(r.target.yosysCommand(top: r.top, flatten: false))`, \(String(format: "%.1f", r.seconds)) s.\n"
        s += "Module rows count one instance's own cells (submodules excluded); the total expands every instance.\n\n"
        s += "| module | instances | " + kinds.map(\.title).joined(separator: " | ") + " |\n"
        s += "|---|--:|" + kinds.map { _ in "--:|" }.joined() + "\n"
        for m in r.modules {
            s += "| \(m.name) | \(m.instances) | " + kinds.map { "\(m.perInstance[$0])" }.joined(separator: " | ") + " |\n"
        }
        s += "| **total** | | " + kinds.map { "**\(r.total[$0])**" }.joined(separator: " | ") + " |\n"
        let other = r.totalCells.filter { ResourceKind.classify($0.key, target: r.target) == .other }.sorted { $0.key < $1.key }
        if !other.isEmpty {
            s += "\nother: " + other.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }
        if r.target == .generic { s += "\n(generic target: the LUT column counts yosys's logic gates.)\n" }
        if let p = pnr { s += "\n" + Self.markdown(p) }
        return s
    }

    static func markdown(_ p: PnRResult) -> String {
        var s = "### Place and route: \(p.part), \(p.package)\(p.outOfContext ? ", out of context" : ""); \(p.tool), seed \(p.seed)\((p.extraArguments ?? []).isEmpty ? "" : ", " + (p.extraArguments ?? []).joined(separator: " "))\n\n"
        let verdict = p.met ? "met" : "not met"
        s += "**Fmax \(String(format: "%.1f", p.fmaxMHz)) MHz** (asked for \(String(format: "%g", p.clockMHz)) MHz: \(verdict)); "
        s += "synthesis \(String(format: "%.0f", p.synthSeconds)) s, place and route \(String(format: "%.0f", p.pnrSeconds)) s.\n\n"
        if let c = p.criticalPath {
            s += "Critical path \(String(format: "%.2f", c.delayNs)) ns (routing \(String(format: "%.2f", c.routingNs)) ns): "
            s += "from `\(c.start)` to `\(c.end)`\n  through " + c.through.map { "`\($0)`" }.joined(separator: " → ") + "\n\n"
        }
        s += "| resource | used | available | % |\n|---|--:|--:|--:|\n"
        for u in p.utilisation {
            s += "| \(u.resource) | \(u.used) | \(u.available) | \(String(format: "%.1f", 100 * Double(u.used) / Double(max(1, u.available)))) |\n"
        }
        return s
    }
}
