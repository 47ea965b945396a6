import Formats
import HWCore

/// Configuration of the SparseTrain array ("sparsetrain"): R × C zero-skipping 1-D convolution
/// PEs, each with its operand memory, and the stochastic gradient-pruning unit (one LFSR lane per
/// PE column). One struct drives the RTL, the manifest, the co-simulation's layout and reports.
public struct SparseTrainConfig: Codable, Sendable, Hashable {
    /// PE rows (R).
    public var rows: Int = 4
    /// PE columns (C); also the pruning unit's lanes.
    public var cols: Int = 4
    /// Signed operand width d (activations, gradients, weights), bits.
    public var dataWidth: Int = 16
    /// Signed accumulator width, bits.
    public var accWidth: Int = 48
    /// Kernel-row taps K_t per entry (the widest kernel; WU's gradient-row chunk).
    public var taps: Int = 8
    /// Output accumulators P per PE (a power of two).
    public var outputs: Int = 16
    /// Entries of each PE's operand memory.
    public var depth: Int = 2048
    /// Result slots of each PE: the most work items one PE takes in one run (its queue).
    public var slots: Int = 64
    /// Largest log2(stride) of the forward pass.
    public var maxStrideLog2: Int = 2
    /// Banks of each cell's operand and result memories: 1, or 2 (ping-pong: one bank is loaded
    /// and drained while the other runs; ``SparseTrainBankedArray``). `depth` and `slots` are
    /// per bank.
    public var banks: Int = 1

    public init(rows: Int = 4, cols: Int = 4, dataWidth: Int = 16, accWidth: Int = 48, taps: Int = 8, outputs: Int = 16, depth: Int = 2048,
                slots: Int = 64, banks: Int = 1) {
        self.rows = rows
        self.cols = cols
        self.dataWidth = dataWidth
        self.accWidth = accWidth
        self.taps = taps
        self.outputs = outputs
        self.depth = depth
        self.slots = slots
        self.banks = banks
    }

    public static let maxSide = 64

    /// Throws a ``ConfigError`` naming the first invalid field.
    public func validate() throws {
        try Check.range(rows, 1...Self.maxSide, "rows")
        try Check.range(cols, 1...Self.maxSide, "cols")
        try Check.range(dataWidth, 2...32, "data width")
        try Check.range(accWidth, 2...64, "accumulator width")
        guard accWidth >= 2 * dataWidth else {
            throw ConfigError("accumulator width \(accWidth) is narrower than one product (2 x data width = \(2 * dataWidth))")
        }
        try Check.range(taps, 1...16, "kernel-row taps")
        try Check.range(outputs, 2...64, "accumulators per PE")
        guard outputs & (outputs - 1) == 0 else { throw ConfigError("accumulators per PE must be a power of two, got \(outputs)") }
        try Check.range(depth, 2...65536, "operand memory depth")
        try Check.range(slots, 1...4096, "result slots per PE")
        try Check.range(banks, 1...2, "memory banks per PE")
        if banks == 2 {
            guard depth & (depth - 1) == 0, slots & (slots - 1) == 0, slots >= 2 else {
                throw ConfigError("banked memories need a power-of-two depth and at least 2 slots, a power of two (the bank is the address's top bit), got \(depth) and \(slots)")
            }
        }
        _ = try entryLayout()
    }

    // MARK: Derived values

    /// The geometry the 1-D dataflow maps onto.
    public var geometry: (taps: Int, outputs: Int, maxStrideLog2: Int) { (taps, outputs, maxStrideLog2) }

    /// Width of an entry's offset: holds every offset the dataflow produces (see Conv1DGeometry.maxOffset).
    public var offsetWidth: Int {
        let maxOffset = max((outputs - 1) << maxStrideLog2 + taps - 1, outputs + taps - 2, 2 * taps - 2)
        return max(1, ceilLog2(maxOffset + 1))
    }

    /// The operand memory's word layout (``SparseTrainEntryLayout``).
    public func entryLayout() throws -> SparseTrainEntryLayout {
        do { return try SparseTrainEntryLayout(dataWidth: dataWidth, offsetWidth: offsetWidth, taps: taps, outputs: outputs) } catch let e as FormatError {
            throw ConfigError(e.message)
        }
    }

    /// Bits of an entry word (``SparseTrainEntryLayout``): value, offset, bitmap, packed taps, output mask, last.
    public var wordBits: Int { maskLSB + outputs + 1 }
    /// The output mask's lowest bit and the end mark in an entry word.
    public var maskLSB: Int { dataWidth + offsetWidth + taps + taps * dataWidth }
    public var lastBit: Int { maskLSB + outputs }
    /// Width of a result slot index.
    public var slotWidth: Int { max(1, ceilLog2(slots)) }
    public var addrWidth: Int { max(1, ceilLog2(depth)) }
    /// Width of a PE's entry count (0...depth).
    public var countWidth: Int { ceilLog2(depth + 1) }
    public var peSelWidth: Int { max(1, ceilLog2(rows * cols)) }
    public var outSelWidth: Int { max(1, ceilLog2(outputs)) }
    /// Width of the load bus: a word or a count.
    public var loadWidth: Int { max(wordBits, countWidth) }
    public static let cycleCounterWidth = 32

    public var topName: String { "sparsetrain_r\(rows)_c\(cols)_d\(dataWidth)_a\(accWidth)_k\(taps)_p\(outputs)" }
    public var peName: String { "sparsetrain_pe_d\(dataWidth)_a\(accWidth)_k\(taps)_p\(outputs)" }
    public var cellName: String { "sparsetrain_cell_d\(dataWidth)_a\(accWidth)_k\(taps)_p\(outputs)_m\(depth)_s\(slots)" + (banks == 2 ? "_b2" : "") }

    public var parameters: [String: ParamValue] {
        ["design": .string("sparsetrain"), "rows": .int(rows), "cols": .int(cols), "dataWidth": .int(dataWidth),
         "accWidth": .int(accWidth), "taps": .int(taps), "outputs": .int(outputs), "depth": .int(depth), "slots": .int(slots)]
            .merging(banks == 2 ? ["banks": .int(banks)] : [:]) { a, _ in a }
    }
}
