/// The instruction set of the training systems (SAT, SPS, SparseTrain), defined once: the compiler encodes with it,
/// the controller's decoder slices its fields with it, and the README documents it from it.
///
/// An instruction is 128 bits, two little-endian 64-bit words (bit 0 = LSB of word 0). Bits
/// 0–3 hold the opcode, bits 4–7 the dependency flags (VTA's token scheme: the load, compute
/// and store units run decoupled; an instruction may wait for a token from the unit before it
/// (`popPrev`) or after it (`popNext`) in load → compute → store order, and post one to either
/// when it completes). The remaining fields depend on the opcode; unused bits are zero.
///
/// | op | unit | fields |
/// |---|---|---|
/// | LOAD (1) | load | buffer (X, W or M), bufferBase, rows, rowBeats, entryBeats, dramAddr, dramStride |
/// | STORE (2) | store | buffer (O or P), bufferBase, rows, rowBeats, entryBeats, dramAddr, dramStride |
/// | GEMM (3) | compute | sparse, close, wBase, xBase, beats, oBase; update, pregen, mBase, pfBase, pbBase |
/// | SYNC (4) | all | — (waits until every unit is idle, then the system reports done) |
/// | CONV (5) | compute (SPS engine) | convKind; layer: wBase; fill: xBase, entries, lineBase; tile: wBase, oBase, phase, pixelRow, pixelCol |
/// | RUN (6) | compute | wBase, xBase, words, oBase, slots, strideLog2 (the SparseTrain system only) |
///
/// LOAD and STORE move `rows` × `rowBeats` memory beats: row i starts at `dramAddr + i ·
/// dramStride` (beat-aligned). The transfer's beats, in order, fill (or drain) buffer entries
/// `bufferBase`, `bufferBase + 1`, ..., `entryBeats` beats per entry (an entry's first
/// `entryBeats` chunks; a LOAD zeroes the rest of the entry).
///
/// GEMM streams `beats` beats through the array: in sparse mode beat i reads WBUF entry
/// `wBase + i` and XBUF entry `xBase + i` (C groups of M dense elements); in dense mode an XBUF
/// entry serves M/N beats, beat i taking elements (i mod M/N)·N ..< +N of each group of entry
/// `xBase + i / (M/N)`, and a WBUF entry holds k dense words of R × N values
/// (``DenseWordPacking``), beat i taking word i mod k of entry `wBase + i / k`. Without `close` the array
/// keeps accumulating (the next GEMM continues the same output tile: partial sums across
/// reduction chunks stay in the PEs); with it the last beat closes the tile and the drain writes
/// its R rows to OBUF entries `oBase...` (drainRows rows per entry). With `update` the drain
/// instead applies the SR-STE update to the master weights of the tile (MBUF entries `mBase...`,
/// one per OBUF entry) and writes the new master weights to the OBUF entries. `pregen` marks an
/// N:M layer: the update's decay term uses this step's forward mask, and the tile's compressed
/// forward words go to PBUF `pfBase...` and its backward words to PBUF `pbBase...`; without it
/// the layer is dense (no mask, no decay, no pre-generated words).
///
/// CONV drives the SPS conv engine (``Instruction/ConvOp``; only the SPS system routes it, every
/// other system reports it as an illegal opcode). `convKind` 1 (layer) reads WBUF entry `wBase`
/// as the layer descriptor (``SPSLayerDescriptor``) and entries `wBase + 1 + q` (q < P) into the
/// indexing unit's pattern table; 2 (fill) copies XBUF entries `xBase ..< xBase + entries` into the
/// line buffer from entry `lineBase`; 0 (tile) runs one output tile: R output pixels from
/// (`pixelRow`, `pixelCol`) in row-major order × the C filters of residue class `phase`, whose
/// packed weights start at WBUF `wBase` (Ci·n entries), writing row r to OBUF `oBase + r`.
/// RUN (the SparseTrain system; the SAT system rejects it as an illegal opcode) is one run of
/// the SparseTrain array: it fills every PE's operand memory with its queue of work items — WBUF
/// entry `wBase` holds every PE's entry count, XBUF entry `xBase + j` holds every PE's entry word
/// j, for j < `words` — runs all queues with stride 2^`strideLog2`, and drains result slots 0 ..<
/// `slots` of every PE into OBUF: slot s of PE i (i = r·C + c) to entry `oBase + s·R·C + i`. The
/// compute unit overlaps runs (``SparseAccel/SparseTrainComputeUnit``): run k+1 loads and run
/// k−1 drains while run k computes.
public enum Opcode: UInt8, Sendable, CaseIterable {
    case load = 1
    case store = 2
    case gemm = 3
    case sync = 4
    case conv = 5
    case run = 6
}

