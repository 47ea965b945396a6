import Compiler
import Cosim
import Formats
import Foundation
import HWLib
import SparseAccel
import SparseModel
import TestSupport

extension SATSystemConfig {
    /// The system as the instruction compiler sees it.
    public var compilerTarget: SystemTarget {
        get throws {
            try SystemTarget(rows: core.rows, cols: core.cols, n: core.n, m: core.m, dataBits: core.dataWidth, accBits: core.accWidth,
                             peLatency: core.pipeline.latency, beatBits: memory.dataBits, maxBeats: memory.maxBeats,
                             xEntries: denseEntries, wEntries: sparseEntries, mEntries: masterEntries, oEntries: outputEntries,
                             pEntries: pregenEntries, masterBits: weights.masterBits, fracBits: weights.fracBits, lrShift: weights.lrShift,
                             decayShift: weights.decayShift, backwardFromForward: weights.backwardFromForward, addressBits: memory.addrBits,
                             floatFormat: core.numerics.format, subnormals: core.subnormals)
        }
    }
}

/// The DRAM behind the memory port in a layer run: latency, bandwidth, seeded back-pressure.
public struct DRAMTiming: Sendable, Hashable, Codable {
    /// Bytes per cycle each way (nil: one beat per cycle).
    public var bytesPerCycle: Double?
    public var readLatency: Int
    public var writeLatency: Int
    /// Probability of each kind of random stall per cycle (nil: none).
    public var backPressure: Double?
    public var seed: UInt64

    public init(bytesPerCycle: Double? = nil, readLatency: Int = 20, writeLatency: Int = 10, backPressure: Double? = nil, seed: UInt64 = 1) {
        self.bytesPerCycle = bytesPerCycle
        self.readLatency = readLatency
        self.writeLatency = writeLatency
        self.backPressure = backPressure
        self.seed = seed
    }

    /// A fresh memory model of `capacity` bytes for `beatBytes`-byte beats.
    func model(capacity: Int, beatBytes: Int) throws -> DRAMModel {
        var c = DRAMModel.Config(capacity: capacity, beatBytes: beatBytes, readLatency: readLatency, writeLatency: writeLatency)
        if let b = bytesPerCycle {
            c.readBandwidth = .init(bytesPerCycle: b)
            c.writeBandwidth = .init(bytesPerCycle: b)
        }
        c.maxReadsInFlight = 64
        c.maxWritesInFlight = 64
        if let p = backPressure { c.backPressure = .init(probability: p) }
        return try DRAMModel(c, random: backPressure == nil ? nil : SplitMix64(seed: seed))
    }
}

/// One training step of one layer on the RTL of the SAT training system: compiled to an
/// instruction program, run in Verilator against a DRAM model, checked bit for bit against the
/// golden model (Y, dX, updated master weights, next Wf and Wbt) and cycle for cycle against the
/// cycle model (every SYNC, the array's beats, the memory beats).
public struct LayerRun {
    public let config: SATSystemConfig
    public let layer: LayerSpec
    public let batch: Int
    public let sparse: Bool
    public let order: ReductionOrder
    public let computeInputGradient: Bool
    public let seed: UInt64

    public init(config: SATSystemConfig, layer: LayerSpec, batch: Int, sparse: Bool, order: ReductionOrder = .channelsInnermost,
                computeInputGradient: Bool = true, seed: UInt64 = 1) {
        self.config = config
        self.layer = layer
        self.batch = batch
        self.sparse = sparse
        self.order = order
        self.computeInputGradient = computeInputGradient
        self.seed = seed
    }

    /// One phase (FF, BP, WU with update and pre-generation) of the step.
    public struct Phase: Sendable, Codable, Equatable {
        public let name: String
        /// Cycles from the previous SYNC (or the start) to this phase's SYNC.
        public let cycles: Int
        /// Beats the array consumed.
        public let beats: Int
        /// MACs the datapath issued (dense count x N/M when sparse, padding included) over
        /// R·C·N·cycles.
        public let utilisation: Double
        public let readBytes: Int
        public let writtenBytes: Int
        /// Each operand read once, each result written once.
        public let minimumReadBytes: Int
        public let minimumWrittenBytes: Int
    }

