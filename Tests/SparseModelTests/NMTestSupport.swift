import Formats
import SparseModel

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
