import Cosim
import Flow
import HWCore
import HWLib
import TestSupport
import Testing

@Suite(.enabled(if: edaEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct SyncFIFOTests {
    /// Depths 1, 2, 3, 5, 64; widths 1, 8, 16, 72 and 130; both storages; both ready options.
    static let configs: [SyncFIFO.Config] = [
        .init(depth: 1, width: 8),
        .init(depth: 1, width: 1, readyPassThrough: true),
        .init(depth: 2, width: 8),
        .init(depth: 3, width: 130, readyPassThrough: true),
        .init(depth: 5, width: 16),
        .init(depth: 5, width: 8, storage: .memory),
        .init(depth: 3, width: 1, storage: .memory, readyPassThrough: true),
        .init(depth: 64, width: 1),
        .init(depth: 64, width: 72),
        .init(depth: 64, width: 72, readyPassThrough: true),
    ]

    static func dut(_ c: SyncFIFO.Config) throws -> QueueDUT {
        let d = try Design.elaborate(try SyncFIFO.build(c), parameters: c.parameters)
        return try QueueDUT(try simulator(d), enq: "enq", deq: "deq", count: "count")
    }

    @Test(arguments: configs)
    func emittedVerilogPassesTheEDAGates(_ c: SyncFIFO.Config) throws {
        let d = try Design.elaborate(try SyncFIFO.build(c), parameters: c.parameters)
        #expect(d.top == SyncFIFO.moduleName(c))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(c):\n\(problems.joined(separator: "\n"))")
    }

    @Test(arguments: configs)
    func randomTrafficMatchesTheReferenceCycleByCycle(_ c: SyncFIFO.Config) throws {
        let dut = try Self.dut(c)
        let n = longStreamTests ? 100_000 : 3_000
        for (k, seed) in [UInt64(11), 12, 13].enumerated() {
            let s = seed &+ UInt64(c.depth * 1000 + c.width)
            let run = try runQueue(dut, model: QueueModel(depth: c.depth, passThrough: c.readyPassThrough),
                                   items: randomItems(n, widths: [c.width], seed: s),
                                   producer: Activity(seed: s &* 3), consumer: Activity(seed: s &* 7), maxCycles: 40 * n, seed: s)
            #expect(run.failures.isEmpty, "\(c) seed \(s): \(run.failures.report)")
            // The traffic reached both ends: full, and (for pass-through) full while read and written.
            #expect(run.maxHeld == c.depth, "\(c): never full (max \(run.maxHeld))")
            #expect(run.emptyCycles > 0)
            if c.readyPassThrough && k == 0 { #expect(run.fullWithReadAndWrite > 0, "\(c): pass-through never exercised") }
        }
    }

    /// Both sides always ready: N entries take N + 1 cycles from the first enqueue to the last
    /// dequeue, one dequeue per cycle (depth 1 without pass-through: one every 2 cycles).
    @Test(arguments: configs)
    func throughputWithBothSidesAlwaysReady(_ c: SyncFIFO.Config) throws {
        let dut = try Self.dut(c)
        let n = 200
        let run = try runQueue(dut, model: QueueModel(depth: c.depth, passThrough: c.readyPassThrough),
                               items: randomItems(n, widths: [c.width], seed: 5), producer: .constant(true),
                               consumer: .constant(true), maxCycles: 4 * n)
        #expect(run.failures.isEmpty, "\(c): \(run.failures.report)")
        let first = try #require(run.enqCycles.first), last = try #require(run.deqCycles.last)
        #expect(run.deqCycles.first == first + c.latency, "\(c): latency \(run.deqCycles[0] - first)")
        if c.depth == 1 && !c.readyPassThrough {
            #expect(last - first + 1 == 2 * n, "\(c): \(n) transfers in \(last - first + 1) cycles")
        } else {
            #expect(last - first + 1 == n + c.latency, "\(c): \(n) transfers in \(last - first + 1) cycles")
            #expect(zip(run.deqCycles, run.deqCycles.dropFirst()).allSatisfy { $1 == $0 + 1 }, "\(c): a bubble in the output")
        }
    }

    /// A consumer that stalls for a while, then reads every cycle while the producer keeps
    /// writing: with pass-through the full FIFO takes an entry in the same cycle it gives one.
    @Test(arguments: [SyncFIFO.Config(depth: 1, width: 8, readyPassThrough: true),
                      SyncFIFO.Config(depth: 5, width: 8, storage: .memory, readyPassThrough: true),
                      SyncFIFO.Config(depth: 3, width: 130, readyPassThrough: true)])
    func passThroughAcceptsWhileFullAndRead(_ c: SyncFIFO.Config) throws {
        let dut = try Self.dut(c)
        let n = 100
        // Ready low for 20 cycles (the FIFO fills), then always high.
        let run = try runQueue(dut, model: QueueModel(depth: c.depth, passThrough: true), items: randomItems(n, widths: [c.width], seed: 9),
                               producer: .constant(true), consumer: StallThenGo(stall: 20).activity, maxCycles: 10 * n)
        #expect(run.failures.isEmpty, "\(c): \(run.failures.report)")
        // After the stall: one transfer per cycle on both sides, the FIFO staying full.
        let resumed = run.deqCycles
        #expect(zip(resumed, resumed.dropFirst()).allSatisfy { $1 == $0 + 1 }, "\(c): output not back-to-back after the stall")
        #expect(run.fullWithReadAndWrite >= n - c.depth - 1, "\(c): \(run.fullWithReadAndWrite) full cycles with a read and a write")
    }

    /// The deep FIFO maps its entries to RAM in Xilinx synthesis, not to thousands of flip-flops.
    @Test(arguments: [SyncFIFO.Config(depth: 64, width: 72), SyncFIFO.Config(depth: 512, width: 32)])
    func deepFIFOInfersRAM(_ c: SyncFIFO.Config) throws {
        #expect(c.resolvedStorage == .memory)
        let d = try Design.elaborate(try SyncFIFO.build(c))
        let r = try EDATools.yosysSynth(d.verilog, top: d.top, script: "synth_xilinx -top \(d.top)")
        #expect(r.result.succeeded, "\(r.result.output)")
        let ram = r.cells.filter { $0.key.hasPrefix("RAM") }
        let flops = r.cells.filter { $0.key.hasPrefix("FD") }.values.reduce(0, +)
        #expect(!ram.isEmpty, "\(c): no RAM cells: \(r.cells)")
        // Bypass and read registers (2 x width) plus pointers and count; far below depth x width.
        #expect(flops <= 2 * c.width + 64, "\(c): \(flops) flip-flops: \(r.cells)")
    }

    @Test func registerStorageUsesNoMemory() throws {
        let c = SyncFIFO.Config(depth: 5, width: 16)
        #expect(c.resolvedStorage == .registers)
        let d = try Design.elaborate(try SyncFIFO.build(c))
        #expect(!d.verilog.contains("reg [15:0] ram"), "register FIFO declared a memory")
        for name in ["enq_valid", "enq_ready", "enq_bits", "deq_valid", "deq_ready", "deq_bits", "count", "count_q", "rd_ptr", "wr_ptr", "entry_4"] {
            #expect(d.verilog.contains(name), "missing \(name)")
        }
        let ports = d.manifest.ports.filter { $0.role == "data" }.map { "\($0.direction.rawValue) \($0.name) \($0.width)" }
        #expect(ports == ["input enq_valid 1", "output enq_ready 1", "input enq_bits 16",
                          "output deq_valid 1", "input deq_ready 1", "output deq_bits 16", "output count 3"])
    }
}

/// A consumer that is not ready for `stall` cycles, then always ready.
struct StallThenGo {
    let stall: Int
    var activity: Activity {
        var a = Activity(seed: 0, levels: [100], maxPhase: 1)
        a.percent = 0
        a.left = stall
        return a
    }
}

/// Configuration and misuse errors need no EDA tools.
struct SyncFIFOConfigTests {
    @Test(arguments: [
        (SyncFIFO.Config(depth: 0, width: 8), "depth must be in 1...1048576, got 0"),
        (SyncFIFO.Config(depth: 4, width: 0), "width must be in 1...65536, got 0"),
        (SyncFIFO.Config(depth: 1, width: 8, storage: .memory), "memory storage needs depth >= 2, got 1"),
        (SyncFIFO.Config(depth: 2000, width: 8, storage: .registers), "register storage holds at most 1024 entries, got depth 2000"),
    ])
    func invalidConfigsThrowClearMessages(_ c: SyncFIFO.Config, _ fragment: String) throws {
        let error = try #require(throws: HWLibError.self) { try c.validate() }
        #expect(error.message.contains(fragment), "\(error.message)")
        #expect(error.message.hasPrefix("sync FIFO: "))
        #expect(throws: HWLibError.self) { _ = try SyncFIFO.build(c) }
    }

    @Test func autoStorage() {
        #expect(SyncFIFO.Config(depth: 31, width: 64).resolvedStorage == .registers)
        #expect(SyncFIFO.Config(depth: 32, width: 16).resolvedStorage == .memory)
        #expect(SyncFIFO.Config(depth: 64, width: 1).resolvedStorage == .registers)
        #expect(SyncFIFO.Config(depth: 64, width: 8, storage: .registers).resolvedStorage == .registers)
        #expect(SyncFIFO.Config(depth: 2, width: 8, storage: .memory).resolvedStorage == .memory)
        #expect(SyncFIFO.Config(depth: 5).countWidth == 3 && SyncFIFO.Config(depth: 4).countWidth == 3 && SyncFIFO.Config(depth: 1).countWidth == 1)
    }

    @Test func payloadWidthMustMatch() throws {
        let spec = MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 16)
        let def = try SyncFIFO.build(.init(depth: 4), payload: spec, as: MemReadBeat.self, name: "rbeat_q")
        let d = try Design.elaborate(def)
        #expect(d.manifest.ports.map(\.name) == ["clk", "rst", "enq_valid", "enq_ready", "enq_data", "enq_last",
                                                 "deq_valid", "deq_ready", "deq_data", "deq_last", "count"]
                || d.manifest.ports.filter { $0.role == "data" }.map(\.name) == ["enq_valid", "enq_ready", "enq_data", "enq_last",
                                                                                   "deq_valid", "deq_ready", "deq_data", "deq_last", "count"])
        let e = try #require(throws: HWLibError.self) { _ = try SyncFIFO.build(.init(depth: 4, width: 64), payload: spec, as: MemReadBeat.self) }
        #expect(e.message.contains("width 64 does not match the payload's 65 bits"), "\(e.message)")
        let flipped = try #require(throws: HWLibError.self) {
            _ = try SyncFIFO.build(.init(depth: 4), payload: BitsType.uint(8), as: Decoupled<Signal>.self)
        }
        #expect(flipped.message.contains("flipped field"), "\(flipped.message)")
    }

    @Test func inlineMisuseThrowsOrIsLocated() throws {
        let a = Module("a"), b = Module("b")
        let mixed = Decoupled(valid: a.wire("v", .bool), ready: a.wire("r", .bool), bits: b.wire("x", .uint(4)))
        let e = try #require(throws: HWLibError.self) { _ = try SyncFIFO.queue(mixed, depth: 2, name: "q") }
        #expect(e.message.contains("mixes signals of modules 'a' and 'b'"), "\(e.message)")
        let ch = try Decoupled<Signal>.wires("c", BitsType.uint(4), in: a)
        let d = try #require(throws: HWLibError.self) { _ = try SyncFIFO.queue(ch, depth: 0, name: "q0") }
        #expect(d.message.contains("depth must be in 1...") && d.message.contains("FIFO 'q0'"), "\(d.message)")
        // Leaving the dequeue side's ready undriven is an elaboration error at the user's line.
        let m = Module("undriven_ready")
        let io = m.ports(StreamPorts())
        let q = try SyncFIFO.queue(io.inp, depth: 2, name: "q")
        io.out.valid.assign(q.deq.valid)
        io.out.bits.assign(q.deq.bits)
        let err = try #require(throws: ElaborationError.self) { _ = try Design.elaborate(m) }
        #expect("\(err)".contains("q_deq_ready") && "\(err)".contains("never driven"), "\(err)")
    }
}

