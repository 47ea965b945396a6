import HWCore

/// Delay lines built from registers: a fixed-latency shift register and the input skew of a
/// systolic array (element i delayed by i cycles). The reset policy is the caller's: a datapath
/// line qualified by a valid bit should use `.none`, so synthesis maps it to shift-register
/// LUTs (SRL16/SRL32 on Xilinx) instead of flip-flops.
public enum ShiftRegister {
    /// `value` delayed by `stages` clock cycles (registers named `<name>_0`, `<name>_1`, ...).
    /// With `enable`, the whole line advances only while `enable` is 1.
    public static func delay(_ value: Signal, stages: Int, name: String, reset: Reset, enable: Signal? = nil,
                             file: String = #fileID, line: Int = #line) -> Signal {
        let m = value.owner
        var cur = value
        for s in 0..<max(0, stages) {
            cur = m.reg("\(name)_\(s)", next: cur, reset: reset, enable: enable, file: file, line: line)
        }
        return cur
    }

    /// Skews a vector for a systolic edge: element i is delayed by i cycles, so that element i
    /// meets the wavefront that reached lane i. Element 0 passes straight through.
    public static func skew(_ values: [Signal], name: String, reset: Reset, enable: Signal? = nil,
                            file: String = #fileID, line: Int = #line) -> [Signal] {
        values.enumerated().map { i, v in
            delay(v, stages: i, name: "\(name)_\(i)", reset: reset, enable: enable, file: file, line: line)
        }
    }
}
