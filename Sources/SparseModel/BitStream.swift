/// A little-endian bit stream in 64-bit words: bit i of the stream is bit (i % 64) of word i / 64
/// (bit 0 = LSB of word 0). Fields are appended LSB first and may straddle word boundaries.
struct BitWriter {
    /// The words written so far; bits past `bitCount` are zero.
    private(set) var words: [UInt64] = []
    /// The number of bits written.
    private(set) var bitCount = 0

    /// Appends the low `bits` (0...64) bits of `value`; higher bits of `value` are ignored.
    mutating func append(_ value: UInt64, bits: Int) {
        var remaining = bits
        var v = value
        while remaining > 0 {
            let word = bitCount / 64, offset = bitCount % 64
            if word == words.count { words.append(0) }
            let take = min(remaining, 64 - offset)
            words[word] |= (v & lowMask(take)) << UInt64(offset)
            v = take == 64 ? 0 : v >> UInt64(take)
            remaining -= take
            bitCount += take
        }
    }
}

/// Reads fields back from a stream written by `BitWriter`.
struct BitReader {
    let words: [UInt64]
    /// The index of the next bit to read.
    private(set) var position = 0

    init(_ words: [UInt64]) {
        self.words = words
    }

    /// The number of bits in `words`.
    var capacity: Int { words.count * 64 }

    /// Reads the next `bits` (0...64) bits as an unsigned field. The caller guarantees that
    /// `position + bits <= capacity`.
    mutating func read(bits: Int) -> UInt64 {
        var result: UInt64 = 0
        var got = 0
        while got < bits {
            let word = position / 64, offset = position % 64
            let take = min(bits - got, 64 - offset)
            let chunk = (words[word] >> UInt64(offset)) & lowMask(take)
            result |= chunk << UInt64(got)
            got += take
            position += take
        }
        return result
    }
}

/// A word with the low `bits` (0...64) bits set.
func lowMask(_ bits: Int) -> UInt64 {
    bits >= 64 ? ~0 : (1 << UInt64(bits)) &- 1
}
