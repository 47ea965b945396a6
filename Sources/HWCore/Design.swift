/// How the Verilog text is written. Both styles describe the same hardware with the same port,
/// register and wire names; only the spelling of some expressions differs, and a module whose
/// text differs carries the style's suffix (``moduleSuffix``), so a module name always
/// determines its text and the styles can share a project.
public enum VerilogStyle: String, Sendable, CaseIterable, Codable {
    /// The readable, tool-neutral form: what `hwgen emit` writes and synthesis reads.
    case synthesis
    /// Tuned for Verilator's C++ (what co-simulation builds): a signed extension (up to 64 bits)
    /// is written `(({8'h0, x} ^ 16'h80) - 16'h80)` instead of `{{8{x[7]}}, x}`. The value is
    /// identical, and C++ compilers turn it into one sign-extending load where Verilator's code
    /// for the replication costs a shift, negate, shift, mask and or. On the 16x16 SAT core (two
    /// products summed and widened per PE) that is 18.6k -> 14.0k instructions per cycle, and the
    /// 16x16 SAT system runs 1.54x faster (Benchmarks/cosim-designs.md). Multiplier operands that
    /// are wires keep the replication: rewritten, they made Verilator duplicate the SAT index
    /// multiplexer (4.9 -> 7.3 MB of C++) for less gain. Synchronous resets are one `if (rst)`
    /// block after every register's next state (not a select per register), and a dynamic index
    /// over at most 64 bits that names every element is a part-select of the elements'
    /// concatenation (a shift, not an `if` tree on the index bits). Registers that copy
    /// consecutive bits of one signal (a vector pipeline stage) are one packed register,
    /// `<stem>_pk`, each element a wire naming its bits, so every name stays (see
    /// RegisterPacking.swift). Logic read only by registers loaded under a common condition
    /// is computed in their clocked block under it (blocking assignments; such a wire is
    /// declared `reg` and holds its last value while the condition is low, see
    /// EnableSinking.swift); see Benchmarks/cosim-designs.md.
    case simulation
}

/// An elaborated design: checked, de-duplicated and emitted.
///
///     let design = try Design.elaborate(top, parameters: ["rows": .int(16)])
///     print(design.verilog)        // every module, top last
///     print(design.manifest.json)
public struct Design: Sendable {
    /// Emitted name of the top module.
    public let top: String
    /// The whole design as one Verilog-2005 file: every unique module once, top last.
    public let verilog: String
    public let manifest: Manifest
    /// Emitted module names, leaves first.
    public let moduleNames: [String]
    /// The style `verilog` is written in.
    public let style: VerilogStyle
    /// Every module's text on its own (leaves first): the split layout writes one file each.
    public let modules: [EmittedModule]
    /// Technology -> the technology-specific modules of the design, one Verilog text
    /// (``Module/implement(for:_:)``).
    let technologyModules: [String: String]

    /// The modules of this design that have an implementation specific to `technology` (say
    /// `ecp5`), as one Verilog text under their emitted names, or nil if none has. A synthesis
    /// flow for that technology reads it after ``verilog``, replacing those modules.
    public func technologyLibrary(_ technology: String) -> String? { technologyModules[technology] }

    /// Elaborates the module of `top` (see ``elaborate(_:parameters:style:)-(Module,_,_)``).
    public static func elaborate<I: Interface>(_ top: Definition<I>, parameters: [String: ParamValue] = [:],
                                               style: VerilogStyle = .synthesis, modulePrefix: String = "") throws -> Design {
        try elaborate(top.module, parameters: parameters, style: style, modulePrefix: modulePrefix)
    }

