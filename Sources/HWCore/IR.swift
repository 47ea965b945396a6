// The intermediate representation a `Module` builds: a DAG of expression nodes over named
// signals. Every node has a ground type; aggregates exist only at the DSL level.

/// Index of an expression node within its module.
struct NodeID: Hashable, Sendable {
    let raw: Int32
    init(_ i: Int) { raw = Int32(i) }
    var index: Int { Int(raw) }
}

enum UnaryOp: Sendable {
    case not, reduceAnd, reduceOr, reduceXor
}

/// Binary operators. Arithmetic and bitwise operators have operands of the result's type
/// (the DSL inserts explicit extensions first), comparisons have operands of one common type.
enum BinaryOp: Sendable {
    case add, sub, mul, and, or, xor
    case eq, ne, lt, le, gt, ge
    case shlDyn, shrDyn
}

enum Op {
    /// A named signal (port, wire, register, instance output, memory read data).
    case ref(Int)
    /// A constant, little-endian 64-bit words, masked to the node's width.
    case constant([UInt64])
    case unary(UnaryOp, NodeID)
    case binary(BinaryOp, NodeID, NodeID)
    /// sel ? a : b
    case mux(NodeID, NodeID, NodeID)
    /// Most significant part first, like Verilog's `{a, b}`.
    case concat([NodeID])
    /// Bits [lo + width - 1 : lo] of the operand; width is the node's.
    case slice(NodeID, lo: Int)
    /// Extension to the node's width: sign extension if the operand is signed, else zero.
    case extend(NodeID)
    /// Same bits, other signedness.
    case cast(NodeID)
    /// Dynamic index: elements[index], or `fallback` when the index is past the end.
    case select(index: NodeID, elements: [NodeID], fallback: NodeID?)
    /// "No value on this path": the default of a conditionally driven wire.
    case undriven
    /// A construction error, reported at the statement that uses the expression.
    case invalid(String)
}

struct Node {
    var op: Op
    let type: BitsType
}

enum SignalKind {
    case input
    case output
    case wire
    case register(RegisterInfo)
    /// Write-only sink: an input port of instance `instance`.
    case instanceInput(instance: Int, port: String)
    case instanceOutput(instance: Int, port: String)
    case memoryRead(memory: Int)
}

struct RegisterInfo {
    var resetValue: [UInt64]?
    var enable: NodeID?
}

/// A named signal: everything the user (or a port declaration) named.
struct NamedSignal {
    let name: String
    let type: BitsType
    var kind: SignalKind
    let loc: SourceLoc
    /// The expression driving it (combinational value, or next value for a register).
    var driver: NodeID?
    var driverLoc: SourceLoc?
    var drivenUnconditionally = false
    /// Plumbing the DSL created (an element of an instance's packed vector input): the emitter
    /// prints its driver where it is used instead of declaring a wire.
    var inlined = false

    var isDrivable: Bool {
        switch kind {
        case .output, .wire, .register, .instanceInput: return true
        default: return false
        }
    }
    var kindName: String {
        switch kind {
        case .input: return "input"
        case .output: return "output"
        case .wire: return "wire"
        case .register: return "register"
        case .instanceInput: return "instance input"
        case .instanceOutput: return "instance output"
        case .memoryRead: return "memory read port"
        }
    }
}

/// Direction of a port.
public enum PortDirection: String, Sendable, Codable {
    case input, output
}

/// A flat Verilog port of a module. Vector-typed ports are packed into one flat port;
/// `packing` says how (element 0 in the least significant bits).
struct FlatPort {
    let name: String
    let direction: PortDirection
    let type: BitsType
    let signal: Int
    /// Vector dimensions, outermost first, and the ground element type, for packed vector ports.
    let packing: (dims: [Int], element: BitsType)?
    /// The bundle path this port came from, if any (e.g. ["s", "valid"]).
    let group: [String]
}

struct MemoryWrite {
    /// One write lane: its bit of the lane mask and its slice of the data.
    struct Lane {
        let enable: NodeID
        let data: NodeID
    }
    let address: NodeID
    let data: NodeID
    let enable: NodeID?
    /// Lane 0 (low bits) first; empty when the write covers every lane.
    let lanes: [Lane]
    let loc: SourceLoc
}

struct MemoryRead {
    let address: NodeID
    let enable: NodeID?
    let data: Int
    let loc: SourceLoc
    /// True dual port: per lane (or one for a whole-word write), the condition under which the
    /// other port writes the word this port reads, in the same cycle; those bits read X.
    var collisions: [NodeID] = []
}

/// A memory. Port i of a single- or true-dual-port memory is `reads[i]` with `writes[i]`
/// (same address and enable); a simple-dual-port memory has at most one of each.
struct MemoryDecl {
    let name: String
    let element: BitsType
    let depth: Int
    let initial: [[UInt64]]?
    let loc: SourceLoc
    let ports: MemoryPorts
    /// The declared lane width, nil for a memory without write lanes.
    let laneWidthDeclared: Int?
    var reads: [MemoryRead] = []
    var writes: [MemoryWrite] = []
    var addressWidth: Int { max(1, ceilLog2(depth)) }
    var laneWidth: Int { laneWidthDeclared ?? element.width }
    var laneCount: Int { element.width / laneWidth }
}

struct InstanceDecl {
    let name: String
    let module: Module
    let loc: SourceLoc
    /// Port name -> named signal index (instanceInput / instanceOutput) in the parent.
    var ports: [String: Int]
}

/// ⌈log2 n⌉ for n ≥ 1 (0 for n ≤ 1).
@inlinable public func ceilLog2(_ n: Int) -> Int {
    return n <= 1 ? 0 : Int.bitWidth - (n - 1).leadingZeroBitCount
}
