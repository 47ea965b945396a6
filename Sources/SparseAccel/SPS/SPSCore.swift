import HWCore
import HWLib

/// The SPS conv core: the indexing unit (mod-P counter + pattern table), the im2col address
/// generator, and a dense R × C output-stationary systolic array (``OSArray``) that only ever
/// sees the non-zero weights. All pattern logic sits outside the array; its PEs are plain MACs.
///
/// Contract (one clock, synchronous active-high reset):
/// * Per layer: write the pattern table through `pt_we`/`pt_addr`/`pt_data`; hold `height`,
///   `width`, `plane` = H·W and `channels` = Ci.
/// * Per tile: present `phase` (the residue class of the tile's C filters), `w_base` (the tile's
///   first beat in the weight buffer) and `row_y0`/`row_x0`/`row_base` (each PE row's window
///   origin) with `start`, in a cycle where `ready` is 1; they are used in that cycle (`phase`,
///   `w_base`) and while the tile issues (the row origins: hold them for its G issue cycles).
///   `ready` is 0 while the indexing unit issues a tile, so the next tile may start the cycle after
///   the previous one's last issue (G + 1 cycles after its start) and stream in while the array
///   drains it. `busy` is 1 while any started tile has not shown `tile_done`.
/// * Buffers (the system's, outside the core): `act_addr[r]` and `w_addr` are registered; the
///   buffers answer on `act_data[r]` and `w_data` (C weights, beat-major packed stream) in the
///   next cycle, as a block RAM with a registered read does.
/// * Beat b of the tile enters the array at start + 3 + b (issue, address register, buffer read);
///   activations outside the input (padding) enter as 0. `tile_done` is high in the cycle the
///   last PE shows the tile, start + G + R + C + 2 (G = max(channels, 1)·n, ``SPSCycleModel``),
///   and `rd_row`/`rd_data` read the results until the next tile's last beat replaces them: a
///   tile started G + 1 cycles after this one leaves R + 1 read-out cycles after `tile_done` when
///   G ≥ R + C (else start the next tile the cycle after `tile_done`; the read-out overlaps it).
/// * `cycle_count` (32 bits): restarts at a start that finds no tile in flight, counts while
///   tiles are in flight and holds from the `tile_done` that leaves none: the cycles from a run's
///   first start to its last `tile_done` (one tile: that tile's), the core's own measure.
public enum SPSCore {
    public struct Ports: Interface {
        @Input(.bool) public var start: Signal
        @Input public var channels: Signal
        @Input public var phase: Signal
        @Input public var height: Signal
        @Input public var width: Signal
        @Input public var plane: Signal
        @Input public var wBase: Signal
        @Input public var rowY0: Vec
        @Input public var rowX0: Vec
        @Input public var rowBase: Vec
        @Input(.bool) public var ptWe: Signal
        @Input public var ptAddr: Signal
        @Input public var ptData: Signal
        @Output public var actAddr: Vec
        @Input public var actData: Vec
        @Output public var wAddr: Signal
        @Input public var wData: Vec
        @Input public var rdRow: Signal
        @Output public var rdData: Vec
        @Output(.bool) public var tileDone: Signal
        @Output(.bool) public var ready: Signal
        @Output(.bool) public var busy: Signal
        @Output public var cycleCount: Signal

        public init(_ cfg: SPSConfig) throws {
            let layout = try cfg.tableLayout
            let d = BitsType.sint(cfg.dataWidth)
            _channels = Input(.uint(cfg.chanBits))
            _phase = Input(.uint(cfg.patternIdBits))
            _height = Input(.uint(cfg.dimBits))
            _width = Input(.uint(cfg.dimBits))
            _plane = Input(.uint(cfg.actAddrBits))
            _wBase = Input(.uint(cfg.weightAddrBits))
            _rowY0 = Input(.sint(cfg.dimBits + 1), count: cfg.rows)
            _rowX0 = Input(.sint(cfg.dimBits + 1), count: cfg.rows)
            _rowBase = Input(.sint(cfg.actAddrBits + 1), count: cfg.rows)
            _ptAddr = Input(.uint(cfg.patternIdBits))
            _ptData = Input(.uint(layout.entryBits))
            _actAddr = Output(.uint(cfg.actAddrBits), count: cfg.rows)
            _actData = Input(d, count: cfg.rows)
            _wAddr = Output(.uint(cfg.weightAddrBits))
            _wData = Input(d, count: cfg.cols)
            _rdRow = Input(.uint(cfg.rowSelWidth))
            _rdData = Output(.sint(cfg.accWidth), count: cfg.cols)
            _cycleCount = Output(.uint(SPSConfig.cycleCounterBits))
        }
    }

