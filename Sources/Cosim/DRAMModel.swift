/// A byte-addressed memory that serves in-order read and write requests with a latency, a
/// bandwidth and optional random back-pressure: the memory a co-simulation attaches to a
/// design's memory port, through a protocol adapter (``MemoryPortDriver`` for the native
/// port, ``AXI4SlaveDriver`` for AXI4).
///
/// The model is protocol-neutral and advances one clock cycle per ``beginCycle()`` /
/// ``endCycle()`` pair. Between the two, the adapter reports the handshakes it observed (a
/// request accepted, a read beat or a write response taken, a write beat accepted); each report
/// must match something the cycle's ``offer`` allowed, otherwise it is recorded as a
/// ``Fault/Kind-swift.enum/adapter`` fault. Nothing traps: every problem becomes a ``Fault``.
///
/// Timing, exactly (cycle numbers are ``cycle``, the number of completed cycles):
/// * **Reads.** A request accepted in cycle t offers its first beat no earlier than cycle
///   t + `readLatency`; the beats of one request follow each other, requests are served in
///   order (pipelined: a later request's latency runs while earlier ones stream). A beat stays
///   offered (same data) until taken; at most one new beat is offered per cycle.
/// * **Writes.** Write data is accepted at most one beat per cycle; beats are matched to write
///   requests in order and written to memory when accepted (beats that arrive before their
///   request wait, up to `writeDataAhead` of them). The response of a write whose request and
///   last beat were both accepted by cycle t is offered no earlier than t + `writeLatency`, in
///   request order, and stays offered until taken.
/// * **Bandwidth** (per direction, optional): a byte-credit counter c. The bandwidth is
///   `bytes` per `cycles` cycles (an exact ratio: c counts 1/`cycles` bytes, so all arithmetic
///   is integer), and a beat costs `cost` = `beatBytes · cycles`. At the start of every cycle c
///   is limited to cost − 1 (idle time banks less than one beat) and then grows by `bytes`. A
///   read beat is offered, or write data accepted (`ready`), only when c ≥ cost; the beat
///   subtracts cost. A stream that starts after an idle period therefore moves its n-th beat
///   (n ≥ 1) exactly ⌈((n − 1)·cost + 1) / bytes⌉ − 1 cycles after its first (when nothing
///   else holds it back): 3.5 bytes/cycle on 8-byte beats gives beats at +0, +2, +4, +6, +9,
///   ... (one per 16/7 ≈ 2.29 cycles on average), 1 byte/cycle one beat every 8 cycles.
/// * **Back-pressure** (optional, seeded): every cycle draws exactly five numbers from the
///   generator given at init, in a fixed order: read request ready low, write request ready
///   low, write data ready low, read beat gap (no new read beat this cycle), write response gap;
///   each with its configured probability. The same seed gives the same run.
/// * Requests are accepted while fewer than `maxReadsInFlight` reads (`maxWritesInFlight`
///   writes) are unfinished (a read finishes when its last beat is taken, a write when its
///   response is taken).
///
/// Faults: a request that is not beat-aligned or reaches past `capacity` is a fault; its read
/// beats return zeros with `ok` false, its write beats are dropped and its response is not
/// `ok`. A write beat whose `last` flag disagrees with the request's length is a fault (the
/// request's length decides).
public final class DRAMModel {
    /// A rate of `bytes` bytes every `cycles` cycles (kept as an exact ratio).
    public struct Bandwidth: Hashable, Sendable, CustomStringConvertible {
        public let bytes: Int
        public let cycles: Int

        /// `bytes` bytes per `cycles` cycles, reduced to lowest terms.
        public init(bytes: Int, per cycles: Int = 1) {
            let g = Self.gcd(max(1, bytes), max(1, cycles))
            self.bytes = bytes / g
            self.cycles = cycles / g
        }

        /// A decimal rate, taken exactly to six decimal places (3.5 is 7 bytes per 2 cycles).
        public init(bytesPerCycle: Double) {
            self.init(bytes: Int((bytesPerCycle * 1_000_000).rounded()), per: 1_000_000)
        }

        public var bytesPerCycle: Double { Double(bytes) / Double(cycles) }
        public var description: String { cycles == 1 ? "\(bytes) B/cycle" : "\(bytes) B per \(cycles) cycles" }

