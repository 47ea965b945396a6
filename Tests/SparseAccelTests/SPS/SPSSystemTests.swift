import Designs
import Flow
import Foundation
import HWCore
import HWLib
import SparseAccel
import Testing

@Suite struct SPSSystemConfigTests {
    static func config(_ rows: Int = 2, _ cols: Int = 3, n: Int = 2, p: Int = 3, buffers: [Int] = [16, 64, 8, 64], mem: Int = 128) -> SPSSystemConfig {
        SPSSystemConfig(core: SPSConfig(rows: rows, cols: cols, patternNNZ: n, period: p), memory: MemoryPortSpec(addrBits: 32, dataBits: mem, maxBeats: 16),
                        xEntries: buffers[0], wEntries: buffers[1], oEntries: buffers[2], lineEntries: buffers[3])
    }

    @Test(arguments: [
        (config(buffers: [16, 3, 8, 64]), "WBUF entries (at least P + 1: the descriptor and the pattern table) must be in 4...65536, got 3"),
        (config(buffers: [16, 64, 1, 64]), "OBUF entries (at least R) must be in 2...65536, got 1"),
        (config(buffers: [0, 64, 8, 64]), "XBUF entries must be in 1...65536, got 0"),
        (config(buffers: [16, 64, 8, 0]), "line-buffer entries must be in 1...65536, got 0"),
        (config(mem: 48), "memory data width must be a power of two in 32...1024 bits, got 48"),
    ])
    func invalidConfigsAreRejected(_ c: SPSSystemConfig, _ message: String) {
        #expect(throws: ConfigError(message)) { try c.validate() }
        #expect(throws: ConfigError.self) { try SPSSystem.build(c) }
    }

    @Test func dataWidthMustPackIntoBeats() {
        var c = Self.config()
        c.core.dataWidth = 12
        c.core.accWidth = 32
        #expect(throws: ConfigError("the SPS system packs activations E = memory width / data width per beat: data width must be 8, 16 or 32, got 12")) { try c.validate() }
    }

    @Test func registryEntry() throws {
        let entry = try Designs.named("sps-system")
        #expect(entry.workloads == ["conv"])
        let c = try #require(try entry.config(DesignOptions(rows: 3, cols: 5, memWidth: 64, buffers: "8,32,6,128", patternNNZ: 2, period: 3)) as? SPSSystemConfig)
        #expect(c == SPSSystemConfig(core: SPSConfig(rows: 3, cols: 5, patternNNZ: 2, period: 3), memory: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 16),
                                     xEntries: 8, wEntries: 32, oEntries: 6, lineEntries: 128))
        #expect(c.shell.prefix == "sps" && c.shell.m == nil && c.shell.p == nil && c.shell.computeOpcodes == [.conv])
        #expect(throws: ConfigError.self) { try entry.config(DesignOptions(nm: "2:8")) }
        #expect(throws: ConfigError("--buffers for sps-system expects four entry counts X,W,O,L (e.g. 256,4096,64,4096), got '1,2,3'")) {
            try entry.config(DesignOptions(buffers: "1,2,3"))
        }
        // The SAT system keeps routing only GEMM to its compute unit.
        #expect(SATSystemConfig().shell.computeOpcodes == [.gemm])
    }

    @Test func modulesAndDeterminism() throws {
        let o = DesignOptions(rows: 2, cols: 3, buffers: "16,64,8,64", patternNNZ: 2, period: 3)
        let a = try Designs.named("sps-system").elaborate(o)
        let b = try Designs.named("sps-system").elaborate(o)
        #expect(a.verilog == b.verilog)
        #expect(a.top == "sps_system_r2_c3_k3_n2_p3_d8_a32_m128")
        let names = Set(a.moduleNames)
        for m in ["sps_linebuf_r2_e16_d8_x64", "sps_dispatch_q4", "sps_xbuf_128x16", "sps_wbuf_128x64", "sps_obuf_128x8", "sps_r2_c3_k3_n2_p3_d8_a32"] {
            #expect(names.contains(m), "\(m) in \(names.sorted())")
        }
        // No master or pre-generated weight buffers, and the line buffer's banks are memories.
        #expect(!names.contains { $0.contains("_mbuf_") || $0.contains("_pbuf_") })
        #expect(a.verilog.contains("bank_0") && a.verilog.contains("bank_1") && !a.verilog.contains("bank_2"))
    }
}

@Suite(.enabled(if: DesignGate.missingTools.isEmpty || DesignGate.toolsRequired, "needs verilator, iverilog and yosys"))
struct SPSSystemEDATests {
    /// Odd shapes, several n and P, a 64-bit port; `HWGEN_SPS_EDA_LARGE=1` adds an 8x8 (with small
    /// buffers: the generic yosys flow maps memories to flip-flops).
    @Test(arguments: [("2x3", 2, 3, 128, "16,64,8,64"), ("1x1", 9, 1, 64, "4,16,2,16"), ("3x2", 4, 8, 64, "8,128,6,32")]
          + (ProcessInfo.processInfo.environment["HWGEN_SPS_EDA_LARGE"] == "1" ? [("8x8", 4, 8, 128, "32,256,16,64")] : []))
    func lintCompileSynthesise(_ pe: String, _ n: Int, _ p: Int, _ mem: Int, _ buffers: String) throws {
        let shape = pe.split(separator: "x").map { Int($0)! }
        let d = try Designs.named("sps-system").elaborate(DesignOptions(rows: shape[0], cols: shape[1], memWidth: mem, buffers: buffers, patternNNZ: n, period: p))
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// The line buffer's banks are RAMs in synthesis (block RAM at 512 entries), never flip-flops:
    /// only the registered lane selects stay in the fabric.
    @Test func lineBufferInfersRAM() throws {
        let c = SPSSystemConfigTests.config(2, 2, n: 4, p: 8, buffers: [16, 64, 8, 512], mem: 64)
        let d = try Design.elaborate(try SPSSystem.build(c))
        let name = try #require(d.moduleNames.first { $0.hasPrefix("sps_linebuf_") })
        let r = try EDATools.yosysSynth(d.verilog, top: name, script: "synth_xilinx -top \(name)")
        #expect(r.result.succeeded, "\(r.result.output)")
        let ramb = r.cells.filter { $0.key.hasPrefix("RAMB") }.values.reduce(0, +)
        let ffs = r.cells.filter { $0.key.hasPrefix("FD") }.values.reduce(0, +)
        #expect(ramb >= 2 && ffs <= 2 * 8, "\(name): \(r.cells)")
    }
}
