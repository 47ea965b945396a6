import Cosim
import Flow
import HWCore
import HWLib
import TestSupport
import Testing

/// One arbiter under test: its shape and the payload it carries.
struct ArbiterCase: CustomStringConvertible, Sendable {
    enum Payload: String, Sendable { case ground, beat, memWrite }
    let inputs: Int
    let width: Int
    let policy: StreamArbiter.Policy
    let lock: Bool
    let payload: Payload

    init(_ inputs: Int, width: Int = 8, _ policy: StreamArbiter.Policy = .roundRobin, lock: Bool = false, payload: Payload = .ground) {
        self.inputs = inputs
        self.width = width
        self.policy = policy
        self.lock = lock
        self.payload = payload
    }

    var description: String { "\(inputs) inputs \(payload.rawValue) w\(width) \(policy.rawValue)" + (lock ? " lock" : "") }

    var config: StreamArbiter.Config { .init(inputs: inputs, width: payload == .ground ? width : 0, policy: policy, lock: lock) }

    var fields: [String] {
        switch payload {
        case .ground: return ["bits"]
        case .beat: return ["data", "last"]
        case .memWrite: return ["data", "strb", "last"]
        }
    }

    /// Whether the payload has a last flag (its final word).
    var hasLast: Bool { payload != .ground }

    func design() throws -> Design {
        switch payload {
        case .ground:
            return try Design.elaborate(try StreamArbiter.build(config), parameters: config.parameters)
        case .beat:
            return try Design.elaborate(try StreamArbiter.build(config, payload: BitsType.uint(width), as: StreamBeat.self, last: lock ? \.last : nil))
        case .memWrite:
            let spec = MemoryPortSpec(addrBits: 32, dataBits: width, maxBeats: 16)
            return try Design.elaborate(try StreamArbiter.build(config, payload: spec, as: MemWriteBeat.self, last: lock ? \.last : nil))
        }
    }
}

/// A Verilated arbiter.
struct ArbiterDUT {
    let sim: Simulator
    let ins: [ChannelPorts]
    let out: ChannelPorts
    let grant: PortHandle

    init(_ c: ArbiterCase) throws {
        let s = try simulator(try c.design())
        sim = s
        ins = try (0..<c.inputs).map { try ChannelPorts(s, "in_\($0)", fields: c.fields) }
        out = try ChannelPorts(s, "out", fields: c.fields)
        grant = try s.port("grant")
    }
}

/// Cycle-exact reference of the arbiter's selection (the contract of `StreamArbiter`).
struct ArbiterModel {
    let inputs: Int
    let policy: StreamArbiter.Policy
    let lock: Bool
    var locked = false
    var owner = 0
    /// The input granted last (-1: none yet); round robin starts after it.
    var lastGrant = -1

    init(_ c: ArbiterCase) {
        inputs = c.inputs
        policy = c.policy
        lock = c.lock
    }

    func select(_ valid: [Bool]) -> Int? {
        if locked { return owner }
        if policy == .roundRobin, let i = ((lastGrant + 1)..<inputs).first(where: { valid[$0] }) { return i }
        return valid.firstIndex(of: true)
    }

    mutating func advance(sel: Int?, valid: [Bool], ready: Bool, last: Bool) {
        let shown = sel.map { valid[$0] } ?? false
        let fire = shown && ready
        locked = lock ? (fire ? !last : locked || shown) : shown && !ready
        owner = sel ?? 0
        if fire && (!lock || last) { lastGrant = sel! }
    }
}

struct ArbiterRun {
    var failures = Failures()
    /// (cycle, input) of every output transfer.
    var fires: [(cycle: Int, input: Int)] = []
    /// Most transactions of other inputs completed while an input waited with valid high.
    var maxWait = 0
    var cycles = 0
}

