import Flow
import Cosim
import HWCore
import HWLib
import SparseModel
import TestSupport
import Testing

private let topNToolsEnabled = DesignGate.missingTools.isEmpty || DesignGate.toolsRequired

/// The expected selection of one group, from the golden model's keep flags.
private struct Expected: Equatable, CustomStringConvertible {
    var values: [Int64]
    var indices: [Int64]
    var mask: UInt64

    /// `NMPruning.topN` ranks the magnitudes (same tie rule); kept entries in ascending index order.
    init(group: [Int], n: Int) throws {
        let keep = try NMPruning.topN(group.map { $0.magnitude }, n: n)
        values = []; indices = []; mask = 0
        for (i, k) in keep.enumerated() where k {
            values.append(Int64(group[i]))
            indices.append(Int64(i))
            mask |= 1 << UInt64(i)
        }
    }

    init(values: [Int64], indices: [Int64], mask: UInt64) {
        self.values = values; self.indices = indices; self.mask = mask
    }

    var description: String { "values \(values) indices \(indices) mask 0b\(String(mask, radix: 2))" }
}

/// Runs every group through the Verilated selector in one batched call and compares each
/// cycle's outputs with the golden model. Returns the number of mismatching groups and a
/// description of the first few.
private func runAgainstGolden(_ c: TopNSelector.Config, groups: [[Int]]) throws -> (mismatches: Int, report: String) {
    let design = try Design.elaborate(try TopNSelector.build(c), parameters: c.parameters)
    let sim = try Simulator(try ModelBuilder.build(design))
    let inX = try sim.port("in_x")
    let outs = [try sim.port("out_val"), try sim.port("out_idx"), try sim.port("out_keep")]
    // A pipelined selector shows group t at cycle t + 1: one extra cycle flushes the last group.
    let latency = c.latency
    var stimulus: [UInt32] = []
    stimulus.reserveCapacity((groups.count + latency) * inX.words)
    for g in groups + Array(repeating: groups[0], count: latency) {
        let words = PortWords.pack(g.map { Int64($0) }, elementWidth: c.dataWidth)
        #expect(words.count == inX.words)
        stimulus += words
    }
    let cycles = groups.count + latency
    let out = try sim.run(cycles: cycles, inputs: [inX], stimulus: stimulus, outputs: outs)
    let perCycle = outs.reduce(0) { $0 + $1.words }
    let idxWidth = c.indexWidth
    var mismatches = 0
    var report = ""
    for (t, g) in groups.enumerated() {
        let base = (t + latency) * perCycle
        var o = base
        let valWords = Array(out[o..<(o + outs[0].words)]); o += outs[0].words
        let idxWords = Array(out[o..<(o + outs[1].words)]); o += outs[1].words
        let keepWords = Array(out[o..<(o + outs[2].words)])
        let keepBits = keepWords.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.1) << UInt64(32 * $1.0) }
        let actual = Expected(
            values: PortWords.unpack(valWords, count: c.n, elementWidth: c.dataWidth, signed: true),
            indices: PortWords.unpack(idxWords, count: c.n, elementWidth: idxWidth, signed: false),
            mask: keepBits)
        let expected = try Expected(group: g, n: c.n)
        if actual != expected {
            mismatches += 1
            if mismatches <= 5 { report += "\(TopNSelector.moduleName(c)) group \(t) \(g): expected \(expected), got \(actual)\n" }
        }
    }
    return (mismatches, report)
}

/// Every group of `m` values of a `width`-bit signed type (m·width ≤ 20 bits), in counting order.
private func allGroups(m: Int, width: Int) -> [[Int]] {
    let levels = 1 << width
    let total = 1 << (m * width)
    return (0..<total).map { code in
        var r = code
        return (0..<m).map { _ in
            let v = r % levels
            r /= levels
            return v - levels / 2  // -2^(w-1) ... 2^(w-1) - 1
        }
    }
}

