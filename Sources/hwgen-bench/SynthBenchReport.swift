// Benchmarks/synth.md and .json from SynthBench's measurements.
import Flow
import Foundation

struct SynthBenchReport: Codable {
    var resources: [SynthBench.ResourceRow]
    var placed: [SynthBench.PnRRow]
    /// Whole systems placed and routed (absent in reports written before they were measured).
    var systems: [SynthBench.SystemPnRRow]?
    var yosys: String
    var clock: Double

    /// Dense-equivalent multiply-accumulates of the fixed GEMM.
    static var macs: Double { Double(SynthBench.gemm.rows * SynthBench.gemm.k * SynthBench.gemm.cols) }

    /// GEMM throughput at Fmax, dense-equivalent MAC/s.
    static func throughput(cycles: Int, fmaxMHz: Double) -> Double { macs / (Double(cycles) / (fmaxMHz * 1e6)) }

    static func f(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

    func write(to base: URL) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        try (String(decoding: try enc.encode(self), as: UTF8.self) + "\n").write(to: base.appendingPathExtension("json"), atomically: true, encoding: .utf8)
        try markdown.write(to: base.appendingPathExtension("md"), atomically: true, encoding: .utf8)
    }

    var markdown: String {
        let g = SynthBench.gemm
        var s = """
        # FPGA synthesis and place and route

        Written by `Scripts/bench-synth` (`hwgen-bench synth`), the same flow as `hwgen synth`: \(yosys), hierarchy kept
        (each unique module mapped once; nextpnr flattens as it reads), ECP5 with the design's technology library (pipelined
        multipliers as MULT18X18D with their own registers). int8 operands, int32 accumulators. Rows measured before a flow
        change keep their numbers: the place-and-route rows up to `mux+in+mul+sum` were synthesised flattened for nextpnr
        (the `mux+mul+sum` rows and earlier also without the technology library, which their pipelines do not use), and the
        4x4 `mux+in+mul+sum` row, the `router2` rows and the speed grade 8 row predate the accumulator that adds to zero
        on a tile's first beat and the entry stage's per-PE tile flag and mode (README, PE pipelining, causes 4 and 5).


        """
        s += pipelining
        s += systemsSection
        s += "\n## Resources per target (synthesis only, default PE pipeline)\n\n"
        s += "Totals for the whole core (every instance expanded); `SRL` = LUTs used as shift registers or memory. "
        s += "ECP5 also uses PFUMX/L6MUX21 wide multiplexers (in `hwgen synth`'s `other` column, not counted here); "
        s += "the generic target's LUT column counts yosys gates. 16x16 SAT needs 512 multipliers: more than the 156 MULT18X18D "
        s += "of an LFE5UM-85F, so it is synthesis only.\n"
        for t in SynthTarget.allCases {
            let rows = resources.filter { $0.target == t.rawValue }
            guard !rows.isEmpty else { continue }
            s += "\n### \(t.rawValue)\n\n| design | size | LUT | FF | carry | DSP | BRAM | SRL | yosys s |\n|---|---|--:|--:|--:|--:|--:|--:|--:|\n"
            for r in rows {
                let c = r.total
                s += "| \(r.design) | \(r.size)x\(r.size) | \(c[.lut]) | \(c[.ff]) | \(c[.carry]) | \(c[.dsp]) | \(c[.bram]) | \(c[.lutram]) | \(Self.f(r.seconds)) |\n"
            }
        }
        s += "\n## Cost of N:M support per PE (vs the dense osarray PE)\n\n"
        s += "One PE (its module's own cells). The unified PE holds N multipliers fed by N M:1 index multiplexers; "
        s += "the dense PE one multiplier. A unified PE does the work of M/N dense-PE beats per cycle in sparse mode.\n\n"
        s += "| target | PE | LUT | FF | carry | DSP | LUT vs dense |\n|---|---|--:|--:|--:|--:|--:|\n"
        for t in SynthTarget.allCases {
            let rows = resources.filter { $0.target == t.rawValue }
            guard let smallest = rows.map(\.size).min(), let dense = rows.first(where: { $0.design == "osarray" && $0.size == smallest }) else { continue }
            for r in rows where r.size == smallest {
                let ratio = dense.pe[.lut] > 0 ? Self.f(Double(r.pe[.lut]) / Double(dense.pe[.lut]), 2) + "x" : "-"
                s += "| \(t.rawValue) | \(r.design == "osarray" ? "dense (osarray)" : r.design) | \(r.pe[.lut]) | \(r.pe[.ff]) | \(r.pe[.carry]) | \(r.pe[.dsp]) | \(ratio) |\n"
            }
        }
        s += "\nMachine: 2 shared cores; wall times include waiting for the CPU.\n"
        _ = g
        return s
    }

