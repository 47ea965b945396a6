import HWCore
import HWLib

/// The SPS line buffer: R banks, one per PE row, each a full copy of the activations of the
/// current band of input rows ([ci][row][w], E activations per entry; the whole input when it
/// fits, else the compiler cuts the layer into bands of output rows, ``Compiler/SPSSystemProgram``), so the core reads R activations per cycle at R
/// unrelated im2col addresses while XBUF has one read port.
///
/// Contract (one clock):
/// * Write port (shared): `w_en`, `w_addr` (entry), `w_data` (E activations, element e at bits
///   e·d) write entry `w_addr` of every bank in the same cycle (a broadcast: one XBUF entry per
///   cycle fills all R copies).
/// * Read ports: bank r returns on `r_data[r]` the activation at element address `r_addr[r]`
///   presented one cycle earlier (a block RAM's registered read of entry `r_addr[r] / E`, then
///   lane `r_addr[r] mod E` selected by the registered low bits), as the core's `act_data`
///   expects. Reads and writes of the same entry in one cycle return the old value.
///
/// Why replicated banks: R consecutive output pixels read at addresses that differ by the stride
/// inside an output row but jump by a whole input row (or more, with R > Wo) where the tile
/// wraps, and stride 2 and padding move them again, so no address-interleaved banking of one
/// copy is conflict-free for every layer; R copies are, with no crossbar and no stall, at the
/// cost of R × the storage. Filling from XBUF costs one cycle per entry (E activations) for all
/// banks together, so a layer's fill is Ci·H·W / E cycles, and the DMA still moves each input
/// element from DRAM exactly once per layer, or per band for the K − S halo rows two bands share
/// (into XBUF, which then need only hold a slot of the input at a time). Size: R · `lineEntries` ·
/// E · d bits.
public enum SPSLineBuffer {
    public struct Ports: Interface {
        @Input(.bool) public var wEn: Signal
        @Input public var wAddr: Signal
        @Input public var wData: Signal
        @Input public var rAddr: Vec
        @Output public var rData: Vec

        public init(_ c: SPSSystemConfig) {
            let e = c.engine
            _wAddr = Input(.uint(addressBits(c.lineEntries)))
            _wData = Input(.uint(c.memory.dataBits))
            _rAddr = Input(.uint(e.actAddrBits), count: e.rows)
            _rData = Output(.sint(e.dataWidth), count: e.rows)
        }
    }

    public static func build(_ c: SPSSystemConfig) -> Definition<Ports> {
        let e = c.engine
        let E = c.elementsPerEntry, d = e.dataWidth
        let laneBits = ceilLog2(E)
        let entryBits = addressBits(c.lineEntries)
        let m = Module("sps_linebuf_r\(e.rows)_e\(E)_d\(d)_x\(c.lineEntries)")
        m.doc = "SPS line buffer: \(e.rows) banks of \(c.lineEntries) x \(E) activations, broadcast write, one registered read per bank."
        let io = m.ports(Ports(c))
        for r in 0..<e.rows {
            let bank = m.memory("bank_\(r)", .uint(c.memory.dataBits), depth: c.lineEntries)
            m.when(io.wEn) { bank.write(io.wAddr, io.wData) }
            let addr = io.rAddr[r]
            // Entry = address / E; addresses past the buffer wrap (the compiler keeps layers inside).
            let entry = m.wire("entry_\(r)", (laneBits == 0 ? addr : addr.bits(laneBits...(addr.width - 1))).resized(to: entryBits))
            let word = bank.read(entry, enable: m.trueSignal)
            if laneBits == 0 {
                io.rData[r].assign(word.resized(to: d).asSInt)
            } else {
                let lane = m.reg("lane_q_\(r)", next: addr.bits(0...(laneBits - 1)), reset: .none)
                let lanes = Vec((0..<E).map { k in word.bits(k * d...(k + 1) * d - 1) })
                io.rData[r].assign(m.wire("act_\(r)", lanes.select(lane, default: m.const(0, .uint(d)))).asSInt)
            }
        }
        return Definition(m, io)
    }
}
