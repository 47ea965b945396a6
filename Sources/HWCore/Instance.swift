/// A submodule instance inside a parent module, seen through the child's typed interface: each
/// interface field is the parent's side of that port (`u.inA.assign(x)`, `let y = u.acc`).
/// Inputs are driven with `assign`; outputs are read as signals named `<instance>_<port>` in the
/// parent's Verilog. Driving an output or reading an input is a diagnostic at that line.
@dynamicMemberLookup
public struct Instance<I: Interface> {
    let ref: InstanceRef
    /// The child's own view of its interface (bound to the child's ports).
    let childIO: I

    public var name: String { ref.name }
    /// The instantiated module.
    public var module: Module { ref.module }

    /// The parent's side of interface field `field`.
    public subscript<S: PortShape>(dynamicMember field: KeyPath<I, S>) -> S {
        port(field)
    }

    /// The parent's side of interface field `field`; `file`/`line` locate a diagnostic.
    public func port<S: PortShape>(_ field: KeyPath<I, S>, file: String = #fileID, line: Int = #line) -> S {
        let parent = ref.parent
        let decl = parent.instances[ref.index]
        func stand(_ message: String) -> S {
            parent.error(SourceLoc(fileID: file, line: line), message)
            return childIO[keyPath: field].mapLeaves { parent.invalid(message, $0.type) }
        }
        // The port tree behind a field, found once per child module and key path.
        let tree: Int
        if let known = decl.module.portByKeyPath[field] {
            tree = known
        } else {
            let child = childIO[keyPath: field]
            guard let first = child.leafSignals.first, first.module === decl.module,
                  let t = decl.module.portByLeaf[first.id] else {
                return stand("\(field) is not a port of module '\(decl.module.name)' (instance '\(decl.name)')")
            }
            decl.module.portByKeyPath[field] = t
            tree = t
        }
        guard let shape = S.shape(of: ref.value(tree: tree)) else {
            return stand("port '\(decl.module.portTrees[tree].name)' of instance '\(decl.name)' does not have the interface's shape")
        }
        return shape
    }
}

/// An instance as the IR sees it: parent module and instance index.
struct InstanceRef {
    let parent: Module
    let index: Int

    var name: String { parent.instances[index].name }
    var module: Module { parent.instances[index].module }

    /// The parent-side value of the child's port tree `tree`, shaped like the child's declaration.
    func value(tree treeIndex: Int) -> Value {
        let decl = parent.instances[index]
        let tree = decl.module.portTrees[treeIndex].tree
        if case .flat(let p) = tree, let s = decl.ports[decl.module.ports[p].name] {
            return .signal(parent.refSignal(s))  // the common case: a ground port
        }
        var map: [Int: PortBinding] = [:]
        for (i, p) in decl.module.ports.enumerated() {
            if let s = decl.ports[p.name] { map[i] = PortBinding(signal: s, elementWires: parent.elementWires[decl.name + "." + p.name]) }
        }
        return decl.module.value(of: tree, instance: (parent, map))
    }
}

extension Module {
    /// Instantiates `definition` as `name` and returns the parent's side of its interface.
    /// Every input must then be driven (checked at elaboration).
    public func instance<I: Interface>(_ definition: Definition<I>, _ name: String, file: String = #fileID, line: Int = #line) -> Instance<I> {
        Instance(ref: instance(definition.module, name, loc: SourceLoc(fileID: file, line: line)), childIO: definition.io)
    }

    func instance(_ module: Module, _ name: String, loc: SourceLoc) -> InstanceRef {
        claim(name, loc, what: "instance")
        let idx = instances.count
        var bindings: [String: Int] = [:]
        for p in module.ports {
            let wireName = name + "_" + p.name
            switch p.direction {
            case .input:
                let sink = addSignal(wireName, p.type, .instanceInput(instance: idx, port: p.name), loc)
                bindings[p.name] = sink
                if let packing = p.packing {
                    // One parent wire per element, packed into the port by a concatenation.
                    let n = packing.dims.reduce(1, *)
                    let wires = (0..<n).map { i -> Int in
                        let en = wireName + "_" + elementSuffix(i, packing.dims)
                        claim(en, loc, what: "instance port element")
                        let w = addSignal(en, packing.element, .wire, loc)
                        signals[w].inlined = true
                        return w
                    }
                    elementWires[name + "." + p.name] = wires
                    let parts = wires.reversed().map { refNode($0) }
                    signals[sink].driver = parts.count == 1 ? node(.cast(parts[0]), p.type) : node(.concat(parts), p.type)
                    signals[sink].driverLoc = loc
                    signals[sink].drivenUnconditionally = true
                }
            case .output:
                claim(wireName, loc, what: "instance output")
                bindings[p.name] = addSignal(wireName, p.type, .instanceOutput(instance: idx, port: p.name), loc)
            }
        }
        instances.append(InstanceDecl(name: name, module: module, loc: loc, ports: bindings))
        return InstanceRef(parent: self, index: idx)
    }
}
