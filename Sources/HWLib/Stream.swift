import HWCore

// Helpers shared by the valid/ready stream blocks (SyncFIFO, SkidBuffer, StreamArbiter): a beat
// payload with a `last` flag, wiring one channel to another, channels of fresh wires, and the
// packing of any payload into one bit vector (what a FIFO stores).

/// One beat of a multi-beat transaction: `data` and `last`, set on the transaction's final beat.
/// Declared as `Decoupled<StreamBeat>` with the data type as its spec:
/// `@Input(BitsType.uint(32)) var inp: Decoupled<StreamBeat>` gives the ports `inp_valid`,
/// `inp_ready`, `inp_data`, `inp_last`.
public struct StreamBeat: PortShape {
    public let data: Signal
    public let last: Signal

    public init(data: Signal, last: Signal) {
        self.data = data
        self.last = last
    }

    public static func hwType(_ data: BitsType) -> HWType {
        .bundle([BundleField("data", .bits(data)), BundleField("last", .bool)])
    }
    public static func shape(of value: Value) -> StreamBeat? {
        guard case .bundle(_, let vs) = value, vs.count == 2, case .signal(let d) = vs[0], case .signal(let l) = vs[1] else { return nil }
        return StreamBeat(data: d, last: l)
    }
    public var leafSignals: [Signal] { [data, last] }
    public func mapLeaves(_ f: (Signal) -> Signal) -> StreamBeat { StreamBeat(data: f(data), last: f(last)) }
}

extension Decoupled {
    /// Connects this channel, as a source, to `sink`: `sink.valid` and `sink.bits` are driven
    /// from this channel's, and this channel's `ready` from `sink.ready`. Use it in the module
    /// that sees both: e.g. `fifo.deq.drive(io.out)` (a block's output to the module's output
    /// port) or `io.inp.drive(u.enq)` (an input port to an instance's input channel).
    public func drive(_ sink: Decoupled, file: String = #fileID, line: Int = #line) {
        sink.valid.assign(valid, file: file, line: line)
        connect(sink.bits, bits, file: file, line: line)
        ready.assign(sink.ready, file: file, line: line)
    }

    /// A channel of fresh wires in `module`, named like ports: `<name>_valid`, `<name>_ready`
    /// and `<name>_bits` (a ground payload) or `<name>_<field>` (a bundle). Every wire must be
    /// driven by the code that uses the channel (an undriven one is an elaboration error).
    public static func wires(_ name: String, _ spec: Payload.Spec, in module: Module,
                             file: String = #fileID, line: Int = #line) throws -> Decoupled {
        let value = makeWires(name, hwType(spec), in: module, file: file, line: line)
        guard let channel = shape(of: value) else {
            throw HWLibError("stream '\(name)' at \(file):\(line): the payload type \(Payload.hwType(spec)) does not rebuild into its Swift shape")
        }
        return channel
    }
}

/// Wires for every ground field of `type` (flattened like port names).
func makeWires(_ name: String, _ type: HWType, in module: Module, file: String, line: Int) -> Value {
    switch type {
    case .bits(let b):
        return .signal(module.wire(name, b, file: file, line: line))
    case .vector(let t, let n):
        return .vector((0..<n).map { makeWires("\(name)_\($0)", t, in: module, file: file, line: line) })
    case .bundle(let fields):
        return .bundle(names: fields.map(\.name), values: fields.map { makeWires("\(name)_\($0.name)", $0.type, in: module, file: file, line: line) })
    }
}

/// How a payload is stored as one bit vector: its ground signals concatenated, leaf 0 in the
/// low bits (the order of ``PortShape/leafSignals``).
struct PayloadLayout {
    /// The type of each ground signal, in leaf order.
    let leafTypes: [BitsType]

    init(_ leaves: [Signal]) { leafTypes = leaves.map(\.type) }
    init(types: [BitsType]) { leafTypes = types }

    /// Total bits.
    var width: Int { leafTypes.reduce(0) { $0 + $1.width } }

    /// The leaves as one UInt(width), leaf 0 in the low bits.
    func pack(_ leaves: [Signal]) -> Signal {
        if leaves.count == 1 { return leaves[0].asUInt }
        return cat(leaves[leaves.count - 1], Array(leaves.dropLast().reversed()))
    }

    /// The leaves back from a packed word, each with its own type.
    func unpack(_ word: Signal) -> [Signal] {
        if leafTypes.count == 1 { return [leafTypes[0].signed ? word.asSInt : word] }
        var lo = 0
        return leafTypes.map { t in
            let s = word.bits(lo...(lo + t.width - 1))
            lo += t.width
            return t.signed ? s.asSInt : s
        }
    }

    /// The ground types of a payload type, in leaf order; nil if it has a flipped field (a
    /// payload flows one way: a channel inside a payload cannot be stored or multiplexed).
    static func leafTypes(of type: HWType) -> [BitsType]? {
        switch type {
        case .bits(let b): return [b]
        case .vector(let t, let n):
            guard let inner = leafTypes(of: t) else { return nil }
            return Array([[BitsType]](repeating: inner, count: n).joined())
        case .bundle(let fields):
            var out: [BitsType] = []
            for f in fields {
                guard !f.flipped, let inner = leafTypes(of: f.type) else { return nil }
                out += inner
            }
            return out
        }
    }
}

/// Replaces the leaves of `shape`, in leaf order, by `leaves` (as many as it has).
func rebuild<P: PortShape>(_ shape: P, leaves: [Signal]) -> P {
    var i = 0
    return shape.mapLeaves { _ in
        defer { i += 1 }
        return leaves[i]
    }
}

/// Checks that a channel handed to an inline builder is usable: all its signals in one module.
func channelModule<P: PortShape>(_ channel: Decoupled<P>, what: String, file: String, line: Int) throws -> Module {
    let m = channel.valid.owner
    if let bad = channel.leafSignals.first(where: { $0.owner !== m }) {
        throw HWLibError("\(what) at \(file):\(line): the channel mixes signals of modules '\(m.name)' and '\(bad.owner.name)'")
    }
    return m
}

/// The payload bits of a payload spec, for the `width` of a block's config; throws for a payload
/// with a flipped field.
func payloadLayout<P: PortShape>(_ spec: P.Spec, as: P.Type, what: String) throws -> PayloadLayout {
    let t = P.hwType(spec)
    guard let types = PayloadLayout.leafTypes(of: t) else {
        throw HWLibError("\(what): the payload \(t) has a flipped field (a payload must flow one way)")
    }
    return PayloadLayout(types: types)
}

/// Bits needed to hold `v` ≥ 0 (at least 1).
func bitsToHold(_ v: Int) -> Int { v <= 0 ? 1 : Int.bitWidth - v.leadingZeroBitCount }

/// `p + 1`, wrapping to 0 after `modulus - 1` (a plain wrapping add when the modulus is 2^width).
func incrementWrapping(_ p: Signal, modulus: Int) -> Signal {
    if modulus == 1 << p.width { return p &+ 1 }
    return mux(p == modulus - 1, 0, p &+ 1)
}
