import HWCore

/// Constants of the AXI4 protocol (ARM IHI0022).
public enum AXI4 {
    /// AxBURST encodings.
    public static let burstFixed = 0, burstIncr = 1, burstWrap = 2
    /// xRESP encodings.
    public static let respOkay = 0, respExOkay = 1, respSlvErr = 2, respDecErr = 3
    /// No burst may cross a boundary of this many bytes.
    public static let pageBytes = 4096
    /// Longest INCR burst, beats.
    public static let maxBurstBeats = 256
    /// AxCACHE of a normal non-cacheable bufferable access (what Xilinx recommends for DMA masters).
    public static let cacheNormalBufferable = 0b0011
}

/// The size of an AXI4 port: byte addresses of `addrBits`, beats of `dataBits` (a power of two,
/// 8...1024), transaction IDs of `idBits`.
public struct AXI4Spec: Hashable, Sendable {
    public var addrBits: Int
    public var dataBits: Int
    public var idBits: Int

    public init(addrBits: Int = 32, dataBits: Int = 64, idBits: Int = 1) {
        self.addrBits = addrBits
        self.dataBits = dataBits
        self.idBits = idBits
    }

    /// Bytes per beat.
    public var beatBytes: Int { dataBits / 8 }
    /// AxSIZE of a full-width beat: log2(bytes per beat).
    public var fullSize: Int { ceilLog2(max(1, beatBytes)) }
}

/// An AXI4 address channel (AW or AR), seen from the master: every field but `ready` flows from
/// master to slave.
public struct AXI4AddressChannel {
    public let id, addr, len, size, burst, lock, cache, prot, valid, ready: Signal
    /// valid && ready: the request is accepted this cycle.
    public var fire: Signal { valid && ready }

    static func fields(_ p: String, _ s: AXI4Spec) -> [BundleField] {
        [BundleField(p + "id", .uint(s.idBits)), BundleField(p + "addr", .uint(s.addrBits)), BundleField(p + "len", .uint(8)),
         BundleField(p + "size", .uint(3)), BundleField(p + "burst", .uint(2)), BundleField(p + "lock", .bool),
         BundleField(p + "cache", .uint(4)), BundleField(p + "prot", .uint(3)), BundleField(p + "valid", .bool),
         BundleField(p + "ready", .bool, flipped: true)]
    }
    static let leafCount = 10
    init(_ l: ArraySlice<Signal>) {
        let s = Array(l)
        id = s[0]; addr = s[1]; len = s[2]; size = s[3]; burst = s[4]; lock = s[5]; cache = s[6]; prot = s[7]
        valid = s[8]; ready = s[9]
    }
    var leaves: [Signal] { [id, addr, len, size, burst, lock, cache, prot, valid, ready] }
}

/// The AXI4 write data channel (W): data, byte strobes, `last` on a burst's final beat.
public struct AXI4WriteDataChannel {
    public let data, strb, last, valid, ready: Signal
    public var fire: Signal { valid && ready }

    static func fields(_ s: AXI4Spec) -> [BundleField] {
        [BundleField("wdata", .uint(s.dataBits)), BundleField("wstrb", .uint(s.beatBytes)), BundleField("wlast", .bool),
         BundleField("wvalid", .bool), BundleField("wready", .bool, flipped: true)]
    }
    static let leafCount = 5
    init(_ l: ArraySlice<Signal>) {
        let s = Array(l)
        data = s[0]; strb = s[1]; last = s[2]; valid = s[3]; ready = s[4]
    }
    var leaves: [Signal] { [data, strb, last, valid, ready] }
}

/// The AXI4 write response channel (B), flowing from slave to master but for `ready`.
public struct AXI4ResponseChannel {
    public let id, resp, valid, ready: Signal
    public var fire: Signal { valid && ready }

    static func fields(_ s: AXI4Spec) -> [BundleField] {
        [BundleField("bid", .uint(s.idBits), flipped: true), BundleField("bresp", .uint(2), flipped: true),
         BundleField("bvalid", .bool, flipped: true), BundleField("bready", .bool)]
    }
    static let leafCount = 4
    init(_ l: ArraySlice<Signal>) {
        let s = Array(l)
        id = s[0]; resp = s[1]; valid = s[2]; ready = s[3]
    }
    var leaves: [Signal] { [id, resp, valid, ready] }
}

