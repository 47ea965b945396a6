/// A keep/drop mask over a matrix: `true` keeps the element, `false` prunes it to zero.
/// Produced by `NMPruning`; `apply(to:)` forms W ⊙ M.
public struct Mask: Sendable, Equatable {
    /// The mask as a Bool matrix (`true` = kept).
    public let bits: Matrix<Bool>

    /// Wraps a Bool matrix as a mask.
    public init(_ bits: Matrix<Bool>) {
        self.bits = bits
    }

    /// The number of rows.
    public var rows: Int { bits.rows }
    /// The number of columns.
    public var cols: Int { bits.cols }

    /// Whether element [r, c] is kept. Like `Array`, an out-of-range index traps.
    public subscript(r: Int, c: Int) -> Bool { bits[r, c] }

    /// The number of kept elements.
    public var keptCount: Int { bits.storage.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// The mask of the transposed matrix.
    public var transposed: Mask { Mask(bits.transposed) }

    /// The complement 1 − M: keeps exactly the elements this mask prunes.
    public var complement: Mask {
        var flipped = bits
        flipped.storage = bits.storage.map { !$0 }
        return Mask(flipped)
    }

    /// W ⊙ M: `w` with every pruned element replaced by zero. Throws if the shapes differ.
    public func apply<T: Numeric & Sendable>(to w: Matrix<T>) throws -> Matrix<T> {
        try requireShape(of: w, "apply a mask")
        var out = w
        for i in out.storage.indices where !bits.storage[i] { out.storage[i] = 0 }
        return out
    }

    /// Throws unless `w` has this mask's shape; `action` names the operation in the message.
    func requireShape<T>(of w: Matrix<T>, _ action: String) throws {
        guard w.rows == rows, w.cols == cols else {
            throw SparseModelError("cannot \(action): mask is \(rows)x\(cols), matrix is \(w.rows)x\(w.cols)")
        }
    }
}
