import HWCore
import Testing

// The README's "DSL in one screen" example, verbatim (the interface at file scope, the rest in
// the test), elaborates and is lint-clean; a parent then wires it through its interface.
struct MAC: Interface {                             // the ports, declared once, as a type
    @Input(.sint(8)) var a: Signal
    @Input(.sint(8)) var b: Signal
    @Input(.bool) var en: Signal
    @Output(.sint(32)) var acc: Signal
}

@Suite struct ReadmeExampleTests {
    @Test func readmeExampleElaborates() throws {
        let m = Module("mac_d8_a32")
        let io = m.ports(MAC())                           // ports a, b, en, acc (camelCase -> snake_case)
        let q = m.reg("acc_q", .sint(32), reset: 0)       // explicit reset spec: a value, or .none
        let prod = m.wire("prod", io.a * io.b)            // widening: SInt(16), named in the Verilog
        m.when(io.en) { q.assign(q &+ prod.extended(to: 32)) }   // &+ wraps; + would widen to SInt(33)
        io.acc.assign(q)
        let mac = Definition(m, io)                       // what a parent instantiates
        let design = try Design.elaborate(mac)            // throws errors located at your file:line
        #expect(design.verilog.contains("module mac_d8_a32 ("))
        #expect(design.manifest.ports.map(\.name) == ["clk", "rst", "a", "b", "en", "acc"])
        if edaEnabled { try expectClean(design) }

        // The parent's side: the same interface, inputs driven, outputs read.
        let top = Module("top")
        let u = top.instance(mac, "u0")
        u.a.assign(top.input("x", .sint(8)))
        u.b.assign(top.input("y", .sint(8)))
        u.en.assign(top.input("go", .bool))
        top.output("sum", .sint(32)).assign(u.acc)
        let t = try Design.elaborate(top)
        #expect(t.verilog.contains("mac_d8_a32 u0 ("))
        if edaEnabled { try expectClean(t) }
    }
}
