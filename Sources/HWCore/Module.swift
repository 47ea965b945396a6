/// A hardware module under construction.
///
/// Generators are ordinary Swift: create a `Module`, declare ports, wires, registers, memories and
/// instances, and describe their behaviour with operators, `assign`, `when` and `switch`.
/// Misuse is never a trap: each construct records a ``Diagnostic`` at the Swift file and line
/// where it was written, and ``Design/elaborate(_:)`` throws them.
///
/// A module has one implicit clock `clk` and one synchronous, active-high reset `rst`; they
/// become ports only if the module (or a submodule) has state (`rst` only if some register
/// resets). Every register states its reset policy (``Reset``).
///
///     let m = Module("counter_w8")
///     let en = m.input("en", .bool)
///     let count = m.output("count", .uint(8))
///     let q = m.reg("q", .uint(8), reset: 0)       // or reset: .none
///     m.when(en) { q.assign(q &+ 1) }
///     count.assign(q)
public final class Module {
    /// The Verilog module name (made unique at emission if two different modules share it).
    public let name: String
    public let loc: SourceLoc
    /// A free-form comment emitted above the module (its contract).
    public var doc: String?

    var nodes: [Node] = []
    var signals: [NamedSignal] = []
    var ports: [FlatPort] = []
    var portTrees: [(name: String, tree: PortTree)] = []
    var portTreeIndex: [String: Int] = [:]
    /// Port tree of each interface port, keyed by the node of its first ground signal (how a
    /// parent finds the port behind an interface key path).
    var portByLeaf: [NodeID: Int] = [:]
    /// Cache of ``portByLeaf`` by the interface key path a parent asked with.
    var portByKeyPath: [AnyKeyPath: Int] = [:]
    var memories: [MemoryDecl] = []
    var instances: [InstanceDecl] = []
    /// Per-element parent wires of packed vector inputs of instances, keyed "inst.port".
    var elementWires: [String: [Int]] = [:]
    var diagnostics: [Diagnostic] = []
    /// Expressions consumed by statements, with the statement's location, checked for
    /// deferred construction errors at elaboration.
    var uses: [(NodeID, SourceLoc)] = []
    /// Every name in the module's Verilog namespace.
    var names: [String: SourceLoc] = [:]
    /// Conjunction of the enclosing `when` conditions (innermost last), for memory ports.
    var conditions: [NodeID] = []
    /// Assignments of the enclosing branches (innermost last); empty at top level.
    var frames: [BranchFrame] = []
    /// A `when` chain per nesting level that may still get `elseWhen`/`otherwise` arms.
    var openChains: [Int: OpenChain] = [:]
    var chainSerial = 0
    /// Cache of constant nodes keyed by (type, value).
    var constCache: [ConstKey: NodeID] = [:]
    /// Technology-specific bodies of this module, by technology (see ``implement(for:_:)``).
    var technologyVariants: [String: @Sendable (String) -> String] = [:]

    struct ConstKey: Hashable { let type: BitsType; let words: [UInt64] }

    public init(_ name: String, file: String = #fileID, line: Int = #line) {
        self.name = name
        self.loc = SourceLoc(fileID: file, line: line)
        if let problem = identifierProblem(name) {
            diagnostics.append(Diagnostic(loc, "module name '\(name)' \(problem)"))
        }
    }

    /// A detached module holding stand-ins for interface ports read before they were bound.
    init(unbound description: String) {
        name = "<\(description)>"
        loc = SourceLoc(fileID: "", line: 0)
    }

    /// Gives the module a technology-specific implementation: `verilog(name)` returns a whole
    /// module named `name` with exactly this module's ports (`clk` first when it has state), for
    /// a synthesis flow targeting `technology` (e.g. `ecp5`) to read in place of the generic
    /// text (``Design/technologyLibrary(_:)``). The generic text stays the design's meaning —
    /// what simulation and every other tool read — so the variant must behave identically cycle
    /// for cycle; the block that defines one owns the test that shows it.
    public func implement(for technology: String, _ verilog: @escaping @Sendable (_ name: String) -> String) {
        technologyVariants[technology] = verilog
    }

    // MARK: - Node construction

