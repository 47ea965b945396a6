// Conditional assignment: `when` / `elseWhen` / `otherwise`, and `switch`.
// Assignments inside a branch apply only when the branch's condition holds; they are lowered
// eagerly to multiplexers (wires) or load conditions (registers, memory ports).

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

    func runBranch(_ cond: NodeID, _ body: () -> Void) {
        conditions.append(cond)
        body()
        conditions.removeLast()
    }

    /// Runs `body` with its assignments guarded by `condition`.
    @discardableResult
    public func when(_ condition: Signal, file: String = #fileID, line: Int = #line, _ body: () -> Void) -> WhenChain {
        let parent = currentCondition
        guard let c = conditionNode(condition, SourceLoc(fileID: file, line: line)) else {
            return WhenChain(module: self, remaining: nil, valid: false)
        }
        runBranch(and(parent, c), body)
        let notC = node(.unary(.not, c), .bool)
        return WhenChain(module: self, remaining: and(parent, notC), valid: true)
    }

    /// A multi-way branch on `selector`: each `is(value)` arm runs when the selector equals the
    /// value; `default` runs when no arm matched. Values must fit the selector and be distinct.
    public func `switch`(_ selector: Signal, file: String = #fileID, line: Int = #line, _ body: (SwitchArms) -> Void) {
        let arms = SwitchArms(module: self, selector: selector, loc: SourceLoc(fileID: file, line: line))
        body(arms)
    }
}

/// The rest of a `when` chain.
public struct WhenChain {
    let module: Module
    /// Condition under which no branch so far was taken (nil when the chain is at top level
    /// and ... never: a chain always has a remaining condition unless invalid).
    let remaining: NodeID?
    let valid: Bool

    /// Runs `body` when no earlier branch was taken and `condition` holds.
    @discardableResult
    public func elseWhen(_ condition: Signal, file: String = #fileID, line: Int = #line, _ body: () -> Void) -> WhenChain {
        guard valid, let rem = remaining,
              let c = module.conditionNode(condition, SourceLoc(fileID: file, line: line)) else {
            return WhenChain(module: module, remaining: nil, valid: false)
        }
        module.runBranch(module.and(rem, c), body)
        let notC = module.node(.unary(.not, c), .bool)
        return WhenChain(module: module, remaining: module.and(rem, notC), valid: true)
    }

    /// Runs `body` when no earlier branch was taken.
    public func otherwise(_ body: () -> Void) {
        guard valid, let rem = remaining else { return }
        module.runBranch(rem, body)
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
        if let c = chain { c.otherwise(body) } else { body() }
    }
}
