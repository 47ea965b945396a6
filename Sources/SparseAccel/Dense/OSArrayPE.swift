import HWCore

/// The processing element of the dense output-stationary array.
///
/// Contract (one clock, synchronous active-high reset):
/// * `in_a` (SInt d) from the west with its beat flags `in_valid`, `in_last`; `in_b` (SInt d)
///   from the north. `out_a`, `out_valid`, `out_last` (east) and `out_b` (south) pass them on
///   through one register each: one hop per cycle. Operand registers have no reset (a beat is
///   qualified by `valid`, which resets to 0).
/// * On a valid beat the PE accumulates `in_a * in_b` (exact product, sum wrapping at accWidth);
///   on a valid last beat the finished tile moves to `result` and the next tile starts from 0
///   (``TileAccumulator``). Invalid beats (bubbles) change nothing but the hop registers.
public enum OSArrayPE {
    /// The PE's ports.
    public struct Ports: Interface {
        @Input public var inA: Signal
        @Input public var inB: Signal
        @Input(.bool) public var inValid: Signal
        @Input(.bool) public var inLast: Signal
        @Output public var outA: Signal
        @Output public var outB: Signal
        @Output(.bool) public var outValid: Signal
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
        m.doc = "Dense output-stationary PE: acc += in_a * in_b on valid beats, result on the last; operands pass east/south through one register."
        let io = m.ports(Ports(cfg))
        io.outA.assign(m.reg("a_q", next: io.inA, reset: .none))
        io.outB.assign(m.reg("b_q", next: io.inB, reset: .none))
        io.outValid.assign(m.reg("valid_q", next: io.inValid, reset: 0))
        io.outLast.assign(m.reg("last_q", next: io.inLast, reset: .none))
        let prod = m.wire("prod", io.inA * io.inB)
        let acc = TileAccumulator(in: m, contribution: prod, valid: io.inValid, last: io.inLast, accWidth: cfg.accWidth)
        io.result.assign(acc.result)
        return Definition(m, io)
    }
}
