import Foundation

/// The N:M and dense runs of one layer step side by side: per-phase cycles and speedup, the
/// step speedup against the ideal 3 / (2N/M + 1), PE utilisation, DMA bytes against the minimum,
/// and whether every check passed.
public struct LayerComparison: Sendable, Codable {
    public let reports: [LayerRun.Report]
    /// Dense step cycles over N:M step cycles (when both ran).
    public let stepSpeedup: Double?
    /// 3 / (2N/M + 1): FF and BP at M/N, WU dense (BP skipped: 2 / (N/M + 1)).
    public let idealSpeedup: Double
    public let ratioToIdeal: Double?
    public let ok: Bool

    public init(reports: [LayerRun.Report], n: Int, m: Int) {
        self.reports = reports
        let sparse = reports.first { $0.mode != "dense" }, dense = reports.first { $0.mode == "dense" }
        let phases = Double(sparse?.phases.count ?? dense?.phases.count ?? 3)
        let ideal = phases / ((phases - 1) * Double(n) / Double(m) + 1)
        idealSpeedup = ideal
        if let s = sparse, let d = dense {
            let speedup = Double(d.cycles) / Double(s.cycles)
            stepSpeedup = speedup
            ratioToIdeal = speedup / ideal
        } else {
            stepSpeedup = nil
            ratioToIdeal = nil
        }
        ok = reports.allSatisfy { $0.bitExact && $0.cyclesMatchModel }
    }

    /// The human-readable summary.
    public var text: String {
        var out: [String] = []
        guard let first = reports.first else { return "no runs" }
        out.append("\(first.config): \(first.layer), batch \(first.batch)")
        func kb(_ b: Int) -> String { String(format: "%.1f KiB", Double(b) / 1024) }
        for r in reports {
            out.append("")
            out.append("\(r.mode) step: \(r.cycles) cycles, \(r.instructions) instructions; "
                + (r.bitExact ? "Y, dX, W', Wf', Wbt' bit-exact" : "MISMATCH: \(r.mismatches.joined(separator: ", "))") + "; "
                + (r.cyclesMatchModel ? "cycles = cycle model" : "CYCLES DIFFER from the model (model \(r.modelSyncCycles), RTL \(r.rtlSyncCycles))"))
            out.append("  phase            cycles      beats   PE util   DMA read (min)          DMA written (min)")
            for p in r.phases {
                out.append("  " + p.name.padding(toLength: 15, withPad: " ", startingAt: 0)
                    + String(format: "%9d  %9d   %5.1f%%   ", p.cycles, p.beats, 100 * p.utilisation)
                    + "\(kb(p.readBytes)) (\(kb(p.minimumReadBytes)))".padding(toLength: 24, withPad: " ", startingAt: 0)
                    + "\(kb(p.writtenBytes)) (\(kb(p.minimumWrittenBytes)))")
            }
        }
        if let s = reports.first(where: { $0.mode != "dense" }), let d = reports.first(where: { $0.mode == "dense" }) {
            out.append("")
            for (ps, pd) in zip(s.phases, d.phases) {
                out.append("  \(ps.name): \(String(format: "%.2f", Double(pd.cycles) / Double(max(1, ps.cycles))))x")
            }
            out.append(String(format: "step speedup %.3fx, ideal 3/(2N/M+1) = %.3fx, ratio %.3f", stepSpeedup ?? 0, idealSpeedup, ratioToIdeal ?? 0))
        }
        out.append(ok ? "OK" : "FAILED")
        return out.joined(separator: "\n")
    }
}
