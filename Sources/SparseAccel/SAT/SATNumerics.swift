import Formats

/// The arithmetic of the SAT PE, a config parameter of the PE, the array and the workloads.
public enum SATNumerics: String, Codable, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Two's complement integers: SInt(dataWidth) operands (8 bits by default), exact products and
    /// adder tree, a wrapping SInt(accWidth) accumulator.
    case int8
    /// bf16 operands; exact bf16 × bf16 → fp32 products (``HWLib/FloatMultiplier``), an fp32 adder
    /// tree and accumulator (``HWLib/FloatAdder``), each addition rounded to nearest even.
    case bf16
    /// fp16 operands, otherwise as bf16.
    case fp16

    public var description: String { rawValue }

    /// The operand format of a float PE; nil for integers.
    public var format: FloatFormat? {
        switch self {
        case .int8: return nil
        case .bf16: return .bf16
        case .fp16: return .fp16
        }
    }

    public var isFloat: Bool { format != nil }

    /// Parses `int8`, `bf16` or `fp16`.
    public static func parse(_ text: String) throws -> SATNumerics {
        guard let n = SATNumerics(rawValue: text.lowercased()) else {
            throw ConfigError("--numerics expects int8, bf16 or fp16, got '\(text)'")
        }
        return n
    }
}
