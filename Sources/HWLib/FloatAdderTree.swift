import HWCore

/// A tree of fp32 adders (``FloatAdder``, combinational) summing n fp32 terms, each addition
/// rounded to nearest even. Float addition is not associative, so the order is part of the
/// contract, and the golden model (`SparseModel.FloatGEMM.treeSum`) follows it: at each level the
/// terms are added in pairs left to right, (t0 + t1), (t2 + t3), ...; an odd last term passes to
/// the next level unchanged. For 4 terms: (t0 + t1) + (t2 + t3); for 3: (t0 + t1) + t2.
public enum FloatAdderTree {
    /// The sum of `terms` (UInt(32) fp32 patterns of one module); adders are named
    /// `<name>_l<level>_<pair>_...`. A single term is returned as it is.
    public static func sum(_ terms: [Signal], config: FloatAdder.Config, name: String,
                           file: String = #fileID, line: Int = #line) throws -> Signal {
        guard !terms.isEmpty else { throw HWLibError("float adder tree '\(name)' at \(file):\(line): no terms") }
        var level = terms
        var depth = 0
        while level.count > 1 {
            var next: [Signal] = []
            var i = 0
            while i + 1 < level.count {
                next.append(try FloatAdder.add(level[i], level[i + 1], config, name: "\(name)_l\(depth)_\(i / 2)", file: file, line: line))
                i += 2
            }
            if i < level.count { next.append(level[i]) }
            level = next
            depth += 1
        }
        return level[0]
    }
}