    func node(_ op: Op, _ type: BitsType) -> NodeID {
        nodes.append(Node(op: op, type: type))
        return NodeID(nodes.count - 1)
    }

    func signal(_ op: Op, _ type: BitsType) -> Signal {
        Signal(module: self, id: node(op, type), type: type)
    }

    /// A signal standing for a construction error; using it in a statement reports `message`.
    func invalid(_ message: String, _ type: BitsType) -> Signal {
        signal(.invalid(message), type.width >= 1 ? type : .bool)
    }

    func constNode(_ words: [UInt64], _ type: BitsType) -> NodeID {
        let key = ConstKey(type: type, words: words)
        if let id = constCache[key] { return id }
        let id = node(.constant(words), type)
        constCache[key] = id
        return id
    }

    func refNode(_ signal: Int) -> NodeID {
        node(.ref(signal), signals[signal].type)
    }

    func error(_ loc: SourceLoc, _ message: String) {
        diagnostics.append(Diagnostic(loc, message))
    }

    // MARK: - Names

    /// Claims `name` in this module's namespace; records a diagnostic and returns false if taken
    /// or malformed.
    @discardableResult
    func claim(_ name: String, _ loc: SourceLoc, what: String) -> Bool {
        if let problem = identifierProblem(name) {
            error(loc, "\(what) name '\(name)' \(problem)")
            return false
        }
        if name == "clk" || name == "rst" {
            error(loc, "\(what) name '\(name)' is reserved for the implicit clock/reset")
            return false
        }
        if let prior = names[name] {
            error(loc, "duplicate name '\(name)' (first declared at \(prior))")
            return false
        }
        names[name] = loc
        return true
    }

    func addSignal(_ name: String, _ type: BitsType, _ kind: SignalKind, _ loc: SourceLoc) -> Int {
        signals.append(NamedSignal(name: name, type: type, kind: kind, loc: loc))
        return signals.count - 1
    }

    func checkType(_ t: BitsType, _ loc: SourceLoc, _ what: String) -> BitsType {
        if let p = HWType.bits(t).validationProblem() {
            error(loc, "\(what): \(p)")
            return .bool
        }
        return t
    }

    // MARK: - Ports

    /// Declares a ground input port.
    public func input(_ name: String, _ type: BitsType, file: String = #fileID, line: Int = #line) -> Signal {
        declare(name, .bits(type), .input, SourceLoc(fileID: file, line: line)).signal
    }

    /// Declares a ground output port; drive it with ``Signal/assign(_:file:line:)``.
    public func output(_ name: String, _ type: BitsType, file: String = #fileID, line: Int = #line) -> Signal {
        declare(name, .bits(type), .output, SourceLoc(fileID: file, line: line)).signal
    }

    /// Declares an input port holding `count` elements, packed into one flat Verilog port
    /// (element 0 in the least significant bits).
    public func input(_ name: String, _ element: BitsType, count: Int, file: String = #fileID, line: Int = #line) -> Vec {
        declare(name, .vector(.bits(element), count: count), .input, SourceLoc(fileID: file, line: line)).vec
    }

    /// Declares a packed vector output port; drive each element.
    public func output(_ name: String, _ element: BitsType, count: Int, file: String = #fileID, line: Int = #line) -> Vec {
        declare(name, .vector(.bits(element), count: count), .output, SourceLoc(fileID: file, line: line)).vec
    }

    /// Declares a port of any type. Bundle fields become ports named `name_field` (flipped fields
    /// run the other way); vectors of ground types are packed into one flat port.
    public func port(_ name: String, _ direction: PortDirection, _ type: HWType, file: String = #fileID, line: Int = #line) -> Value {
        declare(name, type, direction, SourceLoc(fileID: file, line: line))
    }

    func declare(_ name: String, _ type: HWType, _ dir: PortDirection, _ loc: SourceLoc) -> Value {
        if let p = type.validationProblem() {
            error(loc, "port '\(name)': \(p)")
            return .signal(invalid("port '\(name)' has an invalid type", .bool))
        }
        let tree = buildPortTree(name, type, dir, loc, group: [name])
        portTreeIndex[name] = portTrees.count
        portTrees.append((name, tree))
        return value(of: tree, instance: nil)
    }

