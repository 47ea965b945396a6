import Cosim
import Flow
import HWCore
import TestSupport
import Testing

/// A cycle of pins: everything idle unless `edit` sets it.
private func pins(_ edit: (inout AXI4Observation) -> Void = { _ in }) -> AXI4Observation {
    var o = AXI4Observation()
    o.aw.size = 3; o.ar.size = 3
    o.w.data = [0, 0]; o.w.strb = [0xff]; o.r.data = [0, 0]
    edit(&o)
    return o
}

private func aw(_ addr: UInt64, len: Int, ready: Bool = true, id: UInt64 = 0) -> (inout AXI4Observation) -> Void {
    { $0.aw.valid = true; $0.aw.ready = ready; $0.aw.addr = addr; $0.aw.len = len; $0.aw.id = id }
}
private func ar(_ addr: UInt64, len: Int, ready: Bool = true, id: UInt64 = 0) -> (inout AXI4Observation) -> Void {
    { $0.ar.valid = true; $0.ar.ready = ready; $0.ar.addr = addr; $0.ar.len = len; $0.ar.id = id }
}
private func w(last: Bool, data: UInt32 = 0, ready: Bool = true) -> (inout AXI4Observation) -> Void {
    { $0.w.valid = true; $0.w.ready = ready; $0.w.last = last; $0.w.data = [data, 0] }
}
private func b(id: UInt64 = 0, ready: Bool = true) -> (inout AXI4Observation) -> Void {
    { $0.b.valid = true; $0.b.ready = ready; $0.b.id = id }
}
private func r(last: Bool, id: UInt64 = 0, ready: Bool = true) -> (inout AXI4Observation) -> Void {
    { $0.r.valid = true; $0.r.ready = ready; $0.r.last = last; $0.r.id = id }
}
private func both(_ a: @escaping (inout AXI4Observation) -> Void, _ c: @escaping (inout AXI4Observation) -> Void) -> (inout AXI4Observation) -> Void {
    { a(&$0); c(&$0) }
}

/// Runs `cycles` through a fresh 64-bit checker and returns (cycle, channel, rule) of each violation.
private func violations(_ cycles: [(inout AXI4Observation) -> Void], config: AXI4Checker.Config = AXI4Checker.Config(dataBits: 64),
                        finish: Bool = false) -> [String] {
    let c = AXI4Checker(config)
    for e in cycles { c.check(pins(e)) }
    if finish { c.finish() }
    return c.violations.map { "\($0.cycle) \($0.channel.rawValue) \($0.rule.rawValue)" }
}

@Suite struct AXI4CheckerTests {
    @Test func cleanTrafficHasNoViolations() {
        let c = AXI4Checker(AXI4Checker.Config(dataBits: 64))
        let cycles: [(inout AXI4Observation) -> Void] = [
            aw(0x1000, len: 1, ready: false), aw(0x1000, len: 1), w(last: false, ready: false), w(last: false), w(last: true), b(),
            ar(0xFF0, len: 1), { _ in }, r(last: false, ready: false), r(last: false), r(last: true),
            // W ahead of its AW, two IDs answered in order per ID.
            w(last: true), both(aw(0x2000, len: 0, id: 1), ar(0x3000, len: 0, id: 2)), both(b(id: 1), r(last: true, id: 2)),
        ]
        for e in cycles { c.check(pins(e)) }
        c.finish()
        #expect(c.violations.isEmpty, "\(c.report())")
        #expect(c.counts.aw == 2 && c.counts.w == 3 && c.counts.b == 2 && c.counts.ar == 2 && c.counts.r == 3)
    }

    @Test func handshakeRules() {
        #expect(violations([ar(0, len: 0, ready: false), { _ in }]) == ["1 AR validDropped"])
        #expect(violations([aw(0x40, len: 0, ready: false), aw(0x48, len: 0)]) == ["1 AW payloadChanged"])
        #expect(violations([w(last: false, data: 1, ready: false), w(last: false, data: 2)]) == ["1 W payloadChanged"])
        // A slave dropping RVALID is caught as well.
        #expect(violations([ar(0, len: 1), r(last: false, ready: false), { _ in }, r(last: false), r(last: true)]) == ["2 R validDropped"])
        let timeout = AXI4Checker.Config(dataBits: 64, readyTimeout: 3)
        #expect(violations(Array(repeating: aw(0, len: 0, ready: false), count: 6), config: timeout) == ["3 AW readyTimeout"])
        let c = AXI4Checker(AXI4Checker.Config(dataBits: 64))
        c.check(pins(aw(0x40, len: 0, ready: false)))
        c.check(pins(aw(0x48, len: 2)))
        #expect(c.violations.first?.message == "AWADDR, AWLEN changed while AWVALID waited for AWREADY")
    }

