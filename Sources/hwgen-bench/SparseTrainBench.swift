// SparseTrain benchmark (Scripts/bench-sparsetrain, issue 12): trains the zoo's small CNN on the
// procedural shapes set (with and without stochastic pruning at p = 0.9), takes the last step's
// tensors of every conv, runs FF/BP/WU of each on the Verilated 4x4 SparseTrain array in sparse and
// dense mode (results bit-exact, cycles equal to the cycle model), then evaluates AlexNet and
// ResNet-18 (ImageNet shapes) with the exact cycle model on tensors whose zero rates are the small
// CNN's measured ones. Writes Benchmarks/sparsetrain.md.
import Foundation
import SparseAccel
import SparseModel
import TestSupport
import Workloads

enum SparseTrainBench {
    struct Row {
        let network: String, layer: String, phase: String
        let sparsity: String
        /// Sparse and dense mode under the balanced (queue) mapping; sparse mode with one item per PE
        /// per run (sorted) and in the plain geometric order, for comparison.
        let sparse: PhaseCycles, dense: PhaseCycles, sorted: PhaseCycles, inOrder: PhaseCycles
        let rtl: Bool
        /// Whole layer / sample (the share of the channels the sample holds; 1 for a whole layer).
        var weight: Double = 1
        var speedup: Double { Double(dense.cycles) / Double(max(1, sparse.cycles)) }
        var overIdeal: Double { sparse.ideal > 0 ? Double(sparse.cycles) / sparse.ideal : 1 }
    }

