import HWCore
import Testing

struct Mixed: Interface {
    @Input(.bool) var inValid: Signal
    @Input(.uint(8), name: "rst_n") var resetLow: Signal
    @Input(.sint(4), count: 3) var laneX: Vec
    @Input(.uint(2), count: 2, lanes: 3) var grid: [Vec]
    @Output(.bool) var axiARValid: Signal
    @Output(.uint(5)) var out2: Signal
    let note = "not a port"
}

@Suite struct InterfaceTests {
    @Test func portsAreNamedAfterThePropertiesInDeclarationOrder() throws {
        let m = Module("mixed")
        let io = m.ports(Mixed())
        #expect(io.laneX.count == 3 && io.grid.count == 2 && io.grid[1].count == 3)
        io.axiARValid.assign(io.inValid)
        io.out2.assign(cat(io.grid[1][2], io.laneX[0].asUInt.truncated(to: 3)))
        let d = try Design.elaborate(m)
        #expect(d.manifest.ports.map(\.name) == ["in_valid", "rst_n", "lane_x", "grid", "axi_ar_valid", "out2"])
        let grid = try #require(d.manifest.ports.first { $0.name == "grid" })
        #expect(grid.packing?.dims == [2, 3] && grid.width == 12)
    }

    @Test func definitionNamesItsPorts() {
        let m = Module("mixed")
        let io = m.ports(Mixed())
        let d = Definition(m, io)
        #expect(d.portNames(\.laneX) == ["lane_x"])
        #expect(d.portNames(\.resetLow) == ["rst_n"])
        #expect(d.portNames(\.axiARValid) == ["axi_ar_valid"])
    }

    @Test func anInterfaceValueIsDeclaredOnce() {
        let m = Module("a")
        let io = m.ports(Pass())
        io.o.assign(io.i)
        let n = Module("b")
        n.ports(io); let line = #line
        expectError(n, line: line, "already declared on module 'a'")
    }

    @Test func aPortReadBeforeBindingIsADiagnostic() {
        let m = Module("t")
        let loose = Pass()
        m.output("y", .bool).assign(loose.i); let line = #line
        expectError(m, line: line, "unbound interface port")
    }

    @Test func gridWiringChecksLengths() {
        let top = Module("top")
        let grid = InstanceGrid(in: top, of: passModule("p"), rows: 2, cols: 3) { r, c in "u_\(r)_\(c)" }
        grid.broadcastAlongRows(\.i, [top.input("a", .bool)]); let line = #line
        expectError(top, line: line, "broadcast along rows needs 2 values, got 1")
    }

    @Test func gridChainsAndCollects() throws {
        let top = Module("top")
        let grid = InstanceGrid(in: top, of: passModule("p", .uint(4)), rows: 2, cols: 3) { r, c in "u_\(r)_\(c)" }
        let east = grid.chainRows(\.o, to: \.i, entering: [top.input("a", .uint(4)), top.input("b", .uint(4))])
        #expect(east.count == 2)
        top.output("y", .uint(4)).assign(east[1])
        #expect(grid.collect(\.o).map(\.count) == [3, 3])
        let d = try Design.elaborate(top)
        #expect(d.verilog.contains(".i(u_1_1_o)"))
    }
}
