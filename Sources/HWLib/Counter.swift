import HWCore

/// A wrapping up-counter modulo `modulus`, with enable and a wrap pulse.
public struct Counter {
    /// The count register, UInt(⌈log2 modulus⌉) (at least 1 bit).
    public let value: Signal
    /// 1 in the cycle where the count is `modulus - 1` and enabled (it wraps on the next edge).
    public let wrap: Signal

    /// Builds the counter in `module`. Registers are named `<name>`; resets to 0.
    public init(in module: Module, name: String, modulus: Int, enable: Signal,
                file: String = #fileID, line: Int = #line) {
        let w = max(1, ceilLog2(max(1, modulus)))
        let q = module.reg(name, .uint(w), reset: 0, file: file, line: line)
        let atEnd = q == max(0, modulus - 1)
        module.when(enable, file: file, line: line) {
            q.assign(mux(atEnd, 0, q &+ 1), file: file, line: line)
        }
        value = q
        wrap = atEnd && enable
    }
}