/// The dependency flags of an instruction.
public struct Dependencies: Hashable, Sendable {
    public var popPrev = false
    public var popNext = false
    public var pushPrev = false
    public var pushNext = false

    public init(popPrev: Bool = false, popNext: Bool = false, pushPrev: Bool = false, pushNext: Bool = false) {
        self.popPrev = popPrev
        self.popNext = popNext
        self.pushPrev = pushPrev
        self.pushNext = pushNext
    }
}

/// The on-chip buffers a LOAD fills or a STORE drains.
public enum BufferID: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// XBUF, the dense operand (activations X or output gradients dY): one entry per sparse beat,
    /// C groups of M elements.
    case x = 0
    /// WBUF, the weight-side operand: one entry per beat, the weight stream word (R groups).
    case w = 1
    /// MBUF, the master weights the update reads: one entry per OBUF entry of a weight tile.
    case m = 2
    /// OBUF, results (and updated master weights): drainRows rows of C accumulators per entry.
    case o = 3
    /// PBUF, pre-generated compressed weights: one weight stream word per entry.
    case p = 4

    /// LOAD fills X, W and M; STORE drains O and P.
    public var loadable: Bool { self == .x || self == .w || self == .m }
    public var storable: Bool { self == .o || self == .p }

    public var description: String { ["XBUF", "WBUF", "MBUF", "OBUF", "PBUF"][Int(rawValue)] }
}

/// One instruction.
public enum Instruction: Hashable, Sendable {
    case load(Transfer, buffer: BufferID, deps: Dependencies)
    case store(Transfer, buffer: BufferID, deps: Dependencies)
    case gemm(GEMMOp, deps: Dependencies)
    case conv(ConvOp, deps: Dependencies)
    case sync
    case run(RunOp, deps: Dependencies)

    /// A DMA transfer between DRAM and a buffer.
    public struct Transfer: Hashable, Sendable {
        public var bufferBase: Int
        public var rows: Int
        public var rowBeats: Int
        public var entryBeats: Int
        public var dramAddr: UInt64
        public var dramStride: UInt64
        public init(bufferBase: Int, rows: Int, rowBeats: Int, entryBeats: Int, dramAddr: UInt64, dramStride: UInt64) {
            self.bufferBase = bufferBase
            self.rows = rows
            self.rowBeats = rowBeats
            self.entryBeats = entryBeats
            self.dramAddr = dramAddr
            self.dramStride = dramStride
        }

        /// Beats moved.
        public var beats: Int { rows * rowBeats }
        /// Buffer entries touched.
        public var entries: Int { (beats + entryBeats - 1) / entryBeats }
    }

    /// A GEMM pass over the array.
    public struct GEMMOp: Hashable, Sendable {
        public var sparse: Bool
        public var close: Bool
        public var wBase: Int
        public var xBase: Int
        public var beats: Int
        public var oBase: Int
        /// The drain applies the weight update (a closing dense GEMM: the weight-gradient tile).
        public var update: Bool
        /// With `update`: also pre-generate the compressed forward and backward weights.
        public var pregen: Bool
        public var mBase: Int
        public var pfBase: Int
        public var pbBase: Int

