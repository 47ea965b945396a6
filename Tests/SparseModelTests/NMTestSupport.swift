import SparseModel

/// SplitMix64: a tiny deterministic PRNG for the N:M golden-model tests (named uniquely so other
/// suites in this target can define their own helpers).
struct NMTestRNG: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A rows×cols matrix of values drawn uniformly from `range`.
    mutating func matrix(rows: Int, cols: Int, in range: ClosedRange<Int64>) -> Matrix<Int64> {
        var rng = self
        let m = Matrix<Int64>(rows: rows, cols: cols) { _, _ in Int64.random(in: range, using: &rng) }
        self = rng
        return m
    }
}

/// The patterns every N:M test sweeps.
let nmTestPatterns: [NMPattern] = [(1, 4), (2, 4), (1, 8), (2, 8), (4, 8), (2, 16)].map {
    try! NMPattern(n: $0.0, m: $0.1)
}

/// The positions (0..<group.count) of the `n` largest magnitudes, ties to the lower position,
/// computed independently of `NMPruning` by sorting (magnitude descending, position ascending).
func nmExpectedKept(_ group: [Int64], n: Int) -> Set<Int> {
    let order = group.indices.sorted { a, b in
        let ma = group[a].magnitude, mb = group[b].magnitude
        return ma != mb ? ma > mb : a < b
    }
    return Set(order.prefix(n))
}
