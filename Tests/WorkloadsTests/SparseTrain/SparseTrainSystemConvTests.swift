import Compiler
import Cosim
import Formats
import HWLib
import Foundation
import SparseAccel
import SparseModel
import Testing
import Workloads

/// The SparseTrain training system in Verilator: conv phases compiled to instruction streams,
/// outputs read back from the DRAM model bit-exact with the golden convolution, the array's own
/// cycles equal to the golden count, the system's cycles equal to its cycle model; and illegal
/// programs stopping with the right error.
@Suite(.enabled(if: verilatorEnabled, "needs verilator; run Scripts/setup"), .serialized)
struct SparseTrainSystemConvTests {
    /// 2x2 PEs, 5 taps, 8 accumulators, 32 words and 4 slots per bank, a 256-bit port: layers
    /// take many runs, so loading, running and draining overlap across both banks.
    static let config = SparseTrainSystemConfig(array: SparseTrainConfig(rows: 2, cols: 2, taps: 5, outputs: 8, depth: 32, slots: 4, banks: 2),
                                                memory: MemoryPortSpec(addrBits: 32, dataBits: 256, maxBeats: 8),
                                                xEntries: 64, wEntries: 4, oEntries: 32, stallLimit: 2000)
    nonisolated(unsafe) static var shared: SparseTrainSystemRun?

    static func runner() throws -> SparseTrainSystemRun {
        if let r = shared { return r }
        let r = try SparseTrainSystemRun(config: config)
        shared = r
        return r
    }

    static func check(_ ops: SparseTrainOperands, _ phases: [ConvPhase] = ConvPhase.allCases, minRuns: Int = 3) throws {
        for phase in phases {
            let r = try SparseTrainSystemConv.run(phase, ops, runner: try runner())
            #expect(r.ok, "\(r.text)")
            for m in [r.sparse] + (r.dense.map { [$0] } ?? []) {
                #expect(m.arrayCycles == m.modelArrayCycles && m.systemCycles == m.modelSystemCycles, "\(phase) \(m.mode)")
                #expect(m.systemCycles > m.arrayCycles, "loading and draining cost cycles")
            }
            #expect(r.dense!.runs >= minRuns, "\(phase): the case needs several runs to exercise the ping-pong banks")
        }
    }

    typealias Conv = SparseTrainConvTests

    @Test func emptyRowsAndAllZeroRows() throws {
        let l = try Conv.layer(2, 3, 6, 11, 3, 1, 1)
        try Self.check(Conv.operands(l, x: { c, h, w in h == 1 || h == 4 ? 0 : Int64((c + h * 3 + w) % 5) * 100 },
                                     dy: { c, h, w in h == 0 || h == 5 ? 0 : Int64((c * 2 + h + w * 3) % 7) - 3 }))
        let zero = Conv.operands(l, x: { _, _, _ in 0 }, dy: { _, _, _ in 0 })
        let r = try SparseTrainSystemConv.run(.ff, zero, runner: try Self.runner())
        #expect(r.ok && r.sparse.runs == 0 && r.sparse.systemCycles == 0)
    }

    @Test func allDenseRowsAndSingleNonZerosAtEdges() throws {
        let l = try Conv.layer(2, 2, 5, 9, 3, 1, 1)
        try Self.check(Conv.operands(l, x: { c, h, w in Int64(1 + (c + h + w) % 9) * 37 }, dy: { c, h, w in Int64(1 + (c * 3 + h + w) % 5) * -11 }))
        let e = try Conv.layer(1, 2, 4, 17, 3, 1, 1)
        try Self.check(Conv.operands(e, x: { _, h, w in w == 0 ? 5 : (w == 16 ? Int64(-7 - h) : 0) },
                                     dy: { c, h, w in (w == 0 || w == 16) && (c + h) % 2 == 0 ? 300 : 0 }), minRuns: 1)
    }

    @Test func maskedOutputsInBP() throws {
        let l = try Conv.layer(2, 2, 6, 10, 3, 1, 1)
        try Self.check(Conv.operands(l, x: { c, h, w in (h + w + c) % 2 == 0 ? Int64(10 + w) : 0 }, dy: { c, h, w in Int64((c + h * 5 + w) % 9) - 4 }), [.bp])
    }

    @Test(arguments: [(2, 1), (2, 0)])
    func strideAndPadding(_ s: Int, _ p: Int) throws {
        let l = try Conv.layer(2, 2, 11, 13, 3, s, p)
        try Self.check(Conv.operands(l, x: { c, h, w in (c + h * w) % 3 == 0 ? 0 : Int64((c * 5 + h + w) % 13) - 6 },
                                     dy: { c, h, w in (c + h + w) % 3 == 1 ? 0 : Int64((c + 2 * h + w) % 9) - 4 }))
    }

    @Test func randomPrunedLayer() throws {
        let l = try Conv.layer(4, 4, 8, 8, 3, 1, 1)
        try Self.check(try SparseTrainOperands.random(layer: l, seed: 7, prune: 0.9, lanes: 2))
    }