    static func pct(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
    static func floatZeros(_ v: [Float]) -> Double { Double(v.filter { $0 == 0 }.count) / Double(max(1, v.count)) }

    static func run(_ args: [String]) throws {
        let steps = args.first.flatMap(Int.init) ?? 200
        let batchSize = 16, rate = 0.9
        let data = ShapesDataset(seed: 2020)
        var md = "# SparseTrain: stochastic gradient pruning and the zero-skipping 1-D convolution array\n\n"
        md += "Written by `Scripts/bench-sparsetrain` (`hwgen-bench sparsetrain \(steps)`); every number below is computed by that run.\n\n"

        // 1. Training.
        func train(_ prune: Double?) throws -> (losses: [Float], acc: [Double], last: SmallCNNTrainer.StepResult, stats: [TrainingSparsity]) {
            let t = try SmallCNNTrainer(pruneRate: prune, seed: 7, learningRate: 0.02)
            var losses: [Float] = [], acc: [Double] = []
            var last: SmallCNNTrainer.StepResult?
            var sums: [TrainingSparsity] = []
            let window = max(1, steps / 10)
            for s in 0..<steps {
                let batch = (0..<batchSize).map { data.sample(s * batchSize + $0) }
                let r = t.step(batch, capture: s == steps - 1)
                losses.append(r.loss)
                acc.append(Double(r.correct) / Double(batchSize))
                if s >= steps - window {
                    if sums.isEmpty { sums = r.sparsity.map { TrainingSparsity(name: $0.name, x: 0, dzNatural: 0, dzPruned: 0) } }
                    for i in sums.indices {
                        sums[i].x += r.sparsity[i].x / Double(window)
                        sums[i].dzNatural += r.sparsity[i].dzNatural / Double(window)
                        sums[i].dzPruned += r.sparsity[i].dzPruned / Double(window)
                    }
                }
                last = r
            }
            return (losses, acc, last!, sums)
        }
        let t0 = Date()
        let pruned = try train(rate)
        let plain = try train(nil)
        let trainSeconds = Date().timeIntervalSince(t0)
        md += "## 1. Training the small CNN (float, golden model)\n\n"
        md += "`small-cnn` from the model zoo (conv 3→16→32→64, 3x3/1 p1, each with ReLU and a 2x2/2 max pool, FC 1024→10), "
        md += "SGD with momentum 0.9, learning rate 0.02, batch \(batchSize), \(steps) steps on `ShapesDataset(seed: 2020)` (10 procedurally drawn shape classes, "
        md += "3x32x32, a fresh batch every step). Pruned run: stochastic pruning of every conv's output gradient dZ at p = \(rate), τ from the previous step's Σ|dZ| "
        md += "(streaming). Both runs took \(String(format: "%.0f", trainSeconds)) s together.\n\n"
        md += "| steps | loss, pruned p=0.9 | loss, no pruning | batch accuracy, pruned | batch accuracy, no pruning |\n|---|---|---|---|---|\n"
        let chunk = max(1, steps / 10)
        for s in stride(from: 0, to: steps, by: chunk) {
            let e = min(steps, s + chunk)
            func mean<T: BinaryFloatingPoint>(_ xs: ArraySlice<T>) -> Double { xs.reduce(0.0) { $0 + Double($1) } / Double(xs.count) }
            md += "| \(s)–\(e - 1) | \(String(format: "%.3f", mean(pruned.losses[s..<e]))) | \(String(format: "%.3f", mean(plain.losses[s..<e]))) | "
            md += "\(pct(mean(pruned.acc[s..<e]))) | \(pct(mean(plain.acc[s..<e]))) |\n"
        }
        md += "\nMeasured zero fractions (pruned run, mean over the last \(chunk) steps, whole batches, float tensors):\n\n"
        md += "| layer | X (input activations) | dZ natural (ReLU mask + max-pool routing) | dZ after pruning |\n|---|---|---|---|\n"
        for s in pruned.stats { md += "| \(s.name) | \(pct(s.x)) | \(pct(s.dzNatural)) | \(pct(s.dzPruned)) |\n" }

        // 2. The small CNN's last step on the RTL.
        let cfg = SparseTrainConfig(rows: 4, cols: 4)
        let runner = try SparseTrainArrayRunner(config: cfg)
        let geometry = Conv1DGeometry(taps: cfg.taps, outputs: cfg.outputs, maxStrideLog2: cfg.maxStrideLog2)
        var rows: [Row] = []
        var rtlFailures: [String] = []
        let snapshot = pruned.last.snapshot!
        for (i, snap) in snapshot.enumerated() {
            let ops = try quantize(snap)
            for phase in ConvPhase.allCases where !(phase == .bp && i == 0) {
                let r = try SparseTrainConv.run(phase, ops, runner: runner, mapping: .balanced)
                if !r.ok { rtlFailures.append("\(snap.name) \(phase.rawValue): \(r.text)") }
                let mask = phase == .bp ? ops.reluMask : nil
                let sc = try Conv1DMapping.costs(phase, layer: ops.layer, geometry: geometry, dense: false, x: ops.x, dy: ops.dy, w: ops.w, mask: mask, maxEntries: cfg.depth)
                let dc = try Conv1DMapping.costs(phase, layer: ops.layer, geometry: geometry, dense: true, x: ops.x, dy: ops.dy, w: ops.w, mask: mask, maxEntries: cfg.depth)
                let s = try PhaseCycles(costs: sc, pes: runner.pes, capacity: runner.capacity, mapping: .balanced)
                let d = try PhaseCycles(costs: dc, pes: runner.pes, capacity: runner.capacity, mapping: .balanced)
                guard s.cycles == r.sparse.rtlCycles, d.cycles == r.dense!.rtlCycles else {
                    throw SparseModelError("\(snap.name) \(phase.rawValue): RTL cycles \(r.sparse.rtlCycles)/\(r.dense!.rtlCycles) differ from the model \(s.cycles)/\(d.cycles)")
                }
                let sorted = try PhaseCycles(costs: sc, pes: runner.pes, capacity: runner.capacity, mapping: .sorted)
                let inOrder = try PhaseCycles(costs: sc, pes: runner.pes, capacity: runner.capacity, mapping: .inOrder)
                // Natural zeros counted on the float tensors (int16 quantisation adds zeros of its own).
                let nat = floatZeros(snap.dzNatural), xf = floatZeros(snap.x)
                let sp = phase == .ff ? "X \(pct(xf)) (int16 \(pct(ops.x.sparsity)))" : phase == .bp
                    ? "dY \(pct(nat)) / \(pct(ops.dy.sparsity)), mask off \(pct(1 - Double(ops.reluMask.values.filter { $0 }.count) / Double(ops.x.values.count)))"
                    : "X \(pct(xf)), dY \(pct(nat)) / \(pct(ops.dy.sparsity))"
                rows.append(Row(network: "small-cnn", layer: snap.name, phase: phase.rawValue, sparsity: sp, sparse: s, dense: d,
                                sorted: sorted, inOrder: inOrder, rtl: true))
            }
        }
        md += "\n## 2. Small CNN, last training step, on the RTL (4x4 PEs)\n\n"
        md += "Image 0 of the last step of the pruned run, every tensor quantised to int16 by its own max |value| (X, W, dZ; dZ natural and pruned share one scale), "
        md += "run on the Verilated `sparsetrain_r4_c4_d16_a48_k8_p16` (8-tap kernel rows, 16 accumulators, 2048-entry operand memory and 64 result slots per PE) in sparse and dense mode, balanced mapping: "
        md += rtlFailures.isEmpty ? "every result bit-exact with the direct convolution and every run's cycle counter equal to the cycle model.\n\n"
            : "**FAILURES**: \(rtlFailures.joined(separator: "; "))\n\n"
        md += table(rows)
        md += speedups(rows, "small-cnn")

        // 2b. The same step through the SparseTrain training system (instruction stream, DMA, buffers).
        md += try systemSection(snapshot)

        // 3. AlexNet and ResNet-18 shapes at the small CNN's measured sparsity (cycle model).
        let xRate = pruned.stats.dropFirst().map(\.x).reduce(0, +) / Double(max(1, pruned.stats.count - 1))
        let gRate = pruned.stats.map(\.dzPruned).reduce(0, +) / Double(pruned.stats.count)
        let gNat = pruned.stats.map(\.dzNatural).reduce(0, +) / Double(pruned.stats.count)
        md += "\n## 3. AlexNet and ResNet-18 (ImageNet shapes) at the small CNN's measured sparsity\n\n"
        md += "Zero rates taken from the small CNN (section 1, pruned run): input activations \(pct(xRate)) (mean of conv2 and conv3; the image is dense), "
        md += "output gradients \(pct(gRate)) after pruning (mean of the three convs; natural \(pct(gNat))), both as independent random masks, the BP mask = X > 0. "
        md += "Cycles from the exact cycle model (equal to the RTL's counter on every run in section 2 and in the tests), on a sample of each layer: "
        md += "FF the first 32 output channels, BP the first 32 input channels, WU the first 16x16 (output, input) channel pairs — all rows and columns — with the channel "
        md += "counts doubled until the sample's ideal bound is at least \(Int(minSampleIdeal)) cycles or the sample is the whole layer (the zero-fraction column says which; the "
        md += "smallest samples of the deep 7x7 and 14x14 layers hold only 10-100 cycles of work, where the one fixed cycle per run alone would be 1-10 % of the bound). "
        md += "4x4 PEs, 16 accumulators, 2048-entry operand memories and 64 result slots per PE (a longer item is cut into several, adding partial sums), 8-tap kernel rows (12 for AlexNet, whose first kernel is 11x11).\n\n"
        var big: [Row] = []
        for (name, taps) in [("alexnet", 12), ("resnet18", 8)] {
            let net = try ModelZoo.network(name, input: .imagenet)
            let g = Conv1DGeometry(taps: taps, outputs: 16, maxStrideLog2: 2)
            var rng = SplitMix64(seed: 12)
            for (li, l) in net.layers.enumerated() where l.spec.kind == .conv {
                big += try modelRows(name, l.name, l.spec, first: li == 0, xRate: xRate, gRate: gRate, gNat: gNat, geometry: g, pes: 16, capacity: runner.capacity, rng: &rng)
            }
        }
        md += table(big)
        md += speedups(big, "alexnet") + speedups(big, "resnet18")
        md += "\nSparseTrain's paper reports about 2.7x average training speedup over the same hardware without sparsity (AlexNet, ResNet).\n"
        md += notes
        let out = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Benchmarks/sparsetrain.md")
        try md.write(to: out, atomically: true, encoding: .utf8)
        print(md)
        if !rtlFailures.isEmpty { throw SparseModelError("RTL mismatches: \(rtlFailures.count)") }
    }

    /// Section 2b: every layer-phase of the small CNN's step on the Verilated SparseTrain training
    /// system (default configuration and a 1024-bit port), sparse and dense, and the whole-step
    /// speedup through the system.
    static func systemSection(_ snapshot: [LayerSnapshot]) throws -> String {
        var md = "\n## 2b. The same step through the SparseTrain training system (RTL)\n\n"
        var failures: [String] = []
        var totals: [(bits: Int, sparse: Int, dense: Int, sparseArray: Int, denseArray: Int)] = []
        for bits in [512, 1024] {
            var c = SparseTrainSystemConfig()
            c.memory.dataBits = bits
            c.memory.maxBeats = min(c.memory.maxBeats, 4096 / c.memory.beatBytes)
            let runner = try SparseTrainSystemRun(config: c)
            if bits == 512 {
                md += "`hwgen sim conv --design sparsetrain-system` on the same int16 tensors: the phase's items (balanced mapping, \(c.array.depth)-word operand memories and "
                md += "\(c.array.slots) result slots per PE and bank, XBUF/OBUF split in halves) compiled to LOAD/RUN/STORE/SYNC, run on the Verilated `\(c.topName)` "
                md += "(4x4 PEs with ping-pong memories; SystemShell with XBUF \(c.xEntries) x \(c.xEntryBits) bits, WBUF \(c.wEntries), OBUF \(c.oEntries) x \(c.oEntryBits) bits) "
                md += "against the DRAM model (read latency 20, write latency 10, one beat per cycle). Outputs read back from DRAM; *system* = the cycle counter at the final SYNC "
                md += "(equal to the system cycle model on every row), *array* = Σ of the array's own run cycle counts (equal to the golden count on every row), "
                md += "*ideal* = pairs / PEs. Then the same at a 1024-bit port.\n\n"
            }
            md += "\n**\(bits)-bit memory port**\n\n"
            md += "| layer | phase | mode | runs | system cycles | array cycles | read beats | ideal | system / array | system / ideal | words filled | DMA read | DMA written |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
            var t = (bits: bits, sparse: 0, dense: 0, sparseArray: 0, denseArray: 0)
            for (i, snap) in snapshot.enumerated() {
                let ops = try quantize(snap)
                for phase in ConvPhase.allCases where !(phase == .bp && i == 0) {
                    let r = try SparseTrainSystemConv.run(phase, ops, runner: runner)
                    if !r.ok { failures.append("\(snap.name) \(phase.rawValue) \(bits)-bit: \(r.text)") }
                    for m in [r.sparse, r.dense!] {
                        md += "| \(snap.name) | \(phase.rawValue) | \(m.mode) | \(m.runs) | \(m.systemCycles) | \(m.arrayCycles) | \(m.readBeats) | \(String(format: "%.0f", m.idealCycles)) | "
                        md += "\(String(format: "%.2f", m.systemOverArray)) | \(String(format: "%.2f", m.systemOverIdeal)) | \(pct(m.wordFill)) | "
                        md += "\(m.readBeats * m.beatBytes / 1024) KiB | \(m.writeBeats * m.beatBytes / 1024) KiB |\n"
                    }
                    t.sparse += r.sparse.systemCycles
                    t.dense += r.dense!.systemCycles
                    t.sparseArray += r.sparse.arrayCycles
                    t.denseArray += r.dense!.arrayCycles
                }
            }
            totals.append(t)
        }
        md += failures.isEmpty ? "\nEvery row: outputs bit-exact (RTL and the Swift ISA reference), system cycles = the system cycle model, array cycles = the golden count.\n"
            : "\n**FAILURES**: \(failures.joined(separator: "; "))\n"
        for t in totals {
            md += "\n**small-cnn whole step through the system, \(t.bits)-bit port** (p = 0.9): \(t.dense) dense / \(t.sparse) sparse system cycles = "
            md += "**\(String(format: "%.2fx", Double(t.dense) / Double(max(1, t.sparse))))** (the array alone, same memories: \(t.denseArray) / \(t.sparseArray) = "
            md += "\(String(format: "%.2fx", Double(t.denseArray) / Double(max(1, t.sparseArray))))), beside SparseTrain's ~2.7x.\n"
        }
        md += """

        What the system adds (*read beats*: the memory beats the LOADs move, at one beat per cycle the least time the port needs for them; *words
        filled*: the share of the moved entry words that hold an entry — an XBUF entry carries word j of every PE, zero for a PE whose queue is shorter): every
        entry word carries its kernel row, output mask and end mark (\(SparseTrainConfig().wordBits) bits for one 16-bit row value), so an XBUF entry of 16 PEs' words
        is \(SparseTrainSystemConfig().xChunks) beats at 512 bits and a PE's MACs on one word must cover those beats for the array to keep up. The system's cycles are about the larger
        of the array's cycles and the read beats, plus the pipeline's fill and drain: the first run's load (DMA, then one XBUF read per word into the bank)
        and the last run's drain (one cycle per slot and one per PE) and STORE. Loading and draining themselves overlap with the other bank's run. At 512
        bits most rows are bound by the port; at 1024 bits the long phases (FF, and every dense phase) come within a few to 30 % of the array, while
        the short sparse BP and WU phases (a handful of runs) pay the fill and drain and the DMA of their words.

        """
        if !failures.isEmpty { throw SparseModelError("system RTL mismatches: \(failures.count)") }
        return md
    }

    /// Section 3 alone at given zero rates (no training): `hwgen-bench sparsetrain-shapes X G GNAT`.
    static func shapes(_ args: [String]) throws {
        let r = args.compactMap(Double.init)
        guard r.count == 3 else { throw SparseModelError("usage: sparsetrain-shapes <x zero rate> <dY zero rate> <dY natural zero rate>") }
        var big: [Row] = []
        for (name, taps) in [("alexnet", 12), ("resnet18", 8)] {
            let net = try ModelZoo.network(name, input: .imagenet)
            let g = Conv1DGeometry(taps: taps, outputs: 16, maxStrideLog2: 2)
            var rng = SplitMix64(seed: 12)
            for (li, l) in net.layers.enumerated() where l.spec.kind == .conv {
                big += try modelRows(name, l.name, l.spec, first: li == 0, xRate: r[0], gRate: r[1], gNat: r[2], geometry: g, pes: 16,
                                     capacity: PECapacity(entries: SparseTrainConfig().depth, slots: SparseTrainConfig().slots), rng: &rng)
            }
        }
        print(table(big))
        print(speedups(big, "alexnet") + speedups(big, "resnet18"))
    }

    static var notes: String {
        let c = SparseTrainConfig()
        return """

        ## How the cycles come about

        * A PE spends one cycle per valid pair (non-zero row value × stored non-zero tap, output in the row and not ReLU-masked); the layout leaves out
          entries with no valid pair. "Ideal" is pairs / PEs: every PE issues a MAC in every cycle.
        * **Mapping (balanced, the default).** Work items are output-row tiles (FF: an output row of one channel; BP: an input-gradient row; WU: one
          kernel row of dW), each with a data-dependent cost the compiler knows when it compresses the operands. Each PE gets a *queue* of items per
          run: its operand memory holds the items back to back, every entry word carries its item's output mask, and the item's last word is marked.
          The PE goes from one item to the next without a bubble: in the cycle of an item's last MAC its accumulators are written, as one word, to the
          PE's result memory (one slot per item) and restart from zero, while the next item's first entry is taken in that same cycle. The items,
          longest first, each go to the least-loaded queue that still has room (2048 entries, 64 slots), over as few runs as the memories allow
          (longest-processing-time-first list scheduling); the queues are then grouped into runs by load. A run costs 1 fixed cycle (the `start`
          cycle already reads each memory's first word, the PE takes it in the run's first cycle) plus its longest queue.
        * **What is left above the ideal bound** (columns *fixed* and *imbalance*; cycles = ideal + fixed + imbalance): the fixed cycle once per run
          (a run is one load of the operand memories, so FF, with its long items, needs many runs; BP and WU of the sparse layers fit one to a few),
          and the imbalance of each run's last items — with LPT about one small item. Items without any entry are not run (their outputs are 0).
        * **Before this mapping** every PE took one item per run and the array waited for the slowest PE after every item (the column *one item per PE
          and run*, here already with the 1-cycle fetch; the previous hardware also spent 2 fetch cycles per run): with 90-98 % zero gradients, BP and
          WU items hold few MACs (see MACs / item), so the per-item barrier and fixed cycles were a large share of the work.
        * Hardware cost of the queues: each entry word carries its item's output mask and end mark (P + 1 = \(c.outputs + 1) more bits: \(c.wordBits) instead of \(c.maskLSB) for
          the default configuration), and each PE has a result memory of \(c.slots) slots × \(c.outputs) accumulators × \(c.accWidth) bits (\(c.slots * c.outputs * c.accWidth) bits, a block RAM).
        * Loading the operand memories and reading the result slots are not counted in sections 2 and 3 (section 2b counts them: the training system
          loads the memories from DRAM through its buffers and overlaps it with compute in ping-pong memories); the dense baseline is
          the same RTL and the same mapping streaming every value and every tap (zeros included) without the ReLU mask.
        """
    }

    static func table(_ rows: [Row]) -> String {
        var s = "| network | layer | phase | zero fraction (natural / pruned) | items | MACs / item | runs | sparse cycles | dense cycles | speedup | ideal "
        s += "| cycles / ideal | fixed | imbalance | one item per PE and run (sorted): cycles / ideal (runs: fixed + imbalance) | utilisation (balanced) | utilisation (in-order, one item per PE and run) |\n"
        s += "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        func over(_ c: PhaseCycles) -> String { String(format: "%.3f", c.ideal > 0 ? Double(c.cycles) / c.ideal : 1) }
        for r in rows {
            s += "| \(r.network) | \(r.layer) | \(r.phase) | \(r.sparsity) | \(r.sparse.items) | \(String(format: "%.1f", Double(r.sparse.pairs) / Double(max(1, r.sparse.items)))) | \(r.sparse.runs) | "
            s += "\(r.sparse.cycles) | \(r.dense.cycles) | \(String(format: "%.2fx", r.speedup)) | "
            s += "\(String(format: "%.0f", r.sparse.ideal)) | **\(over(r.sparse))** | \(r.sparse.fixedCycles) | \(String(format: "%.0f", r.sparse.imbalance)) | "
            s += "\(over(r.sorted)) (\(r.sorted.runs): \(r.sorted.fixedCycles) + \(String(format: "%.0f", r.sorted.imbalance))) | \(pct(r.sparse.utilisation)) | \(pct(r.inOrder.utilisation)) |\n"
        }
        return s
    }

    static func speedups(_ rows: [Row], _ net: String) -> String {
        let rs = rows.filter { $0.network == net }
        let sampled = rs.contains { $0.weight != 1 }
        var s = "\n**\(net)** whole step (FF + BP + WU of every conv, BP not on the first"
        s += sampled ? "; each sample's cycles scaled to its whole layer by the share of the channels it holds): " : "): "
        func sum(_ q: [Row], _ f: (Row) -> Int) -> Double { q.reduce(0) { $0 + $1.weight * Double(f($1)) } }
        let sp = sum(rs) { $0.sparse.cycles }, dn = sum(rs) { $0.dense.cycles }
        s += "\(String(format: "%.0f", dn)) dense / \(String(format: "%.0f", sp)) sparse cycles = **\(String(format: "%.2fx", dn / max(1, sp)))**"
        for p in ["ff", "bp", "wu"] {
            let q = rs.filter { $0.phase == p }
            s += "; \(p) \(String(format: "%.2fx", sum(q) { $0.dense.cycles } / max(1, sum(q) { $0.sparse.cycles })))"
        }
        let worst = rs.map(\.overIdeal).max() ?? 1
        s += "; worst cycles / ideal \(String(format: "%.3f", worst)) (\(rs.filter { $0.overIdeal > 1.1 }.count) of \(rs.count) layer-phases above 1.10).\n"
        return s
    }

    /// int16 operands of one snapshot: each tensor scaled by its own max |value|.
    static func quantize(_ s: LayerSnapshot) throws -> SparseTrainOperands {
        let l = s.layer
        func q(_ v: [Float], _ scaleFrom: [Float]) -> [Int64] {
            let m = scaleFrom.map { abs($0) }.max() ?? 0
            let k: Float = m > 0 ? 32767 / m : 0
            return v.map { Int64(max(-32767, min(32767, ($0 * k).rounded()))) }
        }
        let x = try ChannelTensor(channels: l.inChannels, height: l.inHeight, width: l.inWidth, values: q(s.x, s.x))
        let nat = try ChannelTensor(channels: l.outChannels, height: l.outHeight, width: l.outWidth, values: q(s.dzNatural, s.dzNatural))
        let dy = try ChannelTensor(channels: l.outChannels, height: l.outHeight, width: l.outWidth, values: q(s.dzPruned, s.dzNatural))
        var w = l.zeroWeights()
        let wq = q(s.w, s.w)
        for co in 0..<l.outChannels { for ci in 0..<l.inChannels { for a in 0..<l.kernelSize { for b in 0..<l.kernelSize {
            w[co, ci, a, b] = wq[((co * l.inChannels + ci) * l.kernelSize + a) * l.kernelSize + b]
        } } } }
        let m = s.dzNatural.map { abs($0) }.max() ?? 0
        return SparseTrainOperands(layer: l, x: x, w: w, dyNatural: nat, dy: dy, tau: m > 0 ? Int64((s.tau * 32767 / m).rounded()) : nil)
    }

    /// The smallest ideal bound (cycles) of a layer sample in section 3.
    static let minSampleIdeal = 1000.0

    /// Cycle-model rows of one large layer on a channel sample with random masks at the given rates.
    static func modelRows(_ net: String, _ name: String, _ full: LayerSpec, first: Bool, xRate: Double, gRate: Double, gNat: Double,
                          geometry: Conv1DGeometry, pes: Int, capacity: PECapacity, rng: inout SplitMix64) throws -> [Row] {
        func sample(ci: Int, co: Int) throws -> LayerSpec {
            try LayerSpec.conv(inChannels: ci, outChannels: co, height: full.inHeight, width: full.inWidth, kernelSize: full.kernelSize,
                               stride: full.stride, padding: full.padding)
        }
        func tensor(_ c: Int, _ h: Int, _ w: Int, zero: Double, _ rng: inout SplitMix64) -> ChannelTensor<Int64> {
            var t = ChannelTensor<Int64>(channels: c, height: h, width: w, fill: 0)
            for i in t.values.indices where Double(rng.below(1 << 20)) / Double(1 << 20) >= zero { t.values[i] = rng.next(in: 1...1000) * (rng.below(2) == 0 ? 1 : -1) }
            return t
        }
        var rows: [Row] = []
        for phase in ConvPhase.allCases where !(phase == .bp && first) {
            // The first channels of the layer (FF 32 output channels, BP 32 input channels, WU
            // 16x16 channel pairs), doubled until the sample keeps the array busy for at least
            // minSampleIdeal cycles (or is the whole layer).
            var scale = 1
            while true {
                let l: LayerSpec
                switch phase {
                case .ff: l = try sample(ci: full.inChannels, co: min(32 * scale, full.outChannels))
                case .bp: l = try sample(ci: min(32 * scale, full.inChannels), co: full.outChannels)
                case .wu: l = try sample(ci: min(16 * scale, full.inChannels), co: min(16 * scale, full.outChannels))
                }
                var x = tensor(l.inChannels, l.inHeight, l.inWidth, zero: first ? 0 : xRate, &rng)
                if phase != .ff { for i in x.values.indices { x.values[i] = abs(x.values[i]) } }
                var w = l.zeroWeights()
                for co in 0..<l.outChannels { for ci in 0..<l.inChannels { for a in 0..<l.kernelSize { for b in 0..<l.kernelSize {
                    w[co, ci, a, b] = rng.next(in: -1000...1000) | 1
                } } } }
                let dy = tensor(l.outChannels, l.outHeight, l.outWidth, zero: gRate, &rng)
                var mask = ChannelTensor<Bool>(channels: x.channels, height: x.height, width: x.width, fill: false)
                for i in x.values.indices { mask.values[i] = x.values[i] > 0 }
                let sc = try Conv1DMapping.costs(phase, layer: l, geometry: geometry, dense: false, x: x, dy: dy, w: w, mask: phase == .bp ? mask : nil, maxEntries: capacity.entries)
                let sparse = try PhaseCycles(costs: sc, pes: pes, capacity: capacity, mapping: .balanced)
                let whole = l.inChannels == full.inChannels && l.outChannels == full.outChannels
                if sparse.ideal < minSampleIdeal && !whole {
                    scale *= 2
                    continue
                }
                let dc = try Conv1DMapping.costs(phase, layer: l, geometry: geometry, dense: true, x: x, dy: dy, w: w, mask: phase == .bp ? mask : nil, maxEntries: capacity.entries)
                var sp = phase == .ff ? "X \(pct(x.sparsity))" : phase == .bp ? "dY \(pct(gNat)) / \(pct(dy.sparsity)), mask off \(pct(x.sparsity))"
                    : "X \(pct(x.sparsity)), dY \(pct(gNat)) / \(pct(dy.sparsity))"
                sp += whole ? "; whole layer" : "; \(phase == .ff ? "\(l.outChannels) co" : phase == .bp ? "\(l.inChannels) ci" : "\(l.outChannels)x\(l.inChannels) co x ci")"
                rows.append(Row(network: net, layer: name, phase: phase.rawValue, sparsity: sp, sparse: sparse,
                                dense: try PhaseCycles(costs: dc, pes: pes, capacity: capacity, mapping: .balanced),
                                sorted: try PhaseCycles(costs: sc, pes: pes, capacity: capacity, mapping: .sorted),
                                inOrder: try PhaseCycles(costs: sc, pes: pes, capacity: capacity, mapping: .inOrder), rtl: false,
                                weight: Double(full.inChannels * full.outChannels) / Double(l.inChannels * l.outChannels)))
                break
            }
        }
        return rows
    }
}
