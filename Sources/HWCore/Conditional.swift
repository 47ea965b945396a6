// Conditional assignment: `when` / `elseWhen` / `otherwise`, and `switch`.
//
// Each branch body runs with a frame that records its assignments (the last one per target
// wins). When a chain is complete — at the next statement of the same level, at the end of the
// enclosing branch, or at elaboration — its branches are merged per target into nested
// multiplexers, first branch outermost: `c0 ? v0 : c1 ? v1 : v_otherwise`. A target a branch
// does not assign keeps its previous value there (its earlier driver; a register holds; a wire
// without one is "not driven on every path"). Memory ports inside a branch are enabled by the
// conjunction of the enclosing conditions.

/// Assignments made inside one branch.
final class BranchFrame {
    var values: [Int: NodeID] = [:]
    var locs: [Int: SourceLoc] = [:]
    var order: [Int] = []

    func set(_ s: Int, _ v: NodeID, _ loc: SourceLoc) {
        if values[s] == nil { order.append(s); locs[s] = loc }
        values[s] = v
    }
}

/// A `when` chain whose branches are collected but not yet merged.
struct OpenChain {
    let serial: Int
    /// (local condition, assignments); nil condition = `otherwise`.
    var branches: [(NodeID?, BranchFrame)]
    /// Condition (full conjunction) under which no branch so far was taken.
    var remaining: NodeID
}

extension Module {
    func conditionNode(_ c: Signal, _ loc: SourceLoc) -> NodeID? {
        guard c.module === self else {
            error(loc, "condition belongs to module '\(c.module.name)', not '\(name)'")
            return nil
        }
        guard c.type == .bool else {
            error(loc, "condition must be Bool, not \(c.type) (compare it, e.g. x != 0)")
            return nil
        }
        uses.append((c.id, loc))
        return c.id
    }

    func and(_ a: NodeID?, _ b: NodeID) -> NodeID {
        guard let a else { return b }
        return node(.binary(.and, a, b), .bool)
    }

    func not(_ a: NodeID) -> NodeID { node(.unary(.not, a), .bool) }

    /// Runs one branch body with `full` as the memory-port condition; returns its frame.
    func runBranch(_ full: NodeID, _ body: () -> Void) -> BranchFrame {
        let frame = BranchFrame()
        frames.append(frame)
        conditions.append(full)
        body()
        finalizeOpenChain(level: frames.count)
        conditions.removeLast()
        frames.removeLast()
        return frame
    }

    /// The value `s` has at nesting `level` before the chain being merged there.
    func currentValue(_ s: Int, level: Int) -> NodeID {
        for f in frames[0..<level].reversed() {
            if let v = f.values[s] { return v }
        }
        if let d = signals[s].driver { return d }
        if case .register = signals[s].kind { return refNode(s) }
        return node(.undriven, signals[s].type)
    }

    /// Merges the open chain at `level` (if any) into the enclosing frame or the drivers.
    func finalizeOpenChain(level: Int) {
        guard let chain = openChains.removeValue(forKey: level) else { return }
        var targets: [Int] = []
        var seen = Set<Int>()
        var firstLoc: [Int: SourceLoc] = [:]
        for (_, f) in chain.branches {
            for t in f.order where seen.insert(t).inserted {
                targets.append(t)
                firstLoc[t] = f.locs[t]
            }
        }
        for t in targets {
            let old = currentValue(t, level: level)
            var branches = chain.branches[...]
            var value = old
            if let last = branches.last, last.0 == nil {
                value = last.1.values[t] ?? old
                branches = branches.dropLast()
            }
            for (c, f) in branches.reversed() {
                let v = f.values[t] ?? old
                if v == value { continue }
                value = node(.mux(c!, v, value), signals[t].type)
            }
            if level > 0 {
                frames[level - 1].set(t, value, firstLoc[t]!)
            } else {
                signals[t].driver = value
                if signals[t].driverLoc == nil { signals[t].driverLoc = firstLoc[t] }
            }
        }
    }

    /// Merges every pending chain (called before elaboration).
    func finalizeAll() {
        for level in openChains.keys.sorted(by: >) { finalizeOpenChain(level: level) }
    }