    func buildPortTree(_ name: String, _ type: HWType, _ dir: PortDirection, _ loc: SourceLoc, group: [String]) -> PortTree {
        switch type {
        case .bits(let b):
            claim(name, loc, what: "port")
            let kind: SignalKind = dir == .input ? .input : .output
            let s = addSignal(name, b, kind, loc)
            ports.append(FlatPort(name: name, direction: dir, type: b, signal: s, packing: nil, group: group.count > 1 ? group : []))
            return .flat(port: ports.count - 1)
        case .vector(let el, _) where !el.containsBundle:
            claim(name, loc, what: "port")
            let flat = BitsType.uint(type.bitCount)
            let kind: SignalKind = dir == .input ? .input : .output
            let s = addSignal(name, flat, kind, loc)
            let (dims, ground) = type.packedShape
            ports.append(FlatPort(name: name, direction: dir, type: flat, signal: s, packing: (dims, ground), group: group.count > 1 ? group : []))
            if dir == .output {
                // One wire per element, packed into the port by a concatenation.
                let leaves = (0..<(dims.reduce(1, *))).map { i -> Int in
                    let en = name + "_" + elementSuffix(i, dims)
                    claim(en, loc, what: "port element")
                    return addSignal(en, ground, .wire, loc)
                }
                let parts = leaves.reversed().map { refNode($0) }
                signals[s].driver = parts.count == 1 ? parts[0] : node(.concat(parts), flat)
                signals[s].driverLoc = loc
                signals[s].drivenUnconditionally = true
                return .packed(port: ports.count - 1, leaves: leaves)
            }
            return .packed(port: ports.count - 1, leaves: nil)
        case .vector(let el, let n):
            return .vector((0..<n).map { buildPortTree("\(name)_\($0)", el, dir, loc, group: group + [String($0)]) })
        case .bundle(let fields):
            return .bundle(names: fields.map { $0.name }, trees: fields.map { f in
                buildPortTree("\(name)_\(f.name)", f.type, f.flipped ? dir.flipped : dir, loc, group: group + [f.name])
            })
        }
    }

    /// Rebuilds the DSL value of a port tree, either for this module's own ports or (with
    /// `instance`) for the parent-side signals of an instance's ports.
    func value(of tree: PortTree, instance: (parent: Module, map: [Int: PortBinding])?) -> Value {
        switch tree {
        case .flat(let p):
            if let inst = instance {
                return .signal(inst.parent.refSignal(inst.map[p]!.signal))
            }
            return .signal(refSignal(ports[p].signal))
        case .packed(let p, let leaves):
            let dims = ports[p].packing!.dims
            let ground = ports[p].packing!.element
            if let inst = instance {
                let b = inst.map[p]!
                if let ew = b.elementWires {
                    return Value.nest(ew.map { .signal(inst.parent.refSignal($0)) }, dims)
                }
                let whole = inst.parent.refSignal(b.signal)
                return Value.nest(whole.split(into: ground, count: dims.reduce(1, *)).map { .signal($0) }, dims)
            }
            if let leaves {
                return Value.nest(leaves.map { .signal(refSignal($0)) }, dims)
            }
            let whole = refSignal(ports[p].signal)
            return Value.nest(whole.split(into: ground, count: dims.reduce(1, *)).map { .signal($0) }, dims)
        case .vector(let items):
            return .vector(items.map { value(of: $0, instance: instance) })
        case .bundle(let names, let trees):
            return .bundle(names: names, values: trees.map { value(of: $0, instance: instance) })
        }
    }

    func refSignal(_ s: Int) -> Signal {
        Signal(module: self, id: refNode(s), type: signals[s].type)
    }

    // MARK: - Wires and registers

    /// Declares a named wire; drive it with `assign` (possibly under `when`).
    public func wire(_ name: String, _ type: BitsType, file: String = #fileID, line: Int = #line) -> Signal {
        let loc = SourceLoc(fileID: file, line: line)
        let t = checkType(type, loc, "wire '\(name)'")
        guard claim(name, loc, what: "wire") else { return invalid("bad wire '\(name)'", t) }
        return refSignal(addSignal(name, t, .wire, loc))
    }

