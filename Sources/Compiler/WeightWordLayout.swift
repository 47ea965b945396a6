import Formats
import SparseModel

/// The DRAM layout of a GEMM's weight-side operand A (rows × K) as WBUF words, sparse or dense.
///
/// Contract: row tile ti (rows ti·R ..< ti·R + R) has its words consecutive, word `ti · wordsPerRowTile + b`.
/// * Sparse (A N:M compressed along K, M | K): word b is reduction group b, the ``NMStreamLayout``
///   stream of R groups, group r = row ti·R + r's compressed group b (N entries, value then index).
///   Rows past the matrix (padding) hold the canonical all-zero group: values 0, indices 0 ..< N
///   (what top-N selection keeps of an all-zero group, so pre-generated words equal host-packed
///   ones bit for bit). `sparseWordChunks` beats per word.
/// * Dense (K padded to a multiple of M): word b is dense beat b, R × N elements of d bits,
///   element (r, j) = A[ti·R + r][b·N + j] at bit (r·N + j)·d, zero outside the matrix. A WBUF
///   entry packs k = `denseWordsPerEntry` consecutive words (``Formats/DenseWordPacking``), word
///   w of the region in entry w / k at bit (w mod k)·R·N·d; `denseWordEntryChunks` beats per entry
///   (a LOAD with that `entryBeats` zeroes the rest of the WBUF entry).
/// Words of one row tile are consecutive (and fill whole entries: k divides a group's M/N words),
/// so a reduction chunk is one contiguous run of entries.
public struct WeightWordLayout: Sendable, Hashable {
    public let target: SystemTarget
    public let rows: Int
    public let reduction: Int
    /// Sparse stream words or dense words.
    public let sparse: Bool

    /// Throws when `sparse` and M does not divide K.
    public init(target: SystemTarget, rows: Int, reduction: Int, sparse: Bool) throws {
        if sparse, reduction % target.m != 0 {
            throw CompileError("a sparse weight operand needs M=\(target.m) to divide its reduction \(reduction)")
        }
        self.target = target
        self.rows = rows
        self.reduction = reduction
        self.sparse = sparse
    }

    /// Row tiles, ⌈rows / R⌉.
    public var rowTiles: Int { (rows + target.rows - 1) / target.rows }
    /// Reduction groups of M, ⌈K / M⌉.
    public var groups: Int { (reduction + target.m - 1) / target.m }
    /// WBUF words per reduction group: 1 sparse, M/N dense.
    public var wordsPerGroup: Int { sparse ? 1 : target.denseBeatsPerEntry }
    /// Words of one row tile.
    public var wordsPerRowTile: Int { groups * wordsPerGroup }
    /// Words per WBUF entry: 1 sparse, `denseWordsPerEntry` dense.
    public var wordsPerEntry: Int { sparse ? 1 : target.denseWordsPerEntry }
    /// WBUF entries per reduction group.
    public var entriesPerGroup: Int { wordsPerGroup / wordsPerEntry }
    public var entries: Int { rowTiles * wordsPerRowTile / wordsPerEntry }
    public var entryBeats: Int { sparse ? target.sparseWordChunks : target.denseWordEntryChunks }
    public var entryBytes: Int { entryBeats * target.beatBytes }
    public var regionBytes: Int { entries * entryBytes }

    /// The entry holding word `b` of row tile `ti` (for a dense layout, `b` a multiple of
    /// `wordsPerEntry` names the entry starting with it).
    public func index(rowTile ti: Int, word b: Int) -> Int { (ti * wordsPerRowTile + b) / wordsPerEntry }
    /// The bit offset of word `b` of row tile `ti` in its entry.
    public func bitOffset(rowTile ti: Int, word b: Int) -> Int { (ti * wordsPerRowTile + b) % wordsPerEntry * target.denseWordBits }

    /// The region of a sparse operand. Throws unless the layout is sparse, `a` has its shape and
    /// the target's pattern, and every value fits d bits.
    public func pack(_ a: NMCompressed<Int64>) throws -> [UInt8] {
        guard sparse, a.rows == rows, a.cols == reduction, a.pattern == target.pattern else {
            throw CompileError("a \(a.rows)x\(a.cols) \(a.pattern) operand does not fit the \(sparse ? "sparse" : "dense") \(rows)x\(reduction) \(target.pattern) word layout")
        }
        let R = target.rows, N = target.n
        let layout = target.streamLayout
        let zero = (0..<N).map { NMEntry(value: 0, index: $0) }
        var out: [UInt8] = []
        out.reserveCapacity(regionBytes)
        for ti in 0..<rowTiles {
            for g in 0..<groups {
                let lanes: [[NMEntry]] = (0..<R).map { r in
                    let row = ti * R + r
                    guard row < rows else { return zero }
                    return (0..<N).map { j in
                        let k = a.entryPosition(row: row, group: g, slot: j)
                        return NMEntry(value: a.values[k], index: a.indices[k])
                    }
                }
                let words = try formatError { try layout.pack(lanes) { "weight word (\(ti), \(g)), row \(ti * R + $0)" } }
                out += DRAMImage.bytes(fromWords: words, count: entryBytes)
            }
        }
        return out
    }

