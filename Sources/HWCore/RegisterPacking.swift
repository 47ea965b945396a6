// Simulation style: registers that copy consecutive bits of one signal become one packed
// register.
//
// A pipeline stage over a vector (the SAT PE's `x_q_0` .. `x_q_7 <= in_x[63:0]`) is one
// register per element in the synthesis style. Verilator keeps each as its own C++ variable:
// every cycle it extracts each element from the source (shift, mask, store) and, where the
// elements are read as a vector again (`out_x = {x_q_7, ..., x_q_0}`, the index multiplexer's
// concatenation), reassembles them (load, shift, or per element). As one packed register the
// stage is one load and one store, and Verilator folds the concatenation of its slices back into
// the register itself: the 16x16 SAT core runs 1.75x faster (Benchmarks/cosim-designs.md).
//
// Every element keeps its name, as a wire naming its bits of the packed register
// (`wire [7:0] x_q_0 = x_q_pk[7:0];`), so waveforms and the names shared with the synthesis
// style stay the same; the packed register adds one name, `<stem>_pk`.

extension ModuleEmitter {
    /// Registers emitted as one packed register (simulation style only).
    struct PackedRegister {
        /// The packed register's name.
        var name: String
        /// Member registers (signal indices), lowest bits first.
        var members: [Int]
        /// Bit offset of each member in the packed register.
        var offsets: [Int]
        /// What the next state copies bits [lo, lo + width) of: a signal's index, or an earlier
        /// packed register's as -(index + 1).
        var source: Int
        var lo: Int
        var width: Int
        var enable: NodeID?
        var reset: [UInt64]?
    }

    /// Groups of at least two registers with the same enable and the same presence of a reset
    /// whose next states are consecutive bit ranges of one source, lowest first. A source is a
    /// named signal or, for the next stage of a pipeline, an earlier group: registers that copy
    /// members of a packed register pack too (the SAT indexing unit's skew lines).
    func findPackedRegisters() -> [PackedRegister] {
        struct Key: Hashable { let source: Int; let enable: Int32; let reset: Bool }
        var groups: [PackedRegister] = []
        var member: [Int: (group: Int, offset: Int)] = [:]
        while true {
            var candidates: [Key: [(lo: Int, reg: Int)]] = [:]
            for (r, s) in m.signals.enumerated() where member[r] == nil {
                guard case .register(let info) = s.kind, let d = s.driver, let (src, lo) = bitsOf(d), src != r,
                      m.nodes[d.index].type.width == s.type.width else { continue }
                // Sources: a packed group as -(group + 1), else the signal.
                let source: Int, at: Int
                if let (g, off) = member[src] {
                    source = -(g + 1); at = off + lo
                } else {
                    if case .instanceInput = m.signals[src].kind { continue }
                    source = src; at = lo
                }
                let key = Key(source: source, enable: info.enable?.raw ?? -1, reset: info.resetValue != nil)
                candidates[key, default: []].append((at, r))
            }
            let before = groups.count
            // Keys in order of their first register, so the emitted text is deterministic.
            for (key, regs) in candidates.sorted(by: { $0.value.map(\.reg).min()! < $1.value.map(\.reg).min()! }) {
                let sorted = regs.sorted { ($0.lo, $0.reg) < ($1.lo, $1.reg) }
                var run: [(lo: Int, reg: Int)] = []
                func close() {
                    defer { run.removeAll() }
                    guard run.count >= 2, case .register(let info) = m.signals[run[0].reg].kind else { return }
                    let members = run.map(\.reg)
                    let lo = run[0].lo
                    let offsets = run.map { $0.lo - lo }
                    let width = offsets.last! + m.signals[members.last!].type.width
                    var reset: [UInt64]?
                    if key.reset {
                        var words = [UInt64](repeating: 0, count: (width + 63) / 64)
                        for (r, off) in zip(members, offsets) {
                            guard case .register(let info) = m.signals[r].kind, let v = info.resetValue else { continue }
                            for b in 0..<m.signals[r].type.width where (v[b / 64] >> UInt64(b % 64)) & 1 == 1 {
                                words[(off + b) / 64] |= 1 << UInt64((off + b) % 64)
                            }
                        }
                        reset = words
                    }
                    for (r, off) in zip(members, offsets) { member[r] = (groups.count, off) }
                    groups.append(PackedRegister(name: packedName(members), members: members, offsets: offsets, source: key.source,
                                                 lo: lo, width: width, enable: info.enable, reset: reset))
                }
                for c in sorted {
                    if let last = run.last, last.lo + m.signals[last.reg].type.width != c.lo { close() }
                    run.append(c)
                }
                close()
            }
            if groups.count == before { return groups }
        }
    }

    /// `<stem>_pk` when every member is `<stem>_<k>`, else the first member's name + `_pk`; made
    /// unique in the module's namespace.
    func packedName(_ members: [Int]) -> String {
        func stem(_ name: String) -> Substring? {
            guard let us = name.lastIndex(of: "_"), name[name.index(after: us)...].allSatisfy(\.isNumber),
                  name.index(after: us) < name.endIndex else { return nil }
            return name[..<us]
        }
        let names = members.map { m.signals[$0].name }
        let base: String
        if let s = stem(names[0]), !s.isEmpty, names.allSatisfy({ stem($0) == s }) { base = s + "_pk" } else { base = names[0] + "_pk" }
        var name = base, k = 1
        while namespace.contains(name) { name = base + "\(k)"; k += 1 }
        namespace.insert(name)
        return name
    }

    /// The packed register's next-state statement (its reset goes to the reset block).
    func packedStatement(_ p: PackedRegister, in all: [PackedRegister]) -> String {
        let bits: String
        if p.source < 0 {
            // Copying an earlier packed register: read its members' names (highest first), which
            // Verilator folds back into the packed register; every member stays read.
            let q = all[-p.source - 1]
            var parts: [String] = []
            for (r, off) in zip(q.members, q.offsets).reversed() {
                let w = m.signals[r].type.width
                let lo = max(off, p.lo), hi = min(off + w, p.lo + p.width)
                guard lo < hi else { continue }
                markUsed(r, lo: lo - off, width: hi - lo)
                parts.append(Self.bits(m.signals[r].name, lo: lo - off, width: hi - lo, of: w))
            }
            bits = parts.count == 1 ? parts[0] : "{" + parts.joined(separator: ", ") + "}"
        } else {
            let src = m.signals[p.source]
            markUsed(p.source, lo: p.lo, width: p.width)
            bits = Self.bits(src.name, lo: p.lo, width: p.width, of: src.type.width)
        }
        let first = m.signals[p.members[0]]
        let loc = "  // \(first.driverLoc ?? first.loc)"
        guard let e = p.enable else { return "    \(p.name) <= \(bits);\(loc)\n" }
        return "    if (\(rhs(e, owner: p.name, loc: first.driverLoc))) \(p.name) <= \(bits);\(loc)\n"
    }
}
