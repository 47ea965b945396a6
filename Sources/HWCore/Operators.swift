// Operators on signals. One small set of primitives (extend, binary op, mux, slice, concat)
// from which everything else is derived.
//
// Arithmetic comes in two forms:
//  * widening (`+`, `-`, `*`, unary `-`): the result type holds every possible result exactly
//    (UInt(8) + UInt(8) -> UInt(9), UInt(8) - UInt(8) -> SInt(9), SInt(8) * SInt(8) -> SInt(16));
//  * wrapping (`&+`, `&-`, `&*`): the result has the wider operand's width and wraps, as Swift's
//    wrapping operators do.
// Operands must agree in signedness (convert with `.asSigned`/`.asSInt`); bitwise operators also
// need equal widths. A misuse yields a signal whose use is reported as an error at the statement
// that consumes it (operators cannot capture a source location themselves).

extension Signal {
    fileprivate static func checkPair(_ a: Signal, _ b: Signal, _ op: String) -> String? {
        if a.module !== b.module { return "'\(op)' mixes signals of modules '\(a.module.name)' and '\(b.module.name)'" }
        if a.isSigned != b.isSigned {
            return "signedness mismatch in '\(op)': \(a.type) and \(b.type) (convert with .asSigned or .asSInt)"
        }
        return nil
    }

    /// Extends both operands to `w` and applies `op`, giving a result of type (w, signed).
    fileprivate static func arith(_ op: BinaryOp, _ a: Signal, _ b: Signal, width w: Int, signed: Bool, _ name: String) -> Signal {
        let t = BitsType(width: min(w, BitsType.maxWidth), signed: signed)
        if let problem = checkPair(a, b, name) { return a.invalid(problem, t) }
        if w > BitsType.maxWidth { return a.invalid("result of '\(name)' exceeds \(BitsType.maxWidth) bits", t) }
        return a.makeNode(.binary(op, a.ext(w).id, b.ext(w).id), t)
    }

    fileprivate static func bitwise(_ op: BinaryOp, _ a: Signal, _ b: Signal, _ name: String) -> Signal {
        if let problem = checkPair(a, b, name) { return a.invalid(problem) }
        if a.width != b.width { return a.invalid("width mismatch in '\(name)': \(a.type) and \(b.type)") }
        return a.makeNode(.binary(op, a.id, b.id), a.type)
    }

    fileprivate static func compare(_ op: BinaryOp, _ a: Signal, _ b: Signal, _ name: String) -> Signal {
        if let problem = checkPair(a, b, name) { return a.invalid(problem, .bool) }
        // An unsigned value compared with constant 0 by an ordering is constant: fold it, so the
        // Verilog does not carry a comparison Verilator flags as constant.
        if !a.isSigned {
            switch (op, a.isConstantZero, b.isConstantZero) {
            case (.lt, _, true), (.gt, true, _): return a.module.constOrInvalid(0, .bool)
            case (.ge, _, true), (.le, true, _): return a.module.constOrInvalid(1, .bool)
            default: break
            }
        }
        let w = max(a.width, b.width)
        return a.makeNode(.binary(op, a.ext(w).id, b.ext(w).id), .bool)
    }

    fileprivate func lit(_ v: Int) -> Signal { module.literal(v, signed: isSigned) }
    fileprivate func sameTypeConst(_ v: Int) -> Signal { module.constOrInvalid(v, type) }

    // MARK: Widening arithmetic

    public static func + (a: Signal, b: Signal) -> Signal {
        arith(.add, a, b, width: max(a.width, b.width) + 1, signed: a.isSigned, "+")
    }
    public static func - (a: Signal, b: Signal) -> Signal {
        // Exact: the difference of two unsigned values may be negative.
        arith(.sub, a, b, width: max(a.width, b.width) + 1, signed: true, "-")
    }
    public static func * (a: Signal, b: Signal) -> Signal {
        arith(.mul, a, b, width: a.width + b.width, signed: a.isSigned, "*")
    }
    /// Exact negation: the result is SInt(width + 1).
    public static prefix func - (a: Signal) -> Signal {
        let w = a.width + 1
        let zero = a.module.constOrInvalid(0, .sint(w))
        return a.makeNode(.binary(.sub, zero.id, a.ext(w).id), .sint(w))
    }

    // MARK: Wrapping arithmetic

    public static func &+ (a: Signal, b: Signal) -> Signal {
        arith(.add, a, b, width: max(a.width, b.width), signed: a.isSigned, "&+")
    }
    public static func &- (a: Signal, b: Signal) -> Signal {
        arith(.sub, a, b, width: max(a.width, b.width), signed: a.isSigned, "&-")
    }
    public static func &* (a: Signal, b: Signal) -> Signal {
        arith(.mul, a, b, width: max(a.width, b.width), signed: a.isSigned, "&*")
    }

