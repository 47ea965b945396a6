// Elaboration checks on one module. Construction-time problems (width mismatch, duplicate
// names, multiple drivers...) were recorded as they happened; these need the whole module.

/// Facts about a checked module that its parents need.
struct ModuleFacts {
    var needsClock = false
    var needsReset = false
    /// For each output port name: the input port names it depends on combinationally.
    var combPaths: [String: Set<String>] = [:]
}

extension Module {
    /// Runs every whole-module check; `children` gives the facts of instantiated modules.
    func check(children: (Module) -> ModuleFacts) -> (ModuleFacts, [Diagnostic]) {
        var diags: [Diagnostic] = []
        checkDrivers(&diags)
        checkUses(&diags)
        var facts = ModuleFacts()
        facts.needsClock = !memories.isEmpty || signals.contains { if case .register = $0.kind { return true }; return false }
        facts.needsReset = signals.contains { if case .register(let r) = $0.kind { return r.resetValue != nil }; return false }
        for inst in instances {
            let f = children(inst.module)
            facts.needsClock = facts.needsClock || f.needsClock
            facts.needsReset = facts.needsReset || f.needsReset
        }
        if diags.isEmpty {
            facts.combPaths = combinationalPaths(children: children, &diags)
        }
        return (facts, diags)
    }

    func checkDrivers(_ diags: inout [Diagnostic]) {
        var seenUndriven = Set<Int32>()
        for s in signals {
            switch s.kind {
            case .output, .wire:
                guard let d = s.driver else {
                    diags.append(Diagnostic(s.loc, "\(s.kindName) '\(s.name)' is never driven"))
                    continue
                }
                if containsUndriven(d, &seenUndriven) {
                    diags.append(Diagnostic(s.driverLoc ?? s.loc, "\(s.kindName) '\(s.name)' is not driven on every path (assign a default before the when, or add an otherwise)"))
                }
            case .instanceInput(let i, let port):
                guard let d = s.driver else {
                    diags.append(Diagnostic(instances[i].loc, "input '\(port)' of instance '\(instances[i].name)' (module '\(instances[i].module.name)') is not connected"))
                    continue
                }
                if containsUndriven(d, &seenUndriven) {
                    diags.append(Diagnostic(s.driverLoc ?? s.loc, "input '\(port)' of instance '\(instances[i].name)' is not driven on every path"))
                }
            case .register:
                if s.driver == nil {
                    diags.append(Diagnostic(s.loc, "register '\(s.name)' is never assigned"))
                }
            default:
                break
            }
        }
        for mem in memories where mem.reads.isEmpty {
            diags.append(Diagnostic(mem.loc, "memory '\(mem.name)' is never read"))
        }
        for mem in memories where mem.ports == .trueDualPort && mem.reads.count == 1 {
            diags.append(Diagnostic(mem.loc, "true dual port memory '\(mem.name)' has only port A (add port B with a second readWrite, or declare it ports: .singlePort)"))
        }
        for mem in memories where mem.writes.isEmpty && mem.initial == nil {
            diags.append(Diagnostic(mem.loc, "memory '\(mem.name)' is never written and has no initial contents"))
        }
    }

    /// Whether an `.undriven` default is reachable through the muxes of a driver.
    func containsUndriven(_ root: NodeID, _ seen: inout Set<Int32>) -> Bool {
        var stack = [root]
        while let n = stack.popLast() {
            guard seen.insert(n.raw).inserted else { continue }
            switch nodes[n.index].op {
            case .undriven: return true
            case .mux(_, let a, let b): stack.append(a); stack.append(b)
            default: break
            }
        }
        return false
    }

    /// Reports deferred construction errors (`.invalid` nodes) and reads of write-only
    /// instance inputs, at the statement that uses them.
    func checkUses(_ diags: inout [Diagnostic]) {
        var visited = [Bool](repeating: false, count: nodes.count)
        var roots = uses
        for s in signals {
            if let d = s.driver { roots.append((d, s.driverLoc ?? s.loc)) }
        }
        for (root, loc) in roots {
            var stack = [root]
            while let n = stack.popLast() {
                if visited[n.index] { continue }
                visited[n.index] = true
                switch nodes[n.index].op {
                case .invalid(let msg):
                    diags.append(Diagnostic(loc, msg))
                case .ref(let s):
                    if case .instanceInput(let i, let port) = signals[s].kind {
                        diags.append(Diagnostic(loc, "input '\(port)' of instance '\(instances[i].name)' is write-only; read the signal that drives it"))
                    }
                default:
                    forEachOperand(n) { stack.append($0) }
                }
            }
        }
    }

