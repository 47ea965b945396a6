import Flow
import Cosim
import HWCore
import HWLib
import TestSupport
import Testing

@Suite(.enabled(if: edaEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct AXI4MasterGateTests {
    static let configs: [AXI4Master.Config] = [
        AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 32, maxBeats: 16), maxReadBursts: 4, maxWriteBursts: 4, writeBufferBeats: 16),
        AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 256)),
        AXI4Master.Config(port: MemoryPortSpec(addrBits: 40, dataBits: 512, maxBeats: 256), maxReadBursts: 3, maxWriteBursts: 5, writeBufferBeats: 32),
        AXI4Master.Config(port: MemoryPortSpec(addrBits: 32, dataBits: 512, maxBeats: 16), idBits: 4, maxReadBursts: 1, maxWriteBursts: 1, writeBufferBeats: 2, maxBurstBeats: 8),
    ]

    @Test(arguments: configs)
    func emittedVerilogPassesTheEDAGates(_ c: AXI4Master.Config) throws {
        let d = try Design.elaborate(try AXI4Master.build(c), parameters: c.parameters)
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(d.top):\n\(problems.joined(separator: "\n"))")
    }
}
