import HWCore
import HWLib
import SparseAccel

extension Designs {
    /// The SPS conv core (periodic pattern sparsity); its conv workload is `hwgen sim conv`.
    static let sps = DesignEntry(
        name: "sps",
        summary: "SPS conv core: dense OS array fed by a mod-P pattern indexing unit and an im2col address generator (4 of 9, P=8 by default)",
        parameters: [
            DesignParameter(knob: .pe, value: "RxC", defaultText: "8x8", help: "PE array shape: output pixels x filters (1...\(SPSConfig.maxSide) each)"),
            DesignParameter(knob: .patternNNZ, value: "N", defaultText: "4", help: "weights kept per 3x3 kernel, 1...9 (9 with --period 1 is the dense array)"),
            DesignParameter(knob: .period, value: "P", defaultText: "8", help: "period of the pattern assignment (pattern table entries), 1...256"),
            DesignParameter(knob: .dataWidth, value: "W", defaultText: "8", help: "signed operand width, 1...32"),
            DesignParameter(knob: .accWidth, value: "W", defaultText: "32, or 64 when 2W > 24", help: "signed accumulator width, up to 64"),
        ],
        workloads: ["conv"],
        config: { o in
            let d = SPSConfig()
            return SPSConfig(rows: o.rows ?? d.rows, cols: o.cols ?? d.cols, patternNNZ: o.patternNNZ ?? d.patternNNZ,
                             period: o.period ?? d.period, dataWidth: o.dataWidth ?? d.dataWidth, accWidth: o.accWidth)
        },
        elaborate: { cfg, style, prefix in
            try Design.elaborate(try SPSCore.build(cfg), parameters: cfg.parameters, style: style, modulePrefix: prefix)
        },
        gemm: nil)
}

extension Designs {
    /// The SPS system: the SPS core with the shared system blocks and the line buffer; its conv
    /// workload is `hwgen sim conv --design sps-system`.
    static let spsSystem = DesignEntry(
        name: "sps-system",
        summary: "SPS system: the SPS conv core with a line buffer, the shared buffers, DMA and controller, driven by CONV instructions",
        parameters: [
            DesignParameter(knob: .pe, value: "RxC", defaultText: "8x8", help: "PE array shape: output pixels x filters"),
            DesignParameter(knob: .patternNNZ, value: "N", defaultText: "4", help: "weights kept per 3x3 kernel, 1...9"),
            DesignParameter(knob: .period, value: "P", defaultText: "8", help: "period of the pattern assignment, 1...256"),
            DesignParameter(knob: .dataWidth, value: "W", defaultText: "8", help: "signed operand width: 8, 16 or 32 (activations are packed per memory beat)"),
            DesignParameter(knob: .accWidth, value: "W", defaultText: "32, or 64 when 2W > 24", help: "signed accumulator width, up to 64"),
            DesignParameter(knob: .memWidth, value: "BITS", defaultText: "128", help: "memory port data width, a power of two in 32...1024"),
            DesignParameter(knob: .buffers, value: "X,W,O,L", defaultText: "\(spsSystemBuffers.map(String.init).joined(separator: ","))",
                            help: "entries of XBUF (activation beats), WBUF (descriptor, pattern table, weight beats), OBUF (output pixels), and of each line-buffer bank"),
        ],
        workloads: ["conv"],
        config: { o in
            let d = SPSConfig()
            let core = SPSConfig(rows: o.rows ?? d.rows, cols: o.cols ?? d.cols, patternNNZ: o.patternNNZ ?? d.patternNNZ,
                                 period: o.period ?? d.period, dataWidth: o.dataWidth ?? d.dataWidth, accWidth: o.accWidth)
            let b = try o.buffers.map(parseSPSBuffers) ?? spsSystemBuffers
            return SPSSystemConfig(core: core, memory: MemoryPortSpec(addrBits: 32, dataBits: o.memWidth ?? 128, maxBeats: 16),
                                   xEntries: b[0], wEntries: b[1], oEntries: b[2], lineEntries: b[3])
        },
        elaborate: { cfg, style, prefix in
            try Design.elaborate(try SPSSystem.build(cfg), parameters: cfg.parameters, style: style, modulePrefix: prefix)
        },
        gemm: nil)

    /// The sps-system's default buffers: XBUF, WBUF, OBUF, line-buffer entries (a 128-bit port:
    /// 4096 line entries hold 64 Ki activations, VGG-16's largest CIFAR-10 input 64x32x32).
    static let spsSystemBuffers = [256, 4096, 64, 4096]
}

/// Parses the sps-system's `--buffers X,W,O,L`.
func parseSPSBuffers(_ text: String) throws -> [Int] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
    guard parts.count == 4, parts.allSatisfy({ $0 != nil }) else {
        throw ConfigError("--buffers for sps-system expects four entry counts X,W,O,L (e.g. 256,4096,64,4096), got '\(text)'")
    }
    return parts.map { $0! }
}
