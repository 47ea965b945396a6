import HWCore

/// Delay lines built from registers: a fixed-latency shift register and the input skew of a
/// systolic array (element i delayed by i cycles).
public enum ShiftRegister {
    /// `value` delayed by `stages` clock cycles (registers named `<name>_0`, `<name>_1`, ...).
    /// With `enable`, the whole line advances only while `enable` is 1.
    public static func delay(_ value: Signal, stages: Int, name: String, enable: Signal? = nil,
                             file: String = #fileID, line: Int = #line) -> Signal {
        let m = value.owner
        var cur = value
        for s in 0..<max(0, stages) {
            cur = m.reg("\(name)_\(s)", next: cur, reset: 0, enable: enable, file: file, line: line)
        }
        return cur
    }

    /// Skews a vector for a systolic edge: element i is delayed by i cycles, so that element i
    /// meets the wavefront that reached lane i. Element 0 passes straight through.
    public static func skew(_ values: [Signal], name: String, enable: Signal? = nil,
                            file: String = #fileID, line: Int = #line) -> [Signal] {
        values.enumerated().map { i, v in
            delay(v, stages: i, name: "\(name)_\(i)", enable: enable, file: file, line: line)
        }
    }
}
