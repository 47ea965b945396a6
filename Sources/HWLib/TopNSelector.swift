import HWCore

/// An invalid configuration of an HWLib block, with a one-line message naming the problem.
public struct HWLibError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The top-N-of-M selector network: from a group of M values keeps the N with the largest
/// magnitude and emits them compressed (values and their in-group indices), plus the keep mask.
///
/// Tie rule (shared with the golden model `SparseModel.NMPruning.topN`): a larger |x| wins; on
/// equal |x| the lower index wins. Kept entries come out in ascending index order: slot 0 holds
/// the kept element with the smallest index.
///
/// The network is combinational, M(M-1)/2 magnitude comparators:
/// * `mag_i = |x_i|`, unsigned and `dataWidth` bits wide, so the most negative value
///   (-2^(w-1)) has the largest magnitude 2^(w-1) and is compared exactly; for float weights
///   (``Ranking/floatMagnitude``) `mag_i` is the bit pattern with its sign bit cleared, which
///   orders IEEE values by |x| (see ``Ranking``);
/// * element j beats element i when `mag_j > mag_i`, or `mag_j == mag_i` and `j < i`; for
///   j < i that is `mag_j >= mag_i` (one comparator per pair serves both directions, since
///   i beats j exactly when j does not beat i);
/// * `rank_i` = number of elements beating i (a strict total order, so the ranks are a
///   permutation of 0..<M) and `keep_i = rank_i < N`;
/// * `pos_i` = number of kept elements with an index below i (a prefix count), so kept element i
///   goes to output slot `pos_i`; slot s is the AND-OR of the kept elements with `pos_i == s`
///   (exactly one matches).
public struct TopNSelector {
    /// How the selector reads and ranks its values.
    public enum Ranking: String, Codable, Sendable, Hashable, CaseIterable {
        /// Two's complement integers, ranked by |x| (the most negative value ranks highest);
        /// UInt signals inline rank by value.
        case integer
        /// IEEE float bit patterns (bf16, fp16, fp32), ranked by |x| = the pattern with its sign
        /// bit cleared, compared as an unsigned integer (`Formats.FloatFormat.magnitudeKey`).
        /// That orders every non-NaN value by magnitude (subnormals and ±Inf included; −0 and
        /// +0 tie, so the lower index wins). NaN rule: a NaN's key exceeds +Inf's, so a NaN ranks
        /// above every number and is kept first (NaNs among themselves by payload, then index).
        case floatMagnitude
    }

    /// Configuration of a standalone selector module.
    public struct Config: Codable, Sendable, Hashable {
        /// Values kept per group (N).
        public var n: Int
        /// Group size (M), a power of two.
        public var m: Int
        /// Width of the signed input values, bits.
        public var dataWidth: Int
        /// Register the outputs: results appear one cycle after their group is presented.
        public var pipelined: Bool
        /// How values are read and ranked: integers (SInt ports) or float bit patterns (UInt ports).
        public var ranking: Ranking

        public init(n: Int = 2, m: Int = 8, dataWidth: Int = 8, pipelined: Bool = false, ranking: Ranking = .integer) {
            self.n = n
            self.m = m
            self.dataWidth = dataWidth
            self.pipelined = pipelined
            self.ranking = ranking
        }

        private enum CodingKeys: String, CodingKey { case n, m, dataWidth, pipelined, ranking }

        /// Decodes a config; `ranking` may be absent (configs written before float weights: integer).
        public init(from decoder: any Decoder) throws {
            let k = try decoder.container(keyedBy: CodingKeys.self)
            self.init(n: try k.decode(Int.self, forKey: .n), m: try k.decode(Int.self, forKey: .m),
                      dataWidth: try k.decode(Int.self, forKey: .dataWidth), pipelined: try k.decode(Bool.self, forKey: .pipelined),
                      ranking: try k.decodeIfPresent(Ranking.self, forKey: .ranking) ?? .integer)
        }

