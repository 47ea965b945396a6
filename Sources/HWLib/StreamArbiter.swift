import HWCore

/// An N-to-1 arbiter for valid/ready channels: inputs `in_0 ... in_{N-1}`, one output `out`, and
/// `grant`, the index of the input that owns the output.
///
/// Contract:
/// * **Combinational, latency 0**: `out` shows the granted input's valid and payload in the
///   same cycle; `in_i_ready = out_ready && (i is granted)`. So `out_valid` and the `out`
///   payload depend on the inputs' valid/payload and on registers, never on `out_ready`;
///   `in_i_ready` depends on `out_ready` and on the inputs' valid bits (ready may wait for
///   valid; valid never waits for ready). Put a ``SkidBuffer`` after it to cut the paths.
/// * **Selection** among the valid inputs: ``Policy/roundRobin`` (the input after the last one
///   granted comes first: with every input valid the grants rotate 0, 1, ..., N-1, 0, ...; a
///   valid input waits for at most N - 1 other transactions) or ``Policy/fixedPriority``
///   (input 0 first; a busy low input can starve the others). An input that is not valid is
///   never selected.
/// * **Grant held while stalled**: once `out_valid` is shown with `out_ready` low, the grant
///   stays on that input until its transfer, so `out` obeys the valid/ready rule itself (valid
///   does not drop, payload does not change before the transfer) even when a higher-priority
///   input turns valid meanwhile. This relies on the inputs obeying the rule too.
/// * **Lock** (``Config/lock``): the grant stays on the input from its transaction's first beat
///   until the transfer of the beat whose `last` flag (a Bool field of the payload, e.g.
///   `MemWriteBeat.last` or ``StreamBeat/last``) is set; bubbles of that input in between
///   leave `out_valid` low and block the others (e.g. the W channel of a memory port, which
///   must not interleave bursts). Without lock every beat is arbitrated on its own (e.g. AR).
///   The round-robin pointer moves when a grant is released (after every transfer, or after a
///   transaction's last beat with lock).
/// * `grant` (UInt(⌈log2 N⌉), at least 1 bit) is meaningful while `out_valid` is 1 and, with
///   lock, between the beats of a transaction; it is 0 when nothing is selected.
public enum StreamArbiter {
    /// How the arbiter chooses among valid inputs.
    public enum Policy: String, Codable, Sendable, Hashable, CaseIterable {
        /// Fair and starvation-free: the input after the last one granted comes first.
        case roundRobin
        /// Input 0 first, then 1, ...
        case fixedPriority
    }

    /// Configuration of an arbiter.
    public struct Config: Codable, Sendable, Hashable, CustomStringConvertible {
        /// Number of input channels, ≥ 1.
        public var inputs: Int
        /// Payload bits. The builders with a structured payload take it from the payload: leave
        /// it 0 there (a nonzero width must match).
        public var width: Int
        public var policy: Policy
        /// Hold the grant until a transaction's last beat (needs a payload with a `last` field:
        /// ``build(_:payload:as:last:name:file:line:)``).
        public var lock: Bool

        public init(inputs: Int, width: Int = 0, policy: Policy = .roundRobin, lock: Bool = false) {
            self.inputs = inputs
            self.width = width
            self.policy = policy
            self.lock = lock
        }

        /// Most inputs accepted.
        public static let maxInputs = 64

        /// Throws an ``HWLibError`` naming the first invalid field.
        public func validate() throws {
            guard (1...Self.maxInputs).contains(inputs) else {
                throw HWLibError("stream arbiter: inputs must be in 1...\(Self.maxInputs), got \(inputs)")
            }
            guard (1...BitsType.maxWidth).contains(width) else {
                throw HWLibError("stream arbiter: width must be in 1...\(BitsType.maxWidth), got \(width)")
            }
        }

        /// Width of `grant`: ⌈log2 inputs⌉, at least 1.
        public var grantWidth: Int { max(1, ceilLog2(inputs)) }

        public var parameters: [String: ParamValue] {
            ["design": .string("stream_arbiter"), "inputs": .int(inputs), "width": .int(width),
             "policy": .string(policy.rawValue), "lock": .bool(lock)]
        }

        public var description: String { "\(inputs) inputs width \(width) \(policy.rawValue)" + (lock ? " lock" : "") }
    }

    /// The ports: `in_<i>_valid`, `in_<i>_ready`, the `in_<i>` payload for each input, `out_valid`,
    /// `out_ready`, the `out` payload, and `grant`.
    public struct Ports<Payload: PortShape>: Interface {
        @Input public var inp: [Decoupled<Payload>]
        @Output public var out: Decoupled<Payload>
        @Output public var grant: Signal

