import Cosim
import Flow
import Formats
import HWCore
import HWLib
import SparseModel
import TestSupport
import Testing

private let toolsEnabled = DesignGate.missingTools.isEmpty || DesignGate.toolsRequired

/// The top-N-of-M selector on float weights (``TopNSelector/Ranking/floatMagnitude``) against the
/// golden ranking `NMPruning.topN` over `FloatFormat.magnitudeKey` (same tie rule, NaN highest).
@Suite(.enabled(if: toolsEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct TopNSelectorFloatTests {
    static let configs: [(TopNSelector.Config, FloatFormat)] = [
        (.init(n: 2, m: 8, dataWidth: 16, ranking: .floatMagnitude), .bf16),
        (.init(n: 1, m: 4, dataWidth: 16, pipelined: true, ranking: .floatMagnitude), .fp16),
        (.init(n: 2, m: 4, dataWidth: 32, ranking: .floatMagnitude), .fp32),
    ]

    @Test(arguments: 0..<configs.count)
    func randomFloatGroupsAgainstGolden(_ k: Int) throws {
        let (c, format) = Self.configs[k]
        let d = try Design.elaborate(try TopNSelector.build(c), parameters: c.parameters)
        #expect(d.top == TopNSelector.moduleName(c))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(d.top):\n\(problems.joined(separator: "\n"))")

        // Groups mix random patterns, specials (±0, ±Inf, NaNs, subnormals) and repeats of one
        // magnitude with both signs (ties).
        var rng = SplitMix64(seed: UInt64(17 + k))
        let specials = FloatPatterns.specials(format)
        let groups: [[UInt32]] = (0..<6000).map { g in
            let tie = FloatPatterns.random(format, &rng) & ~format.signMask
            return (0..<c.m).map { _ in
                switch (g % 3, rng.below(3)) {
                case (0, _): return FloatPatterns.random(format, &rng)
                case (1, 0): return specials[rng.below(specials.count)]
                case (_, 0), (_, 1): return tie | (rng.below(2) == 0 ? 0 : format.signMask)
                default: return FloatPatterns.random(format, &rng)
                }
            }
        }
        let sim = try Simulator(try ModelBuilder.build(d))
        let inX = try sim.port("in_x"), outVal = try sim.port("out_val"), outIdx = try sim.port("out_idx"), outKeep = try sim.port("out_keep")
        let latency = c.latency
        var stimulus: [UInt32] = []
        for g in groups + Array(repeating: groups[0], count: latency) {
            stimulus += PortWords.pack(g.map { Int64($0) }, elementWidth: c.dataWidth)
        }
        let outs = [outVal, outIdx, outKeep]
        let out = try sim.run(cycles: groups.count + latency, inputs: [inX], stimulus: stimulus, outputs: outs)
        let perCycle = outs.reduce(0) { $0 + $1.words }
        var mismatches = 0, report = ""
        for (t, g) in groups.enumerated() {
            var o = (t + latency) * perCycle
            let vals = PortWords.unpack(Array(out[o..<(o + outVal.words)]), count: c.n, elementWidth: c.dataWidth, signed: false)
            o += outVal.words
            let idx = PortWords.unpack(Array(out[o..<(o + outIdx.words)]), count: c.n, elementWidth: c.indexWidth, signed: false)
            o += outIdx.words
            let keep = UInt64(out[o])
            let kept = try NMPruning.topN(g.map { format.magnitudeKey($0) }, n: c.n)
            let expIdx = kept.indices.filter { kept[$0] }
            let expMask = expIdx.reduce(UInt64(0)) { $0 | 1 << UInt64($1) }
            if idx != expIdx.map(Int64.init) || vals != expIdx.map({ Int64(g[$0]) }) || keep != expMask {
                mismatches += 1
                if mismatches <= 5 { report += "group \(g.map(hex)): expected \(expIdx), got \(idx) mask \(keep)\n" }
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(groups.count) differ:\n\(report)")
    }

    @Test func floatRankingNamesAndValidation() throws {
        #expect(TopNSelector.moduleName(.init(n: 2, m: 8, dataWidth: 16, ranking: .floatMagnitude)) == "topn_n2m8_f16")
        let e = try #require(throws: HWLibError.self) { try TopNSelector.Config(n: 2, m: 8, dataWidth: 8, ranking: .floatMagnitude).validate() }
        #expect(e.message.contains("float weights are 16 (bf16, fp16) or 32 (fp32) bits wide, got 8"))
    }
}
