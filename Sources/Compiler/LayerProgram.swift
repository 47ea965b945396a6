import Formats
import SparseModel

/// One layer's training step compiled for the SAT training system: a DRAM image holding the
/// host-prepared operands and an instruction stream that computes Y, dX, the updated master
/// weights and (sparse layers) the next step's compressed weights into it.
///
/// Host preparation (the system has no im2col or pruning of its own for the step's inputs):
/// the compute copy of the master and its BDWP weights (Wf, Wbt, compressed when the layer is
/// sparse), Xcol (FF), dYcol (BP), dYmat and Xcolᵀ (WU), and the master rows. The stream is
/// FF, SYNC, BP (when dX is computed), SYNC, WU with the update (and pre-generation when sparse),
/// SYNC; each phase is a ``GEMMPhase`` tiled by ``GEMMTiling``. The regions (``LayerRegion``)
/// follow one another in that order, each starting on a full-request boundary (`maxBeats` beats),
/// so a region's first bursts are whole requests.
///
/// A dense layer updates its master on chip without pre-generation: its next Wf and Wbt are the
/// dense compute copy, which the host derives from the new master (``LayerStepOutputs``). Its
/// GEMM has `update` without `pregen`, which the update unit runs without a mask (no decay), as
/// the golden dense update.
public struct LayerProgram: Sendable {
    public let target: SystemTarget
    public let plan: LayerGEMMPlan
    /// The instructions, dependency flags assigned.
    public let instructions: [Instruction]
    /// The DRAM image with every input region filled and every output region zero.
    public let image: DRAMImage
    public let regions: [LayerRegion: DRAMRegion]
    public let phases: [PhaseReport]
    /// Whether the update pre-generates the next Wf and Wbt (sparse layers).
    public let preGeneratesOnChip: Bool
    /// The WU GEMM's column space (per-tap padded when pre-generating).
    public let weightGradientColumns: WeightGradientColumns

