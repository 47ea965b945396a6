import HWCore

/// The accumulator every output-stationary PE ends in: it sums the contributions of one output
/// tile and hands the finished sum to a result register, so the array computes tile t+1 while
/// tile t's results are read out.
///
/// Contract (one clock; `valid`, `last` qualify `contribution` in the same cycle):
/// * `acc_q` (no reset): on a valid beat, the contribution plus the running sum — or plus 0 on
///   the first beat of a tile (`first_q`, reset 1, set by a last beat and cleared by any other
///   valid beat). The sum wraps at `accWidth` bits (two's complement), as the golden model's
///   GEMMs do.
/// * `result_q` (no reset: only read after a tile): loaded from `acc_q` while `first_q` is set —
///   between a tile's last beat and the next tile's first, when `acc_q` holds the finished sum
///   (and, at the next tile's first beat, still holds it: the register reads the old value). It
///   shows the finished tile from the second cycle after its last beat until the next tile's:
///   latency 2 from the last beat to `result`.
///
/// Why a cycle later, from the register rather than from the adder: every register then reads
/// only registers and its own one-use expression, so Verilator updates each in place (no shared
/// combinational sum, no shadow copies); synthesis sees the same adder and one more flip-flop.
public struct TileAccumulator {
    /// The finished tile's sum (`result_q`).
    public let result: Signal
    /// Cycles from a tile's last beat reaching the accumulator to `result` showing it.
    public static let latency = 2

    /// Builds the registers in `module` (names `first_q`, `acc_q`, `result_q`).
    public init(in module: Module, contribution: Signal, valid: Signal, last: Signal, accWidth: Int,
                file: String = #fileID, line: Int = #line) {
        let first = module.reg("first_q", .bool, reset: 1, file: file, line: line)
        let acc = module.reg("acc_q", .sint(accWidth), reset: .none, file: file, line: line)
        let result = module.reg("result_q", .sint(accWidth), reset: .none, file: file, line: line)
        module.when(valid, file: file, line: line) {
            first.assign(last, file: file, line: line)
            acc.assign(mux(first, 0, acc) &+ contribution.extended(to: accWidth, file: file, line: line), file: file, line: line)
        }
        module.when(first, file: file, line: line) { result.assign(acc, file: file, line: line) }
        self.result = result
    }
}
