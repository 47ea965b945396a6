/// A ground hardware type: a bit vector with an explicit width and signedness.
///
/// `Bool` is `UInt(1)`. Widths are positive; the largest supported width is
/// ``BitsType/maxWidth``.
public struct BitsType: Hashable, Sendable, CustomStringConvertible {
    public let width: Int
    public let signed: Bool

    /// Widest ground signal the DSL accepts (a sanity bound, not a Verilog limit).
    public static let maxWidth = 1 << 16

    public init(width: Int, signed: Bool) {
        self.width = width
        self.signed = signed
    }

    public static func uint(_ width: Int) -> BitsType { BitsType(width: width, signed: false) }
    public static func sint(_ width: Int) -> BitsType { BitsType(width: width, signed: true) }
    public static let bool = BitsType(width: 1, signed: false)

    public var description: String { signed ? "SInt(\(width))" : (width == 1 ? "Bool" : "UInt(\(width))") }

    /// The type with the same width and the other signedness flag.
    func with(signed s: Bool) -> BitsType { BitsType(width: width, signed: s) }
    func with(width w: Int) -> BitsType { BitsType(width: w, signed: signed) }
}

/// A field of a ``HWType/bundle(_:)``. A flipped field flows against the bundle's direction
/// (e.g. `ready` in a valid/ready stream).
public struct BundleField: Hashable, Sendable {
    public let name: String
    public let type: HWType
    public let flipped: Bool

    public init(_ name: String, _ type: HWType, flipped: Bool = false) {
        self.name = name
        self.type = type
        self.flipped = flipped
    }
}

/// A hardware type: ground bits, a vector of a type, or a bundle of named, directed fields.
public indirect enum HWType: Hashable, Sendable, CustomStringConvertible {
    case bits(BitsType)
    case vector(HWType, count: Int)
    case bundle([BundleField])

    public static func uint(_ width: Int) -> HWType { .bits(.uint(width)) }
    public static func sint(_ width: Int) -> HWType { .bits(.sint(width)) }
    public static let bool = HWType.bits(.bool)

    /// Total number of bits when flattened.
    public var bitCount: Int {
        switch self {
        case .bits(let b): return b.width
        case .vector(let t, let n): return t.bitCount * n
        case .bundle(let fs): return fs.reduce(0) { $0 + $1.type.bitCount }
        }
    }

    public var description: String {
        switch self {
        case .bits(let b): return b.description
        case .vector(let t, let n): return "Vec(\(n), \(t))"
        case .bundle(let fs):
            return "Bundle(" + fs.map { "\($0.flipped ? "flipped " : "")\($0.name): \($0.type)" }.joined(separator: ", ") + ")"
        }
    }

    /// Returns a problem description if the type is malformed (zero width, empty vector...).
    func validationProblem() -> String? {
        switch self {
        case .bits(let b):
            if b.width < 1 { return "width \(b.width) is not positive" }
            if b.width > BitsType.maxWidth { return "width \(b.width) exceeds the maximum \(BitsType.maxWidth)" }
            return nil
        case .vector(let t, let n):
            if n < 1 { return "vector length \(n) is not positive" }
            return t.validationProblem()
        case .bundle(let fs):
            if fs.isEmpty { return "bundle has no fields" }
            var seen = Set<String>()
            for f in fs {
                if !seen.insert(f.name).inserted { return "bundle field '\(f.name)' appears twice" }
                if let p = f.type.validationProblem() { return "field '\(f.name)': \(p)" }
            }
            return nil
        }
    }
}
