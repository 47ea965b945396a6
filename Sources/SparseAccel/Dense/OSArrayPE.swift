import HWCore

/// The processing element of the dense output-stationary array.
///
/// Contract (one clock, synchronous active-high reset):
/// * `in_a` (SInt d) from the west with its beat's `in_last` flag; `in_b` (SInt d) from the
///   north. `out_a`, `out_last` (east) and `out_b` (south) pass them on through one register each:
///   one hop per cycle. All three reset to 0, so products are defined from the first cycle.
/// * Every beat accumulates `in_a * in_b` (exact product, sum wrapping at accWidth); the array
///   zeroes the operands of invalid beats at its edge, so a bubble adds nothing. The beat after
///   a last beat (`last_q` set) starts the next tile, and the finished one moves to `result`
///   (``TileAccumulator``: latency 2 from the last beat).
public enum OSArrayPE {
    /// The PE's ports.
    public struct Ports: Interface {
        @Input public var inA: Signal
        @Input public var inB: Signal
        @Input(.bool) public var inLast: Signal
        @Output public var outA: Signal
        @Output public var outB: Signal
        @Output(.bool) public var outLast: Signal
        @Output public var result: Signal

        public init(_ cfg: OSArrayConfig) {
            let d = BitsType.sint(cfg.dataWidth)
            _inA = Input(d)
            _inB = Input(d)
            _outA = Output(d)
            _outB = Output(d)
            _result = Output(.sint(cfg.accWidth))
        }
    }

    public static func build(_ cfg: OSArrayConfig) -> Definition<Ports> {
        let m = Module(cfg.peName)
        m.doc = "Dense output-stationary PE: acc += in_a * in_b, the finished tile to result after a last beat; operands pass east/south through one register."
        let io = m.ports(Ports(cfg))
        // Operand hops reset to 0: every beat accumulates, so no unknown value may reach a product
        // (a four-state simulator would carry an X into the accumulator).
        io.outA.assign(m.reg("a_q", next: io.inA, reset: 0))
        io.outB.assign(m.reg("b_q", next: io.inB, reset: 0))
        // The hop register of the beat flag is also "the previous beat here closed a tile".
        let lastQ = m.reg("last_q", next: io.inLast, reset: 0)
        io.outLast.assign(lastQ)
        let prod = m.wire("prod", io.inA * io.inB)
        io.result.assign(TileAccumulator(in: m, contribution: prod, first: lastQ, accWidth: cfg.accWidth).result)
        return Definition(m, io)
    }
}
