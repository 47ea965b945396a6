import Formats
import HWCore
import HWLib

/// The SPS compute unit: executes CONV instructions (``Formats/Instruction/ConvOp``) on the SPS
/// conv core (``SPSCore``) with the line buffer (``SPSLineBuffer``), reading XBUF and WBUF and
/// writing finished tiles into OBUF for the store unit.
///
/// Contract (``ComputePorts``):
/// * `insn`: CONV instructions, one at a time, accepted when the previous one has completed (the
///   cycle after). An instruction first waits for its tokens (`popPrev`: load → compute,
///   `popNext`: store → compute) and for the engine:
///   * **layer** (kind 1) and **fill** (kind 2) wait until no tile is in flight and no drain is
///     left (they change what running tiles read), then take their tokens and start the next
///     cycle: one WBUF (layer) or XBUF (fill) read per cycle, `P + 1` or `entries` cycles; the read
///     entry is written one cycle later (descriptor registers and pattern table entry q, or line
///     buffer entry `lineBase + i`). The instruction completes in the cycle of its last read:
///     `givePrev` if `pushPrev`, `giveNext` if `pushNext`.
///   * **tile** (kind 0) starts the core (takes its tokens and launches in the same cycle) when
///     the core is `ready`, a drain slot is free and either G ≥ R + C (G = max(Ci, 1)·n, the
///     core overlaps consecutive tiles) or no tile is in flight. It completes at the launch. The
///     core then issues G beats (the `beat` signal) from the line buffer and WBUF entries
///     `wBase ...` (weight beat k in lane k mod B of entry `wBase + k / B`, B =
///     ``SPSSystemConfig/weightBeatsPerEntry``); in the first cycle after its last beat's read
///     (the core is `ready` again) the unit gives `givePrev` if `pushPrev`. On the tile's
///     `tile_done` its R rows are read out (`rd_row` r one cycle after `tile_done` + r) and row r
///     is written to OBUF `oBase + r` a cycle later; after the last row `giveNext` if `pushNext`.
/// * PE row r of a tile computes the r-th output pixel after (`pixelRow`, `pixelCol`) in
///   row-major order (wrapping at Wo; rows past the layer's last pixel compute values nobody
///   stores): its window origin (y0, x0) = (oh·S − padTop, ow·S − pad) and flattened offset
///   y0·W + x0, computed from the instruction when the tile launches and held while it issues.
/// * Errors (decode, at acceptance): kind 3 (`illegalOpcode`); a fill of 0 entries
///   (`zeroCount`); a fill past XBUF or the line buffer, a layer past WBUF (wBase + P + 1), a tile
///   whose ⌈G / B⌉ weight entries pass WBUF or whose R rows pass OBUF (`bufferRange`). The
///   compiler keeps a layer's Ci·H·W activations inside the line buffer (addresses past it wrap).
/// * The window origins come from a combinational chain of R increments (wrap at Wo: x back to
///   −pad, y on by S, the offset by S·W − x0 − pad), registered at the launch.
enum SPSComputeUnit {
    typealias Ports = ComputePorts