    // MARK: Bitwise and logical

    public static func & (a: Signal, b: Signal) -> Signal { bitwise(.and, a, b, "&") }
    public static func | (a: Signal, b: Signal) -> Signal { bitwise(.or, a, b, "|") }
    public static func ^ (a: Signal, b: Signal) -> Signal { bitwise(.xor, a, b, "^") }
    public static prefix func ~ (a: Signal) -> Signal { a.makeNode(.unary(.not, a.id), a.type) }

    /// Logical and of two Bools.
    public static func && (a: Signal, b: Signal) -> Signal {
        guard a.type == .bool, b.type == .bool else { return a.invalid("'&&' needs Bool operands, not \(a.type) and \(b.type)", .bool) }
        return bitwise(.and, a, b, "&&")
    }
    public static func || (a: Signal, b: Signal) -> Signal {
        guard a.type == .bool, b.type == .bool else { return a.invalid("'||' needs Bool operands, not \(a.type) and \(b.type)", .bool) }
        return bitwise(.or, a, b, "||")
    }
    public static prefix func ! (a: Signal) -> Signal {
        guard a.type == .bool else { return a.invalid("'!' needs a Bool operand, not \(a.type)", .bool) }
        return ~a
    }

    // MARK: Comparisons (signed-aware). These return Bool signals, not Swift Bools.

    public static func == (a: Signal, b: Signal) -> Signal { compare(.eq, a, b, "==") }
    public static func != (a: Signal, b: Signal) -> Signal { compare(.ne, a, b, "!=") }
    public static func < (a: Signal, b: Signal) -> Signal { compare(.lt, a, b, "<") }
    public static func <= (a: Signal, b: Signal) -> Signal { compare(.le, a, b, "<=") }
    public static func > (a: Signal, b: Signal) -> Signal { compare(.gt, a, b, ">") }
    public static func >= (a: Signal, b: Signal) -> Signal { compare(.ge, a, b, ">=") }

    // MARK: Constant shifts

    /// Exact left shift: UInt(w) << n is UInt(w + n).
    public static func << (a: Signal, n: Int) -> Signal {
        if n < 0 { return a.invalid("negative shift \(n)") }
        if n == 0 { return a }
        let zeros = a.module.constOrInvalid(0, .uint(n))
        return cat(a, zeros).retyped(signed: a.isSigned)
    }

    /// Right shift dropping the low `n` bits: UInt(w) >> n is UInt(w - n) (floor division,
    /// arithmetic for SInt). Shifting out every bit leaves one bit (0, or the sign).
    public static func >> (a: Signal, n: Int) -> Signal {
        if n < 0 { return a.invalid("negative shift \(n)") }
        if n == 0 { return a }
        let lo = min(n, a.width - 1)
        if n >= a.width && !a.isSigned { return a.module.constOrInvalid(0, .uint(1)) }
        return a.makeNode(.slice(a.id, lo: lo), a.type.with(width: a.width - lo))
    }

    // MARK: Mixed with integer constants

    public static func + (a: Signal, b: Int) -> Signal { a + a.lit(b) }
    public static func - (a: Signal, b: Int) -> Signal { a - a.lit(b) }
    public static func * (a: Signal, b: Int) -> Signal { a * a.lit(b) }
    /// Wrapping forms take the constant in the signal's own type.
    public static func &+ (a: Signal, b: Int) -> Signal { a &+ a.sameTypeConst(b) }
    public static func &- (a: Signal, b: Int) -> Signal { a &- a.sameTypeConst(b) }
    public static func & (a: Signal, b: Int) -> Signal { a & a.sameTypeConst(b) }
    public static func | (a: Signal, b: Int) -> Signal { a | a.sameTypeConst(b) }
    public static func ^ (a: Signal, b: Int) -> Signal { a ^ a.sameTypeConst(b) }
    public static func == (a: Signal, b: Int) -> Signal { compare(.eq, a, a.lit(b), "==") }
    public static func != (a: Signal, b: Int) -> Signal { compare(.ne, a, a.lit(b), "!=") }
    public static func < (a: Signal, b: Int) -> Signal { compare(.lt, a, a.lit(b), "<") }
    public static func <= (a: Signal, b: Int) -> Signal { compare(.le, a, a.lit(b), "<=") }
    public static func > (a: Signal, b: Int) -> Signal { compare(.gt, a, a.lit(b), ">") }
    public static func >= (a: Signal, b: Int) -> Signal { compare(.ge, a, a.lit(b), ">=") }
}
