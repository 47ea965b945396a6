// Simulation style: logic read only under a register's enable is evaluated only under it.
//
// A wire is a continuous assignment: Verilator evaluates it every cycle, whether or not a
// register will load it. The SAT update unit's 20 top-N selector networks (a quarter of the
// idle 16x16 SAT system's instructions per cycle) feed registers loaded once per weight row or
// once per tile. Here every expression whose every reader is a register's next state under a
// common condition `c` (its clock enable, the `when` that assigns it, or the arm of the `?:`
// chain the register's statement prints that selects it), or another such expression, is
// computed inside the registers' `always @(posedge clk)` block under `if (c)`,
// with blocking assignments in dependency order, before the registers' non-blocking ones:
//
//     /* verilator lint_off BLKSEQ */
//     always @(posedge clk) begin
//       if (out_valid_q) begin
//         fwd_0_mag_0 = ...;
//         fwd_group_0 = ...;
//       end
//       if (out_valid_q && (out_row == 4'd0)) fwd_0_0 <= fwd_group_0;
//
// Every register loads the same value as with continuous assignments (the expressions read
// the same signals at the same clock edge, and are current whenever a register loads them);
// names stay (such a wire is declared `reg`). What differs is only a waveform of such a wire:
// it holds its last computed value while its condition is low (and, in a four-state simulator,
// a `?:` whose condition is X merges that held value rather than the current one). The synthesis style keeps the
// continuous form. Blocking assignments in a clocked block are Verilator's style warning
// BLKSEQ, switched off around the block: the variables are private to it by construction
// (nothing outside the block reads them but the `_unused` sink).

extension ModuleEmitter {
    /// The conditions under which an expression is needed, as a conjunction of 1-bit node
    /// indices (sorted); empty = always.
    typealias Guard = [Int32]

    /// Per node and per named signal, the guard it is evaluated under (simulation style), or
    /// nothing when some reader needs it every cycle. Vertices are nodes `0..<nodes.count`, then
    /// signals.
    func findSunkExpressions() -> (nodes: [Guard?], signals: [Guard?]) {
        let nodeCount = m.nodes.count
        let total = nodeCount + m.signals.count
        // Reader-side contexts: nil = no reader seen yet (top); [] = always.
        var ctx = [Guard?](repeating: nil, count: total)
        var anyGuarded = false
        func meet(_ v: Int, _ g: Guard) {
            guard let old = ctx[v] else { ctx[v] = g; return }
            if old.isEmpty { return }
            ctx[v] = old.filter { g.contains($0) }
        }
        // Conjuncts of a 1-bit condition: `a && b` splits, a wire named for a condition is itself
        // a conjunct and so are its driver's conjuncts (the SAT update unit's `group_done`).
        var implied: [Int32: Set<Int32>] = [:]
        func conjuncts(_ c: NodeID) -> Set<Int32> {
            let n = stripCasts(c)
            switch m.nodes[n.index].op {
            case .binary(.and, let a, let b) where m.nodes[n.index].type.width == 1:
                return conjuncts(a).union(conjuncts(b))
            case .ref(let s):
                guard case .wire = m.signals[s].kind, let d = m.signals[s].driver else { return [n.raw] }
                let below = conjuncts(d)
                if !m.signals[s].inlined { implied[n.raw] = below }
                return below.union(m.signals[s].inlined ? [] : [n.raw])
            default:
                return [n.raw]
            }
        }
        func always(_ n: NodeID) { meet(n.index, []) }
        // Roots: every register's next state under its guard; everything else always.
        for (r, s) in m.signals.enumerated() {
            switch s.kind {
            case .register(let info):
                guard let d = s.driver else { continue }
                var base: Set<Int32> = []
                if let e = info.enable { always(e); base = conjuncts(e) }
                // The statement's `if` chain (muxes that hold), and the `?:` chain it prints inline
                // (muxes no other expression reads): an arm is needed only under its condition.
                func walk(_ n: NodeID, _ g: Set<Int32>) {
                    if isSelf(n, r) { return }
                    if case .mux(let c, let a, let b) = m.nodes[n.index].op, holds(n, r) || !needsTemp[n.index] {
                        always(c)
                        walk(a, g.union(conjuncts(c)))
                        walk(b, g)
                        return
                    }
                    if !g.isEmpty { anyGuarded = true }
                    meet(n.index, g.sorted())
                }
                walk(d, base)
            case .output, .instanceInput:
                if let d = s.driver { always(d) }
            default: break
            }
        }
        guard anyGuarded else { return ([Guard?](repeating: nil, count: nodeCount), [Guard?](repeating: nil, count: m.signals.count)) }
        for mem in m.memories {
            for rd in mem.reads { always(rd.address); if let e = rd.enable { always(e) }; rd.collisions.forEach(always) }
            for w in mem.writes {
                always(w.address)
                if let e = w.enable { always(e) }
                if w.lanes.isEmpty { always(w.data) }
                for l in w.lanes { always(l.enable); always(l.data) }
            }
        }

        // Operands of a vertex: a node's operands; a wire's driver (a node `ref`s the wire).
        func operands(_ v: Int, _ body: (Int) -> Void) {
            if v < nodeCount {
                let n = NodeID(v)
                if case .ref(let s) = m.nodes[v].op {
                    if case .wire = m.signals[s].kind { body(nodeCount + s) }
                    return
                }
                m.forEachOperand(n) { body($0.index) }
            } else if let d = m.signals[v - nodeCount].driver, case .wire = m.signals[v - nodeCount].kind {
                body(d.index)
            }
        }
        // Readers before operands: reverse post-order.
        let order = postOrder(count: total, roots: 0..<total, operands)
        for v in order.reversed() {
            guard let g = ctx[v] else { continue }
            operands(v) { meet($0, g) }
        }
        // Logic nothing reads (a selector's unused outputs, kept for waveforms) adds no need of its
        // own: it is evaluated under what its guarded operands share (a constant or an operand needed
        // always is current under any guard), operands first.
        for v in order where ctx[v] == nil {
            var shared: Guard?
            operands(v) { o in
                guard let g = ctx[o], !g.isEmpty else { return }
                if o < nodeCount, case .constant = m.nodes[o].op { return }
                shared = shared.map { s in s.filter { g.contains($0) } } ?? g
            }
            ctx[v] = shared ?? []
        }

        // Drop conjuncts implied by another one (`group_done` implies `out_valid_q`).
        func minimal(_ g: Guard?) -> Guard? {
            guard let g, !g.isEmpty else { return nil }
            return g.filter { c in !g.contains { $0 != c && implied[$0]?.contains(c) == true } }
        }
        let nodes = (0..<nodeCount).map { minimal(ctx[$0]) }
        let signals = m.signals.indices.map { s -> Guard? in
            guard case .wire = m.signals[s].kind, !m.signals[s].inlined else { return nil }
            return minimal(ctx[nodeCount + s])
        }
        return (nodes, signals)
    }

