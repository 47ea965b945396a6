import HWCore
import Testing

/// Every elaboration check fires, at the Swift line where the offending construct was written.
@Suite struct ChecksTests {
    @Test func widthMismatchOnAssign() {
        let m = Module("t")
        let a = m.input("a", .uint(9))
        let y = m.output("y", .uint(8))
        y.assign(a); let line = #line
        expectError(m, line: line, "width mismatch")
    }

    @Test func widthMismatchNamesNoImplicitTruncation() throws {
        let m = Module("t")
        let a = m.input("a", .uint(8)), b = m.input("b", .uint(8))
        let y = m.output("y", .uint(8))
        y.assign(a + b)  // UInt(9): the widening add does not fit
        let e = try #require(elaborationError(m))
        #expect(e.description.contains("UInt(9)"))
        #expect(e.description.contains("no implicit truncation"))
    }

    @Test func signednessMismatchOnAssign() {
        let m = Module("t")
        let a = m.input("a", .sint(8))
        let y = m.output("y", .uint(8))
        y.assign(a); let line = #line
        expectError(m, line: line, "signedness mismatch")
    }

    @Test func signednessMismatchInOperatorReportedAtUse() {
        let m = Module("t")
        let a = m.input("a", .sint(8)), b = m.input("b", .uint(8))
        let y = m.output("y", .sint(9))
        y.assign(a + b); let line = #line
        expectError(m, line: line, "signedness mismatch in '+'")
    }

    @Test func undrivenOutput() {
        let m = Module("t")
        _ = m.input("a", .bool)
        _ = m.output("y", .bool); let line = #line
        expectError(m, line: line, "output 'y' is never driven")
    }

    @Test func undrivenWire() {
        let m = Module("t")
        let w = m.wire("w", .bool); let line = #line
        let y = m.output("y", .bool)
        y.assign(w)
        expectError(m, line: line, "wire 'w' is never driven")
    }

    @Test func wireNotDrivenOnEveryPath() {
        let m = Module("t")
        let c = m.input("c", .bool), a = m.input("a", .bool)
        let y = m.output("y", .bool)
        m.when(c) { y.assign(a) }; let line = #line
        expectError(m, line: line, "not driven on every path")
    }

    @Test func whenWithOtherwiseDrivesEveryPath() throws {
        let m = Module("t")
        let c = m.input("c", .bool), a = m.input("a", .bool)
        let y = m.output("y", .bool)
        m.when(c) { y.assign(a) }.otherwise { y.assign(~a) }
        _ = try Design.elaborate(m)
    }

    @Test func unconnectedInstanceInput() {
        let child = passModule("child")
        let top = Module("top")
        let inst = top.instance(child, "u0"); let line = #line
        top.output("y", .bool).assign(inst.o)
        expectError(top, line: line, "input 'i' of instance 'u0'")
    }

    /// A wrong port name does not compile (`inst.nope`); an interface member that is not a port
    /// is a diagnostic at the line that asks for it.
    @Test func nonPortInterfaceMember() {
        let child = passModule("child")
        let top = Module("top")
        let inst = top.instance(child, "u0")
        inst.i.assign(top.input("a", .bool))
        top.output("y", .bool).assign(inst.port(\.inverted)); let line = #line
        expectError(top, line: line, "is not a port of module 'child'")
    }

    /// Direction mix-ups on an instance are located diagnostics.
    @Test func drivingAnInstanceOutput() {
        let top = Module("top")
        let inst = top.instance(passModule("child"), "u0")
        inst.i.assign(top.input("a", .bool))
        inst.o.assign(top.input("b", .bool)); let line = #line
        expectError(top, line: line, "cannot assign to instance output 'u0_o'")
    }

    @Test func readingAnInstanceInput() {
        let top = Module("top")
        let inst = top.instance(passModule("child"), "u0")
        inst.i.assign(top.input("a", .bool))
        top.output("y", .bool).assign(inst.i); let line = #line
        expectError(top, line: line, "input 'i' of instance 'u0' is write-only")
    }

    @Test func multipleDrivers() {
        let m = Module("t")
        let a = m.input("a", .bool), b = m.input("b", .bool)
        let y = m.output("y", .bool)
        y.assign(a)
        y.assign(b); let line = #line
        expectError(m, line: line, "multiple drivers")
    }

    @Test func drivingAnInputIsRejected() {
        let m = Module("t")
        let a = m.input("a", .bool)
        m.output("y", .bool).assign(a)
        a.assign(0); let line = #line
        expectError(m, line: line, "cannot assign to input 'a'")
    }

    @Test func combinationalLoop() {
        let m = Module("t")
        let a = m.input("a", .bool)
        let w1 = m.wire("w1", .bool), w2 = m.wire("w2", .bool)
        w1.assign(w2 ^ a); let line = #line
        w2.assign(~w1)
        m.output("y", .bool).assign(w2)
        guard let e = elaborationError(m) else { Issue.record("loop not detected"); return }
        #expect(e.diagnostics[0].message.contains("combinational loop"))
        #expect(e.diagnostics[0].message.contains("w1") && e.diagnostics[0].message.contains("w2"))
        #expect([line, line + 1].contains(e.diagnostics[0].loc.line))
    }

    @Test func combinationalLoopThroughInstances() {
        // A pass-through child; the parent feeds its output back to its input.
        let top = Module("top")
        let u = top.instance(passModule("pass"), "u")
        u.i.assign(~u.o); let line = #line
        top.output("y", .bool).assign(u.o)
        guard let e = elaborationError(top) else { Issue.record("loop not detected"); return }
        #expect(e.diagnostics[0].message.contains("combinational loop"))
        #expect(e.diagnostics[0].message.contains("u.i") && e.diagnostics[0].message.contains("u.o"))
        #expect(e.diagnostics[0].loc.line == line)
    }

