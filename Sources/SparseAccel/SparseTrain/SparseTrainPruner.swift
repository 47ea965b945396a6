import Formats
import HWCore

/// Configuration of the stochastic gradient-pruning unit: `lanes` gradients per beat (one LFSR
/// lane per PE column), SInt(`gradientWidth`) gradients.
public struct SparseTrainPrunerConfig: Codable, Sendable, Hashable {
    public var lanes: Int
    public var gradientWidth: Int

    public init(lanes: Int = 4, gradientWidth: Int = 16) {
        self.lanes = lanes
        self.gradientWidth = gradientWidth
    }

    public func validate() throws {
        try Check.range(lanes, 1...64, "pruner lanes")
        try Check.range(gradientWidth, 2...24, "gradient width")
    }

    public static let coefficientWidth = 32
    public static let sumWidth = 40
    public var name: String { "sparsetrain_prune_l\(lanes)_g\(gradientWidth)" }
}

/// SparseTrain's stochastic activation-gradient pruning unit (the rule and fixed point of
/// `SparseModel.GradientPruner`, bit for bit).
///
/// Contract (one clock, synchronous active-high reset):
/// * `seed_load` loads lane l's LFSR with ``SparseTrainLFSR/seed(base:lane:)`` of `seed_base`
///   and zeroes `sum_abs`; `sum_clear` (with a batch's first beat) restarts `sum_abs` at that beat.
/// * A beat: `in_valid[l]` marks lane l's gradient `in_grad[l]`. A valid lane draws r (16 LFSR
///   steps, low 16 bits) and outputs, one cycle later on `out_grad[l]` with `out_valid[l]`:
///   g if |g| ≥ `tau`, else sign(g)·τ if r·τ < |g|·2^16, else 0. Invalid lanes hold their LFSR.
/// * `sum_abs` accumulates |g| of every valid gradient (wrapping at 40 bits); `tau_next` =
///   (sum_abs · `tau_coef`) >> 32, saturated to 2^(gw−1) − 1: the threshold of the next batch.
public enum SparseTrainPruner {
    public struct Ports: Interface {
        @Input(.bool) public var seedLoad: Signal
        @Input public var seedBase: Signal
        @Input(.bool) public var sumClear: Signal
        @Input public var tau: Signal
        @Input public var tauCoef: Signal
        @Input public var inValid: Vec
        @Input public var inGrad: Vec
        @Output public var outValid: Vec
        @Output public var outGrad: Vec
        @Output public var sumAbs: Signal
        @Output public var tauNext: Signal

        public init(_ cfg: SparseTrainPrunerConfig) {
            _seedBase = Input(.uint(32))
            _tau = Input(.uint(cfg.gradientWidth - 1))
            _tauCoef = Input(.uint(SparseTrainPrunerConfig.coefficientWidth))
            _inValid = Input(.bool, count: cfg.lanes)
            _inGrad = Input(.sint(cfg.gradientWidth), count: cfg.lanes)
            _outValid = Output(.bool, count: cfg.lanes)
            _outGrad = Output(.sint(cfg.gradientWidth), count: cfg.lanes)
            _sumAbs = Output(.uint(SparseTrainPrunerConfig.sumWidth))
            _tauNext = Output(.uint(cfg.gradientWidth - 1))
        }
    }

    public static func build(_ cfg: SparseTrainPrunerConfig) throws -> Definition<Ports> {
        try cfg.validate()
        let m = Module(cfg.name)
        m.doc = "SparseTrain stochastic gradient pruning: per-lane LFSR (x^32+x^22+x^2+x+1, 16 steps per draw), |g| vs tau, sign*tau substitution with probability |g|/tau, sum |g| for the next tau."
        let io = m.ports(Ports(cfg))
        let gw = cfg.gradientWidth
        let sw = SparseTrainPrunerConfig.sumWidth
        let tauU = io.tau.extended(to: gw)
        let tauS = io.tau.asSigned
        let negTau = m.wire("neg_tau", (-tauS).truncated(to: gw))
        var absTerms: [Signal] = []
        for l in 0..<cfg.lanes {
            let state = m.reg("lfsr_\(l)", .uint(32), reset: 1)
            var next = state
            for _ in 0..<SparseTrainLFSR.stepsPerDraw {
                next = (next >> 1).extended(to: 32) ^ mux(next.bit(0), m.const(Int(SparseTrainLFSR.feedback), .uint(32)), m.const(0, .uint(32)))
            }
            let drawn = m.wire("lfsr_next_\(l)", next)
            let seed = m.wire("seed_\(l)", io.seedBase ^ m.const(Int(SparseTrainLFSR.seed(base: 0, lane: l)), .uint(32)))
            m.when(io.seedLoad) { state.assign(mux(seed == 0, m.const(1, .uint(32)), seed)) }
                .elseWhen(io.inValid[l]) { state.assign(drawn) }
            let r = m.wire("draw_\(l)", drawn.bits(0...15))
            let g = io.inGrad[l]
            let a = m.wire("abs_\(l)", mux(g.msb, (-g).truncated(to: gw).asUInt, g.asUInt))
            let keep = a >= tauU
            let substitute = m.wire("substitute_\(l)", r * tauU < (a << 16))
            let pruned = mux(keep, g, mux(substitute, mux(g.msb, negTau, tauS), m.const(0, .sint(gw))))
            io.outGrad[l].assign(m.reg("out_grad_q_\(l)", next: pruned, reset: 0))
            io.outValid[l].assign(m.reg("out_valid_q_\(l)", next: io.inValid[l], reset: 0))
            absTerms.append(mux(io.inValid[l], a, m.const(0, .uint(gw))).extended(to: sw))
        }
        let sum = m.reg("sum_abs_q", .uint(sw), reset: 0)
        let beat = absTerms.dropFirst().reduce(absTerms[0]) { $0 &+ $1 }
        // A batch's first beat comes with sum_clear: the sum restarts with that beat.
        m.when(io.seedLoad) { sum.assign(0) }
            .elseWhen(io.sumClear) { sum.assign(beat) }
            .otherwise { sum.assign(sum &+ beat) }
        io.sumAbs.assign(sum)
        let scaled = m.wire("tau_scaled", (sum * io.tauCoef) >> 32)
        let maxTau = (1 << (gw - 1)) - 1
        io.tauNext.assign(mux(scaled > maxTau, m.const(maxTau, .uint(gw - 1)), scaled.resized(to: gw - 1)))
        return Definition(m, io)
    }
}
