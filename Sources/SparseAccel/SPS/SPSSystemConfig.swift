import Formats
import HWCore
import HWLib

/// Configuration of the SPS system ("sps-system"): the SPS conv core with the shared system
/// blocks (``SystemShell``: dispatcher, DMA units, XBUF/WBUF/OBUF, tokens, watchdog) and the
/// line buffer. One struct drives the RTL, the compiler's layout, the cycle model and the reports.
///
/// Entry formats:
/// * XBUF: one memory beat of E = memory bits / d activations ([ci][h][w] order, element i of
///   the layer at entry i / E, lane i mod E).
/// * WBUF: B = ``weightBeatsPerEntry`` beats of the packed weight stream (weight beat b of the
///   entry at bits b·C·d, its column c at + c·d); or the layer descriptor
///   (``Formats/SPSLayerDescriptor``); or one pattern-table entry (``Formats/PPSPatternTableLayout``),
///   each in the low bits of an entry of whole memory beats.
/// * OBUF: one output pixel of a tile, C accumulators (column c at bits c·acc).
/// * Line buffer (``SPSLineBuffer``): R banks of `lineEntries` entries of E activations.
public struct SPSSystemConfig: Codable, Sendable, Hashable {
    /// The conv core (R × C, K, n, P, widths); its activation and weight address widths are
    /// derived from the line buffer and WBUF here.
    public var core: SPSConfig
    public var memory: MemoryPortSpec
    /// XBUF entries (one memory beat each).
    public var xEntries: Int
    /// WBUF entries (one weight beat, descriptor or pattern entry each).
    public var wEntries: Int
    /// OBUF entries (one output pixel of C accumulators each).
    public var oEntries: Int
    /// Line-buffer entries per bank (E activations each).
    public var lineEntries: Int
    public var queueDepth: Int
    public var maxOutstanding: Int
    public var stallLimit: Int

    public init(core: SPSConfig = SPSConfig(rows: 4, cols: 4), memory: MemoryPortSpec = MemoryPortSpec(addrBits: 32, dataBits: 128, maxBeats: 16),
                xEntries: Int = 256, wEntries: Int = 1024, oEntries: Int = 64, lineEntries: Int = 1024,
                queueDepth: Int = 4, maxOutstanding: Int = 4, stallLimit: Int = 1 << 14) {
        self.core = core
        self.memory = memory
        self.xEntries = xEntries
        self.wEntries = wEntries
        self.oEntries = oEntries
        self.lineEntries = lineEntries
        self.queueDepth = queueDepth
        self.maxOutstanding = maxOutstanding
        self.stallLimit = stallLimit
    }

    /// Throws a ``ConfigError`` naming the first invalid field.
    public func validate() throws {
        try core.validate()
        try SystemShell.validate(memory: memory)
        guard core.dataWidth.nonzeroBitCount == 1, core.dataWidth >= 8, core.dataWidth <= memory.dataBits else {
            throw ConfigError("the SPS system packs activations E = memory width / data width per beat: data width must be 8, 16 or 32, got \(core.dataWidth)")
        }
        guard core.kernelSize <= 15 else { throw ConfigError("kernel size must fit the pattern table, got \(core.kernelSize)") }
        try Check.range(xEntries, 1...(1 << 16), "XBUF entries")
        try Check.range(wEntries, (core.period + 1)...(1 << 16), "WBUF entries (at least P + 1: the descriptor and the pattern table)")
        try Check.range(oEntries, core.rows...(1 << 16), "OBUF entries (at least R)")
        try Check.range(lineEntries, 1...(1 << 16), "line-buffer entries")
        try Check.range(queueDepth, 1...64, "queue depth")
        try Check.range(maxOutstanding, 1...64, "outstanding requests")
        try Check.range(stallLimit, 64...(1 << 30), "stall limit")
        for (name, chunks) in [("WBUF", wChunks), ("OBUF", oChunks)] where chunks > 255 {
            throw ConfigError("a \(name) entry is more than 255 memory beats of \(memory.dataBits) bits")
        }
    }

