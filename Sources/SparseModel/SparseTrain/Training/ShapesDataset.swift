/// A procedurally generated 10-class image set (3 × 32 × 32, values in [0, 1]) for training the
/// small CNN: each image is one drawn figure on a noisy background, with a random position,
/// size, stroke width and colour. Deterministic: image i of seed s is always the same.
///
/// Classes: 0 filled square, 1 hollow square, 2 filled disc, 3 ring, 4 horizontal stripes,
/// 5 vertical stripes, 6 diagonal stroke (\), 7 anti-diagonal stroke (/), 8 cross (+),
/// 9 filled triangle.
public struct ShapesDataset: Sendable {
    public static let classes = 10
    public static let side = 32
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// A small deterministic generator (xorshift64*), local so the golden model needs nothing else.
    struct Generator {
        var s: UInt64
        init(_ seed: UInt64) { s = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
        mutating func next() -> UInt64 {
            s ^= s >> 12
            s ^= s << 25
            s ^= s >> 27
            return s &* 0x2545_F491_4F6C_DD1D
        }
        mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }
        mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(next() % UInt64(r.count)) }
    }

    /// Image `index` (C × H × W, channel-major) and its label.
    public func sample(_ index: Int) -> (image: [Float], label: Int) {
        var g = Generator(seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index) &* 0xBF58_476D_1CE4_E5B9 &+ 1)
        _ = g.next()
        let label = g.int(0...9)
        let n = Self.side
        let size = g.int(12...22), stroke = g.int(2...4)
        let x0 = g.int(1...(n - size - 1)), y0 = g.int(1...(n - size - 1))
        let colour = (0..<3).map { _ in 0.5 + 0.5 * g.unit() }
        let background = 0.2 * g.unit()
        var img = [Float](repeating: 0, count: 3 * n * n)
        let cx = Float(x0) + Float(size) / 2, cy = Float(y0) + Float(size) / 2, r = Float(size) / 2
        for y in 0..<n {
            for x in 0..<n {
                let u = x - x0, v = y - y0
                let inside = u >= 0 && u < size && v >= 0 && v < size
                let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                let d = (dx * dx + dy * dy).squareRoot()
                var on = false
                switch label {
                case 0: on = inside
                case 1: on = inside && (u < stroke || v < stroke || u >= size - stroke || v >= size - stroke)
                case 2: on = d <= r
                case 3: on = d <= r && d >= r - Float(stroke)
                case 4: on = inside && (v / stroke) % 2 == 0
                case 5: on = inside && (u / stroke) % 2 == 0
                case 6: on = inside && abs(u - v) < stroke
                case 7: on = inside && abs(u + v - (size - 1)) < stroke
                case 8: on = inside && (abs(2 * u - (size - 1)) < 2 * stroke || abs(2 * v - (size - 1)) < 2 * stroke)
                default: on = inside && 2 * abs(2 * u - (size - 1)) <= 2 * v
                }
                for c in 0..<3 {
                    let noise = 0.1 * g.unit()
                    img[(c * n + y) * n + x] = (on ? colour[c] : background) + noise
                }
            }
        }
        return (img, label)
    }
}
