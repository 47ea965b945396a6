/// A generator parameter recorded in the manifest.
public enum ParamValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case int(Int)
    case string(String)
    case bool(Bool)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        case .bool(let b): try c.encode(b)
        }
    }

    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return s
        case .bool(let b): return String(b)
        }
    }

    var json: String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return jsonString(s)
        case .bool(let b): return b ? "true" : "false"
        }
    }
}

/// The port-level contract of an emitted design: what a testbench, a co-simulation shim or an
/// FPGA integrator needs without parsing Verilog. Written as JSON beside the Verilog.
public struct Manifest: Hashable, Sendable, Codable {
    public struct Packing: Hashable, Sendable, Codable {
        /// Vector dimensions, outermost first.
        public let dims: [Int]
        public let elementWidth: Int
        public let elementSigned: Bool
        /// Element (i0, i1, ...) occupies bits starting at ((i0 * dims[1] + i1) ...) * elementWidth.
        public let order: String
    }

    public struct Port: Hashable, Sendable, Codable {
        public let name: String
        public let direction: PortDirection
        public let width: Int
        public let signed: Bool
        /// "clock", "reset" (synchronous, active-high) or "data".
        public let role: String
        public let packing: Packing?
        /// Bundle path the port was flattened from, if any.
        public let group: [String]?
    }

    public struct ModuleEntry: Hashable, Sendable, Codable {
        public let name: String
        /// Number of instances of this module in the whole design (1 for the top).
        public let instances: Int
    }

    public let generator: String
    public let top: String
    public let parameters: [String: ParamValue]
    public let ports: [Port]
    public let modules: [ModuleEntry]

    /// Deterministic JSON: keys in a fixed order, two-space indentation, trailing newline.
    public var json: String {
        var s = "{\n"
        s += "  \"generator\": \(jsonString(generator)),\n"
        s += "  \"top\": \(jsonString(top)),\n"
        s += "  \"parameters\": {"
        let keys = parameters.keys.sorted()
        s += keys.isEmpty ? "},\n" : "\n" + keys.map { "    \(jsonString($0)): \(parameters[$0]!.json)" }.joined(separator: ",\n") + "\n  },\n"
        s += "  \"ports\": [\n"
        s += ports.map { p in
            var f = ["\"name\": \(jsonString(p.name))", "\"direction\": \"\(p.direction.rawValue)\"", "\"width\": \(p.width)",
                     "\"signed\": \(p.signed)", "\"role\": \(jsonString(p.role))"]
            if let k = p.packing {
                f.append("\"packing\": {\"dims\": [\(k.dims.map(String.init).joined(separator: ", "))], \"elementWidth\": \(k.elementWidth), \"elementSigned\": \(k.elementSigned), \"order\": \(jsonString(k.order))}")
            }
            if let g = p.group { f.append("\"group\": [\(g.map(jsonString).joined(separator: ", "))]") }
            return "    {" + f.joined(separator: ", ") + "}"
        }.joined(separator: ",\n")
        s += "\n  ],\n"
        s += "  \"modules\": [\n"
        s += modules.map { "    {\"name\": \(jsonString($0.name)), \"instances\": \($0.instances)}" }.joined(separator: ",\n")
        s += "\n  ]\n}\n"
        return s
    }
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
