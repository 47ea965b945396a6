import Cosim
import Flow
import Foundation
import HWCore
import TestSupport
import Testing

/// Cycle offsets (from the first beat) of the beats of a stream at `bw` on `beatBytes`-byte
/// beats, started after an idle period: ⌈((n − 1)·cost + 1) / bytes⌉ − 1 for beat n ≥ 1, with
/// cost = beatBytes · cycles (the model's documented promise).
func streamOffsets(_ bw: DRAMModel.Bandwidth?, beatBytes: Int, beats: Int) -> [UInt64] {
    guard let bw else { return (0..<beats).map { UInt64($0) } }
    let cost = beatBytes * bw.cycles
    return (1...beats).map { n in UInt64(((n - 1) * cost + 1 + bw.bytes - 1) / bw.bytes - 1) }
}

/// Plays an always-ready master against a bare model (no simulator): one request, its beats
/// (reads) or a back-to-back W stream (writes). Returns the cycle of the request, of each beat
/// and of the write response.
func playAlone(_ model: DRAMModel, write: Bool, address: UInt64, beats: Int, data: (Int) -> [UInt8] = { _ in [] },
               maxCycles: Int = 10_000) -> (request: UInt64, beats: [UInt64], response: UInt64?) {
    var request: UInt64?
    var beatCycles: [UInt64] = []
    var response: UInt64?
    for _ in 0..<maxCycles {
        let o = model.beginCycle()
        if request == nil && (write ? o.writeRequestReady : o.readRequestReady) {
            request = model.cycle
            if write { model.acceptWriteRequest(address: address, beats: beats) } else { model.acceptReadRequest(address: address, beats: beats) }
        }
        if write, beatCycles.count < beats, o.writeDataReady {
            let n = beatCycles.count
            let d = data(n).isEmpty ? [UInt8](repeating: UInt8(n & 0xff), count: model.config.beatBytes) : data(n)
            model.acceptWriteData(d, strobe: [Bool](repeating: true, count: model.config.beatBytes), last: n == beats - 1)
            beatCycles.append(model.cycle)
        }
        if !write, o.readBeat != nil {
            model.takeReadBeat()
            beatCycles.append(model.cycle)
        }
        if o.writeResponse != nil {
            model.takeWriteResponse()
            response = model.cycle
        }
        model.endCycle()
        if write ? response != nil : beatCycles.count == beats { break }
    }
    return (request ?? 0, beatCycles, response)
}

@Suite struct DRAMModelTests {
    static let bandwidths: [DRAMModel.Bandwidth?] = [nil, DRAMModel.Bandwidth(bytesPerCycle: 3.5), DRAMModel.Bandwidth(bytes: 1),
                                                     DRAMModel.Bandwidth(bytes: 8, per: 3), DRAMModel.Bandwidth(bytes: 8)]

    @Test func bandwidthIsAnExactRatio() {
        let bw = DRAMModel.Bandwidth(bytesPerCycle: 3.5)
        #expect(bw.bytes == 7 && bw.cycles == 2)
        #expect(DRAMModel.Bandwidth(bytes: 12, per: 8) == DRAMModel.Bandwidth(bytes: 3, per: 2))
        // 3.5 B/cycle on 8-byte beats: one beat per 16/7 cycles, exactly.
        #expect(streamOffsets(bw, beatBytes: 8, beats: 8) == [0, 2, 4, 6, 9, 11, 13, 16])
        #expect(streamOffsets(DRAMModel.Bandwidth(bytes: 1), beatBytes: 8, beats: 3) == [0, 8, 16])
    }

    @Test(arguments: bandwidths)
    func readLatencyAndBandwidthAreExact(_ bw: DRAMModel.Bandwidth?) throws {
        for latency in [1, 5, 23] {
            let model = try DRAMModel(DRAMModel.Config(capacity: 1 << 16, beatBytes: 8, readLatency: latency, readBandwidth: bw))
            let run = playAlone(model, write: false, address: 0x100, beats: 40)
            let expected = streamOffsets(bw, beatBytes: 8, beats: 40).map { run.request + UInt64(latency) + $0 }
            #expect(run.beats == expected, "bandwidth \(bw.map(\.description) ?? "unlimited"), latency \(latency)")
        }
        // Over a long stream the rate is the configured one, to the beat.
        let model = try DRAMModel(DRAMModel.Config(capacity: 1 << 16, beatBytes: 8, readLatency: 3, readBandwidth: bw))
        let run = playAlone(model, write: false, address: 0, beats: 2000, maxCycles: 100_000)
        #expect(run.beats.count == 2000)
        let span = Double(run.beats.last! - run.beats.first!)
        let rate = Double(1999 * 8) / span
        #expect(abs(rate - (bw?.bytesPerCycle ?? 8)) < 0.01, "measured \(rate) B/cycle")
    }