    /// Compiles one training step of `layer` on `target`. Throws a one-line error when the inputs
    /// do not fit the layer, the options disagree with the target (accumulator, formats, update,
    /// pattern, Mb source), the layer cannot run as asked (a sparse
    /// layer whose forward groups span taps), or the image does not fit the address space.
    /// `loopOrder` forces a loop order on every GEMM (nil: the one with the fewest DRAM reads).
    public static func compile(layer: LayerSpec, master: ConvWeights<Int64>, x: Tensor4, dY: Tensor4,
                               options: LayerTrainingOptions, target: SystemTarget, loopOrder: LoopOrder? = nil) throws -> LayerProgram {
        try check(options: options, layer: layer, target: target)
        let format = options.update.format
        try layer.requireWeights(master, "the master weight tensor")
        try layer.requireInput(x)
        try layer.requireOutputGradient(dY, batch: x.shape.batch)
        try x.requireValues(bits: format.computeBits, "X")
        try dY.requireValues(bits: format.computeBits, "dY")
        try format.requireMaster(master)
        let sparsity = options.sparsity(for: layer)
        let sparse = sparsity.pattern != nil
        let used = try BDWPWeights(weights: try options.computeCopy(of: master), layer: layer, sparsity: sparsity,
                                   order: options.reductionOrder, backwardMaskSource: options.backwardMaskSource, ranking: options.ranking)
        let gemms = try LayerGEMMs(weights: used, x: x, dY: dY, options: options)
        let plan = gemms.plan
        let columns = try WeightGradientColumns(layer: layer, order: options.reductionOrder, target: target, pregen: sparse)

        // Layouts.
        let ff = try operandLayouts(gemms.forward, target: target)
        let bp = try gemms.backwardData.map { try operandLayouts($0, target: target) }
        let wu = try GEMMTiling(target: target, rows: layer.outChannels, reduction: plan.weightGradient.reduction, cols: columns.count, sparse: false)
        let wuA = try WeightWordLayout(target: target, rows: wu.rows, reduction: wu.reduction, sparse: false)
        let wuB = DenseEntryLayout(target: target, reduction: wu.reduction, cols: wu.cols)
        let masters = RowEntryLayout.masters(target, rows: wu.rowTiles * target.rows, cols: wu.cols)
        // The pre-generated next Wf and Wbt, laid out as FF's and BP's sparse weight operands.
        let next = sparse ? (forward: ff.a, backward: try WeightWordLayout(target: target, rows: layer.inChannels,
                                                                            reduction: layer.backwardReductionLength, sparse: true)) : nil

        // The image.
        var contents: [(LayerRegion, [UInt8])] = [
            (.forwardWeights, try pack(gemms.forward.a, ff.a)), (.forwardInput, try ff.b.pack(gemms.forward.b)),
            (.output, [UInt8](repeating: 0, count: ff.out.regionBytes)),
        ]
        if let bp, let g = gemms.backwardData {
            contents += [(.backwardWeights, try pack(g.a, bp.a)), (.backwardInput, try bp.b.pack(g.b)),
                         (.inputGradient, [UInt8](repeating: 0, count: bp.out.regionBytes))]
        }
        guard case .dense(let dYmat) = gemms.weightGradient.a else { throw CompileError("internal: the WU operand dYmat is not dense") }
        contents += [
            (.outputGradient, try wuA.pack(dYmat)),
            (.weightGradientInput, try wuB.pack(columns.spread(gemms.weightGradient.b, rows: gemms.weightGradient.b.rows))),
            (.master, try masters.pack(columns.spread(try layer.forwardMatrix(master, order: options.reductionOrder), rows: masters.rows))),
            (.updatedMaster, [UInt8](repeating: 0, count: masters.regionBytes)),
        ]
        if let next {
            contents += [(.nextForwardWeights, [UInt8](repeating: 0, count: next.forward.regionBytes)),
                         (.nextBackwardWeights, [UInt8](repeating: 0, count: next.backward.regionBytes))]
        }
        let alignment = target.maxBeats * target.beatBytes
        var regions: [LayerRegion: DRAMRegion] = [:]
        var end = 0
        for (r, bytes) in contents {
            regions[r] = DRAMRegion(name: r.rawValue, base: end, bytes: bytes.count)
            end += (bytes.count + alignment - 1) / alignment * alignment
        }
        guard end <= target.dramLimit else {
            throw CompileError("the layer step's DRAM image of \(end) bytes exceeds the \(target.dramLimit)-byte address space")
        }
        var image = DRAMImage(size: end)
        for (r, bytes) in contents { image.write(bytes, at: regions[r]?.base ?? 0) }
        func base(_ r: LayerRegion) -> Int { regions[r]?.base ?? 0 }

        // The stream.
        var builder = ProgramBuilder()
        var phases: [PhaseReport] = []
        func emit(_ phase: TrainingPhase, _ tiling: GEMMTiling, a: WeightWordLayout, aBase: Int, b: DenseEntryLayout, bBase: Int,
                  output: PhaseOutput, minimumRead: Int, minimumWritten: Int) throws {
            let start = builder.count
            let order = loopOrder ?? tiling.order
            let traffic = try GEMMPhase.emit(GEMMPhaseSpec(phase: phase, tiling: tiling, order: order, a: a, aBase: aBase, b: b, bBase: bBase, output: output),
                                             into: &builder)
            builder.append(.sync)
            phases.append(PhaseReport(phase: phase, instructions: start..<builder.count, tiling: tiling, order: order,
                                      readBytes: traffic.readBytes, writtenBytes: traffic.writtenBytes,
                                      minimumReadBytes: minimumRead, minimumWrittenBytes: minimumWritten))
        }
        try emit(.forward, ff.tiling, a: ff.a, aBase: base(.forwardWeights), b: ff.b, bBase: base(.forwardInput),
                 output: .results(ff.out, base: base(.output)), minimumRead: ff.a.regionBytes + ff.b.regionBytes,
                 minimumWritten: ff.out.dataBytes)
        if let bp {
            try emit(.backwardData, bp.tiling, a: bp.a, aBase: base(.backwardWeights), b: bp.b, bBase: base(.backwardInput),
                     output: .results(bp.out, base: base(.inputGradient)), minimumRead: bp.a.regionBytes + bp.b.regionBytes,
                     minimumWritten: bp.out.dataBytes)
        }
        let pregen = next.map { PregenPlacement(target: target, columns: columns, forward: $0.forward, forwardBase: base(.nextForwardWeights),
                                                backward: $0.backward, backwardBase: base(.nextBackwardWeights)) }
        try emit(.weightGradient, wu, a: wuA, aBase: base(.outputGradient), b: wuB, bBase: base(.weightGradientInput),
                 output: .update(masters: masters, masterBase: base(.master), newMasterBase: base(.updatedMaster), pregen: pregen),
                 minimumRead: wuA.regionBytes + wuB.regionBytes + masters.regionBytes,
                 minimumWritten: masters.regionBytes + (next.map { $0.forward.regionBytes + $0.backward.regionBytes } ?? 0))

        return LayerProgram(target: target, plan: plan, instructions: try builder.assignTokens(), image: image, regions: regions,
                            phases: phases, preGeneratesOnChip: sparse, weightGradientColumns: columns)
    }

