import Flow
import Cosim
import Foundation
import HWCore
import Testing

let verilatorEnabled = EDATools.isAvailable("verilator") || DesignGate.toolsRequired

func counterDesign(width: Int = 4) throws -> Design {
    let m = Module("counter_w\(width)")
    let en = m.input("en", .bool)
    let q = m.reg("q", .uint(width), reset: 0)
    m.when(en) { q.assign(q &+ 1) }
    m.output("count", .uint(width)).assign(q)
    m.output("wrap", .bool).assign(en && q.andReduce())
    return try Design.elaborate(m)
}

@Suite(.enabled(if: verilatorEnabled, "needs verilator; run Scripts/setup"))
struct SimulatorTests {
    @Test func pokePeekStepAndReset() throws {
        let model = try ModelBuilder.build(try counterDesign())
        let sim = try Simulator(model)
        let en = try sim.port("en"), count = try sim.port("count"), wrap = try sim.port("wrap")
        try sim.reset()
        sim.poke(en, 1)
        for expected in 0..<20 {
            try sim.settle()
            #expect(sim.peek(count) == UInt64(expected % 16))
            #expect(sim.peek(wrap) == (expected % 16 == 15 ? 1 : 0))
            try sim.edge()
        }
        sim.poke(en, 0)
        try sim.step(5)
        try sim.settle()
        #expect(sim.peek(count) == 4)
        #expect(sim.cycle == 26)
    }

    @Test func cachedModelLoadsFast() throws {
        let d = try counterDesign(width: 5)
        _ = try ModelBuilder.build(d)
        let start = Date()
        let again = try ModelBuilder.build(d)
        _ = try Simulator(again)
        #expect(again.cacheHit)
        #expect(Date().timeIntervalSince(start) < 1.0)
    }

    @Test func batchedRunMatchesPerCyclePoking() throws {
        let model = try ModelBuilder.build(try counterDesign(width: 3))
        let a = try Simulator(model), b = try Simulator(model)
        try a.reset(); try b.reset()
        let enable: [UInt32] = (0..<40).map { UInt32(($0 * 7 + 3) % 3 == 0 ? 0 : 1) }
        let ports = (try b.port("en"), try b.port("count"), try b.port("wrap"))
        var perCycle: [UInt32] = []
        for e in enable {
            b.poke(ports.0, UInt64(e))
            try b.settle()
            perCycle += [UInt32(b.peek(ports.1)), UInt32(b.peek(ports.2))]
            try b.edge()
        }
        let batched = try a.run(cycles: enable.count, inputs: [try a.port("en")], stimulus: enable,
                                outputs: [try a.port("count"), try a.port("wrap")])
        #expect(batched == perCycle)
        // The same run in two chunks into a caller-owned buffer, on a third instance.
        let c = try Simulator(model)
        try c.reset()
        var chunked = [UInt32](repeating: 0, count: perCycle.count)
        let ins = [try c.port("en")], outs = [try c.port("count"), try c.port("wrap")]
        try enable.withUnsafeBufferPointer { st in
            try chunked.withUnsafeMutableBufferPointer { o in
                try c.run(cycles: 25, inputs: ins, stimulus: UnsafeBufferPointer(rebasing: st[0..<25]), outputs: outs,
                          into: UnsafeMutableBufferPointer(rebasing: o[0..<50]))
                try c.run(cycles: 15, inputs: ins, stimulus: UnsafeBufferPointer(rebasing: st[25...]), outputs: outs,
                          into: UnsafeMutableBufferPointer(rebasing: o[50...]))
                // A buffer of the wrong size is an error, not a write past its end.
                #expect(throws: SimulationError.self) {
                    try c.run(cycles: 15, inputs: ins, stimulus: UnsafeBufferPointer(rebasing: st[25...]), outputs: outs,
                              into: UnsafeMutableBufferPointer(rebasing: o[0..<29]))
                }
            }
        }
        #expect(chunked == perCycle)
    }

    @Test func wideAndUnknownPorts() throws {
        let m = Module("wide")
        let x = m.input("x", .uint(100))
        m.output("y", .uint(100)).assign(~x)
        let sim = try Simulator(try ModelBuilder.build(try Design.elaborate(m)))
        #expect(throws: SimulationError.self) { try sim.port("nope") }
        let px = try sim.port("x"), py = try sim.port("y")
        sim.poke(px, words: [0x1234_5678, 0, 0xffff_ffff, 0xffff_fffe])  // bits above 100 are dropped
        try sim.settle()
        #expect(sim.peekWords(py) == [~UInt32(0x1234_5678), 0xffff_ffff, 0, 0x1])  // top word masked to 4 bits
    }

    @Test func waveformIsWritten() throws {
        let model = try ModelBuilder.build(try counterDesign(), options: BuildOptions(trace: true))
        let sim = try Simulator(model)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-\(UUID().uuidString).vcd").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try sim.openWaveform(path)
        try sim.reset()
        sim.poke(try sim.port("en"), 1)
        try sim.step(10)
        sim.closeWaveform()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("$enddefinitions"))
        #expect(text.contains("count"))
    }

    @Test func waveformNeedsATraceBuild() throws {
        let sim = try Simulator(try ModelBuilder.build(try counterDesign()))
        #expect(throws: SimulationError.self) { try sim.openWaveform("/tmp/never.vcd") }
    }
}

@Suite(.enabled(if: verilatorEnabled, "needs verilator; run Scripts/setup"))
struct FSTWaveformTests {
    @Test func fstWaveformIsWritten() throws {
        let model = try ModelBuilder.build(try counterDesign(), options: BuildOptions(trace: true, format: .fst))
        let sim = try Simulator(model)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-\(UUID().uuidString).fst").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try sim.openWaveform(path)
        try sim.reset()
        sim.poke(try sim.port("en"), 1)
        try sim.step(50)
        sim.closeWaveform()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(data.count > 100)
        #expect(data.first == 0)  // FST_BL_HDR: an FST file starts with its header block
        #expect(WaveformFormat(path: path) == .fst && WaveformFormat(path: "x.vcd") == .vcd)
    }
}