        public init(sparse: Bool, close: Bool, wBase: Int, xBase: Int, beats: Int, oBase: Int,
                    update: Bool = false, pregen: Bool = false, mBase: Int = 0, pfBase: Int = 0, pbBase: Int = 0) {
            self.sparse = sparse
            self.close = close
            self.wBase = wBase
            self.xBase = xBase
            self.beats = beats
            self.oBase = oBase
            self.update = update
            self.pregen = pregen
            self.mBase = mBase
            self.pfBase = pfBase
            self.pbBase = pbBase
        }
    }

    /// A CONV of the SPS engine: set up a layer, fill the line buffer, or run an output tile.
    public struct ConvOp: Hashable, Sendable {
        public enum Kind: Int, Sendable, CaseIterable {
            /// One output tile: R pixels × the C filters of residue class `phase`.
            case tile = 0
            /// Read the layer descriptor (WBUF `wBase`) and the P pattern-table entries after it.
            case layer = 1
            /// Copy XBUF entries into the line buffer.
            case fill = 2
        }
        public var kind: Kind
        /// tile: the first WBUF entry of the column tile's packed weights; layer: the descriptor's entry.
        public var wBase: Int
        /// fill: the first XBUF entry copied.
        public var xBase: Int
        /// fill: entries copied (≥ 1).
        public var entries: Int
        /// fill: the first line-buffer entry written.
        public var lineBase: Int
        /// tile: the first OBUF entry (R rows).
        public var oBase: Int
        /// tile: the residue class (mod P) of the tile's filters, where the pattern counter starts.
        public var phase: Int
        /// tile: the first output pixel (oh, ow) of PE row 0; row r is the r-th pixel after it, row-major.
        public var pixelRow: Int
        public var pixelCol: Int

        public init(kind: Kind, wBase: Int = 0, xBase: Int = 0, entries: Int = 0, lineBase: Int = 0, oBase: Int = 0,
                    phase: Int = 0, pixelRow: Int = 0, pixelCol: Int = 0) {
            self.kind = kind
            self.wBase = wBase
            self.xBase = xBase
            self.entries = entries
            self.lineBase = lineBase
            self.oBase = oBase
            self.phase = phase
            self.pixelRow = pixelRow
            self.pixelCol = pixelCol
        }

        public static func layer(descriptor wBase: Int) -> ConvOp { ConvOp(kind: .layer, wBase: wBase) }
        public static func fill(xBase: Int, entries: Int, lineBase: Int) -> ConvOp { ConvOp(kind: .fill, xBase: xBase, entries: entries, lineBase: lineBase) }
        public static func tile(phase: Int, wBase: Int, pixelRow: Int, pixelCol: Int, oBase: Int) -> ConvOp {
            ConvOp(kind: .tile, wBase: wBase, oBase: oBase, phase: phase, pixelRow: pixelRow, pixelCol: pixelCol)
        }
    }

    /// A run of the SparseTrain array (RUN): load every PE's queue, run, drain the result slots.
    public struct RunOp: Hashable, Sendable {
        /// WBUF entry holding every PE's entry count.
        public var wBase: Int
        /// First XBUF entry: entry `xBase + j` holds every PE's entry word j.
        public var xBase: Int
        /// XBUF entries read (the longest queue's words, ≥ 1).
        public var words: Int
        /// First OBUF entry of the drained results.
        public var oBase: Int
        /// Result slots drained per PE (the longest queue's items, ≥ 1).
        public var slots: Int
        /// log2 of the stride of the run's items.
        public var strideLog2: Int

        public init(wBase: Int, xBase: Int, words: Int, oBase: Int, slots: Int, strideLog2: Int) {
            self.wBase = wBase
            self.xBase = xBase
            self.words = words
            self.oBase = oBase
            self.slots = slots
            self.strideLog2 = strideLog2
        }
    }

    public var opcode: Opcode {
        switch self {
        case .load: return .load
        case .store: return .store
        case .gemm: return .gemm
        case .conv: return .conv
        case .sync: return .sync
        case .run: return .run
        }
    }

