import Formats
import SparseModel

/// The SAT training system as the instruction compiler sees it: plain values, validated on
/// construction, so a `SystemTarget` value always satisfies the hardware's constraints. (The
/// hardware layer builds one from its `SATSystemConfig`; the compiler never imports it.)
///
/// Hardware facts the compiler relies on (the contract of the RTL units' header comments):
/// * The array is R × C PEs of N:M sparse / dense MACs; N | M, M | R, M | C, R | C.
/// * Memory moves beats of B bits (32...1024, a power of two); a request is at most `maxBeats`
///   beats. Every buffer entry is a whole number of beats, `chunks(bits) = ⌈bits / B⌉`, and bit i
///   of an entry is bit i % 8 of byte i / 8 of its DRAM image (little-endian, as ``BitWriter``
///   writes it).
/// * XBUF entry: C columns × M elements of d bits, element (col c, lane j) at bit (c·M + j)·d.
/// * WBUF sparse word: the ``NMStreamLayout`` stream of R groups (group r = PE row r); dense word:
///   R × N elements of d bits, element (r, j) at bit (r·N + j)·d.
/// * OBUF entry: C accumulators of `acc` bits, column c at bit c·acc (or C master weights of w bits
///   at c·w after an update). MBUF entry: C master weights, column c at bit c·w. PBUF entry: a
///   weight-stream word (R groups).
/// * The update unit computes the golden `FixedPointUpdate` (w-bit master, f fraction bits,
///   η = 2^−lrShift, η·λ = 2^−decayShift) with this step's Mf = top-N |c| of each M consecutive
///   tile columns, and pre-generates the compressed forward words (C/M per tile) and backward
///   words (R/M co-groups × C/R) of the updated compute copy.
public struct SystemTarget: Sendable, Hashable, CustomStringConvertible {
    /// R, PE rows (output rows of a tile).
    public let rows: Int
    /// C, PE columns (output columns of a tile).
    public let cols: Int
    /// N and M of the array's N:M pattern.
    public let n: Int
    public let m: Int
    /// d, the width of weights, activations and gradients.
    public let dataBits: Int
    /// The accumulator width (every GEMM sum wraps at it).
    public let accBits: Int
    /// Pipeline registers inside a PE (timing only: the untimed compiler and interpreter carry it
    /// for cycle estimates).
    public let peLatency: Int
    /// B, the memory beat in bits.
    public let beatBits: Int
    /// The most beats one memory request carries.
    public let maxBeats: Int
    /// Entries of XBUF, WBUF, MBUF, OBUF and PBUF.
    public let xEntries: Int
    public let wEntries: Int
    public let mEntries: Int
    public let oEntries: Int
    public let pEntries: Int
    /// w and f of the master weights, the learning-rate and decay shifts of the update.
    public let masterBits: Int
    public let fracBits: Int
    public let lrShift: Int
    public let decayShift: Int?
    /// Mb ranks W ⊙ Mf instead of W (the golden `BackwardMaskSource.forwardSparse`).
    public let backwardFromForward: Bool
    /// Width of a DRAM byte address (16...48); a program's DRAM image must fit it and the
    /// instruction's 32-bit address field.
    public let addressBits: Int

    /// Derived on construction: the N:M pattern of the array, the weight-stream layout (WBUF
    /// sparse words and PBUF words), and the master/compute formats with the update rule of the
    /// update unit (the golden model's `FixedPointUpdate`).
    public let pattern: NMPattern
    public let streamLayout: NMStreamLayout
    public let update: FixedPointUpdate
    /// The float datapath (bf16/fp16 operands and compute copies, fp32 sums and masters, the fp32
    /// SR-STE update with this target's shifts, dense beats of N products); nil: integers.
    public let float: FloatTraining?

