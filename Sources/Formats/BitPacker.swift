/// The one bit packer of the project: a little-endian bit stream in 64-bit words. Bit i of the
/// stream is bit (i % 64) of word i / 64 (bit 0 = LSB of word 0); fields are appended LSB first and
/// may straddle word boundaries. Every layout in Formats, the golden model's packed tensors and
/// the co-simulation's port words are written with it.
public struct BitWriter: Sendable {
    /// The words written so far; bits past `bitCount` are zero.
    public private(set) var words: [UInt64] = []
    /// The number of bits written.
    public private(set) var bitCount = 0

    public init() {}

    /// A writer whose stream is `bits` zero bits long, for `set(_:bits:at:)`.
    public init(zeros bits: Int) {
        words = [UInt64](repeating: 0, count: (max(0, bits) + 63) / 64)
        bitCount = max(0, bits)
    }

    /// Appends the low `bits` (0...64) bits of `value`; higher bits of `value` are ignored.
    public mutating func append(_ value: UInt64, bits: Int) {
        set(value, bits: bits, at: bitCount)
    }

    /// Writes the low `bits` (0...64) bits of `value` at bit `offset`, ORed into what is there
    /// (fields are written once). The stream grows to cover the field.
    public mutating func set(_ value: UInt64, bits: Int, at offset: Int) {
        var remaining = bits
        var v = value
        var position = offset
        while remaining > 0 {
            let word = position / 64, bit = position % 64
            while word >= words.count { words.append(0) }
            let take = min(remaining, 64 - bit)
            words[word] |= (v & lowMask(take)) << UInt64(bit)
            v = take == 64 ? 0 : v >> UInt64(take)
            remaining -= take
            position += take
        }
        bitCount = max(bitCount, offset + bits)
    }

    /// The stream as 32-bit words, least significant first, `⌈bitCount / 32⌉` of them (at least
    /// `minimumCount`): the form Verilator port buffers and test vectors use.
    public func words32(minimumCount: Int = 1) -> [UInt32] {
        Formats.words32(words, count: max(minimumCount, (bitCount + 31) / 32))
    }
}

/// Reads fields back from a stream written by ``BitWriter`` (or any little-endian word stream).
public struct BitReader: Sendable {
    public let words: [UInt64]
    /// The index of the next bit to read.
    public private(set) var position = 0

    public init(_ words: [UInt64]) { self.words = words }

    /// A reader over 32-bit words, least significant first.
    public init(words32: [UInt32]) {
        words = stride(from: 0, to: words32.count, by: 2).map { i in
            UInt64(words32[i]) | (i + 1 < words32.count ? UInt64(words32[i + 1]) << 32 : 0)
        }
    }

    /// The number of bits in `words`.
    public var capacity: Int { words.count * 64 }

    /// Reads the next `bits` (0...64) bits as an unsigned field; bits past the end read as zero.
    public mutating func read(bits: Int) -> UInt64 {
        let v = field(at: position, bits: bits)
        position += bits
        return v
    }

    /// The `bits`-bit (0...64) unsigned field at bit `offset`; bits past the end read as zero.
    public func field(at offset: Int, bits: Int) -> UInt64 {
        var result: UInt64 = 0
        var got = 0
        var p = offset
        while got < bits {
            let word = p / 64, bit = p % 64
            let take = min(bits - got, 64 - bit)
            let chunk = word < words.count ? (words[word] >> UInt64(bit)) & lowMask(take) : 0
            result |= chunk << UInt64(got)
            got += take
            p += take
        }
        return result
    }
}

/// The first `count` 32-bit words (least significant first) of a stream of 64-bit words; words
/// past its end are zero.
public func words32(_ words: [UInt64], count: Int) -> [UInt32] {
    (0..<max(0, count)).map { i in
        let w = i / 2 < words.count ? words[i / 2] : 0
        return UInt32(truncatingIfNeeded: i % 2 == 0 ? w : w >> 32)
    }
}

/// A word with the low `bits` (0...64) bits set.
@inlinable public func lowMask(_ bits: Int) -> UInt64 {
    bits >= 64 ? ~0 : (1 << UInt64(max(0, bits))) &- 1
}

/// Two's complement fields of 1...64 bits.
public enum TwosComplement {
    /// The range a `bits`-bit two's complement field holds.
    public static func range(bits: Int) -> ClosedRange<Int64> {
        bits >= 64 ? Int64.min...Int64.max : -(Int64(1) << Int64(bits - 1))...((Int64(1) << Int64(bits - 1)) - 1)
    }

    /// The low `bits` bits of `value`, or nil if `value` does not fit `bits`-bit two's complement.
    public static func encode(_ value: Int64, bits: Int) -> UInt64? {
        guard (1...64).contains(bits), range(bits: bits).contains(value) else { return nil }
        return UInt64(bitPattern: value) & lowMask(bits)
    }

    /// The low `bits` bits of `value` (wrapping: any value is accepted).
    public static func wrap(_ value: Int64, bits: Int) -> UInt64 { UInt64(bitPattern: value) & lowMask(bits) }

    /// Sign-extends the low `bits` (1...64) bits of `raw`.
    public static func decode(_ raw: UInt64, bits: Int) -> Int64 {
        guard bits < 64 else { return Int64(bitPattern: raw) }
        let shift = UInt64(64 - bits)
        return Int64(bitPattern: raw << shift) >> Int64(shift)
    }
}
