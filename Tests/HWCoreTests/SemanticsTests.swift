import Cosim
import HWCore
import TestSupport
import Testing

/// The emitted Verilog computes what the DSL means: random vectors through iverilog compared
/// with Swift integer arithmetic. Also lints/compiles/synthesises each module.
@Suite(.enabled(if: edaEnabled, edaNote)) struct SemanticsTests {
    /// Reference semantics of one output: name, width, and its value from the inputs.
    typealias Ref = (String, Int, ([String: Int]) -> Int)

    static func operatorModule() -> (Module, [Ref]) {
        let m = Module("ops")
        let a = m.input("a", .sint(8)), b = m.input("b", .sint(8))
        let c = m.input("c", .uint(8)), d = m.input("d", .uint(8))
        let sh = m.input("sh", .uint(3))
        let sel = m.input("sel", .uint(2))
        var refs: [Ref] = []
        func out(_ name: String, _ s: Signal, _ f: @escaping ([String: Int]) -> Int) {
            m.output(name, s.type).assign(s)
            refs.append((name, s.width, f))
        }
        out("add_s", a + b) { $0["a"]! + $0["b"]! }
        out("sub_u", c - d) { $0["c"]! - $0["d"]! }
        out("mul_s", a * b) { $0["a"]! * $0["b"]! }
        out("mul_u", c * d) { $0["c"]! * $0["d"]! }
        out("wadd_u", c &+ d) { $0["c"]! + $0["d"]! }
        out("wsub_s", a &- b) { $0["a"]! - $0["b"]! }
        out("wmul_s", a &* b) { $0["a"]! * $0["b"]! }
        // Operands the simulation style writes differently: a slice of a port, a 1-bit signed value.
        func nibble(_ x: Int) -> Int { (x & 15) >= 8 ? (x & 15) - 16 : x & 15 }
        out("mul_slice", a * c.bits(0...3).asSInt) { $0["a"]! * nibble($0["c"]!) }
        out("mul_bit", a * d.bits(0...0).asSInt) { $0["d"]! & 1 == 1 ? -$0["a"]! : 0 }
        out("neg_s", -a) { -$0["a"]! }
        out("neg_u", -c) { -$0["c"]! }
        out("lt_s", a < b) { $0["a"]! < $0["b"]! ? 1 : 0 }
        out("ge_s", a >= b) { $0["a"]! >= $0["b"]! ? 1 : 0 }
        out("lt_u", c < d) { $0["c"]! < $0["d"]! ? 1 : 0 }
        out("gt_u", c > d) { $0["c"]! > $0["d"]! ? 1 : 0 }
        out("eq_s", a == b) { $0["a"]! == $0["b"]! ? 1 : 0 }
        out("lt_const", a < -3) { $0["a"]! < -3 ? 1 : 0 }
        out("shl_u", c << 3) { $0["c"]! << 3 }
        out("shr_s", a >> 2) { $0["a"]! >> 2 }
        out("shr_u", c >> 5) { $0["c"]! >> 5 }
        out("dshl_u", c.shiftedLeft(by: sh)) { $0["c"]! << $0["sh"]! }
        out("dshr_s", a.shiftedRight(by: sh)) { $0["a"]! >> $0["sh"]! }
        out("dshr_u", c.shiftedRight(by: sh)) { $0["c"]! >> $0["sh"]! }
        out("and_u", c & d) { $0["c"]! & $0["d"]! }
        out("or_u", c | d) { $0["c"]! | $0["d"]! }
        out("xor_u", c ^ d) { $0["c"]! ^ $0["d"]! }
        out("not_s", ~a) { ~$0["a"]! }
        out("cat_u", cat(c, d)) { $0["c"]! << 8 | $0["d"]! }
        out("bits_u", c.bits(2...5)) { ($0["c"]! >> 2) & 15 }
        out("andr", c.andReduce()) { $0["c"]! == 255 ? 1 : 0 }
        out("orr", c.orReduce()) { $0["c"]! != 0 ? 1 : 0 }
        out("xorr", c.xorReduce()) { $0["c"]!.nonzeroBitCount & 1 }
        out("min_s", mux(a < b, a, b)) { min($0["a"]!, $0["b"]!) }
        out("ext_s", a.extended(to: 12)) { $0["a"]! }
        out("signed_u", c.asSigned) { $0["c"]! }
        out("sum3", (a + b + a).extended(to: 12)) { 2 * $0["a"]! + $0["b"]! }
        let v = Vec([a, b, (a &+ b), ~a])
        out("sel_s", v[sel]) { [$0["a"]!, $0["b"]!, $0["a"]! + $0["b"]!, ~$0["a"]!][$0["sel"]!] }
        let short = Vec([c, d, c ^ d])
        out("sel_def", short.select(sel, default: m.const(0x5a, .uint(8)))) { [$0["c"]!, $0["d"]!, $0["c"]! ^ $0["d"]!, 0x5a][$0["sel"]!] }
        // An index wider than the elements need (the simulation style selects with its low bits).
        let four = Vec([c, d, c ^ d, c & d])
        out("sel_wide", four.select(sh, default: m.const(0x33, .uint(8)))) { v in
            v["sh"]! < 4 ? [v["c"]!, v["d"]!, v["c"]! ^ v["d"]!, v["c"]! & v["d"]!][v["sh"]!] : 0x33
        }
        return (m, refs)
    }

    static func mask(_ v: Int, _ w: Int) -> UInt64 {
        UInt64(bitPattern: Int64(v)) & (w == 64 ? ~0 : (1 << w) - 1)
    }

    @Test(arguments: VerilogStyle.allCases)
    func operatorsMatchIntegerArithmetic(_ style: VerilogStyle) throws {
        let (m, refs) = Self.operatorModule()
        let d = try Design.elaborate(m, style: style)
        try expectClean(d)
        var rng = SplitMix64(seed: 7)
        var inputs: [[String: Int]] = [
            ["a": -128, "b": -128, "c": 255, "d": 255, "sh": 7, "sel": 3],
            ["a": 127, "b": -1, "c": 0, "d": 1, "sh": 0, "sel": 0],
        ]
        for _ in 0..<300 {
            inputs.append(["a": rng.int(-128...127), "b": rng.int(-128...127), "c": rng.int(0...255),
                           "d": rng.int(0...255), "sh": rng.int(0...7), "sel": rng.int(0...3)])
        }
        let rows = try IverilogSim.run(d, vectors: inputs.map { $0.mapValues { UInt64(bitPattern: Int64($0)) } })
        for (vec, row) in zip(inputs, rows) {
            for (name, w, f) in refs {
                let expected = Self.mask(f(vec), w)
                #expect(row[name] == expected, "\(name) for \(vec): got \(String(row[name] ?? 0, radix: 16)), expected \(String(expected, radix: 16))")
            }
        }
    }

    @Test func registersWhenChainsAndReset() throws {
        // A saturating up/down counter: exercises reset, enable, when/elseWhen on a register.
        let m = Module("updown")
        let up = m.input("up", .bool), down = m.input("down", .bool)
        let q = m.reg("q", .uint(3), reset: 0)
        m.when(up && q != 7) { q.assign(q &+ 1) }
         .elseWhen(down && q != 0) { q.assign(q &- 1) }
        m.output("count", .uint(3)).assign(q)
        let d = try Design.elaborate(m)
        try expectClean(d)
        var rng = SplitMix64(seed: 3)
        var vectors: [[String: UInt64]] = [["rst": 1]]
        for _ in 0..<200 { vectors.append(["rst": rng.int(0...30) == 0 ? 1 : 0, "up": UInt64(rng.int(0...1)), "down": UInt64(rng.int(0...1))]) }
        let rows = try IverilogSim.run(d, vectors: vectors)
        var model = 0, upIn = 0, downIn = 0
        for (i, v) in vectors.enumerated() {
            upIn = Int(v["up"] ?? UInt64(upIn)); downIn = Int(v["down"] ?? UInt64(downIn))
            if i > 0 { #expect(rows[i]["count"] == UInt64(model), "cycle \(i)") }
            if v["rst"] == 1 { model = 0 } else if upIn == 1 && model != 7 { model += 1 } else if downIn == 1 && model != 0 { model -= 1 }
        }
    }

    @Test func memoryReadsWhatWasWritten() throws {
        let m = Module("ram16")
        let we = m.input("we", .bool), waddr = m.input("waddr", .uint(4)), wdata = m.input("wdata", .uint(12))
        let raddr = m.input("raddr", .uint(4))
        let mem = m.memory("cells", .uint(12), depth: 16, initial: Array(100..<116))
        mem.write(waddr, wdata, enable: we)
        m.output("rdata", .uint(12)).assign(mem.read(raddr))
        let d = try Design.elaborate(m)
        try expectClean(d)
        var rng = SplitMix64(seed: 11)
        var model = Array(100..<116)
        var vectors: [[String: UInt64]] = []
        var expected: [Int?] = [nil]
        for _ in 0..<200 {
            let v: [String: Int] = ["we": rng.int(0...1), "waddr": rng.int(0...15), "wdata": rng.int(0...4095), "raddr": rng.int(0...15)]
            vectors.append(v.mapValues { UInt64($0) })
            expected.append(model[v["raddr"]!])  // read data appears after the edge (sync read)
            if v["we"] == 1 { model[v["waddr"]!] = v["wdata"]! }
        }
        let rows = try IverilogSim.run(d, vectors: vectors)
        for i in 1..<rows.count {
            #expect(rows[i]["rdata"] == UInt64(expected[i]!), "cycle \(i)")
        }
    }

    /// Vector pipeline stages, which the simulation style packs into one register per stage
    /// (no reset; a reset and an enable; a stage copying the middle of the previous one): both
    /// styles compute the same registers, cycle for cycle, as a Swift model.
    @Test(arguments: VerilogStyle.allCases)
    func packedPipelineStagesMatchTheModel(_ style: VerilogStyle) throws {
        let m = Module("stages")
        let x = m.input("x", .uint(32)), en = m.input("en", .bool)
        let q = (0..<4).map { i in m.reg("q_\(i)", next: x.bits((8 * i)...(8 * i + 7)), reset: .none) }
        let r = (0..<4).map { i in m.reg("r_\(i)", next: q[i], reset: .sync(0x10 + i), enable: en) }
        let s = (0..<2).map { i in m.reg("s_\(i)", next: r[i + 1], reset: .sync(0xA0 + i)) }
        m.output("r", .uint(32)).assign(cat(r[3], r[2], r[1], r[0]))
        m.output("s", .uint(16)).assign(cat(s[1], s[0]))
        let d = try Design.elaborate(m, style: style)
        try expectClean(d)
        if style == .simulation {
            for line in ["reg  [31:0] q_pk;", "wire [7:0] q_0 = q_pk[7:0];", "q_pk <= x;", "if (en) r_pk <= {q_3, q_2, q_1, q_0};",
                         "s_pk <= {r_2, r_1};", "r_pk <= 32'd319951120;", "s_pk <= 16'd41376;"] {
                #expect(d.verilog.contains(line), "missing '\(line)'")
            }
        } else {
            #expect(!d.verilog.contains("_pk"))
        }
        var rng = SplitMix64(seed: 21)
        var vectors: [[String: UInt64]] = [["rst": 1]]
        for c in 0..<200 { vectors.append(["rst": c == 90 ? 1 : 0, "x": UInt64(rng.int(0...Int(UInt32.max))), "en": UInt64(rng.int(0...1))]) }
        let rows = try IverilogSim.run(d, vectors: vectors)
        // The model: the registers after each edge (nil before the first).
        var qm: [UInt64]? = nil, rm: [UInt64] = [], sm: [UInt64] = []
        var lastX: UInt64 = 0, lastEn: UInt64 = 0
        for (i, v) in vectors.enumerated() {
            if i > 0 {
                #expect(rows[i]["r"] == rm.enumerated().reduce(0) { $0 | $1.element << (8 * UInt64($1.offset)) }, "r at cycle \(i)")
                #expect(rows[i]["s"] == sm[0] | sm[1] << 8, "s at cycle \(i)")
            }
            lastX = v["x"] ?? lastX; lastEn = v["en"] ?? lastEn
            let nextS = v["rst"] == 1 ? [0xA0, 0xA1] : [rm[1], rm[2]]
            let nextR = v["rst"] == 1 ? [0x10, 0x11, 0x12, 0x13] : lastEn == 1 ? qm! : rm
            qm = (0..<4).map { (lastX >> (8 * UInt64($0))) & 0xFF }
            rm = nextR; sm = nextS
        }
    }

    /// Logic read only under a register's enable, which the simulation style evaluates under it
    /// (EnableSinking.swift): a cone under a clock enable with a shared subexpression, selects
    /// (part-select and `case` forms) under a named condition and under nested `when`s, a wire
    /// read under two conditions with nothing in common (stays continuous), and a wire nothing
    /// reads. Both styles compute the same registers, cycle for cycle, as a Swift model.
    @Test(arguments: VerilogStyle.allCases)
    func logicUnderAnEnableMatchesTheModel(_ style: VerilogStyle) throws {
        let m = Module("sinking")
        let a = m.input("a", .uint(8)), b = m.input("b", .uint(8)), en = m.input("en", .bool)
        let k = m.input("k", .uint(2)), sel = m.input("sel", .uint(3))
        let x = a ^ b
        let sum = m.wire("sum", (x &+ a) ^ (x &+ b))
        let prod = m.wire("prod", sum * a)
        let r1 = m.reg("r1", next: prod, reset: .sync(0), enable: en)
        let go = m.wire("go", en && k == 3)
        let pick4 = m.wire("pick4", Vec([a, b, sum, x]).select(sel, default: m.const(0, .uint(8))))
        let pick5 = m.wire("pick5", Vec([prod, a * b, cat(a, b), cat(b, a), sum * b]).select(sel, default: m.const(0xBEEF, .uint(16))))
        let r2 = m.reg("r2", .uint(8), reset: .sync(0))
        m.when(go) { r2.assign(pick4) }
        let r3 = m.reg("r3", .uint(16), reset: .sync(0))
        m.when(en) { m.when(k == 1) { r3.assign(pick5) } }
        let mixed = m.wire("mixed", a &- b)
        let r4 = m.reg("r4", .uint(8), reset: .sync(0))
        m.when(en) { r4.assign(mixed) }.elseWhen(k == 2) { r4.assign(mixed ^ b) }
        _ = m.wire("dead", sum &+ b)
        for (name, r) in [("q1", r1), ("q2", r2), ("q3", r3), ("q4", r4)] { m.output(name, r.type).assign(r) }
        let d = try Design.elaborate(m, style: style)
        try expectClean(d)
        if style == .simulation {
            for line in ["/* verilator lint_off BLKSEQ */", "reg  [7:0] sum;", "    if (en) begin\n", "      sum = ", "      prod = {8'd0, sum} * {8'd0, a};",
                         "    if (go) begin\n      pick4_t1 = {sum_t0, sum, b, a};", "    if (en && (k == {1'd0, 1'b1})) begin\n", "      case (sel)", "      dead = ",
                         "assign mixed = a - b;", "if (en) r1 <= prod;"] {
                #expect(d.verilog.contains(line), "missing '\(line)'")
            }
        } else {
            #expect(!d.verilog.contains("BLKSEQ") && d.verilog.contains("assign sum = "))
        }
        var rng = SplitMix64(seed: 22)
        var vectors: [[String: UInt64]] = [["rst": 1]]
        for c in 0..<300 {
            vectors.append(["rst": c == 150 ? 1 : 0, "a": UInt64(rng.int(0...255)), "b": UInt64(rng.int(0...255)),
                            "en": UInt64(rng.int(0...1)), "k": UInt64(rng.int(0...3)), "sel": UInt64(rng.int(0...7))])
        }
        let rows = try IverilogSim.run(d, vectors: vectors)
        // The model: the registers after each edge.
        var q: [UInt64] = [0, 0, 0, 0]
        var inputs: [String: UInt64] = [:]
        for (i, v) in vectors.enumerated() {
            if i > 0 {
                for (j, name) in ["q1", "q2", "q3", "q4"].enumerated() { #expect(rows[i][name] == q[j], "\(name) at cycle \(i)") }
            }
            for (key, value) in v { inputs[key] = value }
            if v["rst"] == 1 { q = [0, 0, 0, 0]; continue }
            let a = inputs["a"] ?? 0, b = inputs["b"] ?? 0, en = inputs["en"] ?? 0, k = inputs["k"] ?? 0, sel = Int(inputs["sel"] ?? 0)
            let x = a ^ b
            let sum = ((x + a) & 255) ^ ((x + b) & 255)
            let prod = sum * a
            let pick4: UInt64 = sel < 4 ? [a, b, sum, x][sel] : 0
            let pick5: UInt64 = sel < 5 ? [prod, a * b, a << 8 | b, b << 8 | a, sum * b][sel] : 0xBEEF
            let mixed = (a &- b) & 255
            if en == 1 { q[0] = prod }
            if en == 1 && k == 3 { q[1] = pick4 }
            if en == 1 && k == 1 { q[2] = pick5 }
            if en == 1 { q[3] = mixed } else if k == 2 { q[3] = mixed ^ b }
        }
    }

}
