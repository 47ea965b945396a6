import Compiler
import Cosim
import Formats
import Foundation
import SparseAccel
import SparseModel

/// One phase of a convolution on the SparseTrain training system, sparse and dense modes: the
/// phase's work items (``SparseModel/Conv1DMapping``, balanced mapping) compiled to a DRAM image
/// and an instruction stream (``Compiler/SparseTrainProgram``), executed
/// * by the Swift reference of the ISA (``Compiler/SparseTrainInterpreter``), and
/// * on the Verilated system against the DRAM model (``SparseTrainSystemRun``),
/// each output read back from DRAM and compared bit for bit with ``SparseModel/ConvReference``.
/// Cycles come from the design: the cycle counter at the final SYNC (the system) and the `beats`
/// counter (Σ of the array's own run cycle counts, which must equal
/// ``SparseModel/SparseTrainCycleModel`` exactly); the system's cycles are compared with
/// ``SparseTrainSystemCycleModel``.
public enum SparseTrainSystemConv {
    /// One mode's outcome.
    public struct ModeResult: Sendable, Codable {
        public let mode: String
        /// The system's cycle counter at the final SYNC.
        public let systemCycles: Int
        /// ``SparseTrainSystemCycleModel``'s prediction of it.
        public let modelSystemCycles: Int
        /// The array's busy cycles on the RTL (Σ of its runs' cycle counters) and the golden count.
        public let arrayCycles: Int
        public let modelArrayCycles: Int
        public let runs: Int
        /// The compute unit's cycles of loading (a cycle per word and one for the counts) and
        /// draining (a cycle per slot and one per PE and slot) summed over the runs: what they would
        /// add if they did not overlap with the array's runs.
        public let loadDrainCycles: Int
        /// Of the entry words the LOADs move (a run's longest queue's words for every PE), the
        /// share that holds an entry (the rest is the zero padding of shorter queues).
        public let wordFill: Double
        public let instructions: Int
        public let pairs: Int
        /// pairs / PEs.
        public let idealCycles: Double
        /// Memory beats read and written (RTL), and their bytes.
        public let readBeats: Int
        public let writeBeats: Int
        public let beatBytes: Int
        /// Output elements that differ from the reference (RTL, and the Swift ISA reference), and the first one.
        public let valueMismatches: Int
        public let interpreterMismatches: Int
        public let firstMismatch: String?
        public let outcome: String

        public var ok: Bool {
            outcome == "completed" && valueMismatches == 0 && interpreterMismatches == 0 && arrayCycles == modelArrayCycles
                && systemCycles == modelSystemCycles
        }
        /// System cycles over the array's: what loading, draining and DMA add.
        public var systemOverArray: Double { arrayCycles > 0 ? Double(systemCycles) / Double(arrayCycles) : 0 }
        public var systemOverIdeal: Double { idealCycles > 0 ? Double(systemCycles) / idealCycles : 0 }
    }

    public struct Report: Sendable, Codable {
        public let phase: String
        public let layer: String
        public let pes: Int
        public let memoryBits: Int
        public let tau: Int64?
        public let sparsity: [String: Double]
        public let sparse: ModeResult
        public let dense: ModeResult?
        /// Dense system cycles / sparse system cycles, and the same for the array alone.
        public var speedup: Double? { dense.map { Double($0.systemCycles) / Double(max(1, sparse.systemCycles)) } }
        public var arraySpeedup: Double? { dense.map { Double($0.arrayCycles) / Double(max(1, sparse.arrayCycles)) } }
        public var ok: Bool { sparse.ok && (dense?.ok ?? true) }