        public init(payload: Payload.Spec, inputs: Int, grantWidth: Int) {
            _inp = Input(ArraySpec(payload, count: inputs), name: "in")
            _out = Output(payload)
            _grant = Output(.uint(grantWidth))
        }
    }

    /// The emitted module name, e.g. `stream_arb_n4_w8_rr`, `stream_arb_n2_w65_fp_lock`.
    public static func moduleName(_ c: Config) -> String {
        "stream_arb_n\(c.inputs)_w\(c.width)_" + (c.policy == .roundRobin ? "rr" : "fp") + (c.lock ? "_lock" : "")
    }

    /// Builds a standalone arbiter with UInt(`width`) payloads. A locking arbiter needs a `last`
    /// field: build it with a payload (e.g. ``StreamBeat``) instead.
    public static func build(_ c: Config, file: String = #fileID, line: Int = #line) throws -> Definition<Ports<Signal>> {
        guard !c.lock else {
            throw HWLibError("stream arbiter: lock needs a payload with a last flag: use build(_:payload:as:last:) (e.g. StreamBeat, last: \\.last)")
        }
        return try build(c, payload: BitsType.uint(c.width), as: Signal.self, last: nil, name: moduleName(c), file: file, line: line)
    }

    /// Builds a standalone arbiter for any payload shape. `last` names the payload's Bool flag
    /// that ends a transaction; it is required exactly when `c.lock` is set. `c.width` may be 0
    /// (taken from the payload) or must match it.
    public static func build<P: PortShape>(_ c: Config, payload: P.Spec, as: P.Type = P.self, last: KeyPath<P, Signal>? = nil,
                                           name: String? = nil, file: String = #fileID, line: Int = #line) throws -> Definition<Ports<P>> {
        let layout = try payloadLayout(payload, as: P.self, what: "stream arbiter")
        var cfg = c
        if cfg.width == 0 { cfg.width = layout.width }
        guard cfg.width == layout.width else {
            throw HWLibError("stream arbiter: width \(cfg.width) does not match the payload's \(layout.width) bits (leave width 0 to take it from the payload)")
        }
        try cfg.validate()
        try checkLock(cfg.lock, last, what: "stream arbiter")
        let mod = Module(name ?? moduleName(cfg), file: file, line: line)
        mod.doc = "Stream arbiter, \(cfg.inputs) inputs of \(cfg.width) bits, \(cfg.policy.rawValue)"
            + (cfg.lock ? ", grant locked until the last beat" : "") + "; combinational (latency 0), grant held while out is stalled."
        let io = mod.ports(Ports<P>(payload: payload, inputs: cfg.inputs, grantWidth: cfg.grantWidth), file: file, line: line)
        let core = try construct(cfg.policy, inputs: io.inp, outReady: io.out.ready, last: last, in: mod, prefix: "", file: file, line: line)
        for (i, ch) in io.inp.enumerated() { ch.ready.assign(core.inReady[i], file: file, line: line) }
        io.out.valid.assign(core.outValid, file: file, line: line)
        for (port, value) in zip(io.out.bits.leafSignals, core.outLeaves) { port.assign(value, file: file, line: line) }
        io.grant.assign(core.grant, file: file, line: line)
        return Definition(mod, io)
    }

    /// Builds an arbiter inline, in the module that owns the `inputs` channels (it reads their
    /// `valid` and `bits` and drives their `ready`). Names are prefixed `<name>_`; `lockUntil`
    /// is the payload's last flag for a locking arbiter (nil: every beat is arbitrated).
    ///
    /// - Returns: `out` (`valid` and `bits` to read, `ready` the wire `<name>_out_ready` to
    ///   drive) and `grant`.
    public static func arbitrate<P: PortShape>(_ inputs: [Decoupled<P>], policy: Policy = .roundRobin, lockUntil last: KeyPath<P, Signal>? = nil,
                                               name: String, file: String = #fileID, line: Int = #line) throws -> (out: Decoupled<P>, grant: Signal) {
        let what = "stream arbiter '\(name)' at \(file):\(line)"
        guard let first = inputs.first else { throw HWLibError("\(what): no inputs") }
        guard inputs.count <= Config.maxInputs else {
            throw HWLibError("\(what): inputs must be in 1...\(Config.maxInputs), got \(inputs.count)")
        }
        let m = try channelModule(first, what: what, file: file, line: line)
        let types = first.bits.leafSignals.map(\.type)
        for (i, ch) in inputs.enumerated() {
            guard try channelModule(ch, what: what, file: file, line: line) === m else {
                throw HWLibError("\(what): input \(i) belongs to module '\(ch.valid.owner.name)', input 0 to '\(m.name)'")
            }
            guard ch.bits.leafSignals.map(\.type) == types else {
                throw HWLibError("\(what): input \(i) has payload types \(ch.bits.leafSignals.map(\.type)), input 0 has \(types)")
            }
        }
        let p = name + "_"
        let outReady = m.wire(p + "out_ready", .bool, file: file, line: line)
        let core = try construct(policy, inputs: inputs, outReady: outReady, last: last, in: m, prefix: p, file: file, line: line)
        for (i, ch) in inputs.enumerated() { ch.ready.assign(core.inReady[i], file: file, line: line) }
        let out = Decoupled(valid: core.outValid, ready: outReady, bits: rebuild(first.bits, leaves: core.outLeaves))
        return (out, core.grant)
    }