        static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
    }

    /// Probabilities of the random stalls the model inserts (each drawn every cycle).
    public struct BackPressure: Hashable, Sendable {
        /// Read and write request `ready` low.
        public var requestReadyLow: Double
        /// Write data `ready` low.
        public var writeDataReadyLow: Double
        /// No new read beat offered although one could be.
        public var readDataGap: Double
        /// No write response offered although one could be.
        public var responseGap: Double

        /// The same probability for every kind of stall.
        public init(probability p: Double) {
            self.init(requestReadyLow: p, writeDataReadyLow: p, readDataGap: p, responseGap: p)
        }

        public init(requestReadyLow: Double, writeDataReadyLow: Double, readDataGap: Double, responseGap: Double) {
            self.requestReadyLow = requestReadyLow
            self.writeDataReadyLow = writeDataReadyLow
            self.readDataGap = readDataGap
            self.responseGap = responseGap
        }
    }

    public struct Config: Hashable, Sendable {
        /// Bytes of memory (addresses 0..<capacity).
        public var capacity: Int
        /// Bytes per beat of the port the model serves.
        public var beatBytes: Int
        /// Cycles from a read request's acceptance to its first beat (≥ 1).
        public var readLatency: Int
        /// Cycles from a write's completion (request and last beat accepted) to its response (≥ 1).
        public var writeLatency: Int
        /// Read data rate; nil: one beat per cycle.
        public var readBandwidth: Bandwidth?
        /// Write data rate; nil: one beat per cycle.
        public var writeBandwidth: Bandwidth?
        /// Unfinished reads the model holds before it stops accepting read requests (≥ 1).
        public var maxReadsInFlight: Int
        /// Unfinished writes the model holds before it stops accepting write requests (≥ 1).
        public var maxWritesInFlight: Int
        /// Write beats accepted before their request arrived (0: write data waits for its request).
        public var writeDataAhead: Int
        /// Random stalls; nil: none (the model is then always ready, as its bandwidth allows).
        public var backPressure: BackPressure?
        /// Offer no read beat while an accepted write request still lacks write data, as an
        /// in-order memory controller does (legal for a slave): a master that makes write data
        /// wait for read data deadlocks against it unless it holds each write request back until
        /// the request's data is ready.
        public var readsWaitForWriteData: Bool
        /// Keep a log of every handshake in ``events``.
        public var recordEvents: Bool

        public init(capacity: Int = 1 << 20, beatBytes: Int = 8, readLatency: Int = 8, writeLatency: Int = 4,
                    readBandwidth: Bandwidth? = nil, writeBandwidth: Bandwidth? = nil, maxReadsInFlight: Int = 16,
                    maxWritesInFlight: Int = 16, writeDataAhead: Int = 16, backPressure: BackPressure? = nil,
                    readsWaitForWriteData: Bool = false, recordEvents: Bool = false) {
            self.capacity = capacity
            self.beatBytes = beatBytes
            self.readLatency = readLatency
            self.writeLatency = writeLatency
            self.readBandwidth = readBandwidth
            self.writeBandwidth = writeBandwidth
            self.maxReadsInFlight = maxReadsInFlight
            self.maxWritesInFlight = maxWritesInFlight
            self.writeDataAhead = writeDataAhead
            self.backPressure = backPressure
            self.readsWaitForWriteData = readsWaitForWriteData
            self.recordEvents = recordEvents
        }

