import HWCore
import Testing

/// The README's "DSL in one screen" example, verbatim, elaborates and is lint-clean.
@Suite struct ReadmeExampleTests {
    @Test func readmeExampleElaborates() throws {
        let m = Module("mac_d8_a32")
        let a = m.input("a", .sint(8)), b = m.input("b", .sint(8))
        let en = m.input("en", .bool)
        let acc = m.output("acc", .sint(32))
        let q = m.reg("acc_q", .sint(32), reset: 0)      // sync reset, explicit spec
        let prod = m.wire("prod", a * b)                  // widening: SInt(16), named in the Verilog
        m.when(en) { q.assign(q &+ prod.extended(to: 32)) }   // &+ wraps; + would widen to SInt(33)
        acc.assign(q)
        let design = try Design.elaborate(m)              // throws errors located at your file:line
        #expect(design.verilog.contains("module mac_d8_a32 ("))
        #expect(design.manifest.ports.map(\.name) == ["clk", "rst", "a", "b", "en", "acc"])
        if edaEnabled { try expectClean(design) }
    }
}
