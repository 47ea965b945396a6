// Emits one checked module as Verilog-2005.
//
// Style, chosen for lint-cleanliness (verilator -Wall), synthesis and simulation speed:
//  * every net is declared unsigned; signedness only matters for comparisons and right shifts,
//    which use $signed(); arithmetic operands are extended explicitly to the result width, so
//    no expression relies on Verilog's context-dependent widths;
//  * expressions are inlined into the statement that uses them; a temporary is declared only
//    when Verilog needs a name (bit-select of an expression, a shared subexpression, a dynamic
//    index), named after the statement's target (`<target>_t<k>`), never a global counter;
//  * all registers of a module share one `always @(posedge clk)` block; each memory has its
//    own block (the form FPGA tools infer block RAM from); dynamic indexes are `case`
//    statements in `always @*` with a default arm, so no latch can be inferred;
//  * the simulation style (VerilogStyle) changes spellings only: signed extensions, resets in
//    one block, small dynamic indexes as part-selects, vector pipeline stages as packed
//    registers (RegisterPacking.swift), logic read only under a register enable evaluated
//    under it (EnableSinking.swift);
//  * signals whose bits are intentionally unread (an unconnected instance output, the high
//    bits of a port) are listed once in a `_unused` sink, Verilator's documented idiom.

#if canImport(Glibc)
import Glibc
#endif

final class ModuleEmitter {
    let m: Module
    let facts: ModuleFacts
    let style: VerilogStyle
    /// `HWGEN_SIM_LEGACY_EXTEND=1`: the simulation style as of commit e2d0ead — sign extensions
    /// as before the idiom was applied to every extension, each register's reset a select of its
    /// own, dynamic indexes as `case`, no packed registers (only for `hwgen-bench simspeed`'s
    /// "before" column).
    static var legacyExtend: Bool {
        #if canImport(Glibc)
        return getenv("HWGEN_SIM_LEGACY_EXTEND").map { String(cString: $0) == "1" } ?? false
        #else
        return false
        #endif
    }
    /// Set while a multiplier operand's own sign extension is written (simulation style): it
    /// keeps the replication form.
    var replicateExtend = false
    let childName: (Module) -> String
    let childFacts: (Module) -> ModuleFacts

    var out = ""
    /// Names of nodes that got a temporary.
    var temp: [Int32: String] = [:]
    var needsTemp: [Bool]
    var namespace: Set<String>
    /// Per named signal: which bits the emitted text reads (nil = none yet).
    var used: [[Bool]?]
    /// Lines declaring temporaries, produced while printing the current statement.
    var pending: [String] = []
    var tempCounter: [String: Int] = [:]
    /// Temporaries in declaration order, with the bits the text reads.
    var tempOrder: [String] = []
    var tempUsed: [String: [Bool]] = [:]
    var owner = ""
    var ownerLoc = ""
    /// Simulation style: the guard each node and wire is evaluated under (EnableSinking.swift).
    var sunkNode: [Guard?] = []
    var sunkSignal: [Guard?] = []
    /// Declarations and blocking statements of the expressions evaluated under a guard.
    var sunkDecls = ""
    var sunkLines: [(guard: Guard, text: String)] = []

    init(_ m: Module, facts: ModuleFacts, style: VerilogStyle = .synthesis,
         childName: @escaping (Module) -> String, childFacts: @escaping (Module) -> ModuleFacts) {
        self.m = m
        self.facts = facts
        self.style = style
        self.childName = childName
        self.childFacts = childFacts
        needsTemp = [Bool](repeating: false, count: m.nodes.count)
        namespace = Set(m.names.keys).union(["clk", "rst", "_unused"])
        used = [[Bool]?](repeating: nil, count: m.signals.count)
        markTemps()
    }

    // MARK: - Which nodes need a temporary

    func stripCasts(_ n: NodeID) -> NodeID {
        var n = n
        while case .cast(let a) = m.nodes[n.index].op { n = a }
        return n
    }

    /// (ref signal, lo) when `n` is a (possibly sliced, possibly cast) named signal.
    func bitsOf(_ n: NodeID) -> (Int, Int)? {
        let b = stripCasts(n)
        switch m.nodes[b.index].op {
        case .ref(let s):
            if m.signals[s].inlined, let d = m.signals[s].driver { return bitsOf(d) }
            return (s, 0)
        case .slice(let a, let lo):
            if let (s, l) = bitsOf(a) { return (s, l + lo) }
            return nil
        default: return nil
        }
    }

    func roots() -> [NodeID] {
        var r: [NodeID] = []
        for s in m.signals {
            if let d = s.driver { r.append(d) }
            if case .register(let info) = s.kind, let e = info.enable { r.append(e) }
        }
        for mem in m.memories {
            for rd in mem.reads { r.append(rd.address); if let e = rd.enable { r.append(e) }; r += rd.collisions }
            for w in mem.writes {
                r.append(w.address)
                if let e = w.enable { r.append(e) }
                if w.lanes.isEmpty { r.append(w.data) }
                for l in w.lanes { r.append(l.enable); r.append(l.data) }
            }
        }
        return r
    }

