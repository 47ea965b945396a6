/// The weight storage formats compared by the SPS storage study, each with an exact bit count.
///
/// Every format stores the same matrix (a ``SparsityMask`` over Co × Ci·K·K, row-major) with
/// `valueBits`-bit values. Stated conventions (the SPS paper's exact baseline widths are not
/// available, see the README):
/// * index fields are ⌈log2 range⌉ bits (0 for a range of 1);
/// * `dense`: every entry's value, no index;
/// * `bitmap`: the non-zero values plus one bit per entry;
/// * `csr`: values, a column index per non-zero, and Co + 1 row pointers of ⌈log2(nnz + 1)⌉ bits;
/// * `csc`: values, a row index per non-zero, and Ci·K·K + 1 column pointers;
/// * `coo`: values, and a (row, column) pair per non-zero;
/// * `runLength`: the row-major stream of non-zeros, each with a 4-bit count of the zeros before
///   it; a gap of 16 or more zeros stores filler entries (a zero value with run 15), each covering
///   16 positions, as EIE's relative indexing does; trailing zeros are not stored;
/// * `nm(m)`: N:M with N the largest number of non-zeros in any group of M consecutive entries of
///   a row (the smallest N that holds the mask), N values and N ⌈log2 M⌉-bit indices per group,
///   short groups padded with zero entries; a row whose length is not a multiple of M ends in a
///   short group of its own;
/// * PPS is not a function of the mask alone (it needs the pattern table): see ``PPSStorage``.
public enum StorageFormat: Sendable, Hashable, CustomStringConvertible {
    case dense, bitmap, csr, csc, coo, runLength
    case nm(m: Int)

    /// Run-length field width (bits).
    public static let runBits = 4

    public var description: String {
        switch self {
        case .dense: "dense"
        case .bitmap: "bitmap"
        case .csr: "CSR"
        case .csc: "CSC"
        case .coo: "COO"
        case .runLength: "RLE4"
        case .nm(let m): "N:\(m)"
        }
    }

    /// The exact storage of `mask` in this format with `valueBits`-bit values.
    public func bits(_ mask: SparsityMask, valueBits: Int) throws -> StorageBits {
        guard (1...64).contains(valueBits) else { throw FormatError("value width must be in 1...64 bits, got \(valueBits)") }
        let nnz = mask.nonZeros
        let v = valueBits
        switch self {
        case .dense:
            return StorageBits(values: mask.rows * mask.cols * v, index: 0)
        case .bitmap:
            return StorageBits(values: nnz * v, index: mask.rows * mask.cols)
        case .csr:
            return StorageBits(values: nnz * v,
                               index: nnz * storageIndexBits(mask.cols) + (mask.rows + 1) * storageIndexBits(nnz + 1))
        case .csc:
            return StorageBits(values: nnz * v,
                               index: nnz * storageIndexBits(mask.rows) + (mask.cols + 1) * storageIndexBits(nnz + 1))
        case .coo:
            return StorageBits(values: nnz * v, index: nnz * (storageIndexBits(mask.rows) + storageIndexBits(mask.cols)))
        case .runLength:
            return Self.runLengthBits(mask, valueBits: v)
        case .nm(let m):
            guard m >= 2, m <= 64 else { throw FormatError("N:M storage needs 2 ≤ M ≤ 64, got M=\(m)") }
            return Self.nmBits(mask, m: m, valueBits: v)
        }
    }

    static func runLengthBits(_ mask: SparsityMask, valueBits v: Int) -> StorageBits {
        let span = 1 << runBits  // positions one entry can cover: up to 15 zeros + itself
        var entries = 0, fillers = 0, gap = 0
        for b in mask.bits {
            if b {
                fillers += gap / span
                entries += 1
                gap = 0
            } else {
                gap += 1
            }
        }
        let stored = entries + fillers
        return StorageBits(values: stored * v, index: stored * runBits)
    }

    /// The N of the smallest N:M that holds `mask` (groups of `m` along each row).
    public static func nmN(_ mask: SparsityMask, m: Int) -> Int {
        var worst = 0
        for r in 0..<mask.rows {
            var c = 0
            while c < mask.cols {
                var k = 0
                for j in c..<min(c + m, mask.cols) where mask[r, j] { k += 1 }
                worst = max(worst, k)
                c += m
            }
        }
        return worst
    }

    static func nmBits(_ mask: SparsityMask, m: Int, valueBits v: Int) -> StorageBits {
        let n = nmN(mask, m: m)
        let groups = mask.rows * ((mask.cols + m - 1) / m)
        return StorageBits(values: groups * n * v, index: groups * n * storageIndexBits(m))
    }
}

/// Bits of one stored matrix: values (including padding and filler zeros) and index metadata.
public struct StorageBits: Sendable, Hashable, Codable {
    public var values: Int
    public var index: Int
    public init(values: Int, index: Int) {
        self.values = values
        self.index = index
    }
    public var total: Int { values + index }
    public static func + (a: StorageBits, b: StorageBits) -> StorageBits {
        StorageBits(values: a.values + b.values, index: a.index + b.index)
    }
    public static let zero = StorageBits(values: 0, index: 0)
}
