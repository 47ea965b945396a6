import Foundation
import SparseModel

/// The report of a whole-network training run: a per-layer table (dense vs N:M cycles per phase,
/// speedup, PE utilisation, DRAM bytes, memory-bound or not, RTL or model), the totals against
/// the ideal 3/(2N/M+1) and SAT's reported 1.75x, the host's share of the step, the pattern
/// sweep, and SVG plots. Everything in it derives from the results alone (no wall times), so a
/// merged sharded run writes the same bytes as an unsharded one.
public struct TrainReport {
    public let results: TrainResults
    public let network: Network

    /// SAT's reported end-to-end speedup of 2:8 BDWP training over dense training.
    public static let satReported = 1.75

    public init(_ results: TrainResults) throws {
        self.results = results
        network = try ModelZoo.network(results.setup.model, input: results.setup.input)
    }

    /// One network layer's step, dense and as trained under the pattern (a dense layer: the same).
    public struct Row: Sendable {
        public let index: Int
        public let layer: NetworkLayer
        public let dense: TrainJobResult
        public let trained: TrainJobResult
        public var speedup: Double { Double(dense.report.cycles) / Double(max(1, trained.report.cycles)) }
    }

    func result(_ job: TrainJob) -> TrainJobResult? { results.jobs.first { $0.job == job } }

    /// The layer rows of `pattern`.
    public func rows(pattern: String) -> [Row] {
        results.setup.selectedLayers(of: network).compactMap { (i, l) in
            let d = TrainJob(pattern: pattern, layer: l.spec, needsInputGradient: l.needsInputGradient, sparse: false)
            guard let dense = result(d) else { return nil }
            let trained = l.dense ? dense : result(TrainJob(pattern: pattern, layer: l.spec, needsInputGradient: l.needsInputGradient, sparse: true))
            return trained.map { Row(index: i, layer: l, dense: dense, trained: $0) }
        }
    }

    /// Totals of one pattern.
    public struct Totals: Sendable {
        public let pattern: String
        public let denseCycles: Int
        public let trainedCycles: Int
        public let speedup: Double
        public let ideal: Double
        public var ratio: Double { speedup / ideal }
        /// The speedup if every N:M FF and BP phase took exactly N/M of its dense cycles and WU
        /// (dense in both) its dense cycles: the ideal for these very dense cycles. It differs
        /// from 3/(2N/M+1) where a layer's phases are unequal in the dense step (a stride-2 BP
        /// computes on the zero-dilated gradient, S² times FF's MACs; dense weights that the
        /// memory cannot stream fast enough).
        public let phaseIdeal: Double
        public var phaseRatio: Double { speedup / phaseIdeal }
        /// The speedup if every phase of both steps ran at full utilisation: the dense step's MACs
        /// over the N:M step's (both as issued by the array). The best this network can do under
        /// its recipe: dense first and last layers, and dense WU, cap it below 3/(2N/M+1) where
        /// they hold many of the MACs (AlexNet's 11x11 first conv).
        public let macIdeal: Double
        public var macRatio: Double { speedup / macIdeal }
        /// Cycles (dense and N:M steps of every layer) that were co-simulated, over all cycles.
        public let rtlShare: Double
        public let ok: Bool
    }

    public func totals(pattern: String) -> Totals {
        let rows = rows(pattern: pattern)
        let d = rows.map(\.dense.report.cycles).reduce(0, +), t = rows.map(\.trained.report.cycles).reduce(0, +)
        let all = rows.flatMap { [$0.dense, $0.trained] }
        let rtl = all.filter { $0.source == .rtl }.map(\.report.cycles).reduce(0, +)
        let nm = pattern.split(separator: ":").compactMap { Double($0) }
        let ideal = nm.count == 2 ? 3 / (2 * nm[0] / nm[1] + 1) : 1
        let frac = nm.count == 2 ? nm[0] / nm[1] : 1
        let phaseIdealCycles = rows.map { r -> Double in
            guard !r.layer.dense else { return Double(r.dense.report.cycles) }
            return r.dense.report.phases.map { Double($0.cycles) * ($0.name == "weightGradient" ? 1 : frac) }.reduce(0, +)
        }.reduce(0, +)
        let denseMACs = rows.map { Self.issuedMACs($0.dense.report) }.reduce(0, +)
        let trainedMACs = rows.map { Self.issuedMACs($0.trained.report) }.reduce(0, +)
        return Totals(pattern: pattern, denseCycles: d, trainedCycles: t, speedup: Double(d) / Double(max(1, t)), ideal: ideal,
                      phaseIdeal: Double(d) / max(1, phaseIdealCycles), macIdeal: denseMACs / max(1e-9, trainedMACs),
                      rtlShare: Double(rtl) / Double(max(1, all.map(\.report.cycles).reduce(0, +))), ok: all.allSatisfy(\.ok))
    }