    func markTemps() {
        var fanout = [Int32](repeating: 0, count: m.nodes.count)
        var visited = [Bool](repeating: false, count: m.nodes.count)
        var stack = roots()
        for r in stack { fanout[r.index] += 1 }
        while let n = stack.popLast() {
            if visited[n.index] { continue }
            visited[n.index] = true
            m.forEachOperand(n) { c in
                fanout[c.index] += 1
                stack.append(c)
            }
        }
        for i in 0..<m.nodes.count where visited[i] {
            let n = NodeID(i)
            switch m.nodes[i].op {
            case .select:
                needsTemp[i] = true
            case .slice(let a, _):
                if bitsOf(a) == nil { needsTemp[stripCasts(a).index] = true }
            case .extend(let a):
                if m.nodes[a.index].type.signed && m.nodes[a.index].type.width > 1 && bitsOf(a) == nil {
                    needsTemp[stripCasts(a).index] = true
                }
            default:
                break
            }
            if fanout[i] > 1 {
                switch m.nodes[i].op {
                case .ref, .constant, .cast: break
                case .slice: if bitsOf(n) == nil { needsTemp[i] = true }
                default: needsTemp[i] = true
                }
            }
        }
    }

    // MARK: - Expressions

    func range(_ w: Int) -> String { w == 1 ? "" : "[\(w - 1):0] " }

    func constant(_ words: [UInt64], _ t: BitsType) -> String {
        let w = t.width
        if w == 1 { return words[0] & 1 == 1 ? "1'b1" : "1'b0" }
        if w <= 64 {
            return "\(w)'d\(words[0])"
        }
        var hex = ""
        for word in words.reversed() {
            let h = String(word, radix: 16)
            hex += hex.isEmpty ? h : String(repeating: "0", count: 16 - h.count) + h
        }
        return "\(w)'h\(hex)"
    }

    func markUsed(_ s: Int, lo: Int, width: Int) {
        let w = m.signals[s].type.width
        if used[s] == nil { used[s] = [Bool](repeating: false, count: w) }
        for b in lo..<min(w, lo + width) { used[s]![b] = true }
    }

    func markTempUsed(_ t: String, lo: Int, width: Int) {
        guard let count = tempUsed[t]?.count else { return }
        for b in lo..<min(count, lo + width) { tempUsed[t]![b] = true }
    }

    /// `name`, `name[lo]` or `name[hi:lo]`: bits [lo, lo+width) of a `total`-bit name.
    static func bits(_ name: String, lo: Int, width: Int, of total: Int) -> String {
        if lo == 0 && width == total { return name }
        return width == 1 ? "\(name)[\(lo)]" : "\(name)[\(lo + width - 1):\(lo)]"
    }

    /// Text naming bits [lo, lo+width) of `n` when they can be named without a temporary.
    func bitsText(_ n: NodeID, lo: Int, width: Int) -> String? {
        if let t = temp[stripCasts(n).raw] {
            let tw = m.nodes[stripCasts(n).index].type.width
            markTempUsed(t, lo: lo, width: width)
            return Self.bits(t, lo: lo, width: width, of: tw)
        }
        guard let (s, base) = bitsOf(n), !needsTemp[stripCasts(n).index] || m.nodes[stripCasts(n).index].op.isRef else { return nil }
        let sig = m.signals[s]
        let l = base + lo
        markUsed(s, lo: l, width: width)
        return Self.bits(sig.name, lo: l, width: width, of: sig.type.width)
    }