    public struct Report: Sendable, Codable {
        public let config: String
        public let layer: String
        public let batch: Int
        public let mode: String
        public let phases: [Phase]
        public let cycles: Int
        public let instructions: Int
        /// Every checked tensor matched the golden model.
        public let bitExact: Bool
        public let mismatches: [String]
        /// The RTL's cycles equal the cycle model's.
        public let cyclesMatchModel: Bool
        public let modelSyncCycles: [Int]
        public let rtlSyncCycles: [Int]
        public let elaborationSeconds: Double
        public let modelBuildSeconds: Double
        public let simulationSeconds: Double
    }

    /// The step's inputs (seeded) and its training options.
    func inputs() throws -> (master: ConvWeights<Int64>, x: Tensor4, dY: Tensor4, options: LayerTrainingOptions, target: SystemTarget) {
        let target = try config.compilerTarget
        let training = target.trainingOptions(sparse: sparse, reductionOrder: order, computeInputGradient: computeInputGradient)
        var rng = SplitMix64(seed: seed)
        if let f = training.float {
            // Float: random finite bf16 operands and fp32 masters (zeros of both signs and
            // subnormals among them, FloatPatterns.operand), as sign-extended patterns.
            let cf = f.update.computeFormat
            let master = try ConvWeights<Int64>(outChannels: layer.outChannels, inChannels: layer.inChannels, kernelSize: layer.kernelSize) { _, _, _, _ in
                FloatGEMM.signExtended(FloatPatterns.operand(.fp32, &rng), width: 32)
            }
            func tensor(_ shape: TensorShape) throws -> Tensor4 {
                try Tensor4(shape: shape) { _, _, _, _ in FloatGEMM.signExtended(FloatPatterns.operand(cf, &rng), width: cf.width) }
            }
            let x = try tensor(layer.inputShape(batch: batch)), dY = try tensor(layer.outputShape(batch: batch))
            return (master, x, dY, training, target)
        }
        let format = training.update.format
        let half = Int64(1) << Int64(format.masterBits - 2)
        let master = try ConvWeights<Int64>(outChannels: layer.outChannels, inChannels: layer.inChannels, kernelSize: layer.kernelSize) { _, _, _, _ in
            Int64(rng.below(Int(2 * half))) - half
        }
        let dBits = format.computeBits
        func tensor(_ shape: TensorShape) throws -> Tensor4 { try Tensor4(shape: shape) { _, _, _, _ in rng.signed(bits: dBits) } }
        let x = try tensor(layer.inputShape(batch: batch)), dY = try tensor(layer.outputShape(batch: batch))
        return (master, x, dY, training, target)
    }

    /// The cycle model's prediction for the step (no RTL, no golden model): per-phase SYNC
    /// cycles, beats and where the compute unit stalled.
    public func predict(dram timing: DRAMTiming = DRAMTiming()) throws -> (program: LayerProgram, prediction: SystemCycleModel.Prediction) {
        let i = try inputs()
        let program = try LayerProgram.compile(layer: layer, master: i.master, x: i.x, dY: i.dY, options: i.options, target: i.target)
        let capacity = (program.image.size + 4095) / 4096 * 4096
        let p = try SystemCycleModel(config: config).predict(program.instructions, dram: try timing.model(capacity: capacity, beatBytes: config.memory.beatBytes))
        return (program, p)
    }

