/// The PE geometry the 1-D dataflow maps onto: K_t kernel-row taps and P output accumulators per
/// PE, and the operand stride shift the PE supports.
public struct Conv1DGeometry: Sendable, Hashable, Codable {
    /// Taps of a kernel row (K_t).
    public let taps: Int
    /// Output accumulators per PE (P).
    public let outputs: Int
    /// Largest log2(stride) of the forward pass.
    public let maxStrideLog2: Int

    public init(taps: Int, outputs: Int, maxStrideLog2: Int = 2) {
        self.taps = taps
        self.outputs = outputs
        self.maxStrideLog2 = maxStrideLog2
    }

    /// Largest offset any phase produces: FF (P−1)·s_max + K_t − 1, BP P + K_t − 2, WU 2K_t − 2.
    public var maxOffset: Int { max((outputs - 1) << maxStrideLog2 + taps - 1, outputs + taps - 2, 2 * taps - 2) }
}

/// One entry of a PE's stream: a row-operand value at its offset, with the kernel row (K_t taps,
/// `stored` = the taps its bitmap marks) it is paired with.
public struct RowEntry: Sendable, Hashable {
    public let value: Int64
    public let offset: Int
    public let kernel: [Int64]
    public let stored: [Bool]

    public init(value: Int64, offset: Int, kernel: [Int64], stored: [Bool]) {
        self.value = value
        self.offset = offset
        self.kernel = kernel
        self.stored = stored
    }
}

/// The work of one PE in one run: P output accumulators (which output element each computes,
/// and the mask of those to compute) and the stream of entries.
public struct WorkItem: Sendable {
    /// Per accumulator: the flat index of its output element (nil = unused slot).
    public var outputIndex: [Int?]
    /// Per accumulator: whether pairs into it are issued (unused slots and ReLU-masked outputs are off).
    public var mask: [Bool]
    public var entries: [RowEntry]
    /// log2 of the output stride of the PE's index relation x = (o − t) >> strideLog2.
    public var strideLog2: Int

    public init(outputIndex: [Int?], mask: [Bool], entries: [RowEntry], strideLog2: Int) {
        self.outputIndex = outputIndex
        self.mask = mask
        self.entries = entries
        self.strideLog2 = strideLog2
    }

    /// The pairs the PE issues for `e` (one MAC each): stored tap t with o ≥ t, (o − t) a
    /// multiple of the stride, x = (o − t) >> strideLog2 < P and mask[x].
    public func validPairs(_ e: RowEntry) -> Int {
        var n = 0
        for t in 0..<e.kernel.count where e.stored[t] && e.offset >= t {
            let d = e.offset - t
            guard d & ((1 << strideLog2) - 1) == 0 else { continue }
            let x = d >> strideLog2
            if x < mask.count && mask[x] { n += 1 }
        }
        return n
    }

    /// The item's cost summary.
    public var cost: ItemCost {
        var pairs = 0, cycles = 0
        for e in entries {
            let n = validPairs(e)
            pairs += n
            cycles += max(1, n)
        }
        return ItemCost(pairs: pairs, streamCycles: cycles, entries: entries.count)
    }

    /// MACs issued: Σ valid pairs.
    public var pairs: Int { entries.reduce(0) { $0 + validPairs($1) } }
    /// Cycles the PE spends on its stream: an entry takes one cycle per valid pair, and one
    /// cycle when it has none (the PE cannot look past an entry it has not yet examined).
    public var streamCycles: Int { entries.reduce(0) { $0 + max(1, validPairs($1)) } }
}

/// What the cycle model needs of a work item.
public struct ItemCost: Sendable, Hashable {
    public let pairs: Int
    public let streamCycles: Int
    public let entries: Int

    public init(pairs: Int, streamCycles: Int, entries: Int) {
        self.pairs = pairs
        self.streamCycles = streamCycles
        self.entries = entries
    }
}

