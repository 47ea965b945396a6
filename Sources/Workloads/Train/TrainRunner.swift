import Cosim
import Foundation
import SparseAccel
import SparseModel

/// Runs training jobs: each layer step is first predicted by the cycle model; within the RTL
/// budget it is then co-simulated (tensors checked bit-exact against the golden step, cycles
/// against the model), beyond it the model's report stands and is marked `model`.
public struct TrainRunner {
    public let setup: TrainSetup
    /// The system of each pattern in `setup.patterns`.
    public let systems: [String: SATSystemConfig]

    public init(setup: TrainSetup, systems: [String: SATSystemConfig]) throws {
        for p in setup.patterns where systems[p] == nil { throw SimulationError(description: "no system for pattern \(p)") }
        self.setup = setup
        self.systems = systems
    }

    func layerRun(_ job: TrainJob) throws -> LayerRun {
        guard let system = systems[job.pattern] else { throw SimulationError(description: "job \(job.key): no system for pattern \(job.pattern)") }
        return LayerRun(config: system, layer: job.layer, batch: setup.batch, sparse: job.sparse,
                        computeInputGradient: job.needsInputGradient, seed: job.seed)
    }

    /// Runs `jobs` in order, calling `progress` with one-line status texts and `finished` with
    /// each result as it completes (to write it at once: a long run keeps what it has done).
    public func run(_ jobs: [TrainJob], progress: @escaping (String) -> Void, finished: (TrainJobResult) throws -> Void) throws -> [TrainJobResult] {
        // Predict every job first: the RTL budget needs it, and so does the time-left estimate.
        var predictions: [LayerRun.Report] = []
        let start = Date()
        for (i, job) in jobs.enumerated() {
            progress("predicting \(i + 1)/\(jobs.count): \(job.key)")
            predictions.append(try layerRun(job).modelReport(dram: setup.dram))
        }
        let rtlCycles = zip(jobs, predictions).filter { $1.cycles <= setup.rtlBudget }.map(\.1.cycles).reduce(0, +)
        progress(String(format: "predicted %d jobs in %.1f s; %d cycles to co-simulate", jobs.count, Date().timeIntervalSince(start), rtlCycles))

        var results: [TrainJobResult] = []
        var simulated = 0, simSeconds = 0.0
        for (i, (job, predicted)) in zip(jobs, predictions).enumerated() {
            let result: TrainJobResult
            if predicted.cycles <= setup.rtlBudget {
                let t = Date()
                // A line per phase and about one per 2 s within a long phase: layer i/n, phase,
                // cycles/s over the run so far, time left for every RTL job still due.
                var lastLine = Date.distantPast, lastPhase = ""
                let report = try layerRun(job).run(dram: setup.dram) { phase, cycle in
                    let now = Date()
                    guard phase != lastPhase || now.timeIntervalSince(lastLine) >= 2, phase != "done" else { return }
                    lastLine = now
                    lastPhase = phase
                    let rate = Double(simulated + cycle) / max(simSeconds + now.timeIntervalSince(t), 1e-9)
                    let left = Double(rtlCycles - simulated - cycle) / max(rate, 1)
                    progress(String(format: "job %d/%d %@ %@ (%@) %@: cycle %d of ~%d, %.0f cycles/s; about %.0f s left",
                                    i + 1, jobs.count, job.pattern, job.sparse ? "N:M" : "dense", job.layer.description, phase,
                                    cycle, predicted.cycles, rate, max(left, 0)))
                }
                simSeconds += Date().timeIntervalSince(t)
                simulated += report.cycles
                result = TrainJobResult(setup: setup, job: job, source: .rtl, report: report)
                let rate = Double(simulated) / max(simSeconds, 1e-9)
                let left = Double(rtlCycles - simulated) / max(rate, 1)
                progress(String(format: "job %d/%d %@ %@ (%@): %d cycles on the RTL, %.0f cycles/s, %@; about %.0f s left",
                                i + 1, jobs.count, job.pattern, job.sparse ? "N:M" : "dense", job.layer.description, report.cycles, rate,
                                result.ok ? "checked" : "MISMATCH", left))
            } else {
                result = TrainJobResult(setup: setup, job: job, source: .model, report: predicted)
                progress("job \(i + 1)/\(jobs.count) \(job.pattern) \(job.sparse ? "N:M" : "dense") (\(job.layer)): \(predicted.cycles) cycles > RTL budget \(setup.rtlBudget): cycle model")
            }
            try finished(result)
            results.append(result)
        }
        return results
    }
}

/// All the job results of one run, in plan order: what `--json` writes and `hwgen report` reads.
public struct TrainResults: Sendable, Codable {
    public let setup: TrainSetup
    public let jobs: [TrainJobResult]

    /// Combines job results (from any number of shards) into the results of their run: they must
    /// share one setup, cover every job of its plan, and agree where a job appears twice.
    public static func merge(_ results: [TrainJobResult]) throws -> TrainResults {
        guard let setup = results.first?.setup else { throw SimulationError(description: "no job results to merge") }
        for r in results where r.setup != setup {
            throw SimulationError(description: "job \(r.job.key) belongs to another run (\(r.setup.model) \(r.setup.input.rawValue) batch \(r.setup.batch), \(r.setup.patterns.joined(separator: ",")))")
        }
        let network = try ModelZoo.network(setup.model, input: setup.input)
        let plan = TrainJob.plan(setup, network: network)
        var byKey: [String: TrainJobResult] = [:]
        for r in results {
            if let other = byKey[r.job.key], other.report.cycles != r.report.cycles || other.source != r.source {
                throw SimulationError(description: "job \(r.job.key) appears twice with different results")
            }
            byKey[r.job.key] = r
        }
        let missing = plan.filter { byKey[$0.key] == nil }
        guard missing.isEmpty else {
            throw SimulationError(description: "\(missing.count) of \(plan.count) jobs missing, e.g. \(missing.prefix(3).map(\.key).joined(separator: ", "))")
        }
        let extra = Set(byKey.keys).subtracting(plan.map(\.key))
        guard extra.isEmpty else { throw SimulationError(description: "jobs not in the run's plan: \(extra.sorted().prefix(3).joined(separator: ", "))") }
        return TrainResults(setup: setup, jobs: plan.map { byKey[$0.key]! })
    }
}
