import Formats
import HWCore
import HWLib

/// The SAT training system with an AXI4 master port, to drop into an FPGA shell: ``SATSystem``
/// whose native memory port goes through ``HWLib/AXI4Master`` (INCR bursts split at 4 KiB,
/// write data buffered before AW, RREADY/BREADY back-pressure honoured).
///
/// Ports: `insn` and the status outputs as ``SATSystem``; `m_axi_*` (``HWLib/AXI4Port``);
/// `read_error`, sticky, when a read came back with RRESP ≠ OKAY. The wrapper adds three cycles
/// to each request's way out, so the cycle counts differ from the native system's.
public enum SATSystemAXI {
    public struct Ports: Interface {
        @Input(BitsType.uint(InstructionLayout.bits)) public var insn: Decoupled<Signal>
        @Output public var mAxi: AXI4Port
        @Output(.bool) public var syncDone: Signal
        @Output public var error: Signal
        @Output public var errorSeq: Signal
        @Output public var cycles: Signal
        @Output public var beats: Signal
        @Output public var readBeats: Signal
        @Output public var writeBeats: Signal
        @Output(.bool) public var readError: Signal

        public init(_ c: SATSystemConfig) {
            _mAxi = Output(axiConfig(c).axi)
            _error = Output(.uint(SystemError.bits))
            _errorSeq = Output(.uint(sequenceBits))
            _cycles = Output(.uint(SATSystem.counterBits))
            _beats = Output(.uint(SATSystem.counterBits))
            _readBeats = Output(.uint(SATSystem.counterBits))
            _writeBeats = Output(.uint(SATSystem.counterBits))
        }
    }

    /// The wrapper's configuration: bursts in flight matching the system's outstanding requests.
    public static func axiConfig(_ c: SATSystemConfig) -> AXI4Master.Config {
        AXI4Master.Config(port: c.memory, idBits: 1, maxReadBursts: max(2, c.maxOutstanding), maxWriteBursts: max(2, c.maxOutstanding),
                          writeBufferBeats: max(4, 2 * c.memory.maxBeats), maxBurstBeats: min(256, c.memory.maxBeats))
    }

    public static func build(_ c: SATSystemConfig) throws -> Definition<Ports> {
        let core = try SATSystem.build(c)
        let wrapper = try AXI4Master.build(axiConfig(c))
        let m = Module(c.topName + "_axi")
        m.doc = "SAT training system with an AXI4 master port (\(c.memory.dataBits)-bit data, \(c.memory.addrBits)-bit addresses)."
        let io = m.ports(Ports(c))
        let sys = m.instance(core, "system")
        let axi = m.instance(wrapper, "axi")
        io.insn.drive(sys.insn)
        let native = axi.port(\.port)  // (`axi.port` is the instance's own port(_:) accessor)
        sys.mem.ar.drive(native.ar)
        native.r.drive(sys.mem.r)
        sys.mem.aw.drive(native.aw)
        sys.mem.w.drive(native.w)
        native.b.drive(sys.mem.b)
        join(io.mAxi, axi.mAxi)
        io.syncDone.assign(sys.syncDone)
        io.error.assign(sys.error)
        io.errorSeq.assign(sys.errorSeq)
        io.cycles.assign(sys.cycles)
        io.beats.assign(sys.beats)
        io.readBeats.assign(sys.readBeats)
        io.writeBeats.assign(sys.writeBeats)
        io.readError.assign(axi.readError)
        return Definition(m, io)
    }
}
