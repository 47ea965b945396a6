import Formats
import HWCore
import HWLib

/// The unified dense / N:M processing element of the SAT array (output stationary).
///
/// Contract (one clock, synchronous active-high reset):
/// * `in_w` (N x SInt d, packed, lane 0 in the low bits) and `in_idx` (N x UInt ⌈log2 M⌉): the
///   compressed sparse operand of this beat (broadcast along the PE row).
/// * `in_x` (M x SInt d, packed): a group of M elements of the dense operand, arriving from the
///   north; `out_x` passes it south through one register (one hop per cycle, no reset).
/// * `in_first` (broadcast along the PE row): the previous beat at this PE's accumulator closed
///   a tile (the indexing unit times it, pipeline latency included; with the entry stage the PE
///   registers it once more, in `first_q`, and the indexing unit sends it a cycle earlier).
///   Bubbles arrive as zero weights, so every beat is accumulated.
/// * `mode`: 1 = sparse: lane j multiplies `in_w[j]` by `in_x[in_idx[j]]` (N M:1 multiplexers),
///   a group of M dense elements per beat; 0 = dense: the multiplexers are identity, lane j
///   multiplies `in_w[j]` by `in_x[j]` (N elements per beat; lanes N..M-1 unused).
/// * The beat's sum Σ_j product_j (products exact, the adder tree exact) goes to the
///   ``TileAccumulator``, which starts a tile on `in_first` and moves the finished one to
///   `result`.
/// * ``PEPipeline`` registers between multiplexers, multipliers, adder tree and accumulator add
///   `pipeline.latency` cycles between a beat's arrival and its accumulation (no reset: data
///   only). With the operand and product registers (`in` and `mul`; `full`, the default, has every
///   stage), each lane is one ``HWLib/PipelinedMultiplier`` (`mul_j`: `a_q`, `b_q`, `p_q`), which
///   ECP5 synthesis maps to a MULT18X18D with its internal registers.
/// * Float numerics (``SATNumerics/bf16``, ``SATNumerics/fp16``): the SInt(16) operand ports and the
///   SInt(32) result carry IEEE bit patterns. Lane j's product is an exact bf16/fp16 × → fp32
///   ``HWLib/FloatMultiplier``; the N products are summed by a ``HWLib/FloatAdderTree`` (pairs left
///   to right per level: (p0 + p1) + (p2 + p3) ...), and the beat's sum by a
///   ``FloatTileAccumulator`` (a tile's first beat loads, later beats add in order); every fp32
///   addition rounds to nearest even, NaNs are 0x7FC00000, subnormals per `cfg.subnormals`. The
///   float units are combinational, so the PE's latency and the cycle model are the integer PE's.
///   Bubbles arrive as −0 weights (``SparseIndexUnit``), whose products and sums add exactly
///   nothing.
public enum SparsePE {
    /// The PE's ports.
    public struct Ports: Interface {
        @Input public var inW: Vec
        @Input public var inIdx: Vec
        @Input public var inX: Vec
        @Input(.bool) public var inFirst: Signal
        @Input(.bool) public var mode: Signal
        @Output public var outX: Vec
        @Output public var result: Signal

        public init(_ cfg: SATConfig) {
            let d = BitsType.sint(cfg.dataWidth)
            _inW = Input(d, count: cfg.n)
            _inIdx = Input(.uint(cfg.indexBits), count: cfg.n)
            _inX = Input(d, count: cfg.m)
            _outX = Output(d, count: cfg.m)
            _result = Output(.sint(cfg.accWidth))
        }
    }

