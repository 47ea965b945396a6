/// What the SPS system compiler needs to know of the hardware (``SparseAccel/SPSSystemConfig``,
/// restated here because the compiler does not import the hardware side): the array, the
/// memory beat, the buffers' entries and their entry formats.
public struct SPSSystemTarget: Sendable, Hashable {
    public var rows: Int
    public var cols: Int
    public var kernelSize: Int
    public var patternNNZ: Int
    public var period: Int
    public var dataBits: Int
    public var accBits: Int
    /// Bits of a memory beat.
    public var beatBits: Int
    public var xEntries: Int
    public var wEntries: Int
    public var oEntries: Int
    public var lineEntries: Int
    /// Memory beats of a WBUF entry and of an OBUF entry.
    public var wChunks: Int
    public var oChunks: Int

    public init(rows: Int, cols: Int, kernelSize: Int, patternNNZ: Int, period: Int, dataBits: Int, accBits: Int, beatBits: Int,
                xEntries: Int, wEntries: Int, oEntries: Int, lineEntries: Int, wChunks: Int, oChunks: Int) {
        self.rows = rows
        self.cols = cols
        self.kernelSize = kernelSize
        self.patternNNZ = patternNNZ
        self.period = period
        self.dataBits = dataBits
        self.accBits = accBits
        self.beatBits = beatBits
        self.xEntries = xEntries
        self.wEntries = wEntries
        self.oEntries = oEntries
        self.lineEntries = lineEntries
        self.wChunks = wChunks
        self.oChunks = oChunks
    }

    public var beatBytes: Int { beatBits / 8 }
    /// Activations per XBUF and line-buffer entry (one memory beat).
    public var elementsPerEntry: Int { beatBits / dataBits }
    public var lineCapacity: Int { lineEntries * elementsPerEntry }
    public var wEntryBytes: Int { wChunks * beatBytes }
    /// Weight beats (C weights each) per WBUF entry: the largest power of two that fits.
    public var weightBeatsPerEntry: Int {
        var b = 1
        while 2 * b * cols * dataBits <= wChunks * beatBits { b *= 2 }
        return b
    }
    public var oEntryBytes: Int { oChunks * beatBytes }
}