extension SyncFIFOTests {
    /// deq_valid, the deq payload and count are functions of registers only; so is enq_ready
    /// unless it passes deq_ready through.
    @Test(arguments: [SyncFIFO.Config(depth: 3, width: 8), SyncFIFO.Config(depth: 5, width: 8, storage: .memory),
                      SyncFIFO.Config(depth: 1, width: 1, readyPassThrough: true), SyncFIFO.Config(depth: 64, width: 72, readyPassThrough: true)])
    func noFallThroughAndNoReadyPath(_ c: SyncFIFO.Config) throws {
        let dut = try Self.dut(c)
        let ins = [dut.enq.valid, dut.enq.fields[0], dut.deq.ready]
        let registered = [dut.deq.valid, dut.deq.fields[0], try #require(dut.count)] + (c.readyPassThrough ? [] : [dut.enq.ready])
        let found = try combinationalDependence(dut.sim, inputs: ins, vary: ins, outputs: registered, cycles: 2_000, seed: 6)
        #expect(found.isEmpty, "\(c): \(found)")
        if c.readyPassThrough {
            // enq_ready may follow deq_ready, but never enq_valid or the payload.
            let onlyReady = try combinationalDependence(dut.sim, inputs: ins, vary: [dut.enq.valid, dut.enq.fields[0]], outputs: [dut.enq.ready],
                                                        cycles: 2_000, seed: 7)
            #expect(onlyReady.isEmpty, "\(c): \(onlyReady)")
        }
    }
}

extension SyncFIFOTests {
    /// Structured payloads: a memory request bundle and a packed vector, both storages.
    @Test func structuredPayloadsPassTheGates() throws {
        let spec = MemoryPortSpec(addrBits: 40, dataBits: 64, maxBeats: 256)
        let designs = [
            try Design.elaborate(try SyncFIFO.build(.init(depth: 4), payload: spec, as: MemRequest.self, name: "ar_q")),
            try Design.elaborate(try SyncFIFO.build(.init(depth: 48), payload: spec, as: MemRequest.self, name: "ar_q_deep")),
            try Design.elaborate(try SyncFIFO.build(.init(depth: 3), payload: VecSpec(.sint(5), count: 3), as: Vec.self, name: "vec_q")),
        ]
        #expect(designs[0].manifest.ports.filter { $0.role == "data" }.map(\.name) == [
            "enq_valid", "enq_ready", "enq_addr", "enq_len", "deq_valid", "deq_ready", "deq_addr", "deq_len", "count"])
        #expect(designs[1].verilog.contains("reg  [47:0] ram [0:47]"), "48 x (40 + 8) bits in a memory")
        for d in designs {
            let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
            #expect(problems.isEmpty, "\(d.top):\n\(problems.joined(separator: "\n"))")
        }
    }
}