    public static func build(_ cfg: SATConfig) throws -> Definition<Ports> {
        let mod = Module(cfg.peName)
        let numbers = cfg.numerics.format.map { "\($0) x \($0) -> fp32 multipliers (\(cfg.subnormals) subnormals)" } ?? "multipliers"
        mod.doc = "Unified dense/\(cfg.n):\(cfg.m) PE: \(cfg.n) \(numbers) fed by \(cfg.m):1 index multiplexers, an adder tree, an accumulator"
            + (cfg.pipeline.latency == 0 ? "." : "; pipeline registers: \(cfg.pipeline).")
        let io = mod.ports(Ports(cfg))
        let xq = (0..<cfg.m).map { i in mod.reg("x_q_\(i)", next: io.inX[i], reset: .none) }
        for i in 0..<cfg.m { io.outX[i].assign(xq[i]) }

        // A pipeline stage: registers (data only, no reset) or wires.
        func stage(_ on: Bool, _ name: String, _ values: [Signal]) -> [Signal] {
            guard on else { return values }
            return values.enumerated().map { j, v in mod.reg("\(name)_q_\(j)", next: v, reset: .none) }
        }
        // The entry stage: this PE's own copy of the row's weights and indices; the dense
        // operand is then the PE's x_q, which holds the same beat's elements one cycle later.
        let weights = stage(cfg.pipeline.atEntry, "w", Array(io.inW))
        let indices = stage(cfg.pipeline.atEntry, "idx", Array(io.inIdx))
        let x = cfg.pipeline.atEntry ? Vec(xq) : io.inX
        // ... and of the row's tile flag, which otherwise fans out from the indexing unit to every
        // accumulator bit of the row (ECP5 4x4: the critical path once the accumulator's
        // flip-flops sit in its carry chain). The indexing unit delays the flag one cycle less.
        let first = cfg.pipeline.atEntry ? mod.reg("first_q", next: io.inFirst, reset: 1) : io.inFirst
        // ... and of the array's mode, which reaches every index multiplexer of the array (ECP5
        // 8x8: 5.4 ns of routing in a 6.5 ns path). The entry stage already makes the
        // multiplexers work a cycle after a beat arrives, so the mode still applies from the
        // cycle after the array is given it.
        let mode = cfg.pipeline.atEntry ? mod.reg("mode_q", next: io.mode, reset: .none) : io.mode
        // Sparse: the kept entry's index picks its dense element; dense: identity.
        let selected = (0..<cfg.n).map { j in mod.wire("sel_\(j)", mux(mode, x[indices[j]], x[j])) }
        // The mux stage registers the weights with the selected elements (fabric flip-flops).
        let operands = stage(cfg.pipeline.afterMux, "op", weights + selected)
        if let format = cfg.numerics.format {
            let inputs = stage(cfg.pipeline.beforeMultiply, "in", operands)
            let w = Array(inputs[0..<cfg.n]), picked = Array(inputs[cfg.n...])
            let mul = FloatMultiplier.Config(format: format, subnormals: cfg.subnormals)
            let add = FloatAdder.Config(subnormals: cfg.subnormals)
            var products = try (0..<cfg.n).map { j in
                mod.wire("prod_\(j)", try FloatMultiplier.multiply(w[j].asUInt, picked[j].asUInt, mul, name: "mul_\(j)"))
            }
            products = stage(cfg.pipeline.afterMultiply, "prod", products)
            products = stage(cfg.pipeline.routeProducts, "route", products)
            let sum = stage(cfg.pipeline.afterAdderTree, "sum", [mod.wire("sum", try FloatAdderTree.sum(products, config: add, name: "tree"))])[0]
            io.result.assign(try FloatTileAccumulator(in: mod, contribution: sum, first: first, subnormals: cfg.subnormals).result.asSInt)
            return Definition(mod, io)
        }
        var products: [Signal]
        if cfg.pipeline.pipelinedMultiplier {
            // Operand and product registers around the multiplier: one PipelinedMultiplier per
            // lane, which an ECP5 flow maps to a MULT18X18D with its own registers (no fabric
            // flip-flop on either side of the DSP's 3.9 ns multiply).
            let mul = try PipelinedMultiplier.build(a: .sint(cfg.dataWidth), b: .sint(cfg.dataWidth))
            products = (0..<cfg.n).map { j in
                let unit = mod.instance(mul, "mul_\(j)")
                unit.a.assign(operands[j])
                unit.b.assign(operands[cfg.n + j])
                return unit.p
            }
        } else {
            let inputs = stage(cfg.pipeline.beforeMultiply, "in", operands)
            let w = Array(inputs[0..<cfg.n]), picked = Array(inputs[cfg.n...])
            products = (0..<cfg.n).map { j in mod.wire("prod_\(j)", w[j] * picked[j]) }
            products = stage(cfg.pipeline.afterMultiply, "prod", products)
        }
        products = stage(cfg.pipeline.routeProducts, "route", products)
        let sum = stage(cfg.pipeline.afterAdderTree, "sum", [mod.wire("sum", AdderTree.sum(products)!)])[0]
        io.result.assign(TileAccumulator(in: mod, contribution: sum, first: first, accWidth: cfg.accWidth).result)
        return Definition(mod, io)
    }
}
