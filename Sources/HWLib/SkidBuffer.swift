import HWCore

/// A register slice for a valid/ready channel (a two-entry skid buffer): it cuts every
/// combinational path through the channel — forward (`in_valid`, payload -> `out_*`) and
/// backward (`out_ready` -> `in_ready`) — at full throughput, so long chains of valid/ready
/// blocks meet timing and cannot form combinational loops through it.
///
/// Contract:
/// * `out_valid`, the `out` payload and `in_ready` are register outputs (no logic after the
///   flip-flop but the port).
/// * **Latency 1**: an entry accepted in cycle t is offered on `out` from cycle t + 1.
/// * **Throughput 1 per cycle**, sustained: `in_ready` stays high while `out` is being read.
/// * Two entries: the output register and the skid register. While `out` is stalled, the one
///   entry that was already in flight when the stall started (`in_ready` is still high in
///   that cycle) lands in the skid register, and `in_ready` drops the cycle after. So
///   `in_ready` is exactly "fewer than two entries held" and `out_valid` "at least one", which
///   is a 2-entry ``SyncFIFO`` without pass-through, with the output taken straight from a
///   register instead of a multiplexer.
/// * Order kept; nothing lost or duplicated. Transfers during reset are ignored; `in_ready` is
///   high from reset on (the buffer is empty).
public enum SkidBuffer {
    /// Configuration of a standalone skid buffer.
    public struct Config: Codable, Sendable, Hashable, CustomStringConvertible {
        /// Payload bits. The builders with a structured payload take it from the payload: leave
        /// it 0 there (a nonzero width must match).
        public var width: Int

        public init(width: Int = 0) { self.width = width }

        /// Throws an ``HWLibError`` for an invalid width.
        public func validate() throws {
            guard (1...BitsType.maxWidth).contains(width) else {
                throw HWLibError("skid buffer: width must be in 1...\(BitsType.maxWidth), got \(width)")
            }
        }

        /// Cycles from an accepted entry to its earliest transfer on `out`.
        public var latency: Int { 1 }

        public var parameters: [String: ParamValue] { ["design": .string("skid_buffer"), "width": .int(width)] }
        public var description: String { "width \(width)" }
    }

    /// The ports: `in_valid`, `in_ready`, the `in` payload (`in_bits` or `in_<field>`),
    /// `out_valid`, `out_ready`, the `out` payload.
    public struct Ports<Payload: PortShape>: Interface {
        @Input public var inp: Decoupled<Payload>
        @Output public var out: Decoupled<Payload>

        public init(payload: Payload.Spec) {
            _inp = Input(payload, name: "in")
            _out = Output(payload)
        }
    }

    /// The emitted module name, e.g. `skid_buffer_w32`.
    public static func moduleName(_ c: Config) -> String { "skid_buffer_w\(c.width)" }

    /// Builds a standalone skid buffer with a UInt(`width`) payload.
    public static func build(_ c: Config, file: String = #fileID, line: Int = #line) throws -> Definition<Ports<Signal>> {
        try build(c, payload: BitsType.uint(c.width), as: Signal.self, name: moduleName(c), file: file, line: line)
    }

    /// Builds a standalone skid buffer for any payload shape; `c.width` may be 0 (taken from the
    /// payload) or must match it.
    public static func build<P: PortShape>(_ c: Config, payload: P.Spec, as: P.Type = P.self, name: String? = nil,
                                           file: String = #fileID, line: Int = #line) throws -> Definition<Ports<P>> {
        let layout = try payloadLayout(payload, as: P.self, what: "skid buffer")
        var cfg = c
        if cfg.width == 0 { cfg.width = layout.width }
        guard cfg.width == layout.width else {
            throw HWLibError("skid buffer: width \(cfg.width) does not match the payload's \(layout.width) bits (leave width 0 to take it from the payload)")
        }
        try cfg.validate()
        let mod = Module(name ?? moduleName(cfg), file: file, line: line)
        mod.doc = "Skid buffer (register slice), \(cfg.width)-bit payload: out_valid, out payload and in_ready are registers; "
            + "latency 1, one transfer per cycle."
        let io = mod.ports(Ports<P>(payload: payload), file: file, line: line)
        let core = construct(layout, in: mod, inValid: io.inp.valid, inWord: layout.pack(io.inp.bits.leafSignals),
                             outReady: io.out.ready, prefix: "", file: file, line: line)
        io.inp.ready.assign(core.inReady, file: file, line: line)
        io.out.valid.assign(core.outValid, file: file, line: line)
        for (port, value) in zip(io.out.bits.leafSignals, layout.unpack(core.outWord)) { port.assign(value, file: file, line: line) }
        return Definition(mod, io)
    }