    public static func build(_ cfg: SPSConfig) throws -> Definition<Ports> {
        try cfg.validate()
        let iuDef = try SPSIndexUnit.build(cfg)
        let agDef = SPSAddressGenerator.build(cfg)
        let arrayDef = try OSArray.build(cfg.array)
        let m = Module(cfg.topName)
        m.doc = "SPS conv core: \(cfg.rows)x\(cfg.cols) dense OS array fed by a mod-\(cfg.period) pattern indexing unit (\(cfg.patternNNZ) of \(cfg.kernelSize * cfg.kernelSize) kernel positions) and an im2col address generator."
        let io = m.ports(try Ports(cfg))

        let iu = m.instance(iuDef, "index_unit")
        // A tile may start as soon as the indexing unit has issued the previous one's last beat:
        // the array drains that tile while the next one streams in behind it.
        let ready = m.wire("ready_w", !iu.issue)
        let launch = m.wire("launch", io.start && ready)
        io.ready.assign(ready)
        iu.start.assign(launch)
        iu.channels.assign(io.channels)
        iu.phase.assign(io.phase)
        iu.plane.assign(io.plane)
        iu.width.assign(io.width)
        iu.ptWe.assign(io.ptWe)
        iu.ptAddr.assign(io.ptAddr)
        iu.ptData.assign(io.ptData)

        let ag = m.instance(agDef, "im2col")
        ag.issue.assign(iu.issue)
        ag.kh.assign(iu.kh)
        ag.kw.assign(iu.kw)
        ag.kernelOffset.assign(iu.kernelOffset)
        ag.height.assign(io.height)
        ag.width.assign(io.width)
        ag.rowY0.assign(io.rowY0)
        ag.rowX0.assign(io.rowX0)
        ag.rowBase.assign(io.rowBase)
        io.actAddr.assign(ag.actAddr)

        // The weight pointer walks the packed stream: no index, one beat per issued position.
        let wPtr = m.reg("w_ptr", .uint(cfg.weightAddrBits), reset: 0)
        m.when(launch) { wPtr.assign(io.wBase) }.elseWhen(iu.issue) { wPtr.assign(wPtr &+ 1) }
        io.wAddr.assign(m.reg("w_addr_q", next: wPtr, reset: 0))

        // Beat flags follow the addresses: +1 (address register) +1 (buffer read).
        let valid = ShiftRegister.delay(iu.issue, stages: 2, name: "valid_d", reset: 0)
        let last = ShiftRegister.delay(iu.last, stages: 2, name: "last_d", reset: 0)
        let inside = (0..<cfg.rows).map { r in m.reg("inside_d_\(r)", next: ag.inWindow[r], reset: 0) }
        // Padding reads enter as zeros.
        let rowOperand = (0..<cfg.rows).map { r in m.wire("act_\(r)", mux(inside[r], io.actData[r], 0)) }

        // The array wants row r and column c delayed by r and c cycles (systolic skew); the
        // lines reset to 0 so no unknown value ever reaches a product.
        let arr = m.instance(arrayDef, "array")
        arr.inRow.assign(Vec(ShiftRegister.skew(rowOperand, name: "row_skew", reset: 0)))
        arr.inValid.assign(Vec(ShiftRegister.skew([Signal](repeating: valid, count: cfg.rows), name: "valid_skew", reset: 0)))
        arr.inLast.assign(Vec(ShiftRegister.skew([Signal](repeating: last, count: cfg.rows), name: "last_skew", reset: 0)))
        arr.inCol.assign(Vec(ShiftRegister.skew(Array(io.wData), name: "col_skew", reset: 0)))
        arr.rdRow.assign(io.rdRow)
        io.rdData.assign(arr.rdData)
        let done = arr.tileDone
        io.tileDone.assign(done)

        // Tiles in flight (started, not yet done): at most ⌈(R + C + 3)/(G + 1)⌉ + 1.
        let inflight = m.reg("inflight_q", .uint(cfg.inflightBits), reset: 0)
        m.when(launch && !done) { inflight.assign(inflight &+ 1) }.elseWhen(done && !launch) { inflight.assign(inflight &- 1) }
        let idle = m.wire("idle", inflight == 0)
        io.busy.assign(!idle)

        // The run's clock: restarts at a start that finds the core idle, counts while tiles are in
        // flight, and stops at the tile_done that leaves none (so after a run it holds the cycles
        // from its first start to its last tile_done; with one tile, that tile's cycles).
        let count = m.reg("cycle_count_q", .uint(SPSConfig.cycleCounterBits), reset: 0)
        let finishing = m.wire("finishing", done && inflight == 1 && !launch)
        m.when(launch && idle) { count.assign(1) }.elseWhen(!idle && !finishing) { count.assign(count &+ 1) }
        io.cycleCount.assign(count)
        return Definition(m, io)
    }
}
