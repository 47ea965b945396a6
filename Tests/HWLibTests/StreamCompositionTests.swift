import Cosim
import Flow
import HWCore
import HWLib
import TestSupport
import Testing

/// A module with one input and one output channel of `StreamBeat`s (signed data) and a count.
struct BeatPipePorts: Interface {
    @Input var inp: Decoupled<StreamBeat>
    @Output var out: Decoupled<StreamBeat>
    @Output var count: Signal

    init(data: BitsType, countWidth: Int) {
        _inp = Input(data)
        _out = Output(data)
        _count = Output(.uint(countWidth))
    }
}

/// Two input channels, one output: the ports of a small merge.
struct MergePorts: Interface {
    @Input var a: Decoupled<StreamBeat>
    @Input var b: Decoupled<StreamBeat>
    @Output var out: Decoupled<StreamBeat>
    @Output var grant: Signal

    init(data: BitsType) {
        _a = Input(data)
        _b = Input(data)
        _out = Output(data)
        _grant = Output(.bool)
    }
}

@Suite(.enabled(if: edaEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct StreamCompositionTests {
    /// `SyncFIFO.queue` inside another module, on a bundle payload with a signed field, behaves
    /// exactly like the standalone FIFO (same reference, cycle by cycle).
    @Test(arguments: [(5, SyncFIFO.Storage.registers), (40, .memory)])
    func inlineQueueMatchesTheReference(_ depth: Int, _ storage: SyncFIFO.Storage) throws {
        let m = Module("inline_q\(depth)")
        let io = m.ports(BeatPipePorts(data: .sint(12), countWidth: SyncFIFO.Config(depth: depth).countWidth))
        let q = try SyncFIFO.queue(io.inp, depth: depth, storage: storage, name: "q")
        q.deq.drive(io.out)
        io.count.assign(q.count)
        let d = try Design.elaborate(m)
        #expect(d.verilog.contains("q_count_q") && d.verilog.contains(storage == .memory ? "q_ram" : "q_entry_4"))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        let dut = try QueueDUT(try simulator(d), enq: "inp", deq: "out", fields: ["data", "last"], count: "count")
        let n = longStreamTests ? 100_000 : 3_000
        let run = try runQueue(dut, model: QueueModel(depth: depth, passThrough: false), items: randomItems(n, widths: [12, 1], seed: 41),
                               producer: Activity(seed: 42), consumer: Activity(seed: 43), maxCycles: 40 * n)
        #expect(run.failures.isEmpty, "\(run.failures.report)")
        #expect(run.maxHeld == depth)
    }

    /// Standalone blocks as instances, joined with `drive`: FIFO -> skid buffer -> pass-through
    /// FIFO. Order, protocol and throughput (latency 3, one per cycle) through the chain.
    @Test func instanceChain() throws {
        let top = Module("chain")
        let io = top.ports(StreamPorts())
        let f0 = top.instance(try SyncFIFO.build(.init(depth: 3, width: 8)), "f0")
        let s1 = top.instance(try SkidBuffer.build(.init(width: 8)), "s1")
        let f2 = top.instance(try SyncFIFO.build(.init(depth: 2, width: 8, readyPassThrough: true)), "f2")
        io.inp.drive(f0.enq)
        f0.deq.drive(s1.inp)
        s1.out.drive(f2.enq)
        f2.deq.drive(io.out)
        let d = try Design.elaborate(top)
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        let dut = try QueueDUT(try simulator(d), enq: "inp", deq: "out")
        let n = longStreamTests ? 100_000 : 3_000
        let run = try runQueue(dut, model: nil, items: randomItems(n, widths: [8], seed: 51), producer: Activity(seed: 52),
                               consumer: Activity(seed: 53), maxCycles: 40 * n)
        #expect(run.failures.isEmpty, "\(run.failures.report)")
        #expect(run.maxHeld == 3 + 2 + 2, "capacity \(run.maxHeld)")
        let fast = try runQueue(dut, model: nil, items: randomItems(200, widths: [8], seed: 54), producer: .constant(true),
                                consumer: .constant(true), maxCycles: 1_000)
        #expect(fast.failures.isEmpty, "\(fast.failures.report)")
        #expect(fast.deqCycles.first! - fast.enqCycles.first! == 3)
        #expect(fast.deqCycles.last! - fast.enqCycles.first! + 1 == 200 + 3)
    }

    /// Inline blocks: each input through a skid slice, a locking round-robin arbiter, a FIFO.
    /// Checked: every output beat is the next one of some input, transactions are not
    /// interleaved, the output obeys the valid/ready rule, everything comes out.
    @Test func inlineSlicesArbiterAndQueue() throws {
        let m = Module("merge")
        let io = m.ports(MergePorts(data: .uint(24)))
        let a = try SkidBuffer.slice(io.a, name: "sa")
        let b = try SkidBuffer.slice(io.b, name: "sb")
        let arb = try StreamArbiter.arbitrate([a, b], lockUntil: \.last, name: "arb")
        io.grant.assign(arb.grant)
        let q = try SyncFIFO.queue(arb.out, depth: 4, name: "q")
        q.deq.drive(io.out)
        let d = try Design.elaborate(m)
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        let sim = try simulator(d)
        let ins = [try ChannelPorts(sim, "a", fields: ["data", "last"]), try ChannelPorts(sim, "b", fields: ["data", "last"])]
        let out = try ChannelPorts(sim, "out", fields: ["data", "last"])
        let per = longStreamTests ? 50_000 : 1_500
        var rng = SplitMix64(seed: 61)
        let items: [[Payload]] = (0..<2).map { _ in
            var left = 0
            return (0..<per).map { k in
                if left == 0 { left = 1 + rng.below(4) }
                left -= 1
                return [UInt32(rng.below(1 << 24)), left == 0 || k == per - 1 ? 1 : 0]
            }
        }
        var prods = (0..<2).map { Producer(items: items[$0], activity: Activity(seed: 62 + UInt64($0))) }
        var cons = Activity(seed: 64)
        var monitor = ChannelMonitor("out")
        var inFlight: [[Payload]] = [[], []]
        var owner: Int?
        var received = 0
        var failures = Failures()
        try resetIfAny(sim)
        var cycle = 0
        while cycle < 60 * per && received < 2 * per {
            for (i, ch) in ins.enumerated() {
                let v = prods[i].valid()
                sim.poke(ch.valid, v ? 1 : 0)
                ch.pokePayload(sim, prods[i].current ?? [0, 0])
            }
            let r = cons.next()
            sim.poke(out.ready, r ? 1 : 0)
            try sim.settle()
            let outValid = sim.peek(out.valid) != 0
            let p = out.peekPayload(sim)
            if let v = monitor.observe(cycle: cycle, valid: outValid, ready: r, payload: p) { failures.add(v) }
            if outValid && r {
                // The beat must be the oldest in-flight beat of one input (the owner's, inside a transaction).
                let from = (0..<2).filter { inFlight[$0].first == p }
                if let i = from.first {
                    if let o = owner { failures.check(i == o, "cycle \(cycle): a beat of input \(i) inside input \(o)'s transaction") }
                    inFlight[i].removeFirst()
                    owner = p[1] == 1 ? nil : i
                } else {
                    failures.add("cycle \(cycle): out \(hex(p)) is not the next beat of any input")
                }
                received += 1
            }
            for (i, ch) in ins.enumerated() where prods[i].showing && sim.peek(ch.ready) != 0 {
                inFlight[i].append(prods[i].current!)
                prods[i].observe(ready: true)
            }
            try sim.edge()
            cycle += 1
            if failures.count > 20 { break }
        }
        #expect(failures.isEmpty, "\(failures.report)")
        #expect(received == 2 * per, "\(received) of \(2 * per) beats came out in \(cycle) cycles")
    }

    /// A FIFO feeding back into the arbiter in front of it: with a pass-through ready the
    /// ready path runs around the cycle (a combinational loop, reported by elaboration); the
    /// default FIFO's registered ready breaks it.
    @Test func aLoopNeedsTheRegisteredReady() throws {
        func build(passThrough: Bool) throws -> Design {
            let m = Module(passThrough ? "recirculate_pt" : "recirculate")
            let io = m.ports(StreamPorts())
            let back = try Decoupled<Signal>.wires("back", BitsType.uint(8), in: m)
            let arb = try StreamArbiter.arbitrate([io.inp, back], name: "arb")
            let q = try SyncFIFO.queue(arb.out, depth: 4, readyPassThrough: passThrough, name: "q")
            // Odd values go round once more (decremented), even ones leave.
            let odd = q.deq.bits.bit(0)
            io.out.valid.assign(q.deq.valid && !odd)
            io.out.bits.assign(q.deq.bits)
            back.valid.assign(q.deq.valid && odd)
            back.bits.assign(q.deq.bits &- 1)
            q.deq.ready.assign(mux(odd, back.ready, io.out.ready))
            return try Design.elaborate(m)
        }
        let e = try #require(throws: ElaborationError.self) { _ = try build(passThrough: true) }
        #expect("\(e)".contains("combinational loop"), "\(e)")
        let d = try build(passThrough: false)
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}
