/// A memory with synchronous read (one read port, one write port), written so that FPGA tools
/// infer block RAM: the array and both ports sit in one clocked block.
public struct Memory {
    let module: Module
    let index: Int

    public var name: String { module.memories[index].name }
    public var depth: Int { module.memories[index].depth }
    /// The exact address width: ⌈log2 depth⌉ (at least 1).
    public var addressWidth: Int { module.memories[index].addressWidth }

    /// The read port: returns the data register, loaded with `mem[address]` on the clock edge
    /// when `enable` (and any enclosing `when`) holds. One read port per memory.
    public func read(_ address: Signal, enable: Signal? = nil, file: String = #fileID, line: Int = #line) -> Signal {
        let loc = SourceLoc(fileID: file, line: line)
        let m = module
        let decl = m.memories[index]
        guard decl.reads.isEmpty else {
            m.error(loc, "memory '\(decl.name)' already has its read port (at \(decl.reads[0].loc))")
            return m.invalid("second read port", decl.element)
        }
        guard let a = checkAddress(address, loc), let en = m.enableNode(enable, loc, what: "read enable") else {
            return m.invalid("bad memory read", decl.element)
        }
        let name = decl.name + "_rdata"
        m.claim(name, loc, what: "memory read data")
        let s = m.addSignal(name, decl.element, .memoryRead(memory: index), loc)
        m.memories[index].reads.append(MemoryRead(address: a, enable: en, data: s, loc: loc))
        return m.refSignal(s)
    }

    /// The write port: `mem[address] <= data` on the clock edge when `enable` (and any
    /// enclosing `when`) holds. One write port per memory.
    public func write(_ address: Signal, _ data: Signal, enable: Signal? = nil, file: String = #fileID, line: Int = #line) {
        let loc = SourceLoc(fileID: file, line: line)
        let m = module
        let decl = m.memories[index]
        guard decl.writes.isEmpty else {
            m.error(loc, "memory '\(decl.name)' already has its write port (at \(decl.writes[0].loc))")
            return
        }
        guard data.module === m, data.type == decl.element else {
            m.error(loc, "write data of type \(data.type) does not match memory '\(decl.name)' of \(decl.element)")
            return
        }
        guard let a = checkAddress(address, loc), let en = m.enableNode(enable, loc, what: "write enable") else { return }
        m.uses.append((data.id, loc))
        m.memories[index].writes.append(MemoryWrite(address: a, data: data.id, enable: en, loc: loc))
    }

    func checkAddress(_ address: Signal, _ loc: SourceLoc) -> NodeID? {
        let decl = module.memories[index]
        guard address.module === module, !address.isSigned, address.width == decl.addressWidth else {
            module.error(loc, "address of memory '\(decl.name)' (depth \(decl.depth)) must be UInt(\(decl.addressWidth)), not \(address.type)")
            return nil
        }
        module.uses.append((address.id, loc))
        return address.id
    }
}

extension Module {
    /// Declares a memory of `depth` elements. `initial` gives power-up contents (for ROMs and
    /// FPGA block RAM initialisation).
    public func memory(_ name: String, _ element: BitsType, depth: Int, initial: [Int]? = nil,
                       file: String = #fileID, line: Int = #line) -> Memory {
        let loc = SourceLoc(fileID: file, line: line)
        let t = checkType(element, loc, "memory '\(name)'")
        if depth < 1 { error(loc, "memory '\(name)' depth \(depth) is not positive") }
        var words: [[UInt64]]?
        if let initial {
            if initial.count > depth { error(loc, "memory '\(name)' has \(initial.count) initial values for depth \(depth)") }
            words = initial.prefix(depth).map { v in
                if let w = encodeConstant(v, t) { return w }
                error(loc, "initial value \(v) of memory '\(name)' does not fit \(t)")
                return maskWords([0], t.width)
            }
        }
        claim(name, loc, what: "memory")
        if let words, words.count < depth { claim(name + "_i", loc, what: "memory initialiser index") }
        memories.append(MemoryDecl(name: name, element: t, depth: max(1, depth), initial: words, loc: loc))
        return Memory(module: self, index: memories.count - 1)
    }

    /// Combines an optional explicit enable with the enclosing `when` condition.
    /// Returns `.some(nil)` for "always", nil on error.
    func enableNode(_ enable: Signal?, _ loc: SourceLoc, what: String) -> NodeID?? {
        var en: NodeID? = nil
        if let e = enable {
            guard e.module === self, e.type == .bool else {
                error(loc, "\(what) must be a Bool of this module, not \(e.type)")
                return nil
            }
            uses.append((e.id, loc))
            en = e.id
        }
        if let c = currentCondition { en = en.map { and(c, $0) } ?? c }
        return .some(en)
    }
}
