import Compiler
import SparseModel
import TestSupport
import Testing

@Suite struct SPSProgramTests {
    static func weights(_ a: PPSAssignment, co: Int, ci: Int, seed: UInt64) throws -> ConvWeights<Int64> {
        var rng = SplitMix64(seed: seed)
        return try a.prune(try ConvWeights<Int64>(outChannels: co, inChannels: ci, kernelSize: 3) { _, _, _, _ in rng.signed(bits: 8) })
    }

    /// Every column of a tile needs the same kernel position every cycle, and the packed stream
    /// plus the pattern table reproduce the pruned weights exactly (nothing else is stored).
    @Test(arguments: [(8, 4, 13, 5, 3), (3, 2, 7, 4, 2), (5, 5, 9, 3, 4)])
    func reorderedStreamRebuildsTheWeights(period: Int, n: Int, co: Int, ci: Int, cols: Int) throws {
        var rng = SplitMix64(seed: UInt64(period * 100 + n))
        let dense = try ConvWeights<Double>(outChannels: co, inChannels: ci, kernelSize: 3) { _, _, _, _ in Double(rng.signed(bits: 8)) }
        let a = try PPSAssignment.magnitude(dense, period: period, candidates: try KernelPattern.all(kernelSize: 3, keeping: n))
        let w = try Self.weights(a, co: co, ci: ci, seed: 5)
        let layer = try LayerSpec.conv(inChannels: ci, outChannels: co, height: 5, width: 4, kernelSize: 3, padding: 1)
        let p = try SPSProgram(layer: layer, assignment: a, weights: w, rows: 3, cols: cols)
        var rebuilt = try ConvWeights<Int64>(outChannels: co, inChannels: ci, kernelSize: 3, repeating: 0)
        var covered = Set<Int>()
        for t in p.columnTiles {
            #expect(t.filters.allSatisfy { $0 % period == t.phase })
            for f in t.filters { covered.insert(f) }
            for j in 0..<ci {
                let entry = p.patternTable[(t.phase + j) % period]
                #expect(entry.count == n)
                for (s, o) in entry.enumerated() {
                    let beat = p.weightStream[t.weightBase + j * n + s]
                    for (c, f) in t.filters.enumerated() { rebuilt[f, j, o.kh, o.kw] = beat[c] }
                    for c in t.filters.count..<cols { #expect(beat[c] == 0) }
                }
            }
        }
        #expect(covered == Set(0..<co))
        #expect(rebuilt.storage == w.storage)
        #expect(p.weightStream.count == p.columnTiles.count * ci * n)
        #expect(p.indexMemoryBits == period * n * 2 * 2)
        #expect(p.tileCount == SPSCycleModel.tiles(layer: layer, period: period, rows: 3, cols: cols))
    }

    @Test func rowOriginsAreTheWindowCorners() throws {
        let a = try PPSAssignment.pSConv(denseEvery8th: false)
        let layer = try LayerSpec.conv(inChannels: 2, outChannels: 3, height: 7, width: 5, kernelSize: 3, stride: 2, padding: 1)
        let p = try SPSProgram(layer: layer, assignment: a, weights: try Self.weights(a, co: 3, ci: 2, seed: 1), rows: 4, cols: 2)
        let flat = p.pixelTiles.flatMap { $0 }
        #expect(flat.compactMap(\.pixel) == Array(0..<(layer.outHeight * layer.outWidth)))
        for o in flat { if let px = o.pixel {
            #expect(o.y0 == (px / layer.outWidth) * 2 - 1 && o.x0 == (px % layer.outWidth) * 2 - 1 && o.base == o.y0 * 5 + o.x0)
        } }
    }

    @Test func rejectsWhatTheCoreCannotRun() throws {
        let a = try PPSAssignment.pSConv(denseEvery8th: false)
        let layer = try LayerSpec.conv(inChannels: 2, outChannels: 3, height: 4, width: 4, kernelSize: 3)
        let unpruned = try ConvWeights<Int64>(outChannels: 3, inChannels: 2, kernelSize: 3, repeating: 1)
        #expect(throws: SparseModelError.self) { try SPSProgram(layer: layer, assignment: a, weights: unpruned, rows: 2, cols: 2) }
        let mixed = try PPSAssignment.pSConv(denseEvery8th: true)
        #expect(throws: SparseModelError.self) {
            try SPSProgram(layer: layer, assignment: mixed, weights: try Self.weights(mixed, co: 3, ci: 2, seed: 2), rows: 2, cols: 2)
        }
        #expect(throws: SparseModelError.self) { try SPSProgram(layer: layer, assignment: a, weights: try Self.weights(a, co: 3, ci: 2, seed: 2), rows: 0, cols: 2) }
    }
}
