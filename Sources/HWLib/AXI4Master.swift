import HWCore

/// An AXI4 master built around a native ``MemoryPort``: the system's DMA sees it as its memory
/// (`port`, the slave side of a native port) and it drives an AXI4 interconnect or memory
/// controller (`m_axi_*`).
///
/// Contract:
/// * **Native side** (see ``MemoryPort``): requests carry a byte address, which must be
///   beat-aligned (its low log2(beat bytes) bits are ignored), and `len` = beats - 1 (any value
///   the field holds). Read data returns in request order with `last` only on a request's final
///   beat; write data follows the write requests' order and may run ahead of its request (it is
///   buffered; the native `w.last` is not used: bursts are delimited by the requests' lengths).
///   One `b` per write request, in order, once every AXI burst of the request was answered;
///   `ok` = every answer was OKAY.
/// * **AXI side**: INCR bursts of full-width beats (`AxSIZE` = log2(beat bytes)), ID 0,
///   `AxCACHE` = 0b0011 (normal non-cacheable bufferable), `AxPROT` = 0, no locks. Every
///   native request is split into bursts that never cross a 4 KiB boundary and have at most
///   `maxBurstBeats` (≤ 256) beats; a write burst also has at most half the write buffer's
///   beats. At most `maxReadBursts` read and `maxWriteBursts` write bursts are in flight
///   (issued on AR/AW and not yet finished by RLAST/B).
/// * **No cross-channel waits**: an AW is issued only when its burst's write data is already in
///   the write buffer, so W never waits for anything but WREADY (never for R, never for the
///   native master) and WVALID stays high through a burst while WREADY is; the read and write
///   paths share no state.
/// * **Timing**: every AXI output is a register or a constant (AR/AW are output registers, W
///   comes from the buffer RAM's read register, RREADY/BREADY are the inverted full flags of
///   two-entry queues), and so is every native output (`ar.ready`, `aw.ready`, `w.ready`,
///   `r.*`, `b.*`): no combinational path crosses the module.
/// * `read_error` is a sticky flag (cleared by reset): some read beat came back with RRESP ≠
///   OKAY (the native read channel has no error field; the data of such a beat is passed on).
///
/// Latency (all readies high): a native request accepted at cycle t shows its first AXI
/// request at t + 3; an AXI read beat accepted at cycle t shows on the native side at t + 1.
public struct AXI4Master {
    public struct Config: Hashable, Sendable {
        /// The native port's shape (address and data width, longest request).
        public var port: MemoryPortSpec
        /// Width of the AXI ID pins (the IDs are always 0).
        public var idBits: Int
        /// AXI read bursts in flight (AR issued, RLAST not yet accepted), 1...64.
        public var maxReadBursts: Int
        /// AXI write bursts in flight (AW issued, B not yet accepted), 1...64.
        public var maxWriteBursts: Int
        /// Beats of the write data buffer (a power of two, 2...4096).
        public var writeBufferBeats: Int
        /// Longest AXI burst issued, 1...256 beats.
        public var maxBurstBeats: Int

        public init(port: MemoryPortSpec = MemoryPortSpec(), idBits: Int = 1, maxReadBursts: Int = 8, maxWriteBursts: Int = 8,
                    writeBufferBeats: Int = 64, maxBurstBeats: Int = 256) {
            self.port = port
            self.idBits = idBits
            self.maxReadBursts = maxReadBursts
            self.maxWriteBursts = maxWriteBursts
            self.writeBufferBeats = writeBufferBeats
            self.maxBurstBeats = maxBurstBeats
        }

