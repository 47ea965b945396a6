import Compiler
import Cosim
import Flow
import Formats
import Foundation
import HWCore
import HWLib
import SparseAccel
import SparseModel
import Testing
import Workloads

/// The SPS system co-simulated in Verilator: the compiled instruction stream (DMA, line buffer
/// fills, CONV tiles, stores) runs against the Swift DRAM model; the output tensor read back from
/// DRAM is bit-exact with the golden conv (and so is the golden executor's), and the final SYNC's
/// cycle and the counters equal the system's cycle model. Small layers with odd sizes, several P
/// and n, padding, stride 2, narrow ports and tight buffers (single weight slot, one OBUF slot).
@Suite(.enabled(if: EDATools.isAvailable("verilator"), "needs verilator"), .serialized)
struct SPSSystemConvTests {
    static func config(_ rows: Int, _ cols: Int, n: Int, p: Int, mem: Int = 128, buffers: [Int] = [16, 128, 8, 64]) -> SPSSystemConfig {
        SPSSystemConfig(core: SPSConfig(rows: rows, cols: cols, patternNNZ: n, period: p), memory: MemoryPortSpec(addrBits: 32, dataBits: mem, maxBeats: 16),
                        xEntries: buffers[0], wEntries: buffers[1], oEntries: buffers[2], lineEntries: buffers[3])
    }

    static func run(_ layer: String, _ c: SPSSystemConfig, seed: UInt64 = 1, timing: DRAMTiming = DRAMTiming()) throws -> SPSSystemConvReport {
        let tc = try SPSConvCase(config: c.engine, layer: try LayerSpec.parse(layer), seed: seed, scheme: .magnitude, inputAddressed: false)
        return try SPSSystemConvRun(config: c, testCase: tc, scheme: .magnitude, timing: timing).run()
    }

    @Test(arguments: [
        ("conv:ci=5,co=11,h=7,w=6,k=3,p=1", config(3, 4, n: 4, p: 8)),
        ("conv:ci=3,co=9,h=9,w=7,k=3,s=2,p=1", config(5, 3, n: 2, p: 3, mem: 64, buffers: [3, 64, 5, 128])),
        ("conv:ci=4,co=6,h=6,w=5,k=3,s=2,p=2", config(3, 2, n: 5, p: 5, buffers: [1, 32, 3, 16])),
        ("conv:ci=2,co=7,h=5,w=5,k=3", config(2, 3, n: 1, p: 2, mem: 32, buffers: [5, 16, 4, 64])),
        ("conv:ci=3,co=4,h=4,w=3,k=3,p=1", config(1, 1, n: 9, p: 1, mem: 64, buffers: [2, 64, 1, 8])),
        // Line buffers smaller than the input: bands of output rows.
        ("conv:ci=5,co=11,h=9,w=6,k=3,p=1", config(3, 4, n: 4, p: 8, buffers: [16, 128, 8, 8])),
        ("conv:ci=3,co=9,h=11,w=7,k=3,s=2,p=1", config(5, 3, n: 2, p: 3, mem: 64, buffers: [3, 64, 5, 20])),
        ("conv:ci=4,co=6,h=9,w=5,k=3,s=2,p=2", config(3, 2, n: 5, p: 5, buffers: [1, 32, 3, 4])),
    ])
    func bitAndCycleExact(_ layer: String, _ c: SPSSystemConfig) throws {
        let r = try Self.run(layer, c)
        #expect(r.outcome == "completed")
        #expect(r.goldenMatch && r.outputsMatch, "\(r.mismatch ?? "")")
        #expect(r.cyclesMatch, "\(r.mismatch ?? "")")
        #expect(r.systemCycles == r.modelCycles && r.systemCycles > r.coreCycles)
        #expect(r.beats == r.tiles * max(try LayerSpec.parse(layer).inChannels, 1) * c.core.patternNNZ)
        #expect(r.dmaReadBytes == r.readBeats * c.memory.beatBytes && r.dmaWrittenBytes == r.writeBeats * c.memory.beatBytes)
    }

