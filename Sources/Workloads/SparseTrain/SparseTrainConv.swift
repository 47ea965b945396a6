import Foundation
import SparseAccel
import SparseModel

/// One phase of a convolution on the SparseTrain array, sparse and dense modes: the RTL's results
/// compared with ``ConvReference`` (bit-exact) and every run's cycle counter with
/// ``SparseTrainCycleModel`` (exact).
public enum SparseTrainConv {
    /// One mode's outcome.
    public struct ModeResult: Sendable, Codable {
        public let mode: String
        /// Σ of the RTL's cycle counter over the runs.
        public let rtlCycles: Int
        /// Σ of the cycle model over the runs.
        public let modelCycles: Int
        public let runs: Int
        /// Runs whose RTL cycles differ from the model.
        public let cycleMismatches: Int
        public let items: Int
        /// MACs issued (valid pairs) and entries that issued none.
        public let pairs: Int
        public let idleEntries: Int
        /// pairs / PEs.
        public let idealCycles: Double
        /// Of the cycles above the ideal bound: the runs' fixed cost (memory read before the first
        /// entry) and load imbalance (PEs waiting for their run's slowest PE).
        public let fixedCycles: Int
        public let imbalance: Double
        /// pairs / (RTL cycles · PEs).
        public let utilisation: Double
        /// Output elements that differ from the reference, and the first one.
        public let valueMismatches: Int
        public let firstMismatch: String?

        public var ok: Bool { cycleMismatches == 0 && valueMismatches == 0 }
        /// RTL cycles over the ideal bound.
        public var overIdeal: Double { idealCycles > 0 ? Double(rtlCycles) / idealCycles : 1 }
    }

    /// The report of one phase.
    public struct Report: Sendable, Codable {
        public let phase: String
        public let layer: String
        public let mapping: String
        public let pes: Int
        public let tau: Int64?
        /// Zero fractions of the operands the phase streams.
        public let sparsity: [String: Double]
        public let sparse: ModeResult
        public let dense: ModeResult?
        /// Dense RTL cycles / sparse RTL cycles.
        public var speedup: Double? { dense.map { Double($0.rtlCycles) / Double(max(1, sparse.rtlCycles)) } }
        public var ok: Bool { sparse.ok && (dense?.ok ?? true) }

        /// A short human-readable summary.
        public var text: String {
            var s = "sparsetrain \(phase) \(layer) on \(pes) PEs (\(mapping) mapping)"
            if let tau { s += ", tau \(tau)" }
            s += "\n  sparsity: " + sparsity.keys.sorted().map { "\($0) \(String(format: "%.1f%%", 100 * sparsity[$0]!))" }.joined(separator: ", ")
            for m in [sparse] + (dense.map { [$0] } ?? []) {
                s += "\n  \(m.mode): \(m.rtlCycles) cycles (model \(m.modelCycles)), \(m.runs) runs, \(m.pairs) MACs, ideal \(String(format: "%.1f", m.idealCycles)) "
                s += "(x\(String(format: "%.3f", m.overIdeal)); fixed \(m.fixedCycles), imbalance \(String(format: "%.1f", m.imbalance))), "
                s += "utilisation \(String(format: "%.1f%%", 100 * m.utilisation)), results \(m.valueMismatches == 0 ? "bit-exact" : "\(m.valueMismatches) mismatches (first: \(m.firstMismatch ?? ""))")"
                if m.cycleMismatches > 0 { s += ", \(m.cycleMismatches) runs' cycles differ from the model" }
            }
            if let sp = speedup { s += "\n  speedup (dense/sparse cycles): \(String(format: "%.2fx", sp))" }
            s += "\n  " + (ok ? "PASS" : "FAIL")
            return s
        }
    }

    /// Runs `phase` of `ops` on `runner`'s array in sparse mode and, with `dense`, dense mode.
    public static func run(_ phase: ConvPhase, _ ops: SparseTrainOperands, runner: SparseTrainArrayRunner, mapping: ArrayMapping,
                           dense: Bool = true) throws -> Report {
        let cfg = runner.config
        let geometry = Conv1DGeometry(taps: cfg.taps, outputs: cfg.outputs, maxStrideLog2: cfg.maxStrideLog2)
        let layer = ops.layer
        var modes: [ModeResult] = []
        for isDense in dense ? [false, true] : [false] {
            let items = try Conv1DMapping.items(phase, layer: layer, geometry: geometry, dense: isDense, x: ops.x, dy: ops.dy, w: ops.w,
                                                mask: phase == .bp ? ops.reluMask : nil, maxEntries: cfg.depth)
            let reference: [Int64]
            switch phase {
            case .ff: reference = ConvReference.forward(layer, x: ops.x, w: ops.w, accWidth: cfg.accWidth).values
            case .bp: reference = ConvReference.backward(layer, dy: ops.dy, w: ops.w, mask: isDense ? nil : ops.reluMask, accWidth: cfg.accWidth).values
            case .wu: reference = ConvReference.weightGradient(layer, x: ops.x, dy: ops.dy, accWidth: cfg.accWidth).storage
            }
            var got = [Int64](repeating: 0, count: reference.count)
            var rtl = 0, model = 0, cycleBad = 0
            let runs = try SparseTrainCycleModel.runs(items, pes: runner.pes, capacity: runner.capacity, mapping: mapping)
            for r in runs {
                let (run, outputs) = try runner.run(queues: r.map { $0.map { items[$0] } })
                rtl += run.cycles
                model += run.modelCycles
                if run.cycles != run.modelCycles { cycleBad += 1 }
                // Items cut to fit a PE's memory give partial sums of one output: add them.
                for (i, v) in outputs { got[i] = ConvReference.wrap(got[i] &+ v, cfg.accWidth) }
            }
            var bad = 0
            var first: String?
            for i in reference.indices where got[i] != reference[i] {
                bad += 1
                if first == nil { first = "output \(i): RTL \(got[i]), golden \(reference[i])" }
            }
            let summary = try PhaseCycles(items, pes: runner.pes, capacity: runner.capacity, mapping: mapping)
            modes.append(ModeResult(mode: isDense ? "dense" : "sparse", rtlCycles: rtl, modelCycles: model, runs: runs.count,
                                    cycleMismatches: cycleBad, items: items.count, pairs: summary.pairs, idleEntries: summary.idleEntries,
                                    idealCycles: summary.ideal, fixedCycles: summary.fixedCycles, imbalance: summary.imbalance, utilisation: rtl == 0 ? 0 : Double(summary.pairs) / Double(rtl * runner.pes),
                                    valueMismatches: bad, firstMismatch: first))
        }
        var sparsity: [String: Double] = [:]
        switch phase {
        case .ff: sparsity["X"] = ops.x.sparsity
        case .bp:
            sparsity["dY natural"] = ops.dyNatural.sparsity
            sparsity["dY pruned"] = ops.dy.sparsity
            sparsity["dX mask off"] = Double(ops.reluMask.values.lazy.filter { !$0 }.count) / Double(max(1, ops.x.values.count))
        case .wu:
            sparsity["X"] = ops.x.sparsity
            sparsity["dY pruned"] = ops.dy.sparsity
        }
        return Report(phase: phase.rawValue, layer: layer.description, mapping: mapping.rawValue, pes: runner.pes, tau: ops.tau,
                      sparsity: sparsity, sparse: modes[0], dense: modes.count > 1 ? modes[1] : nil)
    }
}
