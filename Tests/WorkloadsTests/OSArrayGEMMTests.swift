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
        #expect(report.expectedCycles == k + r + c - 2)
        #expect(report.match)
        #expect(report.totalCycles == OSArrayCycleModel.totalCycles(rows: r, cols: c, k: k))
    }

    @Test func otherWidths() throws {
        let g = try OSArrayGEMM(config: OSArrayConfig(rows: 3, cols: 2, dataWidth: 16, accWidth: 40), k: 9, seed: 4)
        #expect(try g.run().match)
    }

    @Test func wrongReferenceIsDetectedWithAWaveform() throws {
        let g = try OSArrayGEMM(config: OSArrayConfig(rows: 4, cols: 4), k: 8, seed: 3)
        var wrong = referenceGEMM(g.a, g.b, accWidth: 32)
        wrong[2, 1] += 1
        let wave = tempPath("vcd")
        defer { try? FileManager.default.removeItem(atPath: wave) }
        let report = try g.run(reference: wrong, waveformOnMismatch: wave)
        #expect(!report.match && !report.outputsMatch)
        let m = try #require(report.mismatch)
        // Read-out runs rows 3, 2, 1, 0 after reset + compute: row 2 is read in cycle 1 + 14 + 1.
        #expect(m.contains("cycle 16: row_out[1] expected \(wrong[2, 1]), got \(wrong[2, 1] - 1)"), "\(m)")
        #expect(m.contains(wave))
        let size = (try FileManager.default.attributesOfItem(atPath: wave)[.size] as? Int) ?? 0
        #expect(size > 1000)
    }

    @Test func wrongCycleModelIsDetected() throws {
        let g = try OSArrayGEMM(config: OSArrayConfig(rows: 2, cols: 2), k: 4, seed: 9)
        let report = try g.run(expectedCycles: g.expectedComputeCycles - 1)
        #expect(report.outputsMatch)
        #expect(!report.match)
        #expect(report.mismatch?.contains("compute cycles 6, cycle model 5") == true)
    }

    @Test func waveformOnRequest() throws {
        let g = try OSArrayGEMM(config: OSArrayConfig(rows: 2, cols: 2), k: 3, seed: 1)
        let wave = tempPath("vcd")
        defer { try? FileManager.default.removeItem(atPath: wave) }
        let report = try g.run(waveform: wave)
        #expect(report.match)
        let text = try String(contentsOfFile: wave, encoding: .utf8)
        #expect(text.contains("$enddefinitions") && text.contains("row_out"))
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
        #expect(fail.output.contains("FAIL cycle \(report.totalCycles - 1) row_out"), "\(fail.output)")
    }

    @Test func invalidWorkloads() {
        #expect(throws: ConfigError.self) { try OSArrayGEMM(config: OSArrayConfig(rows: 2, cols: 2), k: 0, seed: 1) }
        #expect(throws: ConfigError.self) { try OSArrayGEMM(config: OSArrayConfig(rows: 0, cols: 2), k: 4, seed: 1) }
    }
}
