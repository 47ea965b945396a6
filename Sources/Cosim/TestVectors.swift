import HWCore

/// A recorded workload: per-cycle input values and expected output values (with which outputs
/// to check in which cycle). The same vectors drive Verilator (``DifferentialRunner``) and
/// iverilog (``BenchExporter``).
///
/// Values are bit patterns in 32-bit words, least significant first; a port occupies
/// ⌈width/32⌉ words. Inputs hold their value until changed, like testbench registers.
public struct TestVectors: Sendable {
    public let manifest: Manifest
    public let inputs: [Manifest.Port]
    public let outputs: [Manifest.Port]
    /// Per cycle: the words of each input, in `inputs` order.
    public private(set) var stimulus: [UInt32] = []
    /// Per cycle: the expected words of each output, in `outputs` order.
    public private(set) var expected: [UInt32] = []
    /// Per cycle and output: whether that output is compared.
    public private(set) var checked: [Bool] = []
    public private(set) var cycles = 0
    var current: [[UInt32]]

    public init(manifest: Manifest, inputs: [String], outputs: [String]) throws {
        self.manifest = manifest
        func find(_ n: String) throws -> Manifest.Port {
            guard let p = manifest.ports.first(where: { $0.name == n }) else {
                throw SimulationError(description: "\(manifest.top) has no port '\(n)'")
            }
            return p
        }
        self.inputs = try inputs.map(find)
        self.outputs = try outputs.map(find)
        current = self.inputs.map { [UInt32](repeating: 0, count: ($0.width + 31) / 32) }
    }

    public var inputWords: Int { inputs.reduce(0) { $0 + ($1.width + 31) / 32 } }
    public var outputWords: Int { outputs.reduce(0) { $0 + ($1.width + 31) / 32 } }

    /// Appends one cycle: `set` changes inputs (others hold), `expect` gives outputs to check.
    public mutating func cycle(_ set: [String: [UInt32]] = [:], expect: [String: [UInt32]] = [:]) {
        for (name, words) in set {
            guard let i = inputs.firstIndex(where: { $0.name == name }) else { continue }
            current[i] = PortWords.fit(words, width: inputs[i].width)
        }
        stimulus += current.flatMap { $0 }
        for p in outputs {
            if let e = expect[p.name] {
                expected += PortWords.fit(e, width: p.width)
                checked.append(true)
            } else {
                expected += [UInt32](repeating: 0, count: (p.width + 31) / 32)
                checked.append(false)
            }
        }
        cycles += 1
    }
}

/// Conversions between values and port words.
public enum PortWords {
    /// A scalar value of up to 64 bits.
    public static func scalar(_ v: UInt64) -> [UInt32] { [UInt32(truncatingIfNeeded: v), UInt32(truncatingIfNeeded: v >> 32)] }

    /// Packs elements (two's complement, `elementWidth` bits each, element 0 lowest).
    public static func pack(_ elements: [Int64], elementWidth: Int) -> [UInt32] {
        let total = elements.count * elementWidth
        var words = [UInt32](repeating: 0, count: max(1, (total + 31) / 32))
        for (i, e) in elements.enumerated() {
            for b in 0..<elementWidth where (UInt64(bitPattern: e) >> UInt64(min(b, 63))) & 1 == 1 {
                let bit = i * elementWidth + b
                words[bit / 32] |= 1 << UInt32(bit % 32)
            }
        }
        return words
    }

    /// Unpacks `count` elements of `elementWidth` bits (sign-extended when `signed`).
    public static func unpack(_ words: [UInt32], count: Int, elementWidth: Int, signed: Bool) -> [Int64] {
        (0..<count).map { element(words, $0, elementWidth: elementWidth, signed: signed) }
    }

    static func element(_ words: [UInt32], _ i: Int, elementWidth: Int, signed: Bool) -> Int64 {
        var v: UInt64 = 0
        for b in 0..<min(elementWidth, 64) {
            let bit = i * elementWidth + b
            if bit / 32 < words.count, (words[bit / 32] >> UInt32(bit % 32)) & 1 == 1 { v |= 1 << UInt64(b) }
        }
        if signed && elementWidth < 64 && (v >> UInt64(elementWidth - 1)) & 1 == 1 { v |= ~0 << UInt64(elementWidth) }
        return Int64(bitPattern: v)
    }

    /// `words` resized to the port's word count and masked to its width.
    static func fit(_ words: [UInt32], width: Int) -> [UInt32] {
        let n = (width + 31) / 32
        var w = Array(words.prefix(n))
        while w.count < n { w.append(0) }
        if width % 32 != 0 { w[n - 1] &= (1 << UInt32(width % 32)) - 1 }
        return w
    }
}
