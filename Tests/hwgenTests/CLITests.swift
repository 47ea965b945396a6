import Foundation
import Testing

/// Runs the built `hwgen` binary: bad input gives one line on stderr and a non-zero exit,
/// never a trap and never a partial output file.
@Suite struct CLITests {
    static var binary: URL {
        // The test runner lives in the build products directory, next to `hwgen`.
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent(), dir.deletingLastPathComponent().deletingLastPathComponent()] {
            let u = candidate.appendingPathComponent("hwgen")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return dir.appendingPathComponent("hwgen")
    }

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ args: [String], cwd: URL? = nil) throws -> Run {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes before waiting, so a large output cannot block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        // A Swift trap ends the process by a signal, not by exit.
        #expect(p.terminationReason == .exit, "hwgen \(args) was killed by a signal")
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @Test func emitsTheDefaultDesign() throws {
        let r = try Self.run(["emit", "--pe", "4x4"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        #expect(r.stdout.contains("module sat_r4_c4_n2m8_d8_a32 ("))
        #expect(r.stdout.hasSuffix("endmodule\n"))
    }

    @Test(arguments: [
        ["emit", "--pe", "0x16"], ["emit", "--pe", "16"], ["emit", "--pe", "16x"], ["emit", "--pe", "x16"],
        ["emit", "--pe", "-1x4"], ["emit", "--pe", "axb"], ["emit", "--data-width", "0"], ["emit", "--data-width", "65"],
        ["emit", "--acc-width", "0"], ["emit", "--acc-width", "65"], ["emit", "--design", "nope"],
        ["emit", "--pe", "2000x2"], ["emit", "--data-width", "banana"], ["emit", "--bogus"], ["frobnicate"],
        ["emit", "--nm", "4:4"], ["emit", "--nm", "2:6"], ["emit", "--nm", "2-8"], ["emit", "--nm", "0:4"],
        ["emit", "--design", "osarray", "--acc-width", "8"], ["sim", "gemm", "--mode", "fast"], ["sim", "gemm", "--k", "0"],
        ["sim", "gemm", "--design", "nope"], ["sim", "gemm", "--nm", "2:8", "--k", "12"],
        ["emit", "--style", "fast"], ["sim", "gemm", "--style", "verilator"],
        ["emit", "--design", "osarray", "--nm", "9:4"], ["emit", "--design", "osarray", "--pipeline", "full"],
        ["emit", "--pipeline", "fast"], ["sim", "gemm", "--tiles", "0"], ["sim", "gemm", "--design", "osarray", "--mode", "dense"],
    ])
    func badInputIsOneLineAndNonZero(_ args: [String]) throws {
        let r = try Self.run(args)
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.hasPrefix("hwgen: error: "))
    }

    @Test func errorMessagesNameTheProblem() throws {
        #expect(try Self.run(["emit", "--pe", "0x16"]).stderr.contains("at least one row"))
        #expect(try Self.run(["emit", "--pe", "16x"]).stderr.contains("ROWSxCOLS"))
        #expect(try Self.run(["emit", "--data-width", "0"]).stderr.contains("data width must be in 1...32, got 0"))
        #expect(try Self.run(["emit", "--design", "osarray", "--data-width", "33"]).stderr.contains("data width must be in 1...32, got 33"))
        #expect(try Self.run(["emit", "--design", "osarray", "--nm", "9:4"]).stderr.contains("--nm does not apply to design 'osarray'"))
        #expect(try Self.run(["sim", "gemm", "--design", "osarray", "--mode", "dense"]).stderr.contains("--mode applies to designs with a sparse mode"))
        #expect(try Self.run(["emit", "--pipeline", "fast"]).stderr.contains("unknown stage 'fast'"))
        #expect(try Self.run(["emit", "--design", "nope"]).stderr.contains("unknown design 'nope'"))
        #expect(try Self.run(["emit", "--nm", "4:4"]).stderr.contains("N:M needs N < M, got 4:4"))
        #expect(try Self.run(["sim", "gemm", "--nm", "2:8", "--k", "12"]).stderr.contains("multiple of 8"))
    }

    @Test func outputFileIsWrittenAtomicallyAndNotOnError() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let v = dir.appendingPathComponent("a.v"), j = dir.appendingPathComponent("a.json")
        let ok = try Self.run(["emit", "--pe", "2x2", "-o", v.path, "--manifest", j.path])
        #expect(ok.status == 0 && ok.stdout.isEmpty)
        let text = try String(contentsOf: v, encoding: .utf8)
        #expect(text == (try Self.run(["emit", "--pe", "2x2"])).stdout)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: j)) as? [String: Any]
        #expect(manifest?["top"] as? String == "sat_r2_c2_n2m8_d8_a32")

        let bad = dir.appendingPathComponent("b.v")
        let r = try Self.run(["emit", "--pe", "0x2", "-o", bad.path, "--manifest", dir.appendingPathComponent("b.json").path])
        #expect(r.status != 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["a.json", "a.v"], "left behind: \(left)")
    }

    @Test func unwritableOutputIsAnError() throws {
        let r = try Self.run(["emit", "--pe", "2x2", "-o", "/nonexistent-dir/x.v"])
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("hwgen: error: cannot write"))
    }

    @Test func simulationStyleDiffersOnlyInMultiplierOperands() throws {
        let syn = try Self.run(["emit", "--design", "osarray", "--pe", "2x2"])
        let sim = try Self.run(["emit", "--design", "osarray", "--pe", "2x2", "--style", "simulation"])
        #expect(syn.status == 0 && sim.status == 0)
        let a = syn.stdout.split(separator: "\n"), b = sim.stdout.split(separator: "\n").filter { !$0.hasPrefix("// Style:") }
        #expect(a.count == b.count)
        let differing = zip(a, b).filter { $0 != $1 }
        #expect(differing.count == 1 && differing[0].1.contains("^ 16'h80) - 16'h80)"))
    }

    @Test func listShowsDesigns() throws {
        let r = try Self.run(["list"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("sat (default)"))
        #expect(r.stdout.contains("osarray"))
        // Every knob with its default.
        #expect(r.stdout.contains("--nm N:M") && r.stdout.contains("default 2:8"))
        #expect(r.stdout.contains("--pipeline STAGES") && r.stdout.contains("default none"))
        #expect(r.stdout.contains("--acc-width W") && r.stdout.contains("default 32, or 64 when"))
    }

    @Test func helpIsNotAnError() throws {
        let r = try Self.run(["emit", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("--pe"))
    }

    @Test func wideOperandsGetAWideAccumulatorByDefault() throws {
        let r = try Self.run(["emit", "--pe", "2x2", "--data-width", "16"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("// Top module: sat_r2_c2_n2m8_d16_a64"))
    }

    @Test func emissionIsByteIdenticalAcrossRuns() throws {
        let a = try Self.run(["emit", "--pe", "8x8"]), b = try Self.run(["emit", "--pe", "8x8"])
        #expect(a.stdout == b.stdout && !a.stdout.isEmpty)
    }
}

/// `hwgen sim gemm` end to end (needs Verilator).
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/verilator") || ProcessInfo.processInfo.environment["HWGEN_REQUIRE_EDA"] == "1",
                "needs verilator; run Scripts/setup"))
