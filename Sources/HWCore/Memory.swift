/// How a memory's ports are arranged. Every configuration has synchronous reads (the read data
/// is a register loaded on the clock edge) and is emitted in the form yosys and vendor tools
/// map to block RAM (Xilinx RAMB18E1/RAMB36E1, Lattice ECP5 DP16KD), with or without lanes.
public enum MemoryPorts: Sendable, Hashable {
    /// One write port (``Memory/write(_:_:lanes:enable:file:line:)``) and one read port
    /// (``Memory/read(_:enable:file:line:)``) at independent addresses. A read of the word being
    /// written in the same cycle returns the old word.
    case simpleDualPort
    /// One port that reads and writes one address
    /// (``Memory/readWrite(_:writeData:writeEnable:lanes:enable:file:line:)``, called once).
    /// Read-first: a cycle that writes returns the old word.
    case singlePort
    /// Two independent read/write ports, A and B (``Memory/readWrite(_:writeData:writeEnable:lanes:enable:file:line:)``
    /// called twice: the first call is port A, the second port B). Each port is read-first for
    /// its own writes. When both ports write one word in a cycle, port B wins (lane by lane with
    /// lane masks). When one port reads the word the other port writes in that cycle, the lanes
    /// the other port writes read undefined (X in a four-state simulator): block RAMs do not
    /// define this collision, so the DSL does not either, and it reports nothing.
    case trueDualPort
}

/// A memory with synchronous read, written so that FPGA tools infer block RAM: the array and
/// all its ports sit in one clocked block.
///
/// With a lane width (`laneWidth:` at declaration) each element is split into lanes of that
/// many bits (lane 0 in the low bits) and every write port takes a lane mask, one bit per lane:
/// only the lanes whose bit is set are written (byte enables, for a lane width of 8).
///
///     let ram = m.memory("ram", .uint(32), depth: 1024, ports: .singlePort, laneWidth: 8)
///     let q = ram.readWrite(addr, writeData: d, writeEnable: we, lanes: byteMask, enable: en)
public struct Memory {
    let module: Module
    let index: Int

    public var name: String { module.memories[index].name }
    public var depth: Int { module.memories[index].depth }
    /// The exact address width: ⌈log2 depth⌉ (at least 1).
    public var addressWidth: Int { module.memories[index].addressWidth }
    public var ports: MemoryPorts { module.memories[index].ports }
    /// Bits per write lane (the element width when the memory has no lanes).
    public var laneWidth: Int { module.memories[index].laneWidth }
    /// Lanes per element: the width of a write port's lane mask (1 without lanes).
    public var laneCount: Int { module.memories[index].laneCount }

    /// The read port of a simple-dual-port memory (or a ROM): returns the data register, loaded
    /// with `mem[address]` on the clock edge when `enable` (and any enclosing `when`) holds.
    /// One read port per memory.
    public func read(_ address: Signal, enable: Signal? = nil, file: String = #fileID, line: Int = #line) -> Signal {
        let loc = SourceLoc(fileID: file, line: line)
        let m = module
        let decl = m.memories[index]
        guard decl.ports == .simpleDualPort else {
            m.error(loc, "memory '\(decl.name)' is \(decl.ports.phrase): use readWrite, not read")
            return m.invalid("read of a \(decl.ports.phrase) memory", decl.element)
        }
        guard decl.reads.isEmpty else {
            m.error(loc, "memory '\(decl.name)' already has its read port (at \(decl.reads[0].loc))")
            return m.invalid("second read port", decl.element)
        }
        guard let a = checkAddress(address, loc), let en = m.enableNode(enable, loc, what: "read enable") else {
            return m.invalid("bad memory read", decl.element)
        }
        guard let s = readData(decl.name + "_rdata", loc) else { return m.invalid("bad memory read", decl.element) }
        m.memories[index].reads.append(MemoryRead(address: a, enable: en, data: s, loc: loc))
        return m.refSignal(s)
    }

