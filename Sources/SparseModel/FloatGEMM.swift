import Formats

/// Golden GEMMs of the float SAT PE, on IEEE bit patterns held in `Int64` (operands: `format`
/// patterns, sign-extended from their width, as the integer workloads carry their values; results:
/// fp32 patterns sign-extended from 32 bits).
///
/// Order of operations, the PE's contract (`SparseAccel.SparsePE`): an output C[i][j] streams one
/// beat per group; beat g's N lane products (each ``FloatReference/multiply(_:_:_:subnormals:)``,
/// exact for bf16/fp16 in fp32's normal range) are summed by ``treeSum(_:subnormals:)``; the tile's
/// accumulator starts as beat 0's sum and adds every later beat's sum in order, each addition
/// ``FloatReference/add(_:_:subnormals:)``.
/// * dense: beat g, lane j multiplies A[i][g·N + j] by B[g·N + j][j'] (K/N beats);
/// * sparse: beat g, lane j multiplies group g's j-th kept entry of row i by B[g·M + index][j'].
/// Bubbles need no modelling: the array feeds them as −0 weights, whose sums are −0, the exact
/// identity of IEEE addition.
public enum FloatGEMM {
    /// The fp32 sum of `terms` in the hardware's tree order: pairs left to right at each level,
    /// an odd last term passing up unchanged ((t0 + t1) + (t2 + t3), (t0 + t1) + t2).
    public static func treeSum(_ terms: [UInt32], subnormals: SubnormalMode) -> UInt32 {
        var level = terms
        while level.count > 1 {
            var next: [UInt32] = []
            var i = 0
            while i + 1 < level.count {
                next.append(FloatReference.add(level[i], level[i + 1], subnormals: subnormals))
                i += 2
            }
            if i < level.count { next.append(level[i]) }
            level = next
        }
        return level.first ?? 0
    }

    /// C = A·B in dense mode with `lanes` (N) products per beat.
    public static func dense(_ a: Matrix<Int64>, _ b: Matrix<Int64>, lanes: Int, format: FloatFormat,
                             subnormals: SubnormalMode) throws -> Matrix<Int64> {
        guard a.cols == b.rows else {
            throw SparseModelError("float GEMM shape mismatch: A is \(a.rows)x\(a.cols), B is \(b.rows)x\(b.cols)")
        }
        guard lanes >= 1, a.cols >= lanes, a.cols % lanes == 0 else {
            throw SparseModelError("float GEMM: K = \(a.cols) must be a positive multiple of the \(lanes) lanes")
        }
        return Matrix(rows: a.rows, cols: b.cols) { i, j in
            accumulate(beats: a.cols / lanes, subnormals: subnormals) { g in
                (0..<lanes).map { l in
                    FloatReference.multiply(pattern(a[i, g * lanes + l]), pattern(b[g * lanes + l, j]), format, subnormals: subnormals)
                }
            }
        }
    }

    /// C = A·B with A N:M compressed along K (one beat per group of M).
    public static func sparse(_ a: NMCompressed<Int64>, _ b: Matrix<Int64>, format: FloatFormat,
                              subnormals: SubnormalMode) throws -> Matrix<Int64> {
        guard a.cols == b.rows else {
            throw SparseModelError("float sparse GEMM shape mismatch: A is \(a.rows)x\(a.cols), B is \(b.rows)x\(b.cols)")
        }
        let n = a.pattern.n, m = a.pattern.m, groups = a.groupsPerRow
        return Matrix(rows: a.rows, cols: b.cols) { i, j in
            accumulate(beats: groups, subnormals: subnormals) { g in
                (0..<n).map { slot in
                    let k = (i * groups + g) * n + slot
                    return FloatReference.multiply(pattern(a.values[k]), pattern(b[g * m + a.indices[k], j]), format, subnormals: subnormals)
                }
            }
        }
    }

    /// A `format` operand held sign-extended in an Int64, as its bit pattern.
    public static func pattern(_ v: Int64) -> UInt32 { UInt32(truncatingIfNeeded: v) }

    /// A bit pattern of `width` bits as the sign-extended Int64 the workloads carry.
    public static func signExtended(_ bits: UInt32, width: Int) -> Int64 {
        let shift = UInt32(64 - width)
        return Int64(bitPattern: UInt64(bits) << UInt64(shift)) >> Int64(shift)
    }

    /// The tile accumulation: beat 0's tree sum, then + each later beat's, as an fp32 pattern
    /// sign-extended from 32 bits.
    static func accumulate(beats: Int, subnormals: SubnormalMode, products: (Int) -> [UInt32]) -> Int64 {
        var acc: UInt32 = 0
        for g in 0..<beats {
            let s = treeSum(products(g), subnormals: subnormals)
            acc = g == 0 ? s : FloatReference.add(acc, s, subnormals: subnormals)
        }
        return signExtended(acc, width: 32)
    }
}
