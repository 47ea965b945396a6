import Cosim
import Flow
import HWCore
import HWLib
import TestSupport
import Foundation

// Shared harness of the stream-block tests: AXI-style random producers and consumers driving a
// Verilated model cycle by cycle, and a monitor of the valid/ready rules on every output channel.

/// Long random runs (hundreds of thousands of cycles) only when HWGEN_LONG_TESTS=1.
let longStreamTests = ProcessInfo.processInfo.environment["HWGEN_LONG_TESTS"] == "1"

/// A payload as the simulator sees it: the 32-bit words of each payload port, concatenated.
typealias Payload = [UInt32]

/// The ports of one channel of a Verilated model.
struct ChannelPorts {
    let valid: PortHandle
    let ready: PortHandle
    /// Payload ports in leaf order (`<name>_bits`, or one per bundle field).
    let fields: [PortHandle]

    /// Resolves `<name>_valid`, `<name>_ready` and the payload ports `<name>_<field>`.
    init(_ sim: Simulator, _ name: String, fields: [String] = ["bits"]) throws {
        valid = try sim.port(name + "_valid")
        ready = try sim.port(name + "_ready")
        self.fields = try fields.map { try sim.port(name + "_" + $0) }
    }

    var widths: [Int] { fields.map(\.width) }

    func pokePayload(_ sim: Simulator, _ p: Payload) {
        var o = 0
        for f in fields {
            sim.poke(f, words: Array(p[o..<(o + f.words)]))
            o += f.words
        }
    }

    func peekPayload(_ sim: Simulator) -> Payload { fields.flatMap { sim.peekWords($0) } }
}

/// A random payload for fields of `widths` bits (every bit random, masked to the width).
func randomPayload(_ rng: inout SplitMix64, widths: [Int]) -> Payload {
    widths.flatMap { w -> [UInt32] in
        (0..<((w + 31) / 32)).map { i in
            let bits = min(32, w - 32 * i)
            let v = UInt32(truncatingIfNeeded: rng.next())
            return bits == 32 ? v : v & ((1 << UInt32(bits)) - 1)
        }
    }
}

/// A random yes/no per cycle whose probability changes in phases, so queues fill up, drain,
/// and sit at every level in between: each phase lasts 1...maxPhase cycles with a probability
/// (percent) drawn from `levels`.
struct Activity {
    var rng: SplitMix64
    let levels: [Int]
    let maxPhase: Int
    var percent = 0
    var left = 0

    init(seed: UInt64, levels: [Int] = [0, 10, 30, 50, 70, 90, 100, 100], maxPhase: Int = 64) {
        rng = SplitMix64(seed: seed)
        self.levels = levels
        self.maxPhase = maxPhase
    }

    /// Always (or never) true.
    static func constant(_ on: Bool) -> Activity { Activity(seed: 0, levels: [on ? 100 : 0]) }

    mutating func next() -> Bool {
        if left == 0 {
            percent = levels[rng.below(levels.count)]
            left = 1 + rng.below(maxPhase)
        }
        left -= 1
        return rng.below(100) < percent
    }
}

/// A producer that obeys the valid/ready rule: it decides at random when to show its next item
/// and then keeps `valid` and the payload until the transfer.
struct Producer {
    var items: [Payload]
    var activity: Activity
    var sent = 0
    var showing = false

    /// This cycle's valid (decided before the cycle's outputs are seen: valid never waits for ready).
    mutating func valid() -> Bool {
        guard sent < items.count else { return false }
        if !showing { showing = activity.next() }
        return showing
    }

    var current: Payload? { sent < items.count ? items[sent] : nil }

    /// After the cycle: the item moved when it was shown and ready was high.
    mutating func observe(ready: Bool) {
        if showing && ready {
            sent += 1
            showing = false
        }
    }

    var done: Bool { sent == items.count }
}

/// Checks the valid/ready rule on an output channel: once `valid` is shown without `ready`,
/// `valid` stays high and the payload stays the same until the transfer.
struct ChannelMonitor {
    let name: String
    var stalled: Payload?

    init(_ name: String) { self.name = name }

