import Cosim
import Formats
import SparseAccel

/// The cycle loop of a system run (the loop of ``SystemRun``, for any system built on
/// ``SparseAccel/SystemTop`` with the native memory port): feeds the instructions, serves the
/// memory port from `dram`, watches the status outputs; ends at the last SYNC, an error or the
/// harness watchdog.
enum SystemRunLoop {
    static func run(model: CompiledModel, words: [[UInt64]], dram: DRAMModel, syncs: Int, maxCycles: Int = 50_000_000,
                    quietCycles: Int = 100_000, waveform: String? = nil) throws -> SystemRun.Result {
        let sim = try Simulator(model)
        if let w = waveform { try sim.openWaveform(w) }
        defer { if waveform != nil { sim.closeWaveform() } }
        let feeder = try InstructionFeeder(sim, words: words)
        let memory = try MemoryPortDriver(sim, model: dram)
        let status = try StatusMonitor(sim)
        try sim.reset(cycles: 2)
        var cycle = 0, quiet = 0
        let outcome: SystemRun.Outcome
        while true {
            if status.syncCycles.count >= syncs && syncs > 0 { outcome = .completed; break }
            if let e = status.error { outcome = .error(e.0, instruction: e.1); break }
            if cycle - (status.syncCycles.last.map { $0 + 1 } ?? 0) >= maxCycles { outcome = .watchdog("no SYNC for \(maxCycles) cycles (\(status.syncCycles.count) of \(syncs) done)"); break }
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
