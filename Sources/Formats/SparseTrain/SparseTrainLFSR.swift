/// The random-number source of SparseTrain's stochastic gradient pruning, shared bit for bit by
/// the pruning unit's RTL and the golden model.
///
/// * A 32-bit Galois LFSR, polynomial x^32 + x^22 + x^2 + x + 1 (maximal length; feedback mask
///   0x8020_0003 applied when the bit shifted out is 1): one step is
///   `s = (s >> 1) ^ (s & 1 != 0 ? 0x8020_0003 : 0)`.
/// * One **draw** advances the lane by ``stepsPerDraw`` (16) steps and returns the low 16 bits of
///   the new state, so consecutive draws share no shifted bits (one step per draw would make
///   draw i+1 draw i shifted by one bit).
/// * One lane per PE column: lane `l` starts at ``seed(base:lane:)``, never 0 (the all-zero state
///   is the LFSR's lock-up state).
public struct SparseTrainLFSR: Sendable, Hashable {
    /// The Galois feedback mask of x^32 + x^22 + x^2 + x + 1.
    public static let feedback: UInt32 = 0x8020_0003
    /// LFSR steps per draw.
    public static let stepsPerDraw = 16
    /// Bits of one draw (a uniform integer in 0..<2^16).
    public static let drawBits = 16

    /// The current state (never 0).
    public private(set) var state: UInt32

    /// A lane starting at `state` (0 is replaced by 1: the all-zero state never leaves zero).
    public init(state: UInt32) { self.state = state == 0 ? 1 : state }

    /// The seed of lane `lane` for the base seed `base`: `base ^ ((lane + 1) * 0x9E37_79B9)`
    /// (wrapping), 1 if that is 0.
    public static func seed(base: UInt32, lane: Int) -> UInt32 {
        let s = base ^ (UInt32(truncatingIfNeeded: lane + 1) &* 0x9E37_79B9)
        return s == 0 ? 1 : s
    }

    /// One LFSR step.
    public static func step(_ s: UInt32) -> UInt32 { (s >> 1) ^ ((s & 1) != 0 ? feedback : 0) }

    /// Advances ``stepsPerDraw`` steps and returns the low ``drawBits`` bits of the new state.
    public mutating func draw() -> UInt32 {
        for _ in 0..<Self.stepsPerDraw { state = Self.step(state) }
        return state & 0xFFFF
    }
}
