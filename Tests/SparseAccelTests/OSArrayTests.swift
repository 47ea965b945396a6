import Flow
import Cosim
import Foundation
import HWCore
import SparseAccel
import Designs
import Compiler
import SparseModel
import TestSupport
import Testing

let edaEnabled = DesignGate.missingTools.isEmpty || DesignGate.toolsRequired
let edaNote: Comment = "needs verilator, iverilog and yosys (missing: \(DesignGate.missingTools.joined(separator: ", "))); run Scripts/setup"

@Suite struct OSArrayConfigTests {
    @Test(arguments: [
        (OSArrayConfig(rows: 0, cols: 16), "rows must be in 1...1024, got 0"),
        (OSArrayConfig(rows: 16, cols: 0), "cols must be in 1...1024, got 0"),
        (OSArrayConfig(dataWidth: 0), "data width must be in 1...32, got 0"),
        (OSArrayConfig(dataWidth: 33), "data width must be in 1...32, got 33"),
        (OSArrayConfig(accWidth: 65), "accumulator width must be in 1...64, got 65"),
        (OSArrayConfig(dataWidth: 20, accWidth: 32), "accumulator width 32 is narrower than one product (2 x data width = 40)"),
    ])
    func invalidConfigsAreRejected(_ cfg: OSArrayConfig, _ message: String) {
        #expect(throws: ConfigError(message)) { try cfg.validate() }
        #expect(throws: ConfigError.self) { try OSArray.build(cfg) }
    }

    @Test func derivedValues() {
        #expect(OSArrayConfig(rows: 16).rowSelWidth == 4)
        #expect(OSArrayConfig(dataWidth: 16).accWidth == 64 && OSArrayConfig(dataWidth: 12).accWidth == 32)
        #expect(OSArrayConfig(rows: 5).rowSelWidth == 3)
        #expect(OSArrayConfig(rows: 1).rowSelWidth == 1)
        #expect(OSArrayConfig().topName == "osarray_r16_c16_d8_a32")
    }

    @Test func peIsEmittedOnceWithStableNames() throws {
        let d = try Designs.named("osarray").elaborate(DesignOptions(rows: 4, cols: 4))
        #expect(d.moduleNames == ["osarray_pe_d8_a32", "osarray_r4_c4_d8_a32"])
        #expect(d.manifest.modules[0].instances == 16)
        #expect(d.verilog.components(separatedBy: "module osarray_pe_d8_a32 (").count == 2)
        for name in ["pe_3_3", "pe_0_0_out_a", "rd_data_2", "in_row", "rd_row", "tile_done"] {
            #expect(d.verilog.contains(name))
        }
    }

    @Test func manifestOfTheTop() throws {
        let d = try Designs.named("osarray").elaborate(DesignOptions(rows: 3, cols: 5))
        let p = Dictionary(uniqueKeysWithValues: d.manifest.ports.map { ($0.name, $0) })
        #expect(d.manifest.ports.map(\.name) == ["clk", "rst", "in_row", "in_col", "in_valid", "in_last", "rd_row", "rd_data", "tile_done"])
        #expect(p["in_row"]?.width == 24 && p["in_row"]?.packing?.dims == [3] && p["in_row"]?.packing?.elementSigned == true)
        #expect(p["in_valid"]?.width == 3 && p["in_valid"]?.packing?.elementWidth == 1)
        #expect(p["rd_data"]?.width == 160 && p["rd_data"]?.packing?.elementWidth == 32)
        #expect(p["rd_row"]?.width == 2)
        #expect(p["rst"]?.role == "reset")
        #expect(d.manifest.parameters["rows"] == .int(3))
    }

    @Test func emissionIsDeterministic() throws {
        let a = try Designs.named("osarray").elaborate(DesignOptions(rows: 8, cols: 8))
        let b = try Designs.named("osarray").elaborate(DesignOptions(rows: 8, cols: 8))
        #expect(a.verilog == b.verilog)
    }

    @Test func unknownDesign() {
        #expect(throws: ConfigError.self) { try Designs.named("nope").elaborate(DesignOptions()) }
    }
}