        /// Largest group size accepted (the network has M(M-1)/2 comparators).
        public static let maxM = 64
        /// Widest input value accepted.
        public static let maxDataWidth = 32

        /// Throws an ``HWLibError`` naming the first invalid field.
        public func validate() throws {
            guard (2...Self.maxM).contains(m) else {
                throw HWLibError("top-N-of-M selector: group size M must be in 2...\(Self.maxM), got \(m)")
            }
            guard m & (m - 1) == 0 else {
                throw HWLibError("top-N-of-M selector: group size M must be a power of two, got \(m)")
            }
            guard n >= 1, n < m else {
                throw HWLibError("top-N-of-M selector: N must be in 1...\(m - 1) (1 <= N < M) for M = \(m), got N = \(n)")
            }
            guard (1...Self.maxDataWidth).contains(dataWidth) else {
                throw HWLibError("top-N-of-M selector: data width must be in 1...\(Self.maxDataWidth), got \(dataWidth)")
            }
            if ranking == .floatMagnitude, ![16, 32].contains(dataWidth) {
                throw HWLibError("top-N-of-M selector: float weights are 16 (bf16, fp16) or 32 (fp32) bits wide, got \(dataWidth)")
            }
        }

        /// Width of an output index: ⌈log2 M⌉ (at least 1).
        public var indexWidth: Int { TopNSelector.indexWidth(m) }

        /// Cycles from a group at `in_x` to its selection at the outputs.
        public var latency: Int { pipelined ? 1 : 0 }

        /// Parameters recorded in the design manifest.
        public var parameters: [String: ParamValue] {
            ["design": .string("topn"), "n": .int(n), "m": .int(m), "dataWidth": .int(dataWidth),
             "pipelined": .bool(pipelined), "ranking": .string(ranking.rawValue)]
        }
    }

    /// The emitted module name, e.g. `topn_n2m8_d8` (integers) or `topn_n2m8_f16` (float
    /// weights), with `_p` appended when pipelined.
    public static func moduleName(_ c: Config) -> String {
        "topn_n\(c.n)m\(c.m)_\(c.ranking == .floatMagnitude ? "f" : "d")\(c.dataWidth)" + (c.pipelined ? "_p" : "")
    }

    /// Width of an index into a group of `m`: ⌈log2 m⌉, at least 1.
    public static func indexWidth(_ m: Int) -> Int { max(1, ceilLog2(max(1, m))) }

    /// The standalone selector's ports.
    ///
    /// * `in_x`: M x SInt(dataWidth), packed, element 0 in the low bits (UInt(dataWidth) bit
    ///   patterns for float weights);
    /// * `out_val`: N values of `in_x`'s type, the kept values in ascending index order;
    /// * `out_idx`: N x UInt(⌈log2 M⌉), their indices in the group (ascending);
    /// * `out_keep`: UInt(M), bit i set when element i is kept (exactly N bits set).
    public struct Ports: Interface {
        @Input public var inX: Vec
        @Output public var outVal: Vec
        @Output public var outIdx: Vec
        @Output public var outKeep: Signal

        public init(_ c: Config) {
            let value: BitsType = c.ranking == .floatMagnitude ? .uint(c.dataWidth) : .sint(c.dataWidth)
            _inX = Input(value, count: c.m)
            _outVal = Output(value, count: c.n)
            _outIdx = Output(.uint(c.indexWidth), count: c.n)
            _outKeep = Output(.uint(c.m))
        }
    }