    /// Verilog text of node `n`, `top` when it is a whole statement's right-hand side.
    func expr(_ n: NodeID, top: Bool = false) -> String {
        if let t = temp[n.raw] {
            markTempUsed(t, lo: 0, width: m.nodes[n.index].type.width)
            return t
        }
        if needsTemp[n.index] {
            let t = makeTemp(n)
            markTempUsed(t, lo: 0, width: m.nodes[n.index].type.width)
            return t
        }
        let node = m.nodes[n.index]
        func wrap(_ s: String) -> String { top ? s : "(\(s))" }
        switch node.op {
        case .ref(let s):
            let sig = m.signals[s]
            if case .instanceInput = sig.kind { return expr(sig.driver!) }
            if sig.inlined, let d = sig.driver { return expr(d, top: top) }
            markUsed(s, lo: 0, width: sig.type.width)
            return sig.name
        case .constant(let words):
            return constant(words, node.type)
        case .cast(let a):
            return expr(a, top: top)
        case .slice(let a, let lo):
            if let t = bitsText(a, lo: lo, width: node.type.width) { return t }
            _ = makeTemp(stripCasts(a))
            return bitsText(a, lo: lo, width: node.type.width)!
        case .extend(let a):
            let keepReplication = replicateExtend
            replicateExtend = false
            let at = m.nodes[a.index].type
            let n = node.type.width - at.width
            if at.signed {
                // Simulation style: any other signed extension (an adder operand, a wider
                // accumulator input) up to 64 bits as `(({n'h0, x} ^ S) - S)`, which Verilator
                // passes through as a C++ xor and subtract the compiler turns into one sign
                // extension; the replication costs a shift, negate, shift, mask and or. The
                // 16x16 SAT core's PEs sum two products and widen the sum: 18.6k -> 14.0k
                // instructions per cycle, +45% cycles/s (Benchmarks/cosim-designs.md).
                // Multiplier operands that are wires keep the replication (see
                // `multiplierOperand`).
                if style == .simulation, !keepReplication, !Self.legacyExtend, at.width > 1, node.type.width <= 64 {
                    let sign = "\(node.type.width)'h" + String(UInt64(1) << UInt64(at.width - 1), radix: 16)
                    return "(({\(n)'h0, \(expr(a))} ^ \(sign)) - \(sign))"
                }
                let msb = at.width == 1 ? expr(a) : (bitsText(a, lo: at.width - 1, width: 1) ?? { _ = makeTemp(stripCasts(a)); return bitsText(a, lo: at.width - 1, width: 1)! }())
                if at.width == 1 { return "{\(node.type.width){\(msb)}}" }
                return n == 1 ? "{\(msb), \(expr(a))}" : "{{\(n){\(msb)}}, \(expr(a))}"
            }
            return "{\(n)'d0, \(expr(a))}"
        case .unary(let op, let a):
            let x = expr(a)
            switch op {
            case .not: return "~\(x)"
            case .reduceAnd: return "&\(x)"
            case .reduceOr: return "|\(x)"
            case .reduceXor: return "^\(x)"
            }
        case .binary(let op, let a, let b):
            let signed = m.nodes[a.index].type.signed
            var x: String, y: String
            if op == .mul && style == .simulation {
                x = multiplierOperand(a)
                y = multiplierOperand(b)
            } else {
                x = expr(a)
                y = expr(b)
            }
            let sym: String
            switch op {
            case .add: sym = "+"
            case .sub: sym = "-"
            case .mul: sym = "*"
            case .and: sym = "&"
            case .or: sym = "|"
            case .xor: sym = "^"
            case .eq: sym = "=="
            case .ne: sym = "!="
            case .lt, .le, .gt, .ge:
                sym = op == .lt ? "<" : op == .le ? "<=" : op == .gt ? ">" : ">="
                if signed { x = "$signed(\(x))"; y = "$signed(\(y))" }
            case .shlDyn: sym = "<<"
            case .shrDyn:
                if signed { return wrap("$signed(\(x)) >>> \(y)") }
                sym = ">>"
            }
            return wrap("\(x) \(sym) \(y)")
        case .mux(let s, let a, let b):
            return wrap("\(expr(s)) ? \(expr(a)) : \(expr(b))")
        case .concat(let parts):
            // Adjacent slices of one signal print as one slice: {x[15:8], x[7:0]} is x[15:0].
            var items: [String] = []
            var i = 0
            while i < parts.count {
                if temp[stripCasts(parts[i]).raw] == nil, !needsTemp[stripCasts(parts[i]).index], let (s, lo) = bitsOf(parts[i]) {
                    var low = lo, w = m.nodes[parts[i].index].type.width
                    var j = i + 1
                    while j < parts.count, temp[stripCasts(parts[j]).raw] == nil, !needsTemp[stripCasts(parts[j]).index],
                          let (s2, lo2) = bitsOf(parts[j]), s2 == s, lo2 + m.nodes[parts[j].index].type.width == low {
                        low = lo2
                        w += m.nodes[parts[j].index].type.width
                        j += 1
                    }
                    if j > i + 1 {
                        markUsed(s, lo: low, width: w)
                        let sig = m.signals[s]
                        items.append(Self.bits(sig.name, lo: low, width: w, of: sig.type.width))
                        i = j
                        continue
                    }
                }
                items.append(expr(parts[i]))
                i += 1
            }
            return items.count == 1 ? items[0] : "{" + items.joined(separator: ", ") + "}"
        case .select:
            let t = makeTemp(n)
            markTempUsed(t, lo: 0, width: node.type.width)
            return t
        case .undriven, .invalid:
            return "/* unreachable */ \(constant([0], node.type))"
        }
    }

    /// A multiplier operand in the simulation style: the sign extension of an input port or a
    /// register (up to 64 bits, where Verilator uses native integers) is written as
    /// `(({n'h0, x} ^ S) - S)`, S the source's sign bit, which compilers turn into one
    /// sign-extending load. A wire keeps the replication: read only once, Verilator would fold
    /// the wire's logic into each reader and duplicate it (the SAT PE's index multiplexer ran 4x
    /// slower that way). See ``VerilogStyle``.
    func multiplierOperand(_ n: NodeID) -> String {
        let node = m.nodes[n.index]
        // The operand itself keeps the replication unless the source qualifies below (its own
        // sub-expressions do not: the flag is reset before they are written).
        func replicated() -> String {
            guard case .extend = node.op else { return expr(n) }
            replicateExtend = true
            defer { replicateExtend = false }
            return expr(n)
        }
        guard temp[n.raw] == nil, !needsTemp[n.index], case .extend(let a) = node.op,
              temp[stripCasts(a).raw] == nil, let (s, _) = bitsOf(a) else { return replicated() }
        switch m.signals[s].kind {
        case .input, .register, .memoryRead: break
        default: return replicated()
        }
        let at = m.nodes[a.index].type
        let w = node.type.width
        guard at.signed, at.width > 1, w <= 64 else { return expr(n) }
        let sign = "\(w)'h" + String(UInt64(1) << UInt64(at.width - 1), radix: 16)
        return "(({\(w - at.width)'h0, \(expr(a))} ^ \(sign)) - \(sign))"
    }

