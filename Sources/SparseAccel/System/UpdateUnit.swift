import Formats
import HWCore
import HWLib

/// The update unit: applies the fixed-point SR-STE update (or, with float numerics, the fp32
/// update of ``FloatUpdateRow`` on fp32 masters with bf16 or fp16 compute copies,
/// ``HWLib/FloatNarrowing``) to a weight tile as its
/// weight gradients drain from the array, and pre-generates the tile's compressed forward and backward
/// weights (BDWP) for the next step.
///
/// Contract (one row of the R x C tile per cycle, rows in order, `in_first` on row 0):
/// * `dw` (C accumulators of dW) and `master` (C w-bit master weights) of row r arrive with
///   `in_valid`. For an N:M layer (`pregen`) the row's compute copy `c = sat_d(rnd_f(m))` gives
///   this step's forward mask Mf (top-N |c| of each group of M consecutive columns, ties to the
///   lower index); the new master is `m' = sat_w(m − rnd_lr(dW) − [pruned] · rnd_decay(m))`
///   (``WeightNumerics``). A dense layer (no `pregen`) has no mask: nothing is pruned.
/// * `master_out` shows m' one cycle later (`out_valid`).
/// * With `pregen`, the new compute copy `c' = sat_d(rnd_f(m'))` is compressed: each row group
///   of M (forward, N:M along the reduction) into forward word j = column / M, lane r; each
///   column of M consecutive rows (backward, N:M along Co; ranking c' ⊙ Mf' when
///   `backwardFromForward`) into backward word i · C/R + column / R, lane column mod R,
///   i = r / M (co-group i of the tile).
/// * After row R-1 the unit writes the tile's C/M forward words to PBUF `pf_base...` and its
///   R/M · C/R backward words to `pb_base...`, one per cycle (`p_w_*`), `busy` meanwhile.
///   The next tile's row 0 may arrive once `busy` has fallen (the compute unit's gap rule
///   guarantees it: `SATSystemConfig.updateTileGap`).
enum UpdateUnit {
    struct Ports: Interface {
        @Input(.bool) var inValid: Signal
        @Input(.bool) var inFirst: Signal
        @Input var dw: Vec
        @Input var master: Vec
        @Input(.bool) var pregen: Signal
        @Input var pfBase: Signal
        @Input var pbBase: Signal
        @Output(.bool) var outValid: Signal
        @Output var masterOut: Vec
        @Output(.bool) var pWEn: Signal
        @Output var pWAddr: Signal
        @Output var pWLanes: Signal
        @Output var pWData: Signal
        @Output(.bool) var busy: Signal

        init(_ c: SATSystemConfig) {
            let k = c.core
            _dw = Input(.sint(k.accWidth), count: k.cols)
            _master = Input(.sint(c.weights.masterBits), count: k.cols)
            _pfBase = Input(.uint(12))
            _pbBase = Input(.uint(12))
            _masterOut = Output(.sint(c.weights.masterBits), count: k.cols)
            _pWAddr = Output(.uint(addressBits(c.pregenEntries)))
            _pWLanes = Output(.uint(k.rows))
            _pWData = Output(.uint(k.streamWidth))
        }
    }

    /// Cycles from a row's arrival to its new master weights.
    static let latency = 1


