import Cosim
import Flow
import HWCore
import HWLib
import TestSupport
import Testing

@Suite(.enabled(if: edaEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct SkidBufferTests {
    static let widths = [1, 8, 130]

    static func dut(width: Int) throws -> QueueDUT {
        let c = SkidBuffer.Config(width: width)
        return try QueueDUT(try simulator(try Design.elaborate(try SkidBuffer.build(c), parameters: c.parameters)), enq: "in", deq: "out")
    }

    @Test(arguments: widths)
    func emittedVerilogPassesTheEDAGates(_ width: Int) throws {
        let d = try Design.elaborate(try SkidBuffer.build(.init(width: width)))
        #expect(d.top == "skid_buffer_w\(width)")
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        // Every output port is a flip-flop output.
        for (port, reg) in [("in_ready", "in_ready_q"), ("out_valid", "out_valid_q"), ("out_bits", "out_q")] {
            #expect(d.verilog.contains("assign \(port) = \(reg);"), "\(port) is not a register")
        }
    }

    @Test func structuredPayloadPassesTheGates() throws {
        let spec = MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 16)
        let d = try Design.elaborate(try SkidBuffer.build(.init(), payload: spec, as: MemWriteBeat.self, name: "w_slice"))
        #expect(d.manifest.ports.filter { $0.role == "data" }.map(\.name) == [
            "in_valid", "in_ready", "in_data", "in_strb", "in_last", "out_valid", "out_ready", "out_data", "out_strb", "out_last"])
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// A skid buffer behaves exactly like a 2-entry FIFO without pass-through.
    @Test(arguments: widths)
    func randomTrafficMatchesTheReferenceCycleByCycle(_ width: Int) throws {
        let dut = try Self.dut(width: width)
        let n = longStreamTests ? 200_000 : 4_000
        for seed in [UInt64(21), 22] {
            let run = try runQueue(dut, model: QueueModel(depth: 2, passThrough: false), items: randomItems(n, widths: [width], seed: seed),
                                   producer: Activity(seed: seed &* 5), consumer: Activity(seed: seed &* 11), maxCycles: 40 * n, seed: seed)
            #expect(run.failures.isEmpty, "width \(width) seed \(seed): \(run.failures.report)")
            #expect(run.maxHeld == 2)
        }
    }

    @Test(arguments: widths)
    func fullThroughputAndLatencyOne(_ width: Int) throws {
        let dut = try Self.dut(width: width)
        let n = 300
        let run = try runQueue(dut, model: QueueModel(depth: 2, passThrough: false), items: randomItems(n, widths: [width], seed: 3),
                               producer: .constant(true), consumer: .constant(true), maxCycles: 4 * n)
        #expect(run.failures.isEmpty, "\(run.failures.report)")
        let first = try #require(run.enqCycles.first), last = try #require(run.deqCycles.last)
        #expect(run.deqCycles.first == first + 1)
        #expect(last - first + 1 == n + 1, "\(n) transfers in \(last - first + 1) cycles")
        // Stall once in the middle: in_ready drops one cycle later and the stream resumes without a bubble.
        let stall = try runQueue(dut, model: QueueModel(depth: 2, passThrough: false), items: randomItems(n, widths: [width], seed: 4),
                                 producer: .constant(true), consumer: StallThenGo(stall: 7).activity, maxCycles: 4 * n)
        #expect(stall.failures.isEmpty, "\(stall.failures.report)")
        #expect(zip(stall.deqCycles, stall.deqCycles.dropFirst()).allSatisfy { $1 == $0 + 1 })
    }

    /// No output depends combinationally on any input: in_ready, out_valid and out_bits keep
    /// their values when the inputs change within a cycle.
    @Test func noCombinationalPathThrough() throws {
        let dut = try Self.dut(width: 8)
        let ins = [dut.enq.valid, dut.enq.fields[0], dut.deq.ready]
        let outs = [dut.enq.ready, dut.deq.valid, dut.deq.fields[0]]
        let found = try combinationalDependence(dut.sim, inputs: ins, vary: ins, outputs: outs, cycles: 2_000, seed: 8)
        #expect(found.isEmpty, "\(found)")
    }
}