    func freshTempName() -> String {
        var k = tempCounter[owner, default: 0]
        var name = "\(owner)_t\(k)"
        while namespace.contains(name) {
            k += 1
            name = "\(owner)_t\(k)"
        }
        tempCounter[owner] = k + 1
        namespace.insert(name)
        return name
    }

    /// Declares a temporary for `n` (its own temporaries first) and returns its name.
    func makeTemp(_ n: NodeID) -> String {
        if let t = temp[n.raw] {
            markTempUsed(t, lo: 0, width: m.nodes[n.index].type.width)
            return t
        }
        let node = m.nodes[n.index]
        if case .select(let idx, let elements, let fallback) = node.op {
            let ix = expr(idx)
            let es = elements.map { expr($0, top: true) }
            let fb = fallback.map { expr($0, top: true) }
            let name = freshTempName()
            temp[n.raw] = name
            tempOrder.append(name)
            tempUsed[name] = [Bool](repeating: false, count: node.type.width)
            let iw = m.nodes[idx.index].type.width
            let w = node.type.width
            // Simulation style: when the elements, padded to a power of two, fit one 64-bit word,
            // the multiplexer is a part-select of their concatenation, which Verilator writes as a
            // shift and a mask. A `case` becomes an `if` tree on the index bits, and random
            // indices (the SAT PE's N:M indices, the SparseTrain PE's tap offsets) mispredict half
            // its branches. An index wider than the elements need selects with its low bits, and
            // a compare picks the default (a conditional move, no branch).
            let padded = 1 << ceilLog2(es.count)
            if style == .simulation, !Self.legacyExtend, es.count >= 2, iw < 62, padded <= 1 << iw, w.nonzeroBitCount == 1, padded * w <= 64 {
                let lg = ceilLog2(padded)
                let covered = es.count == 1 << iw
                if !covered, bitsText(idx, lo: 0, width: iw) == nil { _ = makeTemp(stripCasts(idx)) }
                let low = covered ? ix : bitsText(idx, lo: 0, width: lg)!
                let vector = freshTempName()
                tempOrder.append(vector)
                tempUsed[vector] = [Bool](repeating: true, count: padded * w)
                let parts = (padded > es.count ? ["\((padded - es.count) * w)'d0"] : []) + es.reversed()
                let at = w == 1 ? low : "{\(low), \(ceilLog2(w))'d0}"
                var pick = "\(vector)[\(at)\(w == 1 ? "" : " +: \(w)")]"
                if !covered {
                    // Out of range: the default, or (no default) the last element, as the `case` form's.
                    let whole = bitsText(idx, lo: 0, width: iw)!
                    pick = "\(whole) < \(constant([UInt64(es.count)], .uint(iw))) ? \(pick) : \(fb ?? es[es.count - 1])"
                }
                declareTemp(vector, width: padded * w, node: n, text: "{\(parts.joined(separator: ", "))}")
                declareTemp(name, width: w, node: n, text: pick)
                return name
            }
            var s = "case (\(ix))\n"
            for (i, e) in es.enumerated() {
                let label = (fb == nil && i == es.count - 1) ? "default" : "\(iw)'d\(i)"
                s += "  \(label): \(name) = \(e);\n"
            }
            if let fb { s += "  default: \(name) = \(fb);\n" }
            s += "endcase"
            if let g = guardOf(n) {
                sunkDecls += "  reg  \(range(node.type.width))\(name);\(ownerLoc)\n"
                sunkLines.append((g, s))
            } else {
                let body = s.split(separator: "\n").map { "    " + $0 + "\n" }.joined()
                pending.append("  reg \(range(node.type.width))\(name);\(ownerLoc)\n  always @* begin\n" + body + "  end\n")
            }
            return name
        }
        needsTemp[n.index] = false
        let text = expr(n, top: true)
        needsTemp[n.index] = true
        let name = freshTempName()
        temp[n.raw] = name
        tempOrder.append(name)
        tempUsed[name] = [Bool](repeating: false, count: node.type.width)
        declareTemp(name, width: node.type.width, node: n, text: text)
        return name
    }

    /// Prints the right-hand side of a statement owned by `target`; temporaries it needs are
    /// appended to `pending`.
    func rhs(_ n: NodeID, owner o: String, loc: SourceLoc?) -> String {
        owner = o
        ownerLoc = loc.map { "  // \($0)" } ?? ""
        return expr(n, top: true)
    }

    func flushPending() {
        for p in pending { out += p }
        pending.removeAll()
    }

    // MARK: - The module

