import Formats
import HWCore
import HWLib

/// Configuration of the SAT training system: the SAT core, its memory port, its on-chip buffers,
/// its controller and the update unit's numerics. One struct drives the RTL, the compiler's
/// tiling, the cycle model and the reports.
public struct SATSystemConfig: Codable, Sendable, Hashable {
    /// The array (R x C, N:M, widths, PE pipeline).
    public var core: SATConfig
    /// The memory port (address and beat width, beats per request).
    public var memory: MemoryPortSpec
    /// XBUF: dense-operand entries, one sparse beat of the array each (C x M elements).
    public var denseEntries: Int
    /// WBUF: weight-side entries, one weight-stream word each (R groups).
    public var sparseEntries: Int
    /// MBUF: master-weight entries, one row of C master weights each.
    public var masterEntries: Int
    /// OBUF: result entries, one row of C accumulators (or C master weights) each.
    public var outputEntries: Int
    /// PBUF: pre-generated compressed weight words, one weight-stream word each.
    public var pregenEntries: Int
    /// Instructions each unit's queue holds.
    public var queueDepth: Int
    /// Read (and write) requests in flight at once.
    public var maxOutstanding: Int
    /// Cycles without any progress while work is pending after which the system stops with the
    /// `stalled` error instead of hanging (a dependency token that never comes).
    public var stallLimit: Int
    /// The update unit's numerics (``WeightNumerics``).
    public var weights: WeightNumerics
    /// Emit the system behind an AXI4 master (``SATSystemAXI``) instead of the native port.
    public var axi: Bool = false