    /// Observes one cycle; returns a violation, if any.
    mutating func observe(cycle: Int, valid: Bool, ready: Bool, payload: Payload) -> String? {
        var problem: String?
        if let s = stalled {
            if !valid {
                problem = "cycle \(cycle): \(name)_valid dropped before its transfer"
            } else if payload != s {
                problem = "cycle \(cycle): \(name) payload changed while valid and not ready (\(hex(s)) -> \(hex(payload)))"
            }
        }
        stalled = valid && !ready ? payload : nil
        return problem
    }
}

func hex(_ p: Payload) -> String { "0x" + p.reversed().map { String($0, radix: 16) }.joined(separator: "_") }

/// Failures collected by a run, the first few kept in full.
struct Failures {
    private(set) var count = 0
    private(set) var first: [String] = []

    mutating func add(_ s: String) {
        count += 1
        if first.count < 12 { first.append(s) }
    }

    mutating func check(_ ok: Bool, _ message: @autoclosure () -> String) {
        if !ok { add(message()) }
    }

    var isEmpty: Bool { count == 0 }
    var report: String { "\(count) failures:\n" + first.joined(separator: "\n") }
}

/// Builds (or takes from the cache) the Verilator model of `design` and instantiates it.
func simulator(_ design: Design) throws -> Simulator {
    try Simulator(try ModelBuilder.build(design, options: BuildOptions()))
}

// MARK: - Queues: one input channel, one output channel

/// Cycle-exact reference of a FIFO with latency 1 and no fall-through: `held` entries, output
/// valid iff something is held, input ready iff not full (or, with pass-through, also when the
/// output is read in the same cycle).
struct QueueModel {
    let depth: Int
    let passThrough: Bool
}

/// A Verilated queue-like block (FIFO, skid buffer, or a chain of them).
struct QueueDUT {
    let sim: Simulator
    let enq: ChannelPorts
    let deq: ChannelPorts
    /// The `count` output, when the block has one.
    let count: PortHandle?

    init(_ sim: Simulator, enq: String, deq: String, fields: [String] = ["bits"], count: String? = nil) throws {
        self.sim = sim
        self.enq = try ChannelPorts(sim, enq, fields: fields)
        self.deq = try ChannelPorts(sim, deq, fields: fields)
        self.count = try count.map { try sim.port($0) }
    }
}

/// What a queue run saw.
struct QueueRun {
    var failures = Failures()
    /// Cycles with an input / output transfer.
    var enqCycles: [Int] = []
    var deqCycles: [Int] = []
    var cycles = 0
    /// Highest occupancy seen, and cycles that were full while the output was read and a new
    /// entry waited (where pass-through matters).
    var maxHeld = 0
    var fullWithReadAndWrite = 0
    var emptyCycles = 0
}

