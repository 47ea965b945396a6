/// SplitMix64: the project's one deterministic PRNG (the same sequence on every machine), used by
/// the workloads' random operands, the tests and the benchmarks.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `r` (modulo reduction: the workloads' historical draw, kept so seeds reproduce).
    public mutating func next(in r: ClosedRange<Int64>) -> Int64 {
        let span = UInt64(bitPattern: r.upperBound &- r.lowerBound) &+ 1
        return r.lowerBound &+ Int64(bitPattern: span == 0 ? next() : next() % span)
    }

    /// A value of a `bits`-bit two's complement field (1...64), the full range including its
    /// most negative value.
    public mutating func signed(bits: Int) -> Int64 {
        bits >= 64 ? Int64(bitPattern: next()) : next(in: -(Int64(1) << Int64(bits - 1))...((Int64(1) << Int64(bits - 1)) - 1))
    }

    /// A value of a `bits`-bit unsigned field (1...64).
    public mutating func unsigned(bits: Int) -> UInt64 {
        bits >= 64 ? next() : next() & ((1 << UInt64(bits)) - 1)
    }
}

extension SplitMix64 {
    /// A value in 0..<n (n ≥ 1).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }

    /// A value in `r`.
    public mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + below(r.count) }
}
