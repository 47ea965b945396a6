import Flow
import Foundation
import Cosim
import HWCore
import HWLib
import TestSupport
import Testing

@Suite(.enabled(if: edaEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct AXI4MasterGateTests {
    static let configs: [AXI4Master.Config] = [
        AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 32, maxBeats: 16), maxReadBursts: 4, maxWriteBursts: 4, writeBufferBeats: 16),
        AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 256)),
        AXI4Master.Config(port: MemoryPortSpec(addrBits: 40, dataBits: 512, maxBeats: 256), maxReadBursts: 3, maxWriteBursts: 5, writeBufferBeats: 32),
        AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 512, maxBeats: 16), idBits: 4, maxReadBursts: 1, maxWriteBursts: 1, writeBufferBeats: 2, maxBurstBeats: 8),
    ]

    @Test(arguments: configs)
    func emittedVerilogPassesTheEDAGates(_ c: AXI4Master.Config) throws {
        let d = try Design.elaborate(try AXI4Master.build(c), parameters: c.parameters)
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(d.top):\n\(problems.joined(separator: "\n"))")
    }
}

let longTests = ProcessInfo.processInfo.environment["HWGEN_LONG_TESTS"] == "1"

// MARK: - A Swift native master with a scoreboard

/// One native request of the test master.
struct NativeRequest: CustomStringConvertible {
    let write: Bool
    let addr: Int
    let beats: Int
    var data: [[UInt8]] = []
    var strobe: [[Bool]] = []
    var description: String { "\(write ? "write" : "read") \(beats) beats at 0x\(String(addr, radix: 16))" }
}

/// Drives the AXI4Master's native port (`port_*`) like the system's DMA would: requests from a
/// script or drawn at random (lengths 1...maxBeats, addresses near and across 4 KiB
/// boundaries), write data streamed in request order (possibly ahead of its request), random
/// valid gaps and ready drops on every channel (VALID, once up, held with its payload until the
/// handshake). A scoreboard (a shadow memory) checks every read beat and `last`, and that acks
/// come one per write, in order, `ok`. Reads never overlap writes in flight (and vice versa), so
/// every read has exactly one right answer.
final class NativeMaster: CycleDriver {
    let sim: Simulator
    let beatBytes: Int, maxBeats: Int, capacity: Int
    let arValid, arReady, arAddr, arLen, rValid, rReady, rData, rLast: PortHandle
    let awValid, awReady, awAddr, awLen, wValid, wReady, wData, wStrb, wLast, bValid, bReady, bOk: PortHandle
    var rng: SplitMix64
    let gap: Double
    var script: [NativeRequest]
    var toGenerate: Int
    var shadow: [UInt8]

    var arQueue: [NativeRequest] = [], awQueue: [NativeRequest] = []
    /// Write beats in order; `afterReads`: the beat is held until that many reads completed.
    var wStream: [(data: [UInt8], strobe: [Bool], last: Bool, afterReads: Int)] = []
    /// Hold each write's data until every read admitted before it has returned all its data
    /// (a copy engine), while its write request goes out at once.
    var writeDataAfterReads = false
    var readsAdmitted = 0
    var lastR: (data: [UInt8], last: Bool)?, lastB: UInt64?
    var arCur: NativeRequest?, awCur: NativeRequest?
    var wCur: (data: [UInt8], strobe: [Bool], last: Bool, afterReads: Int)?
    var rReadyNow = false, bReadyNow = false
    var expectedBeats: [(data: [UInt8], last: Bool)] = []
    var readsInFlight: [(lo: Int, hi: Int, beatsLeft: Int)] = []
    var writesInFlight: [(lo: Int, hi: Int)] = []
    /// Native requests in handshake order (what the AXI side must be a split of).
    var acceptedReads: [NativeRequest] = [], acceptedWrites: [NativeRequest] = []
    var errors: [String] = []
    var readBeats = 0, writeBeats = 0, acks = 0, reads = 0
    /// Cycles of the native AR handshakes and of the acks.
    var readCycles: [UInt64] = [], ackCycles: [UInt64] = []

