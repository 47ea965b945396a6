import HWCore

/// A multiplier with registered operands and a registered product: `p` is the exact (widening)
/// product of the `a` and `b` presented two clock cycles earlier.
///
/// Contract: latency ``latency`` (2) cycles, one product per cycle, no reset (data only: the
/// registers hold unknown values until two beats have entered). `a` and `b` have one signedness;
/// `p` is `a.width + b.width` bits of it.
///
/// Why a module of its own: it is the shape FPGA DSP blocks register internally (ECP5
/// MULT18X18D input and output registers; Xilinx DSP48 AREG/BREG/PREG). Yosys 0.23 maps a
/// multiply to a *combinational* MULT18X18D and leaves the registers in the fabric, so the path
/// register → routing → MULT18X18D → routing → register caps an ECP5-6 core near 150 MHz (a lone
/// 8x8 multiply between fabric registers: 148–161 MHz after place and route), and a flattened
/// array merges identical operand registers (one weight register of a PE row then fans out to
/// every multiplier of the row). As a module it carries an ECP5 implementation
/// (``Module/implement(for:_:)``): one MULT18X18D with REG_INPUTA, REG_INPUTB and REG_OUTPUT on,
/// the same two cycles, no fabric flip-flop and nothing to merge (a lone one closes at 570 MHz).
/// The generic text stays the meaning; `PipelinedMultiplierTests` simulates both side by side.
public enum PipelinedMultiplier {
    /// Cycles from operands to their product.
    public static let latency = 2
    /// The widest operand one MULT18X18D multiplies (18 bits, signed or unsigned).
    public static let ecp5MaxWidth = 18

    /// The multiplier's ports.
    public struct Ports: Interface {
        @Input public var a: Signal
        @Input public var b: Signal
        @Output public var p: Signal

        public init(a: BitsType, b: BitsType) {
            _a = Input(a)
            _b = Input(b)
            _p = Output(a.signed ? .sint(a.width + b.width) : .uint(a.width + b.width))
        }
    }

    /// The multiplier for operands of types `a` and `b` (one signedness), named
    /// `pipelined_mul_s8_s8` (for SInt(8) × SInt(8)).
    public static func build(a: BitsType, b: BitsType, file: String = #fileID, line: Int = #line) throws -> Definition<Ports> {
        guard a.signed == b.signed else {
            throw ElaborationError([Diagnostic(SourceLoc(fileID: file, line: line),
                                               "pipelined multiplier operands must share a signedness (got \(a) and \(b))")])
        }
        let tag = { (t: BitsType) in (t.signed ? "s" : "u") + "\(t.width)" }
        let mod = Module("pipelined_mul_\(tag(a))_\(tag(b))", file: file, line: line)
        mod.doc = "\(a) x \(b) multiplier, operands and product registered (latency \(latency)); "
            + "the shape a DSP block registers internally."
        let io = mod.ports(Ports(a: a, b: b))
        let aq = mod.reg("a_q", next: io.a, reset: .none)
        let bq = mod.reg("b_q", next: io.b, reset: .none)
        io.p.assign(mod.reg("p_q", next: aq * bq, reset: .none))
        if a.width <= ecp5MaxWidth && b.width <= ecp5MaxWidth {
            let (aw, bw) = (a.width, b.width)
            let signed = a.signed
            mod.implement(for: "ecp5") { name in ecp5Text(name: name, aWidth: aw, bWidth: bw, signed: signed) }
        }
        return Definition(mod, io)
    }

    /// One MULT18X18D with input and output registers on CLK0, as module `name` with the
    /// generic module's ports (`clk`, `a`, `b`, `p`).
    static func ecp5Text(name: String, aWidth: Int, bWidth: Int, signed: Bool) -> String {
        let w = ecp5MaxWidth, pw = aWidth + bWidth
        func extend(_ x: String, _ width: Int) -> String {
            guard width < w else { return x }
            return signed ? "{{\(w - width){\(x)[\(width - 1)]}}, \(x)}" : "{\(w - width)'d0, \(x)}"
        }
        func bits(_ port: String, _ wire: String, _ count: Int) -> String {
            (0..<count).map { ".\(port)\($0)(\(wire)[\($0)])" }.joined(separator: ", ")
        }
        let one = signed ? "1'b1" : "1'b0"
        return """
        // ECP5 implementation of \(name): one MULT18X18D with its input registers (REG_INPUTA,
        // REG_INPUTB) and output register (REG_OUTPUT) on CLK0, the generic module's two cycles.
        module \(name) (
          input  wire clk,
          input  wire [\(aWidth - 1):0] a,
          input  wire [\(bWidth - 1):0] b,
          output wire [\(pw - 1):0] p
        );
          wire [\(w - 1):0] a_ext = \(extend("a", aWidth));
          wire [\(w - 1):0] b_ext = \(extend("b", bWidth));
          wire [\(2 * w - 1):0] p_full;
          MULT18X18D #(
            .REG_INPUTA_CLK("CLK0"), .REG_INPUTB_CLK("CLK0"), .REG_OUTPUT_CLK("CLK0"),
            .REG_INPUTC_CLK("NONE"), .REG_PIPELINE_CLK("NONE"), .RESETMODE("SYNC"), .GSR("DISABLED")
          ) dsp (
            \(bits("A", "a_ext", w)),
            \(bits("B", "b_ext", w)),
            \((0..<w).map { ".C\($0)(1'b0)" }.joined(separator: ", ")),
            .SIGNEDA(\(one)), .SIGNEDB(\(one)), .SOURCEA(1'b0), .SOURCEB(1'b0),
            .CLK0(clk), .CE0(1'b1), .RST0(1'b0),
            \(bits("P", "p_full", 2 * w))
          );
          assign p = p_full[\(pw - 1):0];
        endmodule

        """
    }
}
