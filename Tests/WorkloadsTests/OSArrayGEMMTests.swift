import Flow
import Cosim
import Foundation
import SparseAccel
import SparseModel
import Testing
import Workloads

let verilatorEnabled = EDATools.isAvailable("verilator") || DesignGate.toolsRequired

func tempPath(_ ext: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-\(UUID().uuidString).\(ext)").path
}

@Suite(.enabled(if: verilatorEnabled, "needs verilator; run Scripts/setup"))
struct OSArrayGEMMTests {
    @Test(arguments: [(1, 1, 5), (2, 3, 7), (4, 4, 16), (8, 8, 24), (16, 16, 40)], [UInt64(1), 2])
    func bitExactAndCycleExact(_ shape: (Int, Int, Int), _ seed: UInt64) throws {
        let (r, c, k) = shape
        let g = try OSArrayGEMM(config: OSArrayConfig(rows: r, cols: c), k: k, seed: seed)
        let report = try g.run()
        #expect(report.outputsMatch, "\(report.mismatch ?? "")")
        #expect(report.cycles == report.expectedCycles)
        #expect(report.expectedCycles == k + r + c - 1)
        #expect(report.match)
        #expect(report.totalCycles == 1 + report.expectedCycles + OSArrayCycleModel.readoutCycles(rows: r))
    }

    /// Tiles back to back: the read-out of tile t overlaps tile t+1, and every tile's
    /// `tile_done` is exactly where the cycle model puts it — with K below and above the
    /// R + C - 1 cycles a read-out needs.
    @Test(arguments: [(3, 4, 2), (4, 4, 12), (5, 2, 30)])
    func tilesBackToBack(_ shape: (Int, Int, Int)) throws {
        let (r, c, k) = shape
        let g = try OSArrayGEMM(config: OSArrayConfig(rows: r, cols: c), k: k, seed: 11, tiles: 3)
        let report = try g.run()
        #expect(report.match, "\(report.mismatch ?? "")")
        let step = max(k, OSArrayCycleModel.minLastBeatGap(rows: r, cols: c))
        #expect(report.doneCycles == (0..<3).map { $0 * step + k + r + c - 1 })
    }

    /// The PE contract (issue 15): an invalid beat (a bubble) changes nothing but the hop
    /// registers — bubbles inside and between tiles leave every result bit-exact, and only move
    /// `tile_done` by as many cycles as the model says.
    @Test func bubblesChangeNothing() throws {
        let g = try OSArrayGEMM(config: OSArrayConfig(rows: 4, cols: 3), k: 9, seed: 21, tiles: 3, bubblePercent: 40)
        #expect(g.bubbles.joined().reduce(0, +) > 0)
        let r = try g.run()
        #expect(r.match, "\(r.mismatch ?? "")")
        let plain = try OSArrayGEMM(config: OSArrayConfig(rows: 4, cols: 3), k: 9, seed: 21, tiles: 3).run()
        #expect(r.doneCycles[0] == plain.doneCycles[0] + g.bubbles[0].reduce(0, +))
    }

    @Test func otherWidths() throws {
        let g = try OSArrayGEMM(config: OSArrayConfig(rows: 3, cols: 2, dataWidth: 16, accWidth: 40), k: 9, seed: 4)
        #expect(try g.run().match)
    }

    @Test func wrongReferenceIsDetectedWithAWaveform() throws {
        let g = try OSArrayGEMM(config: OSArrayConfig(rows: 4, cols: 4), k: 8, seed: 3)
        var wrong = g.references()
        wrong[0][2, 1] += 1
        let wave = tempPath("vcd")
        defer { try? FileManager.default.removeItem(atPath: wave) }
        let report = try g.run(reference: wrong, waveformOnMismatch: wave)
        #expect(!report.match && !report.outputsMatch)
        let m = try #require(report.mismatch)
        // Reset, then the tile is done in program cycle 8 + 4 + 4 - 1 = 15; row 2 is selected at
        // 15 + 2 and shown at 18, which is vector cycle 19.
        #expect(m.contains("cycle 19: rd_data[1] expected \(wrong[0][2, 1]), got \(wrong[0][2, 1] - 1)"), "\(m)")
        #expect(m.contains(wave))
        let size = (try FileManager.default.attributesOfItem(atPath: wave)[.size] as? Int) ?? 0
        #expect(size > 1000)
    }

    @Test func wrongCycleModelIsDetected() throws {
        let g = try OSArrayGEMM(config: OSArrayConfig(rows: 2, cols: 2), k: 4, seed: 9)
        let report = try g.run(expectedDoneCycles: [g.expectedComputeCycles - 1])
        #expect(!report.match)
        #expect(report.cycles == 7 && report.expectedCycles == 6)
        // The first difference is the protocol signal, one cycle early (vector cycle 1 + 6).
        #expect(report.mismatch?.contains("mismatch at cycle 7: tile_done expected 1, got 0") == true, "\(report.mismatch ?? "")")
    }

    @Test func waveformOnRequest() throws {
        let g = try OSArrayGEMM(config: OSArrayConfig(rows: 2, cols: 2), k: 3, seed: 1)
        let wave = tempPath("vcd")
        defer { try? FileManager.default.removeItem(atPath: wave) }
        let report = try g.run(waveform: wave)
        #expect(report.match)
        let text = try String(contentsOfFile: wave, encoding: .utf8)
        #expect(text.contains("$enddefinitions") && text.contains("rd_data") && text.contains("tile_done"))
    }

    @Test func iverilogBenchAgreesWithVerilator() throws {
        guard EDATools.isAvailable("iverilog") || DesignGate.toolsRequired else { return }
        let dir = URL(fileURLWithPath: tempPath("bench"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let g = try OSArrayGEMM(config: OSArrayConfig(rows: 3, cols: 4), k: 10, seed: 5)
        let report = try g.run(exportBench: dir)
        #expect(report.match)
        let pass = try BenchExporter.runIverilog(dir)
        #expect(pass.output.contains("PASS \(report.totalCycles) cycles"), "\(pass.output)")

        // The same bench fails when an expected value is wrong.
        let exp = dir.appendingPathComponent("expected.hex")
        var lines = try String(contentsOf: exp, encoding: .utf8).split(separator: "\n").map(String.init)
        let last = lines.count - 1
        lines[last] = String(lines[last].dropLast()) + (lines[last].last == "0" ? "1" : "0")
        try (lines.joined(separator: "\n") + "\n").write(to: exp, atomically: true, encoding: .utf8)
        let fail = try BenchExporter.runIverilog(dir)
        #expect(fail.output.contains("FAIL cycle \(report.totalCycles - 1) "), "\(fail.output)")
    }

    @Test func invalidWorkloads() {
        #expect(throws: ConfigError.self) { try OSArrayGEMM(config: OSArrayConfig(rows: 2, cols: 2), k: 0, seed: 1) }
        #expect(throws: ConfigError.self) { try OSArrayGEMM(config: OSArrayConfig(rows: 0, cols: 2), k: 4, seed: 1) }
        #expect(throws: ConfigError.self) { try OSArrayGEMM(config: OSArrayConfig(rows: 2, cols: 2), k: 4, seed: 1, tiles: 0) }
    }
}
