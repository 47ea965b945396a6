import Compiler
import Cosim
import Formats
import Foundation
import HWCore
import SparseAccel
import SparseModel

/// Runs an ``SPSConvCase`` on the Verilated SPS core, cycle by cycle: Swift models the system's
/// activation and weight buffers (a registered read: the word addressed in one cycle shows in the
/// next), loads the pattern table, starts each tile as early as the core allows (overlapping the
/// previous tile's drain when G ≥ R + C), reads each tile's results after its `tile_done`, and compares every
/// output with the golden conv and every tile's `tile_done` cycle and `cycle_count` with
/// ``SPSCycleModel``.
public struct SPSConvRun {
    public let testCase: SPSConvCase
    public let scheme: PPSScheme

    public init(_ testCase: SPSConvCase, scheme: PPSScheme) {
        self.testCase = testCase
        self.scheme = scheme
    }

    /// - Parameters:
    ///   - reference: the expected output [co][oh][ow] (the golden conv unless a test substitutes one).
    ///   - expectedTileCycles: the `tile_done` cycle after each `start` (the model unless a test substitutes it).
    public func run(options: BuildOptions = BuildOptions(), waveform: String? = nil, reference substitute: [Int64]? = nil,
                    expectedTileCycles substituteCycles: Int? = nil) throws -> SPSConvReport {
        let cfg = testCase.config, prog = testCase.program, layer = testCase.layer
        let def = try SPSCore.build(cfg)
        let design = try Design.elaborate(def, parameters: cfg.parameters, style: .simulation)
        let model = try ModelBuilder.build(design, options: options)
        let sim = try Simulator(model)
        if let w = waveform { try sim.openWaveform(w) }
        defer { if waveform != nil { sim.closeWaveform() } }
        func port<S: PortShape>(_ f: KeyPath<SPSCore.Ports, S>) throws -> PortHandle {
            guard let n = def.portNames(f).first else { throw SimulationError(description: "\(f) is not a port of \(def.module.name)") }
            return try sim.port(n)
        }
        let start = try port(\.start), channels = try port(\.channels), phase = try port(\.phase)
        let height = try port(\.height), width = try port(\.width), plane = try port(\.plane), wBase = try port(\.wBase)
        let rowY0 = try port(\.rowY0), rowX0 = try port(\.rowX0), rowBase = try port(\.rowBase)
        let ptWe = try port(\.ptWe), ptAddr = try port(\.ptAddr), ptData = try port(\.ptData)
        let actAddr = try port(\.actAddr), actData = try port(\.actData), wAddr = try port(\.wAddr), wData = try port(\.wData)
        let rdRow = try port(\.rdRow), rdData = try port(\.rdData), tileDone = try port(\.tileDone), cycleCount = try port(\.cycleCount)
        let d = cfg.dataWidth, rows = cfg.rows, cols = cfg.cols

        try sim.reset(cycles: 2)
        // The layer's pattern table: the only index data the core ever receives.
        sim.poke(ptWe, 1)
        for (q, entry) in prog.patternTable.enumerated() {
            sim.poke(ptAddr, UInt64(q))
            sim.poke(ptData, words: words32(try prog.tableLayout.pack(entry), count: ptData.words))
            try sim.step()
        }
        sim.poke(ptWe, 0)
        sim.poke(channels, UInt64(layer.inChannels))
        sim.poke(height, UInt64(layer.inHeight))
        sim.poke(width, UInt64(layer.inWidth))
        sim.poke(plane, UInt64(layer.inHeight * layer.inWidth))

        let reference = try substitute ?? testCase.reference()
        guard reference.count == layer.outChannels * layer.outHeight * layer.outWidth else {
            throw SimulationError(description: "the reference holds \(reference.count) outputs, the layer has \(layer.outChannels * layer.outHeight * layer.outWidth)")
        }
        let (ho, wo) = (layer.outHeight, layer.outWidth)
        let zeroCols = [Int64](repeating: 0, count: cols)
        var firstMismatch: String?
        var outputsOK = true, cyclesOK = true
        var tileCycles = -1
        let begin = Date()
        func check(_ col: SPSProgram.ColumnTile, _ pixels: [SPSProgram.RowOrigin], row r: Int, _ values: [Int64]) {
            guard let px = pixels[r].pixel else { return }
            for (c, f) in col.filters.enumerated() {
                let want = reference[(f * ho + px / wo) * wo + px % wo]
                if values[c] != want {
                    outputsOK = false
                    if firstMismatch == nil {
                        firstMismatch = "filter \(f), output pixel (\(px / wo), \(px % wo)): expected \(want), got \(values[c]) (PE row \(r), column \(c))"
                    }
                }
            }
        }

        // The tiles in run order (column tile outer), each started as early as the core's
        // protocol allows: G + 1 cycles after the previous start when the read-out fits (G ≥ R + C),
        // else the cycle after the previous tile_done.
        let tiles = prog.columnTiles.flatMap { col in prog.pixelTiles.map { (col: col, pixels: $0) } }
        let tileLength = substituteCycles ?? testCase.expectedTileCycles
        let g = max(layer.inChannels, 1) * cfg.patternNNZ
        let overlap = g >= rows + cols
        var next = 0, nextStart = 0
        var inflight: [(index: Int, start: Int)] = []
        var readouts: [(index: Int, done: Int)] = []
        var runStart = 0, firstStart = -1, lastDone = -1
        var actWords = PortWords.pack([Int64](repeating: 0, count: rows), elementWidth: d)
        var wWords = PortWords.pack(zeroCols, elementWidth: d)
        let limit = testCase.expectedLayerCycles + 4 * (rows + cols) + 64
        var t = 0
        while next < tiles.count || !inflight.isEmpty || !readouts.isEmpty {
            // Drive: a start with its tile's parameters; the buffers' answers to last cycle's addresses; the read-out row.
            let starting = next < tiles.count && t == nextStart
            if starting {
                let tile = tiles[next]
                sim.poke(phase, UInt64(tile.col.phase))
                sim.poke(wBase, UInt64(tile.col.weightBase))
                sim.poke(rowY0, words: PortWords.pack(tile.pixels.map { Int64($0.y0) }, elementWidth: cfg.dimBits + 1))
                sim.poke(rowX0, words: PortWords.pack(tile.pixels.map { Int64($0.x0) }, elementWidth: cfg.dimBits + 1))
                sim.poke(rowBase, words: PortWords.pack(tile.pixels.map { Int64($0.base) }, elementWidth: cfg.actAddrBits + 1))
                if inflight.isEmpty { runStart = t }
                if firstStart < 0 { firstStart = t }
                inflight.append((next, t))
                next += 1
                nextStart = overlap ? t + g + 1 : -1
            }
            sim.poke(start, starting ? 1 : 0)
            sim.poke(actData, words: actWords)
            sim.poke(wData, words: wWords)
            if let r = readouts.first, t > r.done, t <= r.done + rows { sim.poke(rdRow, UInt64(t - r.done - 1)) }
            try sim.settle()
            if let r = readouts.first, t >= r.done + 2 {
                let tile = tiles[r.index]
                check(tile.col, tile.pixels, row: t - r.done - 2,
                      PortWords.unpack(sim.peekWords(rdData), count: cols, elementWidth: cfg.accWidth, signed: true))
                if t == r.done + rows + 1 { readouts.removeFirst() }
            }
            // The buffers: read the addresses the core shows this cycle.
            let addrs = PortWords.unpack(sim.peekWords(actAddr), count: rows, elementWidth: cfg.actAddrBits, signed: false)
            var acts: [Int64] = []
            for a in addrs {
                guard a >= 0, Int(a) < testCase.input.count else {
                    throw SimulationError(description: "act_addr \(a) is outside the \(testCase.input.count)-word activation buffer")
                }
                acts.append(testCase.input[Int(a)])
            }
            actWords = PortWords.pack(acts, elementWidth: d)
            let wa = Int(sim.peek(wAddr))
            wWords = PortWords.pack(wa < prog.weightStream.count ? prog.weightStream[wa] : zeroCols, elementWidth: d)
            if sim.peek(tileDone) != 0 {
                let counted = Int(sim.peek(cycleCount))
                guard let oldest = inflight.first else {
                    throw SimulationError(description: "\(design.top): tile_done at cycle \(t) with no tile in flight")
                }
                inflight.removeFirst()
                if tileCycles < 0 { tileCycles = t - oldest.start }
                if t - oldest.start != tileLength || counted != t - runStart {
                    cyclesOK = false
                    if firstMismatch == nil {
                        firstMismatch = "tile \(oldest.index): tile_done \(t - oldest.start) cycles after its start with cycle_count \(counted); "
                            + "model \(tileLength), cycle_count \(t - runStart)"
                    }
                }
                readouts.append((oldest.index, t))
                lastDone = t
                if !overlap { nextStart = t + 1 }
            }
            try sim.edge()
            t += 1
            if t > limit {
                throw SimulationError(description: "\(design.top): the layer is not done after \(t) cycles (model \(testCase.expectedLayerCycles))")
            }
        }
        let cycle = t
        let seconds = Date().timeIntervalSince(begin)
        let layerCycles = lastDone - firstStart + 1
        if layerCycles != testCase.expectedLayerCycles {
            cyclesOK = false
            if firstMismatch == nil { firstMismatch = "layer took \(layerCycles) cycles, model \(testCase.expectedLayerCycles)" }
        }
        let k2 = cfg.kernelSize * cfg.kernelSize
        let dense = SPSCycleModel.layerCycles(layer: layer, slots: k2, period: 1, rows: rows, cols: cols)
        return SPSConvReport(
            design: "sps", top: design.top, layer: layer.description, rows: rows, cols: cols, patternNNZ: cfg.patternNNZ, period: cfg.period,
            scheme: scheme.rawValue, seed: testCase.seed, tiles: prog.tileCount, match: outputsOK && cyclesOK, outputsMatch: outputsOK,
            cyclesMatch: cyclesOK, mismatch: firstMismatch, tileCycles: tileCycles, expectedTileCycles: testCase.expectedTileCycles,
            layerCycles: layerCycles, expectedLayerCycles: testCase.expectedLayerCycles, denseLayerCycles: dense,
            speedupVsDense: Double(dense) / Double(max(1, layerCycles)), idealSpeedup: Double(k2) / Double(cfg.patternNNZ),
            indexMemoryBits: prog.indexMemoryBits, simulatedCycles: cycle, cyclesPerSecond: Double(cycle) / max(seconds, 1e-9),
            buildSeconds: model.buildSeconds)
    }

}
