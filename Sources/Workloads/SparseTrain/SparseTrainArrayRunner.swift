import Cosim
import Formats
import Foundation
import HWCore
import SparseAccel
import SparseModel

/// Runs 1-D convolution work items on the Verilated SparseTrain array: per run, loads every PE's
/// operand memory with its queue of items (entry words in ``SparseTrainEntryLayout``, each
/// carrying its item's output mask, the item's last word marked) and entry count, pulses `start`,
/// waits for `done`, reads the design's own cycle counter and every item's result slot.
/// Loading is not counted (a production array double-buffers its operand memories).
public final class SparseTrainArrayRunner {
    public let config: SparseTrainConfig
    let layout: SparseTrainEntryLayout
    let sim: Simulator
    let p: (ldKind: PortHandle, ldPe: PortHandle, ldAddr: PortHandle, ldData: PortHandle, start: PortHandle, stride: PortHandle,
            done: PortHandle, cycles: PortHandle, rdSlot: PortHandle, rdPe: PortHandle, rdIdx: PortHandle, rdData: PortHandle)

    /// One run's outcome.
    public struct Run: Sendable {
        /// The RTL's cycle counter at done.
        public let cycles: Int
        /// ``SparseTrainCycleModel/runCycles(_:)`` of the run's queues.
        public let modelCycles: Int
    }

    /// Builds (or loads from the cache) the model of `config`.
    public init(config: SparseTrainConfig, options: BuildOptions = BuildOptions()) throws {
        self.config = config
        layout = try config.entryLayout()
        let d = try SparseTrainArray.build(config)
        let design = try Design.elaborate(d, parameters: config.parameters, style: .simulation)
        let s = try Simulator(try ModelBuilder.build(design, options: options))
        func port<S: PortShape>(_ f: KeyPath<SparseTrainArray.Ports, S>) throws -> PortHandle {
            guard let n = d.portNames(f).first else { throw SimulationError(description: "\(f) is not a port") }
            return try s.port(n)
        }
        sim = s
        p = (try port(\.ldKind), try port(\.ldPe), try port(\.ldAddr), try port(\.ldData), try port(\.start), try port(\.strideLog2),
             try port(\.done), try port(\.cycles), try port(\.rdSlot), try port(\.rdPe), try port(\.rdIdx), try port(\.rdData))
        try sim.reset()
    }

    public var pes: Int { config.rows * config.cols }

    /// The capacity of one PE per run (operand memory entries, result slots).
    public var capacity: PECapacity { PECapacity(entries: config.depth, slots: config.slots) }

    /// Runs one item per PE (`items[i]` on PE i).
    public func run(_ items: [WorkItem]) throws -> (run: Run, outputs: [(Int, Int64)]) {
        try run(queues: items.map { [$0] })
    }

    /// Runs `queues` (`queues[i]` on PE i, at most one queue per PE, all items with one stride)
    /// and returns the run's cycles and every computed output as (flat output index, value).
    public func run(queues: [[WorkItem]]) throws -> (run: Run, outputs: [(Int, Int64)]) {
        guard queues.count <= pes else { throw SimulationError(description: "\(queues.count) queues for \(pes) PEs") }
        let stride = queues.lazy.flatMap { $0 }.first?.strideLog2 ?? 0
        guard queues.allSatisfy({ $0.allSatisfy { $0.strideLog2 == stride } }) else { throw SimulationError(description: "items of one run differ in stride") }
        for q in queues {
            guard q.count <= config.slots else { throw SimulationError(description: "a queue of \(q.count) items; a PE has \(config.slots) result slots") }
            guard q.allSatisfy({ !$0.entries.isEmpty }) else { throw SimulationError(description: "a queued work item has no entries (leave it out: its outputs are 0)") }
            let n = q.reduce(0) { $0 + $1.entries.count }
            guard n <= config.depth else {
                throw SimulationError(description: "a queue has \(n) entries; the PE memory holds \(config.depth) (cut items with Conv1DMapping maxEntries)")
            }
            guard q.allSatisfy({ $0.mask.count == config.outputs }) else { throw SimulationError(description: "a work item's mask is not \(config.outputs) outputs wide") }
        }
        for pe in 0..<pes {
            let queue = pe < queues.count ? queues[pe] : []
            sim.poke(p.ldPe, UInt64(pe))
            var a = 0
            for item in queue {
                for (j, e) in item.entries.enumerated() {
                    let words = try layout.pack(value: e.value, offset: e.offset, kernel: e.kernel, stored: e.stored, mask: item.mask,
                                                last: j == item.entries.count - 1)
                    load(kind: SparseTrainCell.kindEntry, addr: a, words: words)
                    try sim.step()
                    a += 1
                }
            }
            load(kind: SparseTrainCell.kindCount, addr: 0, words: [UInt64(a)])
            try sim.step()
        }
        sim.poke(p.ldKind, 0)
        sim.poke(p.start, 1)
        sim.poke(p.stride, UInt64(stride))
        try sim.step()
        sim.poke(p.start, 0)
        let model = SparseTrainCycleModel.runCycles(queues)
        var waited = 0
        try sim.settle()
        while sim.peek(p.done) == 0 {
            try sim.step()
            try sim.settle()
            waited += 1
            if waited > 4 * model + 64 {
                throw SimulationError(description: "the array did not raise done within \(waited) cycles (model: \(model))")
            }
        }
        let cycles = Int(sim.peek(p.cycles))
        var outputs: [(Int, Int64)] = []
        let aw = config.accWidth
        for slot in 0..<(queues.map(\.count).max() ?? 0) {
            sim.poke(p.rdSlot, UInt64(slot))
            try sim.step()
            for (pe, queue) in queues.enumerated() where slot < queue.count {
                sim.poke(p.rdPe, UInt64(pe))
                for (i, idx) in queue[slot].outputIndex.enumerated() {
                    guard let idx else { continue }
                    sim.poke(p.rdIdx, UInt64(i))
                    try sim.settle()
                    let raw = sim.peek(p.rdData)
                    outputs.append((idx, Int64(bitPattern: raw << UInt64(64 - aw)) >> Int64(64 - aw)))
                }
            }
        }
        return (Run(cycles: cycles, modelCycles: model), outputs)
    }

    func load(kind: Int, addr: Int, words: [UInt64]) {
        sim.poke(p.ldKind, UInt64(kind))
        sim.poke(p.ldAddr, UInt64(addr))
        sim.poke(p.ldData, words: words.flatMap { [UInt32(truncatingIfNeeded: $0), UInt32(truncatingIfNeeded: $0 >> 32)] })
    }
}