    var systemsSection: String {
        guard let systems, !systems.isEmpty else { return "" }
        var s = "\n## Training system: Fmax after place and route\n\n"
        s += "The whole design of each row (core, buffers, DMA, controller, update unit) through `hwgen synth --pnr --json`, imported with "
        s += "`Scripts/bench-synth --import-system FILE.json` (a place and route of this size takes longer than the script's other runs together). "
        s += "Utilisation is nextpnr's, of the part.\n\n"
        s += "| design | parameters | part | Fmax MHz | asked MHz | utilisation | critical path (start → end) | path ns (routing) | wall s |\n"
        s += "|---|---|---|--:|--:|---|---|--:|--:|\n"
        for r in systems {
            let use = r.utilisation.filter { $0.used > 0 && ["TRELLIS_COMB", "TRELLIS_FF", "MULT18X18D", "DP16KD", "TRELLIS_RAMW", "ALU54B"].contains($0.resource) }
                .map { "\($0.resource) \($0.used)/\($0.available)" }.joined(separator: ", ")
            s += "| \(r.design) | \(r.parameters) | \(r.part) | \(Self.f(r.fmaxMHz)) | \(Self.f(r.clockMHz, 0)) | \(use) | `\(r.criticalPath.start)` → `\(r.criticalPath.end)` | "
            s += "\(Self.f(r.criticalPath.delayNs, 2)) (\(Self.f(r.criticalPath.routingNs, 2))) | \(Self.f(r.seconds, 0)) |\n"
        }
        s += "\nCritical paths in full:\n\n"
        for r in systems { s += "* \(r.design) (\(r.parameters)): " + r.criticalPath.through.map { "`\($0)`" }.joined(separator: " → ") + "\n" }
        return s
    }

    var pipelining: String {
        guard !placed.isEmpty else { return "" }
        let g = SynthBench.gemm
        var s = "## PE pipelining: Fmax after place and route, and GEMM throughput\n\n"
        s += "SAT 2:8, nextpnr-ecp5 on the part of each row (CABGA381, out of context, seed 1, asked for \(Self.f(clock, 0)) MHz; speed grade 6 is nextpnr's default and the slowest). "
        s += "Cycles: the fixed GEMM Y (\(g.rows)x\(g.cols)) = W (\(g.rows)x\(g.k)) · X (\(g.k)x\(g.cols)) on the core, tiles back to back, "
        s += "from `SATCycleModel` (which the co-simulation tests hold the RTL to). Throughput = dense-equivalent MACs "
        s += "(\(Int(Self.macs))) per second at Fmax; *dense* is the same core in dense mode (same hardware, so the same Fmax: "
        s += "`mode` is an input). LUT = LUT4 cells after synthesis.\n\n"
        s += "| part | core | pipeline | Fmax MHz | LUT | FF | DSP | cycles 2:8 | cycles dense | GMAC/s 2:8 | GMAC/s dense | kMAC/s per LUT (2:8) | critical path (start → end) | P&R s |\n"
        s += "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|\n"
        for r in placed {
            let sparse = Self.throughput(cycles: r.sparseCycles, fmaxMHz: r.fmaxMHz)
            let dense = Self.throughput(cycles: r.denseCycles, fmaxMHz: r.fmaxMHz)
            s += "| \(r.part) | \(r.size)x\(r.size) | \(r.pipeline) | \(Self.f(r.fmaxMHz)) | \(r.luts) | \(r.ffs) | \(r.dsps) | \(r.sparseCycles) | \(r.denseCycles) | "
            s += "\(Self.f(sparse / 1e9, 2)) | \(Self.f(dense / 1e9, 2)) | \(Self.f(sparse / Double(max(1, r.luts)) / 1e3, 1)) | "
            s += "`\(r.criticalStart)` → `\(r.criticalEnd)` | \(Self.f(r.seconds, 0)) |\n"
        }
        s += "\nCritical paths in full:\n\n"
        for r in placed { s += "* \(r.part) \(r.size)x\(r.size) \(r.pipeline): " + r.criticalThrough.map { "`\($0)`" }.joined(separator: " → ") + "\n" }
        return s
    }
}
