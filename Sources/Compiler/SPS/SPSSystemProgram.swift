import Formats
import SparseModel

/// The SPS system compiler: a PPS-pruned conv layer (compiled for the core by ``SPSProgram``) and
/// its input → the DRAM image and the instruction stream the SPS system runs (LOAD, CONV, STORE,
/// SYNC), with dependency tokens so the DMA overlaps compute where the buffers allow.
///
/// DRAM image (every region beat-aligned, in this order):
/// * `layer`: P + 1 WBUF entries — the layer descriptor (``Formats/SPSLayerDescriptor``), then the
///   pattern table's P entries (``Formats/PPSPatternTableLayout``), each in the low bits of an
///   entry of `wChunks` beats;
/// * `weights`: per column tile, its G = Ci·n beats of the packed weight stream, B =
///   `weightBeatsPerEntry` beats per WBUF entry (beat b of an entry at bits b·C·d, column c at
///   + c·d), ⌈G / B⌉ entries;
/// * `input`: the activations [ci][h][w], d bits each, E per beat;
/// * `output`: per column tile t and output pixel p (row-major), one OBUF entry of C
///   accumulators at ((t · Ho·Wo) + p) · `oChunks` beats — the filters of column tile t in PE
///   column order (``SPSProgram/ColumnTile/filters``), so the host un-permutes (``outputTensor``).
///
/// Buffers: WBUF entries 0 ... P hold the descriptor and table; after them one or two slots of
/// ⌈G / B⌉ entries (two when they fit: the next column tile's weights load while this one runs).
/// XBUF is split into two slots (one when it holds a single entry) through which the input
/// streams into the line buffer (CONV fill), so each input element leaves DRAM once per layer.
/// OBUF holds ⌊oEntries / R⌋ tile slots in a ring.
///
/// Stream: LOAD layer, CONV layer; per input chunk LOAD XBUF slot, CONV fill; LOAD the first
/// column tile's weights; per column tile t and pixel tile i a CONV tile, the LOAD of column
/// tile t + 1's weights right after t's first CONV (so the in-order dispatcher issues the
/// prefetch early), and each tile's STORE trailing its CONV by half the OBUF ring; SYNC. Tokens
/// come from the needs (``ProgramBuilder``): a fill or tile needs its LOAD; a LOAD into a slot
/// needs the last CONV that read the slot; a tile needs the STORE that last drained its OBUF
/// slot; a STORE needs its tile.
public struct SPSSystemProgram: Sendable {
    public let target: SPSSystemTarget
    public let program: SPSProgram
    public let instructions: [Instruction]
    public let image: DRAMImage
    public let layerRegion: DRAMRegion
    public let weightRegion: DRAMRegion
    public let inputRegion: DRAMRegion
    public let outputRegion: DRAMRegion
    /// The layer descriptor the program's CONV layer reads.
    public let descriptor: SPSLayerDescriptor
    /// WBUF weight slots (1 or 2) and OBUF tile slots used.
    public let weightSlots: Int
    public let outputSlots: Int

