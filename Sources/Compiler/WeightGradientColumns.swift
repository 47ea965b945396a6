import SparseModel

/// The column space of the weight-gradient GEMM dW = dYmat · Xcolᵀ on the system, and where the
/// update unit's pre-generated words of each tile go.
///
/// Without pre-generation the columns are the forward reduction indices k in the options' order
/// (K' columns). With it, a tile's C columns must be C consecutive input channels at one kernel
/// tap (its backward words are R consecutive ci of one tap, its forward words M consecutive ci):
/// column j = tap · Ci' + ci with Ci' = Ci rounded up to a multiple of C, columns with ci ≥ Ci
/// being padding (zero Xcolᵀ columns and zero master weights, so they update to zero and
/// pre-generate the canonical zero groups). This needs the forward groups to be M consecutive ci
/// at one tap: channels-innermost order, or K = 1 (where both orders agree).
public struct WeightGradientColumns: Sendable, Hashable {
    public let layer: LayerSpec
    public let order: ReductionOrder
    /// Whether the columns are laid out per tap for pre-generation.
    public let perTap: Bool
    /// Ci' (per tap) or K' (not per tap): the length of a tap's column run.
    public let channelsPerTap: Int

    /// Throws when `pregen` is asked for a layer whose forward groups span kernel taps.
    public init(layer: LayerSpec, order: ReductionOrder, target: SystemTarget, pregen: Bool) throws {
        self.layer = layer
        self.order = order
        perTap = pregen
        if pregen {
            guard order == .channelsInnermost || layer.kernelSize == 1 else {
                throw CompileError("on-chip pre-generation needs channels-innermost order (or K = 1): with flattened order and K = \(layer.kernelSize) a weight tile's columns cannot be both forward groups and backward lanes")
            }
            channelsPerTap = (layer.inChannels + target.cols - 1) / target.cols * target.cols
        } else {
            channelsPerTap = layer.forwardReductionLength
        }
    }

    /// Columns of the GEMM.
    public var count: Int { perTap ? layer.kernelSize * layer.kernelSize * channelsPerTap : layer.forwardReductionLength }

    /// The forward reduction index (options' order) of column `j`, nil for a padding column.
    public func forwardIndex(column j: Int) -> Int? {
        guard perTap else { return j }
        let tap = j / channelsPerTap, ci = j % channelsPerTap
        guard ci < layer.inChannels else { return nil }
        return layer.forwardIndex(ci: ci, kh: tap / layer.kernelSize, kw: tap % layer.kernelSize, order: order)
    }

    /// A matrix with `rows` rows whose column j is column `forwardIndex(j)` of `m` (zero for padding).
    func spread(_ m: Matrix<Int64>, rows: Int) -> Matrix<Int64> {
        let map = (0..<count).map(forwardIndex)
        return Matrix(rows: rows, cols: count) { r, j in r < m.rows ? map[j].map { m[r, $0] } ?? 0 : 0 }
    }

    /// The inverse of `spread`: the K' columns (of the first `rows` rows) of a spread matrix.
    func gather(_ m: Matrix<Int64>, rows: Int) -> Matrix<Int64> {
        var column = [Int](repeating: 0, count: layer.forwardReductionLength)
        for j in 0..<count { if let k = forwardIndex(column: j) { column[k] = j } }
        return Matrix(rows: rows, cols: layer.forwardReductionLength) { r, k in m[r, column[k]] }
    }
}

/// One STORE of pre-generated words: `count` PBUF entries from the tile's first pregen entry +
/// `entryOffset`, entry e to DRAM `dramAddr + e · dramStride`.
struct PregenStore: Sendable, Hashable {
    let entryOffset: Int
    let count: Int
    let dramAddr: Int
    let dramStride: Int
}

/// Where a weight-gradient tile's pre-generated words go: its forward words into the next Wf
/// region, its backward words into the next Wbt region (both laid out as the FF and BP weight
/// operands, ``WeightWordLayout``), skipping words of padding channels or padding co-groups.
struct PregenPlacement: Sendable {
    let target: SystemTarget
    let columns: WeightGradientColumns
    let forward: WeightWordLayout
    let forwardBase: Int
    let backward: WeightWordLayout
    let backwardBase: Int

    /// The stores of tile (ti, tj): forward word g (PBUF offset g) is group `tap·Ci/M + (ci0 + g·M)/M`
    /// of FF row tile ti; backward word i·C/R + s (offset C/M + i·C/R + s) is group
    /// `tap·Co/M + ti·R/M + i` of BP row tile ci0/R + s, with ci0 = (tj·C) mod Ci' and
    /// tap = (tj·C) / Ci'.
    func stores(rowTile ti: Int, colTile tj: Int) -> [PregenStore] {
        let R = target.rows, C = target.cols, M = target.m
        let ci = columns.layer.inChannels, co = columns.layer.outChannels
        let tap = tj * C / columns.channelsPerTap, ci0 = tj * C % columns.channelsPerTap
        var out: [PregenStore] = []
        let forwardWords = min(C / M, (ci - ci0) / M)
        if forwardWords > 0 {
            let g0 = tap * (ci / M) + ci0 / M
            out.append(PregenStore(entryOffset: 0, count: forwardWords,
                                   dramAddr: forwardBase + forward.index(rowTile: ti, word: g0) * forward.entryBytes,
                                   dramStride: forward.entryBytes))
        }
        let backwardTiles = min(C / R, (ci + R - 1) / R - ci0 / R)
        for i in 0..<(R / M) where ti * R + i * M < co && backwardTiles > 0 {
            let g = tap * (co / M) + ti * R / M + i
            out.append(PregenStore(entryOffset: C / M + i * (C / R), count: backwardTiles,
                                   dramAddr: backwardBase + backward.index(rowTile: ci0 / R, word: g) * backward.entryBytes,
                                   dramStride: backward.wordsPerRowTile * backward.entryBytes))
        }
        return Self.coalesced(out)
    }

    /// Joins consecutive stores that continue each other in PBUF and in DRAM (the same stride,
    /// or single words one stride apart) into one: each STORE costs the store unit a request and
    /// an acknowledgement, and a weight tile's co-groups often land side by side.
    static func coalesced(_ stores: [PregenStore]) -> [PregenStore] {
        var out: [PregenStore] = []
        for s in stores {
            if let last = out.last, s.entryOffset == last.entryOffset + last.count {
                let stride = last.count == 1 ? (s.count == 1 ? s.dramAddr - last.dramAddr : s.dramStride) : last.dramStride
                let strideOK = stride > 0 && (s.count == 1 || s.dramStride == stride)
                if strideOK, s.dramAddr == last.dramAddr + last.count * stride {
                    out[out.count - 1] = PregenStore(entryOffset: last.entryOffset, count: last.count + s.count, dramAddr: last.dramAddr, dramStride: stride)
                    continue
                }
            }
            out.append(s)
        }
        return out
    }
}