    @Test func burstRules() {
        // 4 KiB: the last of two 8-byte beats from 0xFF8 is at 0x1007.
        #expect(violations([ar(0xFF8, len: 1)]) == ["0 AR crosses4K"])
        #expect(violations([ar(0xFF8, len: 0), ar(0xF00, len: 31)]).isEmpty)
        let c = AXI4Checker(AXI4Checker.Config(dataBits: 64))
        c.check(pins(aw(0x1FF0, len: 2)))
        #expect(c.violations.first?.description
                == "cycle 0 AW [crosses4K]: AWADDR 0x1ff0 + 3 beats of 8 bytes ends at 0x2007, past the 4 KiB boundary 0x2000")
        #expect(violations([{ $0.ar.valid = true; $0.ar.ready = true; $0.ar.burst = 2; $0.ar.len = 2 }])
                == ["0 AR burstLength", "0 AR burstType"])
        #expect(violations([{ $0.ar.valid = true; $0.ar.ready = true; $0.ar.burst = 3 }]) == ["0 AR burstType"])
        let relaxed = AXI4Checker.Config(dataBits: 64, incrOnly: false, fullWidthOnly: false, alignedOnly: false)
        #expect(violations([{ $0.aw.valid = true; $0.aw.ready = true; $0.aw.burst = 0; $0.aw.len = 16 }], config: relaxed) == ["0 AW burstLength"])
        #expect(violations([{ $0.aw.valid = true; $0.aw.ready = true; $0.aw.burst = 2; $0.aw.len = 3; $0.aw.addr = 4 }], config: relaxed)
                == ["0 AW misaligned"])
        #expect(violations([{ $0.aw.valid = true; $0.aw.ready = true; $0.aw.size = 2; $0.aw.addr = 4 }], config: relaxed).isEmpty)
        #expect(violations([{ $0.aw.valid = true; $0.aw.ready = true; $0.aw.size = 2 }]) == ["0 AW burstSize"])
        #expect(violations([{ $0.aw.valid = true; $0.aw.ready = true; $0.aw.size = 4 }], config: relaxed) == ["0 AW burstSize"])
        #expect(violations([ar(0x1004, len: 0)]) == ["0 AR misaligned"])
    }

    @Test func beatCountRules() {
        // WLAST early, WLAST missing, and a W burst that ran ahead of an AW of another length.
        #expect(violations([aw(0, len: 3), w(last: false), w(last: false), w(last: true)]) == ["3 W wlast"])
        #expect(violations([aw(0, len: 1), w(last: false), w(last: false), w(last: true)]) == ["2 W wlast"])
        #expect(violations([w(last: false), w(last: true), aw(0, len: 0)]) == ["2 W wlast"])
        #expect(violations([ar(0, len: 1), r(last: true), r(last: true)]) == ["1 R rlast", "2 R readWithoutRequest"])
        #expect(violations([ar(0, len: 0), r(last: false)]) == ["1 R rlast"])
        #expect(violations([r(last: true)]) == ["0 R readWithoutRequest"])
        // R in the very cycle of its AR.
        #expect(violations([both(ar(0, len: 0), r(last: true))]) == ["0 R readWithoutRequest"])
        // B before the last W, B for an ID with no write, B in its AW's cycle.
        #expect(violations([aw(0, len: 1), w(last: false), both(w(last: true), b())]) == ["2 B responseWithoutWrite"])
        #expect(violations([aw(0, len: 0, id: 1), w(last: true), b(id: 2)]) == ["2 B responseWithoutWrite"])
        #expect(violations([w(last: true), both(aw(0, len: 0), b())]) == ["1 B responseWithoutWrite"])
        // More than 256 W beats without WLAST.
        #expect(violations(Array(repeating: w(last: false), count: 258)) == ["256 W wlast"])
    }

    @Test func finishReportsUnfinishedTransactions() {
        #expect(violations([ar(0, len: 3), r(last: false), aw(0x100, len: 0), w(last: true), w(last: false)], finish: true)
                == ["5 R unfinished", "5 B unfinished", "5 W unfinished"])
        let c = AXI4Checker(AXI4Checker.Config(dataBits: 64))
        c.check(pins(ar(0xFF8, len: 1)))
        c.check(pins(), reset: true)  // reset forgets the outstanding read
        c.finish()
        #expect(c.report() == """
            AXI4 checker: 1 violation(s) in 2 cycles (handshakes AR 1, R 0, AW 0, W 0, B 0)
              cycle 0 AR [crosses4K]: ARADDR 0xff8 + 2 beats of 8 bytes ends at 0x1007, past the 4 KiB boundary 0x1000
            """)
    }
}

// MARK: - A deliberately wrong master, end to end

/// On `go`: a write burst at 0xFF8 of AWLEN 1 (crossing 4 KiB on an 8-byte bus) followed by
/// three W beats with WLAST stuck at 0 — the bugs of verilog-axi #12 and switchboard #211.
/// AWBURST comes from the input `burst`.
func badMasterDesign() throws -> Design {
    let m = Module("bad_axi_master")
    let go = m.input("go", .bool), burst = m.input("burst", .uint(2))
    let awv = m.reg("awv", .bool, reset: 0), wcnt = m.reg("wcnt", .uint(2), reset: 0)
    let awReady = m.input("m_axi_awready", .bool), wReady = m.input("m_axi_wready", .bool)
    m.when(go) { awv.assign(1) }.elseWhen(awReady) { awv.assign(0) }
    let wv = wcnt != 0
    m.when(go) { wcnt.assign(1) }.elseWhen(wv && wReady) { wcnt.assign(mux(wcnt == 3, 0, wcnt &+ 1)) }
    m.output("m_axi_awaddr", .uint(32)).assign(0xFF8)
    m.output("m_axi_awlen", .uint(8)).assign(1)
    m.output("m_axi_awsize", .uint(3)).assign(3)
    m.output("m_axi_awburst", .uint(2)).assign(burst)
    m.output("m_axi_awvalid", .bool).assign(awv)
    m.output("m_axi_wdata", .uint(64)).assign(wcnt.extended(to: 64))
    m.output("m_axi_wstrb", .uint(8)).assign(0xff)
    m.output("m_axi_wlast", .bool).assign(0)
    m.output("m_axi_wvalid", .bool).assign(wv)
    _ = m.input("m_axi_bresp", .uint(2))
    _ = m.input("m_axi_bvalid", .bool)
    m.output("m_axi_bready", .bool).assign(1)
    m.output("m_axi_araddr", .uint(32)).assign(0)
    m.output("m_axi_arlen", .uint(8)).assign(0)
    m.output("m_axi_arvalid", .bool).assign(0)
    _ = m.input("m_axi_arready", .bool)
    _ = m.input("m_axi_rdata", .uint(64))
    _ = m.input("m_axi_rresp", .uint(2))
    _ = m.input("m_axi_rlast", .bool)
    _ = m.input("m_axi_rvalid", .bool)
    m.output("m_axi_rready", .bool).assign(1)
    return try Design.elaborate(m)
}

@Suite(.enabled(if: verilatorEnabled, "needs verilator; run Scripts/setup"))
struct AXI4SlaveDriverTests {
    @Test func aWrongMasterIsCaughtByTheCheckerAndTheModel() throws {
        let sim = try Simulator(try ModelBuilder.build(try badMasterDesign()))
        try sim.reset()
        let model = try DRAMModel(DRAMModel.Config(capacity: 1 << 16, beatBytes: 8, writeDataAhead: 0))
        let slave = try AXI4SlaveDriver(sim, model: model)
        let monitor = try AXI4Monitor(sim)
        let go = try sim.port("go")
        sim.poke(try sim.port("burst"), 1)
        sim.poke(go, 1)
        try sim.cycle([slave, monitor])
        sim.poke(go, 0)
        for _ in 0..<20 { try sim.cycle([slave, monitor]) }
        monitor.checker.finish()
        let rules = Set(monitor.checker.violations.map(\.rule))
        #expect(rules == [.crosses4K, .wlast, .responseWithoutWrite, .unfinished], "\(monitor.checker.report())")
        #expect(monitor.checker.violations.first { $0.rule == .wlast }?.message == "WLAST missing on beat 2, the last of burst #0 (AWLEN 1)")
        // The model counts beats by AWLEN: it answers after two beats and flags the missing WLAST.
        #expect(model.faults.map(\.kind) == [.unsupported])
        #expect(model.stats.writeBeats == 2 && model.stats.bytesWritten == 16)
        #expect(try model.bytes(at: 0xFF8, count: 16) == [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func anUnsupportedBurstIsAnsweredWithSLVERR() throws {
        let sim = try Simulator(try ModelBuilder.build(try badMasterDesign()))
        try sim.reset()
        let model = try DRAMModel(DRAMModel.Config(capacity: 1 << 16, beatBytes: 8, writeLatency: 1))
        let slave = try AXI4SlaveDriver(sim, model: model)
        let monitor = try AXI4Monitor(sim, recording: true)
        sim.poke(try sim.port("burst"), 2)  // WRAP
        sim.poke(try sim.port("go"), 1)
        try sim.cycle([slave, monitor])
        sim.poke(try sim.port("go"), 0)
        for _ in 0..<12 { try sim.cycle([slave, monitor]) }
        #expect(model.faults.first?.kind == .unsupported)
        #expect(model.faults.first?.message == "write burst type 2 (WRAP): the model serves INCR bursts only")
        #expect(model.stats.bytesWritten == 0)
        let response = try #require(monitor.trace.first { $0.b.valid })
        #expect(response.b.resp == 2)
        // The checker names the WRAP burst too (this bus allows INCR only), with simulator cycle numbers.
        #expect(monitor.checker.violations.contains { $0.rule == .burstType && $0.cycle == sim.cycle - 12 })
    }
}