        public var text: String {
            var s = "sparsetrain-system \(phase) \(layer) on \(pes) PEs, \(memoryBits)-bit memory port"
            if let tau { s += ", tau \(tau)" }
            s += "\n  sparsity: " + sparsity.keys.sorted().map { "\($0) \(String(format: "%.1f%%", 100 * sparsity[$0]!))" }.joined(separator: ", ")
            for m in [sparse] + (dense.map { [$0] } ?? []) {
                s += "\n  \(m.mode): system \(m.systemCycles) cycles (model \(m.modelSystemCycles)), array \(m.arrayCycles) (golden \(m.modelArrayCycles)), "
                s += "ideal \(String(format: "%.1f", m.idealCycles)), loading + draining \(m.loadDrainCycles) (overlapped), words filled \(String(format: "%.0f%%", 100 * m.wordFill)); system/array x\(String(format: "%.2f", m.systemOverArray)), "
                s += "system/ideal x\(String(format: "%.2f", m.systemOverIdeal)); \(m.runs) runs, \(m.instructions) instructions, "
                s += "DMA \(m.readBeats * m.beatBytes / 1024) KiB read, \(m.writeBeats * m.beatBytes / 1024) KiB written; "
                s += m.outcome != "completed" ? m.outcome : m.valueMismatches + m.interpreterMismatches == 0 ? "outputs bit-exact (RTL and ISA reference)"
                    : "\(m.valueMismatches) RTL / \(m.interpreterMismatches) reference mismatches (first: \(m.firstMismatch ?? ""))"
            }
            if let sp = speedup, let ap = arraySpeedup { s += "\n  speedup (dense/sparse): system \(String(format: "%.2fx", sp)), array alone \(String(format: "%.2fx", ap))" }
            s += "\n  " + (ok ? "PASS" : "FAIL")
            return s
        }
    }

    /// The compiler's view of `c`.
    public static func target(_ c: SparseTrainSystemConfig) throws -> SparseTrainSystemTarget {
        SparseTrainSystemTarget(pes: c.pes, layout: try c.array.entryLayout(), countBits: c.array.countWidth, accBits: c.array.accWidth,
                                depth: c.array.depth, slots: c.array.slots, beatBytes: c.memory.beatBytes,
                                xEntries: c.xEntries, wEntries: c.wEntries, oEntries: c.oEntries)
    }

