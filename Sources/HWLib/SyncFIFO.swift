import HWCore

/// A synchronous FIFO between two valid/ready channels: `enq` (consumer side: the FIFO drives
/// `enq_ready`) and `deq` (producer side: the FIFO drives `deq_valid` and the payload), plus
/// `count`, the number of entries held.
///
/// Contract (every storage kind, every depth ≥ 1, any width):
/// * **Order**: entries leave in the order they arrived; none is lost or duplicated.
/// * **Latency 1, no fall-through**: an entry enqueued in cycle t (`enq_valid && enq_ready`) is
///   offered on `deq` from cycle t + 1. `deq_valid` and the `deq` payload are functions of
///   registers only: they never depend combinationally on `enq_valid`, the `enq` payload or
///   `deq_ready`.
/// * `count` is a register: the entries held at the start of the cycle (transfers of the cycle
///   show in the next one). `deq_valid` is exactly `count != 0`.
/// * **`enq_ready`**, by default, is exactly `count != depth` — a function of registers only, so
///   the FIFO cuts every combinational path between its two sides and can be placed anywhere in
///   a valid/ready graph (also in loops, e.g. a FIFO feeding back into an arbiter) without
///   creating a combinational loop. The price: a full FIFO does not accept in a cycle in which
///   it is read; the entry is taken one cycle later.
/// * With ``Config/readyPassThrough``, `enq_ready` is `count != depth || deq_ready`: a full FIFO
///   accepts an entry in the cycle it is read (so even depth 1 runs at one entry per cycle).
///   That is a combinational path `deq_ready -> enq_ready`. It is loop-free in any acyclic
///   chain of blocks that obey the valid/ready rules (valid never waits for ready), but a cycle
///   of blocks that all pass ready through (e.g. FIFO -> arbiter -> same FIFO) is a
///   combinational loop, which elaboration reports. Use it where the stall path is short.
/// * **Throughput**: one enqueue and one dequeue per cycle, sustained whenever the FIFO is
///   neither empty nor full, in particular when both sides are always ready (N entries take
///   N + 1 cycles from the first enqueue to the last dequeue). Exception: depth 1 without
///   pass-through alternates (an entry every 2 cycles) — use a ``SkidBuffer`` or depth 2.
/// * Transfers during reset are ignored; `rst` empties the FIFO.
///
/// Storage (``Storage``): registers (a circular buffer; the `deq` payload is a multiplexer over
/// the entries at the read pointer), or a simple-dual-port `memory` with synchronous read so
/// FPGA tools infer distributed or block RAM. With a memory, the head entry sits in the RAM's
/// read register (prefetched as soon as the head slot frees) or, when the RAM is empty, in a
/// bypass register loaded straight from `enq`; a register bit chooses which drives `deq`. That
/// keeps latency 1 and full throughput, with one extra payload register and a 2:1 multiplexer.
public enum SyncFIFO {
    /// Where the entries live.
    public enum Storage: String, Codable, Sendable, Hashable, CaseIterable {
        /// `memory` when `depth ≥ autoMemoryMinDepth` and `depth × width ≥ autoMemoryMinBits`,
        /// else `registers`.
        case auto
        /// One register per entry (any depth up to ``Config/maxRegisterDepth``).
        case registers
        /// A synchronous-read RAM (depth ≥ 2) plus one bypass register.
        case memory
    }

    /// Configuration of a FIFO.
    public struct Config: Codable, Sendable, Hashable, CustomStringConvertible {
        /// Entries held, ≥ 1 (any integer, not only powers of two).
        public var depth: Int
        /// Payload bits. The builders with a structured payload (`payload:` / ``queue(_:depth:storage:readyPassThrough:name:file:line:)``)
        /// take it from the payload: leave it 0 there (a nonzero width must match).
        public var width: Int
        public var storage: Storage
        /// `enq_ready` also when full if `deq_ready` (see the type's contract). Off by default.
        public var readyPassThrough: Bool

        public init(depth: Int, width: Int = 0, storage: Storage = .auto, readyPassThrough: Bool = false) {
            self.depth = depth
            self.width = width
            self.storage = storage
            self.readyPassThrough = readyPassThrough
        }

        /// Largest depth accepted.
        public static let maxDepth = 1 << 20
        /// Largest depth stored in registers (a deeper FIFO needs `.memory`).
        public static let maxRegisterDepth = 1024
        /// `.auto` uses a memory from this depth ...
        public static let autoMemoryMinDepth = 32
        /// ... when the FIFO holds at least this many bits.
        public static let autoMemoryMinBits = 512