    public var deps: Dependencies {
        switch self {
        case .load(_, _, let d), .store(_, _, let d), .gemm(_, let d), .conv(_, let d), .run(_, let d): return d
        case .sync: return Dependencies()
        }
    }
}

/// The bit layout of an instruction: every field's position, the one definition the hardware
/// decoder and the encoder share.
public enum InstructionLayout {
    /// Bits of an instruction.
    public static let bits = 128

    public enum Field: String, CaseIterable, Sendable {
        case opcode, popPrev, popNext, pushPrev, pushNext
        // LOAD / STORE
        case buffer, bufferBase, rows, rowBeats, entryBeats, dramAddr, dramStride
        // GEMM
        case sparse, close, wBase, xBase, beats, oBase, update, pregen, mBase, pfBase, pbBase
        // CONV (wBase, xBase, oBase as in GEMM)
        case convKind, entries, lineBase, phase, pixelRow, pixelCol
        // RUN (also wBase, xBase, oBase)
        case words, slots, strideLog2
    }

    /// The bit range of `field` within the 128-bit word.
    public static func range(_ field: Field) -> Range<Int> {
        switch field {
        case .opcode: return 0..<4
        case .popPrev: return 4..<5
        case .popNext: return 5..<6
        case .pushPrev: return 6..<7
        case .pushNext: return 7..<8
        case .buffer: return 8..<11
        case .bufferBase: return 11..<27
        case .rows: return 27..<39
        case .rowBeats: return 39..<51
        case .entryBeats: return 51..<59
        case .dramAddr: return 59..<91
        case .dramStride: return 91..<123
        case .sparse: return 8..<9
        case .close: return 9..<10
        case .wBase: return 10..<26
        case .xBase: return 26..<42
        case .beats: return 42..<58
        case .oBase: return 58..<74
        case .update: return 74..<75
        case .pregen: return 75..<76
        case .mBase: return 76..<92
        case .pfBase: return 92..<104
        case .pbBase: return 104..<116
        case .convKind: return 8..<10
        case .entries: return 42..<58
        case .lineBase: return 74..<90
        case .phase: return 90..<98
        case .pixelRow: return 98..<110
        case .pixelCol: return 110..<122
        case .words: return 42..<58
        case .slots: return 74..<86
        case .strideLog2: return 86..<88
        }
    }

    /// The fields an opcode uses, in bit order (for the README's table and the disassembler).
    public static func fields(of op: Opcode) -> [Field] {
        let common: [Field] = [.opcode, .popPrev, .popNext, .pushPrev, .pushNext]
        switch op {
        case .load, .store: return common + [.buffer, .bufferBase, .rows, .rowBeats, .entryBeats, .dramAddr, .dramStride]
        case .gemm: return common + [.sparse, .close, .wBase, .xBase, .beats, .oBase, .update, .pregen, .mBase, .pfBase, .pbBase]
        case .conv: return common + [.convKind, .wBase, .xBase, .entries, .oBase, .lineBase, .phase, .pixelRow, .pixelCol]
        case .sync: return [.opcode]
        case .run: return common + [.wBase, .xBase, .words, .oBase, .slots, .strideLog2]
        }
    }

    /// The largest value a field holds.
    public static func maxValue(_ field: Field) -> UInt64 { lowMask(range(field).count) }

