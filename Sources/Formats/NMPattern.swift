/// An N:M structured-sparsity pattern: in every group of M consecutive elements along the grouped
/// dimension, exactly N are kept.
///
/// Valid patterns satisfy 1 ≤ N < M, M a power of two, M ≤ 64 (so an index in a group fits in at
/// most 6 bits). Every initialiser, including decoding, validates; an `NMPattern` value is always valid.
public struct NMPattern: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The number of elements kept per group.
    public let n: Int
    /// The group size.
    public let m: Int

    /// The largest supported group size.
    public static let maxM = 64

    /// Creates the pattern `n`:`m`, throwing a `FormatError` unless 1 ≤ n < m, m is a power of
    /// two and m ≤ 64.
    public init(n: Int, m: Int) throws {
        guard n >= 1 else {
            throw FormatError("N:M needs N ≥ 1, got \(n):\(m)")
        }
        guard n < m else {
            throw FormatError("N:M needs N < M, got \(n):\(m)")
        }
        guard m & (m - 1) == 0 else {
            throw FormatError("M must be a power of two, got \(n):\(m)")
        }
        guard m <= NMPattern.maxM else {
            throw FormatError("M must be at most \(NMPattern.maxM), got \(n):\(m)")
        }
        self.n = n
        self.m = m
    }

    /// Parses a pattern written as `"N:M"` (for example `"2:8"`; surrounding whitespace is ignored)
    /// and validates it as `init(n:m:)` does.
    public static func parse(_ text: String) throws -> NMPattern {
        let trimmed = text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
        let parts = String(trimmed).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]) else {
            throw FormatError("invalid N:M pattern \"\(text)\": expected two integers as N:M, e.g. 2:8")
        }
        return try NMPattern(n: n, m: m)
    }

    /// The width of an index into a group: ⌈log2 M⌉ bits.
    public var indexBits: Int { m.trailingZeroBitCount }

    /// The fraction of elements kept, N/M.
    public var density: Double { Double(n) / Double(m) }

    /// The pattern as `"N:M"`.
    public var description: String { "\(n):\(m)" }

    /// The number of groups of M in a dimension of `length` elements, throwing if `length` is
    /// negative or not a multiple of M. `what` names the dimension in the error message.
    public func groupCount(_ length: Int, along what: String) throws -> Int {
        guard length >= 0, length % m == 0 else {
            throw FormatError("\(self) pruning needs \(what) to be a multiple of \(m), got \(length)")
        }
        return length / m
    }

    private enum CodingKeys: String, CodingKey { case n, m }

    /// Decodes `{"n": N, "m": M}` and validates it; an invalid pattern is a `DecodingError`.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let n = try container.decode(Int.self, forKey: .n)
        let m = try container.decode(Int.self, forKey: .m)
        do {
            try self.init(n: n, m: m)
        } catch let error as FormatError {
            throw DecodingError.dataCorruptedError(
                forKey: .m, in: container, debugDescription: error.message)
        }
    }
}