        /// Throws an ``HWLibError`` naming the first invalid field.
        public func validate() throws {
            let p = port
            guard (12...64).contains(p.addrBits) else {
                throw HWLibError("AXI4 master: address width must be in 12...64 bits, got \(p.addrBits)")
            }
            guard (8...1024).contains(p.dataBits), p.dataBits & (p.dataBits - 1) == 0 else {
                throw HWLibError("AXI4 master: data width must be a power of two in 8...1024 bits, got \(p.dataBits)")
            }
            guard (1...65536).contains(p.maxBeats) else {
                throw HWLibError("AXI4 master: maxBeats must be in 1...65536, got \(p.maxBeats)")
            }
            guard (1...32).contains(idBits) else {
                throw HWLibError("AXI4 master: ID width must be in 1...32, got \(idBits)")
            }
            guard (1...64).contains(maxReadBursts) else {
                throw HWLibError("AXI4 master: maxReadBursts must be in 1...64, got \(maxReadBursts)")
            }
            guard (1...64).contains(maxWriteBursts) else {
                throw HWLibError("AXI4 master: maxWriteBursts must be in 1...64, got \(maxWriteBursts)")
            }
            guard (2...4096).contains(writeBufferBeats), writeBufferBeats & (writeBufferBeats - 1) == 0 else {
                throw HWLibError("AXI4 master: writeBufferBeats must be a power of two in 2...4096, got \(writeBufferBeats)")
            }
            guard (1...AXI4.maxBurstBeats).contains(maxBurstBeats) else {
                throw HWLibError("AXI4 master: maxBurstBeats must be in 1...\(AXI4.maxBurstBeats), got \(maxBurstBeats)")
            }
        }

        /// The AXI side's shape.
        public var axi: AXI4Spec { AXI4Spec(addrBits: port.addrBits, dataBits: port.dataBits, idBits: idBits) }
        /// Beats of a 4 KiB page.
        public var pageBeats: Int { AXI4.pageBytes / port.beatBytes }
        /// Longest read burst: maxBurstBeats (a page holds at least 32 beats of up to 1024 bits).
        public var readBurstCap: Int { min(maxBurstBeats, pageBeats) }
        /// Longest write burst: also at most half the write buffer, so that one burst fills the
        /// buffer while the previous one drains.
        public var writeBurstCap: Int { min(readBurstCap, max(1, writeBufferBeats / 2)) }

        /// Parameters recorded in the design manifest.
        public var parameters: [String: ParamValue] {
            ["design": .string("axi4master"), "addrBits": .int(port.addrBits), "dataBits": .int(port.dataBits),
             "maxBeats": .int(port.maxBeats), "idBits": .int(idBits), "maxReadBursts": .int(maxReadBursts),
             "maxWriteBursts": .int(maxWriteBursts), "writeBufferBeats": .int(writeBufferBeats), "maxBurstBeats": .int(maxBurstBeats)]
        }
    }

    /// The native memory port (served) and the AXI4 master port.
    public struct Ports: Interface {
        /// The native port: this module is its memory.
        @Input public var port: MemoryPort
        /// The AXI4 master pins, `m_axi_*`.
        @Output public var mAxi: AXI4Port
        /// Sticky: some read beat came back with RRESP ≠ OKAY.
        @Output public var readError: Signal

        public init(_ c: Config) {
            _port = Input(c.port)
            _mAxi = Output(c.axi)
            _readError = Output(.bool)
        }
    }

    /// The emitted module name, e.g. `axi4_master_a32_d64_l16_r8w8_b64`, with `_c<n>` for a
    /// burst cap below 256 and `_i<n>` for an ID width other than 1.
    public static func moduleName(_ c: Config) -> String {
        "axi4_master_a\(c.port.addrBits)_d\(c.port.dataBits)_l\(c.port.maxBeats)_r\(c.maxReadBursts)w\(c.maxWriteBursts)_b\(c.writeBufferBeats)"
            + (c.maxBurstBeats < AXI4.maxBurstBeats ? "_c\(c.maxBurstBeats)" : "") + (c.idBits != 1 ? "_i\(c.idBits)" : "")
    }