    /// The module text split around its name: (text before the name, text after it).
    func emit() -> (String, String) {
        out = ""
        if let doc = m.doc {
            for line in doc.split(separator: "\n", omittingEmptySubsequences: false) { out += "// \(line)\n" }
        }
        out += "// Defined at \(m.loc)\n"
        out += "module "
        let head = out
        out = " (\n"
        var portLines: [(String, String)] = []
        if facts.needsClock { portLines.append(("  input  wire clk", "")) }
        if facts.needsReset { portLines.append(("  input  wire rst", "")) }
        for p in m.ports {
            let dir = p.direction == .input ? "input  wire " : "output wire "
            var comment = ""
            if let pk = p.packing {
                comment = "  // \(pk.dims.map(String.init).joined(separator: "x")) x \(pk.element), element 0 in the low bits"
            }
            portLines.append(("  \(dir)\(range(p.type.width))\(p.name)", comment))
        }
        for (i, (decl, comment)) in portLines.enumerated() {
            out += decl + (i == portLines.count - 1 ? "" : ",") + comment + "\n"
        }
        out += ");\n"

        // Simulation style: vector pipeline stages as packed registers (RegisterPacking.swift).
        let packed = style == .simulation && !Self.legacyExtend ? findPackedRegisters() : []
        var packedMember: [Int: (group: Int, offset: Int)] = [:]
        for (g, p) in packed.enumerated() {
            for (r, off) in zip(p.members, p.offsets) { packedMember[r] = (g, off) }
        }
        // Simulation style: expressions needed only under a register's enable are evaluated under
        // it (EnableSinking.swift).
        if style == .simulation, !Self.legacyExtend { (sunkNode, sunkSignal) = findSunkExpressions() }
        func isSunk(_ s: Int) -> Bool { !sunkSignal.isEmpty && sunkSignal[s] != nil }

        // Declarations.
        var decls = ""
        var packedDeclared = Set<Int>()
        for (i, s) in m.signals.enumerated() {
            if let (g, off) = packedMember[i] {
                let p = packed[g]
                if packedDeclared.insert(g).inserted { decls += "  reg  \(range(p.width))\(p.name);  // \(s.loc)\n" }
                let w = s.type.width
                decls += "  wire \(range(w))\(s.name) = \(Self.bits(p.name, lo: off, width: w, of: p.width));  // \(s.loc)\n"
                continue
            }
            switch s.kind {
            case .wire, .instanceOutput:
                if s.inlined { continue }
                decls += "  \(isSunk(i) ? "reg " : "wire") \(range(s.type.width))\(s.name);  // \(s.loc)\n"
            case .register, .memoryRead:
                decls += "  reg  \(range(s.type.width))\(s.name);  // \(s.loc)\n"
            default: break
            }
        }
        for mem in m.memories {
            if let initial = mem.initial, initial.count < mem.depth { decls += "  integer \(mem.name)_i;\n" }
            decls += "  reg  \(range(mem.element.width))\(mem.name) [0:\(mem.depth - 1)];  // \(mem.loc)\n"
        }
        out += decls

        // Combinational assignments: wires and outputs, in declaration order.
        for (i, s) in m.signals.enumerated() {
            switch s.kind {
            case .wire, .output:
                if s.inlined || isSunk(i) { continue }
                let text = rhs(s.driver!, owner: s.name, loc: s.driverLoc)
                flushPending()
                out += "  assign \(s.name) = \(text);  // \(s.driverLoc ?? s.loc)\n"
            default: break
            }
        }

        // Instances.
        for inst in m.instances {
            var conns: [String] = []
            let cf = childFacts(inst.module)
            if cf.needsClock { conns.append(".clk(clk)") }
            if cf.needsReset { conns.append(".rst(rst)") }
            for p in inst.module.ports {
                let s = inst.ports[p.name]!
                let sig = m.signals[s]
                if p.direction == .input {
                    conns.append(".\(p.name)(\(rhs(sig.driver!, owner: sig.name, loc: sig.driverLoc)))")
                } else {
                    conns.append(".\(p.name)(\(sig.name))")
                }
            }
            flushPending()
            out += "  \(childName(inst.module)) \(inst.name) (  // \(inst.loc)\n"
            out += conns.map { "    " + $0 }.joined(separator: ",\n") + "\n  );\n"
        }

        // Expressions evaluated under an enable, in dependency order (their temporaries first).
        if !sunkSignal.isEmpty {
            for w in sunkWireOrder() {
                let s = m.signals[w]
                let text = rhs(s.driver!, owner: s.name, loc: s.driverLoc)
                sunkLines.append((sunkSignal[w]!, "\(s.name) = \(text);  // \(s.driverLoc ?? s.loc)"))
            }
        }

        // Registers.
        var regLines = "", resetLines = ""
        var packedWritten = Set<Int>()
        for r in registerOrder() {
            guard case .register(let info) = m.signals[r].kind else { continue }
            if let (g, _) = packedMember[r] {
                // The packed register's statement where its first member's would be.
                guard packedWritten.insert(g).inserted else { continue }
                let p = packed[g]
                regLines += packedStatement(p, in: packed)
                if let value = p.reset { resetLines += "      \(p.name) <= \(constant(value, .uint(p.width)));\n" }
                continue
            }
            // Simulation style: the synchronous resets go to one block after every register's
            // next state (the last non-blocking assignment wins, so the values are the same).
            // Verilator then evaluates `rst` once per module instead of once per register: the
            // 16x16 osarray's select per register (`a_q <= rst ? 8'd0 : in_a`) cost 17% of its
            // instructions per cycle (Benchmarks/cosim-designs.md).
            if style == .simulation, !Self.legacyExtend, let value = info.resetValue {
                var plain = info
                plain.resetValue = nil
                regLines += registerStatement(r, plain)
                let s = m.signals[r]
                resetLines += "      \(s.name) <= \(constant(value, s.type));\n"
            } else {
                regLines += registerStatement(r, info)
            }
        }
        if !resetLines.isEmpty { regLines += "    if (rst) begin\n" + resetLines + "    end\n" }
        let sunk = sunkBlock()
        flushPending()
        if !sunk.isEmpty {
            // Blocking assignments in the clocked block: variables private to it (see EnableSinking.swift).
            out += sunkDecls + "  /* verilator lint_off BLKSEQ */\n"
            out += "  always @(posedge clk) begin\n" + sunk + regLines + "  end\n"
            out += "  /* verilator lint_on BLKSEQ */\n"
        } else if !regLines.isEmpty {
            out += "  always @(posedge clk) begin\n" + regLines + "  end\n"
        }

        // Memories. Port by port: its write, then its read (non-blocking, so a read sees the
        // word before this edge's writes, and the later port's write wins a collision).
        for mem in m.memories {
            var body = ""
            // Temporaries are named after the port: store_waddr_t0 (simple dual port),
            // store_addr_t0 (single port), store_a_addr_t0 (true dual port).
            func base(_ p: Int) -> String { mem.name + (mem.ports == .trueDualPort ? (p == 0 ? "_a_" : "_b_") : "_") }
            if mem.ports == .trueDualPort {
                // Each port's address and write enable are also read by the other port's collision
                // test: name their temporaries (if any) after their own port first.
                for (p, w) in mem.writes.enumerated() {
                    _ = rhs(w.address, owner: base(p) + "addr", loc: w.loc)
                    if let e = w.enable { _ = rhs(e, owner: base(p) + "we", loc: w.loc) }
                }
            }
            for p in 0..<max(mem.writes.count, mem.reads.count) {
                let base = base(p)
                let sdp = mem.ports == .simpleDualPort
                if p < mem.writes.count { body += memoryWrite(mem, mem.writes[p], base: base, address: base + (sdp ? "waddr" : "addr")) }
                if p < mem.reads.count {
                    body += memoryRead(mem, mem.reads[p], address: base + (sdp ? "raddr" : "addr"), enable: base + (sdp ? "re" : "en"))
                }
            }
            flushPending()
            out += "  always @(posedge clk) begin\n" + body + "  end\n"
            if let initial = mem.initial {
                out += "  initial begin\n"
                for (i, w) in initial.enumerated() {
                    out += "    \(mem.name)[\(i)] = \(constant(w, mem.element));\n"
                }
                if initial.count < mem.depth {
                    out += "    for (\(mem.name)_i = \(initial.count); \(mem.name)_i < \(mem.depth); \(mem.name)_i = \(mem.name)_i + 1) \(mem.name)[\(mem.name)_i] = \(constant([0], mem.element));\n"
                }
                out += "  end\n"
            }
        }

        // Bits never read in the text, collected in one sink.
        var unusedParts: [String] = []
        for (i, s) in m.signals.enumerated() {
            switch s.kind {
            case .input, .wire, .register, .instanceOutput, .memoryRead: if s.inlined { continue }
            default: continue
            }
            appendUnused(s.name, used[i] ?? [Bool](repeating: false, count: s.type.width), &unusedParts)
        }
        // Temporaries hold a whole expression; a slice of it leaves the other bits unread.
        for t in tempOrder {
            guard let bits = tempUsed[t] else { continue }
            appendUnused(t, bits, &unusedParts)
        }
        if !unusedParts.isEmpty {
            out += "  // Bits no logic reads (unconnected outputs, unread port bits), kept lint-clean.\n"
            out += "  /* verilator lint_off UNUSED */\n"
            out += "  wire _unused = &{1'b0, " + unusedParts.joined(separator: ", ") + ", 1'b0};\n"
            out += "  /* verilator lint_on UNUSED */\n"
        }
        out += "endmodule\n"
        return (head, out)
    }

