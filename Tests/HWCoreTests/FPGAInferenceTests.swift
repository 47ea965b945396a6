import Flow
import Cosim
import HWCore
import Testing

/// Memories are emitted so FPGA tools infer block RAM, multipliers so they infer DSPs
/// (checked with yosys `synth_xilinx`).
@Suite(.enabled(if: edaEnabled, edaNote)) struct FPGAInferenceTests {
    @Test func memoryInfersBlockRAM() throws {
        let m = Module("ram1k")
        let mem = m.memory("store", .uint(16), depth: 1024)
        mem.write(m.input("waddr", .uint(10)), m.input("wdata", .uint(16)), enable: m.input("we", .bool))
        m.output("rdata", .uint(16)).assign(mem.read(m.input("raddr", .uint(10))))
        let d = try Design.elaborate(m)
        let r = try EDATools.yosysSynth(d.verilog, top: d.top, script: "synth_xilinx -top \(d.top)")
        #expect(r.result.succeeded, "\(r.result.output)")
        #expect(r.cells.keys.contains { $0.hasPrefix("RAMB") }, "cells: \(r.cells)")
        #expect(!r.cells.keys.contains { $0.hasPrefix("RAM32") || $0.hasPrefix("RAM64") }, "distributed RAM: \(r.cells)")
    }

    @Test func multiplyInfersDSP() throws {
        let m = Module("mul8")
        let p = m.input("a", .sint(8)) * m.input("b", .sint(8))
        m.output("p", .sint(16)).assign(m.reg("p_q", next: p, reset: .none))
        let d = try Design.elaborate(m)
        let r = try EDATools.yosysSynth(d.verilog, top: d.top, script: "synth_xilinx -top \(d.top)")
        #expect(r.result.succeeded, "\(r.result.output)")
        #expect(r.cells["DSP48E1"] == 1, "cells: \(r.cells)")
    }
}
