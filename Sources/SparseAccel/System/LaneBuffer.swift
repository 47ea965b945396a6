import HWCore

/// An on-chip buffer: `depth` entries of `lanes` x `laneWidth` bits in one simple-dual-port
/// memory (one write port, one read port, synchronous read), so FPGA tools map it to block RAM
/// — `lanes` memory banks side by side. The write port writes the lanes its mask selects (a DMA
/// beat fills one lane; the drain fills all); the read port returns a whole entry one cycle
/// after `r_en` (and holds it while `r_en` is low).
public enum LaneBuffer {
    public struct Ports: Interface {
        @Input(.bool) public var wEn: Signal
        @Input public var wAddr: Signal
        @Input public var wLanes: Signal
        @Input public var wData: Signal
        @Input(.bool) public var rEn: Signal
        @Input public var rAddr: Signal
        @Output public var rData: Signal

        public init(lanes: Int, laneWidth: Int, depth: Int) {
            let a = BitsType.uint(max(1, ceilLog2(depth)))
            _wAddr = Input(a)
            _wLanes = Input(.uint(lanes))
            _wData = Input(.uint(lanes * laneWidth))
            _rAddr = Input(a)
            _rData = Output(.uint(lanes * laneWidth))
        }
    }

    public static func build(name: String, lanes: Int, laneWidth: Int, depth: Int) -> Definition<Ports> {
        let m = Module(name)
        m.doc = "Buffer: \(depth) entries of \(lanes) x \(laneWidth) bits, lane-masked writes, synchronous read."
        let io = m.ports(Ports(lanes: lanes, laneWidth: laneWidth, depth: depth))
        let mem = m.memory("store", .uint(lanes * laneWidth), depth: depth, laneWidth: laneWidth)
        m.when(io.wEn) { mem.write(io.wAddr, io.wData, lanes: io.wLanes) }
        io.rData.assign(mem.read(io.rAddr, enable: io.rEn))
        return Definition(m, io)
    }
}
