import HWCore
import HWLib

/// Configuration of the SparseTrain training system ("sparsetrain-system"): the SparseTrain array
/// with ping-pong memories (``SparseTrainBankedArray``) as the compute engine of the shared
/// system blocks (``SystemShell`` with prefix `st`, no MBUF or PBUF; RUN on the compute queue).
/// One struct drives the RTL, the compiler's program layout, the cycle model and the reports.
///
/// Buffer entries (whole memory beats each):
/// * XBUF: one entry word of every PE (R·C × ``SparseTrainConfig/wordBits``), so one buffer read
///   fills a word in every PE's operand memory at once.
/// * WBUF: every PE's entry count (R·C × ``SparseTrainConfig/countWidth``), one entry per run.
/// * OBUF: one result slot of one PE (P accumulators).
public struct SparseTrainSystemConfig: Codable, Sendable, Hashable {
    /// The array; its `banks` is 2 (the ping-pong memories).
    public var array: SparseTrainConfig
    public var memory: MemoryPortSpec
    public var xEntries: Int
    public var wEntries: Int
    public var oEntries: Int
    /// Instructions each unit's queue holds.
    public var queueDepth: Int
    /// Read (and write) requests in flight at once.
    public var maxOutstanding: Int
    /// Cycles without progress, with work pending, before the `stalled` error.
    public var stallLimit: Int

    public init(array: SparseTrainConfig = SparseTrainConfig(depth: 256, slots: 16, banks: 2),
                memory: MemoryPortSpec = MemoryPortSpec(addrBits: 32, dataBits: 512, maxBeats: 8),
                xEntries: Int = 512, wEntries: Int = 4, oEntries: Int = 512, queueDepth: Int = 4, maxOutstanding: Int = 4,
                stallLimit: Int = 1 << 14) {
        self.array = array
        self.memory = memory
        self.xEntries = xEntries
        self.wEntries = wEntries
        self.oEntries = oEntries
        self.queueDepth = queueDepth
        self.maxOutstanding = maxOutstanding
        self.stallLimit = stallLimit
    }

    /// Throws a ``ConfigError`` naming the first invalid field.
    public func validate() throws {
        try array.validate()
        guard array.banks == 2 else { throw ConfigError("the SparseTrain system's array needs 2 memory banks per PE, got \(array.banks)") }
        try SystemShell.validate(memory: memory)
        try Check.range(xEntries, 1...(1 << 16), "XBUF entries")
        try Check.range(wEntries, 1...(1 << 16), "WBUF entries")
        try Check.range(oEntries, pes...(1 << 16), "OBUF entries (at least one slot of every PE)")
        try Check.range(queueDepth, 1...64, "queue depth")
        try Check.range(maxOutstanding, 1...64, "outstanding requests")
        try Check.range(stallLimit, 64...(1 << 30), "stall limit")
        for (name, bits) in [("XBUF", xEntryBits), ("WBUF", wEntryBits), ("OBUF", oEntryBits)] where chunks(bits) > 255 {
            throw ConfigError("a \(name) entry of \(bits) bits is more than 255 memory beats of \(memory.dataBits) bits (use a wider --mem-width)")
        }
    }

    // MARK: Derived values

    public var pes: Int { array.rows * array.cols }
    /// Bits of an XBUF entry: one entry word per PE.
    public var xEntryBits: Int { pes * array.wordBits }
    /// Bits of a WBUF entry: one entry count per PE.
    public var wEntryBits: Int { pes * array.countWidth }
    /// Bits of an OBUF entry: one result slot (P accumulators).
    public var oEntryBits: Int { array.outputs * array.accWidth }
    public func chunks(_ bits: Int) -> Int { (bits + memory.dataBits - 1) / memory.dataBits }
    public var xChunks: Int { chunks(xEntryBits) }
    public var wChunks: Int { chunks(wEntryBits) }
    public var oChunks: Int { chunks(oEntryBits) }

    var tag: String { "r\(array.rows)_c\(array.cols)_d\(array.dataWidth)_a\(array.accWidth)_k\(array.taps)_p\(array.outputs)_m\(memory.dataBits)" }

    /// The shared system blocks' view: XBUF, WBUF, OBUF; RUN on the compute queue.
    public var shell: SystemShell {
        let bits = memory.dataBits
        return SystemShell(prefix: "st", tag: tag, memory: memory,
                           x: .init(entries: xEntries, laneBits: xChunks * bits),
                           w: .init(entries: wEntries, laneBits: wChunks * bits),
                           m: nil,
                           o: .init(entries: oEntries, laneBits: oChunks * bits),
                           p: nil,
                           queueDepth: queueDepth, maxOutstanding: maxOutstanding, stallLimit: stallLimit,
                           computeOpcodes: [.run])
    }

    public var topName: String { "st_system_\(tag)" }

    public var parameters: [String: ParamValue] {
        array.parameters.merging([
            "design": .string("sparsetrain-system"), "memoryDataBits": .int(memory.dataBits), "memoryAddrBits": .int(memory.addrBits),
            "maxBeats": .int(memory.maxBeats), "xEntries": .int(xEntries), "wEntries": .int(wEntries), "oEntries": .int(oEntries),
            "queueDepth": .int(queueDepth), "maxOutstanding": .int(maxOutstanding),
        ]) { _, new in new }
    }
}

extension SparseTrainConfig {
    /// The banked array's module name.
    public var bankedTopName: String { "sparsetrain_banked_r\(rows)_c\(cols)_d\(dataWidth)_a\(accWidth)_k\(taps)_p\(outputs)_m\(depth)_s\(slots)" }
}
