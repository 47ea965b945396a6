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

    static func run(_ args: [String], cwd: URL? = nil, environment: [String: String] = [:]) throws -> Run {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        if let cwd { p.currentDirectoryURL = cwd }
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
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
        #expect(r.stdout.contains("module sat_r4_c4_n2m8_d8_a32_pemixrs ("))
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
        ["emit", "--pipeline", "fast"], ["sim", "gemm", "--tiles", "0"], ["sim", "gemm", "--bubbles", "95"], ["sim", "gemm", "--design", "osarray", "--mode", "dense"],
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
        #expect(manifest?["top"] as? String == "sat_r2_c2_n2m8_d8_a32_pemixrs")

        let bad = dir.appendingPathComponent("b.v")
        let r = try Self.run(["emit", "--pe", "0x2", "-o", bad.path, "--manifest", dir.appendingPathComponent("b.json").path])
        #expect(r.status != 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["a.json", "a.v"], "left behind: \(left)")
    }

    /// Issue 15: every output of one command is published together or not at all, and two
    /// outputs naming one file are an error before anything is written.
    @Test func outputsArePublishedTogetherOrNotAtAll() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sub = dir.appendingPathComponent("d")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let v = dir.appendingPathComponent("out.v")
        let r = try Self.run(["emit", "--pe", "2x2", "-o", v.path, "--manifest", sub.path])
        #expect(r.status != 0 && r.stderr.contains("is a directory"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["d"])

        let same = dir.appendingPathComponent("same.v")
        try "old\n".write(to: same, atomically: true, encoding: .utf8)
        let r2 = try Self.run(["emit", "--pe", "2x2", "-o", same.path, "--manifest", same.path])
        #expect(r2.status != 0 && r2.stderr.contains("name the same file"), "\(r2.stderr)")
        #expect(try String(contentsOf: same, encoding: .utf8) == "old\n")

        // The same file through a symlink, and through a hard link.
        let link = dir.appendingPathComponent("link.json")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "same.v")
        #expect(try Self.run(["emit", "--pe", "2x2", "-o", same.path, "--manifest", link.path]).stderr.contains("name the same file"))
        let hard = dir.appendingPathComponent("hard.json")
        try FileManager.default.linkItem(at: same, to: hard)
        #expect(try Self.run(["emit", "--pe", "2x2", "-o", same.path, "--manifest", hard.path]).stderr.contains("name the same file"))
        #expect(try String(contentsOf: same, encoding: .utf8) == "old\n")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["d", "hard.json", "link.json", "same.v"], "left behind: \(left)")
    }

    /// Issue 15: `-o` writes through to what the path names: a symlink's target (the link stays
    /// a link), a device (never replaced by a regular file); a replaced file keeps its mode.
    @Test func outputsWriteThroughSymlinksAndDevices() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let real = dir.appendingPathComponent("real.v"), link = dir.appendingPathComponent("link.v")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real.v")
        let r = try Self.run(["emit", "--pe", "2x2", "-o", link.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "real.v")
        #expect(try String(contentsOf: real, encoding: .utf8).contains("module sat_r2_c2"))

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: real.path)
        #expect(try Self.run(["emit", "--pe", "2x2", "--nm", "1:4", "-o", real.path]).status == 0)
        #expect((try FileManager.default.attributesOfItem(atPath: real.path)[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOf: real, encoding: .utf8).contains("module sat_r2_c2_n1m4"))

        let null = try Self.run(["emit", "--pe", "2x2", "-o", "/dev/null", "--manifest", "/dev/null"])
        #expect(null.status == 0, "\(null.stderr)")
        let type = try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType
        #expect(type == .typeCharacterSpecial)

        let loop = dir.appendingPathComponent("loop.v")
        try FileManager.default.createSymbolicLink(atPath: loop.path, withDestinationPath: "loop.v")
        #expect(try Self.run(["emit", "--pe", "2x2", "-o", loop.path]).stderr.contains("too many levels of symbolic links"))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["link.v", "loop.v", "real.v"], "left behind: \(left)")
    }

    @Test func unwritableOutputIsAnError() throws {
        let r = try Self.run(["emit", "--pe", "2x2", "-o", "/nonexistent-dir/x.v"])
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("hwgen: error: cannot write"))
    }

    /// The simulation style declares the same ports, registers and wires (temporaries aside) and
    /// differs in spelling only: sign extensions, resets in one block, part-select multiplexers.
    @Test func simulationStyleDiffersOnlyInSpellingAndSuffixedNames() throws {
        let syn = try Self.run(["emit", "--design", "osarray", "--pe", "2x2"])
        let sim = try Self.run(["emit", "--design", "osarray", "--pe", "2x2", "--style", "simulation"])
        #expect(syn.status == 0 && sim.status == 0)
        #expect(sim.stdout.contains("module osarray_pe_d8_a32_sim (") && sim.stdout.contains("module osarray_r2_c2_d8_a32_sim ("))
        let renamed = sim.stdout.replacingOccurrences(of: "_sim", with: "")
        func declarations(_ text: String) -> [String] {
            text.split(separator: "\n").map { String($0.split(separator: "//")[0]).trimmingCharacters(in: .whitespaces) }
                .filter { ["input", "output", "reg ", "wire "].contains(where: $0.hasPrefix) && $0.range(of: #"_t[0-9]+\b"#, options: .regularExpression) == nil }
        }
        #expect(declarations(syn.stdout) == declarations(renamed) && !declarations(syn.stdout).isEmpty)
        let products = { (t: String) in t.split(separator: "\n").filter { $0.contains("assign prod = ") } }
        #expect(products(syn.stdout).count == 1 && products(renamed).count == 1 && products(renamed)[0].contains("^ 16'h80) - 16'h80)"))
        #expect(syn.stdout.contains("<= rst ? ") && !sim.stdout.contains("rst ?") && sim.stdout.contains("    if (rst) begin\n"))
        #expect(syn.stdout.contains("case (rd_row)") && !sim.stdout.contains("case (") && sim.stdout.contains("[{rd_row, 5'd0} +: 32]"))
    }

    @Test func listShowsDesigns() throws {
        let r = try Self.run(["list"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("sat (default)"))
        #expect(r.stdout.contains("osarray"))
        // Every knob with its default.
        #expect(r.stdout.contains("--nm N:M") && r.stdout.contains("default 2:8"))
        #expect(r.stdout.contains("--pipeline STAGES") && r.stdout.contains("default full"))
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

    /// Issue 15: the cold build reports both the model's build and the one-time runtime build.
    @Test func coldBuildReportsTheRuntimeBuildToo() throws {
        let cache = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: cache) }
        func json(_ r: CLITests.Run) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        }
        let args = ["sim", "gemm", "--pe", "2x2", "--nm", "1:4", "--k", "8", "--json"]
        let cold = try json(try CLITests.run(args, environment: ["HWGEN_CACHE_DIR": cache.path]))
        #expect(cold["cacheHit"] as? Bool == false)
        #expect((cold["buildSeconds"] as? Double ?? 0) > 0 && (cold["runtimeBuildSeconds"] as? Double ?? 0) > 0)
        let warm = try json(try CLITests.run(args, environment: ["HWGEN_CACHE_DIR": cache.path]))
        #expect(warm["cacheHit"] as? Bool == true && warm["runtimeBuildSeconds"] as? Double == 0 && warm["buildSeconds"] as? Double == 0)
    }

    @Test func tilesBackToBack() throws {
        let r = try CLITests.run(["sim", "gemm", "--pe", "3x2", "--nm", "1:4", "--k", "8", "--tiles", "3", "--pipeline", "full", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(obj?["match"] as? Bool == true)
        // 2 beats, 3 rows: tiles every 3 cycles, done after 2 + 3 + 6 (pipeline) cycles.
        #expect(obj?["doneCycles"] as? [Int] == [11, 14, 17])
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

/// Issue 15: two generated designs integrate side by side in one FPGA project, through the
/// split layout (shared modules are one file) or a module prefix (nothing is shared).
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/verilator") || ProcessInfo.processInfo.environment["HWGEN_REQUIRE_EDA"] == "1",
                "needs verilator and yosys; run Scripts/setup"))
struct IntegrationCLITests {
    static func tool(_ exe: String, _ args: [String], in dir: URL) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [exe] + args
        p.currentDirectoryURL = dir
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    /// Every .v file of `dir` read together: lint-clean for each top, and yosys accepts them.
    static func expectOneProject(_ dir: URL, tops: [String]) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".v") }.sorted()
        for top in tops {
            let (rc, out) = try tool("verilator", ["--lint-only", "-Wall", "--top-module", top] + files, in: dir)
            #expect(rc == 0 && !out.contains("%Warning") && !out.contains("MODDUP"), "\(top): \(out)")
        }
        let (rc, out) = try tool("yosys", ["-q", "-p", "read_verilog \(files.joined(separator: " ")); hierarchy -check -top \(tops[0])"], in: dir)
        #expect(rc == 0, "\(out)")
    }

    @Test func splitLayoutSharesIdenticalModules() throws {
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for pe in ["2x2", "3x5"] { #expect(try CLITests.run(["emit", "--pe", pe, "--split", dir.path]).status == 0) }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names.filter { $0 == "sat_pe_n2m8_d8_a32_pemixrs.v" }.count == 1)
        #expect(names.contains("sat_r2_c2_n2m8_d8_a32_pemixrs.f") && names.contains("sat_r3_c5_n2m8_d8_a32_pemixrs.f"))
        let list = try String(contentsOf: dir.appendingPathComponent("sat_r3_c5_n2m8_d8_a32_pemixrs.f"), encoding: .utf8)
        #expect(list == "sat_index_r3_n2m8_d8.v\npipelined_mul_s8_s8.v\nsat_pe_n2m8_d8_a32_pemixrs.v\nsat_r3_c5_n2m8_d8_a32_pemixrs.v\n")
        try Self.expectOneProject(dir, tops: ["sat_r2_c2_n2m8_d8_a32_pemixrs", "sat_r3_c5_n2m8_d8_a32_pemixrs"])
        // The simulation style's modules are other files (their names carry _sim).
        #expect(try CLITests.run(["emit", "--pe", "2x2", "--style", "simulation", "--split", dir.path]).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("sat_pe_n2m8_d8_a32_pemixrs_sim.v").path))
        try Self.expectOneProject(dir, tops: ["sat_r2_c2_n2m8_d8_a32_pemixrs", "sat_r2_c2_n2m8_d8_a32_pemixrs_sim"])
    }

    @Test func aDifferentModuleUnderAnExistingNameIsRefused() throws {
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CLITests.run(["emit", "--pe", "2x2", "--split", dir.path]).status == 0)
        let pe = dir.appendingPathComponent("sat_pe_n2m8_d8_a32_pemixrs.v")
        try (try String(contentsOf: pe, encoding: .utf8) + "// edited\n").write(to: pe, atomically: true, encoding: .utf8)
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let r = try CLITests.run(["emit", "--pe", "3x5", "--split", dir.path])
        #expect(r.status != 0 && r.stderr.contains("holds another module 'sat_pe_n2m8_d8_a32_pemixrs'"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == before)
    }

    @Test func modulePrefixesKeepDesignsApart() throws {
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (prefix, pe) in [("a_", "2x2"), ("b_", "3x5")] {
            #expect(try CLITests.run(["emit", "--pe", pe, "--module-prefix", prefix, "-o", dir.appendingPathComponent("\(prefix)design.v").path]).status == 0)
        }
        try Self.expectOneProject(dir, tops: ["a_sat_r2_c2_n2m8_d8_a32_pemixrs", "b_sat_r3_c5_n2m8_d8_a32_pemixrs"])
        #expect(try CLITests.run(["emit", "--module-prefix", "9x"]).status != 0)
    }
}