    /// The guard node `n` is evaluated under, if any.
    func guardOf(_ n: NodeID) -> Guard? { sunkNode.isEmpty ? nil : sunkNode[n.index] }

    /// The sunk wires in dependency order (a wire after the sunk wires it reads).
    func sunkWireOrder() -> [Int] {
        var marks = [Int](repeating: -1, count: m.nodes.count)
        var stamp = 0
        // Wires read through unsunk or inlined wires are not sunk either, so refs suffice.
        return postOrder(count: m.signals.count, roots: m.signals.indices.filter { sunkSignal[$0] != nil }) { s, body in
            stamp += 1
            for r in m.refs(of: m.signals[s].driver!, stamp: stamp, &marks).reversed() where sunkSignal[r] != nil { body(r) }
        }
    }

    /// Declares temporary `name` for node `n`: a continuous `wire` (`text` is its value), or, for
    /// a node evaluated under a guard, a `reg` assigned in the registers' block.
    func declareTemp(_ name: String, width: Int, node n: NodeID, text: String) {
        if let g = guardOf(n) {
            sunkDecls += "  reg  \(range(width))\(name);\(ownerLoc)\n"
            sunkLines.append((g, "\(name) = \(text);\(ownerLoc)"))
        } else {
            pending.append("  wire \(range(width))\(name) = \(text);\(ownerLoc)\n")
        }
    }

    /// The sunk statements, consecutive ones under one guard in one `if`.
    func sunkBlock() -> String {
        var out = ""
        var i = 0
        while i < sunkLines.count {
            let g = sunkLines[i].guard
            var j = i
            while j < sunkLines.count, sunkLines[j].guard == g { j += 1 }
            owner = "sink"
            ownerLoc = ""
            let cond = g.map { expr(NodeID(Int($0))) }.joined(separator: " && ")
            out += "    if (\(cond)) begin\n"
            for line in sunkLines[i..<j] {
                for l in line.text.split(separator: "\n") { out += "      \(l)\n" }
            }
            out += "    end\n"
            i = j
        }
        return out
    }
}

/// Vertices `0..<count` reachable from `roots`, each after every vertex it reaches through
/// `operands` (a depth-first post-order; iterative, since netlists are deep).
private func postOrder(count: Int, roots: some Sequence<Int>, _ operands: (Int, (Int) -> Void) -> Void) -> [Int] {
    var order: [Int] = []
    var state = [UInt8](repeating: 0, count: count)  // 0 new, 1 open, 2 done
    var stack: [(v: Int, expanded: Bool)] = []
    for root in roots where state[root] == 0 {
        stack.append((root, false))
        while let (v, expanded) = stack.popLast() {
            if expanded { state[v] = 2; order.append(v); continue }
            if state[v] != 0 { continue }
            state[v] = 1
            stack.append((v, true))
            operands(v) { o in if state[o] == 0 { stack.append((o, false)) } }
        }
    }
    return order
}