    /// The write port of a simple-dual-port memory: `mem[address] <= data` on the clock edge
    /// when `enable` (and any enclosing `when`) holds; with `lanes` (a memory with a lane width)
    /// only the lanes whose mask bit is set. One write port per memory.
    public func write(_ address: Signal, _ data: Signal, lanes: Signal? = nil, enable: Signal? = nil,
                      file: String = #fileID, line: Int = #line) {
        let loc = SourceLoc(fileID: file, line: line)
        let m = module
        let decl = m.memories[index]
        guard decl.ports == .simpleDualPort else {
            m.error(loc, "memory '\(decl.name)' is \(decl.ports.phrase): use readWrite, not write")
            return
        }
        guard decl.writes.isEmpty else {
            m.error(loc, "memory '\(decl.name)' already has its write port (at \(decl.writes[0].loc))")
            return
        }
        guard checkData(data, loc), let a = checkAddress(address, loc), let mask = checkLanes(lanes, loc),
              let en = m.enableNode(enable, loc, what: "write enable") else { return }
        m.memories[index].writes.append(makeWrite(a, data, mask, en, loc))
    }

    /// A read/write port of a single-port or true-dual-port memory: on the clock edge when
    /// `enable` (and any enclosing `when`) holds, loads the returned data register with
    /// `mem[address]` and, if `writeEnable` holds too, writes `writeData` there (only the lanes
    /// set in `lanes`, for a memory with a lane width; every lane without a mask). Read-first:
    /// the data register gets the word as it was before the write.
    ///
    /// A single-port memory has one such port; a true-dual-port memory two: the first call is
    /// port A, the second port B (see ``MemoryPorts/trueDualPort`` for collisions).
    public func readWrite(_ address: Signal, writeData: Signal, writeEnable: Signal, lanes: Signal? = nil,
                          enable: Signal? = nil, file: String = #fileID, line: Int = #line) -> Signal {
        let loc = SourceLoc(fileID: file, line: line)
        let m = module
        let decl = m.memories[index]
        let capacity: Int
        switch decl.ports {
        case .simpleDualPort:
            m.error(loc, "memory '\(decl.name)' is \(decl.ports.phrase): use read and write (or declare it with ports: .singlePort or .trueDualPort)")
            return m.invalid("readWrite of a simple-dual-port memory", decl.element)
        case .singlePort:
            capacity = 1
            if let first = decl.reads.first {
                m.error(loc, "memory '\(decl.name)' is single-port and already has its port (at \(first.loc))")
                return m.invalid("second port", decl.element)
            }
        case .trueDualPort:
            capacity = 2
            if decl.reads.count >= capacity {
                m.error(loc, "memory '\(decl.name)' already has ports A (at \(decl.reads[0].loc)) and B (at \(decl.reads[1].loc))")
                return m.invalid("third port", decl.element)
            }
        }
        guard checkData(writeData, loc), let a = checkAddress(address, loc), let mask = checkLanes(lanes, loc),
              let en = m.enableNode(enable, loc, what: "port enable") else {
            return m.invalid("bad memory port", decl.element)
        }
        guard writeEnable.module === m, writeEnable.type == .bool else {
            m.error(loc, "write enable must be a Bool of this module, not \(writeEnable.type)")
            return m.invalid("bad memory port", decl.element)
        }
        m.uses.append((writeEnable.id, loc))
        let port = capacity == 1 ? "" : (decl.reads.isEmpty ? "_a" : "_b")
        guard let s = readData(decl.name + port + "_rdata", loc) else { return m.invalid("bad memory port", decl.element) }
        let wen = m.and(en, writeEnable.id)
        m.memories[index].writes.append(makeWrite(a, writeData, mask, wen, loc))
        m.memories[index].reads.append(MemoryRead(address: a, enable: en, data: s, loc: loc))
        if decl.ports == .trueDualPort && m.memories[index].reads.count == 2 { addCollisions() }
        return m.refSignal(s)
    }