        /// Throws an ``HWLibError`` naming the first invalid field.
        public func validate() throws {
            guard (1...Self.maxDepth).contains(depth) else {
                throw HWLibError("sync FIFO: depth must be in 1...\(Self.maxDepth), got \(depth)")
            }
            guard (1...BitsType.maxWidth).contains(width) else {
                throw HWLibError("sync FIFO: width must be in 1...\(BitsType.maxWidth), got \(width)")
            }
            switch resolvedStorage {
            case .memory where depth < 2:
                throw HWLibError("sync FIFO: memory storage needs depth >= 2, got \(depth) (use registers)")
            case .registers where depth > Self.maxRegisterDepth:
                throw HWLibError("sync FIFO: register storage holds at most \(Self.maxRegisterDepth) entries, got depth \(depth) (use storage: .memory)")
            default:
                break
            }
        }

        /// `.registers` or `.memory`: what `.auto` stands for with this depth and width.
        public var resolvedStorage: Storage {
            guard storage == .auto else { return storage }
            return depth >= Self.autoMemoryMinDepth && depth * width >= Self.autoMemoryMinBits ? .memory : .registers
        }

        /// Width of `count`: enough bits to hold `depth`.
        public var countWidth: Int { bitsToHold(depth) }

        /// Cycles from an enqueue to the earliest dequeue of that entry.
        public var latency: Int { 1 }

        /// Parameters recorded in the design manifest.
        public var parameters: [String: ParamValue] {
            ["design": .string("sync_fifo"), "depth": .int(depth), "width": .int(width),
             "storage": .string(resolvedStorage.rawValue), "readyPassThrough": .bool(readyPassThrough)]
        }

        public var description: String {
            "depth \(depth) width \(width) \(resolvedStorage.rawValue)" + (readyPassThrough ? " pass-through" : "")
        }
    }

    /// The FIFO's ports: `enq_valid`, `enq_ready`, the `enq` payload, `deq_valid`, `deq_ready`,
    /// the `deq` payload and `count` (UInt(``Config/countWidth``)). A ground payload is named
    /// `enq_bits` / `deq_bits`, a bundle's fields `enq_<field>` / `deq_<field>`.
    public struct Ports<Payload: PortShape>: Interface {
        @Input public var enq: Decoupled<Payload>
        @Output public var deq: Decoupled<Payload>
        @Output public var count: Signal

        public init(payload: Payload.Spec, countWidth: Int) {
            _enq = Input(payload)
            _deq = Output(payload)
            _count = Output(.uint(countWidth))
        }
    }

    /// The emitted module name, e.g. `sync_fifo_d5_w8`, `sync_fifo_d64_w72_mem`, with `_pt`
    /// appended for a pass-through ready.
    public static func moduleName(_ c: Config) -> String {
        "sync_fifo_d\(c.depth)_w\(c.width)" + (c.resolvedStorage == .memory ? "_mem" : "") + (c.readyPassThrough ? "_pt" : "")
    }

    /// Builds a standalone FIFO module with a UInt(`width`) payload (validating `c` first).
    public static func build(_ c: Config, file: String = #fileID, line: Int = #line) throws -> Definition<Ports<Signal>> {
        try build(c, payload: BitsType.uint(c.width), as: Signal.self, name: moduleName(c), file: file, line: line)
    }

    /// Builds a standalone FIFO module for any payload shape (e.g. `MemReadBeat` with a
    /// `MemoryPortSpec`); `c.width` may be 0 (it is taken from the payload) or must match it.
    /// `name` defaults to ``moduleName(_:)``.
    public static func build<P: PortShape>(_ c: Config, payload: P.Spec, as: P.Type = P.self, name: String? = nil,
                                           file: String = #fileID, line: Int = #line) throws -> Definition<Ports<P>> {
        let layout = try payloadLayout(payload, as: P.self, what: "sync FIFO")
        let cfg = try resolveWidth(c, layout.width)
        let mod = Module(name ?? moduleName(cfg), file: file, line: line)
        mod.doc = "Synchronous FIFO, \(cfg.depth) entries of \(cfg.width) bits in \(cfg.resolvedStorage.rawValue); latency 1, "
            + "deq_valid/deq payload from registers; enq_ready = "
            + (cfg.readyPassThrough ? "count != depth || deq_ready (pass-through)." : "count != depth (registered).")
        let io = mod.ports(Ports<P>(payload: payload, countWidth: cfg.countWidth), file: file, line: line)
        let core = construct(cfg, layout: layout, in: mod, enqValid: io.enq.valid, enqWord: layout.pack(io.enq.bits.leafSignals),
                             deqReady: io.deq.ready, prefix: "", file: file, line: line)
        io.enq.ready.assign(core.enqReady, file: file, line: line)
        io.deq.valid.assign(core.deqValid, file: file, line: line)
        for (port, value) in zip(io.deq.bits.leafSignals, layout.unpack(core.deqWord)) { port.assign(value, file: file, line: line) }
        io.count.assign(core.count, file: file, line: line)
        return Definition(mod, io)
    }