    /// The region of a dense operand. Throws unless the layout is dense, `a` has its shape and
    /// every value fits d bits.
    public func pack(_ a: Matrix<Int64>) throws -> [UInt8] {
        guard !sparse, a.rows == rows, a.cols == reduction else {
            throw CompileError("a dense \(a.rows)x\(a.cols) operand does not fit the \(sparse ? "sparse" : "dense") \(rows)x\(reduction) word layout")
        }
        let R = target.rows, N = target.n, d = target.dataBits
        var out: [UInt8] = []
        out.reserveCapacity(regionBytes)
        for ti in 0..<rowTiles {
            for e in 0..<(wordsPerRowTile / wordsPerEntry) {
                var w = BitWriter(zeros: entryBytes * 8)
                for s in 0..<wordsPerEntry {
                    let b = e * wordsPerEntry + s, at = bitOffset(rowTile: ti, word: b)
                    for r in 0..<R where ti * R + r < rows {
                        for j in 0..<N where b * N + j < reduction {
                            let v = a[ti * R + r, b * N + j]
                            guard let raw = TwosComplement.encode(v, bits: d) else {
                                throw CompileError("weight operand [\(ti * R + r)][\(b * N + j)] = \(v) does not fit \(d) bits")
                            }
                            w.set(raw, bits: d, at: at + (r * N + j) * d)
                        }
                    }
                }
                out += DRAMImage.bytes(fromWords: w.words, count: entryBytes)
            }
        }
        return out
    }

    /// The sparse operand from the region's bytes. Throws unless the layout is sparse, `bytes` has
    /// the region's size, every group's indices ascend, padding rows hold the canonical zero group
    /// and the bits after each word's last entry are zero.
    public func unpackSparse(_ bytes: [UInt8]) throws -> NMCompressed<Int64> {
        guard sparse else { throw CompileError("the dense word layout holds no compressed operand") }
        guard bytes.count == regionBytes else { throw CompileError("weight word region is \(regionBytes) bytes, got \(bytes.count)") }
        let R = target.rows, N = target.n
        let layout = target.streamLayout
        let streamBits = layout.bits(groups: R)
        var values = [Int64](repeating: 0, count: rows * groups * N), indices = [Int](repeating: 0, count: rows * groups * N)
        for ti in 0..<rowTiles {
            for g in 0..<groups {
                let start = index(rowTile: ti, word: g) * entryBytes
                let words = DRAMImage.words(fromBytes: bytes[start..<(start + entryBytes)])
                try requireZero(BitReader(words), from: streamBits, to: entryBytes * 8, "weight word (\(ti), \(g))")
                let lanes = try formatError {
                    try layout.unpack(Array(words.prefix((streamBits + 63) / 64)), groups: R) { "weight word (\(ti), \(g)), lane \($0)" }
                }
                for r in 0..<R {
                    let row = ti * R + r
                    if row >= rows {
                        guard lanes[r].enumerated().allSatisfy({ $1.value == 0 && $1.index == $0 }) else {
                            throw CompileError("weight word (\(ti), \(g)): padding lane \(r) is not the canonical zero group")
                        }
                        continue
                    }
                    for j in 0..<N {
                        let k = (row * groups + g) * N + j
                        values[k] = lanes[r][j].value
                        indices[k] = lanes[r][j].index
                    }
                }
            }
        }
        do {
            return try NMCompressed(rows: rows, cols: reduction, pattern: target.pattern, values: values, indices: indices)
        } catch let e as SparseModelError { throw CompileError(e.message) }
    }

    /// The dense operand from the region's bytes. Throws unless the layout is dense, `bytes` has
    /// the region's size and every element outside the matrix is zero.
    public func unpackDense(_ bytes: [UInt8]) throws -> Matrix<Int64> {
        guard !sparse else { throw CompileError("the sparse word layout holds no dense operand") }
        guard bytes.count == regionBytes else { throw CompileError("weight word region is \(regionBytes) bytes, got \(bytes.count)") }
        let R = target.rows, N = target.n, d = target.dataBits
        var a = Matrix<Int64>(rows: rows, cols: reduction, repeating: 0)
        for ti in 0..<rowTiles {
            for b in 0..<wordsPerRowTile {
                let start = index(rowTile: ti, word: b) * entryBytes, at = bitOffset(rowTile: ti, word: b)
                let r = BitReader(DRAMImage.words(fromBytes: bytes[start..<(start + entryBytes)]))
                for row in 0..<R {
                    for j in 0..<N {
                        let raw = r.field(at: at + (row * N + j) * d, bits: d)
                        if ti * R + row < rows && b * N + j < reduction {
                            a[ti * R + row, b * N + j] = TwosComplement.decode(raw, bits: d)
                        } else if raw != 0 {
                            throw CompileError("weight word (\(ti), \(b)): padding element (\(row), \(j)) is not zero")
                        }
                    }
                }
                if b % wordsPerEntry == wordsPerEntry - 1 {
                    try requireZero(r, from: wordsPerEntry * R * N * d, to: entryBytes * 8, "weight word (\(ti), \(b))")
                }
            }
        }
        return a
    }
}

/// Runs `body`, turning a ``Formats/FormatError`` into a ``CompileError`` (same message).
func formatError<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as FormatError { throw CompileError(e.message) }
}