    /// Builds the wrapper (validating `c` first).
    public static func build(_ c: Config, file: String = #fileID, line: Int = #line) throws -> Definition<Ports> {
        try c.validate()
        let m = Module(moduleName(c), file: file, line: line)
        m.doc = "AXI4 master for a native memory port (\(c.port.dataBits)-bit beats, requests of up to \(c.port.maxBeats) beats): "
            + "INCR bursts split at 4 KiB boundaries (reads <= \(c.readBurstCap) beats, writes <= \(c.writeBurstCap)), "
            + "<= \(c.maxReadBursts) read / \(c.maxWriteBursts) write bursts in flight, AW only once its data is buffered."
        let io = m.ports(Ports(c), file: file, line: line)
        Builder(m: m, c: c, file: file, line: line).build(io)
        return Definition(m, io)
    }

    struct Builder {
        let m: Module
        let c: Config
        let file: String
        let line: Int

        var ab: Int { c.axi.fullSize }
        var beatAddrBits: Int { c.port.addrBits - ab }

        func reg(_ name: String, _ t: BitsType, reset: Reset) -> Signal { m.reg(name, t, reset: reset, file: file, line: line) }
        func wire(_ name: String, _ v: Signal) -> Signal { m.wire(name, v, file: file, line: line) }
        func const(_ v: Int, _ t: BitsType) -> Signal { m.const(v, t, file: file, line: line) }

        func build(_ io: Ports) {
            let a = io.mAxi, p = io.port
            for ch in [a.aw, a.ar] {
                ch.id.assign(const(0, ch.id.type), file: file, line: line)
                ch.size.assign(const(ab, .uint(3)), file: file, line: line)
                ch.burst.assign(const(AXI4.burstIncr, .uint(2)), file: file, line: line)
                ch.lock.assign(const(0, .bool), file: file, line: line)
                ch.cache.assign(const(AXI4.cacheNormalBufferable, .uint(4)), file: file, line: line)
                ch.prot.assign(const(0, .uint(3)), file: file, line: line)
            }
            buildRead(p, a, io.readError)
            buildWrite(p, a)
        }

        // MARK: Splitting

        /// One AXI burst offered by a splitter: it is issued when `issue` is set by the caller's
        /// conditions (`extra(beats)` and a free output register).
        struct Split {
            let issue: Signal
            let addr: Signal
            let len: Signal
            let beats: Signal
            let final: Signal
        }

        /// Native requests (through a 2-entry queue, so `req.ready` is a register) split into
        /// bursts of at most `cap` beats that end at or before the next 4 KiB boundary. `extra`
        /// gates the issue of a burst of `beats` beats; `outFree` says the output register can
        /// take it.
        func splitter(_ pre: String, _ req: Decoupled<MemRequest>, cap: Int, outFree: Signal,
                      extra: (Signal) -> Signal) -> Split {
            let lenBits = c.port.lenBits, leftBits = lenBits + 1
            let q = RegisterQueue(m, pre + "_req", fields: [("addr", .uint(beatAddrBits)), ("len", .uint(lenBits))], depth: 2,
                                  file: file, line: line)
            req.ready.assign(!q.full, file: file, line: line)
            let busy = reg(pre + "_busy", .bool, reset: 0)
            let baddr = reg(pre + "_beat_addr", .uint(beatAddrBits), reset: .none)
            let left = reg(pre + "_left", .uint(leftBits), reset: .none)

            // Beats to the next 4 KiB boundary: pageBeats - (beat index within the page), 1...pageBeats.
            let pageBits = AXI4.pageBytes.trailingZeroBitCount - ab
            let pw = TopNSelector.bitsFor(c.pageBeats)
            let offset = baddr.bits(0...(pageBits - 1), file: file, line: line).extended(to: pw, file: file, line: line)
            let toPage = wire(pre + "_to_page", const(c.pageBeats, .uint(pw)) &- offset)
            let capW = TopNSelector.bitsFor(cap)
            let limit = wire(pre + "_limit", umin(toPage, const(cap, .uint(capW))))
            let final = wire(pre + "_final", busy && left <= limit)
            let w = max(leftBits, limit.width)
            let beats = wire(pre + "_beats", mux(final, left.resized(to: w), limit.resized(to: w)).truncated(to: capW, file: file, line: line))
            let issue = wire(pre + "_issue", busy && outFree && extra(beats))
            let take = wire(pre + "_take", !q.empty && (!busy || (issue && final)))
            q.update(push: req.valid && !q.full, data: [req.bits.addr >> ab, req.bits.len], pop: take)
            m.when(take, file: file, line: line) {
                busy.assign(const(1, .bool), file: file, line: line)
                baddr.assign(q.head[0], file: file, line: line)
                left.assign(q.head[1].extended(to: leftBits, file: file, line: line) &+ 1, file: file, line: line)
            }.elseWhen(issue, file: file, line: line) {
                busy.assign(!final, file: file, line: line)
                baddr.assign(baddr &+ beats.resized(to: beatAddrBits, file: file, line: line), file: file, line: line)
                left.assign(left &- beats.resized(to: leftBits, file: file, line: line), file: file, line: line)
            }
            let addr = ab == 0 ? baddr : cat(baddr, const(0, .uint(ab)))
            let len = (beats &- 1).resized(to: 8, file: file, line: line)
            return Split(issue: issue, addr: addr, len: len, beats: beats, final: final)
        }