/// Drives `dut` with a random AXI-style producer and consumer until every item came out (or
/// `maxCycles`), checking every output transfer against the items in order (no loss,
/// duplication or reordering), the valid/ready rule on the output, and, with `model`, every
/// cycle's `in_ready`, `out_valid`, output payload and `count` exactly. The input payload
/// is random garbage while `in_valid` is low (it must not be stored).
func runQueue(_ dut: QueueDUT, model: QueueModel?, items: [Payload], producer: Activity, consumer: Activity,
              maxCycles: Int, seed: UInt64 = 1) throws -> QueueRun {
    let sim = dut.sim
    var run = QueueRun()
    var rng = SplitMix64(seed: seed)
    var prod = Producer(items: items, activity: producer)
    var cons = consumer
    var monitor = ChannelMonitor(dut.deq.valid.name.replacingOccurrences(of: "_valid", with: ""))
    var held: [Payload] = []   // the model's entries (exact only with `model`)
    var heldStart = 0
    var received = 0
    sim.poke(dut.enq.valid, 0)
    sim.poke(dut.deq.ready, 0)
    try resetIfAny(sim)
    var cycle = 0
    while cycle < maxCycles && !(prod.done && received == items.count) {
        let v = prod.valid()
        let r = cons.next()
        sim.poke(dut.enq.valid, v ? 1 : 0)
        dut.enq.pokePayload(sim, prod.current.map { v ? $0 : randomPayload(&rng, widths: dut.enq.widths) } ?? randomPayload(&rng, widths: dut.enq.widths))
        sim.poke(dut.deq.ready, r ? 1 : 0)
        try sim.settle()
        let enqReady = sim.peek(dut.enq.ready) != 0
        let deqValid = sim.peek(dut.deq.valid) != 0
        let out = dut.deq.peekPayload(sim)
        let occupancy = held.count - heldStart
        if let model {
            let expReady = occupancy < model.depth || (model.passThrough && r)
            run.failures.check(enqReady == expReady, "cycle \(cycle): in ready \(enqReady), expected \(expReady) (\(occupancy) held of \(model.depth), out ready \(r))")
            run.failures.check(deqValid == (occupancy > 0), "cycle \(cycle): out valid \(deqValid) with \(occupancy) held")
            if deqValid && occupancy > 0 {
                run.failures.check(out == held[heldStart], "cycle \(cycle): out payload \(hex(out)), expected the head \(hex(held[heldStart]))")
            }
            if occupancy == model.depth && r && v { run.fullWithReadAndWrite += 1 }
        }
        if let c = dut.count {
            let n = Int(sim.peek(c))
            run.failures.check(n == occupancy, "cycle \(cycle): count \(n), \(occupancy) held")
        }
        if let p = monitor.observe(cycle: cycle, valid: deqValid, ready: r, payload: out) { run.failures.add(p) }
        if deqValid && r {
            if received < items.count {
                run.failures.check(out == items[received], "cycle \(cycle): transfer \(received) out is \(hex(out)), expected \(hex(items[received]))")
            } else {
                run.failures.add("cycle \(cycle): an extra transfer \(hex(out)) after all \(items.count) items")
            }
            received += 1
            run.deqCycles.append(cycle)
            heldStart += 1
        }
        if v && enqReady {
            held.append(items[prod.sent])
            run.enqCycles.append(cycle)
        }
        if heldStart > 4096 { held.removeFirst(heldStart); heldStart = 0 }
        run.maxHeld = max(run.maxHeld, held.count - heldStart)
        if held.count == heldStart { run.emptyCycles += 1 }
        prod.observe(ready: enqReady)
        try sim.edge()
        cycle += 1
        if run.failures.count > 50 { break }
    }
    run.cycles = cycle
    run.failures.check(received == items.count, "after \(cycle) cycles \(received) of \(items.count) items came out (\(prod.sent) went in)")
    return run
}

/// `count` random items for the channel's payload widths.
func randomItems(_ count: Int, widths: [Int], seed: UInt64) -> [Payload] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in randomPayload(&rng, widths: widths) }
}

// MARK: - Combinational dependence

/// Finds combinational paths from `vary` to `outputs`: for `cycles` cycles it drives every input
/// of `inputs` at random, settles, reads `outputs`, changes only the `vary` inputs, settles and
/// reads again, then clocks with the first values. Any output that changed depends
/// combinationally on a `vary` input. Returns a description per (output, cycle) found, at most
/// one per output.
func combinationalDependence(_ sim: Simulator, inputs: [PortHandle], vary: [PortHandle], outputs: [PortHandle],
                             cycles: Int, seed: UInt64) throws -> [String] {
    var rng = SplitMix64(seed: seed)
    var found: [String: String] = [:]
    try resetIfAny(sim)
    for cycle in 0..<cycles {
        var values: [String: Payload] = [:]
        for p in inputs {
            values[p.name] = randomPayload(&rng, widths: [p.width])
            sim.poke(p, words: values[p.name]!)
        }
        try sim.settle()
        let before = outputs.map { sim.peekWords($0) }
        // A different value: the old one with a random nonzero set of bits flipped (bit 0 always).
        for p in vary {
            let old = values[p.name] ?? [UInt32](repeating: 0, count: p.words)
            let flip = randomPayload(&rng, widths: [p.width])
            sim.poke(p, words: old.indices.map { old[$0] ^ flip[$0] ^ ($0 == 0 && flip[0] & 1 == 0 ? 1 : 0) })
        }
        try sim.settle()
        for (o, b) in zip(outputs, before) where found[o.name] == nil && sim.peekWords(o) != b {
            found[o.name] = "cycle \(cycle): \(o.name) changed with \(vary.map(\.name).joined(separator: ", "))"
        }
        for p in vary { sim.poke(p, words: values[p.name]!) }
        try sim.step()
    }
    return found.values.sorted()
}

/// Two reset cycles, for a model that has a reset (a design without state has none).
func resetIfAny(_ sim: Simulator) throws {
    if sim.manifest.ports.contains(where: { $0.name == "rst" }) { try sim.reset(cycles: 2) }
}
