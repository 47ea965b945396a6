/// Closed-form cycle model of the SPS conv core (`SparseAccel/SPS`), one output tile of R output
/// pixels × C filters over Ci input channels with n weights per kernel:
///
/// * cycle 0: `start` is sampled; cycles 1 ... G issue the tile's G = Ci·n beats (one kernel
///   position of one channel per cycle, from the mod-P counter and the pattern table);
/// * the issue stage registers the activation and weight addresses (+1) and the buffers answer
///   one cycle later (+1), so beat b enters the array's row 0 at cycle 3 + b;
/// * the dense output-stationary array shows the tile `R + C` cycles after its last beat entered
///   row 0 (``OSArrayCycleModel/doneCycle(lastBeat:rows:cols:)``).
///
///     tile = G + R + C + 2 cycles from `start` to `tile_done` (G = Ci·n)
///
/// Tiles overlap: the next tile may start the cycle after this one's last issue (G + 1 cycles after
/// its start) and streams in while the array drains this one. Its last beat then replaces this
/// tile's results, so the host reads them in the R + 1 cycles after `tile_done`, which the overlap
/// leaves only when G ≥ R + C; otherwise the next tile starts the cycle after this one's
/// `tile_done` (the read-out then overlaps the next tile's first beats). A layer of T tiles takes, from its first start to its
/// last `tile_done` inclusive:
///
///     layer = (T − 1)·interval + tile + 1,  interval = G + 1 if G ≥ R + C, else tile + 1.
///
/// The same array run dense is n = K².
public enum SPSCycleModel {
    /// Cycles from the start cycle to the tile-done cycle.
    public static func tileCycles(channels: Int, slots: Int, rows: Int, cols: Int) -> Int {
        max(channels, 1) * slots + rows + cols + 2
    }

    /// Output tiles of a layer: ⌈pixels / R⌉ pixel tiles × the column tiles (filters grouped by
    /// residue class, ⌈count / C⌉ per class).
    public static func tiles(layer: LayerSpec, period: Int, rows: Int, cols: Int) -> Int {
        let pixels = layer.outHeight * layer.outWidth
        var colTiles = 0
        for a in 0..<period {
            let count = a < layer.outChannels ? (layer.outChannels - a + period - 1) / period : 0
            colTiles += (count + cols - 1) / cols
        }
        return ((pixels + rows - 1) / rows) * colTiles
    }

    /// Cycles from one tile's start to the next one's.
    public static func tileInterval(channels: Int, slots: Int, rows: Int, cols: Int) -> Int {
        let g = max(channels, 1) * slots
        return g >= rows + cols ? g + 1 : tileCycles(channels: channels, slots: slots, rows: rows, cols: cols) + 1
    }

    /// Cycles of a whole layer, first start to last `tile_done` inclusive.
    public static func layerCycles(layer: LayerSpec, slots: Int, period: Int, rows: Int, cols: Int) -> Int {
        let t = tiles(layer: layer, period: period, rows: rows, cols: cols)
        let c = layer.inChannels
        return (t - 1) * tileInterval(channels: c, slots: slots, rows: rows, cols: cols) + tileCycles(channels: c, slots: slots, rows: rows, cols: cols) + 1
    }
}
