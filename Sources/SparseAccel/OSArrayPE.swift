import HWCore

/// The processing element of the dense output-stationary array.
///
/// Contract (one clock, synchronous active-high reset):
/// * `in_a`, `in_b` (SInt dataWidth): operands arriving from the west / north.
/// * `out_a`, `out_b`: the operands registered once (one register per hop), to the east / south.
/// * `acc` (SInt accWidth): the accumulator. Each enabled cycle, acc += in_a * in_b (the
///   product is exact, the sum wraps at accWidth). `clear` zeroes it and takes priority over
///   accumulation; operands still move while `en`.
/// * With `en` low nothing changes.
public enum OSArrayPE {
    public static func build(_ cfg: OSArrayConfig) -> Module {
        let m = Module(cfg.peName)
        m.doc = "Dense output-stationary PE: acc += in_a * in_b; operands pass east/south through one register."
        let d = BitsType.sint(cfg.dataWidth)
        let inA = m.input("in_a", d)
        let inB = m.input("in_b", d)
        let en = m.input("en", .bool)
        let clear = m.input("clear", .bool)
        let outA = m.output("out_a", d)
        let outB = m.output("out_b", d)
        let acc = m.output("acc", .sint(cfg.accWidth))

        let aQ = m.reg("a_q", next: inA, reset: 0, enable: en)
        let bQ = m.reg("b_q", next: inB, reset: 0, enable: en)
        let prod = m.wire("prod", inA * inB)
        let accQ = m.reg("acc_q", .sint(cfg.accWidth), reset: 0)
        m.when(clear) {
            accQ.assign(0)
        }.elseWhen(en) {
            accQ.assign(accQ &+ prod.extended(to: cfg.accWidth))
        }
        outA.assign(aQ)
        outB.assign(bQ)
        acc.assign(accQ)
        return m
    }
}
