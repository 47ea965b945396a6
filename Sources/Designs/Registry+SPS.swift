import HWCore
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