    @Test(arguments: bandwidths)
    func writeDataRateAndResponseLatencyAreExact(_ bw: DRAMModel.Bandwidth?) throws {
        let model = try DRAMModel(DRAMModel.Config(capacity: 1 << 16, beatBytes: 8, writeLatency: 6, writeBandwidth: bw))
        let run = playAlone(model, write: true, address: 0x800, beats: 17)
        #expect(run.beats == streamOffsets(bw, beatBytes: 8, beats: 17).map { run.request + $0 })
        #expect(run.response == run.beats.last! + 6)
        #expect(model.stats.bytesWritten == 17 * 8 && model.stats.writeRequests == 1 && model.stats.writeBeats == 17)
        #expect(try model.bytes(at: 0x800 + 16 * 8, count: 8) == [UInt8](repeating: 16, count: 8))
    }

    @Test func pipelinedReadsOverlapTheirLatency() throws {
        // Two requests accepted in consecutive cycles: the second one's latency runs while the
        // first one streams, so its beats follow back to back.
        let model = try DRAMModel(DRAMModel.Config(capacity: 1 << 16, beatBytes: 4, readLatency: 10, recordEvents: true))
        var accepted = 0, taken: [UInt64] = []
        for _ in 0..<40 {
            let o = model.beginCycle()
            if accepted < 2 && o.readRequestReady {
                model.acceptReadRequest(address: UInt64(accepted * 64), beats: 4)
                accepted += 1
            }
            if o.readBeat != nil { model.takeReadBeat(); taken.append(model.cycle) }
            model.endCycle()
        }
        #expect(taken == [10, 11, 12, 13, 14, 15, 16, 17])
        #expect(model.stats.busyCycles == 18 && model.stats.readRequests == 2 && model.stats.bytesRead == 32)
        #expect(model.events.first == DRAMModel.Event(cycle: 0, kind: .readRequest(address: 0, beats: 4)))
    }

    @Test func backPressureIsSeededAndReproducible() throws {
        func run(seed: UInt64) throws -> ([DRAMModel.Event], DRAMModel.Stats) {
            let config = DRAMModel.Config(capacity: 1 << 16, beatBytes: 8, readLatency: 3, writeLatency: 2,
                                          backPressure: DRAMModel.BackPressure(probability: 0.4), recordEvents: true)
            let model = try DRAMModel(config, random: SplitMix64(seed: seed))
            _ = playAlone(model, write: true, address: 0, beats: 32)
            _ = playAlone(model, write: false, address: 0, beats: 32)
            return (model.events, model.stats)
        }
        let (a, sa) = try run(seed: 11), (b, sb) = try run(seed: 11), (c, _) = try run(seed: 12)
        #expect(a == b && sa == sb)
        #expect(a != c)
        // Stalls happened: 64 beats took clearly more than 64 data cycles.
        #expect(sa.cycles > 100, "\(sa.cycles) cycles")
        #expect(sa.readBeats == 32 && sa.writeBeats == 32)
    }

    @Test func faultsAreReportedNotTrapped() throws {
        let model = try DRAMModel(DRAMModel.Config(capacity: 4096, beatBytes: 8, readLatency: 1, writeLatency: 1))
        // Misaligned read: zeros, not ok.
        model.beginCycle()
        model.acceptReadRequest(address: 4, beats: 1)
        model.endCycle()
        var o = model.beginCycle()
        #expect(o.readBeat == DRAMModel.ReadBeat(data: [UInt8](repeating: 0, count: 8), last: true, ok: false, id: 0))
        model.takeReadBeat()
        // A write past the end: beats dropped, response not ok.
        model.acceptWriteRequest(address: 4088, beats: 2, id: 3)
        model.acceptWriteData([UInt8](repeating: 0xAA, count: 8), strobe: [Bool](repeating: true, count: 8), last: false)
        model.endCycle()
        model.beginCycle()
        model.acceptWriteData([UInt8](repeating: 0xAA, count: 8), strobe: [Bool](repeating: true, count: 8), last: false)
        model.endCycle()
        o = model.beginCycle()
        #expect(o.writeResponse == DRAMModel.WriteResponse(ok: false, id: 3))
        model.takeWriteResponse()
        // A handshake the model did not offer.
        model.takeReadBeat()
        model.endCycle()
        #expect(model.faults.map(\.kind) == [.misaligned, .outOfRange, .unsupported, .adapter])
        #expect(model.faults[0].description == "cycle 0: misaligned: read at 0x4 is not aligned to the 8-byte beat")
        #expect(try model.bytes(at: 4088, count: 8) == [UInt8](repeating: 0, count: 8))
        #expect(model.stats.bytesWritten == 0)
        #expect(throws: SimulationError.self) { try model.load([1, 2], at: 4095) }
    }

