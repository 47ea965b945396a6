import Cosim
import Formats
import Foundation
import HWCore
import TestSupport

/// Operand pairs per format in the default random tests; `HWGEN_FLOAT_PAIRS` raises it (the
/// float benchmark runs 10^7).
let floatPairs: Int = {
    let fallback = 1 << 17  // 131,072 ≥ 10^5: for bf16, two passes over all 2^16 first operands
    guard let text = ProcessInfo.processInfo.environment["HWGEN_FLOAT_PAIRS"] else { return fallback }
    return max(fallback, Int(text) ?? fallback)
}()

/// The outcome of running operand pairs through a Verilated two-operand float block.
struct FloatRun {
    var pairs = 0
    var mismatches = 0
    var report = ""
    var seconds = 0.0

    mutating func record(_ what: String, a: UInt32, b: UInt32, expected: UInt32, actual: UInt32) {
        mismatches += 1
        if mismatches <= 8 {
            report += "\(what)(\(hex(a)), \(hex(b))): expected \(hex(expected)), got \(hex(actual))\n"
        }
    }
}

func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16, uppercase: true) }

/// Co-simulates a block with ports `a`, `b`, `result` and latency `latency` on `count` operand
/// pairs from `next`, batched (up to 2^20 pairs per simulator call), comparing every result with
/// `golden` bit for bit. One pair enters per cycle; the result of the pair entering at cycle t is
/// sampled at cycle t + latency.
func cosimFloatBlock(_ design: Design, latency: Int, count: Int, name: String,
                     next: (Int) -> (UInt32, UInt32), golden: (UInt32, UInt32) -> UInt32) throws -> FloatRun {
    let sim = try Simulator(try ModelBuilder.build(design, options: BuildOptions(optimization: "-O2")))
    let a = try sim.port("a"), b = try sim.port("b"), result = try sim.port("result")
    var run = FloatRun()
    let start = Date()
    let chunk = 1 << 20
    var done = 0
    var pending: [(UInt32, UInt32)] = []  // pairs in flight from the previous chunk (latency of them)
    while done < count {
        let n = min(chunk, count - done)
        var pairs = pending
        for i in 0..<n { pairs.append(next(done + i)) }
        let last = done + n == count
        // The final chunk appends `latency` cycles that repeat the last pair, to flush the pipeline.
        let cycles = pairs.count - pending.count + (last ? latency : 0)
        var stimulus: [UInt32] = []
        stimulus.reserveCapacity(2 * cycles)
        for i in pending.count..<(pending.count + cycles) {
            let (x, y) = pairs[min(i, pairs.count - 1)]
            stimulus.append(x); stimulus.append(y)
        }
        let out = try sim.run(cycles: cycles, inputs: [a, b], stimulus: stimulus, outputs: [result])
        // Cycle c of this call shows the result of pair (c - latency) counted from this call's
        // first cycle, i.e. index pending.count + c - latency in `pairs`.
        for c in 0..<cycles {
            let k = pending.count + c - latency
            guard k >= 0, k < pairs.count else { continue }
            let (x, y) = pairs[k]
            let expected = golden(x, y)
            if out[c] != expected { run.record(name, a: x, b: y, expected: expected, actual: out[c]) }
            run.pairs += 1
        }
        pending = Array(pairs.suffix(last ? 0 : latency))
        done += n
    }
    run.seconds = Date().timeIntervalSince(start)
    return run
}