    /// Runs `phase` of `ops` on `runner`'s system, sparse and (with `dense`) dense mode.
    public static func run(_ phase: ConvPhase, _ ops: SparseTrainOperands, runner: SparseTrainSystemRun, dense: Bool = true,
                           timing: DRAMTiming = DRAMTiming()) throws -> Report {
        let c = runner.config
        let t = try target(c)
        let geometry = Conv1DGeometry(taps: c.array.taps, outputs: c.array.outputs, maxStrideLog2: c.array.maxStrideLog2)
        let layer = ops.layer
        var modes: [ModeResult] = []
        for isDense in dense ? [false, true] : [false] {
            let items = try Conv1DMapping.items(phase, layer: layer, geometry: geometry, dense: isDense, x: ops.x, dy: ops.dy, w: ops.w,
                                                mask: phase == .bp ? ops.reluMask : nil, maxEntries: t.capacity.entries)
            let reference: [Int64]
            switch phase {
            case .ff: reference = ConvReference.forward(layer, x: ops.x, w: ops.w, accWidth: c.array.accWidth).values
            case .bp: reference = ConvReference.backward(layer, dy: ops.dy, w: ops.w, mask: isDense ? nil : ops.reluMask, accWidth: c.array.accWidth).values
            case .wu: reference = ConvReference.weightGradient(layer, x: ops.x, dy: ops.dy, accWidth: c.array.accWidth).storage
            }
            let runs = try SparseTrainCycleModel.runs(items, pes: c.pes, capacity: t.capacity, mapping: .balanced)
            let summary = try PhaseCycles(items, pes: c.pes, capacity: t.capacity, mapping: .balanced)
            let mode = isDense ? "dense" : "sparse"
            guard !runs.isEmpty else {
                // Nothing to run: every output is 0 (and the reference says so).
                let bad = reference.filter { $0 != 0 }.count
                modes.append(ModeResult(mode: mode, systemCycles: 0, modelSystemCycles: 0, arrayCycles: 0, modelArrayCycles: 0, runs: 0, loadDrainCycles: 0, wordFill: 0, instructions: 0,
                                        pairs: 0, idealCycles: 0, readBeats: 0, writeBeats: 0, beatBytes: t.beatBytes, valueMismatches: bad,
                                        interpreterMismatches: bad, firstMismatch: bad == 0 ? nil : "no runs but non-zero reference", outcome: "completed"))
                continue
            }
            let program = try SparseTrainProgram.compile(items: items, runs: runs, target: t)

            // The Swift reference of the ISA.
            var image = program.image
            try SparseTrainInterpreter(target: t).run(program.instructions, on: &image)
            let golden = program.outputs(from: image, count: reference.count)

            // The RTL.
            let dram = try timing.model(capacity: roundUp(program.image.size, t.beatBytes), beatBytes: t.beatBytes)
            try dram.load(program.image.bytes, at: 0)
            let result = try runner.run(program.instructions, dram: dram)
            var back = DRAMImage(size: program.image.size)
            back.write(try dram.bytes(at: 0, count: program.image.size), at: 0)
            let got = program.outputs(from: back, count: reference.count)
            let predicted = try SparseTrainSystemCycleModel(config: c).predict(program.instructions,
                                                                                 dram: try timing.model(capacity: roundUp(program.image.size, t.beatBytes), beatBytes: t.beatBytes),
                                                                                 runs: runs.map { r in SparseTrainCycleModel.runCycles(r.map { $0.map { items[$0] } }) })
            var bad = 0, badRef = 0
            var first: String?
            for i in reference.indices {
                if golden[i] != reference[i] {
                    badRef += 1
                    if first == nil { first = "output \(i): ISA reference \(golden[i]), golden \(reference[i])" }
                }
                if got[i] != reference[i] {
                    bad += 1
                    if first == nil { first = "output \(i): RTL \(got[i]), golden \(reference[i])" }
                }
            }
            modes.append(ModeResult(mode: mode, systemCycles: result.syncCycles.last ?? result.cycles, modelSystemCycles: predicted.syncCycles.last ?? predicted.cycles,
                                    arrayCycles: result.beats, modelArrayCycles: summary.cycles, runs: runs.count,
                                    loadDrainCycles: program.instructions.reduce(0) { n, i in
                                        guard case .run(let r, _) = i else { return n }
                                        return n + r.words + 1 + r.slots * (c.pes + 1)
                                    },
                                    wordFill: Double(items.reduce(0) { $0 + $1.entries.count })
                                        / Double(max(1, c.pes * program.instructions.reduce(0) { n, i in
                                            guard case .run(let r, _) = i else { return n }
                                            return n + r.words
                                        })),
                                    instructions: program.instructions.count,
                                    pairs: summary.pairs, idealCycles: summary.ideal, readBeats: result.readBeats, writeBeats: result.writeBeats,
                                    beatBytes: t.beatBytes, valueMismatches: bad, interpreterMismatches: badRef, firstMismatch: first,
                                    outcome: result.outcome.description))
        }
        var sparsity: [String: Double] = [:]
        switch phase {
        case .ff: sparsity["X"] = ops.x.sparsity
        case .bp:
            sparsity["dY natural"] = ops.dyNatural.sparsity
            sparsity["dY pruned"] = ops.dy.sparsity
        case .wu:
            sparsity["X"] = ops.x.sparsity
            sparsity["dY pruned"] = ops.dy.sparsity
        }
        return Report(phase: phase.rawValue, layer: layer.description, pes: c.pes, memoryBits: c.memory.dataBits, tau: ops.tau, sparsity: sparsity,
                      sparse: modes[0], dense: modes.count > 1 ? modes[1] : nil)
    }

    static func roundUp(_ n: Int, _ to: Int) -> Int { (n + to - 1) / to * to }
}
