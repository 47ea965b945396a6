import Cosim
import Formats
import Foundation
import SparseAccel
import SparseModel
import TestSupport

/// Several float (bf16 or fp16) training steps of a sequential network (small-cnn) with every layer's
/// GEMMs and weight updates on the RTL of the SAT training system and the host work (ReLU,
/// pooling, loss) in `Float` (``SparseModel/FloatNetworkTraining``), against an independent
/// golden run of the same steps from the same initial weights and batch.
///
/// Per step and layer the RTL runs two layer programs (``LayerRun``): one for the forward pass
/// (its dY is zero; only Y is used, the update discarded, since dY is known only after the loss)
/// and the training step proper with the real dY (FF again, BP, WU, update, pre-generation). Each
/// program is checked bit for bit against the golden layer step on the same inputs and cycle for
/// cycle against the cycle model. The golden run never sees the RTL's outputs: its losses and
/// final master weights are compared with the RTL run's bit for bit.
///
/// The static loss scale 2^`lossScaleShift` multiplies the loss gradient on the host in both
/// runs; `config.weights.lrShift` is the update unit's shift, i.e. the learning rate's shift plus
/// the loss-scale shift (``SparseModel/FloatNetworkTraining``).
public struct FloatTrainRun {
    public let config: SATSystemConfig
    public let network: Network
    public let batch: Int
    public let steps: Int
    public let seed: UInt64
    public let dram: DRAMTiming
    public let lossScaleShift: Int

    public init(config: SATSystemConfig, network: Network, batch: Int, steps: Int, seed: UInt64 = 1, dram: DRAMTiming = DRAMTiming(),
                lossScaleShift: Int = 0) {
        self.config = config
        self.network = network
        self.batch = batch
        self.steps = steps
        self.seed = seed
        self.dram = dram
        self.lossScaleShift = lossScaleShift
    }

    public struct Step: Sendable, Codable, Equatable {
        public let step: Int
        /// The loss computed from the RTL's outputs, and the golden run's.
        public let loss: Float
        public let goldenLoss: Float
        /// Cycles of the step's training programs (FF, BP, WU, update of every layer) and of all
        /// programs simulated for the step (the forward-pass programs included).
        public let stepCycles: Int
        public let simulatedCycles: Int
        /// Every layer program bit-exact against the golden layer step; cycles equal the model's.
        public let bitExact: Bool
        public let cyclesMatchModel: Bool
        public let mismatches: [String]
        /// The RTL run's host roundings to the compute format this step: activations (the next
        /// layers' X) and gradients (the layers' dY, loss scale included).
        public let activations: FloatNetworkTraining.NarrowingStats
        public let gradients: FloatNetworkTraining.NarrowingStats
    }

    public struct Report: Sendable, Codable {
        public let config: String
        public let model: String
        public let batch: Int
        /// The operand format (bf16 or fp16) and the loss-scale shift S (scale 2^S).
        public let format: String
        public let lossScaleShift: Int
        public let steps: [Step]
        /// The final master weights of every layer equal the golden run's bit for bit.
        public let weightsEqual: Bool
        public let simulationSeconds: Double
        public let elaborationSeconds: Double
        public let modelBuildSeconds: Double

        /// Losses bit-equal, every program exact, weights equal.
        public var ok: Bool {
            weightsEqual && steps.allSatisfy { $0.bitExact && $0.cyclesMatchModel && $0.loss.bitPattern == $0.goldenLoss.bitPattern }
        }
        /// Every step's loss is below the previous step's (and there are at least two steps).
        public var lossFalls: Bool { steps.count >= 2 && zip(steps, steps.dropFirst()).allSatisfy { $1.loss < $0.loss } }
        /// Simulated cycles per second of simulation (model build excluded).
        public var cyclesPerSecond: Double { Double(steps.reduce(0) { $0 + $1.simulatedCycles }) / max(simulationSeconds, 1e-9) }

        public var text: String {
            var lines = ["\(model) on \(config), batch \(batch), \(steps.count) steps (\(format) operands, fp32 sums and masters, "
                + "loss scale 2^\(lossScaleShift))"]
            lines.append("  step        loss (RTL)   loss (golden)   step cycles   simulated   checks")
            for s in steps {
                lines.append(String(format: "  %4d  %16.9g  %14.9g   %11d  %10d   %@", s.step, s.loss, s.goldenLoss, s.stepCycles, s.simulatedCycles,
                                    s.bitExact && s.cyclesMatchModel && s.loss.bitPattern == s.goldenLoss.bitPattern
                                        ? "bit-exact, cycles = model" : "MISMATCH " + s.mismatches.prefix(3).joined(separator: "; ")))
            }
            let g = steps.reduce(FloatNetworkTraining.NarrowingStats()) { $0 + $1.gradients }
            let a = steps.reduce(FloatNetworkTraining.NarrowingStats()) { $0 + $1.activations }
            lines.append("\(format) gradients (dY): \(g.nonZero) non-zero, \(g.flushedToZero) flushed to 0, \(g.subnormal) subnormal, "
                + "\(g.overflowed) overflowed; activations: \(a.nonZero) non-zero, \(a.flushedToZero) flushed to 0, \(a.subnormal) subnormal, "
                + "\(a.overflowed) overflowed")
            lines.append("final weights " + (weightsEqual ? "bit-equal to the golden run" : "DIFFER from the golden run")
                + "; loss " + (lossFalls ? "falls at every step" : "does NOT fall at every step")
                + String(format: "; %.0f cycles/s simulated (%.1f s)", cyclesPerSecond, simulationSeconds))
            lines.append(ok ? "OK" : "MISMATCH")
            return lines.joined(separator: "\n")
        }
    }