    /// Compiles, runs and checks the step. A run that ends in an error or the watchdog throws a
    /// one-line `SimulationError` naming it.
    /// `progress` hears the phase running (FF, BP, WU; "done" after the last) and the cycles
    /// simulated so far, at each phase boundary and every ``SystemRun/progressInterval`` cycles.
    public func run(dram timing: DRAMTiming = DRAMTiming(), options: BuildOptions = BuildOptions(), waveform: String? = nil,
                    progress: ((_ phase: String, _ cycle: Int) -> Void)? = nil) throws -> Report {
        let (master, x, dY, training, target) = try inputs()
        let run = try SystemRun(config: config, options: options)
        return try execute(master: master, x: x, dY: dY, training: training, target: target, on: run, dram: timing, waveform: waveform,
                           progress: progress).report
    }

    /// Runs the step on given inputs (X, dY and the master in the numerics of `config`; the
    /// layer, batch and mode of `self`) on an elaborated system `run`, checked as ``run(dram:options:waveform:progress:)``
    /// checks a seeded step, and returns the outputs the RTL computed (decoded from its DRAM) with
    /// the report.
    public func run(master: ConvWeights<Int64>, x: Tensor4, dY: Tensor4, on run: SystemRun, dram timing: DRAMTiming = DRAMTiming())
        throws -> (report: Report, outputs: LayerStepOutputs) {
        let target = try config.compilerTarget
        let training = target.trainingOptions(sparse: sparse, reductionOrder: order, computeInputGradient: computeInputGradient)
        return try execute(master: master, x: x, dY: dY, training: training, target: target, on: run, dram: timing, waveform: nil, progress: nil)
    }

    func execute(master: ConvWeights<Int64>, x: Tensor4, dY: Tensor4, training: LayerTrainingOptions, target: SystemTarget, on run: SystemRun,
                 dram timing: DRAMTiming, waveform: String?, progress: ((_ phase: String, _ cycle: Int) -> Void)?)
        throws -> (report: Report, outputs: LayerStepOutputs) {
        let golden = try LayerTraining.step(layer: layer, master: master, x: x, dY: dY, options: training)
        let program = try LayerProgram.compile(layer: layer, master: master, x: x, dY: dY, options: training, target: target)

        let built = Date()
        let capacity = (program.image.size + 4095) / 4096 * 4096
        let memory = try timing.model(capacity: capacity, beatBytes: config.memory.beatBytes)
        try memory.load(program.image.bytes, at: 0)
        let names = program.phases.map(\.phase.rawValue)
        let result = try run.run(program.instructions, dram: memory, waveform: waveform, progress: progress.map { report in
            { p in report(p.syncs < names.count ? names[p.syncs] : "done", p.cycle) }
        })
        let simulated = Date()
        guard result.outcome == SystemRun.Outcome.completed else {
            throw SimulationError(description: "\(layer) on \(config.topName): \(result.outcome)")
        }
        let predicted = try SystemCycleModel(config: config).predict(program.instructions, dram: try timing.model(capacity: capacity, beatBytes: config.memory.beatBytes))

        // Bit-exact checks.
        var image = DRAMImage(size: program.image.size)
        image.write(try memory.bytes(at: 0, count: program.image.size), at: 0)
        let out = try program.decode(image)
        var mismatches: [String] = []
        if out.y != golden.y { mismatches.append("Y" + firstDifference(out.y, golden.y)) }
        if out.dX != golden.dX { mismatches.append("dX" + firstDifference(out.dX, golden.dX)) }
        if out.master != golden.master { mismatches.append("W' (updated master)") }
        if out.nextForward != golden.next.forwardOperand { mismatches.append("next Wf") }
        if out.nextBackward != golden.next.backwardOperand { mismatches.append("next Wbt") }

        let phases = phaseReports(program, syncCycles: result.syncCycles, endCycle: result.cycles, phaseBeats: predicted.phaseBeats, macs: golden.macs)
        let sameEnd: Bool = predicted.outcome == result.outcome && predicted.syncCycles == result.syncCycles
        let sameCounts: Bool = predicted.beats == result.beats && predicted.readBeats == result.readBeats && predicted.writeBeats == result.writeBeats
        let modelAgrees = sameEnd && sameCounts
        let report = Report(config: config.topName, layer: layer.description, batch: batch, mode: sparse ? "\(config.core.n):\(config.core.m)" : "dense",
                            phases: phases, cycles: result.syncCycles.last.map { $0 + 1 } ?? result.cycles, instructions: program.instructions.count,
                            bitExact: mismatches.isEmpty, mismatches: mismatches, cyclesMatchModel: modelAgrees,
                            modelSyncCycles: predicted.syncCycles, rtlSyncCycles: result.syncCycles,
                            elaborationSeconds: run.elaborationSeconds, modelBuildSeconds: run.model.buildSeconds,
                            simulationSeconds: simulated.timeIntervalSince(built))
        return (report, out)
    }

