import Formats
import SparseModel

/// The SPS system compiler: a PPS-pruned conv layer (compiled for the core by ``SPSProgram``) and
/// its input → the DRAM image and the instruction stream the SPS system runs (LOAD, CONV, STORE,
/// SYNC), with dependency tokens so the DMA overlaps compute where the buffers allow.
///
/// Bands: the layer's output rows are cut into bands, each as many rows as the line buffer holds
/// the input rows of (Ci × ((rows − 1)·S + K) × W activations, clipped to the input); a layer that
/// fits is one band. Band b's descriptor gives its input rows as the height and `padTop` = the
/// padding rows above its first input row (the layer's padding for the first band, 0 after), so
/// the core's window check makes the layer's bottom padding and nothing else.
///
/// DRAM image (every region beat-aligned, in this order):
/// * `layer`: per band P + 1 WBUF entries — its layer descriptor (``Formats/SPSLayerDescriptor``),
///   then the pattern table's P entries (``Formats/PPSPatternTableLayout``), each in the low bits
///   of an entry of `wChunks` beats;
/// * `weights`: per column tile, its G = Ci·n beats of the packed weight stream, B =
///   `weightBeatsPerEntry` beats per WBUF entry (beat b of an entry at bits b·C·d, column c at
///   + c·d), ⌈G / B⌉ entries;
/// * `input`: per band its input rows [ci][row][w] (the halo rows shared with the next band are
///   in both), d bits each, E per beat, from a beat boundary;
/// * `output`: per column tile t and output pixel p (row-major), one OBUF entry of C
///   accumulators at ((t · Ho·Wo) + p) · `oChunks` beats — the filters of column tile t in PE
///   column order (``SPSProgram/ColumnTile/filters``), so the host un-permutes (``outputTensor``).
///
/// Buffers: WBUF entries 0 ... P hold the descriptor and table; after them one or two slots of
/// ⌈G / B⌉ entries (two when they fit: the next column tile's weights load while this one runs).
/// XBUF is split into two slots (one when it holds a single entry) through which the input
/// streams into the line buffer (CONV fill), so each input element leaves DRAM once per layer
/// (once per band for the K − S halo rows between bands). OBUF holds ⌊oEntries / R⌋ tile slots in a
/// ring.
///
/// Stream, per band: LOAD layer, CONV layer; per input chunk LOAD XBUF slot, CONV fill; per
/// column tile t and pixel tile i of the band a CONV tile; the weights of (band, column tile)
/// pair q + 1 are loaded right after pair q's first CONV (so the in-order dispatcher issues the
/// prefetch early; with one slot, after q's last CONV), and each tile's STORE trails its CONV by
/// half the OBUF ring; SYNC. Tokens come from the needs (``ProgramBuilder``): a CONV needs the
/// LOAD of what it reads; a LOAD into a slot or the descriptor entries needs the last CONV that
/// read them; a tile needs the STORE that last drained its OBUF slot; a STORE needs its tile.
public struct SPSSystemProgram: Sendable {
    /// A band of output rows and the input rows it reads.
    public struct Band: Sendable, Hashable {
        public let outRows: Range<Int>
        public let inRows: Range<Int>
        public let descriptor: SPSLayerDescriptor
    }

    public let target: SPSSystemTarget
    public let program: SPSProgram
    public let instructions: [Instruction]
    public let image: DRAMImage
    public let layerRegion: DRAMRegion
    public let weightRegion: DRAMRegion
    public let inputRegion: DRAMRegion
    public let outputRegion: DRAMRegion
    /// The bands, in run order (their descriptors are what the CONV layer instructions read).
    public let bands: [Band]
    /// WBUF weight slots (1 or 2) and OBUF tile slots used.
    public let weightSlots: Int
    public let outputSlots: Int

    /// The descriptors the program's CONV layer instructions read, in order.
    public var descriptors: [SPSLayerDescriptor] { bands.map(\.descriptor) }