        /// Throws a ``SimulationError`` naming the first invalid field.
        public func validate() throws {
            func fail(_ m: String) -> SimulationError { SimulationError(description: "DRAM model: " + m) }
            guard beatBytes >= 1 else { throw fail("beatBytes must be at least 1, got \(beatBytes)") }
            guard capacity >= beatBytes else { throw fail("capacity \(capacity) is smaller than one beat (\(beatBytes) bytes)") }
            guard readLatency >= 1 else { throw fail("readLatency must be at least 1 cycle, got \(readLatency)") }
            guard writeLatency >= 1 else { throw fail("writeLatency must be at least 1 cycle, got \(writeLatency)") }
            for (name, bw) in [("read", readBandwidth), ("write", writeBandwidth)] {
                guard let bw else { continue }
                guard bw.bytes >= 1, bw.cycles >= 1 else { throw fail("\(name) bandwidth must be positive, got \(bw)") }
                guard bw.bytes <= beatBytes * bw.cycles else {
                    throw fail("\(name) bandwidth \(bw) exceeds one beat (\(beatBytes) bytes) per cycle")
                }
            }
            guard maxReadsInFlight >= 1, maxWritesInFlight >= 1 else {
                throw fail("maxReadsInFlight and maxWritesInFlight must be at least 1")
            }
            guard writeDataAhead >= 0 else { throw fail("writeDataAhead must not be negative, got \(writeDataAhead)") }
            if let bp = backPressure {
                for p in [bp.requestReadyLow, bp.writeDataReadyLow, bp.readDataGap, bp.responseGap] where !(0...0.95).contains(p) {
                    throw fail("back-pressure probabilities must be in 0...0.95, got \(p)")
                }
            }
        }
    }

    /// A read beat offered this cycle.
    public struct ReadBeat: Equatable, Sendable {
        public let data: [UInt8]
        /// The request's final beat.
        public let last: Bool
        /// False for a faulted request (the data is then zeros).
        public let ok: Bool
        /// The request's ID (AXI), echoed.
        public let id: UInt64

        public init(data: [UInt8], last: Bool, ok: Bool, id: UInt64 = 0) {
            self.data = data
            self.last = last
            self.ok = ok
            self.id = id
        }
    }

    /// A write response offered this cycle.
    public struct WriteResponse: Equatable, Sendable {
        public let ok: Bool
        public let id: UInt64

        public init(ok: Bool, id: UInt64 = 0) {
            self.ok = ok
            self.id = id
        }
    }

    /// What the model offers in the current cycle (valid from ``beginCycle()`` to ``endCycle()``).
    public struct Offer: Equatable, Sendable {
        public var readRequestReady = false
        public var writeRequestReady = false
        public var writeDataReady = false
        public var readBeat: ReadBeat?
        public var writeResponse: WriteResponse?
    }

