import Formats
import HWCore
import HWLib

/// The SparseTrain training system: the SparseTrain array with ping-pong memories as the compute
/// engine of the shared system blocks — ``SystemTop`` (dispatcher, load and store units, XBUF,
/// WBUF and OBUF, dependency tokens, watchdog, error latch, status counters; its doc states the
/// ports' contract) with ``SparseTrainComputeUnit`` on the compute queue, which executes RUN
/// (``Formats/Instruction``). LOAD fills XBUF (entry words, one per PE per entry) and WBUF
/// (entry counts); STORE drains OBUF (result slots). Any other opcode, GEMM included, is
/// `illegalOpcode`; a LOAD into MBUF or a STORE from PBUF is `badBuffer`.
public enum SparseTrainSystem {
    public typealias Ports = SystemPorts

    public static func build(_ c: SparseTrainSystemConfig) throws -> Definition<Ports> {
        try c.validate()
        let a = c.array
        return try SystemTop.build(c.shell, name: c.topName,
                                   doc: "SparseTrain training system: \(a.rows)x\(a.cols) zero-skipping 1-D conv array with ping-pong memories, buffers, DMA, controller; \(c.memory.dataBits)-bit memory port.",
                                   compute: try SparseTrainComputeUnit.build(c))
    }
}
