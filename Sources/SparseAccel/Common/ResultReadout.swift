import HWCore
import HWLib

/// The read-out of an output-stationary array: a registered row multiplexer over the PEs'
/// result registers, and the tile-done flag.
///
/// * `rdData[c]` shows, one cycle after `rdRow` selects row r, the finished result of PE (r, c)
///   (rows past R read 0 when R is not a power of two). The read path is registered, so no
///   combinational R:1 multiplexer reaches the top ports, and it reads the result registers, so
///   it overlaps the computation of the next tile.
/// * `tileDone` is the array's own protocol for "tile finished": the last-beat flag of the last
///   PE to finish, delayed to the cycle in which its result register shows the tile.
public enum ResultReadout {
    /// Drives `rdData` from `results[r][c]` (registered, no reset).
    public static func build(results: [[Signal]], rdRow: Signal, rdData: Vec, accWidth: Int,
                             file: String = #fileID, line: Int = #line) {
        let m = rdRow.owner
        let zero = m.const(0, .sint(accWidth), file: file, line: line)
        for c in 0..<rdData.count {
            let column = Vec(results.map { $0[c] })
            let q = m.reg("rd_data_q_\(c)", next: column.select(rdRow, default: zero, file: file, line: line), reset: .none,
                          file: file, line: line)
            rdData[c].assign(q, file: file, line: line)
        }
    }

    /// Drives `tileDone` with a tile-closing flag, delayed by `delay` cycles (to the cycle in
    /// which the last PE's result register shows the tile).
    public static func done(_ flag: Signal, delay: Int, into tileDone: Signal,
                            file: String = #fileID, line: Int = #line) {
        tileDone.assign(ShiftRegister.delay(flag, stages: delay, name: "done_d", reset: 0, file: file, line: line), file: file, line: line)
    }
}