    /// The step's PE utilisation: MACs issued over R·C·N·cycles, over all phases.
    public static func utilisation(_ r: LayerRun.Report) -> Double {
        issuedMACs(r) / Double(max(1, r.phases.map(\.cycles).reduce(0, +)))
    }

    /// The step's MACs in units of R·C·N (one fully busy cycle's worth): utilisation x cycles,
    /// summed over the phases.
    static func issuedMACs(_ r: LayerRun.Report) -> Double {
        r.phases.map { $0.utilisation * Double($0.cycles) }.reduce(0, +)
    }

    /// A step is memory-bound when moving its DRAM bytes at the stated bandwidth (each way, at
    /// most one beat per cycle) takes at least as long as the array's busy cycles.
    func memoryBound(_ r: LayerRun.Report) -> Bool {
        let s = results.setup
        let bw = min(s.dram.bytesPerCycle ?? Double(s.beatBytes), Double(s.beatBytes))
        let bytes = max(r.phases.map(\.readBytes).reduce(0, +), r.phases.map(\.writtenBytes).reduce(0, +))
        return Double(bytes) / bw >= Double(r.phases.map(\.beats).reduce(0, +))
    }

    /// The run's patterns by M, then N (1:4, 2:4, 1:8, 2:8, 4:8, 2:16).
    public var patternsInOrder: [String] {
        func key(_ p: String) -> (Int, Int) {
            let v = p.split(separator: ":").compactMap { Int($0) }
            return v.count == 2 ? (v[1], v[0]) : (0, 0)
        }
        return results.setup.patterns.sorted { key($0) < key($1) }
    }

    static func f(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }

    /// `report.md`.
    public var markdown: String {
        let s = results.setup, main = s.patterns[0]
        let rows = rows(pattern: main), t = totals(pattern: main)
        let bw = s.dram.bytesPerCycle.map { "\(Self.f($0, 1)) B/cycle" } ?? "one \(s.beatBytes)-byte beat per cycle"
        var md = """
        # Training step: \(network.name), \(s.input.rawValue) input, batch \(s.batch), \(main)

        System `\(s.systems[0])`; DRAM \(bw) each way, read latency \(s.dram.readLatency), write latency \(s.dram.writeLatency) cycles\(s.dram.backPressure.map { ", random back-pressure \($0)" } ?? "").
        Layers \(s.firstLayer ?? 1)…\(s.lastLayer ?? network.layers.count) of \(network.layers.count). RTL budget \(s.rtlBudget) cycles per layer step.

        | | dense step | \(main) step | speedup | ideal 3/(2N/M+1) | ratio to ideal | ideal for these dense phases | ratio | ideal at full utilisation | ratio | SAT (reported) |
        |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
        | total | \(t.denseCycles) cycles | \(t.trainedCycles) cycles | **\(Self.f(t.speedup))x** | \(Self.f(t.ideal))x | \(Self.f(t.ratio)) | \(Self.f(t.phaseIdeal))x | \(Self.f(t.phaseRatio)) | \(Self.f(t.macIdeal))x | \(Self.f(t.macRatio)) | \(Self.f(Self.satReported, 2))x |

        "Ideal for these dense phases": the speedup if every N:M FF and BP phase took exactly N/M of its
        dense cycles and WU its dense cycles. It exceeds 3/(2N/M+1) when FF and BP outweigh WU in the
        dense step: a stride-S layer's BP runs on the zero-dilated output gradient (S² times FF's MACs,
        in both modes), and dense weights that the memory cannot stream at the array's rate make
        dense FF/BP memory-bound where the 4x smaller N:M weights are not. "Ideal at full utilisation":
        the dense step's MACs over the N:M step's, i.e. the speedup if both ran every phase with every
        PE busy: the best this network allows under its recipe (dense first and last layers, dense WU).

        RTL-verified: \(Self.f(100 * t.rtlShare, 1))% of all cycles (the rest from the cycle model, rows marked `model`); \(t.ok ? "every co-simulated step bit-exact against the golden model and cycle-exact against the cycle model" : "**MISMATCHES: see the rows marked MISMATCH**").

        ## Layers

        Cycles per phase (FF, BP, WU with the update and pre-generation); utilisation = MACs issued over
        R·C·N per cycle; DRAM = bytes read + written by the \(main) step; memory-bound = its DRAM bytes
        take at least as long as the array's busy cycles at the stated bandwidth.

        | # | layer | shape | trained as | dense FF / BP / WU | \(main) FF / BP / WU | speedup | util dense / \(main) | DRAM MiB | memory-bound | source |
        |---:|---|---|---|---:|---:|---:|---:|---:|---|---|

        """
        func phases(_ r: LayerRun.Report) -> String {
            let by = Dictionary(r.phases.map { ($0.name, $0.cycles) }, uniquingKeysWith: { a, _ in a })
            return ["forward", "backwardData", "weightGradient"].map { by[$0].map(String.init) ?? "—" }.joined(separator: " / ")
        }
        for r in rows {
            let src: String
            switch (r.dense.source, r.trained.source) {
            case (.rtl, .rtl): src = r.dense.ok && r.trained.ok ? "rtl" : "rtl MISMATCH"
            case (.model, .model): src = "model"
            default: src = "rtl + model"
            }
            let mib = Double(r.trained.report.phases.map { $0.readBytes + $0.writtenBytes }.reduce(0, +)) / 1_048_576
            md += "| \(r.index + 1) | \(r.layer.name) | \(r.layer.spec) | \(r.layer.dense ? "dense" : main) | \(phases(r.dense.report)) | \(phases(r.trained.report)) | \(Self.f(r.speedup, 2))x | "
                + "\(Self.f(100 * Self.utilisation(r.dense.report), 0))% / \(Self.f(100 * Self.utilisation(r.trained.report), 0))% | \(Self.f(mib, 2)) | \(memoryBound(r.trained.report) ? "yes" : "no") | \(src) |\n"
        }
        let dense = rows.filter(\.layer.dense)
        md += "\n## Dense layers\n\n"
        md += dense.isEmpty ? "None in the selected range.\n" : dense.map { "* \($0.layer.name): \($0.layer.denseReason ?? "dense")" }.joined(separator: "\n") + "\n"
        let host = network.hostElementOps(batch: s.batch)
        md += """

        ## Host work (not simulated)

        The rest of the training step — ReLU, pooling, batch-norm, residual adds, the loss — runs on
        the host: \(host.forward) element operations forward and \(host.backward) backward per step
        (counts from the network's shapes; see `HostOpKind` for the per-element costs assumed). The
        array's cycles above do not include it.

        """
        if s.patterns.count > 1 {
            md += "\n## N:M patterns\n\n| pattern | dense step | N:M step | speedup | ideal 3/(2N/M+1) | ratio | ideal for these dense phases | ratio | ideal at full utilisation | ratio | RTL-verified |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            for p in patternsInOrder {
                let t = totals(pattern: p)
                md += "| \(p) | \(t.denseCycles) | \(t.trainedCycles) | \(Self.f(t.speedup))x | \(Self.f(t.ideal))x | \(Self.f(t.ratio)) | \(Self.f(t.phaseIdeal))x | \(Self.f(t.phaseRatio)) | \(Self.f(t.macIdeal))x | \(Self.f(t.macRatio)) | \(Self.f(100 * t.rtlShare, 1))% |\n"
            }
        }
        md += "\n## Plots\n\n![cycles per layer](cycles-per-layer.svg)\n\n![PE utilisation](utilisation.svg)\n"
        if s.patterns.count > 1 { md += "\n![speedup per N:M pattern](patterns.svg)\n" }
        return md
    }

    /// The plots, by file name.
    public var plots: [(name: String, svg: String)] {
        let main = results.setup.patterns[0]
        let rows = rows(pattern: main)
        let names = rows.map(\.layer.name)
        func segments(_ r: LayerRun.Report, _ scale: Double) -> [Double] {
            let by = Dictionary(r.phases.map { ($0.name, Double($0.cycles)) }, uniquingKeysWith: { a, _ in a })
            return ["forward", "backwardData", "weightGradient"].map { (by[$0] ?? 0) / scale }
        }
        let bars = rows.map { r -> [SVGChart.StackedBar] in
            let scale = Double(max(1, r.dense.report.cycles))
            return [SVGChart.StackedBar(series: "dense", segments: segments(r.dense.report, scale)),
                    SVGChart.StackedBar(series: main, segments: segments(r.trained.report, scale))]
        }
        var out: [(String, String)] = [
            ("cycles-per-layer.svg", SVGChart.groupedStackedBars(
                title: "\(network.name): cycles per layer, dense vs \(main) (dense step = 1)", yLabel: "cycles / dense step",
                categories: names, segmentNames: ["FF", "BP", "WU"], bars: bars)),
            ("utilisation.svg", SVGChart.groupedBars(
                title: "\(network.name): PE utilisation per layer", yLabel: "utilisation (%)", categories: names,
                series: [("dense", rows.map { 100 * Self.utilisation($0.dense.report) }), (main, rows.map { 100 * Self.utilisation($0.trained.report) })],
                yMax: 100)),
        ]
        if results.setup.patterns.count > 1 {
            let ps = patternsInOrder
            let t = ps.map { totals(pattern: $0) }
            out.append(("patterns.svg", SVGChart.lines(
                title: "\(network.name): step speedup per N:M pattern", xLabel: "N:M", yLabel: "step speedup over dense",
                xCategories: ps, series: [("measured", t.map(\.speedup), false), ("ideal 3/(2N/M+1)", t.map(\.ideal), true),
                         ("ideal for these dense phases", t.map(\.phaseIdeal), true)])))
        }
        return out
    }

    /// Writes `report.md` and the plots into `directory` (created if needed).
    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try markdown.write(to: directory.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
        for (name, svg) in plots {
            try svg.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }
}