    @Test func writeDataMayComeBeforeItsRequest() throws {
        let model = try DRAMModel(DRAMModel.Config(capacity: 1 << 16, beatBytes: 4, writeDataAhead: 4))
        for i in 0..<3 {
            let o = model.beginCycle()
            #expect(o.writeDataReady)
            model.acceptWriteData([UInt8(i), 1, 2, 3], strobe: [true, false, true, true], last: i == 2)
            model.endCycle()
        }
        model.beginCycle()
        model.acceptWriteRequest(address: 0x40, beats: 3)
        model.endCycle()
        #expect(try model.bytes(at: 0x40, count: 12) == [0, 0, 2, 3, 1, 0, 2, 3, 2, 0, 2, 3])
        #expect(model.faults.isEmpty)
        // Without room ahead, write data waits for a request.
        let strict = try DRAMModel(DRAMModel.Config(capacity: 1 << 16, beatBytes: 4, writeDataAhead: 0))
        #expect(!strict.beginCycle().writeDataReady)
    }

    @Test func readsCanWaitForWriteData() throws {
        let model = try DRAMModel(DRAMModel.Config(capacity: 1 << 16, beatBytes: 4, readLatency: 1, writeDataAhead: 0,
                                                   readsWaitForWriteData: true))
        model.beginCycle()
        model.acceptReadRequest(address: 0, beats: 1)
        model.acceptWriteRequest(address: 0x100, beats: 1)
        model.endCycle()
        #expect(model.beginCycle().readBeat == nil)  // the write still lacks its data
        model.acceptWriteData([1, 2, 3, 4], strobe: [true, true, true, true], last: true)
        model.endCycle()
        #expect(model.beginCycle().readBeat != nil)
        model.endCycle()
    }