/// Runs random producers into every input and a random consumer on the output. Checks, every
/// cycle: exactly one input transfers when the output does (no loss, no duplication; each
/// input's items leave in order because its producer only advances on its own handshake),
/// the transfer's payload and grant; `out_valid` only for a valid input, with its payload; the
/// valid/ready rule on the output; with lock, no interleaving inside a transaction; and, with
/// `model`, `out_valid`, `grant` and every `in_ready` exactly.
func runArbiter(_ dut: ArbiterDUT, _ c: ArbiterCase, model: ArbiterModel?, items: [[Payload]], producers: [Activity],
                consumer: Activity, maxCycles: Int, seed: UInt64 = 1) throws -> ArbiterRun {
    let sim = dut.sim
    var run = ArbiterRun()
    var rng = SplitMix64(seed: seed)
    var prods = zip(items, producers).map { Producer(items: $0, activity: $1) }
    var cons = consumer
    var model = model
    var monitor = ChannelMonitor("out")
    var owner: Int? = nil  // input inside a transaction (lock)
    var waits = [Int](repeating: 0, count: c.inputs)
    func isLast(_ p: Payload) -> Bool { c.hasLast ? p.last! & 1 == 1 : true }
    for ch in dut.ins { sim.poke(ch.valid, 0) }
    sim.poke(dut.out.ready, 0)
    try resetIfAny(sim)
    var cycle = 0
    while cycle < maxCycles && !prods.allSatisfy(\.done) {
        var valid: [Bool] = []
        var shown: [Payload] = []
        for (i, ch) in dut.ins.enumerated() {
            let v = prods[i].valid()
            let p = v ? prods[i].current! : randomPayload(&rng, widths: ch.widths)
            valid.append(v)
            shown.append(p)
            sim.poke(ch.valid, v ? 1 : 0)
            ch.pokePayload(sim, p)
        }
        let r = cons.next()
        sim.poke(dut.out.ready, r ? 1 : 0)
        try sim.settle()
        let ready = dut.ins.map { sim.peek($0.ready) != 0 }
        let outValid = sim.peek(dut.out.valid) != 0
        let out = dut.out.peekPayload(sim)
        let grant = Int(sim.peek(dut.grant))
        if let m = model {
            let sel = m.select(valid)
            let expValid = sel.map { valid[$0] } ?? false
            run.failures.check(outValid == expValid, "cycle \(cycle): out_valid \(outValid), expected \(expValid) (valid \(valid), selected \(String(describing: sel)))")
            run.failures.check(grant == (sel ?? 0), "cycle \(cycle): grant \(grant), expected \(sel ?? 0) (valid \(valid))")
            for i in 0..<c.inputs { run.failures.check(ready[i] == (r && i == sel), "cycle \(cycle): in_\(i)_ready \(ready[i]), expected \(r && i == sel)") }
        }
        if outValid {
            run.failures.check(grant < c.inputs && valid[grant], "cycle \(cycle): out_valid with grant \(grant), whose input is not valid (\(valid))")
            if grant < c.inputs { run.failures.check(out == shown[grant], "cycle \(cycle): out payload \(hex(out)) is not in_\(grant)'s \(hex(shown[grant]))") }
        }
        if let p = monitor.observe(cycle: cycle, valid: outValid, ready: r, payload: out) { run.failures.add(p) }
        let moved = (0..<c.inputs).filter { valid[$0] && ready[$0] }
        let fire = outValid && r
        run.failures.check(moved.count == (fire ? 1 : 0), "cycle \(cycle): inputs \(moved) transfer while the output \(fire ? "does" : "does not")")
        if fire, let i = moved.first {
            run.failures.check(i == grant, "cycle \(cycle): in_\(i) transfers but grant is \(grant)")
            run.failures.check(out == shown[i], "cycle \(cycle): out payload \(hex(out)) differs from the transferring in_\(i)'s \(hex(shown[i]))")
            if c.lock, let o = owner { run.failures.check(i == o, "cycle \(cycle): in_\(i) transfers inside in_\(o)'s transaction") }
            run.fires.append((cycle, i))
            let done = isLast(shown[i])
            owner = c.lock && !done ? i : nil
            // Starvation bound: count completed transactions of others while an input waited.
            if done {
                for j in 0..<c.inputs where j != i && valid[j] {
                    waits[j] += 1
                    run.maxWait = max(run.maxWait, waits[j])
                }
            }
            waits[i] = 0
        }
        if let sel = model?.select(valid) ?? nil {
            model?.advance(sel: sel, valid: valid, ready: r, last: isLast(shown[sel]))
        } else {
            model?.advance(sel: nil, valid: valid, ready: r, last: false)
        }
        for i in 0..<c.inputs { prods[i].observe(ready: ready[i]) }
        try sim.edge()
        cycle += 1
        if run.failures.count > 50 { break }
    }
    run.cycles = cycle
    let sent = prods.map(\.sent), total = items.map(\.count)
    run.failures.check(sent == total, "after \(cycle) cycles the inputs sent \(sent) of \(total) items")
    run.failures.check(run.fires.count == total.reduce(0, +), "\(run.fires.count) output transfers for \(total.reduce(0, +)) items")
    return run
}

