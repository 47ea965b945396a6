import HWCore

/// The AXI4 pin values of one clock cycle, as seen after the settle (what a monitor samples
/// at the rising edge). Data and strobes are 32-bit words, least significant first.
public struct AXI4Observation: Equatable, Sendable {
    /// An AW or AR channel.
    public struct Address: Equatable, Sendable {
        public var valid = false, ready = false
        public var id: UInt64 = 0
        public var addr: UInt64 = 0
        /// AxLEN (beats − 1).
        public var len = 0
        /// AxSIZE (log2 bytes per beat).
        public var size = 0
        /// AxBURST (0 FIXED, 1 INCR, 2 WRAP).
        public var burst = 1
        public init() {}
        var payload: [UInt64] { [id, addr, UInt64(len), UInt64(size), UInt64(burst)] }
        static let fields = ["ID", "ADDR", "LEN", "SIZE", "BURST"]
    }

    public struct WriteData: Equatable, Sendable {
        public var valid = false, ready = false
        public var data: [UInt32] = []
        public var strb: [UInt32] = []
        public var last = false
        public init() {}
    }

    public struct Response: Equatable, Sendable {
        public var valid = false, ready = false
        public var id: UInt64 = 0
        public var resp = 0
        public init() {}
    }

    public struct ReadData: Equatable, Sendable {
        public var valid = false, ready = false
        public var id: UInt64 = 0
        public var data: [UInt32] = []
        public var resp = 0
        public var last = false
        public init() {}
    }

    public var aw = Address(), w = WriteData(), b = Response(), ar = Address(), r = ReadData()
    public init() {}
}

/// Per-cycle AXI4 protocol checks on observed pins (ARM IHI0022 §A3, the rules of AMD's
/// PG101 protocol checker that apply to a single-clock in-order system). Feed it one
/// ``AXI4Observation`` per cycle with ``check(_:reset:)`` (or attach an ``AXI4Monitor``),
/// call ``finish()`` at the end, read ``violations`` / ``report``.
///
/// Rules, each reported once per occurrence with its cycle number:
/// * ``Rule/validDropped``: a VALID that was 1 without READY in the previous cycle is 0 now
///   (every channel: the source must hold VALID until the handshake);
/// * ``Rule/payloadChanged``: a payload field changed while VALID waited for READY;
/// * ``Rule/crosses4K``: an INCR burst's bytes (from its address, aligned down to the beat
///   size, for AxLEN + 1 beats) span two 4 KiB pages;
/// * ``Rule/burstType``: a reserved AxBURST, or (with `incrOnly`) anything but INCR;
/// * ``Rule/burstLength``: INCR longer than 256 beats, FIXED longer than 16, WRAP not 2, 4,
///   8 or 16 beats;
/// * ``Rule/burstSize``: beats wider than the data bus, or (with `fullWidthOnly`) narrower;
/// * ``Rule/misaligned``: (with `alignedOnly`, and always for WRAP) an address not aligned to
///   the beat size;
/// * ``Rule/wlast``: WLAST not exactly on beat AWLEN + 1 of its burst (W bursts are matched to
///   AWs in order; W may come before its AW; one report per burst); more than 256 W beats
///   without WLAST;
/// * ``Rule/rlast``: RLAST not exactly on beat ARLEN + 1 of the burst (per ID, in order; one
///   report per burst);
/// * ``Rule/readWithoutRequest``: RVALID for an ID without an AR accepted in an earlier cycle;
/// * ``Rule/responseWithoutWrite``: BVALID for an ID without a write whose AW and last W beat
///   were both accepted in earlier cycles;
/// * ``Rule/readyTimeout``: (with `readyTimeout`) a VALID waiting longer for READY;
/// * ``Rule/unfinished``: (by ``finish()``) requests without all their data or response.
public final class AXI4Checker {
    public struct Config: Hashable, Sendable {
        /// Width of the data bus.
        public var dataBits: Int
        /// Only INCR bursts are allowed.
        public var incrOnly: Bool
        /// Every beat is full width (AxSIZE = log2(dataBits / 8)).
        public var fullWidthOnly: Bool
        /// Addresses are aligned to the beat size.
        public var alignedOnly: Bool
        /// Longest a VALID may wait for READY, cycles (nil: no limit).
        public var readyTimeout: Int?

        public init(dataBits: Int, incrOnly: Bool = true, fullWidthOnly: Bool = true, alignedOnly: Bool = true,
                    readyTimeout: Int? = nil) {
            self.dataBits = dataBits
            self.incrOnly = incrOnly
            self.fullWidthOnly = fullWidthOnly
            self.alignedOnly = alignedOnly
            self.readyTimeout = readyTimeout
        }
    }