    /// Limited DRAM bandwidth and seeded back-pressure: still bit-exact, still the model's cycles.
    @Test func slowAndStallingMemory() throws {
        let c = Self.config(3, 4, n: 4, p: 8)
        let slow = try Self.run("conv:ci=5,co=11,h=7,w=6,k=3,p=1", c, timing: DRAMTiming(bytesPerCycle: 3.5, readLatency: 37, writeLatency: 11))
        #expect(slow.match, "\(slow.mismatch ?? "")")
        let stalls = try Self.run("conv:ci=5,co=11,h=7,w=6,k=3,p=1", c, timing: DRAMTiming(backPressure: 0.2, seed: 9))
        #expect(stalls.match, "\(stalls.mismatch ?? "")")
        let fast = try Self.run("conv:ci=5,co=11,h=7,w=6,k=3,p=1", c)
        #expect(slow.systemCycles > fast.systemCycles && stalls.systemCycles > fast.systemCycles)
    }

    /// The comparisons can fail: a STORE sent to the wrong place leaves outputs that differ, and
    /// the report names the first differing element.
    @Test func aWrongProgramIsReported() throws {
        let c = Self.config(3, 4, n: 4, p: 8)
        let tc = try SPSConvCase(config: c.engine, layer: try LayerSpec.parse("conv:ci=5,co=11,h=7,w=6,k=3,p=1"), seed: 1, scheme: .magnitude, inputAddressed: false)
        let run = try SPSSystemConvRun(config: c, testCase: tc, scheme: .magnitude)
        var program = try run.compile().instructions
        let i = try #require(program.firstIndex { if case .store = $0 { return true } else { return false } })
        guard case .store(var t, let b, let d) = program[i] else { return }
        t.dramAddr += UInt64(c.oChunks * c.memory.beatBytes)
        program[i] = .store(t, buffer: b, deps: d)
        let r = try run.run(program: program)
        #expect(!r.match && !r.outputsMatch && !r.goldenMatch)
        #expect(r.mismatch?.hasPrefix("golden executor: output [") == true, "\(r.mismatch ?? "")")
    }

    /// Illegal programs stop the system with the error and the instruction, as the cycle model predicts.
    @Test func illegalProgramsStopWithTheModelsError() throws {
        var c = Self.config(2, 3, n: 2, p: 3)
        c.stallLimit = 200
        let tc = try SPSConvCase(config: c.engine, layer: try LayerSpec.parse("conv:ci=2,co=3,h=3,w=3,k=3,p=1"), seed: 1, scheme: .magnitude, inputAddressed: false)
        let model = try ModelBuilder.build(try Design.elaborate(try SPSSystem.build(c), parameters: c.parameters, style: .simulation))
        func both(_ program: [Instruction]) throws -> (SystemRun.Outcome, SystemRun.Outcome) {
            let dram = try DRAMModel(.init(capacity: 1 << 16, beatBytes: c.memory.beatBytes, readLatency: 4, writeLatency: 3))
            let rtl = try SPSSystemConvRun.runLoop(model: model, program: program, dram: dram, maxCycles: 5_000, quietCycles: 1_000)
            let predicted = try SPSSystemCycleModel(config: c).predict(program, layers: [], dram: try DRAMModel(.init(capacity: 1 << 16, beatBytes: c.memory.beatBytes, readLatency: 4, writeLatency: 3)),
                                                                        maxCycles: 5_000, quietCycles: 1_000)
            #expect(rtl.syncCycles == predicted.syncCycles)
            return (rtl.outcome, predicted.outcome)
        }
        _ = tc
        let load = Instruction.load(.init(bufferBase: 0, rows: 1, rowBeats: 2, entryBeats: 1, dramAddr: 0x100, dramStride: 0), buffer: .x, deps: .init())
        let cases: [([Instruction], SystemRun.Outcome)] = [
            // GEMM is the SAT engine's: illegal here.
            ([load, .gemm(.init(sparse: true, close: true, wBase: 0, xBase: 0, beats: 1, oBase: 0), deps: .init()), .sync], .error(.illegalOpcode, instruction: 1)),
            // No MBUF in this system.
            ([load, .load(.init(bufferBase: 0, rows: 1, rowBeats: 1, entryBeats: 1, dramAddr: 0, dramStride: 0), buffer: .m, deps: .init()), .sync], .error(.badBuffer, instruction: 1)),
            // A fill past XBUF (16 entries), a tile past OBUF (8 entries, R = 2), a layer past WBUF.
            ([load, .conv(.fill(xBase: 10, entries: 7, lineBase: 0), deps: .init()), .sync], .error(.bufferRange, instruction: 1)),
            ([.conv(.tile(phase: 0, wBase: 0, pixelRow: 0, pixelCol: 0, oBase: 7), deps: .init()), .sync], .error(.bufferRange, instruction: 0)),
            ([.conv(.layer(descriptor: 125), deps: .init()), .sync], .error(.bufferRange, instruction: 0)),
            // A CONV waiting for a load token nobody gives: the design's watchdog.
            ([load, .conv(.fill(xBase: 0, entries: 2, lineBase: 0), deps: .init(popPrev: true)), .sync], .error(.stalled, instruction: 0)),
        ]
        for (program, expected) in cases {
            let (rtl, predicted) = try both(program)
            #expect(rtl == expected, "\(program)")
            #expect(predicted == expected, "\(program)")
        }
        // CONV kind 3 is not an operation: an illegal instruction at the compute unit.
        var raw = try Instruction.conv(.layer(descriptor: 0), deps: .init()).encode()
        raw[0] |= 3 << 8
        let dram = try DRAMModel(.init(capacity: 1 << 16, beatBytes: c.memory.beatBytes, readLatency: 4, writeLatency: 3))
        let r = try SPSSystemConvRun.runLoop(model: model, words: [raw, try Instruction.sync.encode()], syncs: 1, dram: dram, maxCycles: 5_000, quietCycles: 1_000)
        #expect(r.outcome == .error(.illegalOpcode, instruction: 0))
    }