    static func build(_ c: SPSSystemConfig) throws -> Definition<Ports> {
        let e = c.engine
        let R = e.rows, C = e.cols, n = e.patternNNZ, P = e.period
        let B = c.weightBeatsPerEntry, lb = ceilLog2(B)
        let core = try SPSCore.build(e)
        let lineDef = SPSLineBuffer.build(c)
        let layout = try e.tableLayout
        let m = Module("sps_compute_\(c.tag)_l\(c.lineEntries)")
        m.doc = "SPS compute unit: CONV instructions on the SPS core; line buffer filled from XBUF, weights and pattern table from WBUF, tiles drained into OBUF."
        let io = m.ports(Ports(c.shell))
        let f = InstructionFields(word: io.insn.bits)
        let array = m.instance(core, "core")
        let line = m.instance(lineDef, "line")

        // The layer registers (from the descriptor) and what follows from them.
        let chanBits = 12, dimBits = 12
        let channels = m.reg("channels", .uint(chanBits), reset: 0)
        let height = m.reg("height", .uint(dimBits), reset: 0)
        let width = m.reg("width", .uint(dimBits), reset: 0)
        let outWidth = m.reg("out_width", .uint(dimBits), reset: 0)
        let stride = m.reg("stride", .uint(4), reset: 0)
        let padding = m.reg("padding", .uint(4), reset: 0)
        let padTop = m.reg("pad_top", .uint(4), reset: 0)
        let gBits = chanBits + ceilLog2(n + 1)
        let g = m.wire("tile_beats", (mux(channels == 0, m.const(1, .uint(chanBits)), channels) * m.const(n, .uint(ceilLog2(n + 1)))).resized(to: gBits))
        let overlap = m.wire("overlap", g >= R + C)
        // WBUF entries of a tile's weights: ⌈G / B⌉.
        let gEntries = m.wire("tile_entries", lb == 0 ? g : ((g.extended(to: gBits + 1) &+ (B - 1)) >> lb).resized(to: gBits))

        // The instruction being executed.
        let busy = m.reg("busy", .bool, reset: 0)
        let started = m.reg("started", .bool, reset: 0)
        let kind = m.reg("kind", .uint(2), reset: .none)
        let waitPrev = m.reg("wait_prev", .bool, reset: .none)
        let waitNext = m.reg("wait_next", .bool, reset: .none)
        let pushPrev = m.reg("push_prev", .bool, reset: .none)
        let pushNext = m.reg("push_next", .bool, reset: .none)
        let phase = m.reg("phase", .uint(8), reset: .none)
        let wBase = m.reg("w_base", .uint(16), reset: .none)
        let oBase = m.reg("o_base", .uint(16), reset: .none)
        let pixelRow = m.reg("pixel_row", .uint(12), reset: .none)
        let pixelCol = m.reg("pixel_col", .uint(12), reset: .none)
        let copySrc = m.reg("copy_src", .uint(16), reset: .none)
        let copyDst = m.reg("copy_dst", .uint(16), reset: .none)
        let copyLeft = m.reg("copy_left", .uint(17), reset: .none)
        let failed = m.reg("failed", .bool, reset: 0)
        let isTile = m.wire("is_tile", kind == Int(Instruction.ConvOp.Kind.tile.rawValue))
        let isLayer = m.wire("is_layer", kind == Int(Instruction.ConvOp.Kind.layer.rawValue))

        // Decode checks of the instruction offered now.
        let wide = 18
        func fits(_ base: Signal, _ count: Signal, _ depth: Int) -> Signal { (base.resized(to: wide) &+ count.resized(to: wide)) <= depth }
        let k = f(.convKind)
        let decodeError = m.wire("decode_error", m.firstError([
            (k == 3, .illegalOpcode),
            (k == Int(Instruction.ConvOp.Kind.fill.rawValue) && f(.entries) == 0, .zeroCount),
            ((k == Int(Instruction.ConvOp.Kind.fill.rawValue) && (!fits(f(.xBase), f(.entries), c.xEntries) || !fits(f(.lineBase), f(.entries), c.lineEntries)))
                || (k == Int(Instruction.ConvOp.Kind.layer.rawValue) && !fits(f(.wBase), m.const(P + 1, .uint(wide)), c.wEntries))
                || (k == Int(Instruction.ConvOp.Kind.tile.rawValue) && (!fits(f(.wBase), gEntries, c.wEntries) || !fits(f(.oBase), m.const(R, .uint(wide)), c.oEntries))),
             .bufferRange),
        ]))
        let stopped = m.wire("stopped", failed || io.halt)
        io.insn.ready.assign(!busy && !stopped)
        let accept = m.wire("accept", io.insn.fire)

        // Drain jobs: launched tiles, oldest first (oBase, give).
        let jobBits = 17
        let jobs = RegisterQueue(in: m, name: "drain", width: jobBits, depth: c.drainSlots)
        let draining = m.reg("draining", .bool, reset: 0)
        let readValid = m.reg("read_valid", next: draining, reset: 0)

        // When an instruction may begin.
        let tokensOK = m.wire("tokens_ok", (!waitPrev || io.prevAvailable) && (!waitNext || io.nextAvailable))
        let engineIdle = m.wire("engine_idle", !array.busy && jobs.empty && !draining && !readValid)
        let tileOK = m.wire("tile_ok", array.ready && !jobs.full && (overlap || !array.busy))
        let begin = m.wire("begin_now", busy && !started && !stopped && tokensOK && mux(isTile, tileOK, engineIdle))
        io.prevTake.assign(begin && waitPrev)
        io.nextTake.assign(begin && waitNext)
        let launch = m.wire("launch", begin && isTile)

        // Copies (layer: WBUF → descriptor and pattern table; fill: XBUF → line buffer): one read a
        // cycle while started, written the cycle after.
        let copying = m.wire("copying", started && !stopped)
        let copyLast = m.wire("copy_last", copying && copyLeft == 1)
        let wrValid = m.reg("wr_valid", next: copying, reset: 0)
        let wrLayer = m.reg("wr_layer", next: isLayer, reset: .none)
        let wrDst = m.reg("wr_dst", next: copyDst, reset: .none)
        io.xREn.assign(copying && !isLayer)
        io.xRAddr.assign(copySrc.resized(to: io.xRAddr.width))
        io.wREn.assign(m.trueSignal)
        let weightEntry = lb == 0 ? array.wAddr : array.wAddr.bits(lb...(array.wAddr.width - 1))
        io.wRAddr.assign(mux(copying && isLayer, copySrc.resized(to: io.wRAddr.width), weightEntry.resized(to: io.wRAddr.width)))
        line.wEn.assign(wrValid && !wrLayer)
        line.wAddr.assign(wrDst.resized(to: line.wAddr.width))
        line.wData.assign(io.xRData.resized(to: line.wData.width))
        let descriptor = io.wRData
        func field(_ fd: SPSLayerDescriptor.Field) -> Signal {
            let r = SPSLayerDescriptor.range(fd)
            return descriptor.bits(r.lowerBound...(r.upperBound - 1))
        }
        m.when(wrValid && wrLayer && wrDst == 0) {
            channels.assign(field(.channels))
            height.assign(field(.height))
            width.assign(field(.width))
            outWidth.assign(field(.outWidth))
            stride.assign(field(.stride))
            padding.assign(field(.padding))
            padTop.assign(field(.padTop))
        }
        array.ptWe.assign(wrValid && wrLayer && wrDst != 0)
        array.ptAddr.assign((wrDst &- 1).resized(to: array.ptAddr.width))
        array.ptData.assign(io.wRData.bits(0...(layout.entryBits - 1)))

        // The core: layer geometry, the tile's parameters at launch, its window origins held.
        array.channels.assign(channels)
        array.height.assign(height)
        array.width.assign(width)
        array.plane.assign((height * width).resized(to: e.actAddrBits))
        array.start.assign(launch)
        array.phase.assign(phase.resized(to: e.patternIdBits))
        array.wBase.assign((wBase.resized(to: e.weightAddrBits) << lb).truncated(to: e.weightAddrBits))
        let oW = e.dimBits + 1, bW = e.actAddrBits + 1
        let s = stride.extended(to: 5).asSInt, pad = padding.extended(to: 5).asSInt
        let wS = width.extended(to: dimBits + 1).asSInt
        var ow = pixelCol
        var y0 = m.wire("y0_0", (pixelRow.extended(to: oW).asSInt * s - padTop.extended(to: 5).asSInt).resized(to: oW))
        var x0 = m.wire("x0_0", (pixelCol.extended(to: oW).asSInt * s - pad).resized(to: oW))
        var base = m.wire("base_0", (y0 * wS + x0).resized(to: bW))
        let rowStep = m.wire("row_step", (wS * s).resized(to: bW))
        var origins: [(Signal, Signal, Signal)] = [(y0, x0, base)]
        for r in 1..<max(R, 1) {
            let wrap = m.wire("wrap_\(r)", (ow &+ 1) == outWidth)
            ow = m.wire("ow_\(r)", mux(wrap, m.const(0, .uint(12)), ow &+ 1))
            let nextBase = mux(wrap, base &- x0.resized(to: bW) &+ rowStep &- pad.resized(to: bW), base &+ s.resized(to: bW))
            let nextY = mux(wrap, y0 &+ s.resized(to: oW), y0)
            let nextX = mux(wrap, m.const(0, .sint(oW)) &- pad.resized(to: oW), x0 &+ s.resized(to: oW))
            y0 = m.wire("y0_\(r)", nextY)
            x0 = m.wire("x0_\(r)", nextX)
            base = m.wire("base_\(r)", nextBase)
            origins.append((y0, x0, base))
        }
        let heldY = origins.indices.map { r in m.reg("origin_y_\(r)", .sint(oW), reset: 0) }
        let heldX = origins.indices.map { r in m.reg("origin_x_\(r)", .sint(oW), reset: 0) }
        let heldB = origins.indices.map { r in m.reg("origin_base_\(r)", .sint(bW), reset: 0) }
        m.when(launch) {
            for (r, o) in origins.enumerated() {
                heldY[r].assign(o.0)
                heldX[r].assign(o.1)
                heldB[r].assign(o.2)
            }
        }
        array.rowY0.assign(Vec(heldY))
        array.rowX0.assign(Vec(heldX))
        array.rowBase.assign(Vec(heldB))
        line.rAddr.assign(array.actAddr)
        array.actData.assign(line.rData)
        // Weight beat b of the entry read last cycle: the lane of the pointer's low bits then.
        let beatBits = C * e.dataWidth
        let weightBeat: Signal
        if lb == 0 {
            weightBeat = io.wRData.bits(0...(beatBits - 1))
        } else {
            let lane = m.reg("w_lane_q", next: array.wAddr.bits(0...(lb - 1)), reset: .none)
            weightBeat = m.wire("w_beat", Vec((0..<B).map { b in io.wRData.bits(b * beatBits...(b + 1) * beatBits - 1) })
                .select(lane, default: m.const(0, .uint(beatBits))))
        }
        array.wData.assign(Vec((0..<C).map { col in weightBeat.bits(col * e.dataWidth...(col + 1) * e.dataWidth - 1).asSInt }))

        // Beats: G issue cycles after each launch.
        let issueLeft = m.reg("issue_left", .uint(gBits), reset: 0)
        m.when(launch) { issueLeft.assign(g) }.elseWhen(issueLeft != 0) { issueLeft.assign(issueLeft &- 1) }
        io.beat.assign(issueLeft != 0)
        // A tile's compute -> load token: the first cycle the core is ready again (its reads are done).
        let tilePending = m.reg("tile_give_pending", .bool, reset: 0)
        let tileGive = m.wire("tile_give", tilePending && array.ready)
        m.when(launch) { tilePending.assign(pushPrev) }.elseWhen(tileGive) { tilePending.assign(m.falseSignal) }

        // Instruction registers.
        m.when(accept) {
            busy.assign(decodeError == 0)
            started.assign(m.falseSignal)
            kind.assign(k)
            waitPrev.assign(f.flag(.popPrev))
            waitNext.assign(f.flag(.popNext))
            pushPrev.assign(f.flag(.pushPrev))
            pushNext.assign(f.flag(.pushNext))
            phase.assign(f(.phase))
            wBase.assign(f(.wBase))
            oBase.assign(f(.oBase))
            pixelRow.assign(f(.pixelRow))
            pixelCol.assign(f(.pixelCol))
            copySrc.assign(mux(k == Int(Instruction.ConvOp.Kind.layer.rawValue), f(.wBase), f(.xBase)))
            copyDst.assign(mux(k == Int(Instruction.ConvOp.Kind.layer.rawValue), m.const(0, .uint(16)), f(.lineBase)))
            copyLeft.assign(mux(k == Int(Instruction.ConvOp.Kind.layer.rawValue), m.const(P + 1, .uint(17)), f(.entries).extended(to: 17)))
        }.otherwise {
            m.when(begin) {
                waitPrev.assign(m.falseSignal)
                waitNext.assign(m.falseSignal)
                m.when(isTile) { busy.assign(m.falseSignal) }.otherwise { started.assign(m.trueSignal) }
            }
            m.when(copying) {
                copySrc.assign(copySrc &+ 1)
                copyDst.assign(copyDst &+ 1)
                copyLeft.assign(copyLeft &- 1)
                m.when(copyLast) {
                    started.assign(m.falseSignal)
                    busy.assign(m.falseSignal)
                }
            }
        }
        jobs.push(launch, cat(pushNext, oBase))

        // Drain: R rows per finished tile.
        let rowBits = max(1, ceilLog2(R))
        let row = m.reg("row", .uint(rowBits), reset: .none)
        let job = m.reg("job", .uint(jobBits), reset: .none)
        let drainStart = m.wire("drain_start", array.tileDone && !jobs.empty)
        jobs.pop(drainStart)
        let lastRow = m.wire("last_row", row == R - 1)
        m.when(drainStart) {
            draining.assign(m.trueSignal)
            row.assign(0)
            job.assign(jobs.head)
        }.elseWhen(draining) {
            row.assign(row &+ 1)
            m.when(lastRow) { draining.assign(m.falseSignal) }
        }
        array.rdRow.assign(row.resized(to: array.rdRow.width))
        let readRow = m.reg("read_row", next: row, reset: .none)
        let readLast = m.reg("read_last", next: draining && lastRow, reset: 0)
        io.oWEn.assign(readValid)
        io.oWAddr.assign((job.bits(0...15) &+ readRow.resized(to: 16)).resized(to: io.oWAddr.width))
        let results = Vec(array.rdData.elements.map { $0.asUInt }).packed!
        io.oWData.assign(results.resized(to: io.oWData.width))

        io.givePrev.assign(tileGive || (copyLast && pushPrev))
        io.giveNext.assign((readLast && job.bit(16)) || (copyLast && pushNext))
        io.mREn.assign(m.falseSignal)
        io.mRAddr.assign(0)
        io.pWEn.assign(m.falseSignal)
        io.pWAddr.assign(0)
        io.pWLanes.assign(0)
        io.pWData.assign(0)

        let errorNow = m.wire("error_now", accept && decodeError != 0)
        m.when(errorNow) { failed.assign(m.trueSignal) }
        io.error.assign(decodeError)
        io.errorSeq.assign(f.sequence)
        io.errorValid.assign(errorNow)
        io.idle.assign(!busy && !wrValid && !array.busy && jobs.empty && !draining && !readValid && !tilePending && issueLeft == 0)
        return Definition(m, io)
    }
}
