import Cosim
import Formats
import Foundation
import HWCore
import SparseAccel

/// Runs an instruction program on the RTL of the SAT training system (Verilator), with a
/// ``Cosim/DRAMModel`` behind its memory port, and reports what the design's own protocol says:
/// the cycle of every completed SYNC, the error status, the status counters.
///
/// Every cycle: the instruction feeder offers the next instruction (`insn_valid`, `insn_bits`),
/// the memory driver serves the port, then the design settles and the handshakes are counted.
/// With `config.axi` the design is ``SparseAccel/SATSystemAXI`` and the memory model sits behind
/// an AXI4 slave adapter, with ``Cosim/AXI4Checker`` checking every handshake rule each cycle.
///
/// The run ends when `syncs` SYNCs have completed, or the design reports an error (`error` ≠ 0),
/// or the harness watchdog fires: no SYNC within `maxCycles`, or nothing moving (no instruction
/// accepted, no memory handshake, no array beat) for `quietCycles` cycles while SYNCs are still
/// due — e.g. a program that lacks its final SYNC. A run never hangs.
public struct SystemRun {
    /// Why a run ended.
    public enum Outcome: Equatable, Sendable, CustomStringConvertible {
        /// Every expected SYNC completed.
        case completed
        /// The design reported an error: its code and the failing instruction's position.
        case error(SystemError, instruction: Int)
        /// The harness watchdog: the reason, one line.
        case watchdog(String)

        public var description: String {
            switch self {
            case .completed: return "completed"
            case .error(let e, let i): return "error: \(e.description) (instruction \(i))"
            case .watchdog(let why): return "watchdog: \(why)"
            }
        }
    }

    public struct Result: Sendable {
        public let outcome: Outcome
        /// The design's cycle counter at each completed SYNC.
        public let syncCycles: [Int]
        /// Cycles simulated.
        public let cycles: Int
        /// The design's counters at the end: array beats, memory beats read and written.
        public let beats: Int
        public let readBeats: Int
        public let writeBeats: Int
        /// Instructions the design accepted.
        public let accepted: Int
    }

    public let config: SATSystemConfig
    public let design: Design
    public let model: CompiledModel
    /// Seconds spent elaborating the design (building the Verilog).
    public let elaborationSeconds: Double

    /// Elaborates `config` and builds (or loads from the cache) its Verilator model.
    public init(config: SATSystemConfig, options: BuildOptions = BuildOptions()) throws {
        self.config = config
        let start = Date()
        design = config.axi
            ? try Design.elaborate(try SATSystemAXI.build(config), parameters: config.parameters, style: .simulation)
            : try Design.elaborate(try SATSystem.build(config), parameters: config.parameters, style: .simulation)
        elaborationSeconds = Date().timeIntervalSince(start)
        model = try ModelBuilder.build(design, options: options)
    }

    /// Runs `program` against `dram` (modified in place: the design's writes land in it); the run
    /// waits for `syncs` SYNCs (by default as many as the program holds).
    public func run(_ program: [Instruction], dram: DRAMModel, syncs: Int? = nil, maxCycles: Int = 50_000_000,
                    quietCycles: Int = 100_000, waveform: String? = nil, progress: ((Progress) -> Void)? = nil) throws -> Result {
        try run(words: try program.map { try $0.encode() }, dram: dram, syncs: syncs ?? program.filter { $0.opcode == .sync }.count,
                maxCycles: maxCycles, quietCycles: quietCycles, waveform: waveform, progress: progress)
    }

    /// Where a running program is: called when a SYNC completes and about every
    /// ``progressInterval`` cycles in between.
    public struct Progress: Sendable {
        /// Cycles simulated so far.
        public let cycle: Int
        /// SYNCs completed so far (the program is in its phase number `syncs`).
        public let syncs: Int
    }

    /// Cycles between two progress calls within a phase.
    public static let progressInterval = 1 << 18

