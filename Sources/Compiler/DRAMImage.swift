import Formats

/// A byte-addressed DRAM image: what a program's LOADs read and its STOREs write.
///
/// Contract: byte a of the image is the memory byte at address a. A multi-beat entry occupies
/// consecutive bytes, its bit i at bit i % 8 of byte i / 8 (little-endian), which is how 64-bit
/// ``BitWriter`` words map to bytes (`words(at:byteCount:)`, `write(words:at:byteCount:)`).
/// Reads and writes outside the image trap like an array index: callers check ranges first.
public struct DRAMImage: Sendable, Equatable {
    /// The bytes of the image.
    public private(set) var bytes: [UInt8]

    /// An image of `size` zero bytes.
    public init(size: Int) { bytes = [UInt8](repeating: 0, count: max(0, size)) }

    /// The image's size in bytes.
    public var size: Int { bytes.count }

    /// `count` bytes from `address`.
    public func read(at address: Int, count: Int) -> [UInt8] { Array(bytes[address..<(address + count)]) }

    /// Writes `data` from `address`.
    public mutating func write(_ data: [UInt8], at address: Int) {
        bytes.replaceSubrange(address..<(address + data.count), with: data)
    }

    /// `byteCount` bytes from `address` as little-endian 64-bit words (the last word zero-padded).
    public func words(at address: Int, byteCount: Int) -> [UInt64] {
        DRAMImage.words(fromBytes: bytes[address..<(address + byteCount)])
    }

    /// Writes the first `byteCount` bytes of the little-endian words `words` from `address`
    /// (bytes past the words are written as zero).
    public mutating func write(words: [UInt64], at address: Int, byteCount: Int) {
        write(DRAMImage.bytes(fromWords: words, count: byteCount), at: address)
    }

    /// The first `count` little-endian bytes of `words` (zero past their end).
    public static func bytes(fromWords words: [UInt64], count: Int) -> [UInt8] {
        (0..<count).map { i in i / 8 < words.count ? UInt8(truncatingIfNeeded: words[i / 8] >> UInt64(8 * (i % 8))) : 0 }
    }

    /// Little-endian 64-bit words of `bytes` (the last word zero-padded).
    public static func words<C: Collection>(fromBytes bytes: C) -> [UInt64] where C.Element == UInt8 {
        var out = [UInt64](repeating: 0, count: (bytes.count + 7) / 8)
        for (i, b) in bytes.enumerated() { out[i / 8] |= UInt64(b) << UInt64(8 * (i % 8)) }
        return out
    }
}

/// A named, contiguous range of a DRAM image.
public struct DRAMRegion: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    /// First byte.
    public let base: Int
    /// Length in bytes.
    public let bytes: Int

    public init(name: String, base: Int, bytes: Int) {
        self.name = name
        self.base = base
        self.bytes = bytes
    }

    /// One past the last byte.
    public var end: Int { base + bytes }

    public var description: String { "\(name) [0x\(String(base, radix: 16)), +\(bytes))" }
}