    /// Bits [lo + w - 1 : lo] as a part-select suffix (`[7:0]`, `[3]`), or "" for the whole word.
    func laneSelect(_ mem: MemoryDecl, _ i: Int) -> String {
        let w = mem.laneWidth, lo = i * w
        if w == mem.element.width { return "" }
        return w == 1 ? "[\(lo)]" : "[\(lo + w - 1):\(lo)]"
    }

    /// One memory write: `if (we) mem[a] <= d;`, or with lanes one
    /// `if (lane[i]) mem[a][hi:lo] <= d[hi:lo];` per lane inside the enable (the form yosys maps
    /// to byte-enabled block RAM).
    func memoryWrite(_ mem: MemoryDecl, _ w: MemoryWrite, base: String, address: String) -> String {
        let loc = "  // \(w.loc)"
        let a = rhs(w.address, owner: address, loc: w.loc)
        var lines: [String] = []
        if w.lanes.isEmpty {
            lines.append("\(mem.name)[\(a)] <= \(rhs(w.data, owner: base + "wdata", loc: w.loc));\(loc)")
        } else {
            for (i, l) in w.lanes.enumerated() {
                let en = rhs(l.enable, owner: base + "lanes", loc: w.loc)
                let d = rhs(l.data, owner: base + "wdata", loc: w.loc)
                lines.append("if (\(en)) \(mem.name)[\(a)]\(laneSelect(mem, i)) <= \(d);\(loc)")
            }
        }
        return guarded(w.enable.map { rhs($0, owner: base + "we", loc: w.loc) }, lines)
    }