        /// An AXI address channel driven from output registers loaded with `split`'s bursts.
        /// Returns the "register can take a burst" condition it needs (built before the split).
        func addressRegister(_ pre: String, _ ch: AXI4AddressChannel) -> (free: Signal, load: (Split) -> Void) {
            let valid = reg(pre + "_valid_q", .bool, reset: 0)
            let addr = reg(pre + "_addr_q", .uint(c.port.addrBits), reset: .none)
            let len = reg(pre + "_len_q", .uint(8), reset: .none)
            ch.valid.assign(valid, file: file, line: line)
            ch.addr.assign(addr, file: file, line: line)
            ch.len.assign(len, file: file, line: line)
            let free = wire(pre + "_free", !valid || ch.ready)
            return (free, { s in
                m.when(s.issue, file: file, line: line) {
                    valid.assign(const(1, .bool), file: file, line: line)
                    addr.assign(s.addr, file: file, line: line)
                    len.assign(s.len, file: file, line: line)
                }.elseWhen(ch.ready, file: file, line: line) {
                    valid.assign(const(0, .bool), file: file, line: line)
                }
            })
        }

        // MARK: Read path

        func buildRead(_ p: MemoryPort, _ a: AXI4Port, _ readError: Signal) {
            let out = addressRegister("ar", a.ar)
            // One flag per read burst in flight: is it its native request's final burst?
            let flags = RegisterQueue(m, "rd_bursts", fields: [("final", .bool)], depth: c.maxReadBursts, file: file, line: line)
            let split = splitter("rd", p.ar, cap: c.readBurstCap, outFree: out.free) { _ in !flags.full }
            out.load(split)

            // R beats through a 2-entry queue (RREADY = not full); native last = RLAST of a final burst.
            let rq = RegisterQueue(m, "rd_data", fields: [("data", .uint(c.port.dataBits)), ("last", .bool)], depth: 2,
                                   file: file, line: line)
            a.r.ready.assign(!rq.full, file: file, line: line)
            let rfire = wire("rd_fire", a.r.valid && !rq.full)
            flags.update(push: split.issue, data: [split.final], pop: rfire && a.r.last && !flags.empty)
            rq.update(push: rfire, data: [a.r.data, a.r.last && flags.head[0]], pop: p.r.ready && !rq.empty)
            p.r.valid.assign(!rq.empty, file: file, line: line)
            p.r.bits.data.assign(rq.head[0], file: file, line: line)
            p.r.bits.last.assign(rq.head[1], file: file, line: line)

            let err = reg("read_error_q", .bool, reset: 0)
            m.when(rfire && a.r.resp != 0, file: file, line: line) { err.assign(const(1, .bool), file: file, line: line) }
            readError.assign(err, file: file, line: line)
        }

        // MARK: Write path

