/// A stable 128-bit content hash (two independent 64-bit FNV-1a lanes) for cache keys: the same
/// on every machine and run, unlike Swift's seeded `Hasher`.
public struct StableHash {
    var a: UInt64 = 0xcbf2_9ce4_8422_2325
    var b: UInt64 = 0x6c62_272e_07bb_0142

    public init() {}

    public mutating func add(_ s: String) {
        for byte in s.utf8 { mix(byte) }
        // Length and a separator, so ("ab","c") and ("a","bc") differ.
        for byte in String(s.utf8.count).utf8 { mix(byte) }
        mix(0xff)
    }

    mutating func mix(_ byte: UInt8) {
        a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        b = (b ^ UInt64(byte ^ 0x5a)) &* 0x0000_0100_0000_01b3
        b = (b << 7) | (b >> 57)
    }

    /// 32 hex digits.
    public var hex: String {
        func h(_ x: UInt64) -> String {
            let s = String(x, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }
        return h(a) + h(b)
    }
}