    /// Compiles `program` (for the target's R × C array) with its input [ci][h][w].
    public init(program: SPSProgram, input: [Int64], target t: SPSSystemTarget) throws {
        let layer = program.layer
        guard program.rows == t.rows, program.cols == t.cols, program.slots == t.patternNNZ,
              program.assignment.period == t.period, layer.kernelSize == t.kernelSize else {
            throw CompileError("the SPS program (\(program.rows)x\(program.cols), n = \(program.slots), P = \(program.assignment.period)) does not match the system (\(t.rows)x\(t.cols), n = \(t.patternNNZ), P = \(t.period))")
        }
        let (ci, h, w) = (layer.inChannels, layer.inHeight, layer.inWidth)
        guard input.count == ci * h * w else { throw CompileError("the input holds \(input.count) activations, the layer \(ci * h * w)") }
        guard ci * h * w <= t.lineCapacity else {
            throw CompileError("the layer's \(ci * h * w) input activations do not fit the line buffer (\(t.lineCapacity): \(t.lineEntries) entries of \(t.elementsPerEntry))")
        }
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

        // The DRAM image.
        let layerBytes = (P + 1) * t.wEntryBytes
        let weightBytes = program.columnTiles.count * gEntries * t.wEntryBytes
        let inputBeats = beats((ci * h * w * t.dataBits + 7) / 8)
        let pixels = layer.outHeight * layer.outWidth
        let outputBytes = program.columnTiles.count * pixels * t.oEntryBytes
        let layerRegion = DRAMRegion(name: "layer", base: 0, bytes: layerBytes)
        let weightRegion = DRAMRegion(name: "weights", base: layerRegion.end, bytes: weightBytes)
        let inputRegion = DRAMRegion(name: "input", base: weightRegion.end, bytes: inputBeats * beat)
        let outputRegion = DRAMRegion(name: "output", base: inputRegion.end, bytes: outputBytes)
        var image = DRAMImage(size: outputRegion.end)
        let descriptor = SPSLayerDescriptor(channels: ci, height: h, width: w, outWidth: layer.outWidth, stride: layer.stride, padding: layer.padding)
        image.write(words: try descriptor.pack(), at: layerRegion.base, byteCount: t.wEntryBytes)
        for (q, entry) in program.patternTable.enumerated() {
            image.write(words: try program.tableLayout.pack(entry), at: layerRegion.base + (q + 1) * t.wEntryBytes, byteCount: t.wEntryBytes)
        }
        for (ti, col) in program.columnTiles.enumerated() {
            for e in 0..<gEntries {
                var bw = BitWriter(zeros: t.wEntryBytes * 8)
                for lane in 0..<perEntry where e * perEntry + lane < g {
                    for (c, v) in program.weightStream[col.weightBase + e * perEntry + lane].enumerated() {
                        guard let raw = TwosComplement.encode(v, bits: t.dataBits) else { throw CompileError("weight \(v) does not fit \(t.dataBits) bits") }
                        bw.set(raw, bits: t.dataBits, at: (lane * t.cols + c) * t.dataBits)
                    }
                }
                image.write(words: bw.words, at: weightRegion.base + (ti * gEntries + e) * t.wEntryBytes, byteCount: t.wEntryBytes)
            }
        }
        var iw = BitWriter(zeros: inputBeats * beat * 8)
        for (i, v) in input.enumerated() {
            guard let raw = TwosComplement.encode(v, bits: t.dataBits) else { throw CompileError("activation \(v) does not fit \(t.dataBits) bits") }
            iw.set(raw, bits: t.dataBits, at: i * t.dataBits)
        }
        image.write(words: iw.words, at: inputRegion.base, byteCount: inputRegion.bytes)

        // The stream.
        var b = ProgramBuilder()
        func transfer(entry: Int, beats count: Int, entryBeats: Int, at address: Int) -> Instruction.Transfer {
            Instruction.Transfer(bufferBase: entry, rows: 1, rowBeats: count, entryBeats: entryBeats, dramAddr: UInt64(address), dramStride: 0)
        }
        let maxRowBeats = Int(InstructionLayout.maxValue(.rowBeats))
        guard (P + 1) * t.wChunks <= maxRowBeats, gEntries * t.wChunks <= maxRowBeats, R * t.oChunks <= maxRowBeats else {
            throw CompileError("a transfer of this layer exceeds \(maxRowBeats) beats")
        }
        let loadLayer = b.append(.load(transfer(entry: 0, beats: (P + 1) * t.wChunks, entryBeats: t.wChunks, at: layerRegion.base), buffer: .w, deps: Dependencies()))
        b.append(.conv(.layer(descriptor: 0), deps: Dependencies()), needs: [.loadToCompute: loadLayer])

        // Input: XBUF slots of up to 4095 entries, streamed into the line buffer.
        let xSlots = t.xEntries >= 2 ? 2 : 1
        let xSlot = min(t.xEntries / xSlots, maxRowBeats)
        var lastFill = [Int?](repeating: nil, count: xSlots)
        var chunk = 0
        for first in stride(from: 0, to: inputBeats, by: xSlot) {
            let count = min(xSlot, inputBeats - first)
            let slot = chunk % xSlots
            var needs: [TokenChannel: Int] = [:]
            if let f = lastFill[slot] { needs[.computeToLoad] = f }
            let ld = b.append(.load(transfer(entry: slot * xSlot, beats: count, entryBeats: 1, at: inputRegion.base + first * beat), buffer: .x, deps: Dependencies()), needs: needs)
            lastFill[slot] = b.append(.conv(.fill(xBase: slot * xSlot, entries: count, lineBase: first), deps: Dependencies()), needs: [.loadToCompute: ld])
            chunk += 1
        }

        // Column tiles × pixel tiles.
        let tiles = program.columnTiles
        var lastConvOfSlot = [Int?](repeating: nil, count: weightSlots)
        func loadWeights(_ ti: Int) -> Int {
            let slot = ti % weightSlots
            var needs: [TokenChannel: Int] = [:]
            if let c = lastConvOfSlot[slot] { needs[.computeToLoad] = c }
            return b.append(.load(transfer(entry: slotBase + slot * gEntries, beats: gEntries * t.wChunks, entryBeats: t.wChunks,
                                           at: weightRegion.base + ti * gEntries * t.wEntryBytes), buffer: .w, deps: Dependencies()), needs: needs)
        }
        var weightLoad = tiles.isEmpty ? -1 : loadWeights(0)
        var storeOfSlot = [Int?](repeating: nil, count: outputSlots)
        let lag = outputSlots / 2
        var pendingStores: [(conv: Int, instruction: Instruction)] = []
        var tileIndex = 0
        for (ti, col) in tiles.enumerated() {
            let slot = ti % weightSlots
            var nextLoad: Int?
            for (pi, pixelTile) in program.pixelTiles.enumerated() {
                let first = pixelTile[0].pixel ?? 0
                let oSlot = tileIndex % outputSlots
                var needs: [TokenChannel: Int] = [.loadToCompute: weightLoad]
                if let s = storeOfSlot[oSlot] { needs[.storeToCompute] = s }
                let conv = b.append(.conv(.tile(phase: col.phase, wBase: slotBase + slot * gEntries, pixelRow: first / layer.outWidth,
                                                pixelCol: first % layer.outWidth, oBase: oSlot * R), deps: Dependencies()), needs: needs)
                lastConvOfSlot[slot] = conv
                if pi == 0, ti + 1 < tiles.count, weightSlots == 2 { nextLoad = loadWeights(ti + 1) }
                let valid = pixelTile.filter { $0.pixel != nil }.count
                pendingStores.append((conv, .store(transfer(entry: oSlot * R, beats: valid * t.oChunks, entryBeats: t.oChunks,
                                                            at: outputRegion.base + (ti * pixels + first) * t.oEntryBytes), buffer: .o, deps: Dependencies())))
                while pendingStores.count > lag {
                    let s = pendingStores.removeFirst()
                    let st = b.append(s.instruction, needs: [.computeToStore: s.conv])
                    if case .store(let tr, _, _) = s.instruction { storeOfSlot[tr.bufferBase / R] = st }
                }
                tileIndex += 1
            }
            if ti + 1 < tiles.count { weightLoad = nextLoad ?? loadWeights(ti + 1) }
        }
        for s in pendingStores { b.append(s.instruction, needs: [.computeToStore: s.conv]) }
        b.append(.sync)

        self.target = t
        self.program = program
        instructions = try b.assignTokens()
        self.image = image
        self.layerRegion = layerRegion
        self.weightRegion = weightRegion
        self.inputRegion = inputRegion
        self.outputRegion = outputRegion
        self.descriptor = descriptor
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
