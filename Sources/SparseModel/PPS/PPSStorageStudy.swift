import Formats

/// The SPS storage study: every conv layer of a network stored in every format, with exact bits.
///
/// Stated rules:
/// * conv layers only (the classifier's FC layers are left out of every format alike);
/// * a conv layer is PPS-pruned when K = 3 and it is not the network's first layer; the first
///   layer and 1x1 (and other non-3x3) kernels stay dense and are stored dense (values only) in
///   every format, PPS included;
/// * a pruned layer's mask is the PPS assignment's, stored in each format by its rule
///   (``StorageFormat``, ``PPSStorage``).
public struct PPSStorageStudy: Sendable {
    /// The formats compared with PPS, in table order.
    public let formats: [StorageFormat]
    public let valueBits: Int
    public let layers: [Row]

    public struct Row: Sendable {
        public let name: String
        public let spec: LayerSpec
        /// Whether the layer is PPS-pruned (else dense everywhere).
        public let pruned: Bool
        public let nonZeros: Int
        /// Bits per format, in ``PPSStorageStudy/formats`` order.
        public let bits: [StorageBits]
        public let pps: StorageBits
    }

    /// - Parameters:
    ///   - assignment: the layer's PPS for a pruned layer (called with its index and spec).
    public init(network: Network, valueBits: Int, formats: [StorageFormat],
                assignment: (Int, LayerSpec) throws -> PPSAssignment) throws {
        guard (1...64).contains(valueBits) else { throw SparseModelError("value width must be in 1...64 bits, got \(valueBits)") }
        self.formats = formats
        self.valueBits = valueBits
        var rows: [Row] = []
        let convs = network.layers.filter { $0.spec.kind == .conv }
        for (index, l) in convs.enumerated() {
            let s = l.spec
            let cols = s.forwardReductionLength
            let pruned = index > 0 && s.kernelSize == 3
            if !pruned {
                let dense = try StorageFormat.dense.bits(try SparsityMask.dense(rows: s.outChannels, cols: cols), valueBits: valueBits)
                rows.append(Row(name: l.name, spec: s, pruned: false, nonZeros: s.weightCount,
                                bits: formats.map { _ in dense }, pps: dense))
                continue
            }
            let a = try assignment(index, s)
            guard a.kernelSize == s.kernelSize else { throw SparseModelError("layer \(l.name): PPS of K=\(a.kernelSize) for K=\(s.kernelSize)") }
            let k = s.kernelSize, k2 = k * k
            var bits = [Bool](repeating: false, count: s.outChannels * cols)
            for i in 0..<s.outChannels {
                for j in 0..<s.inChannels {
                    for p in a.pattern(filter: i, channel: j).positions { bits[i * cols + j * k2 + p] = true }
                }
            }
            let mask = try SparsityMask(rows: s.outChannels, cols: cols, bits: bits)
            let nnz = mask.nonZeros
            let pps = try PPSStorage.bits(storedValues: nnz, period: a.period, libraryCount: a.library.count, kernelSize: k, valueBits: valueBits)
            rows.append(Row(name: l.name, spec: s, pruned: true, nonZeros: nnz,
                            bits: try formats.map { try $0.bits(mask, valueBits: valueBits) }, pps: pps))
        }
        layers = rows
    }

    /// Totals per format (``formats`` order) and of PPS.
    public var totals: (formats: [StorageBits], pps: StorageBits) {
        var f = [StorageBits](repeating: .zero, count: formats.count)
        var p = StorageBits.zero
        for r in layers {
            for i in f.indices { f[i] = f[i] + r.bits[i] }
            p = p + r.pps
        }
        return (f, p)
    }

    /// Totals over the pruned layers only (where the formats differ).
    public var prunedTotals: (formats: [StorageBits], pps: StorageBits) {
        var f = [StorageBits](repeating: .zero, count: formats.count)
        var p = StorageBits.zero
        for r in layers where r.pruned {
            for i in f.indices { f[i] = f[i] + r.bits[i] }
            p = p + r.pps
        }
        return (f, p)
    }
}
