/// The layer descriptor of the SPS system: what a CONV layer instruction (``Instruction/ConvOp``,
/// kind `layer`) reads from one WBUF entry into the compute unit's layer registers, so the conv
/// geometry travels in the instruction stream's data, not through a host side-channel.
///
/// Layout (little-endian, bit 0 = LSB of the entry): `channels` (Ci) bits 11:0, `height` (H)
/// 23:12, `width` (W) 35:24, `outWidth` (Wo) 47:36, `stride` 51:48, `padding` 55:52 (left and
/// right, and the bottom: rows past `height` read as zeros), `padTop` 59:56 (the zero rows above
/// input row 0: the layer's padding, or 0 for a band of rows that starts inside the input); 60
/// bits, the rest of the entry zero. The compiler packs it, the hardware slices it with ``range(_:)``.
public struct SPSLayerDescriptor: Sendable, Hashable {
    public enum Field: CaseIterable, Sendable { case channels, height, width, outWidth, stride, padding, padTop }

    public var channels: Int
    public var height: Int
    public var width: Int
    public var outWidth: Int
    public var stride: Int
    public var padding: Int
    public var padTop: Int

    /// `padTop` defaults to `padding` (a whole layer).
    public init(channels: Int, height: Int, width: Int, outWidth: Int, stride: Int, padding: Int, padTop: Int? = nil) {
        self.channels = channels
        self.height = height
        self.width = width
        self.outWidth = outWidth
        self.stride = stride
        self.padding = padding
        self.padTop = padTop ?? padding
    }

    /// Bits of the descriptor.
    public static let bits = 60

    /// The bit range of `field`.
    public static func range(_ field: Field) -> Range<Int> {
        switch field {
        case .channels: return 0..<12
        case .height: return 12..<24
        case .width: return 24..<36
        case .outWidth: return 36..<48
        case .stride: return 48..<52
        case .padding: return 52..<56
        case .padTop: return 56..<60
        }
    }

    private func value(_ f: Field) -> Int {
        switch f {
        case .channels: return channels
        case .height: return height
        case .width: return width
        case .outWidth: return outWidth
        case .stride: return stride
        case .padding: return padding
        case .padTop: return padTop
        }
    }

    /// The packed descriptor (one 64-bit word). Throws a ``FormatError`` naming a field that does
    /// not fit, or a stride of 0.
    public func pack() throws -> [UInt64] {
        guard stride >= 1 else { throw FormatError("SPS layer descriptor: stride must be at least 1, got \(stride)") }
        var w = BitWriter(zeros: Self.bits)
        for f in Field.allCases {
            let r = Self.range(f), v = value(f)
            guard v >= 0, UInt64(v) <= lowMask(r.count) else {
                throw FormatError("SPS layer descriptor: \(f) \(v) does not fit \(r.count) bits")
            }
            w.set(UInt64(v), bits: r.count, at: r.lowerBound)
        }
        return w.words
    }

    /// Unpacks a descriptor.
    public static func unpack(_ words: [UInt64]) -> SPSLayerDescriptor {
        let r = BitReader(words)
        func get(_ f: Field) -> Int { Int(r.field(at: range(f).lowerBound, bits: range(f).count)) }
        return SPSLayerDescriptor(channels: get(.channels), height: get(.height), width: get(.width), outWidth: get(.outWidth),
                                  stride: get(.stride), padding: get(.padding), padTop: get(.padTop))
    }
}
