import Cosim
import Formats
import Foundation
import HWCore
import SparseAccel

/// Runs an instruction program on the RTL of the SparseTrain training system (Verilator) with a
/// ``Cosim/DRAMModel`` behind its memory port, as ``SystemRun`` does for the SAT system (the same
/// instruction feeder, memory driver and status monitor: the systems share their ports), and
/// reports what the design's own protocol says: the cycle counter at every completed SYNC, the
/// error status, the status counters (`beats` = the array's busy cycles, Σ of its runs' cycle
/// counts).
///
/// The run ends when `syncs` SYNCs have completed, the design reports an error, or the harness
/// watchdog fires (no SYNC within `maxCycles`, or nothing moving for `quietCycles` cycles).
public struct SparseTrainSystemRun {
    public let config: SparseTrainSystemConfig
    public let model: CompiledModel

    /// Elaborates `config` and builds (or loads from the cache) its Verilator model.
    public init(config: SparseTrainSystemConfig, options: BuildOptions = BuildOptions()) throws {
        self.config = config
        let design = try Design.elaborate(try SparseTrainSystem.build(config), parameters: config.parameters, style: .simulation)
        model = try ModelBuilder.build(design, options: options)
    }

    /// Runs `program` against `dram` (modified in place).
    public func run(_ program: [Instruction], dram: DRAMModel, maxCycles: Int = 50_000_000, quietCycles: Int = 100_000) throws -> SystemRun.Result {
        try run(words: try program.map { try $0.encode() }, dram: dram, syncs: program.filter { $0.opcode == .sync }.count,
                maxCycles: maxCycles, quietCycles: quietCycles)
    }

    /// Runs an encoded program (any bits, so a test can feed what no encoder produces).
    public func run(words: [[UInt64]], dram: DRAMModel, syncs: Int, maxCycles: Int = 50_000_000, quietCycles: Int = 100_000) throws -> SystemRun.Result {
        let sim = try Simulator(model)
        let feeder = try InstructionFeeder(sim, words: words)
        let memory = try MemoryPortDriver(sim, model: dram)
        let status = try StatusMonitor(sim)
        try sim.reset(cycles: 2)
        var cycle = 0, quiet = 0
        let outcome: SystemRun.Outcome
        while true {
            if status.syncCycles.count >= syncs && syncs > 0 { outcome = .completed; break }
            if let e = status.error { outcome = .error(e.0, instruction: e.1); break }
            if cycle >= maxCycles { outcome = .watchdog("\(status.syncCycles.count) of \(syncs) SYNCs after \(maxCycles) cycles"); break }
            if quiet >= quietCycles {
                outcome = .watchdog("nothing moved for \(quietCycles) cycles with \(syncs - status.syncCycles.count) SYNC(s) still due")
                break
            }
            let before = (feeder.index, dram.stats.readBeats, dram.stats.writeBeats, dram.stats.readRequests, dram.stats.writeRequests, status.beats)
            try sim.cycle([feeder, memory, status])
            cycle += 1
            let after = (feeder.index, dram.stats.readBeats, dram.stats.writeBeats, dram.stats.readRequests, dram.stats.writeRequests, status.beats)
            quiet = before == after ? quiet + 1 : 0
        }
        if let f = dram.faults.first { throw SimulationError(description: "memory fault: \(f)") }
        return SystemRun.Result(outcome: outcome, syncCycles: status.syncCycles, cycles: cycle, beats: status.beats,
                                readBeats: status.readBeats, writeBeats: status.writeBeats, accepted: feeder.index)
    }
}