    /// Builds a FIFO inline, in the module that owns `enq`, behind that channel: it reads
    /// `enq.valid` and `enq.bits` and drives `enq.ready` (so `enq` is e.g. the module's own input
    /// port `io.inp`, an instance's output channel, or ``Decoupled/wires(_:_:in:file:line:)``).
    /// Same contract as the standalone module; names are prefixed `<name>_`.
    ///
    /// - Returns: `deq`, whose `valid` and `bits` are wires to read and whose `ready` is the wire
    ///   `<name>_deq_ready`, which the caller must drive (e.g. `fifo.deq.drive(io.out)`); and
    ///   `count`, the entries held.
    public static func queue<P: PortShape>(_ enq: Decoupled<P>, depth: Int, storage: Storage = .auto, readyPassThrough: Bool = false,
                                           name: String, file: String = #fileID, line: Int = #line) throws -> (deq: Decoupled<P>, count: Signal) {
        let m = try channelModule(enq, what: "sync FIFO '\(name)'", file: file, line: line)
        let layout = PayloadLayout(enq.bits.leafSignals)
        let cfg = Config(depth: depth, width: layout.width, storage: storage, readyPassThrough: readyPassThrough)
        do { try cfg.validate() } catch let e as HWLibError { throw HWLibError("\(e.message) (FIFO '\(name)' at \(file):\(line))") }
        let p = name + "_"
        let deqReady = m.wire(p + "deq_ready", .bool, file: file, line: line)
        let core = construct(cfg, layout: layout, in: m, enqValid: enq.valid, enqWord: layout.pack(enq.bits.leafSignals),
                             deqReady: deqReady, prefix: p, file: file, line: line)
        enq.ready.assign(core.enqReady, file: file, line: line)
        let fields = layout.unpack(core.deqWord)
        let named = fields.count == 1
            ? [m.wire(p + "deq_bits", fields[0], file: file, line: line)]
            : fields.enumerated().map { m.wire(p + "deq_bits_\($0.offset)", $0.element, file: file, line: line) }
        let deq = Decoupled(valid: m.wire(p + "deq_valid", core.deqValid, file: file, line: line), ready: deqReady,
                            bits: rebuild(enq.bits, leaves: named))
        return (deq, core.count)
    }

    // MARK: - Implementation

    static func resolveWidth(_ c: Config, _ payloadWidth: Int) throws -> Config {
        var cfg = c
        if cfg.width == 0 {
            cfg.width = payloadWidth
        } else if cfg.width != payloadWidth {
            throw HWLibError("sync FIFO: width \(cfg.width) does not match the payload's \(payloadWidth) bits (leave width 0 to take it from the payload)")
        }
        try cfg.validate()
        return cfg
    }

    /// What the FIFO drives: `enq`'s ready, `deq`'s valid and packed payload, and the count.
    struct Core {
        let enqReady: Signal
        let deqValid: Signal
        let deqWord: Signal
        let count: Signal
    }

    /// Builds the FIFO state in `m` (names prefixed with `prefix`). `c` is validated.
    static func construct(_ c: Config, layout: PayloadLayout, in m: Module, enqValid: Signal, enqWord: Signal, deqReady: Signal,
                          prefix p: String, file: String, line: Int) -> Core {
        func wire(_ n: String, _ v: Signal) -> Signal { m.wire(p + n, v, file: file, line: line) }
        // `count` is the only occupancy state the handshakes look at: full and valid are one
        // comparison away from a register, never from an input.
        let count = m.reg(p + "count_q", .uint(c.countWidth), reset: 0, file: file, line: line)
        let full = wire("full", count == c.depth)
        let notEmpty = wire("not_empty", count != 0)
        let enqReady = wire("accept", c.readyPassThrough ? !full || deqReady : !full)
        let enqFire = wire("push", enqValid && enqReady)
        let deqFire = wire("pop", notEmpty && deqReady)
        m.when(enqFire && !deqFire, file: file, line: line) {
            count.assign(count &+ 1, file: file, line: line)
        }.elseWhen(!enqFire && deqFire, file: file, line: line) {
            count.assign(count &- 1, file: file, line: line)
        }
        let word: Signal
        switch c.resolvedStorage {
        case .memory:
            word = memoryStorage(c, m, enqFire: enqFire, enqWord: enqWord, deqReady: deqReady, count: count, headValid: notEmpty,
                                 prefix: p, file: file, line: line)
        default:
            word = registerStorage(c, m, enqFire: enqFire, enqWord: enqWord, deqFire: deqFire, prefix: p, file: file, line: line)
        }
        return Core(enqReady: enqReady, deqValid: notEmpty, deqWord: word, count: count)
    }