    init(_ sim: Simulator, spec: MemoryPortSpec, capacity: Int, seed: UInt64, gap: Double, script: [NativeRequest] = [], random: Int = 0) throws {
        self.sim = sim
        beatBytes = spec.beatBytes
        maxBeats = spec.maxBeats
        self.capacity = capacity
        rng = SplitMix64(seed: seed)
        self.gap = gap
        self.script = script
        toGenerate = random
        shadow = [UInt8](repeating: 0, count: capacity)
        func p(_ n: String) throws -> PortHandle { try sim.port("port_" + n) }
        arValid = try p("ar_valid"); arReady = try p("ar_ready"); arAddr = try p("ar_addr"); arLen = try p("ar_len")
        rValid = try p("r_valid"); rReady = try p("r_ready"); rData = try p("r_data"); rLast = try p("r_last")
        awValid = try p("aw_valid"); awReady = try p("aw_ready"); awAddr = try p("aw_addr"); awLen = try p("aw_len")
        wValid = try p("w_valid"); wReady = try p("w_ready"); wData = try p("w_data"); wStrb = try p("w_strb"); wLast = try p("w_last")
        bValid = try p("b_valid"); bReady = try p("b_ready"); bOk = try p("b_ok")
    }

    var done: Bool {
        script.isEmpty && toGenerate == 0 && arQueue.isEmpty && awQueue.isEmpty && wStream.isEmpty && arCur == nil && awCur == nil
            && wCur == nil && readsInFlight.isEmpty && writesInFlight.isEmpty
    }

    func chance(_ p: Double) -> Bool { Double(rng.next() >> 11) / Double(1 << 53) < p }

    /// A random request: half of them end, start or straddle a 4 KiB boundary.
    func randomRequest() -> NativeRequest {
        let write = rng.below(2) == 0
        let beats: Int
        switch rng.below(4) {
        case 0: beats = 1
        case 1: beats = maxBeats
        default: beats = rng.int(1...maxBeats)
        }
        let bytes = beats * beatBytes
        var addr: Int
        if rng.below(2) == 0 {
            let page = rng.int(1...(capacity / 4096 - 1))
            let back = rng.below(2) == 0 ? rng.below(3) : rng.int(0...(beats + 1))
            addr = page * 4096 - back * beatBytes
        } else {
            addr = rng.below(capacity / beatBytes) * beatBytes
        }
        addr = max(0, min(addr, capacity - bytes))
        return NativeRequest(write: write, addr: addr, beats: beats)
    }

    func overlaps(_ lo: Int, _ hi: Int, _ ranges: [(lo: Int, hi: Int)]) -> Bool { ranges.contains { lo < $0.hi && $0.lo < hi } }