    /// Declares a named wire driven by `value`: names an intermediate result in the Verilog.
    public func wire(_ name: String, _ value: Signal, file: String = #fileID, line: Int = #line) -> Signal {
        let w = wire(name, value.type, file: file, line: line)
        w.assign(value, file: file, line: line)
        return w
    }

    /// Declares a register clocked by the module clock, with an explicit reset policy.
    /// - Parameters:
    ///   - reset: `.none` (no reset: datapath registers and delay lines, which FPGA tools can map
    ///     to shift-register LUTs and DSP pipeline registers) or a value loaded while the
    ///     synchronous, active-high `rst` is high (`reset: 0` is `.sync(0)`).
    ///   - enable: a clock enable: the register only loads its next value while `enable` is 1
    ///     (emitted as `en ? next : q`, which synthesis maps to the flip-flop's enable).
    /// Without an assignment on some path, the register holds its value.
    public func reg(_ name: String, _ type: BitsType, reset: Reset, enable: Signal? = nil,
                    file: String = #fileID, line: Int = #line) -> Signal {
        let loc = SourceLoc(fileID: file, line: line)
        let t = checkType(type, loc, "register '\(name)'")
        guard claim(name, loc, what: "register") else { return invalid("bad register '\(name)'", t) }
        var info = RegisterInfo()
        if case .sync(let r) = reset {
            if let words = encodeConstant(r, t) {
                info.resetValue = words
            } else {
                error(loc, "reset value \(r) does not fit register '\(name)' of type \(t)")
            }
        }
        if let e = enable {
            if e.module !== self {
                error(loc, "enable of register '\(name)' belongs to module '\(e.module.name)'")
            } else if e.type != .bool {
                error(loc, "enable of register '\(name)' must be Bool, not \(e.type)")
            } else {
                info.enable = e.id
                uses.append((e.id, loc))
            }
        }
        return refSignal(addSignal(name, t, .register(info), loc))
    }

    /// Declares a register that loads `next` every cycle (or every enabled cycle): a pipeline stage.
    public func reg(_ name: String, next: Signal, reset: Reset, enable: Signal? = nil,
                    file: String = #fileID, line: Int = #line) -> Signal {
        let r = reg(name, next.type, reset: reset, enable: enable, file: file, line: line)
        r.assign(next, file: file, line: line)
        return r
    }

    // MARK: - Constants

    /// A constant of the given type. A value that does not fit is a diagnostic at this line.
    public func const(_ value: Int, _ type: BitsType, file: String = #fileID, line: Int = #line) -> Signal {
        let loc = SourceLoc(fileID: file, line: line)
        let t = checkType(type, loc, "constant")
        guard let words = encodeConstant(value, t) else {
            error(loc, "constant \(value) does not fit \(t)")
            return invalid("constant \(value) does not fit \(t)", t)
        }
        return Signal(module: self, id: constNode(words, t), type: t)
    }

    /// A constant from explicit little-endian 64-bit words (for values wider than 64 bits).
    public func const(words: [UInt64], _ type: BitsType) -> Signal {
        Signal(module: self, id: constNode(maskWords(words, type.width), type), type: type)
    }

    public var trueSignal: Signal { const(1, .bool) }
    public var falseSignal: Signal { const(0, .bool) }

    // MARK: - Statements

    /// The current condition (conjunction of enclosing `when`s), or nil at top level.
    var currentCondition: NodeID? { conditions.last }