    /// Creates and validates a target; throws a one-line ``CompileError`` naming the first value
    /// that violates a constraint.
    public init(rows: Int, cols: Int, n: Int, m: Int, dataBits: Int = 8, accBits: Int = 32, peLatency: Int = 1,
                beatBits: Int = 64, maxBeats: Int = 16, xEntries: Int = 256, wEntries: Int = 256, mEntries: Int = 64,
                oEntries: Int = 64, pEntries: Int = 64, masterBits: Int = 16, fracBits: Int = 8, lrShift: Int = 8,
                decayShift: Int? = 12, backwardFromForward: Bool = false, addressBits: Int = 32,
                floatFormat: FloatFormat? = nil, subnormals: SubnormalMode = .ieee) throws {
        self.rows = rows
        self.cols = cols
        self.n = n
        self.m = m
        self.dataBits = dataBits
        self.accBits = accBits
        self.peLatency = peLatency
        self.beatBits = beatBits
        self.maxBeats = maxBeats
        self.xEntries = xEntries
        self.wEntries = wEntries
        self.mEntries = mEntries
        self.oEntries = oEntries
        self.pEntries = pEntries
        self.masterBits = masterBits
        self.fracBits = fracBits
        self.lrShift = lrShift
        self.decayShift = decayShift
        self.backwardFromForward = backwardFromForward
        self.addressBits = addressBits
        do {
            pattern = try NMPattern(n: n, m: m)
            streamLayout = try NMStreamLayout(pattern: pattern, valueBits: max(1, min(dataBits, 64)))
        } catch let e as FormatError {
            throw CompileError("system target: \(e.message)")
        }
        // Arguments clamped into the initialisers' domains, so that `validate()` below, not these
        // initialisers, names an invalid value.
        do {
            let format = try FixedPointFormat(computeBits: max(1, min(dataBits, 32)), fracBits: max(0, fracBits),
                                              masterBits: max(masterBits, max(1, min(dataBits, 32)) + max(0, fracBits)))
            update = try FixedPointUpdate(format: format, lrShift: max(0, min(lrShift, 62)), decayShift: decayShift.map { max(0, min($0, 62)) })
        } catch let e as SparseModelError {
            throw CompileError("system target: \(e.message)")
        }
        do {
            float = try floatFormat.map { f in
                try FloatTraining(update: try FloatWeightUpdate(computeFormat: f, subnormals: subnormals, lrShift: max(0, min(lrShift, 62)),
                                                                decayShift: decayShift.map { max(0, min($0, 62)) }),
                                  lanes: max(1, n), group: max(1, m))
            }
        } catch let e as SparseModelError {
            throw CompileError("system target: \(e.message)")
        }
        try validate()
    }

