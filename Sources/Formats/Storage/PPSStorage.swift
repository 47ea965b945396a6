/// Exact storage of a PPS (periodic pattern sparsity) layer: the packed non-zero values, plus the
/// layer's pattern description instead of per-weight indices.
///
/// Index bits per layer = P pattern ids of ⌈log2 L⌉ bits (the pattern of residue class q =
/// (filter + channel) mod P) + the library: L patterns, each a K²-bit kernel mask. Nothing grows
/// with Co, Ci or the number of non-zeros: the index memory depends on (P, L, K) only.
public enum PPSStorage {
    /// - Parameters:
    ///   - storedValues: the non-zero weights the layer keeps (n per pattern kernel, K² per dense one).
    ///   - period: P.
    ///   - libraryCount: L, the distinct patterns the layer uses.
    ///   - kernelSize: K.
    public static func bits(storedValues: Int, period: Int, libraryCount: Int, kernelSize: Int, valueBits: Int) throws -> StorageBits {
        guard storedValues >= 0 else { throw FormatError("PPS needs a non-negative value count, got \(storedValues)") }
        guard period >= 1 else { throw FormatError("PPS needs a period P ≥ 1, got \(period)") }
        guard libraryCount >= 1, libraryCount <= period else {
            throw FormatError("PPS needs 1 ≤ L ≤ P patterns, got L=\(libraryCount), P=\(period)")
        }
        guard kernelSize >= 1 else { throw FormatError("PPS needs K ≥ 1, got \(kernelSize)") }
        guard (1...64).contains(valueBits) else { throw FormatError("value width must be in 1...64 bits, got \(valueBits)") }
        return StorageBits(values: storedValues * valueBits,
                           index: indexBits(period: period, libraryCount: libraryCount, kernelSize: kernelSize))
    }

    /// The index (pattern description) bits of one layer: P·⌈log2 L⌉ + L·K².
    public static func indexBits(period: Int, libraryCount: Int, kernelSize: Int) -> Int {
        period * storageIndexBits(libraryCount) + libraryCount * kernelSize * kernelSize
    }
}