    /// Builds a skid buffer inline, in the module that owns `input`, behind that channel (it
    /// reads `input.valid` / `input.bits` and drives `input.ready`). Names are prefixed `<name>_`.
    ///
    /// - Returns: the output channel: `valid` and `bits` to read, `ready` the wire
    ///   `<name>_out_ready` to drive.
    public static func slice<P: PortShape>(_ input: Decoupled<P>, name: String,
                                           file: String = #fileID, line: Int = #line) throws -> Decoupled<P> {
        let m = try channelModule(input, what: "skid buffer '\(name)'", file: file, line: line)
        let layout = PayloadLayout(input.bits.leafSignals)
        let p = name + "_"
        let outReady = m.wire(p + "out_ready", .bool, file: file, line: line)
        let core = construct(layout, in: m, inValid: input.valid, inWord: layout.pack(input.bits.leafSignals), outReady: outReady,
                             prefix: p, file: file, line: line)
        input.ready.assign(core.inReady, file: file, line: line)
        let fields = layout.unpack(core.outWord)
        let named = fields.count == 1
            ? [m.wire(p + "out_bits", fields[0], file: file, line: line)]
            : fields.enumerated().map { m.wire(p + "out_bits_\($0.offset)", $0.element, file: file, line: line) }
        return Decoupled(valid: core.outValid, ready: outReady, bits: rebuild(input.bits, leaves: named))
    }

    struct Core {
        let inReady: Signal
        let outValid: Signal
        let outWord: Signal
    }

    static func construct(_ layout: PayloadLayout, in m: Module, inValid: Signal, inWord: Signal, outReady: Signal,
                          prefix p: String, file: String, line: Int) -> Core {
        let t = BitsType.uint(layout.width)
        let outValid = m.reg(p + "out_valid_q", .bool, reset: 0, file: file, line: line)
        // in_ready is stored, not derived, so the port is a flip-flop output; it is 1 exactly
        // when the skid register is empty.
        let inReady = m.reg(p + "in_ready_q", .bool, reset: 1, file: file, line: line)
        let outQ = m.reg(p + "out_q", t, reset: .none, file: file, line: line)
        let skidQ = m.reg(p + "skid_q", t, reset: .none, file: file, line: line)
        // The output register frees at this edge when it is empty or being read.
        let outFree = m.wire(p + "out_free", !outValid || outReady, file: file, line: line)
        m.when(outFree, file: file, line: line) {
            m.when(!inReady, file: file, line: line) {
                // The skid entry is older than anything at the input (which sees in_ready = 0).
                outQ.assign(skidQ, file: file, line: line)
                outValid.assign(1, file: file, line: line)
                inReady.assign(1, file: file, line: line)
            }.otherwise(file: file, line: line) {
                outValid.assign(inValid, file: file, line: line)
                m.when(inValid, file: file, line: line) { outQ.assign(inWord, file: file, line: line) }
            }
        }.otherwise(file: file, line: line) {
            // Output stalled: an entry accepted now (in_ready was high) waits in the skid register.
            m.when(inValid && inReady, file: file, line: line) {
                skidQ.assign(inWord, file: file, line: line)
                inReady.assign(0, file: file, line: line)
            }
        }
        return Core(inReady: inReady, outValid: outValid, outWord: outQ)
    }
}
