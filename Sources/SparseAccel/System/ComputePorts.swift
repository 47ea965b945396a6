import Formats
import HWCore
import HWLib

/// The ports every compute unit has, so one ``SystemTop`` wires any engine to the shared
/// dispatcher, buffers and token counters (``SystemShell``).
///
/// Contract (the engine's side):
/// * `insn`: compute instructions from the compute queue (the 128-bit instruction, its sequence
///   number above), valid/ready. `prev_*` are the load → compute tokens (`prev_take` consumes
///   one), `next_*` the store → compute tokens; `give_prev` / `give_next` post compute → load /
///   compute → store tokens.
/// * Buffer read ports (`x_r*`, `w_r*`, `m_r*`): data one cycle after the enable, held while the
///   enable is low. Write ports (`o_w*`, and `p_w*` with a lane mask). A port of a buffer the
///   system does not have reads 0, and its writes go nowhere.
/// * `halt`: stop issuing (an error elsewhere). `idle`: no instruction in progress and nothing
///   left to write. `beat`: one unit of array work this cycle (the `beats` status counter; the
///   watchdog counts it as progress, as it does writes to OBUF and PBUF). `error*`: the first
///   decode or range error, with the instruction's sequence number.
struct ComputePorts: Interface {
    @Input(BitsType.uint(queuedInstructionBits)) var insn: Decoupled<Signal>
    @Input(.bool) var prevAvailable: Signal
    @Output(.bool) var prevTake: Signal
    @Input(.bool) var nextAvailable: Signal
    @Output(.bool) var nextTake: Signal
    @Output(.bool) var givePrev: Signal
    @Output(.bool) var giveNext: Signal
    @Output(.bool) var xREn: Signal
    @Output var xRAddr: Signal
    @Input var xRData: Signal
    @Output(.bool) var wREn: Signal
    @Output var wRAddr: Signal
    @Input var wRData: Signal
    @Output(.bool) var mREn: Signal
    @Output var mRAddr: Signal
    @Input var mRData: Signal
    @Output(.bool) var oWEn: Signal
    @Output var oWAddr: Signal
    @Output var oWData: Signal
    @Output(.bool) var pWEn: Signal
    @Output var pWAddr: Signal
    @Output var pWLanes: Signal
    @Output var pWData: Signal
    @Input(.bool) var halt: Signal
    @Output(.bool) var idle: Signal
    @Output(.bool) var beat: Signal
    @Output var error: Signal
    @Output var errorSeq: Signal
    @Output(.bool) var errorValid: Signal

    init(_ c: SystemShell) {
        _xRAddr = Output(.uint(c.addressBits(.x)))
        _xRData = Input(.uint(c.x.bits))
        _wRAddr = Output(.uint(c.addressBits(.w)))
        _wRData = Input(.uint(c.w.bits))
        _mRAddr = Output(.uint(c.addressBits(.m)))
        _mRData = Input(.uint(c.m?.bits ?? 1))
        _oWAddr = Output(.uint(c.addressBits(.o)))
        _oWData = Output(.uint(c.o.bits))
        _pWAddr = Output(.uint(c.addressBits(.p)))
        _pWLanes = Output(.uint(c.p?.lanes ?? 1))
        _pWData = Output(.uint(c.p?.bits ?? 1))
        _error = Output(.uint(SystemError.bits))
        _errorSeq = Output(.uint(sequenceBits))
    }
}