/// `count` random groups of 8-bit values with many ties and extreme values: a third drawn from
/// a small set (equal magnitudes of both signs, -128 and 127), a third mixing that set with
/// uniform values, a third uniform; plus hand-picked corner groups first.
private func randomGroups(m: Int, count: Int, seed: UInt64) -> [[Int]] {
    let tieSet = [-128, -127, -3, -2, 0, 2, 3, 127]
    var rng = SplitMix64(seed: seed)
    var groups: [[Int]] = [
        Array(repeating: 0, count: m),
        Array(repeating: -128, count: m),
        Array(repeating: 127, count: m),
        (0..<m).map { $0 % 2 == 0 ? 127 : -127 },
        (0..<m).map { $0 % 2 == 0 ? -127 : 127 },
        (0..<m).map { $0 == m - 1 ? -128 : 127 },
        (0..<m).map { m - 1 - $0 },
        (0..<m).map { -$0 },
    ]
    while groups.count < count {
        let mode = rng.below(3)
        groups.append((0..<m).map { _ in
            switch mode {
            case 0: return tieSet[rng.below(tieSet.count)]
            case 1: return rng.below(2) == 0 ? tieSet[rng.below(tieSet.count)] : rng.below(256) - 128
            default: return rng.below(256) - 128
            }
        })
    }
    return groups
}