    // MARK: - Implementation

    static func checkLock<P>(_ lock: Bool, _ last: KeyPath<P, Signal>?, what: String) throws {
        if lock && last == nil {
            throw HWLibError("\(what): lock needs the payload's last flag (last: \\.last)")
        }
        if !lock && last != nil {
            throw HWLibError("\(what): a last flag is given but lock is off (set lock: true, or drop last:)")
        }
    }

    struct Core {
        let inReady: [Signal]
        let outValid: Signal
        let outLeaves: [Signal]
        let grant: Signal
    }

    static func construct<P: PortShape>(_ policy: Policy, inputs: [Decoupled<P>], outReady: Signal, last: KeyPath<P, Signal>?,
                                        in m: Module, prefix p: String, file: String, line: Int) throws -> Core {
        func wire(_ n: String, _ v: Signal) -> Signal { m.wire(p + n, v, file: file, line: line) }
        let n = inputs.count
        // Bit i of every vector below is input i; `sel` is one-hot (or 0: nothing selected).
        let valids = wire("valids", cat(inputs[n - 1].valid, inputs.dropLast().reversed().map(\.valid)))
        let lockedQ = m.reg(p + "locked_q", .bool, reset: 0, file: file, line: line)
        let ownerQ = m.reg(p + "owner_q", .uint(n), reset: 0, file: file, line: line)
        // x & -x: the lowest set bit of x, one-hot (0 when x is 0).
        func lowest(_ x: Signal) -> Signal { x & (~x &+ 1) }
        var maskQ: Signal?
        let pick: Signal
        switch policy {
        case .fixedPriority:
            pick = lowest(valids)
        case .roundRobin:
            // rr_mask_q has the bits above the last grant: those inputs come first; when none of
            // them is valid, the lowest valid input wins (the wrap-around).
            let mask = m.reg(p + "rr_mask_q", .uint(n), reset: 0, file: file, line: line)
            let hi = wire("rr_hi", valids & mask)
            pick = mux(hi != 0, lowest(hi), lowest(valids))
            maskQ = mask
        }
        let sel = wire("sel", mux(lockedQ, ownerQ, wire("pick", pick)))
        let selValid = wire("sel_valid", (valids & sel).orReduce())
        let leafCount = inputs[0].bits.leafSignals.count
        let outLeaves: [Signal] = (0..<leafCount).map { k in
            let terms = inputs.enumerated().map { i, ch in mux(sel.bit(i), ch.bits.leafSignals[k], 0) }
            return wire(leafCount == 1 ? "sel_bits" : "sel_bits_\(k)", orTree(terms))
        }
        let inReady = (0..<n).map { i in outReady && sel.bit(i) }
        let fire = wire("fire", selValid && outReady)
        var releases = fire
        if let last {
            let flag = rebuild(inputs[0].bits, leaves: outLeaves)[keyPath: last]
            guard flag.type == .bool else {
                throw HWLibError("stream arbiter at \(file):\(line): the last flag must be a Bool field, not \(flag.type)")
            }
            // Locked from a transaction's first shown beat until its last beat transfers.
            lockedQ.assign(mux(fire, !flag, lockedQ || selValid), file: file, line: line)
            releases = wire("last_fire", fire && flag)
        } else {
            // Held only while the shown beat waits for out_ready (the valid/ready rule).
            lockedQ.assign(selValid && !outReady, file: file, line: line)
        }
        ownerQ.assign(sel, file: file, line: line)
        if let maskQ {
            m.when(releases, file: file, line: line) {
                maskQ.assign(~(sel | (sel &- 1)), file: file, line: line)
            }
        }
        let gw = max(1, ceilLog2(n))
        let grant = n == 1
            ? m.const(0, .uint(gw), file: file, line: line)
            : wire("grant_idx", orTree((1..<n).map { i in mux(sel.bit(i), m.const(i, .uint(gw), file: file, line: line), 0) }))
        return Core(inReady: inReady, outValid: selValid, outLeaves: outLeaves, grant: grant)
    }

    /// Bitwise OR of `terms` (one type, at least one), as a balanced tree.
    static func orTree(_ terms: [Signal]) -> Signal {
        var level = terms
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { k in k + 1 < level.count ? level[k] | level[k + 1] : level[k] }
        }
        return level[0]
    }
}
