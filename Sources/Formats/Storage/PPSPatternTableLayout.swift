/// The bit layout of the SPS indexing unit's pattern table: one entry per residue class q of the
/// period (q = 0..<P), each holding the kernel offsets (kh, kw) of the pattern's n non-zeros in the
/// order the packed weight stream stores them (row-major in the kernel).
///
/// Entry q, slot s occupies bits [s·2b, s·2b + 2b) with b = ⌈log2 K⌉ (at least 1): kw in the low
/// b bits, kh in the high b bits. The RTL, the compiler (which loads the table) and the storage
/// report all use this one layout.
public struct PPSPatternTableLayout: Sendable, Hashable, Codable {
    public let kernelSize: Int
    public let slots: Int
    public let period: Int

    /// Throws unless K ≥ 1, 1 ≤ n ≤ K² and P ≥ 1.
    public init(kernelSize: Int, slots: Int, period: Int) throws {
        guard kernelSize >= 1, kernelSize <= 15 else { throw FormatError("pattern table needs 1 ≤ K ≤ 15, got K=\(kernelSize)") }
        guard slots >= 1, slots <= kernelSize * kernelSize else {
            throw FormatError("a pattern keeps 1...K² = \(kernelSize * kernelSize) weights, got n=\(slots)")
        }
        guard period >= 1, period <= 256 else { throw FormatError("period P must be in 1...256, got \(period)") }
        self.kernelSize = kernelSize
        self.slots = slots
        self.period = period
    }

    /// Bits of one offset coordinate.
    public var coordBits: Int { max(1, storageIndexBits(kernelSize)) }
    /// Bits of one entry (n offsets).
    public var entryBits: Int { slots * 2 * coordBits }
    /// Bits of the whole table: the SPS design's entire index memory for a layer.
    public var totalBits: Int { period * entryBits }

    /// Packs one entry from its n (kh, kw) offsets (little-endian 64-bit words).
    public func pack(_ offsets: [(kh: Int, kw: Int)]) throws -> [UInt64] {
        guard offsets.count == slots else { throw FormatError("a pattern table entry holds \(slots) offsets, got \(offsets.count)") }
        var p = BitWriter()
        for o in offsets {
            guard (0..<kernelSize).contains(o.kh), (0..<kernelSize).contains(o.kw) else {
                throw FormatError("offset (\(o.kh), \(o.kw)) is outside a \(kernelSize)x\(kernelSize) kernel")
            }
            p.append(UInt64(o.kw), bits: coordBits)
            p.append(UInt64(o.kh), bits: coordBits)
        }
        return p.words
    }

    /// Unpacks one entry.
    public func unpack(_ words: [UInt64]) throws -> [(kh: Int, kw: Int)] {
        guard words.count * 64 >= entryBits else { throw FormatError("a pattern table entry needs \(entryBits) bits, got \(words.count * 64)") }
        var r = BitReader(words)
        var out: [(kh: Int, kw: Int)] = []
        for _ in 0..<slots {
            let kw = Int(r.read(bits: coordBits))
            let kh = Int(r.read(bits: coordBits))
            out.append((kh, kw))
        }
        return out
    }
}