    /// Runs `body` with its assignments guarded by `condition`.
    @discardableResult
    public func when(_ condition: Signal, file: String = #fileID, line: Int = #line, _ body: () -> Void) -> WhenChain {
        let level = frames.count
        finalizeOpenChain(level: level)
        guard let c = conditionNode(condition, SourceLoc(fileID: file, line: line)) else {
            return WhenChain(module: self, serial: -1, level: level)
        }
        let parent = currentCondition
        let frame = runBranch(and(parent, c), body)
        chainSerial += 1
        openChains[level] = OpenChain(serial: chainSerial, branches: [(c, frame)], remaining: and(parent, not(c)))
        return WhenChain(module: self, serial: chainSerial, level: level)
    }

    /// A multi-way branch on `selector`: each `is(value)` arm runs when the selector equals the
    /// value; `default` runs when no arm matched. Values must fit the selector and be distinct.
    public func `switch`(_ selector: Signal, file: String = #fileID, line: Int = #line, _ body: (SwitchArms) -> Void) {
        let arms = SwitchArms(module: self, selector: selector, loc: SourceLoc(fileID: file, line: line))
        body(arms)
    }
}

/// The rest of a `when` chain. `elseWhen`/`otherwise` must directly follow the chain's
/// previous arm.
public struct WhenChain {
    let module: Module
    let serial: Int
    let level: Int

    func open(_ loc: SourceLoc, _ what: String) -> OpenChain? {
        guard serial >= 0 else { return nil }  // the `when` itself was invalid (already reported)
        guard module.frames.count == level, let chain = module.openChains[level], chain.serial == serial else {
            module.error(loc, "\(what) does not directly follow its when/elseWhen")
            return nil
        }
        return chain
    }

    /// Runs `body` when no earlier branch was taken and `condition` holds.
    @discardableResult
    public func elseWhen(_ condition: Signal, file: String = #fileID, line: Int = #line, _ body: () -> Void) -> WhenChain {
        let loc = SourceLoc(fileID: file, line: line)
        guard var chain = open(loc, "elseWhen"), let c = module.conditionNode(condition, loc) else {
            return WhenChain(module: module, serial: -1, level: level)
        }
        module.openChains[level] = nil
        let frame = module.runBranch(module.and(chain.remaining, c), body)
        chain.branches.append((c, frame))
        chain.remaining = module.and(chain.remaining, module.not(c))
        module.openChains[level] = chain
        return self
    }

    /// Runs `body` when no earlier branch was taken; completes the chain.
    public func otherwise(file: String = #fileID, line: Int = #line, _ body: () -> Void) {
        guard var chain = open(SourceLoc(fileID: file, line: line), "otherwise") else { return }
        module.openChains[level] = nil
        let frame = module.runBranch(chain.remaining, body)
        chain.branches.append((nil, frame))
        module.openChains[level] = chain
        module.finalizeOpenChain(level: level)
    }
}

/// The arms of a ``Module/switch(_:file:line:_:)``.
public final class SwitchArms {
    let module: Module
    let selector: Signal
    let loc: SourceLoc
    var chain: WhenChain?
    var seen: Set<Int> = []
    var hasDefault = false

    init(module: Module, selector: Signal, loc: SourceLoc) {
        self.module = module
        self.selector = selector
        self.loc = loc
    }

    /// An arm taken when the selector equals `value`.
    public func `is`(_ value: Int, file: String = #fileID, line: Int = #line, _ body: () -> Void) {
        let here = SourceLoc(fileID: file, line: line)
        if hasDefault { module.error(here, "switch arm after default"); return }
        if !seen.insert(value).inserted { module.error(here, "duplicate switch arm \(value)"); return }
        guard encodeConstant(value, selector.type) != nil else {
            module.error(here, "switch arm \(value) does not fit selector type \(selector.type)")
            return
        }
        let eq = selector == module.const(value, selector.type, file: file, line: line)
        if let c = chain {
            chain = c.elseWhen(eq, file: file, line: line, body)
        } else {
            chain = module.when(eq, file: file, line: line, body)
        }
    }

    /// The arm taken when no other arm matched.
    public func `default`(file: String = #fileID, line: Int = #line, _ body: () -> Void) {
        if hasDefault { module.error(SourceLoc(fileID: file, line: line), "second default in switch"); return }
        hasDefault = true
        if let c = chain { c.otherwise(file: file, line: line, body) } else { body() }
    }
}
