import Cosim
import Flow
import HWCore
import TestSupport
import Testing

// Memories in their three port configurations (simple dual port, single port, true dual port),
// with and without write lanes: emitted text, misuse diagnostics, behaviour on iverilog and
// Verilator against a reference model written from the documented rules, and block RAM
// inference in yosys for Xilinx 7-series and Lattice ECP5.

/// Builders of the memories under test. Port names: `addr_a`, `wdata_a`, `we_a`, `lanes_a`,
/// `en_a` (and `_b`); outputs `rdata...`.
enum MemoryFixtures {
    struct PortInputs {
        let addr, wdata, we, en: Signal
        let lanes: Signal?
    }

    static func port(_ m: Module, _ suffix: String, addressWidth: Int, width: Int, lanes: Int?) -> PortInputs {
        PortInputs(addr: m.input("addr" + suffix, .uint(addressWidth)), wdata: m.input("wdata" + suffix, .uint(width)),
                   we: m.input("we" + suffix, .bool), en: m.input("en" + suffix, .bool),
                   lanes: lanes.map { m.input("lanes" + suffix, .uint($0)) })
    }

    /// One memory of the given configuration with its ports on the module's ports. Simple dual
    /// port: writes with port A's inputs (`en_a && we_a`), reads with port B's (`addr_b`, `en_b`).
    static func module(_ name: String, _ ports: MemoryPorts, width: Int, depth: Int, laneWidth: Int?, initial: [Int]? = nil) -> Module {
        let m = Module(name)
        let aw = max(1, ceilLog2(depth))
        let lanes = laneWidth.map { width / $0 }
        let mem = m.memory("ram", .uint(width), depth: depth, ports: ports, laneWidth: laneWidth, initial: initial)
        let a = port(m, "_a", addressWidth: aw, width: width, lanes: lanes)
        let b = ports == .singlePort ? nil : port(m, "_b", addressWidth: aw, width: width, lanes: lanes)
        add(mem, m, a, b)
        return m
    }

    /// Adds `mem`'s ports driven by `a` (and `b`) and outputs `<mem>_q` (`_qa`, `_qb`).
    static func add(_ mem: Memory, _ m: Module, _ a: PortInputs, _ b: PortInputs?) {
        switch mem.ports {
        case .simpleDualPort:
            mem.write(a.addr, a.wdata, lanes: a.lanes, enable: a.en && a.we)
            let q = mem.read(b!.addr, enable: b!.en)
            m.output(mem.name + "_q", q.type).assign(q)
        case .singlePort:
            let q = mem.readWrite(a.addr, writeData: a.wdata, writeEnable: a.we, lanes: a.lanes, enable: a.en)
            m.output(mem.name + "_q", q.type).assign(q)
        case .trueDualPort:
            let qa = mem.readWrite(a.addr, writeData: a.wdata, writeEnable: a.we, lanes: a.lanes, enable: a.en)
            let qb = mem.readWrite(b!.addr, writeData: b!.wdata, writeEnable: b!.we, lanes: b!.lanes, enable: b!.en)
            m.output(mem.name + "_qa", qa.type).assign(qa)
            m.output(mem.name + "_qb", qb.type).assign(qb)
        }
    }
}

/// Reference semantics of one memory, from the rules documented on ``MemoryPorts``: reads see
/// the words before this edge's writes; a true-dual-port write by B wins over A's; a read of a
/// word the other port writes in the same cycle is undefined (nil here) in the lanes written.
struct MemoryModel {
    struct Port { var addr = 0, wdata = 0, we = false, lanes = -1, en = false }
    let ports: MemoryPorts
    let laneWidth: Int
    let laneCount: Int
    var words: [Int]
    /// Read data registers (one for simple dual and single port, two for true dual port);
    /// nil while undefined.
    var q: [Int?]

    init(_ ports: MemoryPorts, width: Int, laneWidth: Int?, initial: [Int]) {
        self.ports = ports
        self.laneWidth = laneWidth ?? width
        laneCount = width / self.laneWidth
        words = initial
        q = ports == .trueDualPort ? [nil, nil] : [nil]
    }