    public enum Channel: String, Sendable { case aw = "AW", w = "W", b = "B", ar = "AR", r = "R" }

    public enum Rule: String, Sendable, CaseIterable {
        case validDropped, payloadChanged, crosses4K, burstType, burstLength, burstSize, misaligned
        case wlast, rlast, readWithoutRequest, responseWithoutWrite, readyTimeout, unfinished
    }

    public struct Violation: Equatable, Sendable, CustomStringConvertible {
        /// Cycle number (`firstCycle` for the first cycle checked; reset cycles count).
        public let cycle: UInt64
        public let channel: Channel
        public let rule: Rule
        public let message: String
        public var description: String { "cycle \(cycle) \(channel.rawValue) [\(rule.rawValue)]: \(message)" }
    }

    public let config: Config
    public let firstCycle: UInt64
    public private(set) var violations: [Violation] = []
    /// The number of the next cycle to check.
    public private(set) var cycle: UInt64 = 0
    /// Handshakes counted so far.
    public private(set) var counts = (ar: 0, r: 0, aw: 0, w: 0, b: 0)

    struct ReadBurst { let len: Int; let accepted: UInt64; var beats = 0; var reportedLast = false }
    struct WriteBurst { let id: UInt64; let len: Int; let accepted: UInt64 }
    struct WriteData { let beats: Int; let lastCycle: UInt64 }

    var prev: AXI4Observation?
    var waiting = [0, 0, 0, 0, 0]
    var readBursts: [UInt64: [ReadBurst]] = [:]
    /// Every AW accepted, in order (index k pairs with W burst k).
    var aws: [WriteBurst] = []
    /// Every complete W burst, in order.
    var wBursts: [WriteData] = []
    var wBeats = 0
    var wReportedOverlong = false
    var wReportedLast = false
    /// Per ID, the indices (into `aws`) of writes not yet answered, in order.
    var unanswered: [UInt64: [Int]] = [:]

    /// A checker whose first checked cycle is numbered `firstCycle` (``AXI4Monitor`` gives the
    /// simulator's cycle count, so violations name simulator cycles).
    public init(_ config: Config, firstCycle: UInt64 = 0) {
        self.config = config
        self.firstCycle = firstCycle
        cycle = firstCycle
    }

    var beatBytes: Int { max(1, config.dataBits / 8) }

    func violation(_ ch: Channel, _ rule: Rule, _ message: String) {
        violations.append(Violation(cycle: cycle, channel: ch, rule: rule, message: message))
    }

    /// Checks one cycle. During `reset` nothing is checked and all tracking restarts.
    public func check(_ o: AXI4Observation, reset: Bool = false) {
        defer { cycle += 1 }
        if reset {
            prev = nil
            waiting = [0, 0, 0, 0, 0]
            readBursts = [:]; aws = []; wBursts = []; wBeats = 0; unanswered = [:]
            wReportedOverlong = false; wReportedLast = false
            return
        }
        stability(o)
        // Slave-side channels first: a response in the same cycle as its request is an error.
        readData(o.r)
        response(o.b)
        writeData(o.w)
        if o.ar.valid && o.ar.ready {
            counts.ar += 1
            address(.ar, o.ar)
            readBursts[o.ar.id, default: []].append(ReadBurst(len: o.ar.len, accepted: cycle))
        }
        if o.aw.valid && o.aw.ready {
            counts.aw += 1
            address(.aw, o.aw)
            let k = aws.count
            aws.append(WriteBurst(id: o.aw.id, len: o.aw.len, accepted: cycle))
            unanswered[o.aw.id, default: []].append(k)
            if k < wBursts.count, wBursts[k].beats != o.aw.len + 1 {
                violation(.w, .wlast, "W burst #\(k) had \(wBursts[k].beats) beats before its AW (AWLEN \(o.aw.len): \(o.aw.len + 1) beats)")
            }
        }
        prev = o
    }

    // MARK: Handshake rules