    static func build(_ c: SATSystemConfig) throws -> Definition<Ports> {
        let k = c.core, num = c.weights
        let R = k.rows, C = k.cols, N = k.n, M = k.m, d = k.dataWidth, w = num.masterBits
        let layout = try k.streamLayout
        // Float numerics rank the bf16/fp16 copies by magnitude key; the update runs in fp32
        // (``FloatUpdateRow``).
        let float = k.numerics.isFloat
        try TopNSelector.Config(n: N, m: M, dataWidth: d, ranking: float ? .floatMagnitude : .integer).validate()
        let mod = Module("sat_update_\(c.tag)_w\(w)f\(num.fracBits)l\(num.lrShift)" + (num.decayShift.map { "y\($0)" } ?? "") + (num.backwardFromForward ? "_bf" : ""))
        mod.doc = "Update unit: " + (k.numerics.format.map { "fp32 SR-STE update of fp32 master weights with \($0) copies" } ?? "fixed-point SR-STE update")
            + " of a weight tile row by row, and pre-generation of its compressed forward and backward weights."
        let io = mod.ports(Ports(c))

        // rnd_s(x) = (x >> s) + bit(s-1) of x (round half up), on a signed x; result one bit wider.
        func roundShift(_ x: Signal, _ s: Int) -> Signal {
            guard s > 0 else { return x.resized(to: x.width + 1).asSInt }
            if s >= x.width {
                // Every bit shifted out: -1 >> s is -1 and bit s-1 is the sign, so the sum is 0 for
                // every x of this width.
                return mod.const(0, .sint(2))
            }
            let shifted = x.bits(s...(x.width - 1)).asSInt
            let carry = x.bit(s - 1)
            return shifted.extended(to: shifted.width + 1) &+ cat(mod.const(0, .uint(shifted.width)), carry).asSInt
        }
        func saturate(_ x: Signal, _ bits: Int) -> Signal {
            guard x.width > bits else { return x.resized(to: bits) }
            let hi = mod.const((1 << (bits - 1)) - 1, .sint(x.width)), lo = mod.const(-(1 << (bits - 1)), .sint(x.width))
            return mux(x > hi, hi, mux(x < lo, lo, x)).truncated(to: bits).asSInt
        }
        func computeCopy(_ m: Signal, _ name: String) throws -> Signal {
            guard let format = k.numerics.format else { return saturate(roundShift(m, num.fracBits), d) }
            return try FloatNarrowing.narrow(m.asUInt, to: format, subnormals: k.subnormals, name: name).asSInt
        }
        // The selector networks are built inline (not as instances) so that each sits in the cone
        // of the registers it feeds and the simulation style can evaluate it only under their
        // enable (EnableSinking.swift): its results are captured once per row or once per tile.
        func groupSelect(_ values: [Signal], _ name: String) throws -> (values: [Signal], indices: [Signal], keep: Signal) {
            // The float selector takes the bf16 patterns unsigned.
            try TopNSelector.select(values.map { float ? $0.asUInt : $0 }, n: N, name: name, ranking: float ? .floatMagnitude : .integer)
        }

        // Row counter: the row of the tile arriving now.
        let rowBits = max(1, ceilLog2(R))
        let row = mod.reg("row", .uint(rowBits), reset: .none)
        let rowNow = mod.wire("row_now", mux(io.inFirst, mod.const(0, .uint(rowBits)), row))
        mod.when(io.inValid) { row.assign(rowNow &+ 1) }

        // This step's forward mask and the update.
        var updated: [Signal] = []
        for g in 0..<(C / M) {
            let cols = (g * M)..<((g + 1) * M)
            let copies = try cols.map { mod.wire("c_\($0)", try computeCopy(io.master[$0], "copy_\($0)")) }
            let sel = try groupSelect(copies, "mask_\(g)")
            for (j, col) in cols.enumerated() {
                let m = io.master[col]
                if float {
                    // A dense layer (no pregen) has no mask: nothing is pruned, no decay.
                    let pruned = mod.wire("pruned_\(col)", !sel.keep.bit(j) && io.pregen)
                    updated.append(mod.wire("m_new_\(col)", try FloatUpdateRow.updated(
                        master: m, gradient: io.dw[col], pruned: pruned, weights: num, subnormals: k.subnormals, name: "upd_\(col)")))
                    continue
                }
                let step = roundShift(io.dw[col], num.lrShift)
                let decay: Signal = num.decayShift.map { s in
                    let r = roundShift(m, s)
                    // A dense layer (no pregen) has no mask: nothing is pruned, no decay.
                    return mux(sel.keep.bit(j) || !io.pregen, mod.const(0, r.type), r)
                } ?? mod.const(0, .sint(2))
                let width = max(m.width, step.width, decay.width) + 2
                let exact = m.resized(to: width) &- decay.resized(to: width) &- step.resized(to: width)
                updated.append(mod.wire("m_new_\(col)", saturate(exact.asSInt, w)))
            }
        }
        let outValid = mod.reg("out_valid_q", next: io.inValid, reset: 0)
        let outRow = mod.reg("out_row", next: rowNow, reset: .none)
        // Loaded only with a row (master_out is read only with out_valid).
        let newMaster = updated.enumerated().map { col, v in mod.reg("m_q_\(col)", next: v, reset: .none, enable: io.inValid) }
        io.outValid.assign(outValid)
        for col in 0..<C { io.masterOut[col].assign(newMaster[col]) }

        // Pre-generation from the registered new master row.
        let copy = try newMaster.enumerated().map { col, m in mod.wire("cn_\(col)", try computeCopy(m, "next_copy_\(col)")) }
        let zeroD = mod.const(0, .sint(d))
        func packGroup(_ sel: (values: [Signal], indices: [Signal], keep: Signal)) -> Signal {
            let entries = (0..<N).map { j in cat(sel.indices[j].resized(to: layout.indexBits), sel.values[j].asUInt) }
            return entries.count == 1 ? entries[0] : cat(entries.reversed()[0], Array(entries.reversed().dropFirst()))
        }
        // Forward words: group g of row r -> word g, lane r.
        var rowRanked: [Signal] = []
        var forward: [[Signal]] = []
        for g in 0..<(C / M) {
            let sel = try groupSelect(Array(copy[(g * M)..<((g + 1) * M)]), "fwd_\(g)")
            for j in 0..<M { rowRanked.append(num.backwardFromForward ? mux(sel.keep.bit(j), copy[g * M + j], zeroD) : copy[g * M + j]) }
            let packed = mod.wire("fwd_group_\(g)", packGroup(sel))
            forward.append((0..<R).map { r in
                let q = mod.reg("fwd_\(g)_\(r)", .uint(layout.groupBits), reset: .none)
                mod.when(outValid && outRow == r) { q.assign(packed) }
                return q
            })
        }
        // Backward groups: a window of the last M - 1 rows plus the current one.
        let windowRow = outRow.bits(0...max(0, ceilLog2(M) - 1)).resized(to: max(1, ceilLog2(M)))
        let window = (0..<(M - 1)).map { i in
            (0..<C).map { col in
                let q = mod.reg("win_\(i)_\(col)", .sint(d), reset: .none)
                mod.when(outValid && windowRow == i) { q.assign(rowRanked[col]) }
                return q
            }
        }
        let groupDone = mod.wire("group_done", outValid && windowRow == M - 1)
        let coGroup: Signal? = R / M > 1 ? outRow.bits(ceilLog2(M)...(rowBits - 1)) : nil
        var backward: [[Signal]] = []  // [co-group][column]
        for i in 0..<(R / M) {
            backward.append((0..<C).map { col in mod.reg("bwd_\(i)_\(col)", .uint(layout.groupBits), reset: .none) })
        }
        for col in 0..<C {
            let sel = try groupSelect((0..<M).map { i in i == M - 1 ? rowRanked[col] : window[i][col] }, "bwd_sel_\(col)")
            // With backwardFromForward the ranked values are c' ⊙ Mf' and so are the kept values.
            let packed = mod.wire("bwd_group_\(col)", packGroup(sel))
            for i in 0..<(R / M) {
                mod.when(groupDone && (coGroup.map { $0 == i } ?? mod.trueSignal)) { backward[i][col].assign(packed) }
            }
        }

        // The write sequence after the tile's last row.
        let words = c.pregenWordsPerTile
        let seqBits = max(1, ceilLog2(words + 1))
        let pending = mod.reg("pending", .bool, reset: 0)
        let index = mod.reg("index", .uint(seqBits), reset: .none)
        let tileEnd = mod.wire("tile_end", outValid && outRow == R - 1 && io.pregen)
        mod.when(tileEnd) {
            pending.assign(mod.trueSignal)
            index.assign(0)
        }.elseWhen(pending) {
            index.assign(index &+ 1)
            mod.when(index == words - 1) { pending.assign(mod.falseSignal) }
        }
        io.busy.assign(pending)
        io.pWEn.assign(pending)
        let fwdWords = C / M
        var wordData: [Signal] = []
        var wordLanes: [Signal] = []
        var wordAddr: [Signal] = []
        let allLanes = mod.allOnes(R)
        for g in 0..<fwdWords {
            wordData.append(cat(forward[g][R - 1], Array(forward[g].reversed().dropFirst())))
            wordLanes.append(allLanes)
            wordAddr.append(io.pfBase &+ g)
        }
        for i in 0..<(R / M) {
            for sub in 0..<(C / R) {
                let groups = (0..<R).map { r in backward[i][sub * R + r] }
                wordData.append(cat(groups[R - 1], Array(groups.reversed().dropFirst())))
                wordLanes.append(allLanes)
                wordAddr.append(io.pbBase &+ (i * (C / R) + sub))
            }
        }
        let sel = index.resized(to: max(1, ceilLog2(words)))
        io.pWData.assign(Vec(wordData.map { $0.resized(to: k.streamWidth) }).select(sel, default: mod.const(0, .uint(k.streamWidth))))
        io.pWLanes.assign(Vec(wordLanes).select(sel, default: mod.const(0, .uint(R))))
        io.pWAddr.assign(Vec(wordAddr.map { $0.resized(to: io.pWAddr.width) }).select(sel, default: mod.const(0, .uint(io.pWAddr.width))))
        return Definition(mod, io)
    }
}
