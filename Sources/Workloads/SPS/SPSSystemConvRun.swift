import Compiler
import Cosim
import Formats
import Foundation
import HWCore
import SparseAccel
import SparseModel

/// Runs an ``SPSConvCase`` through the SPS system: compiles the layer to a DRAM image and an
/// instruction stream (``Compiler/SPSSystemProgram``), executes it on the golden executor
/// (``Compiler/SPSExecutor``) and on the Verilated system against a ``Cosim/DRAMModel``, reads the
/// output tensor back from both DRAMs and compares each bit for bit with the golden conv, and the
/// SYNC cycle (the design's `cycles` counter at `sync_done`) and the counters with
/// ``SPSSystemCycleModel``.
public struct SPSSystemConvRun {
    public let config: SPSSystemConfig
    public let testCase: SPSConvCase
    public let scheme: PPSScheme
    public let timing: DRAMTiming

    /// `testCase` must be built for `config.engine` (the core as the system instantiates it).
    public init(config: SPSSystemConfig, testCase: SPSConvCase, scheme: PPSScheme, timing: DRAMTiming = DRAMTiming()) throws {
        guard testCase.config == config.engine else { throw ConfigError("the conv case is not built for this system's core") }
        self.config = config
        self.testCase = testCase
        self.scheme = scheme
        self.timing = timing
    }

    /// The compiler's view of `config`.
    public static func target(_ c: SPSSystemConfig) -> SPSSystemTarget {
        SPSSystemTarget(rows: c.core.rows, cols: c.core.cols, kernelSize: c.core.kernelSize, patternNNZ: c.core.patternNNZ, period: c.core.period,
                        dataBits: c.core.dataWidth, accBits: c.core.accWidth, beatBits: c.memory.dataBits, xEntries: c.xEntries,
                        wEntries: c.wEntries, oEntries: c.oEntries, lineEntries: c.lineEntries, wChunks: c.wChunks, oChunks: c.oChunks)
    }

    /// The compiled program of the case.
    public func compile() throws -> SPSSystemProgram {
        try SPSSystemProgram(program: testCase.program, input: testCase.input, target: Self.target(config))
    }