struct SimCLITests {
    @Test func sparseAndDenseGEMMMatch() throws {
        for mode in ["sparse", "dense"] {
            let r = try CLITests.run(["sim", "gemm", "--pe", "2x2", "--nm", "2:4", "--k", "16", "--mode", mode, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            #expect(obj?["match"] as? Bool == true)
            #expect(obj?["cycles"] as? Int == obj?["expectedCycles"] as? Int)
        }
    }

    @Test func osarraySummary() throws {
        let r = try CLITests.run(["sim", "gemm", "--design", "osarray", "--pe", "2x3", "--k", "5", "--seed", "9"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("result:          MATCH"))
        #expect(r.stdout.contains("simulation style"))
        #expect(r.stdout.contains("cycle model: 9, equal"))
    }

    @Test func tilesBackToBack() throws {
        let r = try CLITests.run(["sim", "gemm", "--pe", "3x2", "--nm", "1:4", "--k", "8", "--tiles", "3", "--pipeline", "full", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(obj?["match"] as? Bool == true)
        // 2 beats, 3 rows: tiles every 3 cycles, done after 2 + 3 + 3 (pipeline) cycles.
        #expect(obj?["doneCycles"] as? [Int] == [8, 11, 14])
    }

    /// `--style synthesis` co-simulates the very text `hwgen emit` writes.
    @Test func synthesisStyleCanBeSimulated() throws {
        let r = try CLITests.run(["sim", "gemm", "--design", "osarray", "--pe", "2x2", "--k", "4", "--style", "synthesis", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(obj?["match"] as? Bool == true)
        #expect(obj?["style"] as? String == "synthesis")
    }
}
