import Flow
import Foundation
import SparseAccel
import SparseModel
import Testing
import Workloads

/// The SPS core co-simulated in Verilator: outputs bit-exact with the golden conv, every tile's
/// `tile_done` cycle and `cycle_count` equal to the closed-form model. Small layers with odd sizes,
/// several P and n, padding and stride 2; `HWGEN_SPS_RANDOM=N` adds N random layers.
@Suite(.enabled(if: EDATools.isAvailable("verilator"), "needs verilator"), .serialized)
struct SPSConvTests {
    static func run(_ layer: String, rows: Int, cols: Int, n: Int = 4, p: Int = 8, scheme: PPSScheme = .magnitude, seed: UInt64 = 1) throws -> SPSConvReport {
        let cfg = SPSConfig(rows: rows, cols: cols, patternNNZ: n, period: p)
        let c = try SPSConvCase(config: cfg, layer: try LayerSpec.parse(layer), seed: seed, scheme: scheme)
        return try SPSConvRun(c, scheme: scheme).run()
    }

    @Test(arguments: [
        ("conv:ci=5,co=11,h=7,w=6,k=3,p=1", 3, 4, 4, 8),
        ("conv:ci=3,co=9,h=9,w=7,k=3,s=2,p=1", 5, 3, 2, 3),
        ("conv:ci=4,co=6,h=6,w=5,k=3,s=2,p=2", 3, 2, 5, 5),
        ("conv:ci=2,co=7,h=5,w=5,k=3", 2, 3, 1, 2),
        ("conv:ci=3,co=4,h=4,w=3,k=3,p=1", 1, 1, 9, 1),
    ])
    func bitAndCycleExact(_ layer: String, _ rows: Int, _ cols: Int, _ n: Int, _ p: Int) throws {
        let r = try Self.run(layer, rows: rows, cols: cols, n: n, p: p)
        #expect(r.outputsMatch, "\(r.mismatch ?? "")")
        #expect(r.cyclesMatch, "\(r.mismatch ?? "")")
        #expect(r.tileCycles == r.expectedTileCycles && r.layerCycles == r.expectedLayerCycles)
        #expect(r.indexMemoryBits == p * n * 2 * 2)
    }

    @Test func pSConvAssignment() throws {
        // The same core as the first case above (a cached model).
        let r = try Self.run("conv:ci=9,co=10,h=5,w=4,k=3,p=1", rows: 3, cols: 4, scheme: .psconv, seed: 4)
        #expect(r.match, "\(r.mismatch ?? "")")
    }

    /// The comparison can fail: one wrong expected output, or a tile cycle off by one, is reported.
    @Test func aWrongExpectationIsReported() throws {
        let c = try SPSConvCase(config: SPSConfig(rows: 3, cols: 4), layer: try LayerSpec.parse("conv:ci=5,co=11,h=7,w=6,k=3,p=1"), seed: 1)
        var ref = try c.reference()
        let px = 2 * c.layer.outWidth + 3
        ref[(6 * c.layer.outHeight * c.layer.outWidth) + px] &+= 1
        let bad = try SPSConvRun(c, scheme: .magnitude).run(reference: ref)
        #expect(!bad.outputsMatch && bad.cyclesMatch)
        #expect(bad.mismatch?.hasPrefix("filter 6, output pixel (2, 3)") == true, "\(bad.mismatch ?? "")")
        let late = try SPSConvRun(c, scheme: .magnitude).run(expectedTileCycles: c.expectedTileCycles + 1)
        #expect(late.outputsMatch && !late.cyclesMatch && !late.match)
    }

    @Test func randomLayers() throws {
        let count = Int(ProcessInfo.processInfo.environment["HWGEN_SPS_RANDOM"] ?? "") ?? 0
        var seed: UInt64 = 77
        for _ in 0..<count {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            func pick(_ r: ClosedRange<Int>, _ shift: UInt64) -> Int { r.lowerBound + Int((seed >> shift) % UInt64(r.count)) }
            let (h, w) = (pick(3...9, 3), pick(3...9, 9))
            let layer = "conv:ci=\(pick(1...9, 15)),co=\(pick(1...17, 21)),h=\(h),w=\(w),k=3,s=\(pick(1...2, 27)),p=\(pick(0...2, 33))"
            let (n, p) = (pick(1...9, 39), pick(1...9, 45))
            let r = try Self.run(layer, rows: pick(1...6, 51), cols: pick(1...6, 57), n: n, p: p, seed: seed)
            #expect(r.match, "\(layer) n=\(n) P=\(p): \(r.mismatch ?? "")")
        }
    }
}
