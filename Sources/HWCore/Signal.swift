/// A handle to a ground hardware value (a named signal or an expression) inside a module.
///
/// Signals are values: copying one copies the handle, not the hardware. Operators build new
/// expression nodes; ``assign(_:file:line:)`` drives a wire, output, register or instance input.
/// Widths and signedness are explicit and never change implicitly: see `Operators.swift` for the
/// widening and wrapping arithmetic.
public struct Signal {
    let module: Module
    let id: NodeID
    /// The signal's ground type.
    public let type: BitsType

    public var width: Int { type.width }
    public var isSigned: Bool { type.signed }

    /// Drives this wire/output/instance input with `value` (or sets a register's next value).
    /// Under `when`, the assignment applies only when the enclosing conditions hold; a later
    /// conditional assignment overrides an earlier default. The types must match exactly.
    public func assign(_ value: Signal, file: String = #fileID, line: Int = #line) {
        module.assign(target: self, value: value, loc: SourceLoc(fileID: file, line: line))
    }

    /// Drives this signal with a constant of its own type.
    public func assign(_ value: Int, file: String = #fileID, line: Int = #line) {
        let v = module.const(value, type, file: file, line: line)
        module.assign(target: self, value: v, loc: SourceLoc(fileID: file, line: line))
    }

    /// The module this signal belongs to (for generator helpers that build logic beside it).
    public var owner: Module { module }

    func makeNode(_ op: Op, _ t: BitsType) -> Signal { module.signal(op, t) }
    func invalid(_ message: String, _ t: BitsType? = nil) -> Signal { module.invalid(message, t ?? type) }

    /// Zero- or sign-extends (by own signedness) to `w`, or returns self when already `w` wide.
    func ext(_ w: Int) -> Signal {
        w == width ? self : makeNode(.extend(id), type.with(width: w))
    }

    func retyped(signed s: Bool) -> Signal {
        s == isSigned ? self : makeNode(.cast(id), type.with(signed: s))
    }
}

// MARK: - Width changes, reinterpretation, slices

extension Signal {
    /// Extends to `width` bits: sign extension for SInt, zero extension for UInt.
    public func extended(to width: Int, file: String = #fileID, line: Int = #line) -> Signal {
        guard width >= self.width, width <= BitsType.maxWidth else {
            module.error(SourceLoc(fileID: file, line: line), "cannot extend \(type) to \(width) bits (use .truncated(to:))")
            return invalid("bad extension", type.with(width: max(1, min(width, BitsType.maxWidth))))
        }
        return ext(width)
    }

    /// Keeps the low `width` bits (explicit truncation), keeping signedness.
    public func truncated(to width: Int, file: String = #fileID, line: Int = #line) -> Signal {
        guard width >= 1, width <= self.width else {
            module.error(SourceLoc(fileID: file, line: line), "cannot truncate \(type) to \(width) bits")
            return invalid("bad truncation", type.with(width: max(1, width)))
        }
        if width == self.width { return self }
        return makeNode(.slice(id, lo: 0), type.with(width: width))
    }

    /// Extends or truncates to `width` bits.
    public func resized(to width: Int, file: String = #fileID, line: Int = #line) -> Signal {
        width >= self.width ? extended(to: width, file: file, line: line) : truncated(to: width, file: file, line: line)
    }

    /// The same bits read as unsigned.
    public var asUInt: Signal { retyped(signed: false) }
    /// The same bits read as two's complement signed.
    public var asSInt: Signal { retyped(signed: true) }
    /// Exact conversion to signed: UInt(w) becomes SInt(w + 1); SInt is unchanged.
    public var asSigned: Signal { isSigned ? self : ext(width + 1).asSInt }

    /// Bits `range` (e.g. `4...7`) as an unsigned value.
    public func bits(_ range: ClosedRange<Int>, file: String = #fileID, line: Int = #line) -> Signal {
        guard range.lowerBound >= 0, range.upperBound < width else {
            module.error(SourceLoc(fileID: file, line: line), "bit range \(range) is outside \(type)")
            return invalid("bad slice", .uint(range.count))
        }
        if range.count == width { return asUInt }
        return makeNode(.slice(id, lo: range.lowerBound), .uint(range.count))
    }

    /// Bit `index` as a Bool.
    public func bit(_ index: Int, file: String = #fileID, line: Int = #line) -> Signal {
        bits(index...index, file: file, line: line)
    }

    /// The most significant bit (the sign bit of an SInt).
    public var msb: Signal { width == 1 ? asUInt : makeNode(.slice(id, lo: width - 1), .bool) }