    // MARK: Derived values

    /// Activations per XBUF and line-buffer entry (E).
    public var elementsPerEntry: Int { memory.dataBits / core.dataWidth }
    /// Activations the line buffer holds (the largest Ci·H·W a layer may have).
    public var lineCapacity: Int { lineEntries * elementsPerEntry }
    /// Bits of a WBUF entry's contents: C weights, the descriptor or a pattern entry, the widest.
    public var wContentBits: Int {
        let table = (try? core.tableLayout.entryBits) ?? 0
        return max(core.cols * core.dataWidth, SPSLayerDescriptor.bits, table)
    }
    /// Memory beats per entry.
    public var wChunks: Int { chunks(wContentBits) }
    /// Weight beats (C weights each) per WBUF entry: the largest power of two that fits an entry,
    /// so a narrow array does not leave half of every memory beat empty.
    public var weightBeatsPerEntry: Int {
        var b = 1
        while 2 * b * core.cols * core.dataWidth <= wChunks * memory.dataBits { b *= 2 }
        return b
    }
    public var oChunks: Int { chunks(core.cols * core.accWidth) }
    public func chunks(_ bits: Int) -> Int { (bits + memory.dataBits - 1) / memory.dataBits }

    /// The core as the system instantiates it: activation addresses span the line buffer; 12-bit dimensions and channel counts (the descriptor's fields).
    public var engine: SPSConfig {
        var e = core
        e.actAddrBits = max(2, ceilLog2(lineCapacity))
        // The core's weight pointer counts weight beats: WBUF entry = pointer / B. It is at least
        // the default width (the CONV's range check keeps it inside WBUF).
        e.weightAddrBits = max(e.weightAddrBits, 16 + ceilLog2(weightBeatsPerEntry))
        e.dimBits = 12
        e.chanBits = 12
        // The address generator compares signed origins with 12-bit dimensions: addresses must
        // be wider than a dimension.
        e.actAddrBits = max(e.actAddrBits, e.dimBits + 1)
        return e
    }

    var tag: String {
        "r\(core.rows)_c\(core.cols)_k\(core.kernelSize)_n\(core.patternNNZ)_p\(core.period)_d\(core.dataWidth)_a\(core.accWidth)_m\(memory.dataBits)"
    }

    /// The shared blocks' view: XBUF, WBUF, OBUF (no MBUF, no PBUF), CONV on the compute queue.
    public var shell: SystemShell {
        let bits = memory.dataBits
        return SystemShell(prefix: "sps", tag: tag, memory: memory,
                           x: .init(entries: xEntries, laneBits: bits),
                           w: .init(entries: wEntries, laneBits: wChunks * bits),
                           m: nil,
                           o: .init(entries: oEntries, laneBits: oChunks * bits),
                           p: nil,
                           queueDepth: queueDepth, maxOutstanding: maxOutstanding, stallLimit: stallLimit,
                           computeOpcodes: [.conv])
    }

    public var topName: String { "sps_system_\(tag)" }

    public var parameters: [String: ParamValue] {
        core.parameters.merging([
            "design": .string("sps-system"), "memoryDataBits": .int(memory.dataBits), "memoryAddrBits": .int(memory.addrBits),
            "maxBeats": .int(memory.maxBeats), "xEntries": .int(xEntries), "wEntries": .int(wEntries), "oEntries": .int(oEntries),
            "lineEntries": .int(lineEntries), "queueDepth": .int(queueDepth), "maxOutstanding": .int(maxOutstanding),
        ]) { _, new in new }
    }
}

/// The SPS compute unit's timing constants, shared by the RTL and the cycle model.
extension SPSSystemConfig {
    /// Drain jobs (launched tiles whose rows are not yet in OBUF) the compute unit tracks.
    public var drainSlots: Int { 4 }
}