/// The AXI4 read data channel (R), flowing from slave to master but for `ready`.
public struct AXI4ReadDataChannel {
    public let id, data, resp, last, valid, ready: Signal
    public var fire: Signal { valid && ready }

    static func fields(_ s: AXI4Spec) -> [BundleField] {
        [BundleField("rid", .uint(s.idBits), flipped: true), BundleField("rdata", .uint(s.dataBits), flipped: true),
         BundleField("rresp", .uint(2), flipped: true), BundleField("rlast", .bool, flipped: true),
         BundleField("rvalid", .bool, flipped: true), BundleField("rready", .bool)]
    }
    static let leafCount = 6
    init(_ l: ArraySlice<Signal>) {
        let s = Array(l)
        id = s[0]; data = s[1]; resp = s[2]; last = s[3]; valid = s[4]; ready = s[5]
    }
    var leaves: [Signal] { [id, data, resp, last, valid, ready] }
}

/// An AXI4 master port (full AXI4 minus QOS/REGION/USER), declared on the master with
/// `@Output(AXI4Spec(...)) var mAxi: AXI4Port`: the pins are then named Xilinx-style,
/// `m_axi_awid`, `m_axi_awaddr`, `m_axi_awlen`, `m_axi_awsize`, `m_axi_awburst`, `m_axi_awlock`,
/// `m_axi_awcache`, `m_axi_awprot`, `m_axi_awvalid`, `m_axi_awready`, `m_axi_wdata`,
/// `m_axi_wstrb`, `m_axi_wlast`, `m_axi_wvalid`, `m_axi_wready`, `m_axi_bid`, `m_axi_bresp`,
/// `m_axi_bvalid`, `m_axi_bready`, then `m_axi_ar*` as `aw*` and `m_axi_rid`, `m_axi_rdata`,
/// `m_axi_rresp`, `m_axi_rlast`, `m_axi_rvalid`, `m_axi_rready`, in that order. A slave
/// declares it with `@Input`.
public struct AXI4Port: PortShape {
    public let aw: AXI4AddressChannel
    public let w: AXI4WriteDataChannel
    public let b: AXI4ResponseChannel
    public let ar: AXI4AddressChannel
    public let r: AXI4ReadDataChannel

    public static func hwType(_ s: AXI4Spec) -> HWType {
        .bundle(AXI4AddressChannel.fields("aw", s) + AXI4WriteDataChannel.fields(s) + AXI4ResponseChannel.fields(s)
                + AXI4AddressChannel.fields("ar", s) + AXI4ReadDataChannel.fields(s))
    }

    static var leafCount: Int {
        2 * AXI4AddressChannel.leafCount + AXI4WriteDataChannel.leafCount + AXI4ResponseChannel.leafCount + AXI4ReadDataChannel.leafCount
    }

    public static func shape(of value: Value) -> AXI4Port? {
        guard case .bundle(_, let values) = value, values.count == leafCount else { return nil }
        var leaves: [Signal] = []
        for v in values {
            guard case .signal(let s) = v else { return nil }
            leaves.append(s)
        }
        return AXI4Port(leaves: leaves)
    }

    init(leaves l: [Signal]) {
        var i = 0
        func take(_ n: Int) -> ArraySlice<Signal> {
            defer { i += n }
            return l[i..<(i + n)]
        }
        aw = AXI4AddressChannel(take(AXI4AddressChannel.leafCount))
        w = AXI4WriteDataChannel(take(AXI4WriteDataChannel.leafCount))
        b = AXI4ResponseChannel(take(AXI4ResponseChannel.leafCount))
        ar = AXI4AddressChannel(take(AXI4AddressChannel.leafCount))
        r = AXI4ReadDataChannel(take(AXI4ReadDataChannel.leafCount))
    }

    public var leafSignals: [Signal] { aw.leaves + w.leaves + b.leaves + ar.leaves + r.leaves }

    public func mapLeaves(_ transform: (Signal) -> Signal) -> AXI4Port { AXI4Port(leaves: leafSignals.map(transform)) }

    /// The pin suffixes in leaf order (`awid` ... `rready`): the Verilog names are `<port>_<suffix>`.
    public static func pinSuffixes(_ s: AXI4Spec = AXI4Spec()) -> [String] {
        guard case .bundle(let fields) = hwType(s) else { return [] }
        return fields.map(\.name)
    }
}