    func assign(target: Signal, value: Signal, loc: SourceLoc) {
        guard target.module === self, value.module === self else {
            error(loc, "assign mixes signals of modules '\(target.module.name)' and '\(value.module.name)'")
            return
        }
        guard case .ref(let s) = nodes[target.id.index].op else {
            error(loc, "cannot assign to an expression; declare a wire, register or output")
            return
        }
        let sig = signals[s]
        guard sig.isDrivable else {
            error(loc, "cannot assign to \(sig.kindName) '\(sig.name)'")
            return
        }
        if sig.type != value.type {
            if sig.type.width != value.type.width {
                let hint = sig.type.width < value.type.width
                    ? " (no implicit truncation: use .truncated(to: \(sig.type.width)) or a wrapping operator)"
                    : " (use .extended(to: \(sig.type.width)))"
                error(loc, "width mismatch: assigning \(value.type) to \(sig.kindName) '\(sig.name)' of type \(sig.type)\(hint)")
            } else {
                error(loc, "signedness mismatch: assigning \(value.type) to \(sig.kindName) '\(sig.name)' of type \(sig.type) (use .asSInt / .asUInt)")
            }
            // Count the target as driven, so one mistake does not also report "never driven".
            if sig.driver == nil && frames.isEmpty {
                signals[s].driver = constNode(maskWords([0], sig.type.width), sig.type)
                signals[s].driverLoc = loc
            }
            return
        }
        uses.append((value.id, loc))
        finalizeOpenChain(level: frames.count)
        if let frame = frames.last {
            frame.set(s, value.id, loc)
        } else {
            if sig.driver != nil {
                error(loc, "multiple drivers: \(sig.kindName) '\(sig.name)' is already driven at \(sig.driverLoc ?? sig.loc)")
                return
            }
            signals[s].driver = value.id
            signals[s].driverLoc = loc
            signals[s].drivenUnconditionally = true
        }
    }
}

/// The reset policy of a register: stated for every register, never implied.
public enum Reset: Hashable, Sendable, ExpressibleByIntegerLiteral {
    /// No reset: the register starts undefined (X in a four-state simulator) and holds what it is
    /// given. For datapath registers whose contents are qualified by a valid bit, and delay
    /// lines (a resettable shift register cannot become an SRL).
    case none
    /// Loaded with the value while the synchronous, active-high `rst` is high.
    case sync(Int)

    /// `reset: 0` means `.sync(0)`.
    public init(integerLiteral value: Int) { self = .sync(value) }
}

/// How a declared port maps to flat Verilog ports.
enum PortTree {
    case flat(port: Int)
    /// A packed vector port; for outputs, `leaves` are the per-element wires.
    case packed(port: Int, leaves: [Int]?)
    case vector([PortTree])
    case bundle(names: [String], trees: [PortTree])
}

/// Parent-side signals of one flat port of an instance.
struct PortBinding {
    let signal: Int
    /// For packed vector inputs: one parent wire per element.
    let elementWires: [Int]?
}

extension PortDirection {
    var flipped: PortDirection { self == .input ? .output : .input }
}

extension HWType {
    var containsBundle: Bool {
        switch self {
        case .bits: return false
        case .vector(let t, _): return t.containsBundle
        case .bundle: return true
        }
    }

    /// Dimensions (outermost first) and ground element of a bundle-free vector type.
    var packedShape: ([Int], BitsType) {
        switch self {
        case .bits(let b): return ([], b)
        case .vector(let t, let n):
            let (d, g) = t.packedShape
            return ([n] + d, g)
        case .bundle: return ([], .bool)
        }
    }
}

/// `i_j` suffix of the flat element index `i` in a vector of `dims`.
func elementSuffix(_ flat: Int, _ dims: [Int]) -> String {
    var idx: [Int] = []
    var r = flat
    for d in dims.reversed() {
        idx.append(r % d)
        r /= d
    }
    return idx.reversed().map(String.init).joined(separator: "_")
}

/// Why `name` is not usable as a Verilog identifier, or nil.
func identifierProblem(_ name: String) -> String? {
    guard let first = name.unicodeScalars.first else { return "is empty" }
    let letters = Unicode.Scalar("a").value...Unicode.Scalar("z").value
    let upper = Unicode.Scalar("A").value...Unicode.Scalar("Z").value
    let digits = Unicode.Scalar("0").value...Unicode.Scalar("9").value
    func ok(_ c: Unicode.Scalar, first: Bool) -> Bool {
        letters.contains(c.value) || upper.contains(c.value) || c == "_" || (!first && digits.contains(c.value))
    }
    if !ok(first, first: true) || !name.unicodeScalars.allSatisfy({ ok($0, first: false) }) {
        return "is not a Verilog identifier ([A-Za-z_][A-Za-z0-9_]*)"
    }
    if verilogKeywords.contains(name) { return "is a Verilog keyword" }
    return nil
}