    @Test func registerBreaksLoop() throws {
        let m = Module("t")
        let q = m.reg("q", .bool, reset: 0)
        q.assign(~q)
        m.output("y", .bool).assign(q)
        _ = try Design.elaborate(m)
    }

    @Test func registeredChildOutputBreaksLoop() throws {
        let child = Module("flop")
        let io = child.ports(Pass())
        io.o.assign(child.reg("q", next: io.i, reset: 0))
        let top = Module("top")
        let u = top.instance(Definition(child, io), "u")
        u.i.assign(~u.o)
        top.output("y", .bool).assign(u.o)
        _ = try Design.elaborate(top)
    }

    @Test func duplicateNames() {
        let m = Module("t")
        let a = m.input("a", .bool)
        let w = m.wire("a", .bool); let line = #line
        w.assign(a)
        m.output("y", .bool).assign(a)
        expectError(m, line: line, "duplicate name 'a'")
    }

    @Test func keywordAndMalformedNames() {
        let m = Module("t")
        m.output("y", .bool).assign(m.input("reg", .bool)); let line = #line
        expectError(m, line: line, "Verilog keyword")
        let m2 = Module("t2")
        m2.output("y", .bool).assign(m2.input("1a", .bool)); let line2 = #line
        expectError(m2, line: line2, "not a Verilog identifier")
    }

    @Test func systemVerilogKeywordsAreRejected() {
        // Verilator reserves SystemVerilog keywords even in Verilog-2005 files.
        let m = Module("t")
        m.output("cross", .bool).assign(m.input("a", .bool)); let line = #line
        expectError(m, line: line, "Verilog keyword")
    }

    @Test func reservedClockResetNames() {
        let m = Module("t")
        m.output("y", .bool).assign(m.input("clk", .bool)); let line = #line
        expectError(m, line: line, "reserved")
    }

    @Test func dynamicIndexOutOfRange() {
        let m = Module("t")
        let v = m.input("v", .uint(8), count: 5)
        let i = m.input("i", .uint(3))
        m.output("y", .uint(8)).assign(v[i]); let line = #line
        expectError(m, line: line, "can address 8 elements but the vector has 5")
    }

    @Test func staticIndexOutOfRangeIsAnErrorNotATrap() {
        let m = Module("t")
        let v = m.input("v", .uint(8), count: 5)
        m.output("y", .uint(8)).assign(v[5]); let line = #line
        expectError(m, line: line, "vector index 5 is outside 0..<5")
    }

    @Test func dynamicIndexWithDefaultIsAccepted() throws {
        let m = Module("t")
        let v = m.input("v", .uint(8), count: 5)
        let i = m.input("i", .uint(3))
        m.output("y", .uint(8)).assign(v.select(i, default: m.const(0, .uint(8))))
        _ = try Design.elaborate(m)
    }

    @Test func zeroWidthIsRejected() {
        let m = Module("t")
        let a = m.input("a", .uint(0)); let line = #line
        m.output("y", .uint(0)).assign(a)
        expectError(m, line: line, "width 0 is not positive")
    }

    @Test func constantThatDoesNotFit() {
        let m = Module("t")
        let y = m.output("y", .uint(4))
        y.assign(16); let line = #line
        expectError(m, line: line, "does not fit UInt(4)")
    }

    @Test func switchArmThatDoesNotFit() {
        let m = Module("t")
        let s = m.input("s", .uint(2))
        let y = m.output("y", .uint(2))
        y.assign(0)
        m.switch(s) {
            $0.is(7) { }; let line = #line
            expectError(m, line: line, "does not fit selector")
        }
    }

    @Test func elseWhenMustFollowItsWhen() {
        let m = Module("t")
        let c = m.input("c", .bool)
        let y = m.output("y", .bool)
        let chain = m.when(c) { y.assign(1) }
        m.when(~c) { y.assign(0) }
        chain.otherwise { }; let line = #line
        expectError(m, line: line, "does not directly follow")
    }

    @Test func selfInstantiation() {
        let m = Module("rec")
        let io = m.ports(Pass())
        let u = m.instance(Definition(m, io), "again"); let line = #line
        u.i.assign(io.i)
        io.o.assign(io.i)
        expectError(m, line: line, "instantiates itself")
    }

    @Test func signalsFromAnotherModule() {
        let other = Module("other")
        let x = other.input("x", .bool)
        let m = Module("t")
        m.output("y", .bool).assign(x); let line = #line
        expectError(m, line: line, "mixes signals of modules")
    }

    @Test func registerNeverAssigned() {
        let m = Module("t")
        let q = m.reg("q", .bool, reset: 0); let line = #line
        m.output("y", .bool).assign(q)
        expectError(m, line: line, "never assigned")
    }

    @Test func memoryAddressWidth() {
        let m = Module("t")
        let mem = m.memory("store", .uint(8), depth: 16)
        let a = m.input("a", .uint(3))
        m.output("y", .uint(8)).assign(mem.read(a)); let line = #line
        expectError(m, line: line, "must be UInt(4)")
    }

    @Test func allProblemsAreReported() throws {
        let m = Module("t")
        let a = m.input("a", .uint(9))
        m.output("y", .uint(8)).assign(a)
        _ = m.output("z", .bool)
        let e = try #require(elaborationError(m))
        #expect(e.diagnostics.count == 2)
        #expect(e.description.contains("(and 1 more)"))
    }
}
