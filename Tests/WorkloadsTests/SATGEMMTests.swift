import Cosim
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
                #expect(r.expectedCycles == (sparse ? k / nm.1 : k / nm.0) + side - 1)
            }
        }
    }

    @Test func nonSquareArrayAndWideData() throws {
        let g = try SATGEMM(config: SATConfig(rows: 3, cols: 5, n: 2, m: 4, dataWidth: 12, accWidth: 40), k: 24, sparse: true, seed: 7)
        #expect(try g.run().match)
    }

    @Test func streamFormatIsTheGoldenPacking() throws {
        // Row r's entries, concatenated over the stream words, are the golden pack() of row r.
        let cfg = SATConfig(rows: 3, cols: 2, n: 2, m: 8)
        let g = try SATGEMM(config: cfg, k: 32, sparse: true, seed: 5)
        let c = try #require(g.compressed)
        let golden = try c.pack(valueBits: cfg.dataWidth)
        let perRow = g.groups * cfg.n * cfg.entryBits
        for r in 0..<cfg.rows {
            for gi in 0..<g.groups {
                let word = try g.streamWord(group: gi)
                for b in 0..<(cfg.n * cfg.entryBits) {
                    let streamBit = (word[(r * cfg.n * cfg.entryBits + b) / 32] >> UInt32((r * cfg.n * cfg.entryBits + b) % 32)) & 1
                    let gb = r * perRow + gi * cfg.n * cfg.entryBits + b
                    let goldenBit = (golden[gb / 64] >> UInt64(gb % 64)) & 1
                    #expect(UInt64(streamBit) == goldenBit, "row \(r) group \(gi) bit \(b)")
                }
            }
        }
    }

    @Test func wrongSparseReferenceIsDetected() throws {
        let g = try SATGEMM(config: SATConfig(rows: 4, cols: 4, n: 2, m: 8), k: 32, sparse: true, seed: 3)
        // The dense product of the unpruned weights is not what an N:M array computes.
        let dense = referenceGEMM(g.w, g.x, accWidth: 32)
        let r = try g.run(reference: dense)
        #expect(!r.outputsMatch)
        #expect(r.mismatch?.contains("row_out[") == true)
    }

    @Test func invalidWorkloads() {
        #expect(throws: ConfigError.self) { try SATGEMM(config: SATConfig(rows: 2, cols: 2), k: 12, sparse: true, seed: 1) }
        #expect(throws: ConfigError.self) { try SATGEMM(config: SATConfig(rows: 2, cols: 2), k: 3, sparse: false, seed: 1) }
        #expect(throws: ConfigError.self) { try SATGEMM(config: SATConfig(rows: 2, cols: 2, n: 3, m: 3), k: 12, sparse: true, seed: 1) }
    }
}