    /// Checks `top` and everything it instantiates, then emits Verilog and the manifest.
    /// - Parameters:
    ///   - style: how the text is written; a module whose text differs from the synthesis style
    ///     is named with the style's suffix (see ``VerilogStyle/moduleSuffix``).
    ///   - modulePrefix: prepended to every module name, so several designs can share one
    ///     project without two different modules of one name (an identifier prefix, e.g. `u1_`).
    /// - Throws: ``ElaborationError`` listing every problem, each at the user's file:line.
    public static func elaborate(_ top: Module, parameters: [String: ParamValue] = [:],
                                 style: VerilogStyle = .synthesis, modulePrefix: String = "") throws -> Design {
        if !modulePrefix.isEmpty, let problem = identifierProblem(modulePrefix + "x") {
            throw ElaborationError([Diagnostic(top.loc, "module prefix '\(modulePrefix)' \(problem)")])
        }
        // Modules in post-order (children before parents), each object once.
        var order: [Module] = []
        var state: [ObjectIdentifier: Int] = [:]  // 1 = on path, 2 = done
        var diags: [Diagnostic] = []
        var stack: [(Module, Int)] = [(top, 0)]
        state[ObjectIdentifier(top)] = 1
        var instanceCount: [ObjectIdentifier: Int] = [ObjectIdentifier(top): 1]
        while let (m, k) = stack.last {
            if k < m.instances.count {
                stack[stack.count - 1].1 += 1
                let child = m.instances[k].module
                let id = ObjectIdentifier(child)
                switch state[id] {
                case 1:
                    diags.append(Diagnostic(m.instances[k].loc, "module '\(child.name)' instantiates itself (through '\(m.name)')"))
                case 2:
                    break
                default:
                    state[id] = 1
                    stack.append((child, 0))
                }
            } else {
                state[ObjectIdentifier(m)] = 2
                order.append(m)
                stack.removeLast()
            }
        }
        guard diags.isEmpty else { throw ElaborationError(diags) }
        // Instance counts: parents before children (reverse post-order).
        for m in order.reversed() {
            let n = instanceCount[ObjectIdentifier(m)] ?? 0
            for inst in m.instances {
                instanceCount[ObjectIdentifier(inst.module), default: 0] += n
            }
        }

        var facts: [ObjectIdentifier: ModuleFacts] = [:]
        for m in order { m.finalizeAll() }
        for m in order {
            diags += m.diagnostics
            let (f, d) = m.check { facts[ObjectIdentifier($0)] ?? ModuleFacts() }
            diags += d
            facts[ObjectIdentifier(m)] = f
        }
        guard diags.isEmpty else { throw ElaborationError(diags) }

        // Emit children first; identical text under the same name is one module. Identity and
        // the name suffix are decided on the synthesis text; in another style, a module whose
        // text differs from its synthesis text is named with the style's suffix (`_sim`), so a
        // module's name always determines its text and the two styles can never be mixed up.
        var synthName: [ObjectIdentifier: String] = [:]
        var emittedName: [ObjectIdentifier: String] = [:]
        var bodies: [String: String] = [:]  // synthesis name -> synthesis body
        var emitted: [EmittedModule] = []
        var emittedNames: Set<String> = []
        var counts: [String: Int] = [:]
        var technologyModules: [String: String] = [:]
        for m in order {
            let id = ObjectIdentifier(m)
            func emit(_ style: VerilogStyle, _ names: [ObjectIdentifier: String]) -> (String, String) {
                ModuleEmitter(m, facts: facts[id]!, style: style,
                              childName: { names[ObjectIdentifier($0)]! },
                              childFacts: { facts[ObjectIdentifier($0)]! }).emit()
            }
            let (head, tail) = emit(.synthesis, synthName)
            let body = head + "\u{1}" + tail
            var name = modulePrefix + m.name
            if let existing = bodies[name], existing != body {
                name = modulePrefix + m.name + "_" + fnv1a(body)
            }
            synthName[id] = name
            if bodies[name] == nil { bodies[name] = body }
            var text = (head, tail)
            if style != .synthesis {
                let other = emit(style, emittedName)
                if other.0 + "\u{1}" + other.1 != body {
                    name += style.moduleSuffix
                    text = other
                }
            }
            emittedName[id] = name
            counts[name, default: 0] += instanceCount[id] ?? 0
            if emittedNames.insert(name).inserted {
                emitted.append(EmittedModule(name: name, text: text.0 + name + text.1))
                for tech in m.technologyVariants.keys.sorted() {
                    technologyModules[tech, default: ""] += m.technologyVariants[tech]!(name)
                }
            }
        }
        let topName = emittedName[ObjectIdentifier(top)]!
        var verilog = "// Generated by hwgen. Do not edit: regenerate from the Swift generator.\n"
        verilog += "// Top module: \(topName)\n"
        if !parameters.isEmpty {
            verilog += "// Parameters: " + parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: " ") + "\n"
        }
        if style != .synthesis {
            verilog += "// Style: \(style.rawValue) (same hardware and signal names as the synthesis style; modules whose text differs are named with '\(style.moduleSuffix)'; see hwgen's VerilogStyle).\n"
        }
        verilog += "// One file holds every module, so Verilator's one-module-per-file style rule is off.\n"
        verilog += "/* verilator lint_off DECLFILENAME */\n\n"
        verilog += emitted.map(\.text).joined(separator: "\n")

        let topFacts = facts[ObjectIdentifier(top)]!
        var ports: [Manifest.Port] = []
        if topFacts.needsClock {
            ports.append(.init(name: "clk", direction: .input, width: 1, signed: false, role: "clock", packing: nil, group: nil))
        }
        if topFacts.needsReset {
            ports.append(.init(name: "rst", direction: .input, width: 1, signed: false, role: "reset", packing: nil, group: nil))
        }
        for p in top.ports {
            let packing = p.packing.map {
                Manifest.Packing(dims: $0.dims, elementWidth: $0.element.width, elementSigned: $0.element.signed,
                                 order: "row-major, element 0 in the least significant bits")
            }
            ports.append(.init(name: p.name, direction: p.direction, width: p.type.width,
                               signed: p.packing == nil ? p.type.signed : false, role: "data",
                               packing: packing, group: p.group.isEmpty ? nil : p.group))
        }
        let manifest = Manifest(generator: "hwgen", top: topName, parameters: parameters, ports: ports,
                                modules: emitted.map { .init(name: $0.name, instances: counts[$0.name] ?? 0) })
        return Design(top: topName, verilog: verilog, manifest: manifest, moduleNames: emitted.map(\.name), style: style,
                      modules: emitted, technologyModules: technologyModules)
    }
}

/// One emitted module: its name and its whole text (`module name ( ... endmodule`).
public struct EmittedModule: Sendable, Hashable {
    public let name: String
    public let text: String
}

extension VerilogStyle {
    /// Appended to the name of a module whose text in this style differs from the synthesis text.
    public var moduleSuffix: String {
        switch self {
        case .synthesis: return ""
        case .simulation: return "_sim"
        }
    }
}

/// 32-bit FNV-1a of the text, as 8 hex digits: a stable, machine-independent suffix.
func fnv1a(_ s: String) -> String {
    var h: UInt32 = 2166136261
    for b in s.utf8 {
        h ^= UInt32(b)
        h = h &* 16777619
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 8 - hex.count) + hex
}