    /// Per-phase cycles (between SYNCs), beats, utilisation and traffic.
    func phaseReports(_ program: LayerProgram, syncCycles: [Int], endCycle: Int, phaseBeats: [Int], macs: StepMACs) -> [Phase] {
        let issued = [macs.forward.issued] + (computeInputGradient ? [macs.backwardData.issued] : []) + [macs.weightGradient.issued]
        var phases: [Phase] = []
        var previous = 0
        for (i, p) in program.phases.enumerated() {
            let end = i < syncCycles.count ? syncCycles[i] + 1 : endCycle
            let cycles = end - previous
            let peak = Double(config.core.rows * config.core.cols * config.core.n * max(1, cycles))
            phases.append(Phase(name: p.phase.rawValue, cycles: cycles, beats: i < phaseBeats.count ? phaseBeats[i] : 0,
                                utilisation: Double(issued[i]) / peak, readBytes: p.readBytes, writtenBytes: p.writtenBytes,
                                minimumReadBytes: p.minimumReadBytes, minimumWrittenBytes: p.minimumWrittenBytes))
            previous = end
        }
        return phases
    }

    /// The cycle model's report for the step, shaped like a co-simulated one (no RTL, no golden
    /// tensors: `bitExact` and `cyclesMatchModel` are false, the RTL cycles empty). For sizing
    /// and sweeps between co-simulated points.
    public func modelReport(dram timing: DRAMTiming = DRAMTiming()) throws -> Report {
        let i = try inputs()
        let (program, p) = try predict(dram: timing)
        guard p.outcome == .completed else { throw SimulationError(description: "\(layer) on \(config.topName): the cycle model ends in \(p.outcome)") }
        let macs = LayerTraining.macs(layer: layer, batch: batch, options: i.options)
        let phases = phaseReports(program, syncCycles: p.syncCycles, endCycle: p.cycles, phaseBeats: p.phaseBeats, macs: macs)
        return Report(config: config.topName, layer: layer.description, batch: batch, mode: sparse ? "\(config.core.n):\(config.core.m)" : "dense",
                      phases: phases, cycles: p.syncCycles.last.map { $0 + 1 } ?? p.cycles, instructions: program.instructions.count,
                      bitExact: false, mismatches: [], cyclesMatchModel: false, modelSyncCycles: p.syncCycles, rtlSyncCycles: [],
                      elaborationSeconds: 0, modelBuildSeconds: 0, simulationSeconds: 0)
    }
}

/// " at [b][h][w][c]: got g, expected e" for the first differing element, or "" (shapes differ: the shapes).
func firstDifference(_ got: Tensor4?, _ expected: Tensor4?) -> String {
    guard let g = got, let e = expected else { return got == nil ? ": missing" : ": unexpected" }
    guard g.shape == e.shape else { return ": shape \(g.shape), expected \(e.shape)" }
    let s = g.shape
    for b in 0..<s.batch { for h in 0..<s.height { for w in 0..<s.width { for c in 0..<s.channels where g[b, h, w, c] != e[b, h, w, c] {
        return " at [\(b)][\(h)][\(w)][\(c)]: got \(g[b, h, w, c]), expected \(e[b, h, w, c])"
    } } } }
    return ""
}
