import HWCore

/// The shape of a memory port: byte addresses, beats of `dataBits` (a multiple of 8), up to
/// `maxBeats` beats per request.
public struct MemoryPortSpec: Hashable, Sendable, Codable {
    public var addrBits: Int
    public var dataBits: Int
    public var maxBeats: Int

    public init(addrBits: Int = 32, dataBits: Int = 64, maxBeats: Int = 256) {
        self.addrBits = addrBits
        self.dataBits = dataBits
        self.maxBeats = maxBeats
    }

    /// Bytes per beat.
    public var beatBytes: Int { dataBits / 8 }
    /// Width of a request's beat count (1...maxBeats, stored as count - 1, as AXI does).
    public var lenBits: Int { max(1, ceilLog2(maxBeats)) }
}

/// A memory request: `addr` (bytes, beat-aligned) and `len` = beats - 1.
public struct MemRequest: PortShape {
    public let addr: Signal
    public let len: Signal

    public static func hwType(_ s: MemoryPortSpec) -> HWType {
        .bundle([BundleField("addr", .uint(s.addrBits)), BundleField("len", .uint(s.lenBits))])
    }
    public static func shape(of value: Value) -> MemRequest? {
        guard case .bundle(_, let vs) = value, vs.count == 2, case .signal(let a) = vs[0], case .signal(let l) = vs[1] else { return nil }
        return MemRequest(addr: a, len: l)
    }
    public var leafSignals: [Signal] { [addr, len] }
    public func mapLeaves(_ f: (Signal) -> Signal) -> MemRequest { MemRequest(addr: f(addr), len: f(len)) }
}

/// One beat of read data: `data`, and `last` on a request's final beat.
public struct MemReadBeat: PortShape {
    public let data: Signal
    public let last: Signal

    public static func hwType(_ s: MemoryPortSpec) -> HWType {
        .bundle([BundleField("data", .uint(s.dataBits)), BundleField("last", .bool)])
    }
    public static func shape(of value: Value) -> MemReadBeat? {
        guard case .bundle(_, let vs) = value, vs.count == 2, case .signal(let d) = vs[0], case .signal(let l) = vs[1] else { return nil }
        return MemReadBeat(data: d, last: l)
    }
    public var leafSignals: [Signal] { [data, last] }
    public func mapLeaves(_ f: (Signal) -> Signal) -> MemReadBeat { MemReadBeat(data: f(data), last: f(last)) }
}

/// One beat of write data: `data`, byte strobes `strb` (bit i enables byte i), `last`.
public struct MemWriteBeat: PortShape {
    public let data: Signal
    public let strb: Signal
    public let last: Signal

    public static func hwType(_ s: MemoryPortSpec) -> HWType {
        .bundle([BundleField("data", .uint(s.dataBits)), BundleField("strb", .uint(s.beatBytes)), BundleField("last", .bool)])
    }
    public static func shape(of value: Value) -> MemWriteBeat? {
        guard case .bundle(_, let vs) = value, vs.count == 3, case .signal(let d) = vs[0], case .signal(let s) = vs[1],
              case .signal(let l) = vs[2] else { return nil }
        return MemWriteBeat(data: d, strb: s, last: l)
    }
    public var leafSignals: [Signal] { [data, strb, last] }
    public func mapLeaves(_ f: (Signal) -> Signal) -> MemWriteBeat { MemWriteBeat(data: f(data), strb: f(strb), last: f(last)) }
}

/// A write acknowledgement (one per write request, in order): no payload but a 1-bit `ok`.
public struct MemAck: PortShape {
    public let ok: Signal
    public static func hwType(_ s: MemoryPortSpec) -> HWType { .bundle([BundleField("ok", .bool)]) }
    public static func shape(of value: Value) -> MemAck? {
        guard case .bundle(_, let vs) = value, vs.count == 1, case .signal(let o) = vs[0] else { return nil }
        return MemAck(ok: o)
    }
    public var leafSignals: [Signal] { [ok] }
    public func mapLeaves(_ f: (Signal) -> Signal) -> MemAck { MemAck(ok: f(ok)) }
}

/// A master's memory port, the AXI4 channel structure without AXI's options: read requests
/// (`ar`), read data (`r`, in request order), write requests (`aw`), write data (`w`, in request
/// order), write acknowledgements (`b`). Declared with `@Output(spec) var mem: MemoryPort` on the
/// master (the requests and write data are outputs, `r` and `b` inputs).
public struct MemoryPort: PortShape {
    public let ar: Decoupled<MemRequest>
    public let r: Decoupled<MemReadBeat>
    public let aw: Decoupled<MemRequest>
    public let w: Decoupled<MemWriteBeat>
    public let b: Decoupled<MemAck>

    public static func hwType(_ s: MemoryPortSpec) -> HWType {
        .bundle([BundleField("ar", Decoupled<MemRequest>.hwType(s)),
                 BundleField("r", Decoupled<MemReadBeat>.hwType(s), flipped: true),
                 BundleField("aw", Decoupled<MemRequest>.hwType(s)),
                 BundleField("w", Decoupled<MemWriteBeat>.hwType(s)),
                 BundleField("b", Decoupled<MemAck>.hwType(s), flipped: true)])
    }
    public static func shape(of value: Value) -> MemoryPort? {
        guard case .bundle(_, let vs) = value, vs.count == 5,
              let ar = Decoupled<MemRequest>.shape(of: vs[0]), let r = Decoupled<MemReadBeat>.shape(of: vs[1]),
              let aw = Decoupled<MemRequest>.shape(of: vs[2]), let w = Decoupled<MemWriteBeat>.shape(of: vs[3]),
              let b = Decoupled<MemAck>.shape(of: vs[4]) else { return nil }
        return MemoryPort(ar: ar, r: r, aw: aw, w: w, b: b)
    }
    public var leafSignals: [Signal] { ar.leafSignals + r.leafSignals + aw.leafSignals + w.leafSignals + b.leafSignals }
    public func mapLeaves(_ f: (Signal) -> Signal) -> MemoryPort {
        MemoryPort(ar: ar.mapLeaves(f), r: r.mapLeaves(f), aw: aw.mapLeaves(f), w: w.mapLeaves(f), b: b.mapLeaves(f))
    }
}