    @Test func invalidConfigurationsThrowOneLineErrors() {
        let bad: [(DRAMModel.Config, String)] = [
            (DRAMModel.Config(beatBytes: 8, readLatency: 0), "readLatency must be at least 1 cycle, got 0"),
            (DRAMModel.Config(beatBytes: 8, readBandwidth: DRAMModel.Bandwidth(bytes: 9)), "read bandwidth 9 B/cycle exceeds one beat (8 bytes) per cycle"),
            (DRAMModel.Config(capacity: 4, beatBytes: 8), "capacity 4 is smaller than one beat (8 bytes)"),
            (DRAMModel.Config(backPressure: DRAMModel.BackPressure(probability: 1)), "back-pressure probabilities must be in 0...0.95, got 1.0"),
        ]
        for (c, message) in bad {
            #expect(throws: SimulationError.self) { try DRAMModel(c) }
            do { _ = try DRAMModel(c) } catch { #expect("\(error)" == "DRAM model: " + message) }
        }
        #expect(throws: SimulationError.self) { try DRAMModel(DRAMModel.Config(backPressure: DRAMModel.BackPressure(probability: 0.1))) }
    }
}

// MARK: - Against a Verilated master

/// A tiny native-port master: on `go` it issues one request (`wr`: a write of beats
/// `seed + i`, else a read whose beats it sums into `sum`), always ready for R and B; `done`
/// pulses the cycle after the last R beat or the B.
func tinyMasterDesign() throws -> Design {
    let m = Module("tiny_mem_master")
    let go = m.input("go", .bool), wr = m.input("wr", .bool)
    let addr = m.input("addr", .uint(32)), len = m.input("len", .uint(4)), seed = m.input("seed", .uint(64))
    let arValid = m.output("mem_ar_valid", .bool), arReady = m.input("mem_ar_ready", .bool)
    let arAddr = m.output("mem_ar_addr", .uint(32)), arLen = m.output("mem_ar_len", .uint(4))
    let rValid = m.input("mem_r_valid", .bool), rReady = m.output("mem_r_ready", .bool)
    let rData = m.input("mem_r_data", .uint(64)), rLast = m.input("mem_r_last", .bool)
    let awValid = m.output("mem_aw_valid", .bool), awReady = m.input("mem_aw_ready", .bool)
    let awAddr = m.output("mem_aw_addr", .uint(32)), awLen = m.output("mem_aw_len", .uint(4))
    let wValid = m.output("mem_w_valid", .bool), wReady = m.input("mem_w_ready", .bool)
    let wData = m.output("mem_w_data", .uint(64)), wStrb = m.output("mem_w_strb", .uint(8)), wLast = m.output("mem_w_last", .bool)
    let bValid = m.input("mem_b_valid", .bool), bReady = m.output("mem_b_ready", .bool), bOk = m.input("mem_b_ok", .bool)

    let arv = m.reg("arv", .bool, reset: 0), awv = m.reg("awv", .bool, reset: 0), wact = m.reg("wact", .bool, reset: 0)
    let wcnt = m.reg("wcnt", .uint(4), reset: 0), sum = m.reg("sum_q", .uint(64), reset: 0)
    let addrQ = m.reg("addr_q", .uint(32), reset: .none), lenQ = m.reg("len_q", .uint(4), reset: .none)
    let seedQ = m.reg("seed_q", .uint(64), reset: .none)
    m.when(go) { addrQ.assign(addr); lenQ.assign(len); seedQ.assign(seed) }
    m.when(go && !wr) { arv.assign(1) }.elseWhen(arReady) { arv.assign(0) }
    m.when(go && wr) { awv.assign(1) }.elseWhen(awReady) { awv.assign(0) }
    let wfire = wact && wReady
    m.when(go && wr) { wact.assign(1) }.elseWhen(wfire && wcnt == lenQ) { wact.assign(0) }
    m.when(go) { wcnt.assign(0) }.elseWhen(wfire) { wcnt.assign(wcnt &+ 1) }
    m.when(go) { sum.assign(0) }.elseWhen(rValid) { sum.assign(sum &+ rData) }
    m.output("done", .bool).assign(m.reg("done_q", next: (rValid && rLast) || bValid, reset: 0))
    m.output("ok", .bool).assign(m.reg("ok_q", next: bValid && bOk, reset: 0))
    m.output("sum", .uint(64)).assign(sum)
    arValid.assign(arv); arAddr.assign(addrQ); arLen.assign(lenQ); rReady.assign(1)
    awValid.assign(awv); awAddr.assign(addrQ); awLen.assign(lenQ)
    wValid.assign(wact); wData.assign(seedQ &+ wcnt.extended(to: 64)); wStrb.assign(0xff); wLast.assign(wcnt == lenQ)
    bReady.assign(1)
    return try Design.elaborate(m)
}

/// Pokes the tiny master's command for one cycle and records `done`/`ok`/`sum` after each settle.
final class TinyMasterControl: CycleDriver {
    let sim: Simulator
    let go, wr, addr, len, seed, done, ok, sum: PortHandle
    var command: (write: Bool, addr: UInt64, beats: Int, seed: UInt64)?
    var finished = false, acked = false, total: UInt64 = 0

    init(_ sim: Simulator) throws {
        self.sim = sim
        go = try sim.port("go"); wr = try sim.port("wr"); addr = try sim.port("addr"); len = try sim.port("len")
        seed = try sim.port("seed"); done = try sim.port("done"); ok = try sim.port("ok"); sum = try sim.port("sum")
    }

    func drive() throws {
        if let c = command {
            sim.poke(go, 1); sim.poke(wr, c.write ? 1 : 0); sim.poke(addr, c.addr); sim.poke(len, UInt64(c.beats - 1)); sim.poke(seed, c.seed)
            command = nil
            finished = false
        } else {
            sim.poke(go, 0)
        }
    }

    func observe() throws {
        if sim.peek(done) == 1 { finished = true; acked = sim.peek(ok) == 1; total = sim.peek(sum) }
    }
}

@Suite(.enabled(if: verilatorEnabled, "needs verilator; run Scripts/setup"))
struct MemoryPortDriverTests {
    struct Run {
        var events: [DRAMModel.Event]
        var stats: DRAMModel.Stats
        var sums: [UInt64]
        var acks: [Bool]
        var memory: [UInt8]
    }

    /// Writes `beats` beats (seed 1000 + i) at 0x200, then reads them back, through the
    /// Verilated tiny master and the driver.
    func writeThenRead(_ config: DRAMModel.Config, seed: UInt64 = 1, beats: Int = 16) throws -> Run {
        let sim = try Simulator(try ModelBuilder.build(try tinyMasterDesign()))
        try sim.reset()
        let model = try DRAMModel(config, random: SplitMix64(seed: seed))
        let mem = try MemoryPortDriver(sim, model: model)
        let control = try TinyMasterControl(sim)
        let drivers: [any CycleDriver] = [control, mem]
        var run = Run(events: [], stats: model.stats, sums: [], acks: [], memory: [])
        for write in [true, false] {
            control.command = (write, 0x200, beats, 1000)
            try sim.cycle(drivers)
            try sim.run(drivers, maxCycles: 5000) { control.finished }
            if write { run.acks.append(control.acked) } else { run.sums.append(control.total) }
        }
        run.events = model.events
        run.stats = model.stats
        run.memory = try model.bytes(at: 0x200, count: beats * 8)
        #expect(model.faults.isEmpty, "\(model.faults)")
        return run
    }

