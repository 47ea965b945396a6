import Formats
import HWCore
import HWLib

/// What every training system shares, whatever its compute engine: the memory port, the on-chip
/// buffers' geometry, the dispatcher's queues, the DMA units' limits and the watchdog. The SAT
/// system, the SPS system and the SparseTrain system are each this shell plus one compute unit
/// (``SystemTop``); the load and store units and the dispatcher are built from the shell alone.
///
/// XBUF, WBUF and OBUF exist in every system; MBUF (master weights) and PBUF (pre-generated
/// weights) only where the engine uses them. A LOAD or STORE naming a buffer the system does
/// not have stops it with `badBuffer`, as any buffer the unit cannot use does.
public struct SystemShell: Sendable, Hashable {
    /// One buffer: `entries` entries of `lanes` × `laneBits` bits (lanes are separately writable
    /// by the compute side; the DMA side writes or reads whole entries, in memory beats).
    public struct Buffer: Sendable, Hashable {
        public var entries: Int
        public var lanes: Int
        public var laneBits: Int
        public init(entries: Int, lanes: Int = 1, laneBits: Int) {
            self.entries = entries
            self.lanes = lanes
            self.laneBits = laneBits
        }
        /// Bits of an entry.
        public var bits: Int { lanes * laneBits }
    }

    /// Module-name prefix of the system's blocks (`sat`, `sps`, `st`).
    public var prefix: String
    /// Module-name suffix that makes the load and store units unique per configuration.
    public var tag: String
    public var memory: MemoryPortSpec
    public var x: Buffer
    public var w: Buffer
    public var m: Buffer?
    public var o: Buffer
    public var p: Buffer?
    public var queueDepth: Int
    public var maxOutstanding: Int
    public var stallLimit: Int
    /// The opcodes the dispatcher routes to the compute queue; with LOAD, STORE and SYNC the
    /// opcodes the system knows (any other is `illegalOpcode`).
    public var computeOpcodes: [Opcode]

    public init(prefix: String, tag: String, memory: MemoryPortSpec, x: Buffer, w: Buffer, m: Buffer?, o: Buffer, p: Buffer?,
                queueDepth: Int, maxOutstanding: Int, stallLimit: Int, computeOpcodes: [Opcode]) {
        self.prefix = prefix
        self.tag = tag
        self.memory = memory
        self.x = x
        self.w = w
        self.m = m
        self.o = o
        self.p = p
        self.queueDepth = queueDepth
        self.maxOutstanding = maxOutstanding
        self.stallLimit = stallLimit
        self.computeOpcodes = computeOpcodes
    }

    /// Throws a ``ConfigError`` naming the first memory-port field the shared load and store
    /// units cannot serve (every system's configuration checks it).
    public static func validate(memory: MemoryPortSpec) throws {
        try Check.range(memory.addrBits, 16...48, "memory address width")
        guard memory.dataBits >= 32, memory.dataBits.nonzeroBitCount == 1, memory.dataBits <= 1024 else {
            throw ConfigError("memory data width must be a power of two in 32...1024 bits, got \(memory.dataBits)")
        }
        guard memory.maxBeats >= 1, memory.maxBeats.nonzeroBitCount == 1, memory.maxBeats <= 256 else {
            throw ConfigError("beats per memory request must be a power of two in 1...256, got \(memory.maxBeats)")
        }
        guard memory.maxBeats * memory.beatBytes <= 4096 else {
            throw ConfigError("a memory request of \(memory.maxBeats) beats of \(memory.beatBytes) bytes exceeds 4 KiB (AXI's burst limit)")
        }
    }

    /// The buffer `id`, nil when the system has none.
    public func buffer(_ id: BufferID) -> Buffer? {
        switch id {
        case .x: return x
        case .w: return w
        case .m: return m
        case .o: return o
        case .p: return p
        }
    }

    /// Entries of buffer `id` (0 when absent).
    public func entries(_ id: BufferID) -> Int { buffer(id)?.entries ?? 0 }
    /// Memory beats per entry of buffer `id` (1 when absent, so its ports keep a width).
    public func chunks(_ id: BufferID) -> Int { buffer(id).map { (($0.bits + memory.dataBits - 1) / memory.dataBits) } ?? 1 }
    /// Bits of the DMA side of buffer `id`: whole memory beats.
    public func dmaBits(_ id: BufferID) -> Int { chunks(id) * memory.dataBits }
    /// Address bits of buffer `id`.
    public func addressBits(_ id: BufferID) -> Int { SparseAccel.addressBits(entries(id)) }
}
