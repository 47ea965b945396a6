import Formats
import SparseModel

/// The SPS compiler: a PPS-pruned conv layer → what the SPS conv core consumes.
///
/// Reordering. A tile runs R output pixels (PE rows) × C filters (PE columns) over all Ci input
/// channels, one kernel position per cycle. For every column to need the *same* kernel position
/// each cycle, all C filters of a tile must have the same pattern for every channel j; with
/// pattern(i, j) = library[(i + j) mod P] that holds exactly when their indices agree mod P. So the
/// compiler groups filters by residue class a = i mod P (a filter permutation) and cuts each class
/// into column tiles of up to C filters. The tile's pattern sequence over channels is then
/// a, a+1, ... mod P: a mod-P counter started at a (the tile's `phase`) indexes the pattern table.
///
/// Outputs:
/// * the per-layer pattern table (P entries, ``PPSPatternTableLayout``): the only index memory;
/// * the packed weight stream: for each column tile, Ci·n beats (channel-major, then the
///   pattern's positions in row-major order), each beat C values, one per column (0 for an
///   unused column); no per-weight index anywhere;
/// * the tiles: column tile × pixel tile, with each PE row's output-pixel window origin
///   (y0, x0) = (oh·S − P, ow·S − P) and its flattened input offset y0·W + x0.
public struct SPSProgram: Sendable {
    /// One column tile: filters of one residue class.
    public struct ColumnTile: Sendable, Hashable {
        /// The residue class a = i mod P of the tile's filters: the mod-P counter's start.
        public let phase: Int
        /// The filters in PE column order (up to C).
        public let filters: [Int]
        /// The tile's first beat in the weight stream.
        public let weightBase: Int
    }

    /// One PE row's output pixel.
    public struct RowOrigin: Sendable, Hashable {
        /// The output pixel (oh·Wo + ow), or nil for an unused row (it recomputes pixel 0).
        public let pixel: Int?
        public let y0: Int
        public let x0: Int
        public let base: Int
    }

    public let layer: LayerSpec
    public let assignment: PPSAssignment
    public let rows: Int
    public let cols: Int
    /// n, weights per kernel.
    public let slots: Int
    public let tableLayout: PPSPatternTableLayout
    /// Entry q: the (kh, kw) offsets of residue class q's pattern.
    public let patternTable: [[(kh: Int, kw: Int)]]
    public let columnTiles: [ColumnTile]
    /// Beats × C weights.
    public let weightStream: [[Int64]]
    /// Pixel tiles, each R row origins.
    public let pixelTiles: [[RowOrigin]]

    /// Compiles `weights` (already pruned by `assignment`; other values would be dropped, so this
    /// throws if a pruned position holds a non-zero) for an R × C array.
    public init(layer: LayerSpec, assignment: PPSAssignment, weights: ConvWeights<Int64>, rows: Int, cols: Int) throws {
        guard rows >= 1, cols >= 1 else { throw SparseModelError("SPS array needs R, C ≥ 1, got \(rows)x\(cols)") }
        guard layer.kind == .conv, layer.kernelSize == assignment.kernelSize else {
            throw SparseModelError("SPS compiles K=\(assignment.kernelSize) conv layers, got \(layer)")
        }
        guard let n = assignment.uniformCount else {
            throw SparseModelError("SPS needs every pattern of the period to keep the same number of weights (got \(assignment.patterns.map(\.count)))")
        }
        guard weights.outChannels == layer.outChannels, weights.inChannels == layer.inChannels, weights.kernelSize == layer.kernelSize else {
            throw SparseModelError("SPS compile: weights do not match \(layer)")
        }
        let k = layer.kernelSize, p = assignment.period
        for i in 0..<layer.outChannels {
            for j in 0..<layer.inChannels {
                for kh in 0..<k {
                    for kw in 0..<k where !assignment.keeps(filter: i, channel: j, kh: kh, kw: kw) && weights[i, j, kh, kw] != 0 {
                        throw SparseModelError("SPS compile: W[\(i)][\(j)][\(kh)][\(kw)] = \(weights[i, j, kh, kw]) lies outside its pattern (prune first)")
                    }
                }
            }
        }
        self.layer = layer
        self.assignment = assignment
        self.rows = rows
        self.cols = cols
        slots = n
        tableLayout = try PPSPatternTableLayout(kernelSize: k, slots: n, period: p)
        patternTable = assignment.patterns.map(\.offsets)

        var tiles: [ColumnTile] = []
        var stream: [[Int64]] = []
        for a in 0..<p {
            let group = Array(stride(from: a, to: layer.outChannels, by: p))
            var start = 0
            while start < group.count {
                let filters = Array(group[start..<min(start + cols, group.count)])
                tiles.append(ColumnTile(phase: a, filters: filters, weightBase: stream.count))
                for j in 0..<layer.inChannels {
                    // Every filter of the tile has residue a, so channel j's pattern is shared.
                    for o in assignment.patterns[(a + j) % p].offsets {
                        stream.append((0..<cols).map { c in c < filters.count ? weights[filters[c], j, o.kh, o.kw] : 0 })
                    }
                }
                start += cols
            }
        }
        columnTiles = tiles
        weightStream = stream

        let (ho, wo, s, pad, w) = (layer.outHeight, layer.outWidth, layer.stride, layer.padding, layer.inWidth)
        let pixels = ho * wo
        pixelTiles = stride(from: 0, to: pixels, by: rows).map { first in
            (0..<rows).map { r in
                let px = first + r < pixels ? first + r : nil
                let q = px ?? 0
                let y0 = (q / wo) * s - pad, x0 = (q % wo) * s - pad
                return RowOrigin(pixel: px, y0: y0, x0: x0, base: y0 * w + x0)
            }
        }
    }

    /// Output tiles (column tiles × pixel tiles), in run order: column tile outer.
    public var tileCount: Int { columnTiles.count * pixelTiles.count }

    /// The index memory of the layer on the SPS core: the pattern table only.
    public var indexMemoryBits: Int { tableLayout.totalBits }
}