    /// Compiles `program` (for the target's R × C array) with its input [ci][h][w].
    public init(program: SPSProgram, input: [Int64], target t: SPSSystemTarget) throws {
        let layer = program.layer
        guard program.rows == t.rows, program.cols == t.cols, program.slots == t.patternNNZ,
              program.assignment.period == t.period, layer.kernelSize == t.kernelSize else {
            throw CompileError("the SPS program (\(program.rows)x\(program.cols), n = \(program.slots), P = \(program.assignment.period)) does not match the system (\(t.rows)x\(t.cols), n = \(t.patternNNZ), P = \(t.period))")
        }
        let (ci, h, w) = (layer.inChannels, layer.inHeight, layer.inWidth)
        let (ho, wo, s, pad, k) = (layer.outHeight, layer.outWidth, layer.stride, layer.padding, layer.kernelSize)
        guard input.count == ci * h * w else { throw CompileError("the input holds \(input.count) activations, the layer \(ci * h * w)") }
        let P = t.period, n = t.patternNNZ, R = t.rows
        let g = max(ci, 1) * n
        let perEntry = t.weightBeatsPerEntry
        let gEntries = (g + perEntry - 1) / perEntry
        let slotBase = P + 1
        let weightSlots = slotBase + 2 * gEntries <= t.wEntries ? 2 : 1
        guard slotBase + gEntries <= t.wEntries else {
            throw CompileError("a column tile's \(gEntries) weight entries and the \(P + 1) layer entries do not fit WBUF (\(t.wEntries) entries)")
        }
        let outputSlots = t.oEntries / R
        guard outputSlots >= 1 else { throw CompileError("OBUF (\(t.oEntries) entries) holds less than one tile of \(R) rows") }
        guard t.wEntryBytes * 8 >= max(t.cols * t.dataBits, SPSLayerDescriptor.bits, program.tableLayout.entryBits) else {
            throw CompileError("a WBUF entry (\(t.wChunks) beats) cannot hold the weights, the descriptor or a pattern entry")
        }
        let beat = t.beatBytes
        func beats(_ bytes: Int) -> Int { (bytes + beat - 1) / beat }

        // Bands: as many output rows as the line buffer holds the input rows of.
        func inRows(_ o: Range<Int>) -> Range<Int> {
            let lo = max(0, o.lowerBound * s - pad), hi = min(h, (o.upperBound - 1) * s - pad + k)
            return lo..<max(lo, hi)
        }
        var bands: [Band] = []
        var o0 = 0
        while o0 < ho {
            var o1 = o0 + 1
            guard ci * inRows(o0..<o1).count * w <= t.lineCapacity else {
                throw CompileError("one output row's \(ci * inRows(o0..<o1).count * w) input activations do not fit the line buffer (\(t.lineCapacity): \(t.lineEntries) entries of \(t.elementsPerEntry))")
            }
            while o1 < ho && ci * inRows(o0..<(o1 + 1)).count * w <= t.lineCapacity { o1 += 1 }
            let rows = inRows(o0..<o1)
            let padTop = rows.lowerBound + pad - o0 * s
            bands.append(Band(outRows: o0..<o1, inRows: rows,
                              descriptor: SPSLayerDescriptor(channels: ci, height: rows.count, width: w, outWidth: wo, stride: s,
                                                             padding: pad, padTop: padTop)))
            o0 = o1
        }

        // The DRAM image.
        let entryBytes = t.wEntryBytes
        let layerBytes = bands.count * (P + 1) * entryBytes
        let weightBytes = program.columnTiles.count * gEntries * entryBytes
        let bandBeats = bands.map { beats((ci * $0.inRows.count * w * t.dataBits + 7) / 8) }
        let pixels = ho * wo
        let outputBytes = program.columnTiles.count * pixels * t.oEntryBytes
        let layerRegion = DRAMRegion(name: "layer", base: 0, bytes: layerBytes)
        let weightRegion = DRAMRegion(name: "weights", base: layerRegion.end, bytes: weightBytes)
        let inputRegion = DRAMRegion(name: "input", base: weightRegion.end, bytes: bandBeats.reduce(0, +) * beat)
        let outputRegion = DRAMRegion(name: "output", base: inputRegion.end, bytes: outputBytes)
        var image = DRAMImage(size: outputRegion.end)
        var bandInput: [Int] = []  // each band's first input byte
        var at = inputRegion.base
        for (bi, band) in bands.enumerated() {
            let base = layerRegion.base + bi * (P + 1) * entryBytes
            image.write(words: try band.descriptor.pack(), at: base, byteCount: entryBytes)
            for (q, entry) in program.patternTable.enumerated() {
                image.write(words: try program.tableLayout.pack(entry), at: base + (q + 1) * entryBytes, byteCount: entryBytes)
            }
            var iw = BitWriter(zeros: bandBeats[bi] * beat * 8)
            var i = 0
            for c in 0..<ci {
                for y in band.inRows {
                    for x in 0..<w {
                        let v = input[(c * h + y) * w + x]
                        guard let raw = TwosComplement.encode(v, bits: t.dataBits) else { throw CompileError("activation \(v) does not fit \(t.dataBits) bits") }
                        iw.set(raw, bits: t.dataBits, at: i * t.dataBits)
                        i += 1
                    }
                }
            }
            image.write(words: iw.words, at: at, byteCount: bandBeats[bi] * beat)
            bandInput.append(at)
            at += bandBeats[bi] * beat
        }
        for (ti, col) in program.columnTiles.enumerated() {
            for e in 0..<gEntries {
                var bw = BitWriter(zeros: entryBytes * 8)
                for lane in 0..<perEntry where e * perEntry + lane < g {
                    for (c, v) in program.weightStream[col.weightBase + e * perEntry + lane].enumerated() {
                        guard let raw = TwosComplement.encode(v, bits: t.dataBits) else { throw CompileError("weight \(v) does not fit \(t.dataBits) bits") }
                        bw.set(raw, bits: t.dataBits, at: (lane * t.cols + c) * t.dataBits)
                    }
                }
                image.write(words: bw.words, at: weightRegion.base + (ti * gEntries + e) * entryBytes, byteCount: entryBytes)
            }
        }

        // The stream.
        var b = ProgramBuilder()
        func transfer(entry: Int, beats count: Int, entryBeats: Int, at address: Int) -> Instruction.Transfer {
            Instruction.Transfer(bufferBase: entry, rows: 1, rowBeats: count, entryBeats: entryBeats, dramAddr: UInt64(address), dramStride: 0)
        }
        let maxRowBeats = Int(InstructionLayout.maxValue(.rowBeats))
        guard (P + 1) * t.wChunks <= maxRowBeats, gEntries * t.wChunks <= maxRowBeats, R * t.oChunks <= maxRowBeats else {
            throw CompileError("a transfer of this layer exceeds \(maxRowBeats) beats")
        }
        let tiles = program.columnTiles
        let pairs = bands.indices.flatMap { bi in tiles.indices.map { (band: bi, tile: $0) } }
        let xSlots = t.xEntries >= 2 ? 2 : 1
        let xSlot = min(t.xEntries / xSlots, maxRowBeats)
        var lastFill = [Int?](repeating: nil, count: xSlots)
        var chunk = 0
        var lastLayer: Int?
        var lastConvOfSlot = [Int?](repeating: nil, count: weightSlots)
        func loadWeights(_ q: Int) -> Int {
            let slot = q % weightSlots
            var needs: [TokenChannel: Int] = [:]
            if let c = lastConvOfSlot[slot] { needs[.computeToLoad] = c }
            return b.append(.load(transfer(entry: slotBase + slot * gEntries, beats: gEntries * t.wChunks, entryBeats: t.wChunks,
                                           at: weightRegion.base + pairs[q].tile * gEntries * entryBytes), buffer: .w, deps: Dependencies()), needs: needs)
        }
        var weightLoad: Int?
        var storeOfSlot = [Int?](repeating: nil, count: outputSlots)
        let lag = outputSlots / 2
        var pendingStores: [(conv: Int, instruction: Instruction)] = []
        var tileIndex = 0
        for (bi, band) in bands.enumerated() {
            // The band's descriptor and table, then its input through XBUF into the line buffer.
            var layerNeeds: [TokenChannel: Int] = [:]
            if let l = lastLayer { layerNeeds[.computeToLoad] = l }
            let loadLayer = b.append(.load(transfer(entry: 0, beats: (P + 1) * t.wChunks, entryBeats: t.wChunks,
                                                    at: layerRegion.base + bi * (P + 1) * entryBytes), buffer: .w, deps: Dependencies()), needs: layerNeeds)
            lastLayer = b.append(.conv(.layer(descriptor: 0), deps: Dependencies()), needs: [.loadToCompute: loadLayer])
            for first in stride(from: 0, to: bandBeats[bi], by: xSlot) {
                let count = min(xSlot, bandBeats[bi] - first)
                let slot = chunk % xSlots
                var needs: [TokenChannel: Int] = [:]
                if let f = lastFill[slot] { needs[.computeToLoad] = f }
                let ld = b.append(.load(transfer(entry: slot * xSlot, beats: count, entryBeats: 1, at: bandInput[bi] + first * beat), buffer: .x, deps: Dependencies()), needs: needs)
                lastFill[slot] = b.append(.conv(.fill(xBase: slot * xSlot, entries: count, lineBase: first), deps: Dependencies()), needs: [.loadToCompute: ld])
                chunk += 1
            }
            // Column tiles × the band's pixel tiles.
            let firstPixel = band.outRows.lowerBound * wo, endPixel = band.outRows.upperBound * wo
            for ti in tiles.indices {
                let q = bi * tiles.count + ti
                let col = tiles[ti]
                let slot = q % weightSlots
                let load = try weightLoad ?? loadWeights(q)
                var nextLoad: Int?
                for (pi, first) in stride(from: firstPixel, to: endPixel, by: R).enumerated() {
                    let oSlot = tileIndex % outputSlots
                    var needs: [TokenChannel: Int] = [.loadToCompute: load]
                    if let st = storeOfSlot[oSlot] { needs[.storeToCompute] = st }
                    let conv = b.append(.conv(.tile(phase: col.phase, wBase: slotBase + slot * gEntries, pixelRow: first / wo - band.outRows.lowerBound,
                                                    pixelCol: first % wo, oBase: oSlot * R), deps: Dependencies()), needs: needs)
                    lastConvOfSlot[slot] = conv
                    if pi == 0, q + 1 < pairs.count, weightSlots == 2 { nextLoad = loadWeights(q + 1) }
                    let valid = min(R, endPixel - first)
                    pendingStores.append((conv, .store(transfer(entry: oSlot * R, beats: valid * t.oChunks, entryBeats: t.oChunks,
                                                                at: outputRegion.base + (ti * pixels + first) * t.oEntryBytes), buffer: .o, deps: Dependencies())))
                    while pendingStores.count > lag {
                        let p = pendingStores.removeFirst()
                        let st = b.append(p.instruction, needs: [.computeToStore: p.conv])
                        if case .store(let tr, _, _) = p.instruction { storeOfSlot[tr.bufferBase / R] = st }
                    }
                    tileIndex += 1
                }
                weightLoad = q + 1 < pairs.count ? (nextLoad ?? loadWeights(q + 1)) : nil
            }
        }
        for p in pendingStores { b.append(p.instruction, needs: [.computeToStore: p.conv]) }
        b.append(.sync)

        self.target = t
        self.program = program
        instructions = try b.assignTokens()
        self.image = image
        self.layerRegion = layerRegion
        self.weightRegion = weightRegion
        self.inputRegion = inputRegion
        self.outputRegion = outputRegion
        self.bands = bands
        self.weightSlots = weightSlots
        self.outputSlots = outputSlots
    }

    /// The output tensor [co][oh][ow] read from a DRAM image after the run (`image` holds the
    /// output region as the STOREs left it).
    public func outputTensor(_ image: DRAMImage) -> [Int64] {
        let layer = program.layer
        let pixels = layer.outHeight * layer.outWidth
        var out = [Int64](repeating: 0, count: layer.outChannels * pixels)
        for (ti, col) in program.columnTiles.enumerated() {
            for p in 0..<pixels {
                let r = BitReader(image.words(at: outputRegion.base + (ti * pixels + p) * target.oEntryBytes, byteCount: target.oEntryBytes))
                for (c, filter) in col.filters.enumerated() {
                    out[filter * pixels + p] = TwosComplement.decode(r.field(at: c * target.accBits, bits: target.accBits), bits: target.accBits)
                }
            }
        }
        return out
    }

    /// DRAM bytes the program moves: read by its LOADs and written by its STOREs.
    public var dmaBytes: (read: Int, written: Int) {
        var read = 0, written = 0
        for i in instructions {
            switch i {
            case .load(let tr, _, _): read += tr.beats * target.beatBytes
            case .store(let tr, _, _): written += tr.beats * target.beatBytes
            default: break
            }
        }
        return (read, written)
    }
}