    /// Accepts `r` into the traffic if it does not overlap the other direction's requests in flight.
    func admit(_ r: NativeRequest) -> Bool {
        let lo = r.addr, hi = r.addr + r.beats * beatBytes
        if r.write {
            guard !overlaps(lo, hi, readsInFlight.map { ($0.lo, $0.hi) }) else { return false }
            var w = r
            for _ in 0..<r.beats {
                w.data.append((0..<beatBytes).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                w.strobe.append(chance(0.7) ? [Bool](repeating: true, count: beatBytes) : (0..<beatBytes).map { _ in rng.below(2) == 0 })
            }
            for (i, (d, s)) in zip(w.data, w.strobe).enumerated() {
                for k in 0..<beatBytes where s[k] { shadow[lo + i * beatBytes + k] = d[k] }
                wStream.append((d, s, i == r.beats - 1, writeDataAfterReads ? readsAdmitted : 0))
            }
            writesInFlight.append((lo, hi))
            awQueue.append(w)
        } else {
            guard !overlaps(lo, hi, writesInFlight) else { return false }
            for i in 0..<r.beats {
                expectedBeats.append((Array(shadow[(lo + i * beatBytes)..<(lo + (i + 1) * beatBytes)]), i == r.beats - 1))
            }
            readsInFlight.append((lo, hi, r.beats))
            readsAdmitted += 1
            arQueue.append(r)
        }
        return true
    }

    func drive() throws {
        // New traffic: the script in order (waiting when it would overlap), or random requests.
        if let next = script.first, arQueue.count + awQueue.count < 6, admit(next) { script.removeFirst() }
        if toGenerate > 0 && arQueue.count + awQueue.count < 6 && chance(0.5) {
            if admit(randomRequest()) { toGenerate -= 1 }
        }
        // Fixed draws per cycle, so a seed reproduces the run.
        let g = (0..<5).map { _ in chance(gap) }
        if arCur == nil && !arQueue.isEmpty && !g[0] { arCur = arQueue.removeFirst() }
        if awCur == nil && !awQueue.isEmpty && !g[1] { awCur = awQueue.removeFirst() }
        if wCur == nil, let next = wStream.first, next.afterReads <= reads, !g[2] { wCur = wStream.removeFirst() }
        rReadyNow = !g[3]
        bReadyNow = !g[4]
        sim.poke(arValid, arCur != nil ? 1 : 0)
        sim.poke(arAddr, UInt64(arCur?.addr ?? 0))
        sim.poke(arLen, UInt64((arCur?.beats ?? 1) - 1))
        sim.poke(awValid, awCur != nil ? 1 : 0)
        sim.poke(awAddr, UInt64(awCur?.addr ?? 0))
        sim.poke(awLen, UInt64((awCur?.beats ?? 1) - 1))
        sim.poke(wValid, wCur != nil ? 1 : 0)
        sim.poke(wData, words: PortBytes.words(wCur?.data ?? [0]))
        sim.poke(wStrb, words: PortBytes.words(flags: wCur?.strobe ?? [false]))
        sim.poke(wLast, wCur?.last == true ? 1 : 0)
        sim.poke(rReady, rReadyNow ? 1 : 0)
        sim.poke(bReady, bReadyNow ? 1 : 0)
    }

    func observe() throws {
        if let r = arCur, sim.peek(arReady) == 1 { acceptedReads.append(r); readCycles.append(sim.cycle); arCur = nil }
        if let r = awCur, sim.peek(awReady) == 1 { acceptedWrites.append(r); awCur = nil }
        if wCur != nil, sim.peek(wReady) == 1 { wCur = nil; writeBeats += 1 }
        // The native outputs hold VALID and payload until their handshake.
        let rv = sim.peek(rValid) == 1, bv = sim.peek(bValid) == 1
        let data = PortBytes.bytes(sim.peekWords(rData), count: beatBytes), last = sim.peek(rLast) == 1
        if let p = lastR, !rv || p.data != data || p.last != last { errors.append("cycle \(sim.cycle): r changed before its handshake") }
        if let p = lastB, !bv || p != sim.peek(bOk) { errors.append("cycle \(sim.cycle): b changed before its handshake") }
        lastR = rv && !rReadyNow ? (data, last) : nil
        lastB = bv && !bReadyNow ? sim.peek(bOk) : nil
        if rReadyNow && rv {
            readBeats += 1
            guard !expectedBeats.isEmpty, !readsInFlight.isEmpty else {
                errors.append("cycle \(sim.cycle): read beat without a request")
                return
            }
            let e = expectedBeats.removeFirst()
            if data != e.data { errors.append("cycle \(sim.cycle): read beat \(readBeats) data \(data) expected \(e.data)") }
            if last != e.last { errors.append("cycle \(sim.cycle): read beat \(readBeats) last = \(last), expected \(e.last)") }
            readsInFlight[0].beatsLeft -= 1
            if readsInFlight[0].beatsLeft == 0 { readsInFlight.removeFirst(); reads += 1 }
        }
        if bReadyNow && sim.peek(bValid) == 1 {
            acks += 1
            ackCycles.append(sim.cycle)
            if sim.peek(bOk) != 1 { errors.append("cycle \(sim.cycle): ack \(acks) not ok") }
            if writesInFlight.isEmpty { errors.append("cycle \(sim.cycle): ack \(acks) without a write in flight") } else { writesInFlight.removeFirst() }
        }
    }
}

/// Records the AXI bursts (AR and AW handshakes, in order) and checks that WVALID never drops
/// inside a burst once its first beat was accepted (W never waits on anything but WREADY).
final class BurstRecorder: CycleDriver {
    let sim: Simulator
    let arValid, arReady, arAddr, arLen, awValid, awReady, awAddr, awLen, wValid, wReady, wLast: PortHandle
    var reads: [(addr: Int, beats: Int)] = [], writes: [(addr: Int, beats: Int)] = []
    var readCycles: [UInt64] = []
    var inBurst = false
    var wGaps = 0