@Suite(.enabled(if: edaEnabled, edaNote)) struct OSArrayEDATests {
    @Test(arguments: [(1, 1), (2, 3), (3, 5), (4, 4), (16, 16)])
    func lintCompileSynthesise(_ rows: Int, _ cols: Int) throws {
        let d = try Designs.named("osarray").elaborate(DesignOptions(rows: rows, cols: cols))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// The simulation style co-simulation builds passes the same gates (lint, iverilog, yosys).
    @Test(arguments: ["osarray", "sat"])
    func simulationStyleIsClean(_ design: String) throws {
        let d = try Designs.named(design).elaborate(DesignOptions(rows: 4, cols: 4), style: .simulation)
        #expect(d.verilog.contains("^ 16'h80) - 16'h80)"))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func otherWidthsAreClean() throws {
        let d = try Designs.named("osarray").elaborate(DesignOptions(rows: 2, cols: 2, dataWidth: 16, accWidth: 40))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// Feeds two skewed GEMM tiles back to back through a 2x2 array on iverilog (a second,
    /// four-state simulator: X values from registers without reset must never reach a result)
    /// and reads every result back through the registered read-out.
    @Test func computesTwoGEMMTilesOnIverilog() throws {
        let rows = 2, cols = 2, k = 6
        let d = try Designs.named("osarray").elaborate(DesignOptions(rows: rows, cols: cols))
        var rng = SplitMix64(seed: 5)
        let a = (0..<2).map { _ in rng.matrix(rows: rows, cols: k, bits: 8) }, b = (0..<2).map { _ in rng.matrix(rows: k, cols: cols, bits: 8) }
        let p = try OSArrayProgram.compile((0..<2).map { OSArrayTile(a: a[$0], b: b[$0]) }, on: OSArrayTarget(rows: rows, cols: cols))
        func pack(_ xs: [Int64], _ w: Int) -> UInt64 { UInt64(PortWords.pack(xs, elementWidth: w)[0]) }
        var vectors: [[String: UInt64]] = [["rst": 1]]
        for t in 0..<p.cycles {
            vectors.append(["rst": 0, "in_row": pack(p.rowValues[t], 8), "in_col": pack(p.colValues[t], 8),
                            "in_valid": pack(p.valid[t].map { $0 ? 1 : 0 }, 1), "in_last": pack(p.last[t].map { $0 ? 1 : 0 }, 1),
                            "rd_row": UInt64(p.readout.readRow[t])])
        }
        let out = try IverilogSim.run(d, vectors: vectors)
        for t in 0..<p.cycles { #expect(out[t + 1]["tile_done"] == (p.readout.doneCycles.contains(t) ? 1 : 0), "cycle \(t)") }
        for read in p.readout.reads {
            let word = try #require(out[read.cycle + 1]["rd_data"], "tile \(read.tile) row \(read.row) is X")
            let expected = referenceGEMM(a[read.tile], b[read.tile], accWidth: 32)
            for c in 0..<cols {
                #expect(Int64(Int32(truncatingIfNeeded: word >> UInt64(32 * c))) == expected[read.row, c], "tile \(read.tile) C[\(read.row)][\(c)]")
            }
        }
    }
}

/// `Generated/` holds the reference Verilog and manifest of the documented configurations;
/// they must equal what the generators emit now.
@Suite struct GeneratedFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: [("osarray", 16, 16), ("sat", 16, 16), ("sps", 8, 8)])
    func referenceFilesAreCurrent(_ design: String, _ rows: Int, _ cols: Int) throws {
        let d = try Designs.named(design).elaborate(DesignOptions(rows: rows, cols: cols))
        let dir = Self.root.appendingPathComponent("Generated")
        let v = try String(contentsOf: dir.appendingPathComponent("\(d.top).v"), encoding: .utf8)
        let j = try String(contentsOf: dir.appendingPathComponent("\(d.top).json"), encoding: .utf8)
        #expect(v == d.verilog, "Generated/\(d.top).v is stale: run Scripts/regenerate")
        #expect(j == d.manifest.json, "Generated/\(d.top).json is stale: run Scripts/regenerate")
    }
}