    /// The fixed pSConv assignment (P = 8, 4 of 9) through the system, on the first case's system.
    @Test func pSConvAssignment() throws {
        let c = Self.config(3, 4, n: 4, p: 8)
        let tc = try SPSConvCase(config: c.engine, layer: try LayerSpec.parse("conv:ci=9,co=10,h=5,w=4,k=3,p=1"), seed: 4, scheme: .psconv, inputAddressed: false)
        let r = try SPSSystemConvRun(config: c, testCase: tc, scheme: .psconv).run()
        #expect(r.match, "\(r.mismatch ?? "")")
    }

    /// `HWGEN_SPS_SYSTEM_RANDOM=N`: N random layers, arrays, n, P, ports, buffer sizes and DRAM
    /// timings (latency, bandwidth, seeded back-pressure) (each a
    /// new Verilator model).
    @Test func randomLayers() throws {
        let count = Int(ProcessInfo.processInfo.environment["HWGEN_SPS_SYSTEM_RANDOM"] ?? "") ?? 0
        var seed: UInt64 = 91
        for _ in 0..<count {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            func pick(_ r: ClosedRange<Int>, _ shift: UInt64) -> Int { r.lowerBound + Int((seed >> shift) % UInt64(r.count)) }
            let (ci, h, w) = (pick(1...9, 3), pick(3...9, 9), pick(3...9, 15))
            let layer = "conv:ci=\(ci),co=\(pick(1...17, 21)),h=\(h),w=\(w),k=3,s=\(pick(1...2, 27)),p=\(pick(0...2, 33))"
            let (rows, cols, n, p) = (pick(1...6, 39), pick(1...6, 45), pick(1...9, 51), pick(1...9, 57))
            let mem = [32, 64, 128][pick(0...2, 60)]
            // From one output row's input rows (bands) to more than the whole input.
            let lo = (ci * 3 * w * 8 + mem - 1) / mem, hi = (ci * h * w * 8 + mem - 1) / mem + 3
            let lineEntries = pick(lo...max(lo, hi), 62)
            let c = Self.config(rows, cols, n: n, p: p, mem: mem, buffers: [pick(1...8, 5), 64 + ci * 9, rows * pick(1...3, 11), lineEntries])
            let timing = DRAMTiming(bytesPerCycle: [nil, 3.5, 1.0][pick(0...2, 17)], readLatency: pick(1...40, 23), writeLatency: pick(1...20, 29),
                                    backPressure: pick(0...1, 35) == 1 ? 0.15 : nil, seed: seed)
            let r = try Self.run(layer, c, seed: seed, timing: timing)
            #expect(r.match, "\(layer) \(rows)x\(cols) n=\(n) P=\(p) mem \(mem) \(timing): \(r.mismatch ?? "")")
        }
    }
}