    func stability(_ o: AXI4Observation) {
        let now: [(Channel, Bool, Bool)] = [(.aw, o.aw.valid, o.aw.ready), (.w, o.w.valid, o.w.ready), (.b, o.b.valid, o.b.ready),
                                            (.ar, o.ar.valid, o.ar.ready), (.r, o.r.valid, o.r.ready)]
        for (i, (ch, v, r)) in now.enumerated() {
            waiting[i] = v && !r ? waiting[i] + 1 : 0
            if let t = config.readyTimeout, waiting[i] == t + 1 {
                violation(ch, .readyTimeout, "\(ch.rawValue)VALID has waited \(t + 1) cycles for \(ch.rawValue)READY")
            }
        }
        guard let p = prev else { return }
        func held(_ ch: Channel, _ pv: Bool, _ pr: Bool, _ v: Bool, _ changed: [String]) {
            guard pv && !pr else { return }
            if !v {
                violation(ch, .validDropped, "\(ch.rawValue)VALID fell without a handshake")
            } else if !changed.isEmpty {
                violation(ch, .payloadChanged, changed.map { ch.rawValue + $0 }.joined(separator: ", ") + " changed while \(ch.rawValue)VALID waited for \(ch.rawValue)READY")
            }
        }
        func diff(_ a: AXI4Observation.Address, _ b: AXI4Observation.Address) -> [String] {
            zip(AXI4Observation.Address.fields, zip(a.payload, b.payload)).filter { $0.1.0 != $0.1.1 }.map(\.0)
        }
        held(.aw, p.aw.valid, p.aw.ready, o.aw.valid, diff(p.aw, o.aw))
        held(.ar, p.ar.valid, p.ar.ready, o.ar.valid, diff(p.ar, o.ar))
        held(.w, p.w.valid, p.w.ready, o.w.valid,
             [("DATA", p.w.data != o.w.data), ("STRB", p.w.strb != o.w.strb), ("LAST", p.w.last != o.w.last)].filter(\.1).map(\.0))
        held(.b, p.b.valid, p.b.ready, o.b.valid, [("ID", p.b.id != o.b.id), ("RESP", p.b.resp != o.b.resp)].filter(\.1).map(\.0))
        held(.r, p.r.valid, p.r.ready, o.r.valid,
             [("ID", p.r.id != o.r.id), ("DATA", p.r.data != o.r.data), ("RESP", p.r.resp != o.r.resp), ("LAST", p.r.last != o.r.last)]
                .filter(\.1).map(\.0))
    }

    /// Whether VALID rose this cycle (it was not already waiting from the previous cycle).
    func newlyValid(_ v: Bool, _ pv: Bool?, _ pr: Bool?) -> Bool { v && !((pv ?? false) && !(pr ?? false)) }

    // MARK: Request rules

    func address(_ ch: Channel, _ a: AXI4Observation.Address) {
        let n = ch.rawValue
        let bytes = 1 << min(a.size, 7)
        let beats = a.len + 1
        if a.size > 7 || bytes > beatBytes {
            violation(ch, .burstSize, "\(n)SIZE \(a.size) (\(1 << min(a.size, 62))-byte beats) is wider than the \(beatBytes)-byte data bus")
        } else if config.fullWidthOnly && bytes != beatBytes {
            violation(ch, .burstSize, "\(n)SIZE \(a.size) (\(bytes)-byte beats): narrow beats are not allowed on this \(beatBytes)-byte bus")
        }
        let aligned = a.addr % UInt64(bytes) == 0
        switch a.burst {
        case 1:
            if beats > 256 { violation(ch, .burstLength, "INCR burst of \(beats) beats (\(n)LEN \(a.len)) exceeds 256") }
            let start = a.addr & ~UInt64(bytes - 1)
            let lastByte = start &+ UInt64(beats * bytes) &- 1
            if start >> 12 != lastByte >> 12 {
                violation(ch, .crosses4K, "\(n)ADDR \(hexAddress(a.addr)) + \(beats) beats of \(bytes) bytes ends at \(hexAddress(lastByte)), past the 4 KiB boundary \(hexAddress((start >> 12 + 1) << 12))")
            }
        case 0:
            if beats > 16 { violation(ch, .burstLength, "FIXED burst of \(beats) beats exceeds 16") }
        case 2:
            if ![2, 4, 8, 16].contains(beats) { violation(ch, .burstLength, "WRAP burst of \(beats) beats (must be 2, 4, 8 or 16)") }
            if !aligned { violation(ch, .misaligned, "WRAP burst at \(hexAddress(a.addr)) is not aligned to its \(bytes)-byte beats") }
        default:
            violation(ch, .burstType, "\(n)BURST \(a.burst) is reserved")
        }
        if config.incrOnly && (a.burst == 0 || a.burst == 2) {
            violation(ch, .burstType, "\(n)BURST \(a.burst == 0 ? "FIXED" : "WRAP"): only INCR bursts are allowed")
        }
        if config.alignedOnly && a.burst != 2 && !aligned {
            violation(ch, .misaligned, "\(n)ADDR \(hexAddress(a.addr)) is not aligned to the \(bytes)-byte beat")
        }
    }

    // MARK: Data and response rules