    /// What a field means, one line (the README's table).
    public static func summary(_ field: Field) -> String {
        switch field {
        case .opcode: return "1 LOAD, 2 STORE, 3 GEMM, 4 SYNC, 5 CONV, 6 RUN; anything else (or an opcode the system's engine does not run) is an illegal opcode"
        case .popPrev: return "wait for (and take) a token from the unit before (load → compute → store)"
        case .popNext: return "wait for (and take) a token from the unit after"
        case .pushPrev: return "give a token to the unit before when done"
        case .pushNext: return "give a token to the unit after when done"
        case .buffer: return "0 XBUF, 1 WBUF, 2 MBUF (LOAD); 3 OBUF, 4 PBUF (STORE)"
        case .bufferBase: return "first buffer entry"
        case .rows: return "DRAM rows (≥ 1)"
        case .rowBeats: return "memory beats per row (≥ 1)"
        case .entryBeats: return "beats per buffer entry (≥ 1); a LOAD zeroes an entry's other chunks"
        case .dramAddr: return "byte address of row 0 (beat-aligned)"
        case .dramStride: return "bytes from one row to the next"
        case .sparse: return "N:M mode (else dense)"
        case .close: return "the last beat closes the output tile (else the PEs keep accumulating)"
        case .wBase: return "first WBUF entry (CONV layer: the layer descriptor, the pattern table after it; RUN: the entry of the PEs' entry counts)"
        case .xBase: return "first XBUF entry (CONV fill: the first entry copied; RUN: entry j holds every PE's operand word j)"
        case .beats: return "beats streamed (≥ 1)"
        case .oBase: return "first OBUF entry of the drained tile (CONV tile: R rows of C outputs; RUN: of the drained result slots)"
        case .update: return "the drain applies the SR-STE update (a weight-gradient tile)"
        case .pregen: return "with update: N:M layer, pre-generate the next Wf and Wbt"
        case .mBase: return "first MBUF entry of the tile's master weights"
        case .pfBase: return "first PBUF entry of the pre-generated forward words"
        case .pbBase: return "first PBUF entry of the pre-generated backward words"
        case .convKind: return "0 tile, 1 layer (descriptor and pattern table from WBUF), 2 fill (XBUF → line buffer); 3 is illegal"
        case .entries: return "fill: XBUF entries copied (≥ 1)"
        case .lineBase: return "fill: first line-buffer entry written"
        case .phase: return "tile: residue class mod P of the tile's filters (the pattern counter's start)"
        case .pixelRow: return "tile: output row of PE row 0's pixel"
        case .pixelCol: return "tile: output column of PE row 0's pixel (row r: the r-th pixel after it, row-major)"
        case .words: return "XBUF entries loaded into the operand memories (≥ 1)"
        case .slots: return "result slots drained per PE (≥ 1)"
        case .strideLog2: return "log2 of the run's stride"
        }
    }

    /// The encoding as a Markdown table, one row per field with its bits and the opcodes that use
    /// it (the README's ISA table is this text; a test keeps them equal).
    public static var markdownTable: String {
        var out = "| field | bits | width | used by | meaning |\n|---|---|---:|---|---|\n"
        for f in Field.allCases {
            let r = range(f)
            let bits = r.count == 1 ? "\(r.lowerBound)" : "\(r.upperBound - 1):\(r.lowerBound)"
            let ops = Opcode.allCases.filter { fields(of: $0).contains(f) }.map { String(describing: $0).uppercased() }
            out += "| `\(f.rawValue)` | \(bits) | \(r.count) | \(ops.joined(separator: ", ")) | \(summary(f)) |\n"
        }
        return out
    }
}

