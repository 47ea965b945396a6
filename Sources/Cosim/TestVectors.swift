import Formats
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

    /// Packs elements (two's complement, `elementWidth` bits each, element 0 lowest; wider than
    /// 64 bits, the value is sign-extended), with the project's one bit packer.
    public static func pack(_ elements: [Int64], elementWidth: Int) -> [UInt32] {
        var w = BitWriter()
        for e in elements {
            w.append(TwosComplement.wrap(e, bits: min(elementWidth, 64)), bits: min(elementWidth, 64))
            var rest = elementWidth - 64
            while rest > 0 {
                w.append(e < 0 ? ~0 : 0, bits: min(rest, 64))
                rest -= 64
            }
        }
        return w.words32()
    }

    /// Unpacks `count` elements of `elementWidth` bits (sign-extended when `signed`).
    public static func unpack(_ words: [UInt32], count: Int, elementWidth: Int, signed: Bool) -> [Int64] {
        let reader = BitReader(words32: words), bits = min(elementWidth, 64)
        return (0..<count).map { i in
            let raw = reader.field(at: i * elementWidth, bits: bits)
            return signed ? TwosComplement.decode(raw, bits: bits) : Int64(bitPattern: raw)
        }
    }

    static func element(_ words: [UInt32], _ i: Int, elementWidth: Int, signed: Bool) -> Int64 {
        let bits = min(elementWidth, 64)
        let raw = BitReader(words32: words).field(at: i * elementWidth, bits: bits)
        return signed ? TwosComplement.decode(raw, bits: bits) : Int64(bitPattern: raw)
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