    /// Loading and draining overlap with the runs: a many-run layer takes fewer system cycles
    /// than the array's cycles plus the compute unit's loading and draining cycles, and the
    /// memory port's read beats.
    @Test func loadingAndDrainingOverlapTheRuns() throws {
        let l = try Conv.layer(4, 4, 10, 10, 3, 1, 1)
        let ops = Conv.operands(l, x: { c, h, w in Int64(1 + (c + h + w) % 9) * 37 }, dy: { c, h, w in Int64(1 + (c * 3 + h + w) % 5) * -11 })
        let r = try SparseTrainSystemConv.run(.ff, ops, runner: try Self.runner())
        #expect(r.ok, "\(r.text)")
        let d = try #require(r.dense)
        #expect(d.runs >= 8)
        #expect(d.systemCycles < d.arrayCycles + d.loadDrainCycles + d.readBeats, "\(r.text)")
        #expect(d.systemCycles < d.arrayCycles + d.loadDrainCycles, "\(r.text)")
    }

    /// A slow memory (8 bytes per cycle, other latencies): the system waits longer for its
    /// operands, and the cycle model still predicts every cycle.
    @Test func slowMemoryKeepsTheCycleModelExact() throws {
        let l = try Conv.layer(3, 4, 8, 8, 3, 1, 1)
        let ops = try SparseTrainOperands.random(layer: l, seed: 11, prune: 0.8, lanes: 2)
        let fast = try SparseTrainSystemConv.run(.ff, ops, runner: try Self.runner(), dense: false)
        let slow = try SparseTrainSystemConv.run(.ff, ops, runner: try Self.runner(), dense: false,
                                                 timing: DRAMTiming(bytesPerCycle: 8, readLatency: 7, writeLatency: 3))
        #expect(fast.ok && slow.ok, "\(slow.text)")
        #expect(slow.sparse.systemCycles > fast.sparse.systemCycles && slow.sparse.arrayCycles == fast.sparse.arrayCycles)
    }

    /// Illegal programs: the system stops with the error code and instruction the cycle model
    /// predicts.
    @Test func illegalProgramsStopWithTheError() throws {
        let c = Self.config
        let run = try Self.runner()
        func dram() throws -> DRAMModel { try DRAMModel(.init(capacity: 1 << 16, beatBytes: c.memory.beatBytes, readLatency: 4, writeLatency: 3)) }
        let loadW = Instruction.load(.init(bufferBase: 0, rows: 1, rowBeats: c.wChunks, entryBeats: c.wChunks, dramAddr: 0, dramStride: 0), buffer: .w, deps: .init())
        let gemm = Instruction.gemm(.init(sparse: true, close: true, wBase: 0, xBase: 0, beats: 1, oBase: 0), deps: .init())
        let loadM = Instruction.load(.init(bufferBase: 0, rows: 1, rowBeats: 1, entryBeats: 1, dramAddr: 0, dramStride: 0), buffer: .m, deps: .init())
        let storeP = Instruction.store(.init(bufferBase: 0, rows: 1, rowBeats: 1, entryBeats: 1, dramAddr: 0, dramStride: 0), buffer: .p, deps: .init())
        let tooMany = Instruction.run(.init(wBase: 0, xBase: 0, words: 1, oBase: 0, slots: c.array.slots + 1, strideLog2: 0), deps: .init())
        let zero = Instruction.run(.init(wBase: 0, xBase: 0, words: 1, oBase: 0, slots: 1, strideLog2: 0), deps: .init())
        let waiting = Instruction.run(.init(wBase: 0, xBase: 0, words: 1, oBase: 0, slots: 1, strideLog2: 0), deps: .init(popPrev: true))
        let cases: [([[UInt64]], SystemRun.Outcome)] = [
            (try [loadW.encode(), gemm.encode(), Instruction.sync.encode()], .error(.illegalOpcode, instruction: 1)),
            (try [loadW.encode(), [9, 0], Instruction.sync.encode()], .error(.illegalOpcode, instruction: 1)),
            (try [loadM.encode(), Instruction.sync.encode()], .error(.badBuffer, instruction: 0)),
            (try [storeP.encode(), Instruction.sync.encode()], .error(.badBuffer, instruction: 0)),
            (try [loadW.encode(), tooMany.encode(), Instruction.sync.encode()], .error(.bufferRange, instruction: 1)),
            (try [loadW.encode(), Self.patched(zero, .words, 0), Instruction.sync.encode()], .error(.zeroCount, instruction: 1)),
            (try [loadW.encode(), waiting.encode(), Instruction.sync.encode()], .error(.stalled, instruction: 0)),
        ]
        for (words, expected) in cases {
            let r = try run.run(words: words, dram: dram(), syncs: 1, maxCycles: 20_000, quietCycles: 5_000)
            #expect(r.outcome == expected, "\(words)")
            if let program = try? words.map({ try Instruction.decode($0) }) {
                let m = try SparseTrainSystemCycleModel(config: c).predict(program, dram: dram(), runs: [1], maxCycles: 20_000, quietCycles: 5_000)
                #expect(m.outcome == expected, "model: \(program)")
            }
        }
    }

    /// `insn` with `field` set to `value` (what no encoder produces).
    static func patched(_ insn: Instruction, _ field: InstructionLayout.Field, _ value: UInt64) throws -> [UInt64] {
        var w = try insn.encode()
        let r = InstructionLayout.range(field)
        for b in r {
            let bit = (value >> UInt64(b - r.lowerBound)) & 1
            w[b / 64] = (w[b / 64] & ~(1 << UInt64(b % 64))) | (bit << UInt64(b % 64))
        }
        return w
    }
}
