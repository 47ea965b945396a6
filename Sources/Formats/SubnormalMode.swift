/// How a float block treats subnormal numbers; the golden model follows the same mode.
public enum SubnormalMode: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Full IEEE 754: subnormal inputs are used as they are, results round onto the subnormal grid.
    case ieee
    /// Flush to zero on both sides: a subnormal input is read as a zero of its sign, and a result
    /// that is subnormal *after* IEEE rounding becomes a zero of its sign. (Flushing after rounding
    /// means a result that rounds up to the smallest normal stays normal.) Saves the input
    /// normalisers' area in hardware; NaN and Inf are unaffected.
    case flushToZero = "ftz"

    public var description: String { rawValue }
}