    /// One synchronous read: `if (en) q <= mem[a];`. A true-dual-port read also sets the lanes
    /// the other port writes to the same word in this cycle to X (yosys then leaves that
    /// collision undefined, which ECP5 block RAM needs).
    func memoryRead(_ mem: MemoryDecl, _ r: MemoryRead, address: String, enable: String) -> String {
        let loc = "  // \(r.loc)"
        let data = m.signals[r.data].name
        var lines = ["\(data) <= \(mem.name)[\(rhs(r.address, owner: address, loc: r.loc))];\(loc)"]
        for (i, c) in r.collisions.enumerated() {
            let sel = r.collisions.count == 1 ? "" : laneSelect(mem, i)
            let w = r.collisions.count == 1 ? mem.element.width : mem.laneWidth
            lines.append("if (\(rhs(c, owner: mem.name + "_collision", loc: r.loc))) \(data)\(sel) <= \(w)'bx;\(loc)")
        }
        return guarded(r.enable.map { rhs($0, owner: enable, loc: r.loc) }, lines)
    }

    /// Statements of the memory block under an optional condition, indented.
    func guarded(_ condition: String?, _ lines: [String]) -> String {
        guard let c = condition else { return lines.map { "    \($0)\n" }.joined() }
        if lines.count == 1 { return "    if (\(c)) \(lines[0])\n" }
        return "    if (\(c)) begin\n" + lines.map { "      \($0)\n" }.joined() + "    end\n"
    }

    /// Appends `name`'s unread bit ranges (or the whole name) to the unused sink.
    func appendUnused(_ name: String, _ bits: [Bool], _ parts: inout [String]) {
        var b = bits.count - 1
        while b >= 0 {
            if bits[b] { b -= 1; continue }
            var lo = b
            while lo > 0 && !bits[lo - 1] { lo -= 1 }
            if lo == 0 && b == bits.count - 1 {
                parts.append(name)
            } else {
                parts.append(lo == b ? "\(name)[\(b)]" : "\(name)[\(b):\(lo)]")
            }
            b = lo - 1
        }
    }

    /// The registers in the order their statements are printed: each register after every
    /// register that reads it (a shift register prints its last stage first), declaration order
    /// otherwise. Non-blocking semantics make any order correct; this one lets a simulator
    /// update each register in place, where the declaration order made Verilator keep a
    /// shadow copy of every register read later in the same block (2784 lines of them in the
    /// 16x16 SAT's indexing unit). Registers that read each other in a cycle keep declaration
    /// order among themselves.
    func registerOrder() -> [Int] {
        let regs = m.signals.indices.filter { if case .register = m.signals[$0].kind { return true } else { return false } }
        guard regs.count > 1 else { return regs }
        // Registers each combinational signal reads (through wires, stopping at registers).
        var memo: [Int: [Int]] = [:]
        var marks = [Int](repeating: -1, count: m.nodes.count)
        var stamp = 0
        func registersRead(_ root: NodeID) -> [Int] {
            stamp += 1
            var out: [Int] = []
            for s in m.refs(of: root, stamp: stamp, &marks) { out += registersBehind(s) }
            return out
        }
        func registersBehind(_ s: Int) -> [Int] {
            switch m.signals[s].kind {
            case .register: return [s]
            case .wire, .output:
                if let known = memo[s] { return known }
                guard let d = m.signals[s].driver else { return [] }
                let r = Array(Set(registersRead(d)))
                memo[s] = r
                return r
            default: return []
            }
        }
        var readers = [Int](repeating: 0, count: m.signals.count)  // other registers reading s
        var reads: [Int: [Int]] = [:]
        for r in regs {
            var srcs: Set<Int> = []
            if let d = m.signals[r].driver { srcs.formUnion(registersRead(d)) }
            if case .register(let info) = m.signals[r].kind, let e = info.enable { srcs.formUnion(registersRead(e)) }
            srcs.remove(r)
            reads[r] = srcs.sorted()
            for x in srcs { readers[x] += 1 }
        }
        // Kahn's algorithm, smallest declaration index first; on a cycle, the smallest remaining.
        var ready = MinHeap()
        for r in regs where readers[r] == 0 { ready.push(r) }
        var done = Set<Int>(), order: [Int] = []
        var next = 0  // scan position in regs for cycle breaking
        while order.count < regs.count {
            guard let r = ready.pop() else {
                while done.contains(regs[next]) { next += 1 }
                readers[regs[next]] = 0
                ready.push(regs[next])
                continue
            }
            done.insert(r)
            order.append(r)
            for x in reads[r] ?? [] where !done.contains(x) {
                readers[x] -= 1
                if readers[x] == 0 { ready.push(x) }
            }
        }
        return order
    }

