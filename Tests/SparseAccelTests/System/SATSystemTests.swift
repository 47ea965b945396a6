import Cosim
import Designs
import Foundation
import Flow
import HWCore
import HWLib
import SparseAccel
import Testing

@Suite struct SATSystemConfigTests {
    @Test(arguments: [
        (SATSystemConfig(core: SATConfig(rows: 4, cols: 4, n: 3, m: 4)), "the system needs N to divide M (a dense beat takes N of an entry's M elements per column), got 3:4"),
        (SATSystemConfig(core: SATConfig(rows: 4, cols: 4, n: 2, m: 8)), "the system needs M to divide R and C (the update unit's N:M groups run along a tile's rows and columns), got 4x4 with M = 8"),
        (SATSystemConfig(core: SATConfig(rows: 8, cols: 4, n: 2, m: 4)), "the system needs R to divide C (a weight tile's columns fill whole pre-generated backward words), got 8x4"),
        (SATSystemConfig(memory: MemoryPortSpec(addrBits: 32, dataBits: 48, maxBeats: 16)), "memory data width must be a power of two in 32...1024 bits, got 48"),
        (SATSystemConfig(memory: MemoryPortSpec(addrBits: 32, dataBits: 1024, maxBeats: 64)), "a memory request of 64 beats of 128 bytes exceeds 4 KiB (AXI's burst limit)"),
        (SATSystemConfig(outputEntries: 2), "output buffer entries (at least R) must be in 4...65536, got 2"),
        (SATSystemConfig(pregenEntries: 1), "the pregen buffer needs at least 2 entries (one weight tile's words), got 1"),
        (SATSystemConfig(weights: WeightNumerics(masterBits: 12, fracBits: 8)), "master weights need f >= 0 and d + f <= w <= 32, got d=8, f=8, w=12"),
    ])
    func invalidConfigsAreRejected(_ c: SATSystemConfig, _ message: String) {
        #expect(throws: ConfigError(message)) { try c.validate() }
    }

    @Test func derivedEntryWidths() {
        let c = SATSystemConfig(core: SATConfig(rows: 16, cols: 16, n: 2, m: 8), memory: MemoryPortSpec(addrBits: 32, dataBits: 256, maxBeats: 16))
        #expect(c.denseEntryBits == 1024 && c.denseChunks == 4)
        #expect(c.core.streamWidth == 352 && c.sparseChunks == 2)
        #expect(c.denseWordBits == 256 && c.denseWordChunks == 1 && c.denseWordsPerEntry == 2)
        #expect(c.masterEntryBits == 256 && c.masterChunks == 1)
        #expect(c.outputEntryBits == 512 && c.outputChunks == 2)
        #expect(c.forwardWordsPerTile == 2 && c.backwardWordsPerTile == 2 && c.denseBeatsPerEntry == 4)
    }
}

@Suite(.enabled(if: edaEnabled, edaNote)) struct SATSystemEDATests {
    static let configs = [
        SATSystemConfig(),
        SATSystemConfig(core: SATConfig(rows: 2, cols: 4, n: 1, m: 2), memory: MemoryPortSpec(addrBits: 32, dataBits: 32, maxBeats: 8), queueDepth: 2),
        SATSystemConfig(core: SATConfig(rows: 8, cols: 8, n: 2, m: 8, pipeline: .full), memory: MemoryPortSpec(addrBits: 40, dataBits: 256, maxBeats: 16)),
    ]

    /// Lint with -Wall, iverilog -g2005 and a latch-free yosys synthesis: the default config
    /// natively, the narrow one behind AXI4; every config both ways with HWGEN_LONG_TESTS=1.
    @Test(arguments: configs.indices)
    func lintCompileSynthesise(_ i: Int) throws {
        var c = Self.configs[i]
        let long = ProcessInfo.processInfo.environment["HWGEN_LONG_TESTS"] == "1"
        let variants = long ? [false, true] : i == 0 ? [false] : i == 1 ? [true] : []
        for axi in variants {
            c.axi = axi
            let d = axi ? try Design.elaborate(try SATSystemAXI.build(c)) : try Design.elaborate(try SATSystem.build(c))
            let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
            #expect(problems.isEmpty, "\(d.top): \(problems.joined(separator: "\n"))")
        }
    }

    /// Every buffer is a RAM in synthesis: deep ones block RAM, shallow ones distributed RAM —
    /// never flip-flops.
    @Test func buffersInferRAM() throws {
        let c = SATSystemConfig(buffers: ())
        let d = try Design.elaborate(try SATSystem.build(c))
        for name in d.moduleNames where name.hasPrefix("sat_") && name.contains("buf_") {
            let r = try EDATools.yosysSynth(d.verilog, top: name, script: "synth_xilinx -top \(name)")
            #expect(r.result.succeeded, "\(r.result.output)")
            let rams = r.cells.filter { $0.key.hasPrefix("RAMB") || $0.key.hasPrefix("RAM32") || $0.key.hasPrefix("RAM64") }.values.reduce(0, +)
            let ffs = r.cells.filter { $0.key.hasPrefix("FD") }.values.reduce(0, +)
            // Distributed RAM reads asynchronously: the read register stays in flip-flops (one
            // entry's width), the storage does not.
            let entryBits = try #require(d.manifest.ports.isEmpty ? nil : Optional(widthOfEntry(name)))
            #expect(rams > 0 && ffs <= entryBits + 8, "\(name): \(r.cells)")
            if name.contains("xbuf") || name.contains("wbuf") {
                #expect(r.cells.keys.contains { $0.hasPrefix("RAMB") }, "\(name) should be block RAM: \(r.cells)")
            }
        }
    }
}

/// The entry width of a buffer module named `sat_<x>buf_<width>x<depth>` or `sat_pbuf_<lanes>x<laneBits>x<depth>`.
func widthOfEntry(_ module: String) -> Int {
    let parts = module.split(separator: "_").last!.split(separator: "x").compactMap { Int($0) }
    return parts.count == 3 ? parts[0] * parts[1] : parts[0]
}

extension SATSystemConfig {
    /// A small system with deep operand buffers (block RAM) and shallow others.
    init(buffers: Void) {
        self.init(core: SATConfig(rows: 4, cols: 4, n: 2, m: 4), memory: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 16),
                  denseEntries: 512, sparseEntries: 512, masterEntries: 64, outputEntries: 64, pregenEntries: 16)
    }
}
