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
/// The next tile's `start` is accepted the cycle after `tile_done` (its read-out overlaps the next
/// tile), so a layer of T tiles takes T·(tile + 1) cycles. The same array run dense is n = K².
public enum SPSCycleModel {
    /// Cycles from the start cycle to the tile-done cycle.
    public static func tileCycles(channels: Int, slots: Int, rows: Int, cols: Int) -> Int {
        channels * slots + rows + cols + 2
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

    /// Cycles of a whole layer: T·(tile + 1).
    public static func layerCycles(layer: LayerSpec, slots: Int, period: Int, rows: Int, cols: Int) -> Int {
        tiles(layer: layer, period: period, rows: rows, cols: cols) * (tileCycles(channels: layer.inChannels, slots: slots, rows: rows, cols: cols) + 1)
    }
}
