import Cosim
import Foundation
import HWLib
import SparseAccel
import SparseModel
import Testing
import Workloads

/// Whole-network training runs: the job plan, shards and their merge (byte-identical reports),
/// and a small network's step co-simulated end to end.
@Suite(.serialized) struct TrainTests {
    static func system(_ n: Int, _ m: Int) -> SATSystemConfig {
        SATSystemConfig(core: SATConfig(rows: 4, cols: 4, n: n, m: m), memory: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 8),
                        denseEntries: 64, sparseEntries: 128, masterEntries: 32, outputEntries: 32, pregenEntries: 16)
    }

    static func setup(patterns: [String] = ["2:4"], rtlBudget: Int = 0, layers: ClosedRange<Int>? = nil) -> (TrainSetup, [String: SATSystemConfig]) {
        var systems: [String: SATSystemConfig] = [:]
        for p in patterns {
            let nm = p.split(separator: ":").compactMap { Int($0) }
            systems[p] = system(nm[0], nm[1])
        }
        let s = TrainSetup(model: "small-cnn", input: .cifar10, batch: 1, patterns: patterns, systems: patterns.map { systems[$0]!.topName },
                           dram: DRAMTiming(readLatency: 8, writeLatency: 4), beatBytes: 8, rtlBudget: rtlBudget,
                           firstLayer: layers?.lowerBound, lastLayer: layers?.upperBound)
        return (s, systems)
    }

    @Test func planCoversEveryLayerOnceAndShardsPartitionIt() throws {
        let (s, _) = Self.setup(patterns: ["2:4", "1:4"])
        let network = try ModelZoo.network("small-cnn", input: .cifar10)
        let plan = TrainJob.plan(s, network: network)
        #expect(Set(plan.map(\.key)).count == plan.count)
        // Per pattern: every layer dense, every sparse-eligible layer also N:M.
        let eligible = network.layers.filter { !$0.dense }.count
        #expect(plan.count == 2 * (network.layers.count + eligible))
        #expect(!plan.contains { $0.sparse && ($0.layer == network.layers.first!.spec || $0.layer == network.layers.last!.spec) })
        for n in 1...5 {
            let shards = (1...n).map { TrainJob.shard(plan, index: $0, count: n) }
            #expect(shards.flatMap { $0 }.map(\.key).sorted() == plan.map(\.key).sorted())
        }
        #expect(plan.map(\.seed) == TrainJob.plan(s, network: network).map(\.seed))
    }

    @Test func shardsMergeIntoTheUnshardedReport() throws {
        let (s, systems) = Self.setup(patterns: ["2:4", "1:4"])
        let network = try ModelZoo.network("small-cnn", input: .cifar10)
        let runner = try TrainRunner(setup: s, systems: systems)
        let plan = TrainJob.plan(s, network: network)
        let whole = try runner.run(plan, progress: { _ in }, finished: { _ in })
        let unsharded = try TrainReport(try TrainResults.merge(whole))
        var pieces: [TrainJobResult] = []
        for i in [3, 1, 2] { pieces += try runner.run(TrainJob.shard(plan, index: i, count: 3), progress: { _ in }, finished: { _ in }) }
        let merged = try TrainReport(try TrainResults.merge(pieces.reversed()))
        #expect(merged.markdown == unsharded.markdown)
        #expect(merged.plots.map(\.svg) == unsharded.plots.map(\.svg))
        #expect(unsharded.markdown.contains("| 1:4 |"))
        #expect(unsharded.plots.map(\.name) == ["cycles-per-layer.svg", "utilisation.svg", "patterns.svg"])
        for (name, svg) in unsharded.plots { SVGChartTests.checkWellFormed(svg, name) }
        #expect(unsharded.totals(pattern: "2:4").rtlShare == 0)

        // Incomplete or mixed inputs are refused.
        #expect(throws: (any Error).self) { try TrainResults.merge(Array(whole.dropLast())) }
        let (other, otherSystems) = Self.setup(patterns: ["2:4"], layers: 1...2)
        let foreign = try TrainRunner(setup: other, systems: otherSystems).run(Array(TrainJob.plan(other, network: network).prefix(1)), progress: { _ in }, finished: { _ in })
        #expect(throws: (any Error).self) { try TrainResults.merge(whole + foreign) }
    }

    @Test func smallNetworkOnTheRTL() throws {
        guard verilatorEnabled else { return }
        let (s, systems) = Self.setup(rtlBudget: 10_000_000)
        let network = try ModelZoo.network("small-cnn", input: .cifar10)
        var progress: [String] = []
        let results = try TrainRunner(setup: s, systems: systems).run(TrainJob.plan(s, network: network), progress: { progress.append($0) }, finished: { _ in })
        #expect(results.allSatisfy { $0.source == .rtl && $0.ok })
        let report = try TrainReport(try TrainResults.merge(results))
        let t = report.totals(pattern: "2:4")
        #expect(t.rtlShare == 1)
        #expect(t.ok)
        #expect(t.speedup > 1)
        #expect(report.markdown.contains("first conv"))
        #expect(progress.contains { $0.contains("cycles/s") })
    }
}
