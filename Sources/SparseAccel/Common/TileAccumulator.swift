import HWCore

/// The accumulator every output-stationary PE ends in: it sums the contributions of one output
/// tile and, on the tile's last beat, hands the sum to a result register and starts the next
/// tile from zero — so the array computes tile t+1 while tile t's results are read out.
///
/// Contract (one clock; `valid`, `last` qualify `contribution` in the same cycle):
/// * `acc_q` (reset 0): on a valid beat, `acc_q + contribution`, or 0 after a last beat;
/// * `result_q` (no reset: only read after a last beat): on a valid last beat,
///   `acc_q + contribution` — the finished tile, stable until the next tile's last beat;
/// * the sum wraps at `accWidth` bits (two's complement), as the golden model's GEMMs do.
public struct TileAccumulator {
    /// The finished tile's sum (`result_q`).
    public let result: Signal

    /// Builds the registers in `module` (names `acc_next`, `acc_q`, `result_q`).
    public init(in module: Module, contribution: Signal, valid: Signal, last: Signal, accWidth: Int,
                file: String = #fileID, line: Int = #line) {
        let acc = module.reg("acc_q", .sint(accWidth), reset: 0, file: file, line: line)
        let next = module.wire("acc_next", acc &+ contribution.extended(to: accWidth, file: file, line: line), file: file, line: line)
        let result = module.reg("result_q", .sint(accWidth), reset: .none, file: file, line: line)
        module.when(valid, file: file, line: line) {
            acc.assign(mux(last, 0, next), file: file, line: line)
            module.when(last, file: file, line: line) { result.assign(next, file: file, line: line) }
        }
        self.result = result
    }
}