extension Instruction {
    /// The two 64-bit words of the instruction. Throws a ``FormatError`` naming a field whose
    /// value does not fit (or a count of zero, or a buffer the operation cannot use).
    public func encode() throws -> [UInt64] {
        var w = BitWriter(zeros: InstructionLayout.bits)
        func put(_ f: InstructionLayout.Field, _ v: UInt64) throws {
            guard v <= InstructionLayout.maxValue(f) else {
                throw FormatError("\(opcode) instruction: \(f) \(v) does not fit \(InstructionLayout.range(f).count) bits")
            }
            w.set(v, bits: InstructionLayout.range(f).count, at: InstructionLayout.range(f).lowerBound)
        }
        func count(_ f: InstructionLayout.Field, _ v: Int) throws {
            guard v >= 1 else { throw FormatError("\(opcode) instruction: \(f) must be at least 1, got \(v)") }
            try put(f, UInt64(v))
        }
        func index(_ f: InstructionLayout.Field, _ v: Int) throws {
            guard v >= 0 else { throw FormatError("\(opcode) instruction: \(f) must be ≥ 0, got \(v)") }
            try put(f, UInt64(v))
        }
        func flag(_ f: InstructionLayout.Field, _ b: Bool) throws { try put(f, b ? 1 : 0) }
        try put(.opcode, UInt64(opcode.rawValue))
        try flag(.popPrev, deps.popPrev)
        try flag(.popNext, deps.popNext)
        try flag(.pushPrev, deps.pushPrev)
        try flag(.pushNext, deps.pushNext)
        switch self {
        case .load(let t, let b, _), .store(let t, let b, _):
            let isLoad = opcode == .load
            guard isLoad ? b.loadable : b.storable else {
                throw FormatError("\(opcode) instruction cannot use \(b)")
            }
            try put(.buffer, UInt64(b.rawValue))
            try index(.bufferBase, t.bufferBase)
            try count(.rows, t.rows)
            try count(.rowBeats, t.rowBeats)
            try count(.entryBeats, t.entryBeats)
            try put(.dramAddr, t.dramAddr)
            try put(.dramStride, t.dramStride)
        case .gemm(let g, _):
            try flag(.sparse, g.sparse)
            try flag(.close, g.close)
            try index(.wBase, g.wBase)
            try index(.xBase, g.xBase)
            try count(.beats, g.beats)
            try index(.oBase, g.oBase)
            try flag(.update, g.update)
            try flag(.pregen, g.pregen)
            try index(.mBase, g.mBase)
            try index(.pfBase, g.pfBase)
            try index(.pbBase, g.pbBase)
        case .conv(let v, _):
            try put(.convKind, UInt64(v.kind.rawValue))
            try index(.wBase, v.wBase)
            try index(.xBase, v.xBase)
            if v.kind == .fill { try count(.entries, v.entries) } else { try index(.entries, v.entries) }
            try index(.oBase, v.oBase)
            try index(.lineBase, v.lineBase)
            try index(.phase, v.phase)
            try index(.pixelRow, v.pixelRow)
            try index(.pixelCol, v.pixelCol)
        case .run(let r, _):
            try index(.wBase, r.wBase)
            try index(.xBase, r.xBase)
            try count(.words, r.words)
            try index(.oBase, r.oBase)
            try count(.slots, r.slots)
            try index(.strideLog2, r.strideLog2)
        case .sync:
            break
        }
        return twoWords(w)
    }