    /// The seeded batch (compute-format patterns in [−1, 1), labels b mod classes) and initial fp32 masters
    /// (uniform in ±sqrt(3 / fan-in)).
    public func inputs() throws -> (images: Tensor4, labels: [Int], masters: [ConvWeights<Int64>]) {
        var rng = SplitMix64(seed: seed)
        func uniform() -> Float { Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1 }
        let first = network.layers[0].spec
        let format = config.core.numerics.format ?? .bf16
        let images = try Tensor4(shape: first.inputShape(batch: batch)) { _, _, _, _ in
            FloatGEMM.signExtended(format.narrowed(fromFP32: uniform().bitPattern), width: format.width)
        }
        let classes = network.layers.last!.spec.outChannels
        let masters = try network.layers.map { l in
            let scale = (3 / Float(l.spec.forwardReductionLength)).squareRoot()
            return try ConvWeights<Int64>(outChannels: l.spec.outChannels, inChannels: l.spec.inChannels, kernelSize: l.spec.kernelSize) { _, _, _, _ in
                FloatGEMM.signExtended((uniform() * scale).bitPattern, width: 32)
            }
        }
        return (images, (0..<batch).map { $0 % classes }, masters)
    }

    /// Runs the steps on the RTL and the golden model. `progress` hears one line per layer program.
    public func run(options: BuildOptions = BuildOptions(), progress: ((String) -> Void)? = nil) throws -> Report {
        guard let format = config.core.numerics.format else {
            throw SimulationError(description: "float training runs a bf16 or fp16 sat-system, not \(config.core.numerics)")
        }
        guard batch >= 1, steps >= 1 else { throw SimulationError(description: "float training needs a batch and steps ≥ 1") }
        let training = try FloatNetworkTraining(network, computeFormat: format, lossScaleShift: lossScaleShift)
        let target = try config.compilerTarget
        let layers = network.layers
        func layerRun(_ i: Int) -> LayerRun {
            LayerRun(config: config, layer: layers[i].spec, batch: batch, sparse: !layers[i].dense,
                     computeInputGradient: layers[i].needsInputGradient, seed: seed)
        }
        let (images, labels, initial) = try inputs()
        let system = try SystemRun(config: config, options: options)

        // The RTL run: each layer program checked as it goes.
        var stepCycles = 0, simulated = 0, exact = true, cyclesOK = true, mismatches: [String] = []
        var simSeconds = 0.0
        func record(_ r: LayerRun.Report, _ what: String, training: Bool) {
            simulated += r.cycles
            if training { stepCycles += r.cycles }
            simSeconds += r.simulationSeconds
            exact = exact && r.bitExact
            cyclesOK = cyclesOK && r.cyclesMatchModel
            if !r.bitExact { mismatches.append("\(what): \(r.mismatches.joined(separator: ", "))") }
            if !r.cyclesMatchModel { mismatches.append("\(what): cycles \(r.rtlSyncCycles) vs model \(r.modelSyncCycles)") }
            progress?("\(what): \(r.cycles) cycles" + (r.bitExact && r.cyclesMatchModel ? "" : " MISMATCH"))
        }
        var step = 0
        let rtl = FloatNetworkTraining.LayerExecutor(forward: { i, master, x in
            let dY = try Tensor4(shape: layers[i].spec.outputShape(batch: x.shape.batch))
            let (r, out) = try layerRun(i).run(master: master, x: x, dY: dY, on: system, dram: dram)
            record(r, "step \(step + 1) \(layers[i].name) forward", training: false)
            return out.y
        }, step: { i, master, x, dY in
            let (r, out) = try layerRun(i).run(master: master, x: x, dY: dY, on: system, dram: dram)
            record(r, "step \(step + 1) \(layers[i].name) train", training: true)
            return (out.dX, out.master)
        })
        let golden = FloatNetworkTraining.golden(layers: layers.map(\.spec)) { i in
            target.trainingOptions(sparse: !layers[i].dense, computeInputGradient: layers[i].needsInputGradient)
        }
        var masters = initial, goldenMasters = initial
        var reports: [Step] = []
        for s in 0..<steps {
            step = s
            stepCycles = 0
            simulated = 0
            exact = true
            cyclesOK = true
            mismatches = []
            var activations = FloatNetworkTraining.NarrowingStats(), gradients = FloatNetworkTraining.NarrowingStats()
            let loss = try training.step(masters: &masters, images: images, labels: labels, executor: rtl,
                                         activations: &activations, gradients: &gradients)
            let goldenLoss = try training.step(masters: &goldenMasters, images: images, labels: labels, executor: golden)
            reports.append(Step(step: s + 1, loss: loss, goldenLoss: goldenLoss, stepCycles: stepCycles, simulatedCycles: simulated,
                                bitExact: exact, cyclesMatchModel: cyclesOK, mismatches: mismatches,
                                activations: activations, gradients: gradients))
            progress?(String(format: "step %d: loss %.9g (golden %.9g)", s + 1, loss, goldenLoss))
        }
        let weightsEqual = zip(masters, goldenMasters).allSatisfy { $0.storage == $1.storage }
        return Report(config: config.topName, model: network.name, batch: batch, format: format.rawValue, lossScaleShift: lossScaleShift,
                      steps: reports, weightsEqual: weightsEqual,
                      simulationSeconds: simSeconds, elaborationSeconds: system.elaborationSeconds, modelBuildSeconds: system.model.buildSeconds)
    }
}
