import Formats
import SparseModel

/// The DRAM layout of a GEMM's dense right operand B (K × cols) as XBUF entries.
///
/// Contract: column tile tj (columns tj·C ..< tj·C + C) and reduction group g (rows g·M ..< g·M + M)
/// form entry `tj · groups + g`, `groups = ⌈K / M⌉` (K padded to a multiple of M). The entry holds
/// C columns × M elements of d bits, element (c, j) = B[g·M + j][tj·C + c] at bit (c·M + j)·d, zero
/// outside the matrix; it takes `denseEntryChunks` beats. Entries are consecutive in DRAM, so the
/// reduction chunk of one column tile is one contiguous run.
public struct DenseEntryLayout: Sendable, Hashable {
    public let target: SystemTarget
    /// K and the columns of B.
    public let reduction: Int
    public let cols: Int

    public init(target: SystemTarget, reduction: Int, cols: Int) {
        self.target = target
        self.reduction = reduction
        self.cols = cols
    }

    /// Column tiles, ⌈cols / C⌉.
    public var colTiles: Int { (cols + target.cols - 1) / target.cols }
    /// Reduction groups, ⌈K / M⌉.
    public var groups: Int { (reduction + target.m - 1) / target.m }
    /// Entries of the region.
    public var entries: Int { colTiles * groups }
    /// Beats and bytes of one entry, bytes of the region.
    public var entryBeats: Int { target.denseEntryChunks }
    public var entryBytes: Int { entryBeats * target.beatBytes }
    public var regionBytes: Int { entries * entryBytes }

    /// The index of entry (tj, g).
    public func index(colTile tj: Int, group g: Int) -> Int { tj * groups + g }

    /// The region's bytes for `b` (K × cols, d-bit values). Throws on a shape mismatch or a value
    /// that does not fit d bits.
    public func pack(_ b: Matrix<Int64>) throws -> [UInt8] {
        guard b.rows == reduction, b.cols == cols else {
            throw CompileError("dense operand is \(b.rows)x\(b.cols), the layout is for \(reduction)x\(cols)")
        }
        let C = target.cols, M = target.m, d = target.dataBits
        var out: [UInt8] = []
        out.reserveCapacity(regionBytes)
        for tj in 0..<colTiles {
            for g in 0..<groups {
                var w = BitWriter(zeros: entryBytes * 8)
                for c in 0..<C where tj * C + c < cols {
                    for j in 0..<M where g * M + j < reduction {
                        let v = b[g * M + j, tj * C + c]
                        guard let raw = TwosComplement.encode(v, bits: d) else {
                            throw CompileError("dense operand [\(g * M + j)][\(tj * C + c)] = \(v) does not fit \(d) bits")
                        }
                        w.set(raw, bits: d, at: (c * M + j) * d)
                    }
                }
                out += DRAMImage.bytes(fromWords: w.words, count: entryBytes)
            }
        }
        return out
    }

    /// B from the region's bytes; throws unless `bytes` is the region's size and every element
    /// outside the matrix (padding) is zero.
    public func unpack(_ bytes: [UInt8]) throws -> Matrix<Int64> {
        guard bytes.count == regionBytes else { throw CompileError("dense operand region is \(regionBytes) bytes, got \(bytes.count)") }
        let C = target.cols, M = target.m, d = target.dataBits
        var b = Matrix<Int64>(rows: reduction, cols: cols, repeating: 0)
        for tj in 0..<colTiles {
            for g in 0..<groups {
                let start = index(colTile: tj, group: g) * entryBytes
                let r = BitReader(DRAMImage.words(fromBytes: bytes[start..<(start + entryBytes)]))
                for c in 0..<C {
                    for j in 0..<M {
                        let raw = r.field(at: (c * M + j) * d, bits: d)
                        if tj * C + c < cols && g * M + j < reduction {
                            b[g * M + j, tj * C + c] = TwosComplement.decode(raw, bits: d)
                        } else if raw != 0 {
                            throw CompileError("dense operand entry (\(tj), \(g)): padding element (\(c), \(j)) is not zero")
                        }
                    }
                }
                try requireZero(r, from: C * M * d, to: entryBytes * 8, "dense operand entry (\(tj), \(g))")
            }
        }
        return b
    }
}

/// Throws unless bits `from ..< to` of `r` are zero; `what` names the entry.
func requireZero(_ r: BitReader, from: Int, to: Int, _ what: String) throws {
    var p = from
    while p < to {
        let take = min(64, to - p)
        if r.field(at: p, bits: take) != 0 { throw CompileError("\(what): bits after the last field are not zero") }
        p += take
    }
}
