import Cosim
import Foundation
import HWLib
import SparseAccel
import SparseModel
import Testing
import Workloads

/// bf16 training on the RTL of the SAT training system: layer steps bit-exact against the float
/// golden step and cycle-exact against the cycle model, and multi-step training of a small
/// sequential network whose losses and weights equal an independent golden run's bit for bit.
@Suite(.enabled(if: verilatorEnabled, "needs verilator; run Scripts/setup"), .serialized)
struct SATSystemFloatTrainTests {
    static func system(lrShift: Int = 8) -> SATSystemConfig {
        SATSystemConfig(core: SATConfig(rows: 4, cols: 4, n: 2, m: 4, numerics: .bf16), memory: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 8),
                        denseEntries: 64, sparseEntries: 64, masterEntries: 32, outputEntries: 32, pregenEntries: 16,
                        weights: .float(lrShift: lrShift))
    }

    /// FF, BP, WU with the fp32 update and pre-generation: a 2:4 conv with padding and stride, a
    /// dense FC whose reduction (9) is padded to M, a dense first conv (no dX) under back-pressure.
    @Test(arguments: [
        ("2:4 conv 3x3 s2 p1, batch 2", try! LayerSpec.conv(inChannels: 4, outChannels: 8, height: 5, width: 5, kernelSize: 3, stride: 2, padding: 1), true, true),
        ("dense FC 9->4, batch 2", try! LayerSpec.fullyConnected(inFeatures: 9, outFeatures: 4), false, true),
        ("dense first conv, no dX", try! LayerSpec.conv(inChannels: 3, outChannels: 4, height: 4, width: 4, kernelSize: 3, stride: 1, padding: 1), false, false),
    ])
    func layerStepBitAndCycleExact(_ name: String, _ layer: LayerSpec, _ sparse: Bool, _ bp: Bool) throws {
        let dram = DRAMTiming(readLatency: 7, writeLatency: 3, backPressure: bp ? nil : 0.15, seed: 5)
        let r = try LayerRun(config: Self.system(), layer: layer, batch: 2, sparse: sparse, computeInputGradient: bp, seed: 3).run(dram: dram)
        #expect(r.bitExact, "\(name): \(r.mismatches)")
        #expect(r.cyclesMatchModel, "\(name): model \(r.modelSyncCycles), RTL \(r.rtlSyncCycles)")
        #expect(r.phases.count == (bp ? 3 : 2))
    }

    /// A small-cnn in miniature (conv 3->4 with ReLU and a 2x2 pool, a 2:4 conv 4->4 with ReLU,
    /// FC 36->3): three steps on one batch, every layer on the RTL, losses from the RTL's outputs
    /// bit-equal to the golden run's and falling, final weights equal.
    @Test func tinyNetworkTrainsBitExact() throws {
        let r = try FloatTrainRun(config: Self.system(lrShift: 2), network: try Self.tinyNetwork(), batch: 3, steps: 3, seed: 11,
                                  dram: DRAMTiming(readLatency: 5, writeLatency: 2)).run()
        #expect(r.steps.count == 3)
        #expect(r.ok, "\(r.text)")
        #expect(r.lossFalls, "\(r.steps.map(\.loss))")
        #expect(r.steps.allSatisfy { $0.stepCycles > 0 && $0.simulatedCycles > $0.stepCycles })
    }

    static func tinyNetwork() throws -> Network {
        let conv1 = try LayerSpec.conv(inChannels: 3, outChannels: 4, height: 6, width: 6, kernelSize: 3, stride: 1, padding: 1)
        let conv2 = try LayerSpec.conv(inChannels: 4, outChannels: 4, height: 3, width: 3, kernelSize: 3, stride: 1, padding: 1)
        let fc = try LayerSpec.fullyConnected(inFeatures: 36, outFeatures: 3)
        return Network(name: "tiny-cnn", input: .cifar10, layers: [
            NetworkLayer(name: "conv1", spec: conv1, dense: true, denseReason: "first conv", needsInputGradient: false, bias: false),
            NetworkLayer(name: "conv2", spec: conv2, dense: false, denseReason: nil, needsInputGradient: true, bias: false),
            NetworkLayer(name: "fc", spec: fc, dense: true, denseReason: "classifier", needsInputGradient: true, bias: false),
        ], hostOps: [
            HostOp(kind: .relu, after: "conv1", elements: 144), HostOp(kind: .maxPool, after: "conv1", elements: 36, window: 4),
            HostOp(kind: .relu, after: "conv2", elements: 36), HostOp(kind: .softmaxCrossEntropy, after: "fc", elements: 3),
        ], batchNormChannels: 0)
    }

    /// Flush-to-zero numerics (another Verilator model each, so with HWGEN_LONG_TESTS=1): a 1:2
    /// step on a 2x2 bf16 and fp16 system, bit- and cycle-exact.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["HWGEN_LONG_TESTS"] == "1", "HWGEN_LONG_TESTS=1"),
          arguments: [SATNumerics.bf16, .fp16])
    func flushToZeroStep(_ numerics: SATNumerics) throws {
        let c = SATSystemConfig(core: SATConfig(rows: 2, cols: 2, n: 1, m: 2, numerics: numerics, subnormals: .flushToZero),
                                memory: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 8), denseEntries: 64, sparseEntries: 64,
                                masterEntries: 32, outputEntries: 32, pregenEntries: 16, weights: .float())
        let layer = try LayerSpec.conv(inChannels: 4, outChannels: 4, height: 4, width: 4, kernelSize: 3, stride: 1, padding: 1)
        let r = try LayerRun(config: c, layer: layer, batch: 2, sparse: true, seed: 8).run(dram: DRAMTiming(readLatency: 6, writeLatency: 3))
        #expect(r.bitExact, "\(r.mismatches)")
        #expect(r.cyclesMatchModel, "model \(r.modelSyncCycles), RTL \(r.rtlSyncCycles)")
    }

    /// The fp16 system: fp32 masters rounded to fp16 copies by the update unit (nearest even,
    /// overflow to Inf, subnormal grid). One Verilator model (2:4, η = 2^-2, loss scale 2^4, so
    /// the update unit shifts by 6) serves both tests.
    static func fp16System() -> SATSystemConfig {
        SATSystemConfig(core: SATConfig(rows: 4, cols: 4, n: 2, m: 4, numerics: .fp16), memory: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 8),
                        denseEntries: 64, sparseEntries: 64, masterEntries: 32, outputEntries: 32, pregenEntries: 16,
                        weights: .float(lrShift: 2 + 4))
    }

    /// A 2:4 conv step with random fp32 masters (many beyond fp16's range: Inf copies, NaN
    /// products) and random fp16 X and dY, bit- and cycle-exact.
    @Test func fp16LayerStepBitAndCycleExact() throws {
        let layer = try LayerSpec.conv(inChannels: 4, outChannels: 8, height: 4, width: 4, kernelSize: 3, stride: 1, padding: 1)
        let r = try LayerRun(config: Self.fp16System(), layer: layer, batch: 2, sparse: true, seed: 4)
            .run(dram: DRAMTiming(readLatency: 6, writeLatency: 3, backPressure: 0.1, seed: 2))
        #expect(r.bitExact, "\(r.mismatches)")
        #expect(r.cyclesMatchModel, "model \(r.modelSyncCycles), RTL \(r.rtlSyncCycles)")
    }

    /// The tiny network trained in fp16 with the static loss scale 2^4: losses and weights
    /// bit-equal to the golden run, the loss falls, and the scale is visible in the gradients.
    @Test func fp16TinyNetworkTrainsBitExact() throws {
        let r = try FloatTrainRun(config: Self.fp16System(), network: try Self.tinyNetwork(), batch: 3, steps: 3, seed: 11,
                                  dram: DRAMTiming(readLatency: 5, writeLatency: 2), lossScaleShift: 4).run()
        #expect(r.format == "fp16" && r.lossScaleShift == 4)
        #expect(r.ok, "\(r.text)")
        #expect(r.lossFalls, "\(r.steps.map(\.loss))")
        #expect(r.steps.allSatisfy { $0.gradients.nonZero > 0 && $0.activations.values > 0 })
    }

    /// The loss scale changes only the gradients' exponents: golden runs with S = 4 and S = 8
    /// (update shift 2 + S) whose fp16 gradients all stay normal give bit-equal losses and
    /// weights; without a scale (S = 0) some of the same gradients fall onto fp16's subnormal
    /// grid, which the scale avoids.
    @Test func lossScaleIsExact() throws {
        let network = try Self.tinyNetwork()
        let layers = network.layers
        func run(_ s: Int) throws -> (losses: [Float], masters: [ConvWeights<Int64>], gradients: FloatNetworkTraining.NarrowingStats) {
            var config = Self.fp16System()
            config.weights.lrShift = 2 + s
            let target = try config.compilerTarget
            let (images, labels, initial) = try FloatTrainRun(config: config, network: network, batch: 3, steps: 1, seed: 11).inputs()
            var masters = initial
            let training = try FloatNetworkTraining(network, computeFormat: .fp16, lossScaleShift: s)
            let golden = FloatNetworkTraining.golden(layers: layers.map(\.spec)) { i in
                target.trainingOptions(sparse: !layers[i].dense, computeInputGradient: layers[i].needsInputGradient)
            }
            var out: [Float] = []
            var a = FloatNetworkTraining.NarrowingStats(), g = FloatNetworkTraining.NarrowingStats()
            for _ in 0..<3 {
                out.append(try training.step(masters: &masters, images: images, labels: labels, executor: golden, activations: &a, gradients: &g))
            }
            return (out, masters, g)
        }
        let r0 = try run(0), r4 = try run(4), r8 = try run(8)
        for r in [r4, r8] { #expect(r.gradients.flushedToZero == 0 && r.gradients.subnormal == 0 && r.gradients.overflowed == 0, "\(r.gradients)") }
        #expect(r4.losses.map(\.bitPattern) == r8.losses.map(\.bitPattern))
        #expect(zip(r4.masters, r8.masters).allSatisfy { $0.storage == $1.storage })
        #expect(r0.gradients.subnormal + r0.gradients.flushedToZero > 0, "\(r0.gradients)")
        #expect(r0.gradients.nonZero == r4.gradients.nonZero)
        #expect(throws: SparseModelError.self) { try FloatNetworkTraining(network, computeFormat: .fp16, lossScaleShift: 16) }
        #expect(throws: SparseModelError.self) { try FloatNetworkTraining(network, computeFormat: .fp32) }
    }

    /// Networks the host loop cannot train are one-line errors.
    @Test func unsupportedNetworkIsAnError() throws {
        #expect(throws: SparseModelError.self) { try FloatNetworkTraining(try ModelZoo.network("resnet18", input: .cifar10)) }
        _ = try FloatNetworkTraining(try ModelZoo.network("small-cnn", input: .cifar10))
    }
}