/// Random items for each input; with a last flag, transactions of 1...maxBeats beats.
/// `counts` gives each input's number of items (default `perInput` each).
func arbiterItems(_ c: ArbiterCase, dut: ArbiterDUT, perInput: Int, counts: [Int]? = nil, maxBeats: Int = 5, seed: UInt64) -> [[Payload]] {
    var rng = SplitMix64(seed: seed)
    return dut.ins.enumerated().map { i, ch in
        var left = 0
        let n = counts?[i] ?? perInput
        return (0..<n).map { k in
            var p = randomPayload(&rng, widths: ch.widths)
            if c.hasLast {
                if left == 0 { left = 1 + rng.below(maxBeats) }
                left -= 1
                p[p.count - 1] = left == 0 || k == n - 1 ? 1 : 0
            }
            return p
        }
    }
}

@Suite(.enabled(if: edaEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct StreamArbiterTests {
    static let cases: [ArbiterCase] = [
        ArbiterCase(1),
        ArbiterCase(2, width: 70),
        ArbiterCase(3, lock: true, payload: .beat),
        ArbiterCase(3, payload: .beat),
        ArbiterCase(4, width: 16, .fixedPriority),
        ArbiterCase(5, .fixedPriority, lock: true, payload: .beat),
        ArbiterCase(4, width: 32, lock: true, payload: .memWrite),
        ArbiterCase(7, width: 1),
    ]

    @Test(arguments: cases)
    func emittedVerilogPassesTheEDAGates(_ c: ArbiterCase) throws {
        let d = try c.design()
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(c):\n\(problems.joined(separator: "\n"))")
    }

    @Test(arguments: cases)
    func randomTrafficMatchesTheReferenceCycleByCycle(_ c: ArbiterCase) throws {
        let dut = try ArbiterDUT(c)
        let per = longStreamTests ? 20_000 : 600
        for seed in [UInt64(31), 32] {
            let s = seed &+ UInt64(c.inputs * 100 + c.width)
            let items = arbiterItems(c, dut: dut, perInput: per, seed: s)
            let producers = (0..<c.inputs).map { Activity(seed: s &* 13 &+ UInt64($0)) }
            let run = try runArbiter(dut, c, model: ArbiterModel(c), items: items, producers: producers,
                                     consumer: Activity(seed: s &* 17), maxCycles: 100 * per * c.inputs, seed: s)
            #expect(run.failures.isEmpty, "\(c) seed \(s): \(run.failures.report)")
            if c.policy == .roundRobin {
                #expect(run.maxWait <= c.inputs - 1, "\(c): an input waited for \(run.maxWait) other transactions")
            }
        }
    }

    /// Every input always valid: round robin rotates the grants (per transaction with lock),
    /// whether or not the output stalls; fixed priority serves input 0 until it runs out.
    @Test(arguments: cases)
    func grantsRotateOrFollowPriority(_ c: ArbiterCase) throws {
        let dut = try ArbiterDUT(c)
        for consumer in [Activity.constant(true), Activity(seed: 77)] {
            // Input i has 40 + 3i items, so the inputs run out at different times.
            let items = arbiterItems(c, dut: dut, perInput: 0, counts: (0..<c.inputs).map { 40 + 3 * $0 }, maxBeats: 3, seed: 7)
            let run = try runArbiter(dut, c, model: ArbiterModel(c), items: items, producers: (0..<c.inputs).map { _ in .constant(true) },
                                     consumer: consumer, maxCycles: 10_000)
            #expect(run.failures.isEmpty, "\(c): \(run.failures.report)")
            // The owner of each transaction, in output order.
            let owners = transactionOwners(run.fires, items: items, hasLast: c.hasLast && c.lock)
            if c.policy == .roundRobin {
                // While all inputs still have items, grants go 0, 1, ..., N-1, 0, ...
                let busy = 40 / (c.hasLast && c.lock ? 3 : 1)
                let prefix = owners.prefix(busy * c.inputs / 2)
                #expect(prefix.enumerated().allSatisfy { $0.element == $0.offset % c.inputs }, "\(c): owners \(Array(prefix.prefix(24)))")
            } else {
                #expect(owners == owners.sorted(), "\(c): fixed priority served \(Array(owners.prefix(24)))")
            }
            if consumer.levels.count == 1 {
                // Always ready and always valid: a transfer every cycle.
                let cyc = run.fires.map(\.cycle)
                #expect(zip(cyc, cyc.dropFirst()).allSatisfy { $1 == $0 + 1 }, "\(c): bubbles on the output")
            }
        }
    }

    /// With lock, a transaction keeps the output through its input's bubbles: out_valid stays
    /// low and the other (always valid) inputs wait.
    @Test func lockHoldsTheGrantThroughBubbles() throws {
        let c = ArbiterCase(3, lock: true, payload: .beat)
        let dut = try ArbiterDUT(c)
        let sim = dut.sim
        for ch in dut.ins { sim.poke(ch.valid, 0) }
        sim.poke(dut.out.ready, 1)
        try sim.reset(cycles: 2)
        func cycle(_ valid: [Bool], last: [Bool]) throws -> (outValid: Bool, grant: Int, ready: [Bool]) {
            for (i, ch) in dut.ins.enumerated() {
                sim.poke(ch.valid, valid[i] ? 1 : 0)
                ch.pokePayload(sim, [UInt32(0x10 + i), last[i] ? 1 : 0])
            }
            try sim.settle()
            let r = (sim.peek(dut.out.valid) != 0, Int(sim.peek(dut.grant)), dut.ins.map { sim.peek($0.ready) != 0 })
            try sim.edge()
            return r
        }
        // Input 1 starts a transaction (not last); inputs 0 and 2 become valid the cycle after.
        var s = try cycle([false, true, false], last: [false, false, false])
        #expect(s.outValid && s.grant == 1 && s.ready == [false, true, false])
        for _ in 0..<5 {  // input 1 idles: nobody else gets the output
            s = try cycle([true, false, true], last: [true, false, true])
            #expect(!s.outValid && s.grant == 1 && s.ready == [false, true, false], "\(s)")
        }
        s = try cycle([true, true, true], last: [true, true, true])  // input 1's last beat
        #expect(s.outValid && s.grant == 1)
        s = try cycle([true, false, true], last: [true, false, true])  // released: round robin goes on to input 2
        #expect(s.outValid && s.grant == 2, "\(s)")
        s = try cycle([true, false, false], last: [true, false, false])
        #expect(s.outValid && s.grant == 0, "\(s)")
    }

    /// out_valid, the out payload and grant never depend on out_ready.
    @Test(arguments: [ArbiterCase(3, lock: true, payload: .beat), ArbiterCase(4, width: 16, .fixedPriority)])
    func outputDoesNotWaitForReady(_ c: ArbiterCase) throws {
        let dut = try ArbiterDUT(c)
        let ins = dut.ins.flatMap { [$0.valid] + $0.fields } + [dut.out.ready]
        let outs = [dut.out.valid, dut.grant] + dut.out.fields
        let found = try combinationalDependence(dut.sim, inputs: ins, vary: [dut.out.ready], outputs: outs, cycles: 2_000, seed: 5)
        #expect(found.isEmpty, "\(found)")
    }

    /// A naive arbiter that re-arbitrates every cycle (no hold while stalled) breaks the
    /// valid/ready rule on its output; the checker sees it.
    @Test func checkerCatchesANaiveArbiter() throws {
        let m = Module("naive_arb")
        let io = m.ports(StreamArbiter.Ports<Signal>(payload: .uint(8), inputs: 3, grantWidth: 2))
        let v = io.inp.map(\.valid)
        let sel0 = v[0], sel1 = !v[0] && v[1], sel2 = !v[0] && !v[1] && v[2]
        io.out.valid.assign(v[0] || v[1] || v[2])
        io.out.bits.assign(mux(sel0, io.inp[0].bits, mux(sel1, io.inp[1].bits, io.inp[2].bits)))
        io.grant.assign(mux(sel0, m.const(0, .uint(2)), mux(sel1, m.const(1, .uint(2)), m.const(2, .uint(2)))))
        for (i, s) in [sel0, sel1, sel2].enumerated() { io.inp[i].ready.assign(io.out.ready && s) }
        let c = ArbiterCase(3, .fixedPriority)
        let sim = try simulator(try Design.elaborate(m))
        let dut = ArbiterDUT(sim: sim, ins: try (0..<3).map { try ChannelPorts(sim, "in_\($0)") }, out: try ChannelPorts(sim, "out"),
                             grant: try sim.port("grant"))
        let items = (0..<3).map { randomItems(300, widths: [8], seed: UInt64($0)) }
        let run = try runArbiter(dut, c, model: nil, items: items, producers: (0..<3).map { Activity(seed: 50 + UInt64($0)) },
                                 consumer: Activity(seed: 60), maxCycles: 20_000)
        #expect(run.failures.first.contains { $0.contains("payload changed while valid and not ready") }, "\(run.failures.report)")
        // The real arbiter's reference disagrees with it too.
        let exact = try runArbiter(dut, c, model: ArbiterModel(c), items: items, producers: (0..<3).map { Activity(seed: 50 + UInt64($0)) },
                                   consumer: Activity(seed: 60), maxCycles: 20_000)
        #expect(exact.failures.first.contains { $0.contains("expected") }, "\(exact.failures.report)")
    }
}

extension StreamArbiterTests {
    /// An arbiter without lock interleaves transactions; checked as a locking one, the checker
    /// reports the interleaving.
    @Test func checkerCatchesInterleavedTransactions() throws {
        let dut = try ArbiterDUT(ArbiterCase(3, payload: .beat))
        let asLocking = ArbiterCase(3, lock: true, payload: .beat)
        let items = arbiterItems(asLocking, dut: dut, perInput: 200, seed: 3)
        let run = try runArbiter(dut, asLocking, model: nil, items: items, producers: (0..<3).map { Activity(seed: 70 + UInt64($0)) },
                                 consumer: Activity(seed: 80), maxCycles: 20_000)
        #expect(run.failures.first.contains { $0.contains("transfers inside in_") }, "\(run.failures.report)")
    }
}

/// The input owning each transaction, in output order (every transfer is one when `lock` is off).
func transactionOwners(_ fires: [(cycle: Int, input: Int)], items: [[Payload]], hasLast: Bool) -> [Int] {
    var next = [Int](repeating: 0, count: items.count)
    var owners: [Int] = []
    var inside = false
    for (_, i) in fires {
        if !inside { owners.append(i) }
        let beat = items[i][next[i]]
        next[i] += 1
        inside = hasLast && beat.last! & 1 == 0
    }
    return owners
}

extension ArbiterDUT {
    init(sim: Simulator, ins: [ChannelPorts], out: ChannelPorts, grant: PortHandle) {
        self.sim = sim
        self.ins = ins
        self.out = out
        self.grant = grant
    }
}

/// Configuration and misuse errors need no EDA tools.
struct StreamArbiterConfigTests {
    @Test(arguments: [
        (StreamArbiter.Config(inputs: 0, width: 8), "inputs must be in 1...64, got 0"),
        (StreamArbiter.Config(inputs: 65, width: 8), "inputs must be in 1...64, got 65"),
        (StreamArbiter.Config(inputs: 2, width: 0), "width must be in 1...65536, got 0"),
    ])
    func invalidConfigsThrowClearMessages(_ c: StreamArbiter.Config, _ fragment: String) throws {
        let error = try #require(throws: HWLibError.self) { try c.validate() }
        #expect(error.message.contains(fragment), "\(error.message)")
        #expect(error.message.hasPrefix("stream arbiter: "))
        #expect(throws: HWLibError.self) { _ = try StreamArbiter.build(c) }
    }

    @Test func lockNeedsALastFlag() throws {
        let lock = StreamArbiter.Config(inputs: 2, width: 8, lock: true)
        let e = try #require(throws: HWLibError.self) { _ = try StreamArbiter.build(lock) }
        #expect(e.message.contains("lock needs a payload with a last flag"), "\(e.message)")
        let e2 = try #require(throws: HWLibError.self) {
            _ = try StreamArbiter.build(.init(inputs: 2, lock: true), payload: BitsType.uint(8), as: StreamBeat.self)
        }
        #expect(e2.message.contains("lock needs the payload's last flag"), "\(e2.message)")
        let e3 = try #require(throws: HWLibError.self) {
            _ = try StreamArbiter.build(.init(inputs: 2), payload: BitsType.uint(8), as: StreamBeat.self, last: \.last)
        }
        #expect(e3.message.contains("lock is off"), "\(e3.message)")
        let e4 = try #require(throws: HWLibError.self) {
            _ = try StreamArbiter.build(.init(inputs: 2, lock: true), payload: BitsType.uint(8), as: StreamBeat.self, last: \.data)
        }
        #expect(e4.message.contains("must be a Bool field, not UInt(8)"), "\(e4.message)")
        #expect(StreamArbiter.Config(inputs: 5).grantWidth == 3 && StreamArbiter.Config(inputs: 1).grantWidth == 1)
        #expect(StreamArbiter.moduleName(.init(inputs: 4, width: 73, policy: .fixedPriority, lock: true)) == "stream_arb_n4_w73_fp_lock")
    }

    @Test func inlineMisuseThrows() throws {
        let m = Module("m")
        let a = try Decoupled<Signal>.wires("a", BitsType.uint(4), in: m)
        let b = try Decoupled<Signal>.wires("b", BitsType.uint(5), in: m)
        #expect(throws: HWLibError.self) { _ = try StreamArbiter.arbitrate([Decoupled<Signal>](), name: "x") }
        let e = try #require(throws: HWLibError.self) { _ = try StreamArbiter.arbitrate([a, b], name: "y") }
        #expect(e.message.contains("input 1 has payload types [UInt(5)], input 0 has [UInt(4)]"), "\(e.message)")
        let other = try Decoupled<Signal>.wires("c", BitsType.uint(4), in: Module("n"))
        let e2 = try #require(throws: HWLibError.self) { _ = try StreamArbiter.arbitrate([a, other], name: "z") }
        #expect(e2.message.contains("input 1 belongs to module 'n'"), "\(e2.message)")
    }
}