/// How the three phases of a convolution become 1-D row × kernel-row work on the PEs (the
/// dataflow; see the README's SparseTrain section for the derivation). Output rows are split into
/// tiles of P columns; each tile is one ``WorkItem``.
///
/// * FF: item (co, ho, tile x0): for each (ci, kh) with an in-range input row r = ho·s + kh − p,
///   the compressed row X[ci][r] (offset o = c + p − x0·s) with kernel row W[co][ci][kh][·];
///   x = (o − t) >> log2 s.
/// * BP: item (ci, h, tile x0), mask = ReLU mask of X (dX is only needed where X > 0): for each
///   (co, kh) with ho = (h + p − kh)/s integral and in range, the compressed gradient row
///   dY[co][ho] (o = wo·s + K − 1 − p − x0: the dilated, padded gradient) with the rotated kernel
///   row W[co][ci][kh][K−1−t]; x = o − t.
/// * WU: item (co, ci, kh), outputs kw < K: for each ho with an in-range row r and each chunk j of
///   K_t padded input columns, the compressed gradient row dY[co][ho] (entries whose K-wide window
///   overlaps the chunk, o = (j+1)·K_t − 1 − wo·s) with the reversed input segment
///   X[ci][r][j·K_t + K_t − 1 − t − p]; x = o − t = kw.
///
/// Sparse mode streams only non-zero row values, marks only non-zero taps and skips kernel rows
/// and items with nothing to do; dense mode (the baseline, same array) streams every value and
/// marks every tap and ignores the ReLU mask.
public enum Conv1DMapping {
    /// The items of `phase`. FF needs x and w; BP dy, w and (optionally) the ReLU mask of X; WU x
    /// and dy. Throws for a kernel wider than K_t, a stride that is not a power of two up to
    /// 2^maxStrideLog2, or missing or mis-shaped operands.
    public static func items(_ phase: ConvPhase, layer: LayerSpec, geometry g: Conv1DGeometry, dense: Bool,
                             x: ChannelTensor<Int64>? = nil, dy: ChannelTensor<Int64>? = nil, w: ConvWeights<Int64>? = nil,
                             mask: ChannelTensor<Bool>? = nil, maxEntries: Int? = nil) throws -> [WorkItem] {
        var items: [WorkItem] = []
        try forEachItem(phase, layer: layer, geometry: g, dense: dense, x: x, dy: dy, w: w, mask: mask, maxEntries: maxEntries) { items.append($0) }
        return items
    }

    /// The costs of the items of `phase` (as ``items(_:layer:geometry:dense:x:dy:w:mask:)``
    /// without keeping the entries: for layers too large to hold).
    public static func costs(_ phase: ConvPhase, layer: LayerSpec, geometry g: Conv1DGeometry, dense: Bool,
                             x: ChannelTensor<Int64>? = nil, dy: ChannelTensor<Int64>? = nil, w: ConvWeights<Int64>? = nil,
                             mask: ChannelTensor<Bool>? = nil, maxEntries: Int? = nil) throws -> [ItemCost] {
        var costs: [ItemCost] = []
        try forEachItem(phase, layer: layer, geometry: g, dense: dense, x: x, dy: dy, w: w, mask: mask, maxEntries: maxEntries) { costs.append($0.cost) }
        return costs
    }

