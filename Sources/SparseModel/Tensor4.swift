/// The shape of a batch of activations (or activation gradients): B × H × W × C.
public struct TensorShape: Sendable, Hashable, Codable, CustomStringConvertible {
    public let batch: Int
    public let height: Int
    public let width: Int
    public let channels: Int

    public init(batch: Int, height: Int, width: Int, channels: Int) {
        self.batch = batch
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// B·H·W, the number of pixels (GEMM columns of a channels × pixels view).
    public var pixels: Int { batch * height * width }

    /// The flat pixel index of (b, h, w): (b·H + h)·W + w.
    public func pixel(b: Int, h: Int, w: Int) -> Int { (b * height + h) * width + w }

    public var description: String { "\(batch)x\(height)x\(width)x\(channels)" }
}

/// A batch of activations or activation gradients of integer values (d-bit values in Int64
/// storage), in **NHWC** order: element [b][h][w][c] is at `((b·H + h)·W + w)·C + c`.
///
/// Channels innermost makes a group of M consecutive channels of one pixel contiguous, the same
/// grouping as the default ``ReductionOrder/channelsInnermost`` N:M groups of the forward GEMM
/// (and of the backward GEMM, whose groups are M consecutive output channels).
public struct Tensor4: Sendable, Equatable {
    public let shape: TensorShape
    /// The elements in NHWC order; `storage.count == B·H·W·C`.
    public private(set) var storage: [Int64]

    /// A tensor of `shape` with every element `value`. Throws unless every dimension is at least 1
    /// and the element count is representable.
    public init(shape: TensorShape, repeating value: Int64 = 0) throws {
        let count = try Self.elementCount(shape)
        self.shape = shape
        storage = Array(repeating: value, count: count)
    }

    /// A tensor whose element [b][h][w][c] is `generate(b, h, w, c)`, generated in NHWC order (so a
    /// PRNG-driven generator fills it in storage order). Throws as `init(shape:repeating:)`.
    public init(shape: TensorShape, _ generate: (_ b: Int, _ h: Int, _ w: Int, _ c: Int) -> Int64) throws {
        let count = try Self.elementCount(shape)
        var s: [Int64] = []
        s.reserveCapacity(count)
        for b in 0..<shape.batch {
            for h in 0..<shape.height {
                for w in 0..<shape.width {
                    for c in 0..<shape.channels { s.append(generate(b, h, w, c)) }
                }
            }
        }
        self.shape = shape
        storage = s
    }

    /// A tensor from its NHWC storage. Throws unless `storage` has exactly B·H·W·C elements.
    public init(shape: TensorShape, storage: [Int64]) throws {
        let count = try Self.elementCount(shape)
        guard storage.count == count else {
            throw SparseModelError("a \(shape) tensor needs \(count) elements, got \(storage.count)")
        }
        self.shape = shape
        self.storage = storage
    }

    /// The tensor from its channels × pixels view (the inverse of `channelsByPixels`): `matrix` is
    /// C × (B·H·W), column (b·H + h)·W + w. Throws unless the matrix has that shape.
    public init(channelsByPixels matrix: Matrix<Int64>, shape: TensorShape) throws {
        let count = try Self.elementCount(shape)
        guard matrix.rows == shape.channels, matrix.cols == shape.pixels, matrix.storage.count == count else {
            throw SparseModelError(
                "a \(matrix.rows)x\(matrix.cols) matrix is not the channels x pixels view of a \(shape) tensor "
                    + "(needs \(shape.channels)x\(shape.pixels))")
        }
        self.shape = shape
        var s = [Int64](repeating: 0, count: count)
        let c = shape.channels, p = shape.pixels
        for ch in 0..<c {
            for px in 0..<p { s[px * c + ch] = matrix.storage[ch * p + px] }
        }
        storage = s
    }

    /// The C × (B·H·W) view: element [c][(b·H + h)·W + w] is [b][h][w][c]. This is the layout of a
    /// GEMM result with channels as rows (Y of the forward GEMM, dX of the backward one) and of
    /// dY as the left operand of the weight-gradient GEMM.
    public var channelsByPixels: Matrix<Int64> {
        let c = shape.channels
        return Matrix(rows: c, cols: shape.pixels) { ch, px in storage[px * c + ch] }
    }

    /// Element [b][h][w][c]. Like `Array`, an out-of-range coordinate traps.
    public subscript(b: Int, h: Int, w: Int, c: Int) -> Int64 {
        get { storage[flatIndex(b, h, w, c)] }
        set { storage[flatIndex(b, h, w, c)] = newValue }
    }

    /// Throws unless every element is a `bits`-bit two's complement value; `what` names the tensor.
    public func requireValues(bits: Int, _ what: String) throws {
        let r = signedRange(bits: bits)
        if let i = storage.firstIndex(where: { !r.contains($0) }) {
            let c = shape.channels, p = i / c
            let w = p % shape.width, h = p / shape.width % shape.height, b = p / shape.width / shape.height
            throw SparseModelError(
                "\(what)[\(b)][\(h)][\(w)][\(i % c)] = \(storage[i]) does not fit \(bits)-bit two's complement "
                    + "(\(r.lowerBound)...\(r.upperBound))")
        }
    }

    private func flatIndex(_ b: Int, _ h: Int, _ w: Int, _ c: Int) -> Int {
        precondition(
            (0..<shape.batch).contains(b) && (0..<shape.height).contains(h) && (0..<shape.width).contains(w)
                && (0..<shape.channels).contains(c),
            "Tensor4 index [\(b)][\(h)][\(w)][\(c)] out of range for \(shape)")
        return ((b * shape.height + h) * shape.width + w) * shape.channels + c
    }

    private static func elementCount(_ s: TensorShape) throws -> Int {
        guard s.batch >= 1, s.height >= 1, s.width >= 1, s.channels >= 1 else {
            throw SparseModelError("a tensor needs B, H, W, C ≥ 1, got \(s)")
        }
        guard let count = LayerSpec.product([s.batch, s.height, s.width, s.channels]) else {
            throw SparseModelError("a \(s) tensor has too many elements")
        }
        return count
    }
}

/// The range of a `bits`-bit two's complement value (1...64 bits).
func signedRange(bits: Int) -> ClosedRange<Int64> {
    bits >= 64 ? Int64.min...Int64.max : -(Int64(1) << (bits - 1))...((Int64(1) << (bits - 1)) - 1)
}