    /// - Parameter substitute: a program to run instead of the compiled one (tests feed broken ones).
    public func run(options: BuildOptions = BuildOptions(), waveform: String? = nil, program substitute: [Instruction]? = nil) throws -> SPSSystemConvReport {
        let compiled = try compile()
        let program = substitute ?? compiled.instructions
        let layer = testCase.layer
        let reference = try testCase.reference()
        var firstMismatch: String?
        func compare(_ got: [Int64], _ who: String) -> Bool {
            let (ho, wo) = (layer.outHeight, layer.outWidth)
            for (i, v) in got.enumerated() where v != reference[i] {
                if firstMismatch == nil {
                    let co = i / (ho * wo), p = i % (ho * wo)
                    firstMismatch = "\(who): output [\(co)][\(p / wo)][\(p % wo)]: expected \(reference[i]), got \(v)"
                }
                return false
            }
            return true
        }

        // The golden executor.
        var goldenImage = compiled.image
        var executor = SPSExecutor(target: compiled.target)
        try executor.run(program, image: &goldenImage)
        let goldenOK = compare(compiled.outputTensor(goldenImage), "golden executor")

        // The RTL.
        let t0 = Date()
        let design = try Design.elaborate(try SPSSystem.build(config), parameters: config.parameters, style: .simulation)
        let elaboration = Date().timeIntervalSince(t0)
        let model = try ModelBuilder.build(design, options: waveform == nil ? options : BuildOptions(trace: true))
        let dram = try timing.model(capacity: compiled.image.size, beatBytes: config.memory.beatBytes)
        try dram.load(compiled.image.bytes, at: 0)
        let begin = Date()
        let result = try SystemRunLoop.run(model: model, words: try program.map { try $0.encode() }, dram: dram,
                                           syncs: program.filter { $0.opcode == .sync }.count, waveform: waveform)
        let seconds = Date().timeIntervalSince(begin)
        var rtlImage = compiled.image
        rtlImage.write(try dram.bytes(at: compiled.outputRegion.base, count: compiled.outputRegion.bytes), at: compiled.outputRegion.base)
        let completed = result.outcome == .completed
        if !completed, firstMismatch == nil { firstMismatch = "RTL: \(result.outcome)" }
        let rtlOK = completed && compare(compiled.outputTensor(rtlImage), "RTL")

        // The cycle model.
        let predicted = try SPSSystemCycleModel(config: config).predict(program, layers: compiled.descriptors,
                                                                         dram: try timing.model(capacity: compiled.image.size, beatBytes: config.memory.beatBytes))
        let cyclesOK = predicted.outcome == result.outcome && predicted.syncCycles == result.syncCycles && predicted.beats == result.beats
            && predicted.readBeats == result.readBeats && predicted.writeBeats == result.writeBeats
        if !cyclesOK, firstMismatch == nil {
            firstMismatch = "cycles: RTL \(result.outcome), SYNC at \(result.syncCycles), beats \(result.beats), read \(result.readBeats), written \(result.writeBeats); "
                + "model \(predicted.outcome), SYNC at \(predicted.syncCycles), beats \(predicted.beats), read \(predicted.readBeats), written \(predicted.writeBeats)"
        }

        let e = config.engine, k2 = e.kernelSize * e.kernelSize
        let coreCycles = SPSCycleModel.layerCycles(layer: layer, slots: e.patternNNZ, period: e.period, rows: e.rows, cols: e.cols)
        let dense = SPSCycleModel.layerCycles(layer: layer, slots: k2, period: 1, rows: e.rows, cols: e.cols)
        let systemCycles = result.syncCycles.last ?? result.cycles
        let dma = compiled.dmaBytes
        return SPSSystemConvReport(
            design: "sps-system", top: design.top, layer: layer.description, rows: e.rows, cols: e.cols, patternNNZ: e.patternNNZ, period: e.period,
            scheme: scheme.rawValue, seed: testCase.seed, instructions: program.count, bands: compiled.bands.count, tiles: executor.tiles,
            match: goldenOK && rtlOK && cyclesOK, goldenMatch: goldenOK, outputsMatch: rtlOK, cyclesMatch: cyclesOK, mismatch: firstMismatch,
            outcome: result.outcome.description, systemCycles: systemCycles, modelCycles: predicted.syncCycles.last ?? predicted.cycles,
            coreCycles: coreCycles, denseCoreCycles: dense, beats: result.beats, readBeats: result.readBeats, writeBeats: result.writeBeats,
            dmaReadBytes: dma.read, dmaWrittenBytes: dma.written, overheadPercent: 100 * Double(systemCycles - coreCycles) / Double(max(1, coreCycles)),
            speedupVsDenseCore: Double(dense) / Double(max(1, systemCycles)), idealSpeedup: Double(k2) / Double(e.patternNNZ),
            weightSlots: compiled.weightSlots, outputSlots: compiled.outputSlots, simulatedCycles: result.cycles,
            cyclesPerSecond: Double(result.cycles) / max(seconds, 1e-9), elaborationSeconds: elaboration, buildSeconds: model.buildSeconds)
    }
}

extension SPSSystemConvRun {
    /// Runs `program` on a built SPS-system model against `dram` (for tests and tools that
    /// drive the system directly), waiting for its SYNCs.
    public static func runLoop(model: CompiledModel, program: [Instruction], dram: DRAMModel, maxCycles: Int = 50_000_000,
                               quietCycles: Int = 100_000) throws -> SystemRun.Result {
        try runLoop(model: model, words: try program.map { try $0.encode() }, syncs: program.filter { $0.opcode == .sync }.count, dram: dram,
                    maxCycles: maxCycles, quietCycles: quietCycles)
    }

    /// Runs encoded instructions (any bits, so a test can feed what no encoder produces).
    public static func runLoop(model: CompiledModel, words: [[UInt64]], syncs: Int, dram: DRAMModel, maxCycles: Int = 50_000_000,
                               quietCycles: Int = 100_000) throws -> SystemRun.Result {
        try SystemRunLoop.run(model: model, words: words, dram: dram, syncs: syncs, maxCycles: maxCycles, quietCycles: quietCycles)
    }
}