    /// Calls `body` with each item in order. Entries with no valid pair are left out of the
    /// stream: the layout knows the mask and both bitmaps, so it never makes the PE spend a cycle
    /// on an entry that issues nothing (in dense mode these are the entries whose taps all fall
    /// off the output row). With `maxEntries` (a PE's operand memory), an item with more entries
    /// is cut into consecutive items of at most that many, each computing partial sums of the
    /// same outputs (the host adds them).
    public static func forEachItem(_ phase: ConvPhase, layer: LayerSpec, geometry g: Conv1DGeometry, dense: Bool,
                                   x: ChannelTensor<Int64>? = nil, dy: ChannelTensor<Int64>? = nil, w: ConvWeights<Int64>? = nil,
                                   mask: ChannelTensor<Bool>? = nil, maxEntries: Int? = nil, _ body: (WorkItem) throws -> Void) throws {
        if let m = maxEntries, m < 1 { throw SparseModelError("maxEntries must be at least 1, got \(m)") }
        let (k, s, p, kt, pp) = (layer.kernelSize, layer.stride, layer.padding, g.taps, g.outputs)
        guard layer.kind == .conv else { throw SparseModelError("SparseTrain maps convolutions, not \(layer.kind.rawValue) layers") }
        guard k <= kt else { throw SparseModelError("kernel \(k) is wider than the PE's \(kt) kernel-row taps") }
        guard phase != .wu || k <= pp else { throw SparseModelError("WU needs K = \(k) ≤ P = \(pp) accumulators") }
        guard s & (s - 1) == 0, s <= 1 << g.maxStrideLog2 else {
            throw SparseModelError("stride \(s) is not a power of two up to \(1 << g.maxStrideLog2)")
        }
        let sl = s.trailingZeroBitCount
        func need<T>(_ t: ChannelTensor<T>?, _ name: String, _ c: Int, _ h: Int, _ wd: Int) throws -> ChannelTensor<T> {
            guard let t else { throw SparseModelError("\(phase.rawValue) needs \(name)") }
            guard t.channels == c, t.height == h, t.width == wd else {
                throw SparseModelError("\(name) is \(t.channels)x\(t.height)x\(t.width), the layer needs \(c)x\(h)x\(wd)")
            }
            return t
        }
        func weights() throws -> ConvWeights<Int64> {
            guard let w else { throw SparseModelError("\(phase.rawValue) needs weights") }
            guard w.outChannels == layer.outChannels, w.inChannels == layer.inChannels, w.kernelSize == k else {
                throw SparseModelError("weights are \(w.outChannels)x\(w.inChannels)x\(w.kernelSize)x\(w.kernelSize), the layer needs \(layer.outChannels)x\(layer.inChannels)x\(k)x\(k)")
            }
            return w
        }
        let (ho, wo, hi, wi) = (layer.outHeight, layer.outWidth, layer.inHeight, layer.inWidth)
        func kernelRow(_ taps: [Int64]) -> (values: [Int64], stored: [Bool]) {
            let v = taps + [Int64](repeating: 0, count: kt - taps.count)
            return (v, (0..<kt).map { t in dense ? t < taps.count : v[t] != 0 })
        }
        func emit(_ item: WorkItem) throws {
            var it = item
            it.entries = it.entries.filter { it.validPairs($0) > 0 }
            guard let m = maxEntries, it.entries.count > m else { return try body(it) }
            for start in stride(from: 0, to: it.entries.count, by: m) {
                var part = it
                part.entries = Array(it.entries[start..<min(it.entries.count, start + m)])
                try body(part)
            }
        }
        switch phase {
        case .ff:
            let x = try need(x, "activations X", layer.inChannels, hi, wi), w = try weights()
            for co in 0..<layer.outChannels { for oh in 0..<ho { for x0 in stride(from: 0, to: wo, by: pp) {
                var item = WorkItem(outputIndex: (0..<pp).map { x0 + $0 < wo ? (co * ho + oh) * wo + x0 + $0 : nil },
                                    mask: (0..<pp).map { x0 + $0 < wo }, entries: [], strideLog2: sl)
                for ci in 0..<layer.inChannels { for kh in 0..<k {
                    let r = oh * s + kh - p
                    guard r >= 0, r < hi else { continue }
                    let kr = kernelRow((0..<k).map { w[co, ci, kh, $0] })
                    if !dense && !kr.stored.contains(true) { continue }
                    for c in 0..<wi {
                        let v = x[ci, r, c], o = c + p - x0 * s
                        guard dense || v != 0, o >= 0, o <= (pp - 1) * s + k - 1 else { continue }
                        item.entries.append(RowEntry(value: v, offset: o, kernel: kr.values, stored: kr.stored))
                    }
                } }
                try emit(item)
            } } }
        case .bp:
            let dy = try need(dy, "gradients dY", layer.outChannels, ho, wo), w = try weights()
            let m: ChannelTensor<Bool>? = try mask.map { try need($0, "ReLU mask", layer.inChannels, hi, wi) }
            for ci in 0..<layer.inChannels { for h in 0..<hi { for x0 in stride(from: 0, to: wi, by: pp) {
                let on = (0..<pp).map { x0 + $0 < wi && (dense || (m?[ci, h, x0 + $0] ?? true)) }
                if !dense && !on.contains(true) { continue }
                var item = WorkItem(outputIndex: (0..<pp).map { x0 + $0 < wi ? (ci * hi + h) * wi + x0 + $0 : nil },
                                    mask: on, entries: [], strideLog2: 0)
                for co in 0..<layer.outChannels { for kh in 0..<k {
                    let num = h + p - kh
                    guard num >= 0, num % s == 0, num / s < ho else { continue }
                    let oh = num / s
                    let kr = kernelRow((0..<k).map { w[co, ci, kh, k - 1 - $0] })
                    if !dense && !kr.stored.contains(true) { continue }
                    for c in 0..<wo {
                        let v = dy[co, oh, c], o = c * s + k - 1 - p - x0
                        guard dense || v != 0, o >= 0, o <= pp - 1 + k - 1 else { continue }
                        item.entries.append(RowEntry(value: v, offset: o, kernel: kr.values, stored: kr.stored))
                    }
                } }
                try emit(item)
            } } }
        case .wu:
            let x = try need(x, "activations X", layer.inChannels, hi, wi)
            let dy = try need(dy, "gradients dY", layer.outChannels, ho, wo)
            let paddedWidth = wi + 2 * p
            for co in 0..<layer.outChannels { for ci in 0..<layer.inChannels { for kh in 0..<k {
                var item = WorkItem(outputIndex: (0..<pp).map { $0 < k ? ((co * layer.inChannels + ci) * k + kh) * k + $0 : nil },
                                    mask: (0..<pp).map { $0 < k }, entries: [], strideLog2: 0)
                for oh in 0..<ho {
                    let r = oh * s + kh - p
                    guard r >= 0, r < hi else { continue }
                    for j in stride(from: 0, to: paddedWidth, by: kt) {
                        // Reversed segment: tap t holds padded column j + K_t − 1 − t.
                        let seg: [Int64] = (0..<kt).map { t in
                            let c = j + kt - 1 - t - p
                            return c >= 0 && c < wi ? x[ci, r, c] : 0
                        }
                        let stored = (0..<kt).map { t in dense ? j + kt - 1 - t < paddedWidth : seg[t] != 0 }
                        if !dense && !stored.contains(true) { continue }
                        for c in 0..<wo {
                            let v = dy[co, oh, c], o = j + kt - 1 - c * s
                            guard dense || v != 0, o >= 0, o <= kt - 1 + k - 1 else { continue }
                            item.entries.append(RowEntry(value: v, offset: o, kernel: seg, stored: stored))
                        }
                    }
                }
                if !dense && item.entries.isEmpty { continue }
                try emit(item)
            } } }
        }
    }
}
