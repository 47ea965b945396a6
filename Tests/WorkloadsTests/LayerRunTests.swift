import Cosim
import HWLib
import SparseAccel
import SparseModel
import Testing
import Workloads

/// Whole layer steps on the RTL of the SAT training system: bit-exact against the golden model,
/// cycle-exact against the cycle model.
@Suite(.serialized) struct LayerRunTests {
    static func system(_ r: Int, _ c: Int, _ n: Int, _ m: Int, beat: Int = 64, buffers: [Int] = [64, 64, 32, 32, 16]) -> SATSystemConfig {
        SATSystemConfig(core: SATConfig(rows: r, cols: c, n: n, m: m), memory: MemoryPortSpec(addrBits: 32, dataBits: beat, maxBeats: 8),
                        denseEntries: buffers[0], sparseEntries: buffers[1], masterEntries: buffers[2], outputEntries: buffers[3],
                        pregenEntries: buffers[4])
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let system: SATSystemConfig
        let layer: LayerSpec
        let batch: Int
        var sparse = true
        var dram = DRAMTiming(readLatency: 6, writeLatency: 3)
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        func conv(_ ci: Int, _ co: Int, _ h: Int, _ w: Int, k: Int, s: Int = 1, p: Int = 0) -> LayerSpec {
            try! LayerSpec.conv(inChannels: ci, outChannels: co, height: h, width: w, kernelSize: k, stride: s, padding: p)
        }
        return [
            Case(name: "2x2 1:2, odd 3x3 conv, stride 2, pad 1", system: system(2, 2, 1, 2), layer: conv(2, 6, 7, 5, k: 3, s: 2, p: 1), batch: 1),
            Case(name: "4x4 2:4, 1x1 conv, batch 2, back-pressure", system: system(4, 4, 2, 4), layer: conv(8, 12, 3, 5, k: 1), batch: 2,
                 dram: DRAMTiming(readLatency: 9, writeLatency: 5, backPressure: 0.2, seed: 7)),
            Case(name: "4x4 1:4, FC 12->8, 3 B/cycle", system: system(4, 4, 1, 4), layer: try! LayerSpec.fullyConnected(inFeatures: 12, outFeatures: 8), batch: 3,
                 dram: DRAMTiming(bytesPerCycle: 3, readLatency: 12, writeLatency: 4)),
            Case(name: "4x8 2:4, 5x5 kernel pad 2, tiny buffers", system: system(4, 8, 2, 4, buffers: [8, 8, 8, 8, 4]), layer: conv(8, 4, 6, 6, k: 5, p: 2), batch: 1),
            Case(name: "8x8 2:8, 3x3 conv, 256-bit port", system: system(8, 8, 2, 8, beat: 256), layer: conv(16, 16, 6, 6, k: 3, p: 1), batch: 1),
            Case(name: "8x8 4:8, conv stride 2", system: system(8, 8, 4, 8, beat: 128), layer: conv(8, 8, 9, 9, k: 3, s: 2), batch: 2,
                 dram: DRAMTiming(readLatency: 30, writeLatency: 10, backPressure: 0.1, seed: 3)),
        ]
    }()

    @Test(arguments: cases) func layerStepMatchesGoldenAndCycleModel(_ c: Case) throws {
        let r = try LayerRun(config: c.system, layer: c.layer, batch: c.batch, sparse: c.sparse).run(dram: c.dram)
        #expect(r.bitExact, "\(r.mismatches)")
        #expect(r.cyclesMatchModel, "model \(r.modelSyncCycles), RTL \(r.rtlSyncCycles)")
        #expect(r.phases.count == 3 && r.phases.allSatisfy { $0.beats > 0 && $0.cycles > $0.beats }, "\(r.phases)")
    }

    @Test func smallConvSparse() throws {
        let layer = try LayerSpec.conv(inChannels: 4, outChannels: 4, height: 5, width: 5, kernelSize: 3, stride: 1, padding: 1)
        let r = try LayerRun(config: Self.system(4, 4, 2, 4), layer: layer, batch: 1, sparse: true).run(dram: DRAMTiming(readLatency: 6, writeLatency: 3))
        #expect(r.bitExact, "\(r.mismatches)")
        #expect(r.cyclesMatchModel, "model \(r.modelSyncCycles), RTL \(r.rtlSyncCycles)")
    }
}
