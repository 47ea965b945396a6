/// A submodule instance inside a parent module. Its input ports are driven with `assign`;
/// its outputs are read as signals named `<instance>_<port>` in the parent's Verilog.
public struct Instance {
    let parent: Module
    let index: Int

    public var name: String { parent.instances[index].name }
    /// The instantiated module.
    public var module: Module { parent.instances[index].module }

    /// A ground port of the instance (an input to drive or an output to read).
    public subscript(port: String, file file: String = #fileID, line line: Int = #line) -> Signal {
        value(port, file: file, line: line).signal
    }

    /// A port of any type, shaped like the child's declaration.
    public func value(_ port: String, file: String = #fileID, line: Int = #line) -> Value {
        let decl = parent.instances[index]
        guard let treeIndex = decl.module.portTreeIndex[port] else {
            let known = decl.module.portTrees.map { $0.name }.joined(separator: ", ")
            parent.error(SourceLoc(fileID: file, line: line), "module '\(decl.module.name)' has no port '\(port)' (ports: \(known))")
            return .signal(parent.invalid("no such port", .bool))
        }
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
    /// Instantiates `module` as `name`. Declare all of the child's ports before instantiating
    /// it; every input must then be driven (checked at elaboration).
    public func instance(_ module: Module, _ name: String, file: String = #fileID, line: Int = #line) -> Instance {
        let loc = SourceLoc(fileID: file, line: line)
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
        return Instance(parent: self, index: idx)
    }
}
