import HWCore
import SparseAccel

extension Designs {
    /// SparseTrain: the zero-skipping 1-D convolution array (co-simulated by `hwgen sim conv`).
    static let sparseTrain = DesignEntry(
        name: "sparsetrain",
        summary: "SparseTrain array: zero-skipping 1-D conv PEs with operand memories, done protocol and cycle counter (int16 -> int48)",
        parameters: [
            DesignParameter(knob: .pe, value: "RxC", defaultText: "4x4", help: "PE array shape (1...\(SparseTrainConfig.maxSide) each)"),
            DesignParameter(knob: .dataWidth, value: "W", defaultText: "16", help: "signed operand width, 2...32"),
            DesignParameter(knob: .accWidth, value: "W", defaultText: "48", help: "signed accumulator width, up to 64, at least 2W"),
        ],
        workloads: ["conv"],
        config: { o in
            let d = SparseTrainConfig()
            return SparseTrainConfig(rows: o.rows ?? d.rows, cols: o.cols ?? d.cols, dataWidth: o.dataWidth ?? d.dataWidth,
                                     accWidth: o.accWidth ?? d.accWidth)
        },
        elaborate: { cfg, style, prefix in
            try Design.elaborate(try SparseTrainArray.build(cfg), parameters: cfg.parameters, style: style, modulePrefix: prefix)
        },
        gemm: nil)
}