    /// A circular buffer of registers; returns the head entry (a multiplexer at the read pointer).
    static func registerStorage(_ c: Config, _ m: Module, enqFire: Signal, enqWord: Signal, deqFire: Signal,
                                prefix p: String, file: String, line: Int) -> Signal {
        let t = BitsType.uint(c.width)
        if c.depth == 1 {
            let entry = m.reg(p + "entry_0", t, reset: .none, file: file, line: line)
            m.when(enqFire, file: file, line: line) { entry.assign(enqWord, file: file, line: line) }
            return entry
        }
        let ptrWidth = ceilLog2(c.depth)
        let rd = m.reg(p + "rd_ptr", .uint(ptrWidth), reset: 0, file: file, line: line)
        let wr = m.reg(p + "wr_ptr", .uint(ptrWidth), reset: 0, file: file, line: line)
        m.when(enqFire, file: file, line: line) { wr.assign(incrementWrapping(wr, modulus: c.depth), file: file, line: line) }
        m.when(deqFire, file: file, line: line) { rd.assign(incrementWrapping(rd, modulus: c.depth), file: file, line: line) }
        // Data registers have no reset: an entry is only read while `count` says it is held.
        let entries = (0..<c.depth).map { i -> Signal in
            let e = m.reg(p + "entry_\(i)", t, reset: .none, file: file, line: line)
            m.when(enqFire && wr == i, file: file, line: line) { e.assign(enqWord, file: file, line: line) }
            return e
        }
        let v = Vec(entries)
        let head = c.depth == 1 << ptrWidth ? v[rd, file: file, line: line] : v.select(rd, default: entries[0], file: file, line: line)
        return m.wire(p + "head", head, file: file, line: line)
    }

    /// A synchronous-read RAM behind a head stage: the head is the RAM's read register (when
    /// `head_from_mem`) or the bypass register. Invariant: the RAM holds entries only while the
    /// head is valid (an entry goes to the bypass register exactly when the RAM is empty and
    /// the head slot frees), so `count - head_valid` entries are in the RAM and `head_valid` is
    /// `count != 0`. The RAM never holds more than depth - 1 entries, so the read and write
    /// pointers never meet while both ports are active.
    static func memoryStorage(_ c: Config, _ m: Module, enqFire: Signal, enqWord: Signal, deqReady: Signal, count: Signal,
                              headValid: Signal, prefix p: String, file: String, line: Int) -> Signal {
        func wire(_ n: String, _ v: Signal) -> Signal { m.wire(p + n, v, file: file, line: line) }
        let t = BitsType.uint(c.width)
        let ram = m.memory(p + "ram", t, depth: c.depth, file: file, line: line)
        let aw = ram.addressWidth
        let rd = m.reg(p + "rd_ptr", .uint(aw), reset: 0, file: file, line: line)
        let wr = m.reg(p + "wr_ptr", .uint(aw), reset: 0, file: file, line: line)
        let headFromMem = m.reg(p + "head_from_mem", .bool, reset: 0, file: file, line: line)
        let bypassQ = m.reg(p + "bypass_q", t, reset: .none, file: file, line: line)
        // The head slot is free after this edge unless it holds an entry that is not taken now.
        let headFree = wire("head_free", !headValid || deqReady)
        let ramNotEmpty = wire("ram_not_empty", count > headValid.extended(to: c.countWidth, file: file, line: line))
        let ramRead = wire("ram_read", ramNotEmpty && headFree)
        let bypass = wire("bypass", enqFire && !ramNotEmpty && headFree)
        let ramWrite = wire("ram_write", enqFire && !bypass)
        let rdata = ram.read(rd, enable: ramRead, file: file, line: line)
        ram.write(wr, enqWord, enable: ramWrite, file: file, line: line)
        m.when(ramRead, file: file, line: line) {
            rd.assign(incrementWrapping(rd, modulus: c.depth), file: file, line: line)
            headFromMem.assign(1, file: file, line: line)
        }.elseWhen(bypass, file: file, line: line) {
            headFromMem.assign(0, file: file, line: line)
        }
        m.when(ramWrite, file: file, line: line) { wr.assign(incrementWrapping(wr, modulus: c.depth), file: file, line: line) }
        m.when(bypass, file: file, line: line) { bypassQ.assign(enqWord, file: file, line: line) }
        return wire("head", mux(headFromMem, rdata, bypassQ))
    }
}