    /// The program as 64-bit words, two per instruction (``Instruction/encode()``).
    public func encoded() throws -> [UInt64] {
        var out: [UInt64] = []
        for (i, insn) in instructions.enumerated() {
            do { out += try insn.encode() } catch let e as FormatError { throw CompileError("instruction \(i): \(e.message)") }
        }
        return out
    }

    // MARK: Helpers

    /// Throws unless `options` agree with `target` and the layer can run as asked.
    static func check(options: LayerTrainingOptions, layer: LayerSpec, target: SystemTarget) throws {
        guard options.accWidth == target.accBits else {
            throw CompileError("the options accumulate in \(options.accWidth) bits, the target in \(target.accBits)")
        }
        guard options.update == target.update else {
            throw CompileError("the options' update (\(options.update)) differs from the target's (\(target.update))")
        }
        guard options.float == target.float else {
            throw CompileError("the options' numerics (\(options.float.map(\.description) ?? "integer")) differ from the target's (\(target.float.map(\.description) ?? "integer"))")
        }
        switch options.sparsity(for: layer) {
        case .sparse(let p):
            guard p == target.pattern else { throw CompileError("the layer is \(p) sparse, the target's array is \(target.pattern)") }
            guard (options.backwardMaskSource == .forwardSparse) == target.backwardFromForward else {
                throw CompileError("the options rank Mb on \(options.backwardMaskSource.rawValue) weights, the target's update unit on \(target.backwardFromForward ? "forwardSparse" : "dense") ones")
            }
        case .dense:
            break
        }
    }

    /// The tiling and layouts of a training GEMM.
    private static func operandLayouts(_ g: LayerGEMM, target: SystemTarget) throws
        -> (tiling: GEMMTiling, a: WeightWordLayout, b: DenseEntryLayout, out: RowEntryLayout) {
        let s = g.shape
        return (try GEMMTiling(target: target, rows: s.rows, reduction: s.reduction, cols: s.cols, sparse: g.a.isSparse),
                try WeightWordLayout(target: target, rows: s.rows, reduction: s.reduction, sparse: g.a.isSparse),
                DenseEntryLayout(target: target, reduction: s.reduction, cols: s.cols),
                RowEntryLayout.results(target, rows: s.rows, cols: s.cols))
    }

    private static func pack(_ a: WeightOperand, _ layout: WeightWordLayout) throws -> [UInt8] {
        switch a {
        case .sparse(let c): return try layout.pack(c)
        case .dense(let m): return try layout.pack(m)
        }
    }
}

/// The named regions of a layer step's DRAM image.
public enum LayerRegion: String, Sendable, Hashable, CaseIterable {
    /// FF: Wf as WBUF words (``WeightWordLayout``), Xcol as XBUF entries (``DenseEntryLayout``),
    /// Y as OBUF rows (``RowEntryLayout``).
    case forwardWeights, forwardInput, output
    /// BP: Wbt, dYcol, dX (absent when dX is not computed).
    case backwardWeights, backwardInput, inputGradient
    /// WU: dYmat as dense WBUF words, Xcolᵀ as XBUF entries, the master rows (MBUF format).
    case outputGradient, weightGradientInput, master
    /// Results of the update: the new master rows (laid out as `master`), and, for a sparse
    /// layer, the pre-generated next Wf and Wbt (laid out as `forwardWeights` and
    /// `backwardWeights`, so the next step streams them).
    case updatedMaster, nextForwardWeights, nextBackwardWeights
}

/// One phase of a layer program, for reports.
public struct PhaseReport: Sendable, Hashable {
    public let phase: TrainingPhase
    /// The phase's instructions, its closing SYNC included.
    public let instructions: Range<Int>
    public let tiling: GEMMTiling
    public let order: LoopOrder
    /// DRAM bytes the phase's LOADs read and its STOREs write.
    public let readBytes: Int
    public let writtenBytes: Int
    /// The least any schedule moves: each operand region read once (A, B and, for WU, the master
    /// rows), each result region written once.
    public let minimumReadBytes: Int
    public let minimumWrittenBytes: Int
}
