import Foundation
import HWCore

/// The first difference between the RTL and the reference.
public struct Mismatch: Sendable, CustomStringConvertible {
    public let cycle: Int
    public let port: String
    /// Element index within a packed vector port (row-major), nil for scalar ports.
    public let element: [Int]?
    public let expected: Int64
    public let actual: Int64
    /// Waveform of the failing run, when one was written.
    public var waveform: String?

    public var description: String {
        let el = element.map { "[" + $0.map(String.init).joined(separator: "][") + "]" } ?? ""
        let wave = waveform.map { "; waveform: \($0)" } ?? ""
        return "mismatch at cycle \(cycle): \(port)\(el) expected \(expected), got \(actual)\(wave)"
    }
}

/// The outcome of one differential run.
public struct DifferentialResult: Sendable {
    /// Recorded outputs, per cycle in the vectors' output order.
    public let outputs: [UInt32]
    public let firstMismatch: Mismatch?
    public let mismatchCount: Int
    public let cycles: Int
    /// Simulated cycles per second of the batched run (excluding build and load).
    public let cyclesPerSecond: Double
    public var passed: Bool { firstMismatch == nil }
}

/// Runs recorded vectors on the Verilated model and compares every checked output, element by
/// element, bit-exactly. On a mismatch it re-runs the vectors on a waveform-enabled build and
/// names the VCD in the report.
public enum DifferentialRunner {
    public static func run(_ vectors: TestVectors, model: CompiledModel, design: Design,
                           waveform: String? = nil, waveformOnMismatch: String? = nil) throws -> DifferentialResult {
        let sim = try waveform.map { try tracingSimulator(model, design, path: $0) } ?? Simulator(model)
        let start = Date()
        let out = try execute(vectors, on: sim)
        let seconds = Date().timeIntervalSince(start)
        if waveform != nil { sim.closeWaveform() }
        var (first, count) = compare(vectors, out)
        if first != nil {
            if waveform != nil {
                first?.waveform = waveform
            } else if let path = waveformOnMismatch {
                let t = try tracingSimulator(model, design, path: path)
                _ = try execute(vectors, on: t)
                t.closeWaveform()
                first?.waveform = path
            }
        }
        return DifferentialResult(outputs: out, firstMismatch: first, mismatchCount: count, cycles: vectors.cycles,
                                  cyclesPerSecond: seconds > 0 ? Double(vectors.cycles) / seconds : 0)
    }

    /// An instance of `model` (rebuilt with waveform support in the format `path` asks for, if
    /// needed) that is already writing `path`.
    static func tracingSimulator(_ model: CompiledModel, _ design: Design, path: String) throws -> Simulator {
        let format = WaveformFormat(path: path)
        let traced = model.options.trace && model.options.format == format ? model
            : try ModelBuilder.build(design, options: BuildOptions(optimization: model.options.optimization, trace: true, format: format))
        let sim = try Simulator(traced)
        try sim.openWaveform(path)
        return sim
    }

    static func execute(_ v: TestVectors, on sim: Simulator) throws -> [UInt32] {
        let ins = try v.inputs.map { try sim.port($0.name) }
        let outs = try v.outputs.map { try sim.port($0.name) }
        return try sim.run(cycles: v.cycles, inputs: ins, stimulus: v.stimulus, outputs: outs)
    }

    /// First mismatch (cycle order, then port order, then element order) and the count of
    /// mismatching (cycle, port) pairs.
    public static func compare(_ v: TestVectors, _ out: [UInt32]) -> (Mismatch?, Int) {
        var first: Mismatch?
        var count = 0
        let words = v.outputs.map { ($0.width + 31) / 32 }
        let stride = words.reduce(0, +)
        for c in 0..<v.cycles {
            var off = c * stride
            for (k, p) in v.outputs.enumerated() {
                defer { off += words[k] }
                guard v.checked[c * v.outputs.count + k] else { continue }
                let e = Array(v.expected[off..<off + words[k]]), a = Array(out[off..<off + words[k]])
                if e == a { continue }
                count += 1
                if first != nil { continue }
                if let pk = p.packing {
                    let n = pk.dims.reduce(1, *)
                    let ee = PortWords.unpack(e, count: n, elementWidth: pk.elementWidth, signed: pk.elementSigned)
                    let aa = PortWords.unpack(a, count: n, elementWidth: pk.elementWidth, signed: pk.elementSigned)
                    let i = ee.indices.first { ee[$0] != aa[$0] } ?? 0
                    var idx: [Int] = []
                    var r = i
                    for d in pk.dims.reversed() { idx.insert(r % d, at: 0); r /= d }
                    first = Mismatch(cycle: c, port: p.name, element: idx, expected: ee[i], actual: aa[i])
                } else {
                    let ev = PortWords.element(e, 0, elementWidth: min(p.width, 64), signed: p.signed)
                    let av = PortWords.element(a, 0, elementWidth: min(p.width, 64), signed: p.signed)
                    first = Mismatch(cycle: c, port: p.name, element: nil, expected: ev, actual: av)
                }
            }
        }
        return (first, count)
    }
}
