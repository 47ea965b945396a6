import Formats
import HWCore
import HWLib

/// The SAT training system: the SAT core with its buffers, DMA units and controller, executing
/// an instruction stream (``Formats/Instruction``) against DRAM through one memory port. It is
/// ``SystemTop`` (the shared dispatcher, DMA units, buffers, tokens, watchdog and status; its
/// doc states the ports' contract) with ``ComputeUnit`` (the SAT array, the drain and the
/// update unit) on the compute queue and all five buffers.
public enum SATSystem {
    public typealias Ports = SystemPorts

    /// Width of the status counters.
    public static let counterBits = SystemTop.counterBits
    /// Dependency tokens a counter holds before `tokenOverflow`.
    public static let tokenCapacity = SystemTop.tokenCapacity

    public static func build(_ c: SATSystemConfig) throws -> Definition<Ports> {
        try c.validate()
        return try SystemTop.build(c.shell, name: c.topName,
                                   doc: "SAT training system: \(c.core.rows)x\(c.core.cols) \(c.core.n):\(c.core.m) core, buffers, DMA, controller; \(c.memory.dataBits)-bit memory port.",
                                   compute: try ComputeUnit.build(c))
    }
}