    /// Builds a standalone selector module (validating `c` first). When pipelined, the outputs
    /// are registered (no reset) and show the selection of the group presented one cycle earlier.
    public static func build(_ c: Config, file: String = #fileID, line: Int = #line) throws -> Definition<Ports> {
        try c.validate()
        let mod = Module(moduleName(c), file: file, line: line)
        let values = c.ranking == .floatMagnitude ? "float (\(c.dataWidth)-bit IEEE) values ranked by the pattern without its sign, NaN highest"
            : "SInt(\(c.dataWidth)) values"
        mod.doc = "Top-\(c.n)-of-\(c.m) magnitude selector, \(values): keeps the \(c.n) largest |x| "
            + "(ties: lower index wins), kept entries in ascending index order"
            + (c.pipelined ? "; outputs registered (latency 1)." : "; combinational.")
        let io = mod.ports(Ports(c), file: file, line: line)
        let sel = try select(Array(io.inX), n: c.n, name: "", ranking: c.ranking, file: file, line: line)
        func out(_ name: String, _ v: Signal) -> Signal {
            c.pipelined ? mod.reg(name, next: v, reset: .none, file: file, line: line) : v
        }
        for s in 0..<c.n {
            io.outVal[s].assign(out("val_q_\(s)", sel.values[s]), file: file, line: line)
            io.outIdx[s].assign(out("idx_q_\(s)", sel.indices[s]), file: file, line: line)
        }
        io.outKeep.assign(out("keep_q", sel.keep), file: file, line: line)
        return Definition(mod, io)
    }

