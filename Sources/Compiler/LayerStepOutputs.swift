import SparseModel

/// What a layer step program computed, decoded from its DRAM image: the golden step's Y, dX, new
/// master and next compressed weights.
public struct LayerStepOutputs: Sendable, Equatable {
    /// Y, B×Ho×Wo×Co accumulator values.
    public let y: Tensor4
    /// dX, B×H×W×Ci accumulator values; nil when the program does not compute it.
    public let dX: Tensor4?
    /// The updated master weights.
    public let master: ConvWeights<Int64>
    /// The next step's Wf (Co × K') and Wbt (Ci × K·K·Co) operands: read from the pre-generated
    /// regions when the program pre-generates them (sparse layers), else derived on the host
    /// from `master` (the dense compute copy).
    public let nextForward: WeightOperand
    public let nextBackward: WeightOperand
    /// Whether `nextForward` and `nextBackward` came from the system's pre-generation.
    public let preGeneratedOnChip: Bool
}

extension LayerProgram {
    /// The bytes of region `r` of `image`. Throws when the program has no such region or the
    /// image is smaller than the program's.
    public func bytes(of r: LayerRegion, in image: DRAMImage) throws -> [UInt8] {
        guard let region = regions[r] else { throw CompileError("this program has no \(r.rawValue) region") }
        guard region.end <= image.size else { throw CompileError("the image (\(image.size) bytes) ends before the \(region)") }
        return image.read(at: region.base, count: region.bytes)
    }

    /// Decodes the outputs of an executed program from `image`. Throws when a region does not hold
    /// a valid encoding (nonzero padding, bad indices) or its contents do not fit the layer.
    public func decode(_ image: DRAMImage) throws -> LayerStepOutputs {
        let layer = plan.layer, options = plan.options, columns = weightGradientColumns
        let ff = plan.forward
        let y = try plan.y(fromResult: try RowEntryLayout.results(target, rows: ff.rows, cols: ff.cols).unpack(try bytes(of: .output, in: image)))
        let dX = try plan.backwardData.map { bp in
            try plan.dX(fromResult: try RowEntryLayout.results(target, rows: bp.rows, cols: bp.cols).unpack(try bytes(of: .inputGradient, in: image)))
        }
        let rowTiles = (layer.outChannels + target.rows - 1) / target.rows
        let padded = try RowEntryLayout.masters(target, rows: rowTiles * target.rows, cols: columns.count)
            .unpack(try bytes(of: .updatedMaster, in: image))
        for r in 0..<padded.rows {
            for j in 0..<padded.cols where (r >= layer.outChannels || columns.forwardIndex(column: j) == nil) && padded[r, j] != 0 {
                throw CompileError("updated master row \(r), column \(j) is padding but holds \(padded[r, j])")
            }
        }
        let master = try layer.weights(fromForward: columns.gather(padded, rows: layer.outChannels), order: options.reductionOrder)
        let nextForward: WeightOperand, nextBackward: WeightOperand
        if preGeneratesOnChip {
            nextForward = .sparse(try WeightWordLayout(target: target, rows: layer.outChannels, reduction: layer.forwardReductionLength, sparse: true)
                .unpackSparse(try bytes(of: .nextForwardWeights, in: image)))
            nextBackward = .sparse(try WeightWordLayout(target: target, rows: layer.inChannels, reduction: layer.backwardReductionLength, sparse: true)
                .unpackSparse(try bytes(of: .nextBackwardWeights, in: image)))
        } else {
            let next = try BDWPWeights(weights: try options.computeCopy(of: master), layer: layer, sparsity: plan.sparsity,
                                       order: options.reductionOrder, backwardMaskSource: options.backwardMaskSource, ranking: options.ranking)
            nextForward = next.forwardOperand
            nextBackward = next.backwardOperand
        }
        return LayerStepOutputs(y: y, dX: dX, master: master, nextForward: nextForward, nextBackward: nextBackward,
                                preGeneratedOnChip: preGeneratesOnChip)
    }
}