    /// Runs an encoded program (two 64-bit words per instruction; any bits, so a test can feed
    /// what no encoder produces), waiting for `syncs` SYNCs.
    public func run(words: [[UInt64]], dram: DRAMModel, syncs: Int, maxCycles: Int = 50_000_000,
                    quietCycles: Int = 100_000, waveform: String? = nil, progress: ((Progress) -> Void)? = nil) throws -> Result {
        guard waveform == nil || model.options.trace else {
            throw SimulationError(description: "a waveform needs a model built with tracing (SystemRun(config:options:) with BuildOptions(trace: true))")
        }
        let sim = try Simulator(model)
        if let w = waveform { try sim.openWaveform(w) }
        defer { if waveform != nil { sim.closeWaveform() } }
        let feeder = try InstructionFeeder(sim, words: words)
        // The native port, or the AXI4 pins with a protocol checker watching every cycle.
        let memory: any CycleDriver = config.axi ? try AXI4SlaveDriver(sim, model: dram) : try MemoryPortDriver(sim, model: dram)
        let monitor = config.axi ? try AXI4Monitor(sim) : nil
        let status = try StatusMonitor(sim)
        try sim.reset(cycles: 2)
        let expected = syncs
        var cycle = 0, quiet = 0
        progress?(Progress(cycle: 0, syncs: 0))
        let outcome: Outcome
        while true {
            if status.syncCycles.count >= expected && expected > 0 { outcome = .completed; break }
            if let e = status.error { outcome = .error(e.0, instruction: e.1); break }
            if cycle - (status.syncCycles.last.map { $0 + 1 } ?? 0) >= maxCycles {
                outcome = .watchdog("no SYNC for \(maxCycles) cycles (\(status.syncCycles.count) of \(expected) done)"); break
            }
            if quiet >= quietCycles {
                let fed = feeder.index == words.count ? "the whole program was accepted" : "instruction \(feeder.index) of \(words.count) was never accepted"
                outcome = .watchdog("nothing moved for \(quietCycles) cycles with \(expected - status.syncCycles.count) SYNC(s) still due (\(fed); a program needs a final SYNC)")
                break
            }
            let syncsBefore = status.syncCycles.count
            let before = (feeder.index, dram.stats.readBeats, dram.stats.writeBeats, dram.stats.readRequests, dram.stats.writeRequests, status.beats)
            try sim.cycle([feeder, memory, status] + (monitor.map { [$0] } ?? []))
            cycle += 1
            let after = (feeder.index, dram.stats.readBeats, dram.stats.writeBeats, dram.stats.readRequests, dram.stats.writeRequests, status.beats)
            quiet = before == after ? quiet + 1 : 0
            if let progress, cycle % Self.progressInterval == 0 || status.syncCycles.count != syncsBefore {
                progress(Progress(cycle: cycle, syncs: status.syncCycles.count))
            }
        }
        if let f = dram.faults.first { throw SimulationError(description: "memory fault: \(f)") }
        if let m = monitor {
            m.checker.finish()
            if let v = m.checker.violations.first { throw SimulationError(description: "AXI4 protocol violation: \(v)") }
        }
        return Result(outcome: outcome, syncCycles: status.syncCycles, cycles: cycle, beats: status.beats,
                      readBeats: status.readBeats, writeBeats: status.writeBeats, accepted: feeder.index)
    }
}

/// Offers the program's instructions in order on `insn`.
final class InstructionFeeder: CycleDriver {
    let sim: Simulator
    let words: [[UInt32]]
    let valid, bits, ready: PortHandle
    private(set) var index = 0

    init(_ sim: Simulator, words: [[UInt64]]) throws {
        self.sim = sim
        self.words = words.map { w in w.flatMap { [UInt32(truncatingIfNeeded: $0), UInt32(truncatingIfNeeded: $0 >> 32)] } }
        valid = try sim.port("insn_valid")
        bits = try sim.port("insn_bits")
        ready = try sim.port("insn_ready")
    }

    func drive() throws {
        if index < words.count {
            sim.poke(valid, 1)
            sim.poke(bits, words: words[index])
        } else {
            sim.poke(valid, 0)
            sim.poke(bits, words: [0, 0, 0, 0])
        }
    }

    func observe() throws {
        if index < words.count && sim.peek(ready) == 1 { index += 1 }
    }
}

/// Watches the status outputs: SYNC completions (with the cycle counter), errors, counters.
final class StatusMonitor: CycleDriver {
    let sim: Simulator
    let syncDone, errorSeq, cyclesPort, beatsPort, readPort, writePort, errorPort: PortHandle
    private(set) var syncCycles: [Int] = []
    private(set) var error: (SystemError, Int)?
    private(set) var beats = 0, readBeats = 0, writeBeats = 0

    init(_ sim: Simulator) throws {
        self.sim = sim
        syncDone = try sim.port("sync_done")
        errorSeq = try sim.port("error_seq")
        cyclesPort = try sim.port("cycles")
        beatsPort = try sim.port("beats")
        readPort = try sim.port("read_beats")
        writePort = try sim.port("write_beats")
        errorPort = try sim.port("error")
    }

    func drive() throws {}

    func observe() throws {
        if sim.peek(syncDone) == 1 { syncCycles.append(Int(sim.peek(cyclesPort))) }
        let code = Int(sim.peek(errorPort))
        if code != 0, error == nil {
            error = (SystemError(rawValue: code) ?? .none, Int(sim.peek(errorSeq)))
        }
        beats = Int(sim.peek(beatsPort))
        readBeats = Int(sim.peek(readPort))
        writeBeats = Int(sim.peek(writePort))
    }
}
