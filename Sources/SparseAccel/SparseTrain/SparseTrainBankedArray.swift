import HWCore

/// The SparseTrain array with ping-pong memories and parallel load and read-out ports, for a
/// compute unit that feeds it from on-chip buffers (``SparseTrainComputeUnit``): R × C
/// ``SparseTrainCell``s with two banks each (``SparseTrainConfig/banks`` = 2), so one bank is
/// loaded and drained while the other runs.
///
/// Contract (one clock, synchronous active-high reset):
/// * `ld_en`: word `ld_addr` of bank `ld_bank` of every PE is written at once, PE i (= r·C + c)
///   from `ld_words` bits i·B ..< (i+1)·B (B = the entry word's bits, ``SparseTrainEntryLayout``).
///   `ld_count_en`: every PE's entry count of bank `ld_bank` is set, PE i's from `ld_counts` bits
///   i·W ..< (i+1)·W (W = ``SparseTrainConfig/countWidth``). A load into the bank of the run in
///   progress is ignored (the caller never does it).
/// * `start` (one cycle, with `bank` and `stride_log2`) runs every PE's queue of bank `bank`,
///   as ``SparseTrainArray`` does: `busy` until the first cycle in which every PE has finished,
///   `done` from the cycle after until the next `start`, `cycles` the run's busy cycles
///   (``SparseModel/SparseTrainCycleModel/runCycles(_:)``). Results go to bank `bank`'s slots.
/// * Read-out: `rd_slot`, `rd_bank` select a result slot of every PE, read in a cycle with
///   `rd_en`; one clock later `rd_word` holds the P accumulators of that slot of PE `rd_pe`
///   (accumulator x at bits x·A ..< (x+1)·A, A = the accumulator width; `rd_pe` is
///   combinational), until the next read. Reading one bank while the other runs is allowed.
public enum SparseTrainBankedArray {
    public struct Ports: Interface {
        @Input(.bool) public var ldEn: Signal
        @Input(.bool) public var ldCountEn: Signal
        @Input(.bool) public var ldBank: Signal
        @Input public var ldAddr: Signal
        @Input public var ldWords: Signal
        @Input public var ldCounts: Signal
        @Input(.bool) public var start: Signal
        @Input(.bool) public var bank: Signal
        @Input public var strideLog2: Signal
        @Output(.bool) public var busy: Signal
        @Output(.bool) public var done: Signal
        @Output public var cycles: Signal
        @Input public var rdSlot: Signal
        @Input(.bool) public var rdBank: Signal
        @Input(.bool) public var rdEn: Signal
        @Input public var rdPe: Signal
        @Output public var rdWord: Signal

        public init(_ cfg: SparseTrainConfig) {
            let pes = cfg.rows * cfg.cols
            _ldAddr = Input(.uint(cfg.addrWidth))
            _ldWords = Input(.uint(pes * cfg.wordBits))
            _ldCounts = Input(.uint(pes * cfg.countWidth))
            _strideLog2 = Input(.uint(2))
            _cycles = Output(.uint(SparseTrainConfig.cycleCounterWidth))
            _rdSlot = Input(.uint(cfg.slotWidth))
            _rdPe = Input(.uint(cfg.peSelWidth))
            _rdWord = Output(.uint(cfg.outputs * cfg.accWidth))
        }
    }

    public static func build(_ cfg: SparseTrainConfig) throws -> Definition<Ports> {
        try cfg.validate()
        guard cfg.banks == 2 else { throw ConfigError("the banked SparseTrain array needs 2 memory banks per PE, got \(cfg.banks)") }
        let pe = SparseTrainPE.build(cfg)
        let cell = SparseTrainCell.build(cfg, pe: pe)
        let m = Module(cfg.bankedTopName)
        m.doc = "SparseTrain array with ping-pong memories, \(cfg.rows)x\(cfg.cols) zero-skipping 1-D conv PEs, \(cfg.depth) entry words and \(cfg.slots) result slots per PE and bank; parallel load and read-out."
        let io = m.ports(Ports(cfg))
        let grid = InstanceGrid(in: m, of: cell, rows: cfg.rows, cols: cfg.cols) { r, c in "cell_\(r)_\(c)" }

        let busy = m.reg("busy_q", .bool, reset: 0)
        let done = m.reg("done_q", .bool, reset: 0)
        let count = m.reg("cycle_count", .uint(SparseTrainConfig.cycleCounterWidth), reset: 0)
        let stride = m.reg("stride_q", .uint(2), reset: 0)
        let bankQ = m.reg("bank_q", .bool, reset: 0)
        // The run's bank: from `start` (the cells prefetch in that cycle) to the end of the run.
        let runBank = m.wire("run_bank", mux(io.start, io.bank, bankQ))

        grid.broadcast(\.ldAddr, io.ldAddr)
        grid.broadcast(\.ldBank, io.ldBank)
        grid.broadcast(\.start, io.start)
        grid.broadcast(\.run, busy)
        grid.broadcast(\.bank, runBank)
        grid.broadcast(\.strideLog2, stride)
        grid.broadcast(\.rdSlot, io.rdSlot)
        grid.broadcast(\.rdBank, io.rdBank)
        grid.broadcast(\.rdEn, io.rdEn)
        let kind = m.wire("ld_kind", mux(io.ldCountEn, m.const(SparseTrainCell.kindCount, .uint(2)), m.const(SparseTrainCell.kindEntry, .uint(2))))
        grid.broadcast(\.ldKind, kind)
        let allowed = m.wire("ld_allowed", !busy || io.ldBank != bankQ)
        let sel = m.wire("ld_sel", (io.ldEn || io.ldCountEn) && allowed)
        grid.broadcast(\.ldSel, sel)
        let (wb, cw) = (cfg.wordBits, cfg.countWidth)
        for r in 0..<cfg.rows {
            for c in 0..<cfg.cols {
                let i = r * cfg.cols + c
                let word = io.ldWords.bits((i * wb)...((i + 1) * wb - 1))
                let cnt = io.ldCounts.bits((i * cw)...((i + 1) * cw - 1))
                grid[r, c].ldData.assign(m.wire("ld_data_\(r)_\(c)", mux(io.ldCountEn, cnt.resized(to: cfg.loadWidth), word.resized(to: cfg.loadWidth))))
            }
        }
        let finished = grid.collect(\.finished).flatMap { $0 }
        let all = m.wire("all_finished", finished.dropFirst().reduce(finished[0]) { $0 && $1 })
        m.when(io.start) {
            busy.assign(1)
            done.assign(0)
            count.assign(0)
            stride.assign(io.strideLog2)
            bankQ.assign(io.bank)
        }.elseWhen(busy) {
            count.assign(count &+ 1)
            m.when(all) {
                busy.assign(0)
                done.assign(1)
            }
        }
        io.busy.assign(busy)
        io.done.assign(done)
        io.cycles.assign(count)

        // Read-out: every cell's slot word, one selected by rd_pe.
        let rows = grid.collect(\.rdRow).flatMap { $0 }.map { row in Vec(Array(row).map { $0.asUInt }).packed! }
        io.rdWord.assign(Vec(rows).select(io.rdPe, default: m.const(0, .uint(cfg.outputs * cfg.accWidth))))
        return Definition(m, io)
    }
}