    /// Builds the selector network inline, in the module owning `x`, over the group `x[0..<M]`.
    ///
    /// - Parameters:
    ///   - x: the group (M ≥ 1 signals of one type, from one module): with `.integer` ranking
    ///     SInt values are ranked by |x| (the most negative value ranks highest), UInt values by
    ///     their value; with `.floatMagnitude` the signals are float bit patterns (≥ 2 bits),
    ///     ranked by the pattern without its top (sign) bit.
    ///   - n: values kept, 1...M (N = M keeps everything, in order).
    ///   - name: prefix of the named intermediate wires (`<name>_mag_3`, `<name>_rank_3`,
    ///     `<name>_keep_3`, `<name>_pos_3`, `<name>_val_0`, `<name>_idx_0`, `<name>_keep_mask`);
    ///     empty for unprefixed names (`mag_3`, ...).
    /// - Returns: `values` (N signals of x's type, ascending index order), `indices` (N signals
    ///   of UInt(⌈log2 M⌉), at least 1 bit) and `keep` (UInt(M), bit i set when x[i] is kept).
    /// - Throws: ``HWLibError`` for an empty group, mixed element types or modules, or N
    ///   outside 1...M.
    public static func select(_ x: [Signal], n: Int, name: String, ranking: Ranking = .integer,
                              file: String = #fileID, line: Int = #line) throws -> (values: [Signal], indices: [Signal], keep: Signal) {
        guard let first = x.first else {
            throw HWLibError("top-N-of-M selector '\(name)' at \(file):\(line): the group is empty")
        }
        if let i = x.firstIndex(where: { $0.owner !== first.owner || $0.type != first.type }) {
            throw HWLibError("top-N-of-M selector '\(name)' at \(file):\(line): element \(i) is \(x[i].type) of module "
                + "'\(x[i].owner.name)', element 0 is \(first.type) of module '\(first.owner.name)' (all must match)")
        }
        if ranking == .floatMagnitude, first.width < 2 {
            throw HWLibError("top-N-of-M selector '\(name)' at \(file):\(line): a float weight needs a sign bit and a magnitude, got \(first.type)")
        }
        guard (1...x.count).contains(n) else {
            throw HWLibError("top-N-of-M selector '\(name)' at \(file):\(line): N must be in 1...\(x.count) for a group of \(x.count), got \(n)")
        }
        let mod = first.owner
        let count = x.count
        let kept = n
        let idxW = indexWidth(count)
        let cntW = bitsFor(count - 1)
        let p = name.isEmpty ? "" : name + "_"
        func wire(_ n: String, _ v: Signal) -> Signal { mod.wire(p + n, v, file: file, line: line) }

        // Magnitudes: |x| as UInt(dataWidth). The wrapping negation 0 &- x, read unsigned, is |x| for
        // every negative x, including -2^(w-1) (its bit pattern is 2^(w-1)).
        let zero = mod.const(0, first.type, file: file, line: line)
        let mag: [Signal] = x.enumerated().map { i, xi in
            let m: Signal
            switch ranking {
            case .integer: m = xi.isSigned ? mux(xi.msb, (zero &- xi).asUInt, xi.asUInt) : xi
            case .floatMagnitude: m = xi.bits(0...(xi.width - 2), file: file, line: line)
            }
            return wire("mag_\(i)", m)
        }

        // beats[j][i]: element j beats element i; one comparator per pair j < i (mag_j >= mag_i).
        var beats = [[Signal?]](repeating: [Signal?](repeating: nil, count: count), count: count)
        for i in 0..<count {
            for j in 0..<i {
                let ge = mag[j] >= mag[i]
                beats[j][i] = ge
                beats[i][j] = !ge
            }
        }

        // Ranks and the keep flags.
        var keep: [Signal] = []
        for i in 0..<count {
            let terms = (0..<count).compactMap { beats[$0][i] }
            let keepI: Signal
            if kept == count {
                keepI = mod.trueSignal
            } else {
                let rank = wire("rank_\(i)", popcount(terms, width: cntW, in: mod))
                keepI = rank < kept
            }
            keep.append(wire("keep_\(i)", keepI))
        }

        // Output positions: pos_i = number of kept elements below i (pos_0 = 0).
        var pos: [Signal] = [mod.const(0, .uint(cntW), file: file, line: line)]
        for i in 1..<count {
            let below = keep[i - 1].extended(to: cntW, file: file, line: line)
            pos.append(wire("pos_\(i)", i == 1 ? below : pos[i - 1] &+ below))
        }

        // Slot s: the unique kept i with pos_i == s, as a balanced AND-OR tree; only
        // s <= i <= count - kept + s can match (s kept elements before it, kept - 1 - s after).
        var values: [Signal] = [], indices: [Signal] = []
        for s in 0..<kept {
            var valueTerms: [Signal] = [], indexTerms: [Signal] = []
            for i in s...(count - kept + s) {
                let hit = i == 0 ? keep[0] : keep[i] && pos[i] == mod.const(s, .uint(cntW), file: file, line: line)
                valueTerms.append(mux(hit, x[i], 0))
                if i > 0 { indexTerms.append(mux(hit, mod.const(i, .uint(idxW), file: file, line: line), 0)) }
            }
            values.append(wire("val_\(s)", orTree(valueTerms)))
            indices.append(wire("idx_\(s)", indexTerms.isEmpty ? mod.const(0, .uint(idxW), file: file, line: line) : orTree(indexTerms)))
        }
        let mask = wire("keep_mask", cat(keep[count - 1], Array(keep.dropLast().reversed())))
        return (values, indices, mask)
    }

    // MARK: - Helpers

    /// Bits needed to hold `v` ≥ 0 (at least 1).
    static func bitsFor(_ v: Int) -> Int { v <= 0 ? 1 : Int.bitWidth - v.leadingZeroBitCount }

    /// Bitwise OR of `terms` (one type, at least one), as a balanced tree.
    static func orTree(_ terms: [Signal]) -> Signal {
        var level = terms
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { k in k + 1 < level.count ? level[k] | level[k + 1] : level[k] }
        }
        return level[0]
    }

    /// Number of set Bools in `terms`, as a balanced tree of `width`-bit wrapping adds (the
    /// caller guarantees the count fits, so nothing wraps and no bit goes unused).
    static func popcount(_ terms: [Signal], width: Int, in mod: Module) -> Signal {
        guard !terms.isEmpty else { return mod.const(0, .uint(width)) }
        var level = terms.map { $0.extended(to: width) }
        while level.count > 1 {
            var next: [Signal] = []
            var k = 0
            while k + 1 < level.count {
                next.append(level[k] &+ level[k + 1])
                k += 2
            }
            if k < level.count { next.append(level[k]) }
            level = next
        }
        return level[0]
    }
}
