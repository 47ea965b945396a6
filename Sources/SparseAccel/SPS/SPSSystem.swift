import Formats
import HWCore
import HWLib

/// The SPS system: the SPS conv core with the SAT system's shared blocks — dispatcher, load and
/// store units, XBUF/WBUF/OBUF, dependency tokens, watchdog, error latch and status counters
/// (``SystemTop``; its doc states the ports' contract) — and ``SPSComputeUnit`` (the core, the
/// line buffer and the drain) on the compute queue, which takes CONV instructions. No MBUF and
/// no PBUF: a LOAD into MBUF or a STORE from PBUF stops it with `badBuffer`; GEMM is an illegal
/// opcode here, as CONV is in the SAT system.
public enum SPSSystem {
    public typealias Ports = SystemPorts

    public static func build(_ c: SPSSystemConfig) throws -> Definition<Ports> {
        try c.validate()
        let e = c.core
        return try SystemTop.build(c.shell, name: c.topName,
                                   doc: "SPS system: \(e.rows)x\(e.cols) SPS conv core (\(e.patternNNZ) of \(e.kernelSize * e.kernelSize), P = \(e.period)), line buffer, buffers, DMA, controller; \(c.memory.dataBits)-bit memory port.",
                                   compute: try SPSComputeUnit.build(c))
    }
}