    func readData(_ r: AXI4Observation.ReadData) {
        if newlyValid(r.valid, prev?.r.valid, prev?.r.ready), !(readBursts[r.id]?.contains { $0.accepted < cycle } ?? false) {
            violation(.r, .readWithoutRequest, "RVALID for ID \(r.id) without an outstanding AR")
        }
        guard r.valid && r.ready else { return }
        counts.r += 1
        guard var q = readBursts[r.id], !q.isEmpty, q[0].accepted < cycle else { return }
        q[0].beats += 1
        let b = q[0]
        if !b.reportedLast && r.last && b.beats != b.len + 1 {
            violation(.r, .rlast, "RLAST on beat \(b.beats) of a burst with ARLEN \(b.len) (\(b.len + 1) beats)")
        } else if !b.reportedLast && !r.last && b.beats == b.len + 1 {
            violation(.r, .rlast, "RLAST missing on beat \(b.beats), the last of a burst with ARLEN \(b.len)")
            q[0].reportedLast = true
        }
        if r.last { q.removeFirst() }
        readBursts[r.id] = q.isEmpty ? nil : q
    }

    func writeData(_ w: AXI4Observation.WriteData) {
        guard w.valid && w.ready else { return }
        counts.w += 1
        wBeats += 1
        let k = wBursts.count
        if k < aws.count {
            let len = aws[k].len
            if !wReportedLast && w.last && wBeats != len + 1 {
                violation(.w, .wlast, "WLAST on beat \(wBeats) of burst #\(k), AWLEN \(len) (\(len + 1) beats)")
            } else if !wReportedLast && !w.last && wBeats == len + 1 {
                violation(.w, .wlast, "WLAST missing on beat \(wBeats), the last of burst #\(k) (AWLEN \(len))")
                wReportedLast = true
            }
        } else if !w.last && wBeats > 256 && !wReportedOverlong {
            wReportedOverlong = true
            violation(.w, .wlast, "W burst #\(k) runs past 256 beats without WLAST")
        }
        if w.last {
            wBursts.append(WriteData(beats: wBeats, lastCycle: cycle))
            wBeats = 0
            wReportedOverlong = false
            wReportedLast = false
        }
    }

    func response(_ b: AXI4Observation.Response) {
        if newlyValid(b.valid, prev?.b.valid, prev?.b.ready) {
            if let k = unanswered[b.id]?.first {
                if aws[k].accepted >= cycle {
                    violation(.b, .responseWithoutWrite, "BVALID for ID \(b.id) in the cycle of its AW")
                } else if k >= wBursts.count || wBursts[k].lastCycle >= cycle {
                    violation(.b, .responseWithoutWrite, "BVALID for ID \(b.id) before the last W beat of its burst #\(k)")
                }
            } else {
                violation(.b, .responseWithoutWrite, "BVALID for ID \(b.id) without an outstanding write")
            }
        }
        guard b.valid && b.ready else { return }
        counts.b += 1
        if var q = unanswered[b.id], !q.isEmpty {
            q.removeFirst()
            unanswered[b.id] = q.isEmpty ? nil : q
        }
    }

    /// End-of-run check: every accepted request has all its data and its response.
    public func finish() {
        let reads = readBursts.values.reduce(0) { $0 + $1.count }
        let writes = unanswered.values.reduce(0) { $0 + $1.count }
        if reads > 0 { violation(.r, .unfinished, "\(reads) read burst(s) without all their data") }
        if writes > 0 { violation(.b, .unfinished, "\(writes) write burst(s) without a response") }
        if wBursts.count > aws.count || wBeats > 0 {
            violation(.w, .unfinished, "write data without its AW (\(wBursts.count) complete W bursts for \(aws.count) AWs, \(wBeats) beats pending)")
        }
    }

    /// A readable summary: the count and one line per violation (the first `limit`).
    public func report(limit: Int = 50) -> String {
        var s = "AXI4 checker: \(violations.count) violation(s) in \(cycle - firstCycle) cycles "
            + "(handshakes AR \(counts.ar), R \(counts.r), AW \(counts.aw), W \(counts.w), B \(counts.b))"
        for v in violations.prefix(limit) { s += "\n  " + v.description }
        if violations.count > limit { s += "\n  ... \(violations.count - limit) more" }
        return s
    }
}