    /// A problem the model found, at the cycle it happened.
    public struct Fault: Equatable, Sendable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            /// The access reaches past the capacity.
            case outOfRange = "out of range"
            /// The address is not a multiple of the beat size.
            case misaligned
            /// The adapter's protocol asked for something the model does not serve (e.g. a
            /// narrow or WRAP burst), or a write beat's `last` disagrees with its request.
            case unsupported
            /// The adapter reported a handshake the offer did not allow (a driver bug).
            case adapter
        }
        public let cycle: UInt64
        public let kind: Kind
        public let message: String
        public var description: String { "cycle \(cycle): \(kind.rawValue): \(message)" }
    }

    /// Counters since creation.
    public struct Stats: Equatable, Sendable {
        public var cycles: UInt64 = 0
        /// Cycles in which at least one request was unfinished (or accepted).
        public var busyCycles: UInt64 = 0
        public var readRequests = 0
        public var writeRequests = 0
        public var readBeats = 0
        public var writeBeats = 0
        /// Bytes returned by read beats taken (faulted requests included).
        public var bytesRead = 0
        /// Bytes written to memory (strobed bytes of non-faulted requests).
        public var bytesWritten = 0
    }

    /// One handshake, logged when `recordEvents` is set.
    public struct Event: Equatable, Sendable, CustomStringConvertible {
        public enum Kind: Equatable, Sendable {
            case readRequest(address: UInt64, beats: Int)
            case readBeat(last: Bool)
            case writeRequest(address: UInt64, beats: Int)
            case writeBeat(last: Bool)
            case writeResponse(ok: Bool)
        }
        public let cycle: UInt64
        public let kind: Kind
        public var description: String { "\(cycle): \(kind)" }

        public init(cycle: UInt64, kind: Kind) {
            self.cycle = cycle
            self.kind = kind
        }
    }

    public let config: Config
    public private(set) var offer = Offer()
    public private(set) var faults: [Fault] = []
    public private(set) var stats = Stats()
    public private(set) var events: [Event] = []
    /// Completed cycles (``endCycle()`` calls).
    public var cycle: UInt64 { stats.cycles }

    struct ReadTxn {
        let address: UInt64
        let beats: Int
        let id: UInt64
        let accepted: UInt64
        let ok: Bool
        var offered = 0
    }

    struct WriteTxn {
        let address: UInt64
        let beats: Int
        let id: UInt64
        var ok: Bool
        var received = 0
        /// Cycle in which the request and all beats were in.
        var complete: UInt64?
    }

    struct WriteBeat {
        let data: [UInt8]
        let strobe: [Bool]
        let last: Bool?
    }

    static let pageBytes = 4096
    var pages: [Int: [UInt8]] = [:]
    var reads: [ReadTxn] = []
    var writes: [WriteTxn] = []
    var earlyData: [WriteBeat] = []
    var readCredit = 0
    var writeCredit = 0
    var random: (any RandomNumberGenerator)?
    var open = false
    var busy = false
    var wroteBeat = false
    var stall = (ar: false, aw: false, w: false, r: false, b: false)

    /// A model with `config` (validated). Back-pressure draws from `random`, which it then
    /// needs (give the project's seeded generator, `SplitMix64(seed:)`).
    public init(_ config: Config, random: (any RandomNumberGenerator)? = nil) throws {
        try config.validate()
        if config.backPressure != nil && random == nil {
            throw SimulationError(description: "DRAM model: back-pressure needs a random generator (e.g. SplitMix64(seed:))")
        }
        self.config = config
        self.random = random
        readCredit = config.readBandwidth.map { config.beatBytes * $0.cycles - 1 } ?? 0
        writeCredit = config.writeBandwidth.map { config.beatBytes * $0.cycles - 1 } ?? 0
    }

    // MARK: - Backdoor access

    /// Writes `bytes` at `address` directly (no timing). Throws when out of range.
    public func load(_ bytes: [UInt8], at address: Int) throws {
        guard address >= 0, address <= config.capacity - bytes.count else {
            throw SimulationError(description: "DRAM model: \(bytes.count) bytes at \(hexAddress(address)) exceed the capacity \(config.capacity)")
        }
        for (i, b) in bytes.enumerated() { store(b, at: address + i) }
    }

    /// Reads `count` bytes at `address` directly (unwritten bytes are 0). Throws when out of range.
    public func bytes(at address: Int, count: Int) throws -> [UInt8] {
        guard address >= 0, count >= 0, address <= config.capacity - count else {
            throw SimulationError(description: "DRAM model: \(count) bytes at \(hexAddress(address)) exceed the capacity \(config.capacity)")
        }
        return fetch(address, count)
    }

    func store(_ b: UInt8, at a: Int) {
        let p = a / Self.pageBytes
        if pages[p] == nil { pages[p] = [UInt8](repeating: 0, count: Self.pageBytes) }
        pages[p]![a % Self.pageBytes] = b
    }

    func fetch(_ address: Int, _ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var i = 0
        while i < count {
            let a = address + i, off = a % Self.pageBytes
            let n = min(count - i, Self.pageBytes - off)
            if let page = pages[a / Self.pageBytes] {
                for k in 0..<n { out[i + k] = page[off + k] }
            }
            i += n
        }
        return out
    }

    // MARK: - The cycle

    func draw(_ p: Double) -> Bool {
        guard random != nil else { return false }
        let u = Double(random!.next() >> 11) / Double(1 << 53)
        return u < p
    }

    func cost(_ bw: Bandwidth) -> Int { config.beatBytes * bw.cycles }

    /// Starts a cycle: updates the credits, draws the stalls and returns what the memory offers.
    @discardableResult
    public func beginCycle() -> Offer {
        if open { fault(.adapter, "beginCycle() called twice without endCycle()") }
        open = true
        wroteBeat = false
        busy = !reads.isEmpty || !writes.isEmpty || !earlyData.isEmpty
        if let bp = config.backPressure {
            stall = (draw(bp.requestReadyLow), draw(bp.requestReadyLow), draw(bp.writeDataReadyLow), draw(bp.readDataGap), draw(bp.responseGap))
        }
        if let bw = config.readBandwidth { readCredit = min(readCredit, cost(bw) - 1) + bw.bytes }
        if let bw = config.writeBandwidth { writeCredit = min(writeCredit, cost(bw) - 1) + bw.bytes }

        var o = Offer()
        o.readRequestReady = reads.count < config.maxReadsInFlight && !stall.ar
        o.writeRequestReady = writes.count < config.maxWritesInFlight && !stall.aw
        let awaiting = writes.contains { $0.received < $0.beats }
        let readsBlocked = config.readsWaitForWriteData && awaiting
        o.writeDataReady = (awaiting || earlyData.count < config.writeDataAhead) && !stall.w
            && config.writeBandwidth.map { writeCredit >= cost($0) } ?? true

        // Read data: keep the offered beat until it is taken, else offer the next one.
        var newBeat = false
        if let held = offer.readBeat {
            o.readBeat = held
        } else if var head = reads.first, head.offered < head.beats,
                  head.offered > 0 || cycle >= head.accepted + UInt64(config.readLatency),
                  config.readBandwidth.map({ readCredit >= cost($0) }) ?? true, !stall.r, !readsBlocked {
            let data = head.ok ? fetch(Int(head.address) + head.offered * config.beatBytes, config.beatBytes)
                : [UInt8](repeating: 0, count: config.beatBytes)
            head.offered += 1
            reads[0] = head
            o.readBeat = ReadBeat(data: data, last: head.offered == head.beats, ok: head.ok, id: head.id)
            newBeat = true
        }
        if let bw = config.readBandwidth, newBeat { readCredit -= cost(bw) }

        if let held = offer.writeResponse {
            o.writeResponse = held
        } else if let head = writes.first, let done = head.complete, cycle >= done + UInt64(config.writeLatency), !stall.b {
            o.writeResponse = WriteResponse(ok: head.ok, id: head.id)
        }
        offer = o
        return o
    }

    func checkOpen(_ what: String) -> Bool {
        if !open { fault(.adapter, "\(what) reported outside beginCycle()/endCycle()") }
        return open
    }

    func validate(_ what: String, _ address: UInt64, _ beats: Int) -> Bool {
        let bb = UInt64(config.beatBytes)
        if address % bb != 0 {
            fault(.misaligned, "\(what) at \(hexAddress(address)) is not aligned to the \(bb)-byte beat")
            return false
        }
        let bytes = UInt64(max(0, beats)) * bb
        if beats < 1 || address > UInt64(config.capacity) || bytes > UInt64(config.capacity) - address {
            fault(.outOfRange, "\(what) of \(beats) beats at \(hexAddress(address)) reaches past the capacity \(hexAddress(config.capacity))")
            return false
        }
        return true
    }

    /// A read request was accepted this cycle (`unsupported`: why the adapter cannot serve it).
    public func acceptReadRequest(address: UInt64, beats: Int, id: UInt64 = 0, unsupported: String? = nil) {
        guard checkOpen("read request") else { return }
        if !offer.readRequestReady { fault(.adapter, "read request accepted while the model was not ready") }
        if let u = unsupported { fault(.unsupported, u) }
        let ok = validate("read", address, beats) && unsupported == nil
        reads.append(ReadTxn(address: address, beats: max(1, beats), id: id, accepted: cycle, ok: ok))
        stats.readRequests += 1
        busy = true
        log(.readRequest(address: address, beats: beats))
    }

    /// A write request was accepted this cycle.
    public func acceptWriteRequest(address: UInt64, beats: Int, id: UInt64 = 0, unsupported: String? = nil) {
        guard checkOpen("write request") else { return }
        if !offer.writeRequestReady { fault(.adapter, "write request accepted while the model was not ready") }
        if let u = unsupported { fault(.unsupported, u) }
        let ok = validate("write", address, beats) && unsupported == nil
        writes.append(WriteTxn(address: address, beats: max(1, beats), id: id, ok: ok))
        stats.writeRequests += 1
        busy = true
        log(.writeRequest(address: address, beats: beats))
        // Beats that came ahead of their request.
        while !earlyData.isEmpty, writes[writes.count - 1].received < writes[writes.count - 1].beats {
            apply(earlyData.removeFirst(), to: writes.count - 1)
        }
    }

    /// A write beat was accepted this cycle: `data` (beatBytes bytes), `strobe` (one flag per
    /// byte: write it), `last` (the port's last flag, if it has one).
    public func acceptWriteData(_ data: [UInt8], strobe: [Bool], last: Bool?) {
        guard checkOpen("write beat") else { return }
        if !offer.writeDataReady { fault(.adapter, "write beat accepted while the model was not ready") }
        if wroteBeat { fault(.adapter, "two write beats reported in one cycle") }
        wroteBeat = true
        busy = true
        if let bw = config.writeBandwidth { writeCredit -= cost(bw) }
        let beat = WriteBeat(data: data, strobe: strobe, last: last)
        stats.writeBeats += 1
        log(.writeBeat(last: last ?? false))
        if let i = writes.firstIndex(where: { $0.received < $0.beats }) {
            apply(beat, to: i)
        } else {
            earlyData.append(beat)
        }
    }

    func apply(_ beat: WriteBeat, to i: Int) {
        var t = writes[i]
        let final = t.received + 1 == t.beats
        if let l = beat.last, l != final {
            fault(.unsupported, "write beat \(t.received + 1) of \(t.beats) at \(hexAddress(t.address)) has last = \(l ? 1 : 0)")
        }
        if t.ok {
            let base = Int(t.address) + t.received * config.beatBytes
            for k in 0..<min(config.beatBytes, beat.data.count) where k < beat.strobe.count && beat.strobe[k] {
                store(beat.data[k], at: base + k)
                stats.bytesWritten += 1
            }
        }
        t.received += 1
        if final { t.complete = cycle }
        writes[i] = t
    }

    /// The offered read beat was taken this cycle.
    public func takeReadBeat() {
        guard checkOpen("read beat") else { return }
        guard let beat = offer.readBeat else {
            fault(.adapter, "read beat taken while none was offered")
            return
        }
        offer.readBeat = nil
        stats.readBeats += 1
        stats.bytesRead += config.beatBytes
        log(.readBeat(last: beat.last))
        if beat.last { reads.removeFirst() }
    }

    /// The offered write response was taken this cycle.
    public func takeWriteResponse() {
        guard checkOpen("write response") else { return }
        guard let r = offer.writeResponse else {
            fault(.adapter, "write response taken while none was offered")
            return
        }
        offer.writeResponse = nil
        log(.writeResponse(ok: r.ok))
        writes.removeFirst()
    }

    /// Ends the cycle (after the handshakes were reported).
    public func endCycle() {
        guard checkOpen("endCycle()") else { return }
        open = false
        if busy { stats.busyCycles += 1 }
        stats.cycles += 1
    }

    /// Reads and writes not yet finished.
    public var outstanding: (reads: Int, writes: Int) { (reads.count, writes.count) }

    func fault(_ kind: Fault.Kind, _ message: String) {
        faults.append(Fault(cycle: cycle, kind: kind, message: message))
    }

    func log(_ k: Event.Kind) {
        if config.recordEvents { events.append(Event(cycle: cycle, kind: k)) }
    }
}

