import HWCore

/// The three stages every float block of HWLib is built from, in order. A block's config lists
/// the stages followed by a pipeline register; its latency is the number of registered stages.
///
/// * `prepare`: decode the operands (fields, NaN/Inf/zero flags, subnormal flush) and form the
///   unrounded result: the exact significand product (multiplier), or the aligned, sticky-jammed
///   sum (adder), with its exponent;
/// * `normalize`: count leading zeros and shift the significand so its hidden bit is on top,
///   or right-shift onto the subnormal grid (collecting the shifted-out bits as sticky);
/// * `round`: round to nearest even, pack, saturate to Inf, flush (FTZ), select the special result.
public enum FloatStage: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case prepare, normalize, round

    /// Stage number, 1...3 (used in module names).
    public var number: Int { (Self.allCases.firstIndex(of: self) ?? 0) + 1 }

    public static func < (a: FloatStage, b: FloatStage) -> Bool { a.number < b.number }

    /// The name suffix of a set of registered stages: `""` for none, else `_reg` and the stage
    /// numbers in order (`_reg13`: registers after prepare and after round).
    static func suffix(_ stages: Set<FloatStage>) -> String {
        stages.isEmpty ? "" : "_reg" + stages.sorted().map { String($0.number) }.joined()
    }

    /// The manifest form of a set of registered stages, e.g. `"prepare+round"` or `"none"`.
    static func manifest(_ stages: Set<FloatStage>) -> String {
        stages.isEmpty ? "none" : stages.sorted().map(\.rawValue).joined(separator: "+")
    }
}

/// The boundary after one stage of a float block: every value crossing it gets a stable name,
/// `<prefix><stage>_<value>`, as a wire, or as a register `<prefix><stage>_<value>_q` (no reset:
/// a datapath register, qualified by whatever valid signal travels beside the block) when the
/// stage is registered.
struct FloatStageBoundary {
    let module: Module
    let stage: FloatStage
    let registered: Bool
    let prefix: String
    let file: String
    let line: Int

    func pass(_ name: String, _ value: Signal) -> Signal {
        let base = prefix + stage.rawValue + "_" + name
        return registered
            ? module.reg(base + "_q", next: value, reset: .none, file: file, line: line)
            : module.wire(base, value, file: file, line: line)
    }
}
