/// One kept entry of an N:M group: its value and its index in the group (0..<M).
public struct NMEntry: Sendable, Hashable {
    public var value: Int64
    public var index: Int
    public init(value: Int64, index: Int) {
        self.value = value
        self.index = index
    }
}

/// The bit layout of the N:M compressed stream — the one definition shared by the hardware
/// (the SAT indexing unit slices its weight-stream port with it), the golden model (its packed
/// compressed matrices), the compiler and the co-simulation workloads.
///
/// A stream is a sequence of groups; a group is N entries in ascending index order; an entry is
/// `valueBits` bits of the two's complement value (low bits) followed immediately by ⌈log2 M⌉
/// bits of the index in the group (high bits). Entry `slot` of the k-th group of a stream starts
/// at bit `(k·N + slot) · entryBits`. Streams are packed with ``BitWriter`` (little-endian, 64-bit
/// words, bit 0 = LSB of word 0); bits after the last entry are zero.
///
/// Who orders the groups is not part of the layout: the golden model's compressed matrix is the
/// stream of its groups row by row (`(row, group)` order); one word of the SAT array's weight
/// port is the stream of group g of every PE row (`row` order, R groups).
public struct NMStreamLayout: Sendable, Hashable, CustomStringConvertible {
    public let pattern: NMPattern
    /// Width of a value field, 1...64 bits.
    public let valueBits: Int

    /// Throws unless `valueBits` is in 1...64.
    public init(pattern: NMPattern, valueBits: Int) throws {
        guard (1...64).contains(valueBits) else {
            throw FormatError("value width must be in 1...64 bits, got \(valueBits)")
        }
        self.pattern = pattern
        self.valueBits = valueBits
    }

    /// Width of an index field: ⌈log2 M⌉ bits.
    public var indexBits: Int { pattern.indexBits }
    /// Bits of one entry: value then index.
    public var entryBits: Int { valueBits + indexBits }
    /// Bits of one group of N entries.
    public var groupBits: Int { pattern.n * entryBits }
    /// Bits of the value field within an entry.
    public var valueField: Range<Int> { 0..<valueBits }
    /// Bits of the index field within an entry.
    public var indexField: Range<Int> { valueBits..<entryBits }

    /// The first bit of entry `slot` (0..<N) of the `group`-th group of a stream.
    public func entryOffset(group: Int, slot: Int) -> Int { (group * pattern.n + slot) * entryBits }

    /// Exact length in bits of a stream of `groups` groups (before padding to whole words).
    public func bits(groups: Int) -> Int { groups * groupBits }

    public var description: String { "\(pattern) stream, \(valueBits)-bit values + \(indexBits)-bit indices" }

    /// Packs `groups` (each exactly N entries, indices strictly ascending in 0..<M, values fitting
    /// `valueBits`-bit two's complement). `location(k)` names group k in error messages.
    public func pack(_ groups: [[NMEntry]], location: (Int) -> String = { "group \($0)" }) throws -> [UInt64] {
        var writer = BitWriter()
        for (k, group) in groups.enumerated() {
            try check(group, at: location(k))
            for e in group {
                guard let v = TwosComplement.encode(e.value, bits: valueBits) else {
                    let r = TwosComplement.range(bits: valueBits)
                    throw FormatError("value \(e.value) at \(location(k)), index \(e.index) does not fit in "
                        + "\(valueBits)-bit two's complement (\(r.lowerBound)...\(r.upperBound))")
                }
                writer.append(v, bits: valueBits)
                writer.append(UInt64(e.index), bits: indexBits)
            }
        }
        return writer.words
    }

    /// Unpacks `groups` groups; throws unless `words` holds exactly the words they need, the
    /// padding is zero and every group's indices are strictly ascending.
    public func unpack(_ words: [UInt64], groups: Int, location: (Int) -> String = { "group \($0)" }) throws -> [[NMEntry]] {
        guard groups >= 0 else { throw FormatError("group count must be ≥ 0, got \(groups)") }
        let (total, overflow) = groups.multipliedReportingOverflow(by: groupBits)
        guard !overflow, total <= Int.max - 63 else { throw FormatError("a stream of \(groups) groups is too large") }
        let needed = (total + 63) / 64
        guard words.count == needed else {
            throw FormatError("a stream of \(groups) \(pattern) groups with \(valueBits)-bit values is \(total) bits = "
                + "\(needed) words, got \(words.count) words")
        }
        var reader = BitReader(words)
        var out: [[NMEntry]] = []
        out.reserveCapacity(groups)
        for k in 0..<groups {
            var group: [NMEntry] = []
            for _ in 0..<pattern.n {
                let v = TwosComplement.decode(reader.read(bits: valueBits), bits: valueBits)
                group.append(NMEntry(value: v, index: Int(reader.read(bits: indexBits))))
            }
            try check(group, at: location(k))
            out.append(group)
        }
        let padding = reader.capacity - total
        if padding > 0, reader.read(bits: padding) != 0 {
            throw FormatError("padding bits after the last entry (bit \(total) on) are not zero")
        }
        return out
    }

    /// Throws unless `group` has N entries with strictly ascending indices in 0..<M.
    public func check(_ group: [NMEntry], at location: String) throws {
        guard group.count == pattern.n else {
            throw FormatError("\(location): \(group.count) entries, \(pattern) needs \(pattern.n)")
        }
        var previous = -1
        for e in group {
            guard e.index > previous, e.index < pattern.m else {
                throw FormatError("\(location): indices \(group.map(\.index)) are not strictly ascending in 0..<\(pattern.m)")
            }
            previous = e.index
        }
    }
}
