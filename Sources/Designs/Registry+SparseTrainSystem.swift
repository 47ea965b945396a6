import HWCore
import SparseAccel

extension SparseTrainSystemConfig: DesignConfig {}

extension Designs {
    /// The SparseTrain training system: the ping-pong SparseTrain array behind the shared system
    /// blocks, driven by an instruction stream (co-simulated by `hwgen sim conv`).
    static let sparseTrainSystem = DesignEntry(
        name: "sparsetrain-system",
        summary: "SparseTrain training system: the zero-skipping 1-D conv array with ping-pong memories behind buffers, DMA on a memory port and a controller running RUN instructions",
        parameters: [
            DesignParameter(knob: .pe, value: "RxC", defaultText: "4x4", help: "PE array shape (1...\(SparseTrainConfig.maxSide) each)"),
            DesignParameter(knob: .dataWidth, value: "W", defaultText: "16", help: "signed operand width, 2...32"),
            DesignParameter(knob: .accWidth, value: "W", defaultText: "48", help: "signed accumulator width, up to 64, at least 2W"),
            DesignParameter(knob: .memWidth, value: "BITS", defaultText: "512", help: "memory port data width, a power of two in 32...1024"),
        ],
        workloads: ["conv"],
        config: { o in
            let d = SparseTrainSystemConfig()
            var a = d.array
            a.rows = o.rows ?? a.rows
            a.cols = o.cols ?? a.cols
            a.dataWidth = o.dataWidth ?? a.dataWidth
            a.accWidth = o.accWidth ?? a.accWidth
            var c = d
            c.array = a
            c.memory.dataBits = o.memWidth ?? d.memory.dataBits
            // Requests of at most 4 KiB (AXI's burst limit) at any beat width.
            c.memory.maxBeats = min(d.memory.maxBeats, 4096 / c.memory.beatBytes)
            return c
        },
        elaborate: { cfg, style, prefix in
            try Design.elaborate(try SparseTrainSystem.build(cfg), parameters: cfg.parameters, style: style, modulePrefix: prefix)
        },
        gemm: nil)
}