    private func validate() throws {
        func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw CompileError("system target: " + message()) }
        }
        try check((1...256).contains(rows) && (1...256).contains(cols), "R and C must be in 1...256, got \(rows)x\(cols)")
        try check(m % n == 0, "N must divide M (a dense beat takes N of an entry's M elements), got \(n):\(m)")
        try check(rows % m == 0 && cols % m == 0, "M must divide R and C, got \(rows)x\(cols) with M = \(m)")
        try check(cols % rows == 0, "R must divide C, got \(rows)x\(cols)")
        try check((1...32).contains(dataBits), "data width must be in 1...32 bits, got \(dataBits)")
        if let f = float {
            // Floats: bf16/fp16 operands and copies, fp32 sums and masters (no integer headroom rule).
            try check(dataBits == f.update.computeFormat.width && accBits == 32 && masterBits == 32,
                      "float numerics take \(f.update.computeFormat.width)-bit operands, 32-bit sums and 32-bit masters, got d=\(dataBits), acc=\(accBits), w=\(masterBits)")
        } else {
            let sum = 2 * dataBits + ceilLog2(n)
            try check(accBits >= sum && accBits <= 64, "accumulator width must be in \(sum)...64 bits (one beat's sum), got \(accBits)")
        }
        try check(peLatency >= 0, "PE latency must be ≥ 0, got \(peLatency)")
        try check(beatBits >= 32 && beatBits <= 1024 && beatBits.nonzeroBitCount == 1,
                  "memory beat must be a power of two in 32...1024 bits, got \(beatBits)")
        try check(maxBeats >= 1 && maxBeats <= 256 && maxBeats.nonzeroBitCount == 1,
                  "beats per request must be a power of two in 1...256, got \(maxBeats)")
        try check(maxBeats * beatBytes <= 4096, "a request of \(maxBeats) beats of \(beatBytes) bytes exceeds 4 KiB")
        try check((2...65536).contains(xEntries), "XBUF needs 2...65536 entries (two halves), got \(xEntries)")
        try check(wEntries >= 2 * denseBeatsPerEntry && wEntries <= 65536,
                  "WBUF needs \(2 * denseBeatsPerEntry)...65536 entries (two halves of a dense group's M/N words), got \(wEntries)")
        try check(mEntries >= rows && mEntries <= 65536, "MBUF needs \(rows)...65536 entries (one tile's rows), got \(mEntries)")
        try check(oEntries >= rows && oEntries <= 65536, "OBUF needs \(rows)...65536 entries (one tile's rows), got \(oEntries)")
        try check(pEntries >= pregenWordsPerTile && pEntries <= 4096,
                  "PBUF needs \(pregenWordsPerTile)...4096 entries (one tile's pre-generated words), got \(pEntries)")
        try check(fracBits >= 0 && dataBits + fracBits <= masterBits && masterBits <= 32,
                  "master weights need f ≥ 0 and d + f ≤ w ≤ 32, got d=\(dataBits), f=\(fracBits), w=\(masterBits)")
        try check(masterBits <= accBits, "master weights (\(masterBits) bits) must fit an OBUF lane (\(accBits) bits)")
        try check((0...62).contains(lrShift), "learning-rate shift must be in 0...62, got \(lrShift)")
        if let s = decayShift { try check((0...62).contains(s), "decay shift must be in 0...62, got \(s)") }
        try check((16...48).contains(addressBits), "DRAM address width must be in 16...48 bits, got \(addressBits)")
        for (name, bits) in [("XBUF", denseEntryBits), ("WBUF", sparseWordBits), ("MBUF", masterEntryBits), ("OBUF", outputEntryBits)] {
            try check(chunks(bits) <= 255, "a \(name) entry of \(bits) bits is more than 255 beats of \(beatBits) bits")
        }
    }

    public var description: String {
        "\(rows)x\(cols) \(n):\(m) d\(dataBits) acc\(accBits) B\(beatBits) X\(xEntries) W\(wEntries) M\(mEntries) O\(oEntries) P\(pEntries)"
    }

    // MARK: Derived values

    /// ⌈log2 M⌉.
    public var indexBits: Int { pattern.indexBits }
    /// Bytes of a memory beat.
    public var beatBytes: Int { beatBits / 8 }
    /// Memory beats of an entry of `bits` bits: ⌈bits / B⌉.
    public func chunks(_ bits: Int) -> Int { (bits + beatBits - 1) / beatBits }

    /// Bits of an XBUF entry (C·M·d), of a WBUF sparse word (R·N·(d + ⌈log2 M⌉)), of a dense
    /// weight word (R·N·d), of an MBUF entry (C·w) and of an OBUF entry (C·acc).
    public var denseEntryBits: Int { cols * m * dataBits }
    public var sparseWordBits: Int { rows * n * (dataBits + indexBits) }
    public var denseWordBits: Int { rows * n * dataBits }
    public var masterEntryBits: Int { cols * masterBits }
    public var outputEntryBits: Int { cols * accBits }

    /// Beats per entry of each format.
    public var denseEntryChunks: Int { chunks(denseEntryBits) }
    public var sparseWordChunks: Int { chunks(sparseWordBits) }
    public var denseWordChunks: Int { chunks(denseWordBits) }
    public var masterChunks: Int { chunks(masterEntryBits) }
    public var outputChunks: Int { chunks(outputEntryBits) }

    /// Dense beats an XBUF entry serves (M/N).
    public var denseBeatsPerEntry: Int { m / n }
    /// Dense weight words a WBUF entry holds (``Formats/DenseWordPacking``), and the beats of
    /// such an entry in DRAM.
    public var denseWordsPerEntry: Int {
        DenseWordPacking.wordsPerEntry(wordBits: denseWordBits, entryBits: sparseWordChunks * beatBits, wordsPerGroup: denseBeatsPerEntry)
    }
    public var denseWordEntryChunks: Int { chunks(denseWordsPerEntry * denseWordBits) }
    /// Pre-generated words of a weight tile: C/M forward words, R/M co-groups × C/R backward words.
    public var forwardWordsPerTile: Int { cols / m }
    public var backwardWordsPerGroup: Int { cols / rows }
    public var backwardWordsPerTile: Int { rows / m * backwardWordsPerGroup }
    public var pregenWordsPerTile: Int { forwardWordsPerTile + backwardWordsPerTile }

    /// The largest DRAM image a program may use: 2^min(addressBits, 32) bytes (the instruction's
    /// address field is 32 bits).
    public var dramLimit: Int { 1 << min(addressBits, 32) }


    /// Training options that match this target: its accumulator, formats and update, its pattern
    /// when `sparse`, and Mb's source.
    public func trainingOptions(sparse: Bool = true, reductionOrder: ReductionOrder = .channelsInnermost,
                                keepDense: Bool = false, computeInputGradient: Bool = true) -> LayerTrainingOptions {
        LayerTrainingOptions(pattern: sparse ? pattern : nil, reductionOrder: reductionOrder,
                             backwardMaskSource: backwardFromForward ? .forwardSparse : .dense, keepDense: keepDense,
                             computeInputGradient: computeInputGradient, accWidth: accBits, update: update, float: float)
    }
}

/// ⌈log2 x⌉ for x ≥ 1 (0 for 1).
func ceilLog2(_ x: Int) -> Int { x <= 1 ? 0 : Int.bitWidth - (x - 1).leadingZeroBitCount }