    /// Splits into `count` consecutive elements of `element` type, element 0 in the low bits.
    func split(into element: BitsType, count: Int) -> [Signal] {
        (0..<count).map { i in
            let s = count == 1 && element.width == width ? self : makeNode(.slice(id, lo: i * element.width), .uint(element.width))
            return s.retyped(signed: element.signed)
        }
    }

    // MARK: Reductions

    public func andReduce() -> Signal { width == 1 ? asUInt : makeNode(.unary(.reduceAnd, id), .bool) }
    public func orReduce() -> Signal { width == 1 ? asUInt : makeNode(.unary(.reduceOr, id), .bool) }
    public func xorReduce() -> Signal { width == 1 ? asUInt : makeNode(.unary(.reduceXor, id), .bool) }

    // MARK: Dynamic shifts (keep the width; bits shifted out are lost by definition)

    /// Logical left shift by a run-time amount, same width.
    public func shiftedLeft(by amount: Signal) -> Signal {
        guard sameModule(amount), !amount.isSigned else { return invalid("shift amount must be an unsigned signal of the same module") }
        return makeNode(.binary(.shlDyn, id, amount.id), type)
    }

    /// Right shift by a run-time amount (arithmetic for SInt, logical for UInt), same width.
    public func shiftedRight(by amount: Signal) -> Signal {
        guard sameModule(amount), !amount.isSigned else { return invalid("shift amount must be an unsigned signal of the same module") }
        return makeNode(.binary(.shrDyn, id, amount.id), type)
    }

    func sameModule(_ other: Signal) -> Bool { other.module === module }

    /// Whether this is a constant whose bits are all zero.
    var isConstantZero: Bool {
        if case .constant(let words) = module.nodes[id.index].op { return words.allSatisfy { $0 == 0 } }
        return false
    }
}

/// Concatenation, most significant part first (like Verilog `{a, b}`); the result is unsigned.
public func cat(_ head: Signal, _ tail: Signal...) -> Signal { cat(head, tail) }

/// Concatenation of `head` followed by `tail`, most significant part first.
public func cat(_ head: Signal, _ tail: [Signal]) -> Signal {
    let parts = [head] + tail
    if parts.count == 1 { return head.asUInt }
    guard parts.allSatisfy({ $0.module === head.module }) else {
        return head.invalid("cat() mixes signals of different modules", .uint(parts.reduce(0) { $0 + $1.width }))
    }
    let w = parts.reduce(0) { $0 + $1.width }
    return head.makeNode(.concat(parts.map { $0.id }), .uint(w))
}

/// `sel ? whenTrue : whenFalse`; both arms must have the same type.
public func mux(_ sel: Signal, _ whenTrue: Signal, _ whenFalse: Signal) -> Signal {
    let m = sel.module
    guard whenTrue.module === m, whenFalse.module === m else {
        return whenTrue.invalid("mux() mixes signals of different modules")
    }
    guard sel.type == .bool else { return whenTrue.invalid("mux select must be Bool, not \(sel.type)") }
    guard whenTrue.type == whenFalse.type else {
        return whenTrue.invalid("mux arms differ: \(whenTrue.type) vs \(whenFalse.type)")
    }
    return m.signal(.mux(sel.id, whenTrue.id, whenFalse.id), whenTrue.type)
}

/// `sel ? whenTrue : constant` with the constant in `whenTrue`'s type.
public func mux(_ sel: Signal, _ whenTrue: Signal, _ whenFalse: Int) -> Signal {
    mux(sel, whenTrue, whenTrue.module.constOrInvalid(whenFalse, whenTrue.type))
}

/// `sel ? constant : whenFalse` with the constant in `whenFalse`'s type.
public func mux(_ sel: Signal, _ whenTrue: Int, _ whenFalse: Signal) -> Signal {
    mux(sel, whenFalse.module.constOrInvalid(whenTrue, whenFalse.type), whenFalse)
}

extension Module {
    func constOrInvalid(_ v: Int, _ t: BitsType) -> Signal {
        guard let words = encodeConstant(v, t) else { return invalid("constant \(v) does not fit \(t)", t) }
        return Signal(module: self, id: constNode(words, t), type: t)
    }

    /// The narrowest constant holding `v` with the given signedness.
    func literal(_ v: Int, signed: Bool) -> Signal {
        if !signed && v < 0 { return invalid("negative constant \(v) used with an unsigned signal", .uint(1)) }
        var w = 1
        if signed {
            while w < 64 && !(v >= -(1 << (w - 1)) && v <= (1 << (w - 1)) - 1) { w += 1 }
        } else {
            while w < 64 && v >= (1 << w) { w += 1 }
        }
        return constOrInvalid(v, BitsType(width: w, signed: signed))
    }
}