    func forEachOperand(_ n: NodeID, _ body: (NodeID) -> Void) {
        switch nodes[n.index].op {
        case .ref, .constant, .undriven, .invalid: break
        case .unary(_, let a), .slice(let a, _), .extend(let a), .cast(let a): body(a)
        case .binary(_, let a, let b): body(a); body(b)
        case .mux(let s, let a, let b): body(s); body(a); body(b)
        case .concat(let ps): ps.forEach(body)
        case .select(let i, let es, let f): body(i); es.forEach(body); if let f { body(f) }
        }
    }

    /// Named signals read combinationally by a driver expression (stopping at named signals).
    func refs(of root: NodeID, stamp: Int, _ marks: inout [Int]) -> [Int] {
        var out: [Int] = []
        var stack = [root]
        while let n = stack.popLast() {
            if marks[n.index] == stamp { continue }
            marks[n.index] = stamp
            if case .ref(let s) = nodes[n.index].op { out.append(s); continue }
            forEachOperand(n) { stack.append($0) }
        }
        return out
    }

    /// Finds combinational loops and computes, for each output port, the inputs it depends on
    /// without passing a register.
    func combinationalPaths(children: (Module) -> ModuleFacts, _ diags: inout [Diagnostic]) -> [String: Set<String>] {
        let n = signals.count
        var marks = [Int](repeating: -1, count: nodes.count)
        var deps = [[Int]](repeating: [], count: n)
        for (i, s) in signals.enumerated() {
            switch s.kind {
            case .output, .wire, .instanceInput:
                if let d = s.driver { deps[i] = refs(of: d, stamp: i, &marks) }
            case .instanceOutput(let inst, let port):
                let decl = instances[inst]
                let through = children(decl.module).combPaths[port] ?? []
                deps[i] = through.sorted().compactMap { decl.ports[$0] }
            default:
                break
            }
        }
        // Iterative DFS; colour 1 = on stack, 2 = done.
        var colour = [UInt8](repeating: 0, count: n)
        var reach = [Set<Int>](repeating: [], count: n)
        for start in 0..<n where colour[start] == 0 {
            var stack: [(Int, Int)] = [(start, 0)]
            colour[start] = 1
            while let (v, k) = stack.last {
                if k < deps[v].count {
                    stack[stack.count - 1].1 += 1
                    let w = deps[v][k]
                    if colour[w] == 1 {
                        // A loop: the part of the stack from w back to v.
                        let path = stack.map { $0.0 }
                        let cycle = Array(path[path.firstIndex(of: w)!...]) + [w]
                        let names = cycle.map { displayName($0) }.joined(separator: " -> ")
                        // Point at an assignment in the loop rather than a declaration.
                        let at = cycle.first { signals[$0].driverLoc != nil } ?? w
                        let s = signals[at]
                        diags.append(Diagnostic(s.driverLoc ?? s.loc, "combinational loop: \(names)"))
                        return [:]
                    }
                    if colour[w] == 0 {
                        colour[w] = 1
                        stack.append((w, 0))
                    }
                } else {
                    colour[v] = 2
                    var r = Set<Int>()
                    if case .input = signals[v].kind { r.insert(v) }
                    for w in deps[v] { r.formUnion(reach[w]) }
                    reach[v] = r
                    stack.removeLast()
                }
            }
        }
        var paths: [String: Set<String>] = [:]
        for p in ports where p.direction == .output {
            paths[p.name] = Set(reach[p.signal].map { signals[$0].name })
        }
        return paths
    }

    func displayName(_ s: Int) -> String {
        switch signals[s].kind {
        case .instanceInput(let i, let port): return "\(instances[i].name).\(port)"
        case .instanceOutput(let i, let port): return "\(instances[i].name).\(port)"
        default: return signals[s].name
        }
    }
}
