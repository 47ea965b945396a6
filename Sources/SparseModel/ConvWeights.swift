/// A convolution weight tensor W[Co][Ci][K][K] (output channels, input channels, kernel rows, kernel
/// columns), stored densely in that order, with its GEMM view `asMatrix`.
///
/// The GEMM view is the Co × (Ci·K·K) matrix whose reduction (column) index is
/// `(ci*K + kh)*K + kw`; N:M pruning works on that view (forward groups along its columns, backward
/// groups along Co).
public struct ConvWeights<Element: Sendable>: Sendable {
    /// Co, the number of output channels (rows of the GEMM view).
    public let outChannels: Int
    /// Ci, the number of input channels.
    public let inChannels: Int
    /// K, the kernel height and width.
    public let kernelSize: Int
    /// The elements in [co][ci][kh][kw] order; `storage.count == outChannels * reductionLength`.
    public private(set) var storage: [Element]

    /// Ci·K·K, the length of the reduction dimension (columns of the GEMM view).
    public var reductionLength: Int { inChannels * kernelSize * kernelSize }

    /// Creates a Co×Ci×K×K tensor with every element `value`. Throws unless every dimension is at
    /// least 1 and the element count is representable.
    public init(outChannels: Int, inChannels: Int, kernelSize: Int, repeating value: Element) throws {
        let count = try Self.elementCount(outChannels, inChannels, kernelSize)
        self.outChannels = outChannels
        self.inChannels = inChannels
        self.kernelSize = kernelSize
        storage = Array(repeating: value, count: count)
    }

    /// Creates a Co×Ci×K×K tensor whose element [co][ci][kh][kw] is `generate(co, ci, kh, kw)`.
    /// Throws unless every dimension is at least 1 and the element count is representable.
    public init(
        outChannels: Int, inChannels: Int, kernelSize: Int,
        _ generate: (_ co: Int, _ ci: Int, _ kh: Int, _ kw: Int) -> Element
    ) throws {
        let count = try Self.elementCount(outChannels, inChannels, kernelSize)
        self.outChannels = outChannels
        self.inChannels = inChannels
        self.kernelSize = kernelSize
        var s: [Element] = []
        s.reserveCapacity(count)
        for co in 0..<outChannels {
            for ci in 0..<inChannels {
                for kh in 0..<kernelSize {
                    for kw in 0..<kernelSize { s.append(generate(co, ci, kh, kw)) }
                }
            }
        }
        storage = s
    }

    /// Rebuilds the tensor from its GEMM view (the inverse of `asMatrix`): `matrix` must be
    /// Co × (Ci·K·K) for the given Ci and K, otherwise this throws.
    public init(matrix: Matrix<Element>, inChannels: Int, kernelSize: Int) throws {
        let count = try Self.elementCount(matrix.rows, inChannels, kernelSize)
        let reduction = inChannels * kernelSize * kernelSize
        guard matrix.cols == reduction, matrix.storage.count == count else {
            throw SparseModelError(
                "a \(matrix.rows)x\(matrix.cols) matrix is not the GEMM view of Ci=\(inChannels), "
                    + "K=\(kernelSize) weights (needs \(reduction) columns)")
        }
        outChannels = matrix.rows
        self.inChannels = inChannels
        self.kernelSize = kernelSize
        // Row-major Co × (Ci·K·K) with column (ci*K + kh)*K + kw is exactly [co][ci][kh][kw] order.
        storage = matrix.storage
    }

    /// The column of the GEMM view holding W[·][ci][kh][kw]: `(ci*K + kh)*K + kw`.
    public func reductionIndex(ci: Int, kh: Int, kw: Int) -> Int {
        (ci * kernelSize + kh) * kernelSize + kw
    }

    /// The element W[co][ci][kh][kw]. Like `Array`, an out-of-range coordinate is a programming
    /// error and traps.
    public subscript(co: Int, ci: Int, kh: Int, kw: Int) -> Element {
        get { storage[flatIndex(co, ci, kh, kw)] }
        set { storage[flatIndex(co, ci, kh, kw)] = newValue }
    }

    /// The Co × (Ci·K·K) GEMM view: element [co][(ci*K + kh)*K + kw] is W[co][ci][kh][kw].
    public var asMatrix: Matrix<Element> {
        let cols = reductionLength
        return Matrix(rows: outChannels, cols: cols) { r, c in storage[r * cols + c] }
    }

    private func flatIndex(_ co: Int, _ ci: Int, _ kh: Int, _ kw: Int) -> Int {
        precondition(
            (0..<outChannels).contains(co) && (0..<inChannels).contains(ci)
                && (0..<kernelSize).contains(kh) && (0..<kernelSize).contains(kw),
            "ConvWeights index [\(co)][\(ci)][\(kh)][\(kw)] out of range for "
                + "\(outChannels)x\(inChannels)x\(kernelSize)x\(kernelSize)")
        return co * reductionLength + reductionIndex(ci: ci, kh: kh, kw: kw)
    }

    private static func elementCount(_ co: Int, _ ci: Int, _ k: Int) throws -> Int {
        guard co >= 1, ci >= 1, k >= 1 else {
            throw SparseModelError("conv weights need Co, Ci, K ≥ 1, got Co=\(co), Ci=\(ci), K=\(k)")
        }
        var count = co
        for factor in [ci, k, k] {
            let (product, overflow) = count.multipliedReportingOverflow(by: factor)
            guard !overflow else {
                throw SparseModelError("conv weights Co=\(co), Ci=\(ci), K=\(k) have too many elements")
            }
            count = product
        }
        return count
    }
}

extension ConvWeights: Equatable where Element: Equatable {}
