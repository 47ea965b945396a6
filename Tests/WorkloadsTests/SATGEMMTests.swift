import Cosim
import Formats
import Foundation
import SparseAccel
import SparseModel
import Testing
import Workloads

let patterns: [(Int, Int)] = [(1, 4), (2, 4), (1, 8), (2, 8), (4, 8), (2, 16)]

@Suite(.enabled(if: verilatorEnabled, "needs verilator; run Scripts/setup"))
struct SATGEMMTests {
    /// Every listed N:M, sparse and dense, on 2x2, 4x4 and 8x8 arrays, two seeds each:
    /// bit-exact against the golden model and cycle-exact against the cycle model.
    @Test(arguments: patterns, [2, 4, 8])
    func everyPatternBothModes(_ nm: (Int, Int), _ side: Int) throws {
        let cfg = SATConfig(rows: side, cols: side, n: nm.0, m: nm.1)
        for sparse in [true, false] {
            for seed: UInt64 in [1, 2] {
                let k = nm.1 * (3 + Int(seed))
                let g = try SATGEMM(config: cfg, k: k, sparse: sparse, seed: seed)
                let r = try g.run()
                #expect(r.outputsMatch, "\(nm) \(side)x\(side) sparse=\(sparse) seed=\(seed): \(r.mismatch ?? "")")
                #expect(r.cycles == r.expectedCycles, "\(nm) \(side)x\(side) sparse=\(sparse) seed=\(seed)")
                // G + R + the PE pipeline's latency (6 with the default, full pipeline).
                #expect(r.expectedCycles == (sparse ? k / nm.1 : k / nm.0) + side + cfg.pipeline.latency)
            }
        }
    }

    @Test func nonSquareArrayAndWideData() throws {
        let g = try SATGEMM(config: SATConfig(rows: 3, cols: 5, n: 2, m: 4, dataWidth: 12, accWidth: 40), k: 24, sparse: true, seed: 7)
        #expect(try g.run().match)
    }

    /// Every pipeline setting co-simulates bit- and cycle-exact: the latency moves `tile_done`
    /// by exactly the number of registered stages.
    @Test(arguments: ["entry", "mux", "mul", "sum", "mul+sum", "in", "in+mul", "entry+mul", "mul+route", "mux+mul+sum", "full"])
    func pipelinedPEs(_ stages: String) throws {
        let p = try PEPipeline.parse(stages)
        for sparse in [true, false] {
            let cfg = SATConfig(rows: 4, cols: 3, n: 2, m: 8, pipeline: p)
            let g = try SATGEMM(config: cfg, k: 64, sparse: sparse, seed: 5, tiles: 2)
            let r = try g.run()
            #expect(r.match, "\(stages) sparse=\(sparse): \(r.mismatch ?? "")")
            #expect(r.cycles == (sparse ? 8 : 32) + 4 + p.latency)
        }
    }

    /// Tiles back to back, with fewer beats than rows (bubbles keep the read-out ahead of the
    /// next tile) and more.
    @Test(arguments: [(8, 16), (4, 256)])
    func tilesBackToBack(_ side: Int, _ k: Int) throws {
        let cfg = SATConfig(rows: side, cols: 2, n: 2, m: 8)
        let g = try SATGEMM(config: cfg, k: k, sparse: true, seed: 2, tiles: 3)
        let r = try g.run()
        #expect(r.match, "\(r.mismatch ?? "")")
        let step = max(k / 8, SATCycleModel.minLastBeatGap(rows: side))
        #expect(r.doneCycles == (0..<3).map { $0 * step + k / 8 + side + cfg.pipeline.latency })
    }

    /// Bubbles inside and between tiles (a stalled feeder) change nothing but timing, with and
    /// without PE pipeline registers.
    @Test(arguments: [PEPipeline.none, .full])
    func bubblesChangeNothing(_ p: PEPipeline) throws {
        for sparse in [true, false] {
            let g = try SATGEMM(config: SATConfig(rows: 5, cols: 2, n: 2, m: 4, pipeline: p), k: 32, sparse: sparse, seed: 8,
                                tiles: 3, bubblePercent: 35)
            let r = try g.run()
            #expect(r.match, "sparse=\(sparse): \(r.mismatch ?? "")")
            #expect(r.cycles == g.groups + g.bubbles[0].reduce(0, +) + 5 + p.latency)
        }
    }

