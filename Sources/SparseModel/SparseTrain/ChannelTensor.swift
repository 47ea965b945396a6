/// A C × H × W tensor of one image (row-major, channel outermost): the operand of SparseTrain's
/// per-row dataflow (the hardware works on one image at a time; a batch is a loop around it).
public struct ChannelTensor<T: Sendable & Equatable>: Sendable, Equatable {
    public let channels: Int
    public let height: Int
    public let width: Int
    public var values: [T]

    /// A tensor of the given shape holding `fill`.
    public init(channels: Int, height: Int, width: Int, fill: T) {
        self.channels = channels
        self.height = height
        self.width = width
        values = [T](repeating: fill, count: channels * height * width)
    }

    /// A tensor holding `values` (count must be C·H·W).
    public init(channels: Int, height: Int, width: Int, values: [T]) throws {
        guard values.count == channels * height * width else {
            throw SparseModelError("tensor \(channels)x\(height)x\(width) needs \(channels * height * width) values, got \(values.count)")
        }
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    @inline(__always) public func index(_ c: Int, _ h: Int, _ w: Int) -> Int { (c * height + h) * width + w }

    public subscript(c: Int, h: Int, w: Int) -> T {
        get { values[index(c, h, w)] }
        set { values[index(c, h, w)] = newValue }
    }

    /// The row `h` of channel `c`.
    public func row(_ c: Int, _ h: Int) -> ArraySlice<T> { values[index(c, h, 0)..<index(c, h, 0) + width] }
}

extension ChannelTensor where T == Int64 {
    /// The fraction of elements that are zero.
    public var sparsity: Double { values.isEmpty ? 0 : Double(values.lazy.filter { $0 == 0 }.count) / Double(values.count) }
}