    /// Decodes two words; throws a ``FormatError`` for an unknown opcode or a buffer the
    /// operation cannot use (what the hardware reports as an error).
    public static func decode(_ words: [UInt64]) throws -> Instruction {
        guard words.count == 2 else { throw FormatError("an instruction is 2 words, got \(words.count)") }
        let r = BitReader(words)
        func get(_ f: InstructionLayout.Field) -> UInt64 { r.field(at: InstructionLayout.range(f).lowerBound, bits: InstructionLayout.range(f).count) }
        func int(_ f: InstructionLayout.Field) -> Int { Int(get(f)) }
        let deps = Dependencies(popPrev: get(.popPrev) == 1, popNext: get(.popNext) == 1, pushPrev: get(.pushPrev) == 1, pushNext: get(.pushNext) == 1)
        let raw = UInt8(get(.opcode))
        guard let op = Opcode(rawValue: raw) else { throw FormatError("unknown opcode \(raw)") }
        func transfer() -> Transfer {
            Transfer(bufferBase: int(.bufferBase), rows: int(.rows), rowBeats: int(.rowBeats), entryBeats: int(.entryBeats),
                     dramAddr: get(.dramAddr), dramStride: get(.dramStride))
        }
        func buffer() throws -> BufferID {
            guard let b = BufferID(rawValue: UInt8(get(.buffer))), op == .load ? b.loadable : b.storable else {
                throw FormatError("\(op) instruction: buffer \(get(.buffer)) is not one it can use")
            }
            return b
        }
        switch op {
        case .load: return .load(transfer(), buffer: try buffer(), deps: deps)
        case .store: return .store(transfer(), buffer: try buffer(), deps: deps)
        case .gemm:
            return .gemm(GEMMOp(sparse: get(.sparse) == 1, close: get(.close) == 1, wBase: int(.wBase), xBase: int(.xBase),
                                beats: int(.beats), oBase: int(.oBase), update: get(.update) == 1, pregen: get(.pregen) == 1,
                                mBase: int(.mBase), pfBase: int(.pfBase), pbBase: int(.pbBase)), deps: deps)
        case .conv:
            guard let kind = ConvOp.Kind(rawValue: int(.convKind)) else { throw FormatError("CONV instruction: convKind \(get(.convKind)) is not defined") }
            return .conv(ConvOp(kind: kind, wBase: int(.wBase), xBase: int(.xBase), entries: int(.entries), lineBase: int(.lineBase),
                                oBase: int(.oBase), phase: int(.phase), pixelRow: int(.pixelRow), pixelCol: int(.pixelCol)), deps: deps)
        case .sync:
            return .sync
        case .run:
            return .run(RunOp(wBase: int(.wBase), xBase: int(.xBase), words: int(.words), oBase: int(.oBase), slots: int(.slots),
                              strideLog2: int(.strideLog2)), deps: deps)
        }
    }
}

extension Instruction: CustomStringConvertible {
    /// A one-line disassembly, e.g. `LOAD XBUF[0] <- 0x1000 4x2 beats (2/entry) stride 64 | pop next`.
    public var description: String {
        var flags: [String] = []
        if deps.popPrev { flags.append("pop prev") }
        if deps.popNext { flags.append("pop next") }
        if deps.pushPrev { flags.append("push prev") }
        if deps.pushNext { flags.append("push next") }
        let tail = flags.isEmpty ? "" : " | " + flags.joined(separator: ", ")
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        switch self {
        case .load(let t, let b, _):
            return "LOAD \(b)[\(t.bufferBase)] <- \(hex(t.dramAddr)) \(t.rows)x\(t.rowBeats) beats (\(t.entryBeats)/entry) stride \(t.dramStride)" + tail
        case .store(let t, let b, _):
            return "STORE \(b)[\(t.bufferBase)] -> \(hex(t.dramAddr)) \(t.rows)x\(t.rowBeats) beats (\(t.entryBeats)/entry) stride \(t.dramStride)" + tail
        case .gemm(let g, _):
            var s = "GEMM \(g.sparse ? "sparse" : "dense") W[\(g.wBase)] X[\(g.xBase)] \(g.beats) beats"
            if g.close { s += " close -> O[\(g.oBase)]" }
            if g.update { s += " update M[\(g.mBase)]" }
            if g.pregen { s += " pregen P[\(g.pfBase)] P[\(g.pbBase)]" }
            return s + tail
        case .conv(let v, _):
            switch v.kind {
            case .layer: return "CONV layer W[\(v.wBase)]" + tail
            case .fill: return "CONV fill X[\(v.xBase)] \(v.entries) entries -> L[\(v.lineBase)]" + tail
            case .tile: return "CONV tile phase \(v.phase) W[\(v.wBase)] pixel (\(v.pixelRow), \(v.pixelCol)) -> O[\(v.oBase)]" + tail
            }
        case .sync:
            return "SYNC"
        case .run(let r, _):
            return "RUN W[\(r.wBase)] X[\(r.xBase)] \(r.words) words stride 2^\(r.strideLog2) -> O[\(r.oBase)] \(r.slots) slots" + tail
        }
    }
}

/// The two 64-bit words of a 128-bit writer.
private func twoWords(_ w: BitWriter) -> [UInt64] {
    var out = w.words
    while out.count < 2 { out.append(0) }
    return Array(out.prefix(2))
}