/// Samples a design's AXI4 pins (`<prefix>_awvalid`, ... as for ``AXI4SlaveDriver``) every
/// cycle in ``observe()`` and feeds them to a checker; it drives nothing. The ID, size and burst
/// pins are optional (absent: ID 0, full-width beats, INCR).
public final class AXI4Monitor: CycleDriver {
    public let checker: AXI4Checker
    /// Every observation, when recording.
    public private(set) var trace: [AXI4Observation] = []
    public var recording: Bool
    let sim: Simulator
    let awAddr, awLen, awValid, awReady, wData, wStrb, wLast, wValid, wReady, bResp, bValid, bReady: PortHandle
    let arAddr, arLen, arValid, arReady, rData, rResp, rLast, rValid, rReady: PortHandle
    let awId, arId, bId, rId, awSize, arSize, awBurst, arBurst: PortHandle?
    let fullSize: Int

    /// Resolves the pins; the checker's bus width is the width of `<prefix>_wdata` unless
    /// `config` is given.
    public init(_ sim: Simulator, prefix: String = "m_axi", config: AXI4Checker.Config? = nil, recording: Bool = false) throws {
        self.sim = sim
        self.recording = recording
        let p = PrefixedPorts(sim: sim, prefix: prefix)
        awAddr = try p.port("awaddr", .output)
        awLen = try p.port("awlen", .output)
        awValid = try p.port("awvalid", .output, width: 1)
        awReady = try p.port("awready", .input, width: 1)
        wData = try p.port("wdata", .output)
        wStrb = try p.port("wstrb", .output)
        wLast = try p.port("wlast", .output, width: 1)
        wValid = try p.port("wvalid", .output, width: 1)
        wReady = try p.port("wready", .input, width: 1)
        bResp = try p.port("bresp", .input)
        bValid = try p.port("bvalid", .input, width: 1)
        bReady = try p.port("bready", .output, width: 1)
        arAddr = try p.port("araddr", .output)
        arLen = try p.port("arlen", .output)
        arValid = try p.port("arvalid", .output, width: 1)
        arReady = try p.port("arready", .input, width: 1)
        rData = try p.port("rdata", .input)
        rResp = try p.port("rresp", .input)
        rLast = try p.port("rlast", .input, width: 1)
        rValid = try p.port("rvalid", .input, width: 1)
        rReady = try p.port("rready", .output, width: 1)
        awId = try p.optional("awid", .output)
        arId = try p.optional("arid", .output)
        bId = try p.optional("bid", .input)
        rId = try p.optional("rid", .input)
        awSize = try p.optional("awsize", .output)
        arSize = try p.optional("arsize", .output)
        awBurst = try p.optional("awburst", .output)
        arBurst = try p.optional("arburst", .output)
        fullSize = (wData.width / 8).trailingZeroBitCount
        checker = AXI4Checker(config ?? AXI4Checker.Config(dataBits: wData.width), firstCycle: sim.cycle)
    }

    public func drive() throws {}

    /// The pins as they are now (after a settle).
    public func sample() -> AXI4Observation {
        var o = AXI4Observation()
        func addr(_ valid: PortHandle, _ ready: PortHandle, _ a: PortHandle, _ len: PortHandle, _ id: PortHandle?,
                  _ size: PortHandle?, _ burst: PortHandle?) -> AXI4Observation.Address {
            var x = AXI4Observation.Address()
            x.valid = sim.peek(valid) == 1
            x.ready = sim.peek(ready) == 1
            x.addr = sim.peek(a)
            x.len = Int(sim.peek(len))
            x.id = id.map { sim.peek($0) } ?? 0
            x.size = size.map { Int(sim.peek($0)) } ?? fullSize
            x.burst = burst.map { Int(sim.peek($0)) } ?? 1
            return x
        }
        o.aw = addr(awValid, awReady, awAddr, awLen, awId, awSize, awBurst)
        o.ar = addr(arValid, arReady, arAddr, arLen, arId, arSize, arBurst)
        o.w.valid = sim.peek(wValid) == 1
        o.w.ready = sim.peek(wReady) == 1
        o.w.data = sim.peekWords(wData)
        o.w.strb = sim.peekWords(wStrb)
        o.w.last = sim.peek(wLast) == 1
        o.b.valid = sim.peek(bValid) == 1
        o.b.ready = sim.peek(bReady) == 1
        o.b.resp = Int(sim.peek(bResp))
        o.b.id = bId.map { sim.peek($0) } ?? 0
        o.r.valid = sim.peek(rValid) == 1
        o.r.ready = sim.peek(rReady) == 1
        o.r.data = sim.peekWords(rData)
        o.r.resp = Int(sim.peek(rResp))
        o.r.last = sim.peek(rLast) == 1
        o.r.id = rId.map { sim.peek($0) } ?? 0
        return o
    }

    public func observe() throws {
        let o = sample()
        if recording { trace.append(o) }
        checker.check(o)
    }
}