    /// True dual port: for each port's read, the conditions under which the other port writes
    /// (lanes of) the word it reads in the same cycle; those lanes read X.
    func addCollisions() {
        let m = module
        let decl = m.memories[index]
        let same = m.node(.binary(.eq, decl.reads[0].address, decl.reads[1].address), .bool)
        for (reader, writer) in [(0, 1), (1, 0)] {
            let w = decl.writes[writer]
            let lanes = w.lanes.isEmpty ? [w.enable!] : w.lanes.map { m.and(w.enable, $0.enable) }
            m.memories[index].reads[reader].collisions = lanes.map { m.and($0, same) }
        }
    }

    func readData(_ name: String, _ loc: SourceLoc) -> Int? {
        let decl = module.memories[index]
        guard module.claim(name, loc, what: "memory read data") else { return nil }
        return module.addSignal(name, decl.element, .memoryRead(memory: index), loc)
    }

    func checkData(_ data: Signal, _ loc: SourceLoc) -> Bool {
        let decl = module.memories[index]
        guard data.module === module, data.type == decl.element else {
            module.error(loc, "write data of type \(data.type) does not match memory '\(decl.name)' of \(decl.element)")
            return false
        }
        module.uses.append((data.id, loc))
        return true
    }

    /// The lane mask: `.some(nil)` for "every lane", nil on error.
    func checkLanes(_ lanes: Signal?, _ loc: SourceLoc) -> Signal?? {
        guard let lanes else { return .some(nil) }
        let decl = module.memories[index]
        guard decl.laneWidthDeclared != nil else {
            module.error(loc, "memory '\(decl.name)' has no write lanes (declare it with laneWidth:)")
            return nil
        }
        guard lanes.module === module, lanes.type == .uint(decl.laneCount) else {
            module.error(loc, "lane mask of memory '\(decl.name)' must be UInt(\(decl.laneCount)) (one bit per \(decl.laneWidth)-bit lane), not \(lanes.type)")
            return nil
        }
        module.uses.append((lanes.id, loc))
        return .some(lanes)
    }

    func makeWrite(_ address: NodeID, _ data: Signal, _ mask: Signal?, _ enable: NodeID?, _ loc: SourceLoc) -> MemoryWrite {
        let decl = module.memories[index]
        var lanes: [MemoryWrite.Lane] = []
        if let mask {
            let n = decl.laneCount, lw = decl.laneWidth
            for i in 0..<n {
                let en = n == 1 ? mask.id : module.node(.slice(mask.id, lo: i), .bool)
                let d = n == 1 ? data.id : module.node(.slice(data.id, lo: i * lw), .uint(lw))
                lanes.append(.init(enable: en, data: d))
            }
        }
        return MemoryWrite(address: address, data: data.id, enable: enable, lanes: lanes, loc: loc)
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

extension MemoryPorts {
    var phrase: String {
        switch self {
        case .simpleDualPort: return "simple dual port"
        case .singlePort: return "single-port"
        case .trueDualPort: return "true dual port"
        }
    }
}

extension Module {
    /// Declares a memory of `depth` elements with the given port configuration (see
    /// ``MemoryPorts``). `laneWidth` splits each element into write lanes of that many bits (it
    /// must divide the element width); write ports then take a lane mask. `initial` gives
    /// power-up contents (for ROMs and FPGA block RAM initialisation).
    public func memory(_ name: String, _ element: BitsType, depth: Int, ports: MemoryPorts = .simpleDualPort,
                       laneWidth: Int? = nil, initial: [Int]? = nil,
                       file: String = #fileID, line: Int = #line) -> Memory {
        let loc = SourceLoc(fileID: file, line: line)
        let t = checkType(element, loc, "memory '\(name)'")
        if depth < 1 { error(loc, "memory '\(name)' depth \(depth) is not positive") }
        var lanes = laneWidth
        if let lw = laneWidth, lw < 1 || t.width % lw != 0 {
            error(loc, "memory '\(name)': element width \(t.width) is not a multiple of the lane width \(lw)")
            lanes = nil
        }
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
        memories.append(MemoryDecl(name: name, element: t, depth: max(1, depth), initial: words, loc: loc,
                                   ports: ports, laneWidthDeclared: lanes))
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
