/// A pattern of a K×K kernel: the positions it keeps, as flattened indices kh·K + kw in ascending
/// (row-major) order, which is also the order of the kernel's values in the packed weight stream.
public struct KernelPattern: Sendable, Hashable, Codable, CustomStringConvertible {
    public let kernelSize: Int
    /// Kept positions, ascending, each in 0..<K².
    public let positions: [Int]

    /// Throws unless K ≥ 1 and `positions` are distinct in-range indices (sorted here).
    public init(kernelSize: Int, positions: [Int]) throws {
        guard kernelSize >= 1 else { throw SparseModelError("a kernel pattern needs K ≥ 1, got \(kernelSize)") }
        let sorted = positions.sorted()
        guard !sorted.isEmpty, Set(sorted).count == sorted.count,
              sorted.allSatisfy({ (0..<kernelSize * kernelSize).contains($0) }) else {
            throw SparseModelError("a \(kernelSize)x\(kernelSize) pattern needs distinct positions in 0..<\(kernelSize * kernelSize), got \(positions)")
        }
        self.kernelSize = kernelSize
        self.positions = sorted
    }

    /// A pattern from a row-major 0/1 mask of K² entries.
    public init(kernelSize: Int, mask: [Int]) throws {
        guard mask.count == kernelSize * kernelSize else {
            throw SparseModelError("a \(kernelSize)x\(kernelSize) pattern mask needs \(kernelSize * kernelSize) entries, got \(mask.count)")
        }
        try self.init(kernelSize: kernelSize, positions: mask.indices.filter { mask[$0] != 0 })
    }

    /// The dense pattern (all K² positions).
    public static func dense(kernelSize: Int) throws -> KernelPattern {
        try KernelPattern(kernelSize: kernelSize, positions: Array(0..<(kernelSize * kernelSize)))
    }

    /// n, the weights kept.
    public var count: Int { positions.count }

    /// Whether position (kh, kw) is kept.
    public func keeps(kh: Int, kw: Int) -> Bool { positions.contains(kh * kernelSize + kw) }

    /// The kept positions as (kh, kw) offsets, in stream order.
    public var offsets: [(kh: Int, kw: Int)] { positions.map { ($0 / kernelSize, $0 % kernelSize) } }

    /// Every pattern of n positions in a K×K kernel, in lexicographic order of their positions:
    /// the full candidate library of the magnitude-driven choice (C(K², n) patterns).
    public static func all(kernelSize k: Int, keeping n: Int) throws -> [KernelPattern] {
        guard k >= 1, n >= 1, n <= k * k else { throw SparseModelError("a \(k)x\(k) pattern keeps 1...\(k * k) weights, got n=\(n)") }
        var out: [KernelPattern] = []
        var pick: [Int] = []
        func walk(_ from: Int) {
            if pick.count == n {
                out.append(KernelPattern(unchecked: k, pick))
                return
            }
            guard from < k * k else { return }
            for p in from..<(k * k) where k * k - p >= n - pick.count {
                pick.append(p)
                walk(p + 1)
                pick.removeLast()
            }
        }
        walk(0)
        return out
    }

    private init(unchecked k: Int, _ positions: [Int]) {
        kernelSize = k
        self.positions = positions
    }

    public var description: String { "{" + offsets.map { "\($0.kh)\($0.kw)" }.joined(separator: ",") + "}" }
}