let verilogKeywords: Set<String> = [
    "always", "and", "assign", "automatic", "begin", "buf", "bufif0", "bufif1", "case", "casex", "casez",
    "cell", "cmos", "config", "deassign", "default", "defparam", "design", "disable", "edge", "else", "end",
    "endcase", "endconfig", "endfunction", "endgenerate", "endmodule", "endprimitive", "endspecify",
    "endtable", "endtask", "event", "for", "force", "forever", "fork", "function", "generate", "genvar",
    "highz0", "highz1", "if", "ifnone", "incdir", "include", "initial", "inout", "input", "instance",
    "integer", "join", "large", "liblist", "library", "localparam", "macromodule", "medium", "module",
    "nand", "negedge", "nmos", "nor", "noshowcancelled", "not", "notif0", "notif1", "or", "output",
    "parameter", "pmos", "posedge", "primitive", "pull0", "pull1", "pulldown", "pullup",
    "pulsestyle_ondetect", "pulsestyle_onevent", "rcmos", "real", "realtime", "reg", "release", "repeat",
    "rnmos", "rpmos", "rtran", "rtranif0", "rtranif1", "scalared", "showcancelled", "signed", "small",
    "specify", "specparam", "strong0", "strong1", "supply0", "supply1", "table", "task", "time", "tran",
    "tranif0", "tranif1", "tri", "tri0", "tri1", "triand", "trior", "trireg", "unsigned", "use", "uwire",
    "vectored", "wait", "wand", "weak0", "weak1", "while", "wire", "wor", "xnor", "xor",
    // SystemVerilog (IEEE 1800-2017) keywords: Verilator reserves them even in .v files.
    "accept_on", "alias", "always_comb", "always_ff", "always_latch", "assert", "assume", "before",
    "bind", "bins", "binsof", "bit", "break", "byte", "chandle", "checker", "class", "clocking",
    "const", "constraint", "context", "continue", "cover", "covergroup", "coverpoint", "cross", "dist",
    "do", "endchecker", "endclass", "endclocking", "endgroup", "endinterface", "endpackage",
    "endprogram", "endproperty", "endsequence", "enum", "eventually", "expect", "export", "extends",
    "extern", "final", "first_match", "foreach", "forkjoin", "global", "iff", "ignore_bins",
    "illegal_bins", "implements", "implies", "import", "inside", "int", "interconnect", "interface",
    "intersect", "join_any", "join_none", "let", "local", "logic", "longint", "matches", "modport",
    "nettype", "new", "nexttime", "null", "package", "packed", "priority", "program", "property",
    "protected", "pure", "rand", "randc", "randcase", "randsequence", "ref", "reject_on", "restrict",
    "return", "s_always", "s_eventually", "s_nexttime", "s_until", "s_until_with", "sequence",
    "shortint", "shortreal", "soft", "solve", "static", "string", "strong", "struct", "super",
    "sync_accept_on", "sync_reject_on", "tagged", "this", "throughout", "timeprecision", "timeunit",
    "type", "typedef", "union", "unique", "unique0", "until", "until_with", "untyped", "var", "virtual",
    "void", "wait_order", "weak", "wildcard", "with", "within",
]

/// Two's complement encoding of `value` in `type`, or nil if it does not fit.
func encodeConstant(_ value: Int, _ type: BitsType) -> [UInt64]? {
    let w = type.width
    guard w >= 1 else { return nil }
    if type.signed {
        if w < 64 {
            let lo = -(1 << (w - 1)), hi = (1 << (w - 1)) - 1
            if value < lo || value > hi { return nil }
        }
    } else {
        if value < 0 { return nil }
        if w < 64 && value >= (1 << w) { return nil }
    }
    let nWords = (w + 63) / 64
    var words = [UInt64](repeating: value < 0 ? ~0 : 0, count: nWords)
    words[0] = UInt64(bitPattern: Int64(value))
    return maskWords(words, w)
}

func maskWords(_ words: [UInt64], _ width: Int) -> [UInt64] {
    let n = (width + 63) / 64
    var w = Array(words.prefix(n))
    while w.count < n { w.append(0) }
    let rem = width % 64
    if rem != 0 { w[n - 1] &= (UInt64(1) << rem) - 1 }
    return w
}
