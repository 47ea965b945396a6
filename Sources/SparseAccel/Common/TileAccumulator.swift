import HWCore

/// The accumulator every output-stationary PE ends in: it sums the contributions of one output
/// tile and hands the finished sum to a result register, so the array computes tile t+1 while
/// tile t's results are read out.
///
/// Contract (one clock). Bubbles (invalid beats) reach the accumulator as zero contributions —
/// the arrays zero an invalid beat's operands at their edge — so the accumulator needs no valid
/// flag. `first` says that the previous beat at this accumulator closed a tile:
/// * `acc_q` (reset 0): `(first ? 0 : acc_q) + contribution` (wrapping at
///   `accWidth` bits, two's complement, as the golden model's GEMMs do);
/// * `result_q` (no reset: only read after a tile): loaded from `acc_q` when `first` — at that
///   moment `acc_q` still holds the finished tile — so it shows the tile from the second cycle
///   after its last beat until the next tile's: latency 2 from the last beat to `result`.
///
/// Why from the register a cycle later rather than from the adder, and why no per-PE valid
/// flag: every register then reads registers and one-use expressions only, and the holding
/// register (`result_q`) is emitted as `if (first) result_q <= acc_q;`, so Verilator updates
/// each in place without shadow copies; the 16x16 osarray simulates in 122 M instructions per
/// 20000 cycles, against 234 M with a per-PE valid/first/hold structure.
public struct TileAccumulator {
    /// The finished tile's sum (`result_q`).
    public let result: Signal
    /// Cycles from a tile's last beat reaching the accumulator to `result` showing it.
    public static let latency = 2

    /// Builds the registers in `module` (names `acc_q`, `result_q`).
    public init(in module: Module, contribution: Signal, first: Signal, accWidth: Int,
                file: String = #fileID, line: Int = #line) {
        let acc = module.reg("acc_q", .sint(accWidth), reset: 0, file: file, line: line)
        let result = module.reg("result_q", .sint(accWidth), reset: .none, file: file, line: line)
        let term = contribution.extended(to: accWidth, file: file, line: line)
        // The tile's first beat adds to zero rather than bypassing the adder: the adder's sum is
        // then the register's only input (reset aside), so FPGA packers put `acc_q` in the
        // carry chain's own slices; a multiplexer after the adder let nextpnr place the
        // flip-flops 20 columns from their carry chain (the 8x8 core's critical path).
        let kept = mux(first, 0, acc)
        acc.assign(kept &+ term, file: file, line: line)
        module.when(first, file: file, line: line) { result.assign(acc, file: file, line: line) }
        self.result = result
    }
}