    /// Bit mask of the lanes set in `lanes` (-1: every lane).
    func bits(_ lanes: Int) -> Int {
        var m = 0
        for i in 0..<laneCount where lanes == -1 || (lanes >> i) & 1 == 1 { m |= ((1 << laneWidth) - 1) << (i * laneWidth) }
        return m
    }

    mutating func write(_ p: Port) {
        let m = bits(p.lanes)
        words[p.addr] = (words[p.addr] & ~m) | (p.wdata & m)
    }

    /// One clock edge with port inputs `a` and `b`.
    mutating func edge(_ a: Port, _ b: Port) {
        switch ports {
        case .simpleDualPort:
            if b.en { q[0] = words[b.addr] }
            if a.en && a.we { write(a) }
        case .singlePort:
            if a.en { q[0] = words[a.addr] }
            if a.en && a.we { write(a) }
        case .trueDualPort:
            for (i, (p, other)) in [(a, b), (b, a)].enumerated() where p.en {
                let collides = other.en && other.we && other.addr == p.addr && bits(other.lanes) != 0
                q[i] = collides ? nil : words[p.addr]
            }
            if a.en && a.we { write(a) }
            if b.en && b.we { write(b) }  // B after A: B wins
        }
    }
}


/// Body of module `name` in `verilog` with location comments removed (as in EmitterTests).
func memoryModuleBody(_ verilog: String, module name: String) -> String {
    let lines = verilog.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let start = lines.firstIndex(where: { $0.hasPrefix("module \(name) ") }) else { return "" }
    let end = lines[start...].firstIndex(of: "endmodule")!
    return lines[start...end].map { line in
        if let r = line.range(of: "  // HWCoreTests/") { return String(line[..<r.lowerBound]) }
        return line
    }.joined(separator: "\n")
}

