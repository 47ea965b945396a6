/// The operand formats of SparseTrain's 1-D convolution PE (one row of one channel at a time).
///
/// * **Compressed row** (the row operand: an activation or gradient row): the non-zero values
///   with their offsets (column index in the row), ascending offset. Storage: nnz · (d + o) bits.
/// * **Kernel row** (the second operand: a kernel row, or in the weight update a gradient row
///   segment): a K-bit bitmap of the non-zero taps plus the non-zero values packed in ascending tap
///   order. Storage: K + nnz · d bits.
/// * **Entry word** (one word of a PE's operand memory): one compressed-row entry together with
///   the kernel row it is paired with, so the PE fetches one word per row entry. Fields, LSB
///   first: value (SInt d), offset (UInt o), kernel bitmap (K bits), packed kernel values
///   (K × SInt d, value j = the j-th set bit's tap, unused slots zero), the work item's output
///   mask (P bits, bit x set = accumulator x is computed) and `last` (1 bit: the item's last
///   entry, after which the PE writes out its accumulators and starts the next item). A PE's
///   memory holds a queue of items back to back; the mask and the end mark travel with the
///   entries so the PE switches items without a bubble.
public struct SparseTrainEntryLayout: Sendable, Hashable, Codable {
    /// Operand width d (signed two's complement).
    public let dataWidth: Int
    /// Offset field width o.
    public let offsetWidth: Int
    /// Taps K of the kernel row.
    public let taps: Int
    /// Output accumulators P of the PE (bits of the output mask).
    public let outputs: Int

    /// Throws a ``FormatError`` unless 2 ≤ d ≤ 32, 1 ≤ o ≤ 16, 1 ≤ K ≤ 16, 1 ≤ P ≤ 64.
    public init(dataWidth: Int, offsetWidth: Int, taps: Int, outputs: Int) throws {
        guard (2...32).contains(dataWidth) else { throw FormatError("entry data width must be in 2...32, got \(dataWidth)") }
        guard (1...16).contains(offsetWidth) else { throw FormatError("entry offset width must be in 1...16, got \(offsetWidth)") }
        guard (1...16).contains(taps) else { throw FormatError("kernel row taps must be in 1...16, got \(taps)") }
        guard (1...64).contains(outputs) else { throw FormatError("output mask bits must be in 1...64, got \(outputs)") }
        self.dataWidth = dataWidth
        self.offsetWidth = offsetWidth
        self.taps = taps
        self.outputs = outputs
    }

    /// Bits of one entry word: d + o + K + K·d + P + 1.
    public var wordBits: Int { dataWidth + offsetWidth + taps + taps * dataWidth + outputs + 1 }

    /// Bit offsets of the fields.
    public var offsetLSB: Int { dataWidth }
    public var bitmapLSB: Int { dataWidth + offsetWidth }
    public var packedLSB: Int { dataWidth + offsetWidth + taps }
    public var maskLSB: Int { packedLSB + taps * dataWidth }
    public var lastBit: Int { maskLSB + outputs }

    /// Packs one entry: `value` at `offset`, paired with the kernel row `kernel` (K dense taps,
    /// compressed here into bitmap + packed values). `stored` says which taps the bitmap marks
    /// (default: the non-zero ones; the dense baseline stores every tap, zeros included).
    /// `mask` is the output mask of the entry's work item (P flags), `last` marks the item's last
    /// entry. Throws when a value or the offset does not fit, or a row has the wrong length.
    public func pack(value: Int64, offset: Int, kernel: [Int64], stored: [Bool]? = nil, mask: [Bool], last: Bool) throws -> [UInt64] {
        guard kernel.count == taps else { throw FormatError("kernel row has \(kernel.count) taps, layout has \(taps)") }
        guard mask.count == outputs else { throw FormatError("output mask has \(mask.count) bits, layout has \(outputs)") }
        let keep: [Bool] = stored ?? kernel.map { $0 != 0 }
        guard keep.count == taps else { throw FormatError("kernel bitmap has \(keep.count) taps, layout has \(taps)") }
        guard offset >= 0, offset < 1 << offsetWidth else { throw FormatError("offset \(offset) does not fit \(offsetWidth) bits") }
        let lo = -(Int64(1) << (dataWidth - 1)), hi = (Int64(1) << (dataWidth - 1)) - 1
        for v in [value] + kernel where v < lo || v > hi {
            throw FormatError("value \(v) does not fit SInt(\(dataWidth))")
        }
        let valueMask: UInt64 = dataWidth == 64 ? ~0 : (1 << UInt64(dataWidth)) - 1
        var w = BitWriter(zeros: wordBits)
        w.set(UInt64(bitPattern: value) & valueMask, bits: dataWidth, at: 0)
        w.set(UInt64(offset), bits: offsetWidth, at: offsetLSB)
        var slot = 0
        for (t, v) in kernel.enumerated() where keep[t] {
            w.set(1, bits: 1, at: bitmapLSB + t)
            w.set(UInt64(bitPattern: v) & valueMask, bits: dataWidth, at: packedLSB + slot * dataWidth)
            slot += 1
        }
        for (x, on) in mask.enumerated() where on { w.set(1, bits: 1, at: maskLSB + x) }
        if last { w.set(1, bits: 1, at: lastBit) }
        return w.words
    }

    /// Unpacks a word into (value, offset, dense kernel row, bitmap, output mask, last).
    public func unpack(_ words: [UInt64]) -> (value: Int64, offset: Int, kernel: [Int64], stored: [Bool], mask: [Bool], last: Bool) {
        func field(_ lsb: Int, _ bits: Int) -> UInt64 {
            var v: UInt64 = 0
            for b in 0..<bits {
                let i = lsb + b
                if i / 64 < words.count, (words[i / 64] >> UInt64(i % 64)) & 1 == 1 { v |= 1 << UInt64(b) }
            }
            return v
        }
        func signed(_ u: UInt64) -> Int64 {
            let shift = UInt64(64 - dataWidth)
            return Int64(bitPattern: u << shift) >> Int64(shift)
        }
        let value = signed(field(0, dataWidth))
        let offset = Int(field(offsetLSB, offsetWidth))
        var kernel = [Int64](repeating: 0, count: taps)
        var stored = [Bool](repeating: false, count: taps)
        var slot = 0
        for t in 0..<taps where field(bitmapLSB + t, 1) == 1 {
            kernel[t] = signed(field(packedLSB + slot * dataWidth, dataWidth))
            stored[t] = true
            slot += 1
        }
        return (value, offset, kernel, stored, (0..<outputs).map { field(maskLSB + $0, 1) == 1 }, field(lastBit, 1) == 1)
    }

    /// Storage of a compressed row of `nnz` entries: nnz · (d + o) bits.
    public func compressedRowBits(nnz: Int) -> Int { nnz * (dataWidth + offsetWidth) }
    /// Storage of a kernel row with `nnz` non-zero taps: K + nnz · d bits.
    public func kernelRowBits(nnz: Int) -> Int { taps + nnz * dataWidth }
}