    /// Found by the CLI fuzz: one-beat tiles with a bubble before the first let two tiles' last
    /// beats come one cycle apart, and the next tile overwrote a row before it was read.
    @Test func tilesWithLeadingBubblesKeepTheReadoutAhead() throws {
        for (nm, seed, bubbles) in [((1, 4), UInt64(178), 19), ((2, 4), 958, 41)] {
            let g = try SATGEMM(config: SATConfig(rows: 2, cols: 2, n: nm.0, m: nm.1), k: 4, sparse: true, seed: seed,
                                tiles: 3, bubblePercent: bubbles)
            let r = try g.run()
            #expect(r.match, "\(nm) seed \(seed): \(r.mismatch ?? "")")
            #expect(zip(r.doneCycles.dropFirst(), r.doneCycles).allSatisfy { $0 - $1 >= 2 })
        }
        for seed: UInt64 in 1...12 {
            let r = try OSArrayGEMM(config: OSArrayConfig(rows: 3, cols: 2), k: 2, seed: seed, tiles: 4, bubblePercent: 60).run()
            #expect(r.match, "osarray seed \(seed): \(r.mismatch ?? "")")
        }
    }

    /// Issue 15's false cycle mismatch: the last group's products cancel, so the watched output
    /// did not change and a data-watching count came out one short. `tile_done` counts right.
    @Test func cancellingLastGroupCountsRight() throws {
        let cfg = SATConfig(rows: 7, cols: 1, n: 2, m: 4, dataWidth: 2, accWidth: 5)
        let r = try SATGEMM(config: cfg, k: 88, sparse: true, seed: 1839240949503468304).run()
        #expect(r.match, "\(r.mismatch ?? "")")
        #expect(r.cycles == 88 / 4 + 7 + cfg.pipeline.latency)
    }

    @Test func streamFormatIsTheGoldenPacking() throws {
        // Row r's entries, concatenated over the program's stream words, are the golden pack()
        // of row r: one layout, written once (Formats.NMStreamLayout).
        let cfg = SATConfig(rows: 3, cols: 2, n: 2, m: 8)
        let g = try SATGEMM(config: cfg, k: 32, sparse: true, seed: 5)
        let golden = try g.compressed[0].pack(valueBits: cfg.dataWidth)
        let program = try g.program()
        let layout = try cfg.streamLayout
        let perRow = g.groups * layout.groupBits
        for r in 0..<cfg.rows {
            for gi in 0..<g.groups {
                let word = BitReader(program.weights[gi])
                let row = BitReader(golden)
                #expect(word.field(at: layout.entryOffset(group: r, slot: 0), bits: layout.groupBits)
                        == row.field(at: r * perRow + gi * layout.groupBits, bits: layout.groupBits), "row \(r) group \(gi)")
            }
        }
    }

    @Test func wrongSparseReferenceIsDetected() throws {
        let g = try SATGEMM(config: SATConfig(rows: 4, cols: 4, n: 2, m: 8), k: 32, sparse: true, seed: 3)
        // The dense product of the unpruned weights is not what an N:M array computes.
        let dense = referenceGEMM(g.w[0], g.x[0], accWidth: 32)
        let r = try g.run(reference: [dense])
        #expect(!r.outputsMatch)
        #expect(r.mismatch?.contains("rd_data[") == true)
    }

    @Test func invalidWorkloads() {
        #expect(throws: ConfigError.self) { try SATGEMM(config: SATConfig(rows: 2, cols: 2), k: 12, sparse: true, seed: 1) }
        #expect(throws: ConfigError.self) { try SATGEMM(config: SATConfig(rows: 2, cols: 2), k: 3, sparse: false, seed: 1) }
        #expect(throws: (any Error).self) { try SATGEMM(config: SATConfig(rows: 2, cols: 2, n: 3, m: 3), k: 12, sparse: true, seed: 1) }
    }
}
