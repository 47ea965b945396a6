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
        try SystemRunLoop.run(model: model, words: words, dram: dram, syncs: syncs, maxCycles: maxCycles, quietCycles: quietCycles)
    }
}