@Suite struct MemoryEmitterTests {
    @Test func singlePortWithLanesText() throws {
        let d = try Design.elaborate(MemoryFixtures.module("sp_l", .singlePort, width: 16, depth: 8, laneWidth: 8))
        #expect(memoryModuleBody(d.verilog, module: "sp_l") == """
        module sp_l (
          input  wire clk,
          input  wire [2:0] addr_a,
          input  wire [15:0] wdata_a,
          input  wire we_a,
          input  wire en_a,
          input  wire [1:0] lanes_a,
          output wire [15:0] ram_q
        );
          reg  [15:0] ram_rdata;
          reg  [15:0] ram [0:7];
          assign ram_q = ram_rdata;
          always @(posedge clk) begin
            if (en_a & we_a) begin
              if (lanes_a[0]) ram[addr_a][7:0] <= wdata_a[7:0];
              if (lanes_a[1]) ram[addr_a][15:8] <= wdata_a[15:8];
            end
            if (en_a) ram_rdata <= ram[addr_a];
          end
        endmodule
        """)
        if edaEnabled { try expectClean(d) }
    }

    @Test func trueDualPortWithLanesText() throws {
        let d = try Design.elaborate(MemoryFixtures.module("tdp_l", .trueDualPort, width: 16, depth: 8, laneWidth: 8))
        #expect(memoryModuleBody(d.verilog, module: "tdp_l") == """
        module tdp_l (
          input  wire clk,
          input  wire [2:0] addr_a,
          input  wire [15:0] wdata_a,
          input  wire we_a,
          input  wire en_a,
          input  wire [1:0] lanes_a,
          input  wire [2:0] addr_b,
          input  wire [15:0] wdata_b,
          input  wire we_b,
          input  wire en_b,
          input  wire [1:0] lanes_b,
          output wire [15:0] ram_qa,
          output wire [15:0] ram_qb
        );
          reg  [15:0] ram_a_rdata;
          reg  [15:0] ram_b_rdata;
          reg  [15:0] ram [0:7];
          assign ram_qa = ram_a_rdata;
          assign ram_qb = ram_b_rdata;
          wire ram_a_we_t0 = en_a & we_a;
          wire ram_b_we_t0 = en_b & we_b;
          wire ram_collision_t0 = addr_a == addr_b;
          always @(posedge clk) begin
            if (ram_a_we_t0) begin
              if (lanes_a[0]) ram[addr_a][7:0] <= wdata_a[7:0];
              if (lanes_a[1]) ram[addr_a][15:8] <= wdata_a[15:8];
            end
            if (en_a) begin
              ram_a_rdata <= ram[addr_a];
              if ((ram_b_we_t0 & lanes_b[0]) & ram_collision_t0) ram_a_rdata[7:0] <= 8'bx;
              if ((ram_b_we_t0 & lanes_b[1]) & ram_collision_t0) ram_a_rdata[15:8] <= 8'bx;
            end
            if (ram_b_we_t0) begin
              if (lanes_b[0]) ram[addr_b][7:0] <= wdata_b[7:0];
              if (lanes_b[1]) ram[addr_b][15:8] <= wdata_b[15:8];
            end
            if (en_b) begin
              ram_b_rdata <= ram[addr_b];
              if ((ram_a_we_t0 & lanes_a[0]) & ram_collision_t0) ram_b_rdata[7:0] <= 8'bx;
              if ((ram_a_we_t0 & lanes_a[1]) & ram_collision_t0) ram_b_rdata[15:8] <= 8'bx;
            end
          end
        endmodule
        """)
        if edaEnabled { try expectClean(d) }
    }

    @Test func trueDualPortText() throws {
        let d = try Design.elaborate(MemoryFixtures.module("tdp_w", .trueDualPort, width: 8, depth: 4, laneWidth: nil))
        #expect(memoryModuleBody(d.verilog, module: "tdp_w") == """
        module tdp_w (
          input  wire clk,
          input  wire [1:0] addr_a,
          input  wire [7:0] wdata_a,
          input  wire we_a,
          input  wire en_a,
          input  wire [1:0] addr_b,
          input  wire [7:0] wdata_b,
          input  wire we_b,
          input  wire en_b,
          output wire [7:0] ram_qa,
          output wire [7:0] ram_qb
        );
          reg  [7:0] ram_a_rdata;
          reg  [7:0] ram_b_rdata;
          reg  [7:0] ram [0:3];
          assign ram_qa = ram_a_rdata;
          assign ram_qb = ram_b_rdata;
          wire ram_a_we_t0 = en_a & we_a;
          wire ram_b_we_t0 = en_b & we_b;
          wire ram_collision_t0 = addr_a == addr_b;
          always @(posedge clk) begin
            if (ram_a_we_t0) ram[addr_a] <= wdata_a;
            if (en_a) begin
              ram_a_rdata <= ram[addr_a];
              if (ram_b_we_t0 & ram_collision_t0) ram_a_rdata <= 8'bx;
            end
            if (ram_b_we_t0) ram[addr_b] <= wdata_b;
            if (en_b) begin
              ram_b_rdata <= ram[addr_b];
              if (ram_a_we_t0 & ram_collision_t0) ram_b_rdata <= 8'bx;
            end
          end
        endmodule
        """)
        if edaEnabled { try expectClean(d) }
    }

    @Test func simpleDualPortWithLanesText() throws {
        let d = try Design.elaborate(MemoryFixtures.module("sdp_l", .simpleDualPort, width: 16, depth: 8, laneWidth: 8))
        #expect(memoryModuleBody(d.verilog, module: "sdp_l") == """
        module sdp_l (
          input  wire clk,
          input  wire [2:0] addr_a,
          input  wire [15:0] wdata_a,
          input  wire we_a,
          input  wire en_a,
          input  wire [1:0] lanes_a,
          input  wire [2:0] addr_b,
          input  wire [15:0] wdata_b,
          input  wire we_b,
          input  wire en_b,
          input  wire [1:0] lanes_b,
          output wire [15:0] ram_q
        );
          reg  [15:0] ram_rdata;
          reg  [15:0] ram [0:7];
          assign ram_q = ram_rdata;
          always @(posedge clk) begin
            if (en_a & we_a) begin
              if (lanes_a[0]) ram[addr_a][7:0] <= wdata_a[7:0];
              if (lanes_a[1]) ram[addr_a][15:8] <= wdata_a[15:8];
            end
            if (en_b) ram_rdata <= ram[addr_b];
          end
          // Bits no logic reads (unconnected outputs, unread port bits), kept lint-clean.
          /* verilator lint_off UNUSED */
          wire _unused = &{1'b0, wdata_b, we_b, lanes_b, 1'b0};
          /* verilator lint_on UNUSED */
        endmodule
        """)
        if edaEnabled { try expectClean(d) }
    }

    /// Bit enables (lane width 1), a single lane, and ports under `when` without an enable.
    @Test func edgeCaseForms() throws {
        let m = Module("mem_edges")
        let a = m.input("a", .uint(2)), d4 = m.input("d4", .uint(4)), d8 = m.input("d8", .uint(8))
        let we = m.input("we", .bool), go = m.input("go", .bool)
        let bits = m.memory("bits", .uint(4), depth: 4, ports: .singlePort, laneWidth: 1)
        m.output("qb", .uint(4)).assign(bits.readWrite(a, writeData: d4, writeEnable: we, lanes: m.input("mask", .uint(4))))
        let one = m.memory("one", .uint(8), depth: 4, ports: .trueDualPort, laneWidth: 8)
        let l1 = m.input("l1", .bool)
        var q1: Signal?
        m.when(go) { q1 = one.readWrite(a, writeData: d8, writeEnable: we, lanes: l1) }
        m.output("q1", .uint(8)).assign(q1!)
        m.output("q2", .uint(8)).assign(one.readWrite(~a, writeData: ~d8, writeEnable: !we, lanes: m.input("l2", .bool)))
        let d = try Design.elaborate(m)
        #expect(d.verilog.contains("if (mask[3]) bits[a][3] <= d4[3];"))
        #expect(d.verilog.contains("if (l1) one[a] <= d8;"))
        #expect(d.verilog.contains("wire [1:0] one_b_addr_t0 = ~a;"))
        #expect(d.verilog.contains("    if (go) begin\n      one_a_rdata <= one[a];"))
        if edaEnabled { try expectClean(d) }
    }

    @Test func emissionIsDeterministic() throws {
        let a = try Design.elaborate(MemoryFixtures.module("tdp_l", .trueDualPort, width: 16, depth: 8, laneWidth: 8))
        let b = try Design.elaborate(MemoryFixtures.module("tdp_l", .trueDualPort, width: 16, depth: 8, laneWidth: 8))
        #expect(a.verilog == b.verilog)
    }
}

/// Misuse of memories is a diagnostic at the user's line, never a trap.
@Suite struct MemoryCheckTests {
    @Test func readOnSinglePort() {
        let m = Module("t")
        let mem = m.memory("ram", .uint(8), depth: 16, ports: .singlePort)
        m.output("y", .uint(8)).assign(mem.read(m.input("a", .uint(4)))); let line = #line
        expectError(m, line: line, "is single-port: use readWrite")
    }

    @Test func writeOnTrueDualPort() {
        let m = Module("t")
        let mem = m.memory("ram", .uint(8), depth: 16, ports: .trueDualPort)
        mem.write(m.input("a", .uint(4)), m.input("d", .uint(8))); let line = #line
        expectError(m, line: line, "is true dual port: use readWrite")
    }

    @Test func readWriteOnSimpleDualPort() {
        let m = Module("t")
        let mem = m.memory("ram", .uint(8), depth: 16)
        let q = mem.readWrite(m.input("a", .uint(4)), writeData: m.input("d", .uint(8)), writeEnable: m.input("we", .bool)); let line = #line
        m.output("y", .uint(8)).assign(q)
        expectError(m, line: line, "is simple dual port: use read and write")
    }

    @Test func secondPortOfSinglePort() {
        let m = Module("t")
        let mem = m.memory("ram", .uint(8), depth: 16, ports: .singlePort)
        let a = m.input("a", .uint(4)), d = m.input("d", .uint(8)), we = m.input("we", .bool)
        m.output("y", .uint(8)).assign(mem.readWrite(a, writeData: d, writeEnable: we))
        m.output("z", .uint(8)).assign(mem.readWrite(a, writeData: d, writeEnable: we)); let line = #line
        expectError(m, line: line, "single-port and already has its port")
    }

    @Test func thirdPortOfTrueDualPort() {
        let m = Module("t")
        let mem = m.memory("ram", .uint(8), depth: 16, ports: .trueDualPort)
        let a = m.input("a", .uint(4)), d = m.input("d", .uint(8)), we = m.input("we", .bool)
        for k in 0..<2 { m.output("y\(k)", .uint(8)).assign(mem.readWrite(a, writeData: d, writeEnable: we)) }
        m.output("z", .uint(8)).assign(mem.readWrite(a, writeData: d, writeEnable: we)); let line = #line
        expectError(m, line: line, "already has ports A")
    }

    @Test func trueDualPortNeedsPortB() {
        let m = Module("t")
        let mem = m.memory("ram", .uint(8), depth: 16, ports: .trueDualPort); let line = #line
        m.output("y", .uint(8)).assign(mem.readWrite(m.input("a", .uint(4)), writeData: m.input("d", .uint(8)), writeEnable: m.input("we", .bool)))
        expectError(m, line: line, "has only port A")
    }

    @Test func laneMaskWidth() {
        let m = Module("t")
        let mem = m.memory("ram", .uint(32), depth: 16, laneWidth: 8)
        mem.write(m.input("a", .uint(4)), m.input("d", .uint(32)), lanes: m.input("l", .uint(3))); let line = #line
        m.output("y", .uint(32)).assign(mem.read(m.input("ra", .uint(4))))
        expectError(m, line: line, "must be UInt(4) (one bit per 8-bit lane), not UInt(3)")
    }

    @Test func laneMaskWithoutLanes() {
        let m = Module("t")
        let mem = m.memory("ram", .uint(16), depth: 16, ports: .singlePort)
        let line = #line + 1
        let q = mem.readWrite(m.input("a", .uint(4)), writeData: m.input("d", .uint(16)), writeEnable: m.input("we", .bool),
                              lanes: m.input("l", .uint(2)))
        m.output("y", .uint(16)).assign(q)
        expectError(m, line: line, "has no write lanes")
    }

    @Test func elementNotMultipleOfLaneWidth() {
        let m = Module("t")
        let mem = m.memory("ram", .uint(12), depth: 16, laneWidth: 8); let line = #line
        mem.write(m.input("a", .uint(4)), m.input("d", .uint(12)))
        m.output("y", .uint(12)).assign(mem.read(m.input("ra", .uint(4))))
        expectError(m, line: line, "element width 12 is not a multiple of the lane width 8")
    }

    @Test func readWriteAddressWidth() {
        let m = Module("t")
        let mem = m.memory("ram", .uint(8), depth: 16, ports: .singlePort)
        let q = mem.readWrite(m.input("a", .uint(5)), writeData: m.input("d", .uint(8)), writeEnable: m.input("we", .bool)); let line = #line
        m.output("y", .uint(8)).assign(q)
        expectError(m, line: line, "must be UInt(4), not UInt(5)")
    }

    @Test func readWriteDataType() {
        let m = Module("t")
        let mem = m.memory("ram", .uint(8), depth: 16, ports: .singlePort)
        let q = mem.readWrite(m.input("a", .uint(4)), writeData: m.input("d", .sint(8)), writeEnable: m.input("we", .bool)); let line = #line
        m.output("y", .uint(8)).assign(q)
        expectError(m, line: line, "write data of type SInt(8) does not match")
    }

    @Test func writeEnableMustBeBool() {
        let m = Module("t")
        let mem = m.memory("ram", .uint(8), depth: 16, ports: .singlePort)
        let q = mem.readWrite(m.input("a", .uint(4)), writeData: m.input("d", .uint(8)), writeEnable: m.input("we", .uint(2))); let line = #line
        m.output("y", .uint(8)).assign(q)
        expectError(m, line: line, "write enable must be a Bool")
    }
}

/// The documented read-during-write, lane and collision rules, on iverilog and Verilator.
@Suite(.enabled(if: edaEnabled, edaNote)) struct MemorySemanticsTests {
    typealias Row = [String: UInt64]

    static func vector(_ a: MemoryModel.Port, _ b: MemoryModel.Port) -> Row {
        var v: Row = [:]
        for (s, p) in [("_a", a), ("_b", b)] {
            v["addr" + s] = UInt64(p.addr); v["wdata" + s] = UInt64(p.wdata)
            v["we" + s] = p.we ? 1 : 0; v["en" + s] = p.en ? 1 : 0; v["lanes" + s] = UInt64(p.lanes & 3)
        }
        return v
    }

    /// Every configuration in one module (so one Verilator build): `sdp`, `sp`, `tdp` with two
    /// 8-bit lanes of a 16-bit word, `tdpw` without lanes; depth 8.
    static func mixed() -> (Module, [String: MemoryModel]) {
        let m = Module("mem_mix")
        let a = MemoryFixtures.port(m, "_a", addressWidth: 3, width: 16, lanes: 2)
        let b = MemoryFixtures.port(m, "_b", addressWidth: 3, width: 16, lanes: 2)
        let whole = { (p: MemoryFixtures.PortInputs) in MemoryFixtures.PortInputs(addr: p.addr, wdata: p.wdata, we: p.we, en: p.en, lanes: nil) }
        var models: [String: MemoryModel] = [:]
        for (k, (name, ports, lanes)) in [("sdp", MemoryPorts.simpleDualPort, true), ("sp", .singlePort, true),
                                          ("tdp", .trueDualPort, true), ("tdpw", .trueDualPort, false)].enumerated() {
            let initial = (0..<8).map { 0x1000 * (k + 1) + 0x0101 * $0 }
            let mem = m.memory(name, .uint(16), depth: 8, ports: ports, laneWidth: lanes ? 8 : nil, initial: initial)
            MemoryFixtures.add(mem, m, lanes ? a : whole(a), lanes ? b : whole(b))
            models[name] = MemoryModel(ports, width: 16, laneWidth: lanes ? 8 : nil, initial: initial)
        }
        return (m, models)
    }

    /// Random port inputs over few addresses (so ports collide often) and the expected outputs
    /// per row (nil: undefined), rows as IverilogSim and Simulator report them (before the edge).
    static func run(_ models: [String: MemoryModel], cycles: Int) -> ([Row], [[String: Int?]]) {
        var models = models
        var rng = SplitMix64(seed: 29)
        func port() -> MemoryModel.Port {
            MemoryModel.Port(addr: rng.int(0...9) < 8 ? rng.int(0...2) : rng.int(0...7), wdata: rng.int(0...0xFFFF),
                             we: rng.int(0...1) == 1, lanes: rng.int(0...3), en: rng.int(0...3) != 0)
        }
        var vectors: [Row] = []
        var expected: [[String: Int?]] = []
        for _ in 0..<cycles {
            var row: [String: Int?] = [:]
            for (name, model) in models {
                switch model.ports {
                case .trueDualPort: row[name + "_qa"] = model.q[0]; row[name + "_qb"] = model.q[1]
                default: row[name + "_q"] = model.q[0]
                }
            }
            expected.append(row)
            let a = port(), b = port()
            vectors.append(vector(a, b))
            for name in models.keys {
                let lanes = name == "tdpw"
                var a1 = a, b1 = b
                if lanes { a1.lanes = -1; b1.lanes = -1 }
                models[name]!.edge(a1, b1)
            }
        }
        return (vectors, expected)
    }

    @Test func allConfigurationsMatchTheModelOnIverilogAndVerilator() throws {
        let (m, models) = Self.mixed()
        let d = try Design.elaborate(m)
        try expectClean(d)
        let (vectors, expected) = Self.run(models, cycles: 400)
        // iverilog: an undefined read shows X bits, so the output is absent from its row.
        let rows = try IverilogSim.run(d, vectors: vectors)
        var undefinedSeen = 0
        for (i, exp) in expected.enumerated() {
            for (name, value) in exp {
                #expect(rows[i][name] == value.map { UInt64($0) }, "iverilog cycle \(i) \(name)")
                if value == nil && i > 2 { undefinedSeen += 1 }
            }
        }
        #expect(undefinedSeen > 10, "the stimulus should exercise true-dual-port collisions")
        // Verilator (two-state): every defined value.
        let sim = try Simulator(try ModelBuilder.build(d))
        let inputs = try vectors[0].keys.sorted().map { ($0, try sim.port($0)) }
        let outputs = try expected[0].keys.sorted().map { ($0, try sim.port($0)) }
        for (i, v) in vectors.enumerated() {
            for (name, p) in inputs { sim.poke(p, v[name]!) }
            try sim.settle()
            for (name, p) in outputs {
                if let e = expected[i][name]!, sim.peek(p) != UInt64(e) {
                    Issue.record("verilator cycle \(i) \(name): \(sim.peek(p)) != \(e)")
                }
            }
            try sim.edge()
        }
    }

    @Test func singlePortIsReadFirstAndWritesOnlySelectedLanes() throws {
        let d = try Design.elaborate(MemoryFixtures.module("sp_rf", .singlePort, width: 16, depth: 4, laneWidth: 8,
                                                           initial: [0xA0A0, 0xB1B1, 0xC2C2, 0xD3D3]))
        let P = MemoryModel.Port.self
        let steps: [(MemoryModel.Port, UInt64?)] = [
            (P.init(addr: 1, wdata: 0x1234, we: true, lanes: 0b10, en: true), nil),  // write lane 1 only
            (P.init(addr: 1, en: true), 0xB1B1),                                    // the read of the write cycle: old word
            (P.init(addr: 2, en: false), 0x12B1),                                   // lane 0 kept
            (P.init(addr: 2, wdata: 0xFFFF, we: true, lanes: 0b11, en: false), 0x12B1),  // disabled: holds, no write
            (P.init(addr: 2, en: true), 0x12B1),
            (P.init(addr: 0, en: true), 0xC2C2),
        ]
        let rows = try IverilogSim.run(d, vectors: steps.map { Self.vector($0.0, P.init()) }.map { $0.filter { $0.key.hasSuffix("_a") } })
        for (i, (_, q)) in steps.enumerated() { #expect(rows[i]["ram_q"] == q, "cycle \(i)") }
    }

    @Test func trueDualPortCollisions() throws {
        let d = try Design.elaborate(MemoryFixtures.module("tdp_col", .trueDualPort, width: 16, depth: 4, laneWidth: 8,
                                                           initial: [0xA0A0, 0xB1B1, 0xC2C2, 0xD3D3]))
        let P = MemoryModel.Port.self
        // (port A, port B, expected qa, expected qb before the edge; nil = X)
        let steps: [(MemoryModel.Port, MemoryModel.Port, UInt64?, UInt64?)] = [
            // Both write word 1: A every lane, B lane 0. B wins lane 0; each read collides with the other's write.
            (P.init(addr: 1, wdata: 0x1111, we: true, lanes: 0b11, en: true), P.init(addr: 1, wdata: 0x2222, we: true, lanes: 0b01, en: true), nil, nil),
            (P.init(addr: 1, en: true), P.init(addr: 1, en: true), nil, nil),
            // A writes lane 1 of word 2 (reads the old word); B reads word 3.
            (P.init(addr: 2, wdata: 0xABCD, we: true, lanes: 0b10, en: true), P.init(addr: 3, en: true), 0x1122, 0x1122),
            (P.init(addr: 2, en: true), P.init(addr: 2, en: false), 0xC2C2, 0xD3D3),
            // A writes lane 0 of word 0 while B reads it: B's read is undefined.
            (P.init(addr: 0, wdata: 0x5555, we: true, lanes: 0b01, en: true), P.init(addr: 0, en: true), 0xABC2, 0xD3D3),
            (P.init(addr: 0, en: false), P.init(addr: 0, en: true), 0xA0A0, nil),
            (P.init(), P.init(), 0xA0A0, 0xA055),
        ]
        let rows = try IverilogSim.run(d, vectors: steps.map { Self.vector($0.0, $0.1) })
        for (i, s) in steps.enumerated() {
            #expect(rows[i]["ram_qa"] == s.2, "cycle \(i) port A")
            #expect(rows[i]["ram_qb"] == s.3, "cycle \(i) port B")
        }
    }
}

/// Each configuration, with and without byte lanes, at a size meant for block RAM, maps to
/// block RAM in yosys 0.23: `synth_xilinx` (RAMB18E1/RAMB36E1, no distributed RAM) and
/// `synth_ecp5` (DP16KD), with few flip-flops (a fallback to flip-flops would need 16k+).
///
/// A simple-dual-port memory reads the old word when it reads the address being written; ECP5
/// block RAM cannot give that across its two ports, so yosys adds its read-first emulation
/// there (about width + address + 20 flip-flops, still one block RAM). A true-dual-port
/// memory leaves that cross-port collision undefined for exactly this reason.
///
/// Cells with yosys 0.23 (1024 deep; `w32_l8`: 32 bits in four 8-bit lanes; LUTs are the
/// read-first emulation on ECP5 and port B's write priority for true dual port):
///
///     config          synth_xilinx                    synth_ecp5
///     sdp_w16         RAMB18E1 1, LUT 1               DP16KD 1, FF 44, LUT4 37
///     sdp_w32_l8      RAMB36E1 1, LUT 4               DP16KD 2, FF 82, LUT4 76
///     sp_w16          RAMB18E1 1, LUT 1               DP16KD 1, LUT4 1
///     sp_w32_l8       RAMB36E1 1, LUT 4               DP16KD 2, LUT4 6
///     tdp_w16         RAMB18E1 1, LUT 9 (+MUXF 6)     DP16KD 1, LUT4 14
///     tdp_w32_l8      RAMB36E1 1, LUT 17 (+MUXF 3)    DP16KD 2, LUT4 31
@Suite(.enabled(if: edaEnabled, edaNote)) struct MemoryInferenceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let ports: MemoryPorts
        let width: Int
        let laneWidth: Int?
        var name: String {
            let p = ports == .simpleDualPort ? "sdp" : ports == .singlePort ? "sp" : "tdp"
            return "ram_\(p)_w\(width)" + (laneWidth.map { "_l\($0)" } ?? "")
        }
        var testDescription: String { name }
    }

    static let cases: [Case] = [MemoryPorts.simpleDualPort, .singlePort, .trueDualPort].flatMap {
        [Case(ports: $0, width: 16, laneWidth: nil), Case(ports: $0, width: 32, laneWidth: 8)]
    }

    static func flops(_ cells: [String: Int]) -> Int {
        cells.filter { $0.key.hasPrefix("FD") || $0.key == "TRELLIS_FF" || $0.key.hasPrefix("$_DFF") || $0.key.hasPrefix("$_SDFF") }
            .values.reduce(0, +)
    }

    @Test(arguments: cases, ["xilinx", "ecp5"])
    func infersBlockRAM(_ c: Case, _ target: String) throws {
        let d = try Design.elaborate(MemoryFixtures.module(c.name, c.ports, width: c.width, depth: 1024, laneWidth: c.laneWidth))
        let r = try EDATools.yosysSynth(d.verilog, top: d.top, script: "synth_\(target) -top \(d.top)")
        #expect(r.result.succeeded, "\(r.result.output)")
        let cells = r.cells
        if target == "xilinx" {
            #expect(cells.keys.contains { $0 == "RAMB18E1" || $0 == "RAMB36E1" }, "cells: \(cells)")
            #expect(!cells.keys.contains { $0.hasPrefix("RAM32") || $0.hasPrefix("RAM64") || $0.hasPrefix("RAM128") || $0.hasPrefix("RAM256") },
                    "distributed RAM: \(cells)")
        } else {
            #expect(cells["DP16KD", default: 0] >= 1, "cells: \(cells)")
            #expect(!cells.keys.contains { $0.hasPrefix("TRELLIS_DPR") }, "distributed RAM: \(cells)")
        }
        #expect(Self.flops(cells) <= 2 * c.width + 64, "flip-flops: \(cells)")
    }
}