func hexAddress<T: BinaryInteger>(_ v: T) -> String { "0x" + String(v, radix: 16) }

/// Conversions between a port's 32-bit words (least significant first, as ``Simulator`` reads
/// and writes them) and bytes (byte 0 in the low bits).
public enum PortBytes {
    public static func bytes(_ words: [UInt32], count: Int) -> [UInt8] {
        (0..<count).map { i in i / 4 < words.count ? UInt8(truncatingIfNeeded: words[i / 4] >> UInt32(8 * (i % 4))) : 0 }
    }

    public static func words(_ bytes: [UInt8]) -> [UInt32] {
        var w = [UInt32](repeating: 0, count: max(1, (bytes.count + 3) / 4))
        for (i, b) in bytes.enumerated() { w[i / 4] |= UInt32(b) << UInt32(8 * (i % 4)) }
        return w
    }

    /// Bit i of the words as flag i, for `count` flags.
    public static func flags(_ words: [UInt32], count: Int) -> [Bool] {
        (0..<count).map { i in i / 32 < words.count && (words[i / 32] >> UInt32(i % 32)) & 1 == 1 }
    }

    /// Flags as bits (flag i in bit i).
    public static func words(flags: [Bool]) -> [UInt32] {
        var w = [UInt32](repeating: 0, count: max(1, (flags.count + 31) / 32))
        for (i, f) in flags.enumerated() where f { w[i / 32] |= 1 << UInt32(i % 32) }
        return w
    }
}
