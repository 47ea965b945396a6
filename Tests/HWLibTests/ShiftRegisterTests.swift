import Flow
import Cosim
import HWCore
import HWLib
import Testing

let edaEnabled = DesignGate.missingTools.isEmpty || DesignGate.toolsRequired

@Suite(.enabled(if: edaEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct HWLibTests {
    @Test func skewDelaysLaneIByICycles() throws {
        let m = Module("skew4")
        let x = m.input("x", .uint(8), count: 4)
        let y = m.output("y", .uint(8), count: 4)
        for (i, s) in ShiftRegister.skew(Array(x), name: "sk", reset: 0).enumerated() { y[i].assign(s) }
        let d = try Design.elaborate(m)
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        // Lane i receives value 10*t + i at cycle t; the output of lane i at cycle t is the input of cycle t - i.
        var vectors: [[String: UInt64]] = [["rst": 1, "x": 0]]
        for t in 1...8 {
            let lanes = (0..<4).map { UInt64(10 * t + $0) }
            vectors.append(["rst": 0, "x": lanes.enumerated().reduce(0) { $0 | $1.1 << UInt64(8 * $1.0) }])
        }
        let rows = try IverilogSim.run(d, vectors: vectors)
        for t in 4...8 {
            let word = try #require(rows[t]["y"])
            for lane in 0..<4 {
                #expect((word >> UInt64(8 * lane)) & 0xff == UInt64(10 * (t - lane) + lane), "t=\(t) lane=\(lane)")
            }
        }
    }

    @Test func counterWrapsAtItsModulus() throws {
        let m = Module("count5")
        let en = m.input("en", .bool)
        let c = Counter(in: m, name: "n", modulus: 5, enable: en)
        m.output("value", .uint(3)).assign(c.value)
        m.output("wrap", .bool).assign(c.wrap)
        let d = try Design.elaborate(m)
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        var vectors: [[String: UInt64]] = [["rst": 1, "en": 0]]
        for i in 0..<12 { vectors.append(["rst": 0, "en": i == 6 ? 0 : 1]) }
        let rows = try IverilogSim.run(d, vectors: vectors)
        var model = 0
        for i in 1..<vectors.count {
            #expect(rows[i]["value"] == UInt64(model), "cycle \(i)")
            let en = vectors[i]["en"] == 1
            #expect(rows[i]["wrap"] == (en && model == 4 ? 1 : 0))
            if en { model = (model + 1) % 5 }
        }
    }
}