    @Test(arguments: [(3, 5, nil), (7, 2, DRAMModel.Bandwidth(bytesPerCycle: 3.5)), (1, 1, DRAMModel.Bandwidth(bytes: 2))] as [(Int, Int, DRAMModel.Bandwidth?)])
    func latencyAndBandwidthMeasuredThroughThePinsAreThePromisedOnes(_ readLatency: Int, _ writeLatency: Int, _ bw: DRAMModel.Bandwidth?) throws {
        let config = DRAMModel.Config(capacity: 1 << 16, beatBytes: 8, readLatency: readLatency, writeLatency: writeLatency,
                                      readBandwidth: bw, writeBandwidth: bw, recordEvents: true)
        let run = try writeThenRead(config)
        let expectedSum = (0..<16).reduce(UInt64(0)) { $0 &+ 1000 &+ UInt64($1) }
        #expect(run.sums == [expectedSum] && run.acks == [true])
        #expect(run.memory == (0..<16).flatMap { i in withUnsafeBytes(of: (1000 + UInt64(i)).littleEndian, Array.init) })
        func cycles(_ match: (DRAMModel.Event.Kind) -> Bool) -> [UInt64] { run.events.filter { match($0.kind) }.map(\.cycle) }
        let aw = cycles { if case .writeRequest = $0 { return true }; return false }
        let w = cycles { if case .writeBeat = $0 { return true }; return false }
        let b = cycles { if case .writeResponse = $0 { return true }; return false }
        let ar = cycles { if case .readRequest = $0 { return true }; return false }
        let r = cycles { if case .readBeat = $0 { return true }; return false }
        let offsets = streamOffsets(bw, beatBytes: 8, beats: 16)
        // The master shows AW and the first W beat in the cycle after `go`.
        #expect(aw.count == 1 && w == offsets.map { aw[0] + $0 })
        #expect(b == [w.last! + UInt64(writeLatency)])
        #expect(ar.count == 1 && r == offsets.map { ar[0] + UInt64(readLatency) + $0 })
        #expect(run.stats.bytesRead == 128 && run.stats.bytesWritten == 128 && run.stats.readRequests == 1 && run.stats.writeRequests == 1)
    }

    @Test func backPressureThroughThePinsIsReproducible() throws {
        let config = DRAMModel.Config(capacity: 1 << 16, beatBytes: 8, readLatency: 4, writeLatency: 3,
                                      backPressure: DRAMModel.BackPressure(probability: 0.35), recordEvents: true)
        let a = try writeThenRead(config, seed: 5), b = try writeThenRead(config, seed: 5), c = try writeThenRead(config, seed: 6)
        #expect(a.events == b.events && a.stats == b.stats)
        #expect(a.events != c.events)
        let expectedSum = (0..<16).reduce(UInt64(0)) { $0 &+ 1000 &+ UInt64($1) }
        #expect(a.sums == [expectedSum] && c.sums == [expectedSum] && a.acks == [true])
        // Without stalls the same traffic takes fewer cycles.
        var calm = config
        calm.backPressure = nil
        #expect(try writeThenRead(calm).stats.cycles < a.stats.cycles)
    }

    @Test func missingOrMistypedPinsAreErrors() throws {
        let sim = try Simulator(try ModelBuilder.build(try tinyMasterDesign()))
        let model = try DRAMModel(DRAMModel.Config(beatBytes: 8))
        #expect(throws: SimulationError.self) { try MemoryPortDriver(sim, model: model, prefix: "dma") }
        do { _ = try MemoryPortDriver(sim, model: model, prefix: "dma") } catch {
            #expect("\(error)".hasPrefix("tiny_mem_master has no port 'dma_ar_valid'"))
        }
        let wide = try DRAMModel(DRAMModel.Config(beatBytes: 16))
        do { _ = try MemoryPortDriver(sim, model: wide) } catch {
            #expect("\(error)" == "port 'mem_r_data' of tiny_mem_master is 64 bits wide, expected 128")
        }
    }
}