@Suite(.enabled(if: topNToolsEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct TopNSelectorTests {
    static let patterns: [(n: Int, m: Int)] = [(1, 4), (2, 4), (1, 8), (2, 8), (4, 8), (2, 16)]

    static let gateConfigs: [TopNSelector.Config] =
        patterns.map { TopNSelector.Config(n: $0.n, m: $0.m, dataWidth: 8) }
        + [TopNSelector.Config(n: 2, m: 8, dataWidth: 8, pipelined: true)]

    @Test(arguments: gateConfigs)
    func emittedVerilogPassesTheEDAGates(_ c: TopNSelector.Config) throws {
        let d = try Design.elaborate(try TopNSelector.build(c), parameters: c.parameters)
        #expect(d.top == TopNSelector.moduleName(c))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(TopNSelector.moduleName(c)):\n\(problems.joined(separator: "\n"))")
    }

    @Test func verilogNamesTheNetworkAndThePorts() throws {
        let c = TopNSelector.Config(n: 2, m: 8, dataWidth: 8, pipelined: true)
        #expect(TopNSelector.moduleName(c) == "topn_n2m8_d8_p")
        #expect(TopNSelector.moduleName(TopNSelector.Config(n: 2, m: 8, dataWidth: 8)) == "topn_n2m8_d8")
        let d = try Design.elaborate(try TopNSelector.build(c))
        for name in ["in_x", "out_val", "out_idx", "out_keep", "clk", "mag_7", "rank_3", "keep_5", "pos_7", "val_1", "idx_0", "keep_mask"] {
            #expect(d.verilog.contains(name), "missing \(name)")
        }
        #expect(!d.verilog.contains("rst"), "the pipeline registers need no reset")
        let ports = Dictionary(uniqueKeysWithValues: d.manifest.ports.map { ($0.name, $0.width) })
        #expect(ports["in_x"] == 64 && ports["out_val"] == 16 && ports["out_idx"] == 6 && ports["out_keep"] == 8)
    }

    @Test(arguments: [(1, 4, 3), (2, 4, 3), (2, 8, 2)])
    func exhaustiveAgainstGolden(_ n: Int, _ m: Int, _ width: Int) throws {
        let c = TopNSelector.Config(n: n, m: m, dataWidth: width)
        let groups = allGroups(m: m, width: width)
        #expect(groups.count == 1 << (m * width))
        let r = try runAgainstGolden(c, groups: groups)
        #expect(r.mismatches == 0, "\(r.mismatches) of \(groups.count) groups differ:\n\(r.report)")
    }

    static let randomConfigs: [TopNSelector.Config] =
        patterns.map { TopNSelector.Config(n: $0.n, m: $0.m, dataWidth: 8) }
        + [TopNSelector.Config(n: 2, m: 8, dataWidth: 8, pipelined: true),
           TopNSelector.Config(n: 2, m: 16, dataWidth: 8, pipelined: true)]

    @Test(arguments: randomConfigs)
    func randomGroupsWithTiesAgainstGolden(_ c: TopNSelector.Config) throws {
        let groups = randomGroups(m: c.m, count: 12_000, seed: UInt64(c.n * 1000 + c.m * 10 + (c.pipelined ? 1 : 0)))
        let r = try runAgainstGolden(c, groups: groups)
        #expect(r.mismatches == 0, "\(r.mismatches) of \(groups.count) groups differ:\n\(r.report)")
    }

    @Test func inlineSelectorInsideAnotherModule() throws {
        let m = Module("prune_pair")
        let a = m.input("a", .sint(4), count: 4)
        let u = m.input("u", .uint(3), count: 4)
        let s1 = try TopNSelector.select(Array(a), n: 1, name: "fw")
        let s2 = try TopNSelector.select(Array(u), n: 4, name: "all")
        m.output("a_top", .sint(4)).assign(s1.values[0])
        m.output("a_idx", .uint(2)).assign(s1.indices[0])
        m.output("a_keep", .uint(4)).assign(s1.keep)
        let allVals = m.output("u_vals", .uint(3), count: 4)
        for i in 0..<4 { allVals[i].assign(s2.values[i]) }
        m.output("u_keep", .uint(4)).assign(s2.keep)
        let d = try Design.elaborate(m)
        #expect(d.verilog.contains("fw_mag_3") && d.verilog.contains("fw_rank_3") && d.verilog.contains("all_val_3"))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        // -8 has the largest magnitude of SInt(4); with N = M everything is kept in order.
        let rows = try IverilogSim.run(d, vectors: [
            ["a": UInt64(PortWords.pack([3, -8, 7, -7], elementWidth: 4)[0]), "u": UInt64(PortWords.pack([5, 1, 7, 0], elementWidth: 3)[0])],
            ["a": UInt64(PortWords.pack([-7, 7, 0, -7], elementWidth: 4)[0]), "u": 0],
        ])
        #expect(rows[0]["a_top"] == 0x8 && rows[0]["a_idx"] == 1 && rows[0]["a_keep"] == 0b0010)
        #expect(rows[0]["u_vals"] == UInt64(PortWords.pack([5, 1, 7, 0], elementWidth: 3)[0]) && rows[0]["u_keep"] == 0xf)
        #expect(rows[1]["a_top"] == 0x9 && rows[1]["a_idx"] == 0 && rows[1]["a_keep"] == 0b0001)
    }
}

/// Configuration and misuse errors need no EDA tools.
struct TopNSelectorConfigTests {
    @Test(arguments: [
        (TopNSelector.Config(n: 3, m: 2, dataWidth: 8), "N must be in 1...1"),
        (TopNSelector.Config(n: 2, m: 6, dataWidth: 8), "must be a power of two, got 6"),
        (TopNSelector.Config(n: 0, m: 4, dataWidth: 8), "N must be in 1...3 (1 <= N < M) for M = 4, got N = 0"),
        (TopNSelector.Config(n: 4, m: 4, dataWidth: 8), "got N = 4"),
        (TopNSelector.Config(n: 2, m: 8, dataWidth: 0), "data width must be in 1...32, got 0"),
        (TopNSelector.Config(n: 2, m: 8, dataWidth: 33), "data width must be in 1...32, got 33"),
        (TopNSelector.Config(n: 1, m: 128, dataWidth: 8), "group size M must be in 2...64, got 128"),
        (TopNSelector.Config(n: 1, m: 1, dataWidth: 8), "group size M must be in 2...64, got 1"),
    ])
    func invalidConfigsThrowClearMessages(_ c: TopNSelector.Config, _ fragment: String) throws {
        let error = try #require(throws: HWLibError.self) { try c.validate() }
        #expect(error.message.contains(fragment), "\(error.message)")
        #expect(error.message.hasPrefix("top-N-of-M selector: "))
        #expect(throws: HWLibError.self) { _ = try TopNSelector.build(c) }
    }

    @Test func validConfigsPass() throws {
        for (n, m) in TopNSelectorTests.patterns {
            try TopNSelector.Config(n: n, m: m, dataWidth: 8).validate()
        }
        try TopNSelector.Config(n: 63, m: 64, dataWidth: 32, pipelined: true).validate()
        #expect(TopNSelector.Config(n: 2, m: 8).indexWidth == 3)
        #expect(TopNSelector.Config(n: 1, m: 2).indexWidth == 1)
    }

    @Test func inlineMisuseThrows() throws {
        let m = Module("bad")
        let a = m.input("a", .sint(4), count: 4)
        let b = m.input("b", .sint(5))
        #expect(throws: HWLibError.self) { _ = try TopNSelector.select([], n: 1, name: "e") }
        #expect(throws: HWLibError.self) { _ = try TopNSelector.select(Array(a), n: 0, name: "z") }
        #expect(throws: HWLibError.self) { _ = try TopNSelector.select(Array(a), n: 5, name: "o") }
        let mixed = try #require(throws: HWLibError.self) { _ = try TopNSelector.select(Array(a) + [b], n: 1, name: "mx") }
        #expect(mixed.message.contains("element 4 is SInt(5)"))
    }
}
