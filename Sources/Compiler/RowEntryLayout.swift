import Formats
import SparseModel

/// The DRAM layout of a matrix stored as buffer rows of C values: OBUF result rows (C
/// accumulators of `acc` bits) and MBUF / updated master rows (C master weights of w bits).
///
/// Contract: tile-major. Row i and column tile tj (columns tj·C ..< tj·C + C) form entry
/// `((i / R) · colTiles + tj) · R + i mod R`, so an R×C tile's rows are R consecutive entries and
/// a tile moves as one contiguous transfer (one burst of R entries, not R one-entry bursts);
/// rows are padded to a multiple of R. Column c of the entry is the `valueBits`-bit two's
/// complement field at bit c·valueBits, zero past the matrix. An entry takes
/// `chunks(C · valueBits)` beats.
public struct RowEntryLayout: Sendable, Hashable {
    public let target: SystemTarget
    public let rows: Int
    public let cols: Int
    /// Bits per value: `accBits` for results, `masterBits` for master weights.
    public let valueBits: Int

    public init(target: SystemTarget, rows: Int, cols: Int, valueBits: Int) {
        self.target = target
        self.rows = rows
        self.cols = cols
        self.valueBits = valueBits
    }

    /// A result layout (accumulators).
    public static func results(_ target: SystemTarget, rows: Int, cols: Int) -> RowEntryLayout {
        RowEntryLayout(target: target, rows: rows, cols: cols, valueBits: target.accBits)
    }

    /// A master-weight layout.
    public static func masters(_ target: SystemTarget, rows: Int, cols: Int) -> RowEntryLayout {
        RowEntryLayout(target: target, rows: rows, cols: cols, valueBits: target.masterBits)
    }

    public var colTiles: Int { (cols + target.cols - 1) / target.cols }
    public var rowTiles: Int { (rows + target.rows - 1) / target.rows }
    public var entries: Int { rowTiles * target.rows * colTiles }
    public var entryBeats: Int { target.chunks(target.cols * valueBits) }
    public var entryBytes: Int { entryBeats * target.beatBytes }
    public var regionBytes: Int { entries * entryBytes }
    /// Bytes of the matrix's own rows (the region without the padding rows of the last row tile).
    public var dataBytes: Int { rows * colTiles * entryBytes }
    /// Bytes between the entries of consecutive rows of one tile.
    public var rowStride: Int { entryBytes }

    /// The index of entry (row i, column tile tj).
    public func index(row i: Int, colTile tj: Int) -> Int {
        let R = target.rows
        return ((i / R) * colTiles + tj) * R + i % R
    }

    /// The region's bytes for `matrix` (rows × cols). Throws on a shape mismatch or a value that
    /// does not fit `valueBits` bits.
    public func pack(_ matrix: Matrix<Int64>) throws -> [UInt8] {
        guard matrix.rows == rows, matrix.cols == cols else {
            throw CompileError("a \(matrix.rows)x\(matrix.cols) matrix does not fit the \(rows)x\(cols) row layout")
        }
        let C = target.cols
        var out = [UInt8](repeating: 0, count: regionBytes)
        for i in 0..<rows {
            for tj in 0..<colTiles {
                var w = BitWriter(zeros: entryBytes * 8)
                for c in 0..<C where tj * C + c < cols {
                    let v = matrix[i, tj * C + c]
                    guard let raw = TwosComplement.encode(v, bits: valueBits) else {
                        throw CompileError("[\(i)][\(tj * C + c)] = \(v) does not fit \(valueBits) bits")
                    }
                    w.set(raw, bits: valueBits, at: c * valueBits)
                }
                let start = index(row: i, colTile: tj) * entryBytes
                out.replaceSubrange(start..<(start + entryBytes), with: DRAMImage.bytes(fromWords: w.words, count: entryBytes))
            }
        }
        return out
    }

    /// The matrix from the region's bytes; throws unless `bytes` is the region's size and every
    /// field past the matrix (and every bit after the last field) is zero (±0 for a float target).
    public func unpack(_ bytes: [UInt8]) throws -> Matrix<Int64> {
        guard bytes.count == regionBytes else { throw CompileError("row region is \(regionBytes) bytes, got \(bytes.count)") }
        let C = target.cols
        var m = Matrix<Int64>(rows: rows, cols: cols, repeating: 0)
        for i in 0..<rows {
            for tj in 0..<colTiles {
                let start = index(row: i, colTile: tj) * entryBytes
                let r = BitReader(DRAMImage.words(fromBytes: bytes[start..<(start + entryBytes)]))
                for c in 0..<C {
                    let raw = r.field(at: c * valueBits, bits: valueBits)
                    if tj * C + c < cols {
                        m[i, tj * C + c] = TwosComplement.decode(raw, bits: valueBits)
                    } else if raw != 0 && !(target.float != nil && raw == 1 << UInt64(valueBits - 1)) {
                        // A float padding column sums ±0 products (weight × +0 padding): its
                        // result is +0 or −0 (the sign bit alone); anything else is an error.
                        throw CompileError("row entry (\(i), \(tj)): padding column \(c) is not zero")
                    }
                }
                try requireZero(r, from: C * valueBits, to: entryBytes * 8, "row entry (\(i), \(tj))")
            }
        }
        return m
    }
}
