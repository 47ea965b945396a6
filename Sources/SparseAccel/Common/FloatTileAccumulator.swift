import Formats
import HWCore
import HWLib

/// The float form of ``TileAccumulator`` (same protocol, same latency 2): an fp32 accumulator
/// whose additions are ``HWLib/FloatAdder``s, rounded to nearest even.
///
/// * `acc_q` (reset +0): `contribution` when `first` (the tile's first beat is loaded, not added
///   to +0, so a tile whose sums are all −0 stays −0), else `acc_q + contribution`;
/// * `result_q` (no reset): loaded from `acc_q` when `first`.
/// The golden model (`SparseModel.FloatGEMM`) accumulates in the same order: the beats of a tile
/// one after another, starting from the first beat's sum.
public struct FloatTileAccumulator {
    /// The finished tile's sum (`result_q`), UInt(32) fp32.
    public let result: Signal

    /// Builds the registers and the adder in `module` (names `acc_q`, `result_q`, `acc_add_...`).
    public init(in module: Module, contribution: Signal, first: Signal, subnormals: SubnormalMode,
                file: String = #fileID, line: Int = #line) throws {
        let width = FloatFormat.fp32.width
        let acc = module.reg("acc_q", .uint(width), reset: 0, file: file, line: line)
        let result = module.reg("result_q", .uint(width), reset: .none, file: file, line: line)
        let sum = try FloatAdder.add(acc, contribution, .init(subnormals: subnormals), name: "acc_add", file: file, line: line)
        acc.assign(mux(first, contribution, sum), file: file, line: line)
        module.when(first, file: file, line: line) { result.assign(acc, file: file, line: line) }
        self.result = result
    }
}
