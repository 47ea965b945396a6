/// One dense SR-STE weight update (sparse-refined straight-through estimator):
/// W ← W − η·(dW + λ·(1 − Mf) ⊙ W).
///
/// The gradient `dw` is the dense weight gradient; the decay term λ·W applies only to the weights the
/// forward mask `mask` prunes, pulling them towards zero while still letting them regrow. Throws if
/// `w`, `dw` and `mask` do not all have the same shape.
public func srsteUpdate<T: FloatingPoint & Sendable>(
    w: Matrix<T>, dw: Matrix<T>, mask: Mask, lr: T, lambda: T
) throws -> Matrix<T> {
    try mask.requireShape(of: w, "apply an SR-STE update")
    guard dw.rows == w.rows, dw.cols == w.cols else {
        throw SparseModelError(
            "cannot apply an SR-STE update: W is \(w.rows)x\(w.cols), dW is \(dw.rows)x\(dw.cols)")
    }
    var out = w
    for i in out.storage.indices {
        let decay: T = mask.bits.storage[i] ? 0 : lambda * w.storage[i]
        out.storage[i] = w.storage[i] - lr * (dw.storage[i] + decay)
    }
    return out
}