    init(_ sim: Simulator) throws {
        self.sim = sim
        func p(_ n: String) throws -> PortHandle { try sim.port("m_axi_" + n) }
        arValid = try p("arvalid"); arReady = try p("arready"); arAddr = try p("araddr"); arLen = try p("arlen")
        awValid = try p("awvalid"); awReady = try p("awready"); awAddr = try p("awaddr"); awLen = try p("awlen")
        wValid = try p("wvalid"); wReady = try p("wready"); wLast = try p("wlast")
    }

    func drive() throws {}

    func observe() throws {
        if sim.peek(arValid) == 1 && sim.peek(arReady) == 1 {
            reads.append((Int(sim.peek(arAddr)), Int(sim.peek(arLen)) + 1))
            readCycles.append(sim.cycle)
        }
        if sim.peek(awValid) == 1 && sim.peek(awReady) == 1 { writes.append((Int(sim.peek(awAddr)), Int(sim.peek(awLen)) + 1)) }
        let v = sim.peek(wValid) == 1
        if inBurst && !v { wGaps += 1 }
        if v && sim.peek(wReady) == 1 { inBurst = sim.peek(wLast) == 0 }
    }
}

/// The reference split: bursts of at most `cap` beats that stop at every 4 KiB boundary.
func referenceSplit(_ r: NativeRequest, beatBytes: Int, cap: Int) -> [(addr: Int, beats: Int)] {
    var out: [(addr: Int, beats: Int)] = []
    var a = r.addr, left = r.beats
    while left > 0 {
        let n = min(left, cap, (4096 - a % 4096) / beatBytes)
        out.append((a, n))
        a += n * beatBytes
        left -= n
    }
    return out
}

struct AXI4RunResult {
    var cycles = 0
    var master: NativeMaster
    var recorder: BurstRecorder
    var checker: AXI4Checker
    var model: DRAMModel
    var readError: UInt64
    var trace: [AXI4Observation]
}

/// Co-simulates the wrapper between the native master and a DRAM model behind the AXI slave
/// adapter, with the protocol checker watching the AXI pins.
func runAXI4Master(_ c: AXI4Master.Config, seed: UInt64, script: [NativeRequest] = [], random: Int = 0, gap: Double,
                   backPressure: Double, dram: DRAMModel.Config? = nil, record: Bool = false,
                   writeDataAfterReads: Bool = false, maxCycles: Int = 3_000_000, dramCapacity: Int? = nil) throws -> AXI4RunResult {
    let d = try Design.elaborate(try AXI4Master.build(c), parameters: c.parameters)
    let sim = try Simulator(try ModelBuilder.build(d))
    try sim.reset(cycles: 2)
    let capacity = max(1 << 16, 16 * c.port.maxBeats * c.port.beatBytes)
    var mc = dram ?? DRAMModel.Config(capacity: capacity, beatBytes: c.port.beatBytes, readLatency: 5, writeLatency: 3,
                                      maxReadsInFlight: 4, maxWritesInFlight: 4, writeDataAhead: 4)
    mc.capacity = dramCapacity ?? capacity
    mc.recordEvents = true
    if backPressure > 0 { mc.backPressure = DRAMModel.BackPressure(probability: backPressure) }
    let model = try DRAMModel(mc, random: SplitMix64(seed: seed &* 0x9E37_79B9 &+ 1))
    let slave = try AXI4SlaveDriver(sim, model: model)
    let monitor = try AXI4Monitor(sim, config: AXI4Checker.Config(dataBits: c.port.dataBits, readyTimeout: 5000), recording: record)
    let master = try NativeMaster(sim, spec: c.port, capacity: capacity, seed: seed, gap: gap, script: script, random: random)
    master.writeDataAfterReads = writeDataAfterReads
    let recorder = try BurstRecorder(sim)
    let drivers: [any CycleDriver] = [master, slave, monitor, recorder]
    var cycles = try sim.run(drivers, maxCycles: maxCycles) { master.done }
    for _ in 0..<10 { try sim.cycle(drivers); cycles += 1 }
    monitor.checker.finish()
    try sim.settle()
    let readError = sim.peek(try sim.port("read_error"))
    return AXI4RunResult(cycles: cycles, master: master, recorder: recorder, checker: monitor.checker, model: model,
                         readError: readError, trace: monitor.trace)
}

/// Every acceptance check of one run.
func expectClean(_ r: AXI4RunResult, _ c: AXI4Master.Config, _ label: String) {
    #expect(r.checker.violations.isEmpty, "\(label): \(r.checker.report())")
    #expect(r.model.faults.isEmpty, "\(label): \(r.model.faults.prefix(5))")
    #expect(r.master.errors.isEmpty, "\(label): \(r.master.errors.prefix(5).joined(separator: "\n"))")
    #expect(r.readError == 0, "\(label): read_error set")
    #expect(r.recorder.wGaps == 0, "\(label): WVALID dropped \(r.recorder.wGaps) times inside a burst")
    #expect(r.master.acks == r.master.acceptedWrites.count, "\(label): \(r.master.acks) acks for \(r.master.acceptedWrites.count) writes")
    #expect(r.master.reads == r.master.acceptedReads.count)
    // The AXI bursts are exactly the reference split of the native requests, in order.
    let bb = c.port.beatBytes
    let reads = r.master.acceptedReads.flatMap { referenceSplit($0, beatBytes: bb, cap: c.readBurstCap) }
    let writes = r.master.acceptedWrites.flatMap { referenceSplit($0, beatBytes: bb, cap: c.writeBurstCap) }
    #expect(r.recorder.reads.map { "\($0.addr):\($0.beats)" } == reads.map { "\($0.addr):\($0.beats)" }, "\(label): AR bursts")
    #expect(r.recorder.writes.map { "\($0.addr):\($0.beats)" } == writes.map { "\($0.addr):\($0.beats)" }, "\(label): AW bursts")
    #expect(r.model.stats.readBeats == r.master.readBeats && r.model.stats.writeBeats == r.master.writeBeats)
    // Ack k comes only after the memory answered every burst of writes 1...k (in order).
    let bCycles = r.model.events.filter { if case .writeResponse = $0.kind { return true }; return false }.map(\.cycle)
    var needed = 0
    for (k, w) in r.master.acceptedWrites.enumerated() where k < r.master.ackCycles.count {
        needed += referenceSplit(w, beatBytes: bb, cap: c.writeBurstCap).count
        let answered = bCycles.prefix { $0 < r.master.ackCycles[k] }.count
        if answered < needed {
            Issue.record("\(label): ack \(k + 1) at cycle \(r.master.ackCycles[k]) after only \(answered) of its \(needed) AXI responses")
            break
        }
    }
}

@Suite(.enabled(if: edaEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct AXI4MasterCosimTests {
    static let small = AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 32, maxBeats: 16), maxReadBursts: 4,
                                         maxWriteBursts: 4, writeBufferBeats: 16)
    static let wide = AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 256), maxReadBursts: 3,
                                        maxWriteBursts: 3, writeBufferBeats: 64)

    @Test func requestsAreSplitAtEvery4KiBBoundaryAndTheBurstCap() throws {
        let c = Self.wide  // 8-byte beats: 512 beats per page; write bursts <= 32 beats
        let script = [
            NativeRequest(write: true, addr: 0x0FF0, beats: 8), NativeRequest(write: false, addr: 0x0FF0, beats: 8),
            NativeRequest(write: false, addr: 0x1000 - 8, beats: 256), NativeRequest(write: false, addr: 0x2000, beats: 256),
            NativeRequest(write: true, addr: 0x2FF0, beats: 40), NativeRequest(write: false, addr: 0x2FF0, beats: 40),
            NativeRequest(write: true, addr: 0x5000 - 8, beats: 1), NativeRequest(write: false, addr: 0x5000 - 8, beats: 1),
        ]
        let r = try runAXI4Master(c, seed: 3, script: script, gap: 0, backPressure: 0)
        expectClean(r, c, "directed")
        #expect(r.recorder.reads.map { "\(String($0.addr, radix: 16)):\($0.beats)" }
                == ["ff0:2", "1000:6", "ff8:1", "1000:255", "2000:256", "2ff0:2", "3000:38", "4ff8:1"])
        #expect(r.recorder.writes.map { "\(String($0.addr, radix: 16)):\($0.beats)" }
                == ["ff0:2", "1000:6", "2ff0:2", "3000:32", "3100:6", "4ff8:1"])
        #expect(r.master.acks == 3)
        // Without stalls, a native read request accepted in cycle t is on the AXI side at t + 3.
        #expect(r.recorder.readCycles[0] == r.master.readCycles[0] + 3)
    }

    @Test func a512BitPortSplitsAt64BeatPages() throws {
        let c = AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 512, maxBeats: 16), maxReadBursts: 2,
                                  maxWriteBursts: 2, writeBufferBeats: 32)
        let script = [NativeRequest(write: true, addr: 0x1000 - 128, beats: 16), NativeRequest(write: false, addr: 0x1000 - 128, beats: 16),
                      NativeRequest(write: false, addr: 0x1000 - 64, beats: 1)]
        let r = try runAXI4Master(c, seed: 9, script: script, gap: 0.2, backPressure: 0.2)
        expectClean(r, c, "512-bit")
        #expect(r.recorder.reads.map { "\(String($0.addr, radix: 16)):\($0.beats)" } == ["f80:2", "1000:14", "fc0:1"])
        let random = try runAXI4Master(c, seed: 10, random: longTests ? 1000 : 60, gap: 0.2, backPressure: 0.2)
        expectClean(random, c, "512-bit random")
    }

    static let randomCases: [(String, UInt64, Double, Double)] = [
        ("no stalls", 1, 0, 0), ("master gaps", 2, 0.3, 0), ("slave back-pressure", 3, 0, 0.4), ("both", 4, 0.25, 0.3),
    ]

    @Test(arguments: randomCases)
    func randomTrafficIsProtocolCleanAndReadsBackWhatWasWritten(_ name: String, _ seed: UInt64, _ gap: Double, _ bp: Double) throws {
        for c in [Self.small, Self.wide] {
            let n = longTests ? 3000 : (c.port.maxBeats > 16 ? 60 : 200)
            let r = try runAXI4Master(c, seed: seed, random: n, gap: gap, backPressure: bp)
            expectClean(r, c, "\(name), \(AXI4Master.moduleName(c))")
            #expect(r.master.acceptedReads.count + r.master.acceptedWrites.count == n)
            // Splits happened: more AXI bursts than native requests.
            #expect(r.recorder.reads.count > r.master.acceptedReads.count)
        }
    }

    @Test(.enabled(if: longTests, "HWGEN_LONG_TESTS=1"), arguments: [1, 2, 3, 4] as [Int])
    func longRandomRunsAtMoreConfigs(_ k: Int) throws {
        let configs = [
            AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 16), maxReadBursts: 1, maxWriteBursts: 1,
                              writeBufferBeats: 2),
            AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 32, maxBeats: 256), maxReadBursts: 8, maxWriteBursts: 8,
                              writeBufferBeats: 256, maxBurstBeats: 64),
            AXI4Master.Config(port: MemoryPortSpec(addrBits: 40, dataBits: 128, maxBeats: 100), maxReadBursts: 5, maxWriteBursts: 3,
                              writeBufferBeats: 16),
            AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 512, maxBeats: 256)),
        ]
        let c = configs[k - 1]
        for seed in 1...3 as ClosedRange<UInt64> {
            let r = try runAXI4Master(c, seed: seed * 100 + UInt64(k), random: 1500, gap: 0.2 * Double(seed - 1), backPressure: 0.15 * Double(seed))
            expectClean(r, c, "long \(AXI4Master.moduleName(c)) seed \(seed)")
        }
    }

    @Test func writeDataThatWaitsForReadsDoesNotDeadlock() throws {
        // A copy engine: each write's data waits until the reads before it returned, but its
        // write request goes out at once. The memory serves no read while a write request lacks
        // its data (an in-order controller) and takes no write data ahead of its request. Were
        // the AW passed on before its data, the read it waits for would never come.
        let c = Self.small
        var script: [NativeRequest] = []
        for k in 0..<12 {
            script.append(NativeRequest(write: false, addr: 0x3000 + k * 64, beats: 16))
            script.append(NativeRequest(write: true, addr: 0x8000 - 32 + k * 64, beats: 16))
        }
        for bp in [0, 0.3] {
            let r = try runAXI4Master(c, seed: 21, script: script, gap: 0.1, backPressure: bp,
                                      dram: DRAMModel.Config(beatBytes: 4, readLatency: 4, writeDataAhead: 0, readsWaitForWriteData: true),
                                      writeDataAfterReads: true, maxCycles: 20_000)
            expectClean(r, c, "copy engine, back-pressure \(bp)")
            #expect(r.master.acks == 12 && r.master.reads == 12)
        }
    }

    @Test func errorResponsesReachTheNativeSide() throws {
        // The memory ends at 4 KiB: a write straddling its end gets OKAY for its first burst and
        // SLVERR for its second, so its one native ack is not ok; a read past the end sets the
        // sticky read_error (and returns zeros).
        let c = Self.wide
        let script = [NativeRequest(write: true, addr: 0x0FF0, beats: 8), NativeRequest(write: true, addr: 0x0800, beats: 4),
                      NativeRequest(write: false, addr: 0x1000, beats: 2)]
        let r = try runAXI4Master(c, seed: 1, script: script, gap: 0, backPressure: 0, dramCapacity: 4096)
        #expect(r.checker.violations.isEmpty, "\(r.checker.report())")
        #expect(r.master.acks == 2 && r.readError == 1)
        #expect(r.master.errors.filter { $0.contains("not ok") }.map { String($0.drop { $0 != ":" }) } == [": ack 1 not ok"])
        #expect(r.master.errors.filter { $0.contains("data") }.count == 2)
        #expect(r.model.faults.map(\.kind) == [.outOfRange, .outOfRange])
        let defaults = AXI4Master.Config(port: c.port)
        #expect(defaults.writeBurstCap == 32 && defaults.readBurstCap == 256)
    }

    @Test func streamsAtOneBeatPerCycle() throws {
        // No stalls anywhere: long reads and long writes move one beat per cycle after the latency.
        let c = Self.wide
        let reads = (0..<8).map { NativeRequest(write: false, addr: $0 * 2048, beats: 256) }
        let r = try runAXI4Master(c, seed: 5, script: reads, gap: 0, backPressure: 0,
                                  dram: DRAMModel.Config(beatBytes: 8, readLatency: 5, maxReadsInFlight: 4, recordEvents: true))
        expectClean(r, c, "read stream")
        let rBeats = r.model.events.filter { if case .readBeat = $0.kind { return true }; return false }.map(\.cycle)
        let readRate = Double(rBeats.count - 1) / Double(rBeats.last! - rBeats.first!)
        #expect(readRate > 0.99, "read beats per cycle \(readRate)")
        let writes = (0..<8).map { NativeRequest(write: true, addr: $0 * 2048, beats: 256) }
        let w = try runAXI4Master(c, seed: 5, script: writes, gap: 0, backPressure: 0,
                                  dram: DRAMModel.Config(beatBytes: 8, writeLatency: 3, maxWritesInFlight: 4, recordEvents: true))
        expectClean(w, c, "write stream")
        let wBeats = w.model.events.filter { if case .writeBeat = $0.kind { return true }; return false }.map(\.cycle)
        let writeRate = Double(wBeats.count - 1) / Double(wBeats.last! - wBeats.first!)
        #expect(writeRate > 0.9, "write beats per cycle \(writeRate)")
    }

    @Test func theCheckerCatchesCorruptedTraces() throws {
        // A clean recorded trace of the wrapper, then one corruption at a time.
        let r = try runAXI4Master(Self.small, seed: 7, random: 30, gap: 0.2, backPressure: 0.3, record: true)
        expectClean(r, Self.small, "recorded")
        let trace = r.trace
        func recheck(_ t: [AXI4Observation]) -> Set<AXI4Checker.Rule> {
            let c = AXI4Checker(AXI4Checker.Config(dataBits: 32))
            for o in t { c.check(o) }
            c.finish()
            return Set(c.violations.map(\.rule))
        }
        #expect(recheck(trace).isEmpty)
        func first(_ p: (AXI4Observation) -> Bool) throws -> Int {
            guard let i = trace.firstIndex(where: p) else { throw HWLibError("no such cycle in the trace") }
            return i
        }
        // WLAST stuck at 0 on a burst's final beat.
        var t = trace
        var i = try first { $0.w.valid && $0.w.ready && $0.w.last }
        t[i].w.last = false
        #expect(recheck(t).contains(.wlast))
        // A burst moved to straddle a 4 KiB boundary.
        t = trace
        i = try first { $0.ar.valid && $0.ar.ready && $0.ar.len > 0 }
        t[i].ar.addr = 0x1000 - UInt64(4 * t[i].ar.len)
        #expect(recheck(t).contains(.crosses4K))
        // AWVALID dropped while waiting for AWREADY.
        t = trace
        i = try first { $0.aw.valid && !$0.aw.ready }
        t[i + 1].aw.valid = false
        #expect(recheck(t).contains(.validDropped))
        // Write data changed while waiting.
        t = trace
        i = try first { $0.w.valid && !$0.w.ready }
        t[i + 1].w.data[0] ^= 1
        #expect(recheck(t) == [.payloadChanged])
        // A read beat lost: RLAST arrives a beat early and one read stays unfinished.
        t = trace
        i = try first { $0.r.valid && $0.r.ready && !$0.r.last }
        t[i].r.last = true
        #expect(recheck(t).contains(.rlast))
        // A write response the slave sends one cycle early (before the last W beat).
        t = trace
        i = try first { $0.w.valid && $0.w.ready && $0.w.last }
        t[i].b = t[try first { $0.b.valid }].b
        t[i].b.ready = false
        #expect(recheck(t).contains(.responseWithoutWrite))
    }

    @Test func portsAreNamedXilinxStyle() throws {
        let d = try Design.elaborate(try AXI4Master.build(Self.small))
        let names = d.manifest.ports.map(\.name).filter { $0.hasPrefix("m_axi_") }
        #expect(names == AXI4Port.pinSuffixes().map { "m_axi_" + $0 })
        #expect(names.prefix(10) == ["m_axi_awid", "m_axi_awaddr", "m_axi_awlen", "m_axi_awsize", "m_axi_awburst", "m_axi_awlock",
                                     "m_axi_awcache", "m_axi_awprot", "m_axi_awvalid", "m_axi_awready"])
        let dirs = Dictionary(uniqueKeysWithValues: d.manifest.ports.map { ($0.name, $0.direction) })
        #expect(dirs["m_axi_rdata"] == .input && dirs["m_axi_rready"] == .output && dirs["m_axi_bresp"] == .input
                && dirs["port_ar_valid"] == .input && dirs["port_r_data"] == .output && dirs["read_error"] == .output)
    }

    @Test func invalidConfigurationsThrowOneLineErrors() {
        let p = MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 16)
        let bad: [(AXI4Master.Config, String)] = [
            (AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 48, maxBeats: 16)), "data width must be a power of two in 8...1024 bits, got 48"),
            (AXI4Master.Config(port: MemoryPortSpec(addrBits: 8, dataBits: 64, maxBeats: 16)), "address width must be in 12...64 bits, got 8"),
            (AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 0)), "maxBeats must be in 1...65536, got 0"),
            (AXI4Master.Config(port: p, maxReadBursts: 0), "maxReadBursts must be in 1...64, got 0"),
            (AXI4Master.Config(port: p, writeBufferBeats: 48), "writeBufferBeats must be a power of two in 2...4096, got 48"),
            (AXI4Master.Config(port: p, maxBurstBeats: 257), "maxBurstBeats must be in 1...256, got 257"),
        ]
        for (c, message) in bad {
            #expect(throws: HWLibError("AXI4 master: " + message)) { try AXI4Master.build(c) }
        }
    }
}
