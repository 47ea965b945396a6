import Cosim
import Flow
import Formats
import Foundation
import HWCore
import SparseAccel
import SparseModel
import Testing
import Workloads

/// Float GEMMs on the SAT array, co-simulated: every output bit-equal to `FloatGEMM` (the PE's
/// order of operations) and `tile_done` cycle-exact, dense and N:M.
@Suite(.enabled(if: verilatorEnabled, "needs verilator; run Scripts/setup"))
struct SATFloatGEMMTests {
    static let configs: [SATConfig] = [
        SATConfig(rows: 4, cols: 4, n: 2, m: 8, numerics: .bf16),
        SATConfig(rows: 3, cols: 2, n: 2, m: 4, numerics: .fp16),
        SATConfig(rows: 2, cols: 3, n: 4, m: 8, numerics: .bf16, subnormals: .flushToZero),
        SATConfig(rows: 3, cols: 2, n: 2, m: 8, pipeline: .full, numerics: .bf16),
    ]

    @Test(arguments: configs)
    func denseAndSparseBitExact(_ cfg: SATConfig) throws {
        for sparse in [true, false] {
            let k = cfg.m * 12
            let g = try SATGEMM(config: cfg, k: k, sparse: sparse, seed: 21, tiles: 2)
            let r = try g.run()
            #expect(r.outputsMatch, "\(cfg.topName) sparse=\(sparse): \(r.mismatch ?? "")")
            #expect(r.cycles == r.expectedCycles, "\(cfg.topName) sparse=\(sparse)")
        }
    }

    /// The PE pipeline applies to the float datapath as to the integer one (entry, multiplexer,
    /// operand, product and adder-tree registers around the combinational float units): a 2x2
    /// 2:8 array at other settings than the default `full`, dense and sparse, bit-exact and
    /// `tile_done` at the cycle model's cycle (which counts `pipeline.latency`).
    @Test(arguments: ["none", "mul+sum", "entry+in", "mux+mul+sum"])
    func pipelineSettingsBitAndCycleExact(_ stages: String) throws {
        let cfg = SATConfig(rows: 2, cols: 2, n: 2, m: 8, pipeline: try PEPipeline.parse(stages), numerics: .bf16)
        for sparse in [true, false] {
            let r = try SATGEMM(config: cfg, k: cfg.m * 6, sparse: sparse, seed: 31, tiles: 2, bubblePercent: 20).run()
            #expect(r.outputsMatch, "\(cfg.topName) sparse=\(sparse): \(r.mismatch ?? "")")
            #expect(r.doneCycles == r.expectedDoneCycles, "\(cfg.topName) sparse=\(sparse): \(r.doneCycles) vs \(r.expectedDoneCycles)")
            #expect(r.match)
        }
    }

    /// Bubbles (invalid beats) and idle cycles between tiles enter as −0 weights and change
    /// nothing: the same references hold with 40% of the beats preceded by bubbles.
    @Test func bubblesAddExactlyNothing() throws {
        for sparse in [true, false] {
            let cfg = SATConfig(rows: 3, cols: 2, n: 2, m: 4, numerics: .bf16)
            let g = try SATGEMM(config: cfg, k: 32, sparse: sparse, seed: 9, tiles: 3, bubblePercent: 40)
            let r = try g.run()
            #expect(r.match, "sparse=\(sparse): \(r.mismatch ?? "")")
        }
    }

    /// A tile whose sum is exactly −0 (every product −1 × +0) stays −0 through bubbles and the
    /// idle cycles before the next tile: a +0 bubble weight would make it +0.
    @Test func negativeZeroSurvivesBubbles() throws {
        let cfg = SATConfig(rows: 2, cols: 1, n: 2, m: 4, numerics: .bf16)
        let minusOne = FloatGEMM.signExtended(0xBF80, width: 16), one = FloatGEMM.signExtended(0x3F80, width: 16)
        let w = Matrix<Int64>(rows: 2, cols: 8) { _, _ in minusOne }
        let zeros = Matrix<Int64>(rows: 8, cols: 1) { _, _ in 0 }
        let ones = Matrix<Int64>(rows: 8, cols: 1) { _, _ in one }
        for sparse in [false, true] {
            let beats = sparse ? 2 : 4
            let g = try SATGEMM(config: cfg, w: [w, w, w], x: [zeros, ones, zeros], sparse: sparse,
                                bubbles: [Array(repeating: 2, count: beats), Array(repeating: 1, count: beats), [3] + Array(repeating: 0, count: beats - 1)])
            let refs = try g.references()
            #expect(UInt32(truncatingIfNeeded: refs[0][0, 0]) == 0x8000_0000 && UInt32(truncatingIfNeeded: refs[2][1, 0]) == 0x8000_0000)
            let r = try g.run()
            #expect(r.match, "sparse=\(sparse): \(r.mismatch ?? "")")
        }
    }