    /// One register's statement. A register whose next state never holds its value is one
    /// non-blocking assignment (`r <= d;`, `r <= rst ? 8'd0 : d;`). One that holds — a reset, a clock enable, or a `when`
    /// that leaves it unassigned, i.e. a multiplexer tree with the register itself as a leaf — is
    /// an if/else chain that omits the holding leaves:
    ///
    ///     if (rst) acc_q <= 32'd0;
    ///     else if (in_valid) begin
    ///       if (first_q) acc_q <= acc_q_t0;
    ///       else acc_q <= acc_q + acc_q_t0;
    ///     end
    ///
    /// Same flip-flops, enables and resets for synthesis. For Verilator the hold must not be a
    /// read: a register written `r <= en ? d : r` reads itself, which makes Verilator keep a
    /// shadow copy of it whenever another block reads it (V3Order cuts the edge that would put
    /// its readers first; V3LifePost then cannot drop the copy); `if (en) r <= d;` has none
    /// (the 16x16 osarray's result registers: 234 -> 178 M instructions per 20000 cycles).
    func registerStatement(_ index: Int, _ info: RegisterInfo) -> String {
        let s = m.signals[index]
        let loc = "  // \(s.driverLoc ?? s.loc)"
        guard let d = s.driver else { return "" }
        var tree = stmtTree(d, register: index)
        if let e = info.enable { tree = .branch(cond: rhs(e, owner: s.name, loc: s.driverLoc), then: tree, else: .hold) }
        if let r = info.resetValue { tree = .branch(cond: "rst", then: .assign(constant(r, s.type)), else: tree) }
        guard tree.holds else { return "    \(s.name) <= \(tree.expression);\(loc)\n" }
        var out = ""
        print(tree, name: s.name, loc: loc, indent: "    ", into: &out)
        return out
    }

    /// A register's next-state statement: hold, assign an expression, or branch on a condition.
    indirect enum RegStmt {
        case hold
        case assign(String)
        case branch(cond: String, then: RegStmt, else: RegStmt)

        /// Whether some path keeps the register's value.
        var holds: Bool {
            switch self {
            case .hold: return true
            case .assign: return false
            case .branch(_, let a, let b): return a.holds || b.holds
            }
        }

        /// The next state as one expression (for a tree that never holds): `c ? a : b`.
        var expression: String {
            switch self {
            case .hold: return ""
            case .assign(let v): return v
            case .branch(let c, let a, let b): return "\(c) ? \(Self.wrap(a.expression)) : \(Self.wrap(b.expression))"
            }
        }

        static func wrap(_ e: String) -> String { e.contains(" ") && !(e.hasPrefix("(") && e.hasSuffix(")")) ? "(\(e))" : e }
    }

    /// Whether `n` is the register `r` itself (possibly through casts).
    func isSelf(_ n: NodeID, _ r: Int) -> Bool {
        if case .ref(let x) = m.nodes[stripCasts(n).index].op { return x == r }
        return false
    }

    /// Whether `n` holds register `r` on some path: it is `r`, or a multiplexer with an arm that holds.
    func holds(_ n: NodeID, _ r: Int) -> Bool {
        if isSelf(n, r) { return true }
        if case .mux(_, let a, let b) = m.nodes[n.index].op { return holds(a, r) || holds(b, r) }
        return false
    }

    func stmtTree(_ n: NodeID, register r: Int) -> RegStmt {
        if isSelf(n, r) { return .hold }
        if case .mux(let c, let a, let b) = m.nodes[n.index].op, holds(n, r) {
            let owner = m.signals[r]
            return .branch(cond: rhs(c, owner: owner.name, loc: owner.driverLoc), then: stmtTree(a, register: r), else: stmtTree(b, register: r))
        }
        let owner = m.signals[r]
        return .assign(rhs(n, owner: owner.name, loc: owner.driverLoc))
    }

    func print(_ t: RegStmt, name: String, loc: String, indent: String, into out: inout String) {
        switch t {
        case .hold: break
        case .assign(let v): out += "\(indent)\(name) <= \(v);\(loc)\n"
        case .branch(let c, let a, let b):
            switch (a, b) {
            case (.hold, .hold): break
            case (_, .hold):
                out += "\(indent)if (\(c))" + body(a, name: name, loc: loc, indent: indent)
            case (.hold, _):
                out += "\(indent)if (!(\(c)))" + body(b, name: name, loc: loc, indent: indent)
            default:
                out += "\(indent)if (\(c))" + body(a, name: name, loc: loc, indent: indent, beforeElse: true)
                if case .branch = b {
                    var rest = ""
                    print(b, name: name, loc: loc, indent: indent, into: &rest)
                    out += "\(indent)else " + rest.dropFirst(indent.count)
                } else {
                    out += "\(indent)else" + body(b, name: name, loc: loc, indent: indent)
                }
            }
        }
    }

    /// The statement after `if (...)` or `else`: one assignment on the same line, or a
    /// `begin ... end` block (always for a nested branch, so an `else` can never bind to it).
    func body(_ t: RegStmt, name: String, loc: String, indent: String, beforeElse: Bool = false) -> String {
        if case .assign(let v) = t { return " \(name) <= \(v);\(loc)\n" }
        var inner = ""
        print(t, name: name, loc: loc, indent: indent + "  ", into: &inner)
        return " begin\n" + inner + "\(indent)end\n"
    }

}

extension Op {
    var isRef: Bool { if case .ref = self { return true }; return false }
}

/// A small binary min-heap of indices (deterministic order for the register sort).
struct MinHeap {
    private var a: [Int] = []
    mutating func push(_ x: Int) {
        a.append(x)
        var i = a.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if a[p] <= a[i] { break }
            a.swapAt(p, i)
            i = p
        }
    }
    mutating func pop() -> Int? {
        guard let top = a.first else { return nil }
        let last = a.removeLast()
        if !a.isEmpty {
            a[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < a.count && a[l] < a[m] { m = l }
                if r < a.count && a[r] < a[m] { m = r }
                if m == i { break }
                a.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
