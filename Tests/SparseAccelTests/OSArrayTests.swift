import Flow
import Cosim
import Foundation
import HWCore
import SparseAccel
import Testing

let edaEnabled = DesignGate.missingTools.isEmpty || DesignGate.toolsRequired
let edaNote: Comment = "needs verilator, iverilog and yosys (missing: \(DesignGate.missingTools.joined(separator: ", "))); run Scripts/setup"

@Suite struct OSArrayConfigTests {
    @Test(arguments: [
        (OSArrayConfig(rows: 0, cols: 16), "rows must be in 1...1024, got 0"),
        (OSArrayConfig(rows: 16, cols: 0), "cols must be in 1...1024, got 0"),
        (OSArrayConfig(dataWidth: 0), "data width must be in 1...64, got 0"),
        (OSArrayConfig(accWidth: 65), "accumulator width must be in 1...64, got 65"),
        (OSArrayConfig(dataWidth: 20, accWidth: 32), "accumulator width 32 is narrower than one product (2 x data width = 40)"),
    ])
    func invalidConfigsAreRejected(_ cfg: OSArrayConfig, _ message: String) {
        #expect(throws: ConfigError(message)) { try cfg.validate() }
        #expect(throws: ConfigError.self) { try OSArray.build(cfg) }
    }

    @Test func derivedValues() {
        #expect(OSArrayConfig(rows: 16).rowSelWidth == 4)
        #expect(OSArrayConfig(rows: 5).rowSelWidth == 3)
        #expect(OSArrayConfig(rows: 1).rowSelWidth == 1)
        #expect(OSArrayConfig().topName == "osarray_r16_c16_d8_a32")
    }

    @Test func peIsEmittedOnceWithStableNames() throws {
        let d = try Generators.elaborate("osarray", DesignOptions(rows: 4, cols: 4))
        #expect(d.moduleNames == ["osarray_pe_d8_a32", "osarray_r4_c4_d8_a32"])
        #expect(d.manifest.modules[0].instances == 16)
        #expect(d.verilog.components(separatedBy: "module osarray_pe_d8_a32 (").count == 2)
        for name in ["pe_3_3", "pe_0_0_out_a", "row_out_2", "in_row", "row_sel"] {
            #expect(d.verilog.contains(name))
        }
    }

    @Test func manifestOfTheTop() throws {
        let d = try Generators.elaborate("osarray", DesignOptions(rows: 3, cols: 5))
        let p = Dictionary(uniqueKeysWithValues: d.manifest.ports.map { ($0.name, $0) })
        #expect(d.manifest.ports.map(\.name) == ["clk", "rst", "en", "clear", "in_row", "in_col", "row_sel", "row_out"])
        #expect(p["in_row"]?.width == 24 && p["in_row"]?.packing?.dims == [3] && p["in_row"]?.packing?.elementSigned == true)
        #expect(p["row_out"]?.width == 160 && p["row_out"]?.packing?.elementWidth == 32)
        #expect(p["row_sel"]?.width == 2)
        #expect(p["rst"]?.role == "reset")
        #expect(d.manifest.parameters["rows"] == .int(3))
    }

    @Test func emissionIsDeterministic() throws {
        let a = try Generators.elaborate("osarray", DesignOptions(rows: 8, cols: 8))
        let b = try Generators.elaborate("osarray", DesignOptions(rows: 8, cols: 8))
        #expect(a.verilog == b.verilog)
    }

    @Test func unknownDesign() {
        #expect(throws: ConfigError.self) { try Generators.elaborate("nope", DesignOptions()) }
    }
}

@Suite(.enabled(if: edaEnabled, edaNote)) struct OSArrayEDATests {
    @Test(arguments: [(1, 1), (2, 3), (3, 5), (4, 4), (16, 16)])
    func lintCompileSynthesise(_ rows: Int, _ cols: Int) throws {
        let d = try Generators.elaborate("osarray", DesignOptions(rows: rows, cols: cols))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// The simulation style co-simulation builds passes the same gates (lint, iverilog, yosys).
    @Test(arguments: ["osarray", "sat"])
    func simulationStyleIsClean(_ design: String) throws {
        let d = try Generators.elaborate(design, DesignOptions(rows: 4, cols: 4), style: .simulation)
        #expect(d.verilog.contains("^ 16'h80) - 16'h80)"))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func otherWidthsAreClean() throws {
        let d = try Generators.elaborate("osarray", DesignOptions(rows: 2, cols: 2, dataWidth: 16, accWidth: 40))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// Feeds a skewed GEMM through a 2x2 array on iverilog and reads every accumulator back.
    @Test func computesAGEMM() throws {
        let rows = 2, cols = 2, k = 6
        let d = try Generators.elaborate("osarray", DesignOptions(rows: rows, cols: cols))
        var a = [[Int]](), b = [[Int]]()
        var seed: UInt64 = 5
        func rnd() -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int((seed >> 33) % 256) - 128 }
        for _ in 0..<rows { a.append((0..<k).map { _ in rnd() }) }
        for _ in 0..<k { b.append((0..<cols).map { _ in rnd() }) }
        func pack(_ xs: [Int], _ w: Int) -> UInt64 {
            xs.enumerated().reduce(UInt64(0)) { $0 | (UInt64(bitPattern: Int64($1.1)) & ((1 << w) - 1)) << UInt64($1.0 * w) }
        }
        var vectors: [[String: UInt64]] = [["rst": 1, "en": 0, "clear": 0, "in_row": 0, "in_col": 0, "row_sel": 0]]
        // Cycle t feeds a[r][t - r] to row r and b[t - c][c] to column c (zero outside).
        let cycles = k + rows + cols - 2
        for t in 0..<cycles {
            let rowVals = (0..<rows).map { r in (0..<k).contains(t - r) ? a[r][t - r] : 0 }
            let colVals = (0..<cols).map { c in (0..<k).contains(t - c) ? b[t - c][c] : 0 }
            vectors.append(["rst": 0, "en": 1, "in_row": pack(rowVals, 8), "in_col": pack(colVals, 8)])
        }
        for r in 0..<rows { vectors.append(["en": 0, "row_sel": UInt64(r)]) }
        let out = try IverilogSim.run(d, vectors: vectors)
        for r in 0..<rows {
            let word = try #require(out[1 + cycles + r]["row_out"])
            for c in 0..<cols {
                let expected = (0..<k).reduce(0) { $0 + a[r][$1] * b[$1][c] }
                let got = Int(Int32(truncatingIfNeeded: word >> UInt64(32 * c)))
                #expect(got == expected, "C[\(r)][\(c)]")
            }
        }
    }
}

/// `Generated/` holds the reference Verilog and manifest of the documented configurations;
/// they must equal what the generators emit now.
@Suite struct GeneratedFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: [("osarray", 16, 16), ("sat", 16, 16)])
    func referenceFilesAreCurrent(_ design: String, _ rows: Int, _ cols: Int) throws {
        let d = try Generators.elaborate(design, DesignOptions(rows: rows, cols: cols))
        let dir = Self.root.appendingPathComponent("Generated")
        let v = try String(contentsOf: dir.appendingPathComponent("\(d.top).v"), encoding: .utf8)
        let j = try String(contentsOf: dir.appendingPathComponent("\(d.top).json"), encoding: .utf8)
        #expect(v == d.verilog, "Generated/\(d.top).v is stale: run Scripts/regenerate")
        #expect(j == d.manifest.json, "Generated/\(d.top).json is stale: run Scripts/regenerate")
    }
}