/// The checkers must be able to fail: broken blocks and wrong references are caught.
@Suite(.enabled(if: edaEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct StreamCheckerSelfTests {
    /// A "register slice" that is always ready and overwrites its register while the output is
    /// stalled: it loses entries and changes the payload of a stalled output.
    static func overwritingSlice() throws -> Design {
        let m = Module("overwriting_slice")
        let io = m.ports(SkidBuffer.Ports<Signal>(payload: .uint(8)))
        let v = m.reg("v", .bool, reset: 0)
        let q = m.reg("q", .uint(8), reset: .none)
        io.inp.ready.assign(m.trueSignal)
        m.when(io.inp.valid) { q.assign(io.inp.bits) }
        v.assign(io.inp.valid || (v && !io.out.ready))
        io.out.valid.assign(v)
        io.out.bits.assign(q)
        return try Design.elaborate(m)
    }

    /// A slice that gives up on a stalled output after one cycle (valid drops, entry lost).
    static func impatientSlice() throws -> Design {
        let m = Module("impatient_slice")
        let io = m.ports(SkidBuffer.Ports<Signal>(payload: .uint(8)))
        let v = m.reg("v", .bool, reset: 0)
        let waited = m.reg("waited", .bool, reset: 0)
        let q = m.reg("q", .uint(8), reset: .none)
        let free = !v || io.out.ready || waited
        io.inp.ready.assign(free)
        m.when(free) {
            v.assign(io.inp.valid)
            q.assign(io.inp.bits)
        }
        waited.assign(v && !io.out.ready && !waited)
        io.out.valid.assign(v)
        io.out.bits.assign(q)
        return try Design.elaborate(m)
    }

    static func run(_ d: Design, model: QueueModel?) throws -> QueueRun {
        let dut = try QueueDUT(try simulator(d), enq: "in", deq: "out")
        return try runQueue(dut, model: model, items: randomItems(500, widths: [8], seed: 1), producer: Activity(seed: 2),
                            consumer: Activity(seed: 3), maxCycles: 20_000)
    }

    @Test func lossAndPayloadChangeAreCaught() throws {
        let run = try Self.run(try Self.overwritingSlice(), model: nil)
        #expect(!run.failures.isEmpty)
        #expect(run.failures.first.contains { $0.contains("payload changed while valid and not ready") }, "\(run.failures.report)")
        #expect(run.failures.first.contains { $0.contains("expected") }, "\(run.failures.report)")
    }

    @Test func droppedValidIsCaught() throws {
        let run = try Self.run(try Self.impatientSlice(), model: nil)
        #expect(run.failures.first.contains { $0.contains("out_valid dropped before its transfer") }, "\(run.failures.report)")
    }

    @Test func aWrongReferenceIsCaught() throws {
        // The skid buffer is a 2-entry FIFO without pass-through; as depth 3, or with
        // pass-through, the reference disagrees with it (ready and count).
        let d = try Design.elaborate(try SkidBuffer.build(.init(width: 8)))
        let three = try Self.run(d, model: QueueModel(depth: 3, passThrough: false))
        #expect(three.failures.first.contains { $0.contains("in ready false, expected true") }, "\(three.failures.report)")
        let pt = try Self.run(d, model: QueueModel(depth: 2, passThrough: true))
        #expect(!pt.failures.isEmpty)
        // A FIFO whose count is checked against a reference of the wrong depth.
        let fifo = try Design.elaborate(try SyncFIFO.build(.init(depth: 3, width: 8)))
        let fdut = try QueueDUT(try simulator(fifo), enq: "enq", deq: "deq", count: "count")
        let wrong = try runQueue(fdut, model: QueueModel(depth: 2, passThrough: false), items: randomItems(300, widths: [8], seed: 1),
                                 producer: Activity(seed: 2), consumer: Activity(seed: 3), maxCycles: 20_000)
        #expect(wrong.failures.first.contains { $0.contains("in ready true, expected false") }, "\(wrong.failures.report)")
    }

    @Test func aCombinationalPathIsFound() throws {
        // A pass-through FIFO's enq_ready follows deq_ready within the cycle; the default one does not.
        for pt in [true, false] {
            let d = try Design.elaborate(try SyncFIFO.build(.init(depth: 2, width: 8, readyPassThrough: pt)))
            let dut = try QueueDUT(try simulator(d), enq: "enq", deq: "deq", count: "count")
            let ins = [dut.enq.valid, dut.enq.fields[0], dut.deq.ready]
            let found = try combinationalDependence(dut.sim, inputs: ins, vary: [dut.deq.ready], outputs: [dut.enq.ready], cycles: 500, seed: 4)
            #expect(found.isEmpty == !pt, "pass-through \(pt): \(found)")
        }
    }
}
