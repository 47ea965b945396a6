import HWCore

/// The SparseTrain array: R × C ``SparseTrainCell``s (PE rows = output rows, PE columns = output
/// channels in the geometric mapping; any work item can go to any PE), a done protocol and a
/// cycle counter.
///
/// Contract (one clock, synchronous active-high reset):
/// * Load (while not busy): `ld_kind` 1/2 with `ld_pe` (PE index r·C + c), `ld_addr`, `ld_data`
///   writes an entry word / the entry count of that PE (``SparseTrainCell``): the PE's queue of
///   work items (at most `slots`), back to back.
/// * `start` (one cycle, with `stride_log2`) starts a run: every PE streams its queue, item after
///   item without a bubble, writing each item's accumulators to its next result slot. The run
///   ends in the first cycle in which every PE has finished; `done` rises the cycle after and
///   stays high until the next `start`; `busy` is high in between.
/// * `cycles` counts the cycles in which the run was busy (the design's own count, compared with
///   the golden model's): `SparseTrainCycleModel.runCycles`.
/// * `rd_slot` selects a result slot in every PE (its word appears one clock later); then
///   `rd_pe`, `rd_idx` → `rd_data`: accumulator `rd_idx` of that slot of PE `rd_pe`
///   (combinational from the slot's word; valid while done).
public enum SparseTrainArray {
    public struct Ports: Interface {
        @Input public var ldKind: Signal
        @Input public var ldPe: Signal
        @Input public var ldAddr: Signal
        @Input public var ldData: Signal
        @Input(.bool) public var start: Signal
        @Input public var strideLog2: Signal
        @Output(.bool) public var busy: Signal
        @Output(.bool) public var done: Signal
        @Output public var cycles: Signal
        @Input public var rdSlot: Signal
        @Input public var rdPe: Signal
        @Input public var rdIdx: Signal
        @Output public var rdData: Signal

        public init(_ cfg: SparseTrainConfig) {
            _ldKind = Input(.uint(2))
            _ldPe = Input(.uint(cfg.peSelWidth))
            _ldAddr = Input(.uint(cfg.addrWidth))
            _ldData = Input(.uint(cfg.loadWidth))
            _strideLog2 = Input(.uint(2))
            _cycles = Output(.uint(SparseTrainConfig.cycleCounterWidth))
            _rdSlot = Input(.uint(cfg.slotWidth))
            _rdPe = Input(.uint(cfg.peSelWidth))
            _rdIdx = Input(.uint(cfg.outSelWidth))
            _rdData = Output(.sint(cfg.accWidth))
        }
    }

    public static func build(_ cfg: SparseTrainConfig) throws -> Definition<Ports> {
        try cfg.validate()
        let pe = SparseTrainPE.build(cfg)
        let cell = SparseTrainCell.build(cfg, pe: pe)
        let m = Module(cfg.topName)
        m.doc = "SparseTrain array, \(cfg.rows)x\(cfg.cols) zero-skipping 1-D conv PEs, SInt(\(cfg.dataWidth)) operands, \(cfg.taps)-tap kernel rows, \(cfg.outputs) SInt(\(cfg.accWidth)) accumulators per PE, queues of up to \(cfg.slots) work items per PE and run."
        let io = m.ports(Ports(cfg))
        let grid = InstanceGrid(in: m, of: cell, rows: cfg.rows, cols: cfg.cols) { r, c in "cell_\(r)_\(c)" }

        let busy = m.reg("busy_q", .bool, reset: 0)
        let done = m.reg("done_q", .bool, reset: 0)
        let count = m.reg("cycle_count", .uint(SparseTrainConfig.cycleCounterWidth), reset: 0)
        let stride = m.reg("stride_q", .uint(2), reset: 0)

        grid.broadcast(\.ldKind, io.ldKind)
        grid.broadcast(\.ldAddr, io.ldAddr)
        grid.broadcast(\.ldData, io.ldData)
        grid.broadcast(\.start, io.start)
        grid.broadcast(\.run, busy)
        grid.broadcast(\.strideLog2, stride)
        grid.broadcast(\.rdSlot, io.rdSlot)
        grid.broadcast(\.rdEn, m.trueSignal)
        // One bank: the bank inputs are unused.
        let bank0 = m.falseSignal
        grid.broadcast(\.ldBank, bank0)
        grid.broadcast(\.bank, bank0)
        grid.broadcast(\.rdBank, bank0)
        for r in 0..<cfg.rows {
            for c in 0..<cfg.cols {
                grid[r, c].ldSel.assign(m.wire("ld_sel_\(r)_\(c)", !busy && io.ldPe == r * cfg.cols + c))
            }
        }
        let finished = grid.collect(\.finished).flatMap { $0 }
        let all = m.wire("all_finished", finished.dropFirst().reduce(finished[0]) { $0 && $1 })
        m.when(io.start) {
            busy.assign(1)
            done.assign(0)
            count.assign(0)
            stride.assign(io.strideLog2)
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

        // Read-out: index = rd_pe · P + rd_idx (P is a power of two).
        let accs = grid.collect(\.rdRow).flatMap { $0 }.flatMap { Array($0) }
        let index = m.wire("rd_index", cat(io.rdPe, io.rdIdx))
        io.rdData.assign(Vec(accs).select(index, default: m.const(0, .sint(cfg.accWidth))))
        return Definition(m, io)
    }
}