    @Test func givenOperandsAreChecked() throws {
        let cfg = SATConfig(rows: 2, cols: 1, n: 2, m: 4, numerics: .fp16)
        let w = Matrix<Int64>(rows: 2, cols: 8, repeating: 0), x = Matrix<Int64>(rows: 8, cols: 1, repeating: 0)
        #expect(throws: ConfigError.self) { _ = try SATGEMM(config: cfg, w: [w], x: [Matrix(rows: 4, cols: 1, repeating: 0)], sparse: true) }
        #expect(throws: ConfigError.self) { _ = try SATGEMM(config: cfg, w: [w], x: [x, x], sparse: true) }
        #expect(throws: ConfigError.self) { _ = try SATGEMM(config: cfg, w: [], x: [], sparse: false) }
        #expect(throws: ConfigError.self) { _ = try SATGEMM(config: cfg, w: [Matrix(rows: 2, cols: 0, repeating: 0)], x: [Matrix(rows: 0, cols: 1, repeating: 0)], sparse: false) }
        #expect(throws: ConfigError.self) { _ = try SATGEMM(config: cfg, w: [w], x: [x], sparse: true, bubbles: [[], []]) }
        let e = try #require(throws: ConfigError.self) { _ = try SATGEMM(config: cfg, w: [Matrix(rows: 2, cols: 6, repeating: 0)], x: [Matrix(rows: 6, cols: 1, repeating: 0)], sparse: true) }
        #expect(e.description.contains("K must be a positive multiple of 4 in sparse mode, got 6"))
        #expect(try SATGEMM(config: cfg, w: [w], x: [x], sparse: true).k == 8)
    }

    /// The float references are not the integer ones: the workload really carries float patterns.
    @Test func referencesAreFloatSums() throws {
        let cfg = SATConfig(rows: 2, cols: 2, n: 2, m: 4, numerics: .bf16)
        let g = try SATGEMM(config: cfg, k: 8, sparse: false, seed: 3)
        let ref = try g.references()[0]
        let w = g.w[0], x = g.x[0]
        // C[0][0] by hand in Swift floats: beat sums (p0 + p1), (p2 + p3), ... accumulated in order.
        func p(_ k: Int) -> Float {
            Float(BFloat16(bitPattern: UInt16(truncatingIfNeeded: w[0, k]))) * Float(BFloat16(bitPattern: UInt16(truncatingIfNeeded: x[k, 0])))
        }
        let hand = (((p(0) + p(1)) + (p(2) + p(3))) + (p(4) + p(5))) + (p(6) + p(7))
        #expect(UInt32(truncatingIfNeeded: ref[0, 0]) == hand.bitPattern)
        #expect(ref[0, 0] != referenceGEMM(w, x)[0, 0])
    }

    @Test func floatPEPassesTheEDAGates() throws {
        guard DesignGate.missingTools.isEmpty || DesignGate.toolsRequired else { return }
        // The bf16 PE on its own, and a whole (1x2) fp16 FTZ pipelined array: yosys takes a while per PE.
        let pe = SATConfig(rows: 2, cols: 2, n: 2, m: 8, numerics: .bf16)
        let array = SATConfig(rows: 1, cols: 2, n: 2, m: 4, pipeline: .full, numerics: .fp16, subnormals: .flushToZero)
        for d in [try Design.elaborate(try SparsePE.build(pe)), try Design.elaborate(try SATArray.build(array), parameters: array.parameters)] {
            let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
            #expect(problems.isEmpty, "\(d.top):\n\(problems.joined(separator: "\n"))")
        }
    }

    @Test func configNamesAndValidation() throws {
        let cfg = SATConfig(rows: 4, cols: 4, n: 2, m: 8, pipeline: .none, numerics: .bf16)
        #expect(cfg.dataWidth == 16 && cfg.accWidth == 32)
        #expect(cfg.peName == "sat_pe_n2m8_bf16")
        #expect(SATConfig(n: 2, m: 8, pipeline: .none, numerics: .fp16, subnormals: .flushToZero).peName == "sat_pe_n2m8_fp16_ftz")
        #expect(SATConfig(numerics: .bf16).peName == "sat_pe_n2m8_bf16_pemixrs", "the pipeline tag follows the numerics")
        #expect(SATConfig(pipeline: .none).peName == "sat_pe_n2m8_d8_a32", "integer names unchanged")
        #expect(SATConfig().parameters["numerics"] == nil, "integer manifests unchanged")
        #expect(cfg.parameters["numerics"] == .string("bf16") && cfg.parameters["subnormals"] == .string("ieee"))
        let bad = SATConfig(n: 2, m: 8, dataWidth: 8, numerics: .bf16)
        let e = try #require(throws: ConfigError.self) { try bad.validate() }
        #expect(e.description.contains("bf16 numerics take 16-bit operands and 32-bit (fp32) accumulators"), "\(e)")
        #expect(throws: ConfigError.self) { _ = try SATNumerics.parse("fp8") }
        // Configs written before float numerics decode as integer configs.
        let old = #"{"rows":4,"cols":4,"n":2,"m":8,"dataWidth":8,"accWidth":32,"pipeline":{"afterMux":false,"afterMultiply":false,"afterAdderTree":false}}"#
        let decoded = try JSONDecoder().decode(SATConfig.self, from: Data(old.utf8))
        #expect(decoded == SATConfig(rows: 4, cols: 4, n: 2, m: 8, pipeline: .none))
        let round = try JSONDecoder().decode(SATConfig.self, from: JSONEncoder().encode(cfg))
        #expect(round == cfg)
    }
}
