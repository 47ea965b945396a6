import HWCore
import HWLib

/// The SPS im2col address generator: one activation address per PE row (output pixel) for the
/// beat the indexing unit issues, registered.
///
/// Contract (one clock): row r's output pixel reads its window at origin (`row_y0[r]`,
/// `row_x0[r]`) = (oh·S − P, ow·S − P), whose flattened offset `row_base[r]` = y0·W + x0 the
/// compiler supplies. For kernel position (kh, kw) and `kernel_offset` = j·H·W + kh·W + kw:
/// * `in_window[r]` = 0 ≤ y0 + kh < `height` and 0 ≤ x0 + kw < `width` (else the beat reads padding);
/// * `act_addr[r]` = `row_base[r]` + `kernel_offset` (0 when outside, so the buffer is never
///   read out of range);
/// both one cycle after their inputs (registered, reset 0).
public enum SPSAddressGenerator {
    public struct Ports: Interface {
        @Input(.bool) public var issue: Signal
        @Input public var kh: Signal
        @Input public var kw: Signal
        @Input public var kernelOffset: Signal
        @Input public var height: Signal
        @Input public var width: Signal
        @Input public var rowY0: Vec
        @Input public var rowX0: Vec
        @Input public var rowBase: Vec
        @Output public var actAddr: Vec
        @Output public var inWindow: Vec

        public init(_ cfg: SPSConfig) {
            _kh = Input(.uint(cfg.coordBits))
            _kw = Input(.uint(cfg.coordBits))
            _kernelOffset = Input(.uint(cfg.actAddrBits))
            _height = Input(.uint(cfg.dimBits))
            _width = Input(.uint(cfg.dimBits))
            _rowY0 = Input(.sint(cfg.dimBits + 1), count: cfg.rows)
            _rowX0 = Input(.sint(cfg.dimBits + 1), count: cfg.rows)
            _rowBase = Input(.sint(cfg.actAddrBits + 1), count: cfg.rows)
            _actAddr = Output(.uint(cfg.actAddrBits), count: cfg.rows)
            _inWindow = Output(.bool, count: cfg.rows)
        }
    }

    public static func build(_ cfg: SPSConfig) -> Definition<Ports> {
        let m = Module(cfg.addressGenName + "_a\(cfg.actAddrBits)_d\(cfg.dimBits)")
        m.doc = "SPS im2col address generator: per PE row, the activation address of the issued kernel position and whether it lies inside the input."
        let io = m.ports(Ports(cfg))
        let kh = io.kh.asSigned, kw = io.kw.asSigned
        let h = io.height.asSigned, w = io.width.asSigned
        let offset = io.kernelOffset.asSigned
        for r in 0..<cfg.rows {
            let y = m.wire("y_\(r)", io.rowY0[r] + kh)
            let x = m.wire("x_\(r)", io.rowX0[r] + kw)
            let inside = m.wire("in_\(r)", io.issue && y >= 0 && y < h && x >= 0 && x < w)
            let addr = m.wire("addr_\(r)", (io.rowBase[r] + offset).resized(to: cfg.actAddrBits).asUInt)
            io.actAddr[r].assign(m.reg("addr_q_\(r)", next: mux(inside, addr, 0), reset: 0))
            io.inWindow[r].assign(m.reg("in_q_\(r)", next: inside, reset: 0))
        }
        return Definition(m, io)
    }
}