        func buildWrite(_ p: MemoryPort, _ a: AXI4Port) {
            let depth = c.writeBufferBeats, pw = ceilLog2(depth), cw = TopNSelector.bitsFor(depth)
            let dataBits = c.port.dataBits, strbBits = c.port.beatBytes

            // Write data buffer: native W beats in, read (synchronously) for the W channel.
            let buf = m.memory("wr_buf", .uint(dataBits + strbBits), depth: depth, file: file, line: line)
            let wp = reg("wr_buf_wp", .uint(pw), reset: 0)
            let rp = reg("wr_buf_rp", .uint(pw), reset: 0)
            let stored = reg("wr_buf_count", .uint(cw), reset: 0)  // written, not yet read
            p.w.ready.assign(stored != depth, file: file, line: line)
            let win = wire("wr_in", p.w.valid && stored != depth)
            buf.write(wp, cat(p.w.bits.strb, p.w.bits.data), enable: win, file: file, line: line)
            m.when(win, file: file, line: line) { wp.assign(wp &+ 1, file: file, line: line) }

            // Beats buffered but not yet claimed by an issued AW.
            let avail = reg("wr_avail", .uint(cw), reset: 0)

            let out = addressRegister("aw", a.aw)
            // Per write burst in flight: final burst of its request? (popped by B), and its
            // length (popped when its last beat leaves the buffer).
            let flags = RegisterQueue(m, "wr_bursts", fields: [("final", .bool)], depth: c.maxWriteBursts, file: file, line: line)
            let lens = RegisterQueue(m, "wr_lens", fields: [("len", .uint(8))], depth: c.maxWriteBursts, file: file, line: line)
            let split = splitter("wr", p.aw, cap: c.writeBurstCap, outFree: out.free) { beats in
                !flags.full && avail >= beats
            }
            out.load(split)
            let claimed = mux(split.issue, split.beats.resized(to: cw, file: file, line: line), 0)
            avail.assign((avail &+ win.extended(to: cw, file: file, line: line)) &- claimed, file: file, line: line)

            // W: the buffer's read register is the W payload; read ahead when the W register is
            // empty or being accepted, for bursts whose AW was issued.
            let wvalid = reg("w_valid_q", .bool, reset: 0)
            let wlast = reg("w_last_q", .bool, reset: .none)
            let beat = reg("w_beat", .uint(8), reset: 0)
            let rd = wire("wr_buf_rd", !lens.empty && (!wvalid || a.w.ready))
            let word = buf.read(rp, enable: rd, file: file, line: line)
            let isLast = wire("w_is_last", beat == lens.head[0])
            m.when(rd, file: file, line: line) {
                rp.assign(rp &+ 1, file: file, line: line)
                wvalid.assign(const(1, .bool), file: file, line: line)
                wlast.assign(isLast, file: file, line: line)
                beat.assign(mux(isLast, 0, beat &+ 1), file: file, line: line)
            }.elseWhen(a.w.ready, file: file, line: line) {
                wvalid.assign(const(0, .bool), file: file, line: line)
            }
            m.when(win && !rd, file: file, line: line) {
                stored.assign(stored &+ 1, file: file, line: line)
            }.elseWhen(rd && !win, file: file, line: line) {
                stored.assign(stored &- 1, file: file, line: line)
            }
            lens.update(push: split.issue, data: [split.len], pop: rd && isLast)
            a.w.valid.assign(wvalid, file: file, line: line)
            a.w.data.assign(word.bits(0...(dataBits - 1), file: file, line: line), file: file, line: line)
            a.w.strb.assign(word.bits(dataBits...(dataBits + strbBits - 1), file: file, line: line), file: file, line: line)
            a.w.last.assign(wlast, file: file, line: line)

            // B: merge the bursts' responses into one native ack per request.
            let bq = RegisterQueue(m, "wr_acks", fields: [("ok", .bool)], depth: 2, file: file, line: line)
            a.b.ready.assign(!bq.full, file: file, line: line)
            let bfire = wire("b_fire", a.b.valid && !bq.full)
            let okNow = a.b.resp == AXI4.respOkay
            let acc = reg("b_ok_acc", .bool, reset: 1)
            let lastOfRequest = wire("b_final", bfire && !flags.empty && flags.head[0])
            m.when(lastOfRequest, file: file, line: line) {
                acc.assign(const(1, .bool), file: file, line: line)
            }.elseWhen(bfire, file: file, line: line) {
                acc.assign(acc && okNow, file: file, line: line)
            }
            flags.update(push: split.issue, data: [split.final], pop: bfire && !flags.empty)
            bq.update(push: lastOfRequest, data: [acc && okNow], pop: p.b.ready && !bq.empty)
            p.b.valid.assign(!bq.empty, file: file, line: line)
            p.b.bits.ok.assign(bq.head[0], file: file, line: line)
        }

