import Cosim
import TestSupport
import HWCore
import Testing

/// Emitted text of small modules, compared with the expected text kept here; determinism;
/// structural de-duplication; the manifest.
@Suite struct EmitterTests {
    static func counterDefinition() -> Definition<CounterPorts> {
        let m = Module("counter_w4")
        let io = m.ports(CounterPorts())
        let q = m.reg("q", .uint(4), reset: 0)
        m.when(io.en) { q.assign(q &+ 1) }
        io.count.assign(q)
        return Definition(m, io)
    }

    static func counter() -> Module { counterDefinition().module }

    /// Body of the single module in `design` (from `module` to `endmodule`), location comments
    /// removed, so the expected text does not depend on line numbers in this file.
    func body(_ verilog: String, module name: String) -> String {
        let lines = verilog.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("module \(name) ") }) else { return "" }
        let end = lines[start...].firstIndex(of: "endmodule")!
        return lines[start...end].map { line in
            if let r = line.range(of: "  // HWCoreTests/") { return String(line[..<r.lowerBound]) }
            return line
        }.joined(separator: "\n")
    }

    @Test func counterText() throws {
        let d = try Design.elaborate(Self.counter())
        #expect(body(d.verilog, module: "counter_w4") == """
        module counter_w4 (
          input  wire clk,
          input  wire rst,
          input  wire en,
          output wire [3:0] count
        );
          reg  [3:0] q;
          assign count = q;
          always @(posedge clk) begin
            if (rst) q <= 4'd0;
            else if (en) q <= q + 4'd1;
          end
        endmodule
        """)
    }

    @Test func switchLowersToNestedSelectsWithExplicitExtensions() throws {
        let a = Module("alu_w8")
        let x = a.input("x", .sint(8)), y = a.input("y", .sint(8))
        let op = a.input("op", .uint(2))
        let r = a.output("r", .sint(10))
        a.switch(op) {
            $0.is(0) { r.assign((x + y).extended(to: 10)) }
            $0.is(1) { r.assign((x - y).extended(to: 10)) }
            $0.is(2) { r.assign((x * y).truncated(to: 10)) }
            $0.default { r.assign((-x).extended(to: 10)) }
        }
        a.output("lt", .bool).assign(x < y)
        a.output("hi", .uint(4)).assign((x + y).bits(4...7))
        let d = try Design.elaborate(a)
        #expect(body(d.verilog, module: "alu_w8") == """
        module alu_w8 (
          input  wire [7:0] x,
          input  wire [7:0] y,
          input  wire [1:0] op,
          output wire [9:0] r,
          output wire lt,
          output wire [3:0] hi
        );
          wire [8:0] r_t0 = {x[7], x} + {y[7], y};
          wire [8:0] r_t1 = {x[7], x} - {y[7], y};
          wire [15:0] r_t2 = {{8{x[7]}}, x} * {{8{y[7]}}, y};
          wire [8:0] r_t3 = 9'd0 - {x[7], x};
          assign r = (op == 2'd0) ? {r_t0[8], r_t0} : ((op == 2'd1) ? {r_t1[8], r_t1} : ((op == 2'd2) ? r_t2[9:0] : {r_t3[8], r_t3}));
          assign lt = $signed(x) < $signed(y);
          wire [8:0] hi_t0 = {x[7], x} + {y[7], y};
          assign hi = hi_t0[7:4];
          // Bits no logic reads (unconnected outputs, unread port bits), kept lint-clean.
          /* verilator lint_off UNUSED */
          wire _unused = &{1'b0, r_t2[15:10], hi_t0[8], hi_t0[3:0], 1'b0};
          /* verilator lint_on UNUSED */
        endmodule
        """)
        if edaEnabled { try expectClean(d) }
    }

    @Test func memoryText() throws {
        let m = Module("ram8x8")
        let waddr = m.input("waddr", .uint(3)), wdata = m.input("wdata", .uint(8)), we = m.input("we", .bool)
        let raddr = m.input("raddr", .uint(3))
        let mem = m.memory("store", .uint(8), depth: 8, initial: [1, 2, 3])
        mem.write(waddr, wdata, enable: we)
        m.output("rdata", .uint(8)).assign(mem.read(raddr))
        let d = try Design.elaborate(m)
        #expect(body(d.verilog, module: "ram8x8") == """
        module ram8x8 (
          input  wire clk,
          input  wire [2:0] waddr,
          input  wire [7:0] wdata,
          input  wire we,
          input  wire [2:0] raddr,
          output wire [7:0] rdata
        );
          reg  [7:0] store_rdata;
          integer store_i;
          reg  [7:0] store [0:7];
          assign rdata = store_rdata;
          always @(posedge clk) begin
            if (we) store[waddr] <= wdata;
            store_rdata <= store[raddr];
          end
          initial begin
            store[0] = 8'd1;
            store[1] = 8'd2;
            store[2] = 8'd3;
            for (store_i = 3; store_i < 8; store_i = store_i + 1) store[store_i] = 8'd0;
          end
        endmodule
        """)
    }

    @Test func sourceLocationsOnStatements() throws {
        let d = try Design.elaborate(Self.counter())
        #expect(d.verilog.contains("assign count = q;  // HWCoreTests/EmitterTests.swift:"))
        #expect(d.verilog.contains("// Defined at HWCoreTests/EmitterTests.swift:"))
    }

    @Test func emissionIsDeterministic() throws {
        let a = try Design.elaborate(Self.counter())
        let b = try Design.elaborate(Self.counter())
        #expect(a.verilog == b.verilog)
        #expect(a.manifest.json == b.manifest.json)
    }

    @Test func identicalModulesAreEmittedOnce() throws {
        // Two separately built but identical children under one name: one module.
        let top = Module("top")
        let en = top.input("en", .bool)
        for i in 0..<2 {
            let u = top.instance(Self.counterDefinition(), "c\(i)")
            u.en.assign(en)
            top.output("count\(i)", .uint(4)).assign(u.count)
        }
        let d = try Design.elaborate(top)
        #expect(d.moduleNames == ["counter_w4", "top"])
        #expect(d.manifest.modules.first { $0.name == "counter_w4" }?.instances == 2)
    }

    /// A top instantiating two different modules that are both named "child" (4 and 5 bits
    /// wide): a wire each, or with `squaring` a signed multiplier each (which the two Verilog
    /// styles spell differently).
    static func twoModulesNamedChild(squaring: Bool = false) -> Module {
        func child(_ w: Int) -> Definition<Pass> {
            squaring ? passModule("child", .sint(w), out: .sint(2 * w)) { $0 * $0 } : passModule("child", .uint(w))
        }
        let top = Module("top")
        for (inst, input, output, w) in [("u4", "a", "x", 4), ("u5", "b", "y", 5)] {
            let u = top.instance(child(w), inst)
            u.i.assign(top.input(input, squaring ? .sint(w) : .uint(w)))
            top.output(output, squaring ? .sint(2 * w) : .uint(w)).assign(u.o)
        }
        return top
    }

    @Test func differentModulesSharingANameGetStableSuffixes() throws {
        let top = Self.twoModulesNamedChild()
        let d = try Design.elaborate(top)
        #expect(d.moduleNames.count == 3)
        #expect(d.moduleNames[0] == "child")
        #expect(d.moduleNames[1].hasPrefix("child_") && d.moduleNames[1].count == "child_".count + 8)
        let again = try Design.elaborate(top)
        #expect(again.moduleNames == d.moduleNames)
    }

    @Test func temporaryNamesDoNotShiftWhenUnrelatedLogicIsAdded() throws {
        func build(extra: Bool) throws -> String {
            let m = Module("t")
            let x = m.input("x", .sint(8)), y = m.input("y", .sint(8))
            if extra { m.output("e", .sint(9)).assign(x - y) }
            m.output("s", .uint(4)).assign((x + y).bits(4...7))
            return try Design.elaborate(m).verilog
        }
        let plain = try build(extra: false), more = try build(extra: true)
        let line = { (v: String) in v.split(separator: "\n").first { $0.contains("s_t0 =") }.map { String($0.split(separator: "/")[0]) } }
        #expect(line(plain) != nil)
        #expect(line(plain) == line(more))
    }

    @Test func manifestDescribesPortsAndPacking() throws {
        let m = Module("vecs")
        let v = m.input("v", .sint(8), count: 4)
        let o = m.output("o", .sint(8), count: 4)
        for i in 0..<4 { o[i].assign(v[3 - i]) }
        let stream = HWType.bundle([BundleField("valid", .bool), BundleField("ready", .bool, flipped: true),
                                    BundleField("data", .uint(16))])
        let s = m.port("s", .input, stream)
        s["ready"].signal.assign(1)
        m.output("d", .uint(16)).assign(mux(s["valid"].signal, s["data"].signal, 0))
        let d = try Design.elaborate(m, parameters: ["lanes": .int(4)])
        let ports = d.manifest.ports
        #expect(ports.map(\.name) == ["v", "o", "s_valid", "s_ready", "s_data", "d"])
        let vp = try #require(ports.first { $0.name == "v" })
        #expect(vp.width == 32 && vp.packing?.dims == [4] && vp.packing?.elementWidth == 8 && vp.packing?.elementSigned == true)
        #expect(ports.first { $0.name == "s_ready" }?.direction == .output)
        #expect(ports.first { $0.name == "s_data" }?.group == ["s", "data"])
        #expect(d.manifest.json.contains("\"lanes\": 4"))
        #expect(d.manifest.top == "vecs")
    }
}

/// The simulation style: same hardware and names, multiplier sign extensions spelled for
/// Verilator's C++ (see `VerilogStyle`).
@Suite struct SimulationStyleTests {
    static func mac() -> Module {
        let m = Module("mac")
        let a = m.input("a", .sint(8)), b = m.input("b", .sint(8))
        let q = m.reg("q", .sint(8), reset: 0)
        q.assign(a)
        let w = m.wire("w", .sint(8))
        w.assign(a &+ b)
        m.output("p", .sint(16)).assign(q * b)
        m.output("pw", .sint(16)).assign(w * b)
        m.output("s", .sint(9)).assign(a + b)
        let wide = m.input("x", .sint(40))
        m.output("pwide", .sint(80)).assign(wide * wide)
        let idx = m.input("idx", .uint(2))
        m.output("sel", .sint(8)).assign(Vec([a, b, q, w]).select(idx, default: m.const(0, .sint(8))))
        return m
    }

    @Test func signExtensionsUseTheArithmeticFormButNotOnMultiplierWires() throws {
        let d = try Design.elaborate(Self.mac(), style: .simulation)
        #expect(d.style == .simulation)
        let text = EmitterTests().body(d.verilog, module: "mac_sim")
        // A register and a port: (x ^ sign) - sign.
        #expect(text.contains("assign p = (({8'h0, q} ^ 16'h80) - 16'h80) * (({8'h0, b} ^ 16'h80) - 16'h80);"))
        // A wire keeps the replication (Verilator would fold a once-read wire into its reader).
        #expect(text.contains("assign pw = {{8{w[7]}}, w} * (({8'h0, b} ^ 16'h80) - 16'h80);"))
        // Other signed extensions up to 64 bits (an adder's operands) use it too; products wider
        // than 64 bits keep the replication.
        #expect(text.contains("assign s = (({1'h0, a} ^ 9'h80) - 9'h80) + (({1'h0, b} ^ 9'h80) - 9'h80);"))
        #expect(text.contains("assign pwide = {{40{x[39]}}, x} * {{40{x[39]}}, x};"))
    }

    /// The styles share every port, register and wire name and differ only in spelling: signed
    /// extensions, where the synchronous resets are written, and small dynamic indexes; a module
    /// whose text differs is named with `_sim`, so a name always determines a text.
    @Test func stylesShareSignalNamesAndDifferOnlyInSpelling() throws {
        let syn = try Design.elaborate(Self.mac())
        let sim = try Design.elaborate(Self.mac(), style: .simulation)
        #expect(syn.style == .synthesis && !syn.verilog.contains("^ 16'h80"))
        #expect(sim.top == "mac_sim" && syn.top == "mac")
        let renamed = sim.verilog.replacingOccurrences(of: "mac_sim", with: "mac")
        // Every declared name but the temporaries is the same.
        func names(_ text: String) -> Set<String> {
            Set(text.split(separator: "\n").compactMap { line -> String? in
                let t = line.trimmingCharacters(in: .whitespaces)
                guard ["input", "output", "reg ", "wire "].contains(where: { t.hasPrefix($0) }) else { return nil }
                let decl = t.split(separator: ";")[0].split(separator: "=")[0].split(separator: ",")[0]
                guard let name = decl.split(separator: " ").last.map(String.init), name.range(of: #"_t[0-9]+$"#, options: .regularExpression) == nil else { return nil }
                return name
            })
        }
        #expect(names(syn.verilog) == names(renamed) && names(syn.verilog).isSuperset(of: ["q", "w", "p", "pw", "s", "sel", "idx"]))
        // Sign extensions: the same three statements, spelled (x ^ sign) - sign.
        let a = syn.verilog.split(separator: "\n"), b = renamed.split(separator: "\n")
        for stmt in ["assign p ", "assign s "] {
            let x = a.filter { $0.contains(stmt) }, y = b.filter { $0.contains(stmt) }
            #expect(x.count == 1 && y.count == 1 && x != y && y[0].contains("'h0, ") && y[0].contains(") - "))
        }
        // Resets: a select per register, or one block after the next states.
        #expect(syn.verilog.contains("q <= rst ? 8'd0 : a;") && !sim.verilog.contains("rst ?"))
        #expect(sim.verilog.contains("    q <= a;") && sim.verilog.contains("    if (rst) begin\n      q <= 8'd0;\n    end\n  end\n"))
        // A 4 x 8-bit index: a case statement, or a part-select of the concatenation.
        #expect(syn.verilog.contains("case (idx)") && !sim.verilog.contains("case ("))
        #expect(sim.verilog.contains("= {w, q, b, a};") && sim.verilog.contains("[{idx, 3'd0} +: 8];"))
        #expect(try Design.elaborate(Self.mac(), style: .simulation).verilog == sim.verilog)
        #expect(syn.manifest.ports == sim.manifest.ports)
    }

    /// Small dynamic indexes in the simulation style: a part-select of the elements'
    /// concatenation, padded to a power of two with zeros, and guarded by a compare when the index
    /// can name more elements than there are (the default, else the last element, as the `case`).
    @Test func smallSelectsArePartSelectsWithARangeGuard() throws {
        let m = Module("sels")
        let x = m.input("x", .uint(8)), y = m.input("y", .uint(8)), z = m.input("z", .uint(8))
        let i2 = m.input("i2", .uint(2)), i7 = m.input("i7", .uint(7))
        m.output("three", .uint(8)).assign(Vec([x, y, z]).select(i2, default: m.const(0x5a, .uint(8))))
        m.output("flag", .bool).assign(Vec([x.bit(0), x.bit(1), y.bit(0), y.bit(1)]).select(i7, default: m.falseSignal))
        let sim = try Design.elaborate(m, style: .simulation).verilog
        #expect(!sim.contains("case ("))
        #expect(sim.contains("= {8'd0, z, y, x};") && sim.contains("= i2 < 2'd3 ? three_t1[{i2, 3'd0} +: 8] : 8'd90;"))
        #expect(sim.contains("= i7 < 7'd4 ? flag_t1[i7[1:0]] : 1'b0;"))
        #expect(try Design.elaborate(m).verilog.contains("case (i7)"))
    }

    /// Only modules whose text differs get the suffix: a module without multipliers keeps its
    /// name, a parent of a renamed module is renamed (its instance line differs).
    @Test func onlyModulesThatDifferAreRenamed() throws {
        let top = EmitterTests.twoModulesNamedChild(squaring: true)
        let syn = try Design.elaborate(top), sim = try Design.elaborate(top, style: .simulation)
        #expect(syn.moduleNames.count == 3)
        #expect(sim.moduleNames == syn.moduleNames.map { $0 + "_sim" })
        let plain = EmitterTests.twoModulesNamedChild(squaring: false)
        #expect(try Design.elaborate(plain, style: .simulation).moduleNames == Design.elaborate(plain).moduleNames)
    }

    @Test func modulePrefixNamesEveryModule() throws {
        let d = try Design.elaborate(EmitterTests.twoModulesNamedChild(), modulePrefix: "u1_")
        #expect(d.moduleNames.count == 3 && d.moduleNames.allSatisfy { $0.hasPrefix("u1_") })
        #expect(d.top == "u1_top" && d.verilog.contains("u1_child u4 ("))
        #expect(throws: ElaborationError.self) { try Design.elaborate(EmitterTests.twoModulesNamedChild(), modulePrefix: "1x") }
    }
}

/// Register statements are ordered so that each register is assigned after the registers that
/// read it (simulators then update in place); cycles keep declaration order.
@Suite struct RegisterOrderTests {
    /// Names of the registers of `m`, in the order their statements are printed.
    func printedOrder(_ m: Module) throws -> [String] {
        EmitterTests().body(try Design.elaborate(m).verilog, module: m.name).split(separator: "\n")
            .compactMap { line in line.range(of: " <= ").map { line[..<$0.lowerBound].split(separator: " ").last.map(String.init) ?? "" } }
            .reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }  // an if/else chain is one register
    }

    @Test func aShiftRegisterPrintsItsLastStageFirst() throws {
        let m = Module("line")
        let x = m.input("x", .uint(4))
        let s0 = m.reg("s0", next: x, reset: 0)
        let s1 = m.reg("s1", next: s0, reset: 0)
        let mid = m.wire("mid", .uint(4))
        mid.assign(s1 ^ s0)
        let s2 = m.reg("s2", next: mid, reset: 0)
        m.output("y", .uint(4)).assign(s2)
        #expect(try printedOrder(m) == ["s2", "s1", "s0"])
    }

    @Test func registersReadingEachOtherKeepDeclarationOrder() throws {
        let m = Module("swap")
        let load = m.input("load", .bool)
        let a = m.reg("a", .uint(2), reset: 1), b = m.reg("b", .uint(2), reset: 2)
        let c = m.reg("c", .uint(2), reset: 0)
        a.assign(mux(load, b, a))
        b.assign(mux(load, a, b))
        c.assign(a)  // c reads a: printed before a and b's cycle is broken at a
        m.output("y", .uint(2)).assign(c ^ b)
        #expect(try printedOrder(m) == ["c", "a", "b"])
    }
}

/// Registers that hold on some path print as if/else chains without the holding leaves (no
/// register reads itself to hold, which would cost Verilator a shadow copy); the chains behave
/// like the multiplexers they replace.
@Suite struct HoldingRegisterTests {
    static func module() -> Module {
        let m = Module("holds")
        let a = m.input("a", .bool), b = m.input("b", .bool), d = m.input("d", .uint(4))
        let r = m.reg("r", .uint(4), reset: .none)
        m.when(a) { m.when(b) { r.assign(d) } }
        let s = m.reg("s", .uint(4), reset: 0)
        m.when(a) {}.otherwise { s.assign(d) }
        let t = m.reg("t", .uint(4), reset: 0)
        m.when(a) { t.assign(d) }.elseWhen(b) { t.assign(~d) }
        let u = m.reg("u", .uint(4), reset: 0)
        m.when(a) { m.when(b) { u.assign(d) } }.otherwise { u.assign(~d) }
        let v = m.reg("v", .uint(4), reset: 0)
        v.assign(mux(a, d, ~d))  // never holds: one assignment
        m.output("y", .uint(20)).assign(cat(r, s, t, u, v))
        return m
    }

    @Test func text() throws {
        let text = EmitterTests().body(try Design.elaborate(Self.module()).verilog, module: "holds")
        #expect(text.contains("""
              always @(posedge clk) begin
                if (a) begin
                  if (b) r <= d;
                end
                if (rst) s <= 4'd0;
                else if (!(a)) s <= d;
                if (rst) t <= 4'd0;
                else if (a) t <= d;
                else if (b) t <= ~d;
                if (rst) u <= 4'd0;
                else if (a) begin
                  if (b) u <= d;
                end
                else u <= ~d;
                v <= rst ? 4'd0 : (a ? d : ~d);
              end
            """), "\(text)")
    }

    @Test(.enabled(if: edaEnabled, edaNote)) func behaviourOnIverilog() throws {
        let d = try Design.elaborate(Self.module())
        try expectClean(d)
        var rng = SplitMix64(seed: 44)
        var vectors: [[String: UInt64]] = [["rst": 1, "a": 0, "b": 0, "d": 0]]
        for _ in 0..<120 { vectors.append(["rst": rng.below(25) == 0 ? 1 : 0, "a": UInt64(rng.below(2)), "b": UInt64(rng.below(2)), "d": UInt64(rng.below(16))]) }
        let out = try IverilogSim.run(d, vectors: vectors)
        var r: UInt64? = nil, s: UInt64 = 0, t: UInt64 = 0, u: UInt64 = 0, v: UInt64 = 0
        for (i, vec) in vectors.enumerated() {
            if i > 0 {
                // r has no reset: y reads as unknown (absent) until r is first loaded.
                if let y = out[i]["y"] {
                    #expect(r != nil && (y >> 16) & 15 == r!, "cycle \(i) r")
                    #expect((y >> 12) & 15 == s && (y >> 8) & 15 == t && (y >> 4) & 15 == u && y & 15 == v, "cycle \(i)")
                } else {
                    #expect(r == nil, "cycle \(i): y unknown")
                }
            }
            let a = vec["a"]! == 1, b = vec["b"]! == 1, dv = vec["d"]!, rst = vec["rst"]! == 1
            if a && b { r = dv }
            s = rst ? 0 : (a ? s : dv)
            t = rst ? 0 : (a ? dv : (b ? ~dv & 15 : t))
            u = rst ? 0 : (a ? (b ? dv : u) : ~dv & 15)
            v = rst ? 0 : (a ? dv : ~dv & 15)
        }
    }
}