    public init(core: SATConfig = SATConfig(rows: 4, cols: 4, n: 2, m: 4), memory: MemoryPortSpec = MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 16),
                denseEntries: Int = 256, sparseEntries: Int = 256, masterEntries: Int = 64, outputEntries: Int = 64,
                pregenEntries: Int = 64, queueDepth: Int = 4, maxOutstanding: Int = 4, stallLimit: Int = 1 << 14,
                weights: WeightNumerics = WeightNumerics()) {
        self.core = core
        self.memory = memory
        self.denseEntries = denseEntries
        self.sparseEntries = sparseEntries
        self.masterEntries = masterEntries
        self.outputEntries = outputEntries
        self.pregenEntries = pregenEntries
        self.queueDepth = queueDepth
        self.maxOutstanding = maxOutstanding
        self.stallLimit = stallLimit
        self.weights = weights
    }

    /// Throws a ``ConfigError`` naming the first invalid field.
    public func validate() throws {
        try core.validate()
        let r = core.rows, c = core.cols, n = core.n, m = core.m
        guard m % n == 0 else {
            throw ConfigError("the system needs N to divide M (a dense beat takes N of an entry's M elements per column), got \(n):\(m)")
        }
        guard r % m == 0, c % m == 0 else {
            throw ConfigError("the system needs M to divide R and C (the update unit's N:M groups run along a tile's rows and columns), got \(r)x\(c) with M = \(m)")
        }
        guard c % r == 0 else {
            throw ConfigError("the system needs R to divide C (a weight tile's columns fill whole pre-generated backward words), got \(r)x\(c)")
        }
        try SystemShell.validate(memory: memory)
        try Check.range(denseEntries, 1...(1 << 16), "dense buffer entries")
        try Check.range(sparseEntries, 1...(1 << 16), "sparse buffer entries")
        try Check.range(masterEntries, r...(1 << 16), "master buffer entries (at least R)")
        try Check.range(outputEntries, r...(1 << 16), "output buffer entries (at least R)")
        try Check.range(pregenEntries, 1...(1 << 12), "pregen buffer entries")
        guard pregenEntries >= pregenWordsPerTile else {
            throw ConfigError("the pregen buffer needs at least \(pregenWordsPerTile) entries (one weight tile's words), got \(pregenEntries)")
        }
        try Check.range(queueDepth, 1...64, "queue depth")
        try Check.range(maxOutstanding, 1...64, "outstanding requests")
        try Check.range(stallLimit, 64...(1 << 30), "stall limit")
        try weights.validate(computeBits: core.dataWidth, accWidth: core.accWidth)
        if core.numerics.isFloat {
            // The float update unit keeps fp32 masters and rounds them to bf16 or fp16 copies
            // (``HWLib/FloatNarrowing``: nearest even, overflow to ±Inf, subnormals per the PE's mode).
            guard weights.masterBits == 32, weights.fracBits == 0 else {
                throw ConfigError("float master weights are fp32: master bits 32 and fraction bits 0, got \(weights.masterBits) and \(weights.fracBits)")
            }
        }
        let entryBits = [("XBUF", denseEntryBits), ("WBUF", core.streamWidth), ("MBUF", masterEntryBits), ("OBUF", outputEntryBits)]
        for (name, bits) in entryBits where chunks(bits) > 255 {
            throw ConfigError("a \(name) entry of \(bits) bits is more than 255 memory beats of \(memory.dataBits) bits")
        }
    }

    // MARK: Derived values

    /// Bits of an XBUF entry: C groups of M elements.
    public var denseEntryBits: Int { core.cols * core.m * core.dataWidth }
    /// Bits of a dense weight-side word: R rows of N elements (the index fields are implied).
    public var denseWordBits: Int { core.rows * core.n * core.dataWidth }
    /// Bits of an MBUF entry: C master weights.
    public var masterEntryBits: Int { core.cols * weights.masterBits }
    /// Bits of an OBUF entry: C accumulators.
    public var outputEntryBits: Int { core.cols * core.accWidth }

    /// Memory beats (chunks) per entry of each buffer: an entry is a whole number of beats.
    public var denseChunks: Int { chunks(denseEntryBits) }
    public var sparseChunks: Int { chunks(core.streamWidth) }
    public var denseWordChunks: Int { chunks(denseWordBits) }
    public var masterChunks: Int { chunks(masterEntryBits) }
    public var outputChunks: Int { chunks(outputEntryBits) }
    public var pregenChunks: Int { chunks(core.streamWidth) }
    public func chunks(_ bits: Int) -> Int { (bits + memory.dataBits - 1) / memory.dataBits }

    /// Dense beats per XBUF entry (M/N).
    public var denseBeatsPerEntry: Int { core.m / core.n }
    /// Dense weight words per WBUF entry (``Formats/DenseWordPacking``: a power of two dividing
    /// M/N that fits the entry).
    public var denseWordsPerEntry: Int {
        DenseWordPacking.wordsPerEntry(wordBits: denseWordBits, entryBits: sparseChunks * memory.dataBits, wordsPerGroup: denseBeatsPerEntry)
    }
    /// Forward words a weight tile pre-generates (C/M), and backward words (R/M co-groups, each
    /// max(1, C/R) words).
    public var forwardWordsPerTile: Int { core.cols / core.m }
    public var backwardWordsPerGroup: Int { core.cols / core.rows }
    public var backwardWordsPerTile: Int { core.rows / core.m * backwardWordsPerGroup }
    public var pregenWordsPerTile: Int { forwardWordsPerTile + backwardWordsPerTile }

    var tag: String {
        "r\(core.rows)_c\(core.cols)_\(core.tag)_m\(memory.dataBits)"
    }

    /// The shared system blocks' view of this configuration: all five buffers, GEMM on the
    /// compute queue. PBUF's lanes are the weight stream's R groups (the drain writes a row's).
    public var shell: SystemShell {
        let bits = memory.dataBits
        let groupBits = core.n * core.entryBits
        return SystemShell(prefix: "sat", tag: tag, memory: memory,
                           x: .init(entries: denseEntries, laneBits: denseChunks * bits),
                           w: .init(entries: sparseEntries, laneBits: sparseChunks * bits),
                           m: .init(entries: masterEntries, laneBits: masterChunks * bits),
                           o: .init(entries: outputEntries, laneBits: outputChunks * bits),
                           p: .init(entries: pregenEntries, lanes: core.rows, laneBits: groupBits),
                           queueDepth: queueDepth, maxOutstanding: maxOutstanding, stallLimit: stallLimit,
                           computeOpcodes: [.gemm])
    }
    /// The native system's module name (``SATSystemAXI`` appends `_axi`).
    public var topName: String { "sat_system_\(tag)" }

    public var parameters: [String: ParamValue] {
        core.parameters.merging([
            "design": .string("sat-system"), "memoryDataBits": .int(memory.dataBits), "memoryAddrBits": .int(memory.addrBits),
            "maxBeats": .int(memory.maxBeats), "denseEntries": .int(denseEntries), "sparseEntries": .int(sparseEntries),
            "masterEntries": .int(masterEntries), "outputEntries": .int(outputEntries), "pregenEntries": .int(pregenEntries),
            "queueDepth": .int(queueDepth), "maxOutstanding": .int(maxOutstanding), "masterBits": .int(weights.masterBits),
            "fracBits": .int(weights.fracBits), "lrShift": .int(weights.lrShift), "decayShift": .int(weights.decayShift ?? -1),
            "backwardFromForward": .bool(weights.backwardFromForward), "axi": .bool(axi),
        ]) { _, new in new }
    }
}