        /// The smaller of two unsigned values, in the wider width.
        func umin(_ x: Signal, _ y: Signal) -> Signal {
            let w = max(x.width, y.width)
            let a = x.resized(to: w), b = y.resized(to: w)
            return mux(a < b, a, b)
        }
    }
}

/// A FIFO of registers (no reset on the entries): `depth` entries of named fields, a head read
/// through a balanced multiplexer tree on the read pointer, and registered `full`/`empty`
/// flags (from the count register). ``update(push:data:pop:)`` is called once; pushing a full
/// queue or popping an empty one is the caller's error (not checked in hardware).
struct RegisterQueue {
    let module: Module
    let name: String
    let depth: Int
    let entries: [[Signal]]
    let count: Signal
    let rp: Signal?
    let wp: Signal?
    /// The oldest entry's fields (undefined when empty).
    let head: [Signal]
    let file: String
    let line: Int

    init(_ m: Module, _ name: String, fields: [(String, BitsType)], depth: Int, file: String, line: Int) {
        module = m
        self.name = name
        self.depth = depth
        self.file = file
        self.line = line
        entries = (0..<depth).map { i in
            fields.map { m.reg("\(name)_\(i)_\($0.0)", $0.1, reset: .none, file: file, line: line) }
        }
        count = m.reg(name + "_count", .uint(TopNSelector.bitsFor(depth)), reset: 0, file: file, line: line)
        let pw = max(1, ceilLog2(depth))
        rp = depth > 1 ? m.reg(name + "_rp", .uint(pw), reset: 0, file: file, line: line) : nil
        wp = depth > 1 ? m.reg(name + "_wp", .uint(pw), reset: 0, file: file, line: line) : nil
        if let rp {
            let entries = self.entries
            head = (0..<fields.count).map { f in
                var level = entries.map { $0[f] }
                var bit = 0
                while level.count > 1 {
                    let sel = rp.bit(bit, file: file, line: line)
                    level = stride(from: 0, to: level.count, by: 2).map { k in
                        k + 1 < level.count ? mux(sel, level[k + 1], level[k]) : level[k]
                    }
                    bit += 1
                }
                return m.wire("\(name)_head_\(fields[f].0)", level[0], file: file, line: line)
            }
        } else {
            head = entries[0]
        }
    }

    var full: Signal { count == depth }
    var empty: Signal { count == 0 }

    func advance(_ ptr: Signal) -> Signal {
        depth & (depth - 1) == 0 ? ptr &+ 1 : mux(ptr == depth - 1, 0, ptr &+ 1)
    }

    func update(push: Signal, data: [Signal], pop: Signal) {
        let m = module
        for (i, e) in entries.enumerated() {
            let hit = wp.map { push && $0 == i } ?? push
            m.when(hit, file: file, line: line) {
                for (r, d) in zip(e, data) { r.assign(d, file: file, line: line) }
            }
        }
        if let wp, let rp {
            m.when(push, file: file, line: line) { wp.assign(advance(wp), file: file, line: line) }
            m.when(pop, file: file, line: line) { rp.assign(advance(rp), file: file, line: line) }
        }
        m.when(push && !pop, file: file, line: line) {
            count.assign(count &+ 1, file: file, line: line)
        }.elseWhen(pop && !push, file: file, line: line) {
            count.assign(count &- 1, file: file, line: line)
        }
    }
}
