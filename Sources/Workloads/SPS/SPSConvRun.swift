import Compiler
import Cosim
import Formats
import Foundation
import HWCore
import SparseAccel
import SparseModel

/// Runs an ``SPSConvCase`` on the Verilated SPS core, cycle by cycle: Swift models the system's
/// activation and weight buffers (a registered read: the word addressed in one cycle shows in the
/// next), loads the pattern table, starts the tiles back to back (each the cycle after the
/// previous `tile_done`), reads each tile's results while the next one runs, and compares every
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
        // Results of the previous tile, read while the current one runs.
        var pendingRead: (col: SPSProgram.ColumnTile, pixels: [SPSProgram.RowOrigin])?
        var cycle = 0, firstStart = -1, lastDone = -1
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

        for col in prog.columnTiles {
            for pixels in prog.pixelTiles {
                sim.poke(phase, UInt64(col.phase))
                sim.poke(wBase, UInt64(col.weightBase))
                sim.poke(rowY0, words: PortWords.pack(pixels.map { Int64($0.y0) }, elementWidth: cfg.dimBits + 1))
                sim.poke(rowX0, words: PortWords.pack(pixels.map { Int64($0.x0) }, elementWidth: cfg.dimBits + 1))
                sim.poke(rowBase, words: PortWords.pack(pixels.map { Int64($0.base) }, elementWidth: cfg.actAddrBits + 1))
                let expectedDone = substituteCycles ?? testCase.expectedTileCycles
                var actWords = PortWords.pack([Int64](repeating: 0, count: rows), elementWidth: d)
                var wWords = PortWords.pack(zeroCols, elementWidth: d)
                var t = 0
                while true {
                    // Drive: start in the tile's first cycle; the buffers' answers to last cycle's addresses.
                    sim.poke(start, t == 0 ? 1 : 0)
                    sim.poke(actData, words: actWords)
                    sim.poke(wData, words: wWords)
                    if pendingRead != nil, t < rows { sim.poke(rdRow, UInt64(t)) }
                    try sim.settle()
                    if let p = pendingRead, t >= 1, t <= rows {
                        check(p.col, p.pixels, row: t - 1, PortWords.unpack(sim.peekWords(rdData), count: cols, elementWidth: cfg.accWidth, signed: true))
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
                    let done = sim.peek(tileDone) != 0
                    if t == 0 && firstStart < 0 { firstStart = cycle }
                    if done {
                        let counted = Int(sim.peek(cycleCount))
                        if tileCycles < 0 { tileCycles = counted }
                        if t != expectedDone || counted != expectedDone {
                            cyclesOK = false
                            if firstMismatch == nil {
                                firstMismatch = "tile_done at cycle \(t) after start with cycle_count \(counted), model \(expectedDone)"
                            }
                        }
                        lastDone = cycle
                    }
                    try sim.edge()
                    cycle += 1
                    t += 1
                    if done { break }
                    if t > expectedDone + 4 * (rows + cols) + 64 {
                        throw SimulationError(description: "\(design.top): tile_done not seen \(t) cycles after start (model \(expectedDone))")
                    }
                }
                pendingRead = (col, pixels)
            }
        }
        // The last tile's results: R + 1 read-out cycles after the last tile_done.
        if let p = pendingRead {
            for t in 0...rows {
                if t < rows { sim.poke(rdRow, UInt64(t)) }
                try sim.settle()
                if t >= 1 { check(p.col, p.pixels, row: t - 1, PortWords.unpack(sim.peekWords(rdData), count: cols, elementWidth: cfg.accWidth, signed: true)) }
                try sim.edge()
                cycle += 1
            }
        }
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