/// The weight numerics of the update unit. Integer PEs (the golden model's `FixedPointUpdate`):
/// w-bit master weights with f fraction bits below the d-bit compute copy's LSB,
/// `c = sat_d(rnd_f(m))`, and the SR-STE step `m ← sat_w(m − rnd_lr(dW) − pruned · rnd_decay(m))`
/// with η = 2^−lrShift and η·λ = 2^−decayShift (nil: no λ term). `rnd_s` rounds half up.
/// Float (bf16, fp16) PEs: fp32 masters (w = 32, f = 0), bf16 or fp16 copies (the PE's operand
/// format), the same η and η·λ applied in fp32 (``FloatUpdateRow``, the golden `FloatWeightUpdate`).
public struct WeightNumerics: Codable, Sendable, Hashable {
    public var masterBits: Int
    public var fracBits: Int
    public var lrShift: Int
    public var decayShift: Int?
    /// Mb ranks W ⊙ Mf (Bi-Mask style) instead of W.
    public var backwardFromForward: Bool

    /// The float update unit's numerics: fp32 masters (32 bits, no fixed-point fraction), the same shifts.
    public static func float(lrShift: Int = 8, decayShift: Int? = 12, backwardFromForward: Bool = false) -> WeightNumerics {
        WeightNumerics(masterBits: 32, fracBits: 0, lrShift: lrShift, decayShift: decayShift, backwardFromForward: backwardFromForward)
    }

    public init(masterBits: Int = 16, fracBits: Int = 8, lrShift: Int = 8, decayShift: Int? = 12, backwardFromForward: Bool = false) {
        self.masterBits = masterBits
        self.fracBits = fracBits
        self.lrShift = lrShift
        self.decayShift = decayShift
        self.backwardFromForward = backwardFromForward
    }

    func validate(computeBits d: Int, accWidth: Int) throws {
        guard fracBits >= 0, d + fracBits <= masterBits, masterBits <= 32 else {
            throw ConfigError("master weights need f >= 0 and d + f <= w <= 32, got d=\(d), f=\(fracBits), w=\(masterBits)")
        }
        guard masterBits <= accWidth else {
            throw ConfigError("master weights (\(masterBits) bits) must fit an output buffer lane (\(accWidth)-bit accumulators)")
        }
        try Check.range(lrShift, 0...62, "learning-rate shift")
        if let s = decayShift { try Check.range(s, 0...62, "decay shift") }
    }
}

/// Why the system stopped with an error (the `error` status code; 0 = none).
public enum SystemError: Int, CaseIterable, Sendable {
    case none = 0
    case illegalOpcode = 1
    case badBuffer = 2
    case bufferRange = 3
    case zeroCount = 4
    case misaligned = 5
    case entryBeats = 6
    case writeFailed = 7
    case stalled = 8
    case tokenOverflow = 9
    case badDependency = 10
    case badGEMM = 11
    case dramRange = 12

    public var description: String {
        switch self {
        case .none: return "no error"
        case .illegalOpcode: return "illegal opcode"
        case .badBuffer: return "a buffer the operation cannot use"
        case .bufferRange: return "buffer address out of range (the transfer or tile does not fit the buffer)"
        case .zeroCount: return "a count of zero"
        case .misaligned: return "DRAM address or stride not a multiple of the memory beat"
        case .entryBeats: return "more beats per entry than the buffer's entry holds"
        case .writeFailed: return "the memory refused a write"
        case .stalled: return "no progress (a dependency token that never comes)"
        case .tokenOverflow: return "more dependency tokens than a queue holds"
        case .badDependency: return "a dependency flag towards a unit that does not exist"
        case .badGEMM: return "an update on a GEMM that is sparse or does not close its tile, or pregen without update"
        case .dramRange: return "DRAM address beyond the memory port's address width"
        }
    }

    /// Width of the status code.
    public static let bits = 4
}

/// The controller's timing constants, shared by the RTL and the cycle model.
extension SATSystemConfig {
    /// Cycles after the last beat before a beat of the other mode may enter: the last beat has
    /// passed every PE row (R - 1 hops) and its pipeline.
    public var modeSwitchWait: Int { core.rows + core.pipeline.latency + 2 }
    /// The fewest cycles between a weight tile's closing beat (with update) and the next closing
    /// beat: the drain (R rows), the update pipeline, and the pre-generated words' writes.
    public var updateTileGap: Int { core.rows + pregenWordsPerTile + 2 }
    /// Cycles from a closing beat at the array's input to its `tile_done`.
    public var tileDoneDelay: Int { core.rows + core.pipeline.latency + 1 }
    /// Closed tiles waiting for (or in) the drain.
    public var drainSlots: Int { 4 }
    /// The saturation value of the compute unit's since-last-beat counters.
    public var sinceCounterCap: Int { (1 << (ceilLog2(max(modeSwitchWait, updateTileGap) + 2) + 1)) - 1 }
}
