import Foundation
import HWCore

/// A loaded model library: the C function table of one shared library. Libraries are loaded
/// once per process and never unloaded (libstdc++ keeps them mapped anyway).
final class ModelLibrary: @unchecked Sendable {
    typealias Create = @convention(c) (Int32) -> UnsafeMutableRawPointer?
    typealias Destroy = @convention(c) (UnsafeMutableRawPointer) -> Void
    typealias PortPtr = @convention(c) (UnsafeMutableRawPointer, UInt32) -> UnsafeMutableRawPointer?
    typealias Phase = @convention(c) (UnsafeMutableRawPointer) -> Int32
    typealias Step = @convention(c) (UnsafeMutableRawPointer, UInt64) -> Int32
    typealias Run = @convention(c) (UnsafeMutableRawPointer, UInt64, UInt32, UnsafePointer<UInt32>?, UnsafePointer<UInt32>?,
                                    UInt32, UnsafePointer<UInt32>?, UnsafeMutablePointer<UInt32>?) -> Int32
    typealias TraceOpen = @convention(c) (UnsafeMutableRawPointer, UnsafePointer<CChar>) -> Int32
    typealias TraceClose = @convention(c) (UnsafeMutableRawPointer) -> Void
    typealias LastError = @convention(c) (UnsafeMutableRawPointer) -> UnsafePointer<CChar>
    typealias Time = @convention(c) (UnsafeMutableRawPointer) -> UInt64
    typealias Api = @convention(c) () -> UnsafePointer<UnsafeRawPointer?>

    let create: Create, destroy: Destroy, port: PortPtr, settle: Phase, edge: Phase, step: Step, run: Run
    let traceOpen: TraceOpen, traceClose: TraceClose, lastError: LastError, time: Time

    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var registry: [String: ModelLibrary] = [:]

    static func load(_ path: URL) throws -> ModelLibrary {
        registryLock.lock()
        defer { registryLock.unlock() }
        if let lib = registry[path.path] { return lib }
        guard let handle = dlopen(path.path, RTLD_NOW | RTLD_LOCAL) else {
            throw BuildError(description: "dlopen \(path.path): \(String(cString: dlerror()))")
        }
        guard let sym = dlsym(handle, "hwgen_cosim_api") else {
            throw BuildError(description: "\(path.path) has no hwgen_cosim_api")
        }
        let table = unsafeBitCast(sym, to: Api.self)()
        let version = Int(bitPattern: table[0])
        guard version == ShimGenerator.abiVersion else {
            throw BuildError(description: "model ABI \(version), expected \(ShimGenerator.abiVersion); delete the cache")
        }
        func fn<T>(_ i: Int, _: T.Type) -> T { unsafeBitCast(table[i]!, to: T.self) }
        let lib = ModelLibrary(
            create: fn(1, Create.self), destroy: fn(2, Destroy.self), port: fn(3, PortPtr.self),
            settle: fn(4, Phase.self), edge: fn(5, Phase.self), step: fn(6, Step.self), run: fn(7, Run.self),
            traceOpen: fn(8, TraceOpen.self), traceClose: fn(9, TraceClose.self), lastError: fn(10, LastError.self),
            time: fn(11, Time.self))
        registry[path.path] = lib
        return lib
    }

    private init(create: Create, destroy: Destroy, port: PortPtr, settle: Phase, edge: Phase, step: Step, run: Run,
                 traceOpen: TraceOpen, traceClose: TraceClose, lastError: LastError, time: Time) {
        self.create = create; self.destroy = destroy; self.port = port; self.settle = settle; self.edge = edge
        self.step = step; self.run = run; self.traceOpen = traceOpen; self.traceClose = traceClose
        self.lastError = lastError; self.time = time
    }
}

/// A port of a running model, resolved once; reading and writing through it is a memory access.
public struct PortHandle: Sendable {
    public let name: String
    public let index: Int
    public let width: Int
    public let direction: PortDirection
    /// 32-bit words the port occupies in batched buffers.
    public var words: Int { (width + 31) / 32 }
    let storageBytes: Int
    nonisolated(unsafe) let pointer: UnsafeMutableRawPointer
}

/// Errors of a running simulation.
public struct SimulationError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// One instance of a Verilated model, driven from Swift.
///
/// Cycle semantics (shared with ``IverilogSim`` and the batched ``run(cycles:inputs:stimulus:outputs:)``):
/// write inputs, ``settle()`` (clock low, evaluate: outputs show this cycle's combinational
/// values), read outputs, ``edge()`` (rising clock edge). ``step(_:)`` does settle+edge.
///
/// Not `Sendable`: one instance belongs to one thread; create it where it is used.
public final class Simulator {
    let lib: ModelLibrary
    let handle: UnsafeMutableRawPointer
    public let manifest: Manifest
    /// Cycles completed (rising edges).
    public private(set) var cycle: UInt64 = 0

    /// Loads `model` (dlopen on first use in the process) and creates an instance.
    public init(_ model: CompiledModel) throws {
        lib = try ModelLibrary.load(model.library)
        guard let h = lib.create(model.options.trace ? 1 : 0) else {
            throw SimulationError(description: "cannot create an instance of \(model.manifest.top)")
        }
        handle = h
        manifest = model.manifest
    }

    deinit { lib.destroy(handle) }

    /// Resolves a port by name.
    public func port(_ name: String) throws -> PortHandle {
        guard let i = manifest.ports.firstIndex(where: { $0.name == name }) else {
            throw SimulationError(description: "\(manifest.top) has no port '\(name)' (ports: \(manifest.ports.map(\.name).joined(separator: ", ")))")
        }
        let p = manifest.ports[i]
        return PortHandle(name: p.name, index: i, width: p.width, direction: p.direction,
                          storageBytes: ShimGenerator.storage(p.width).bytes, pointer: lib.port(handle, UInt32(i))!)
    }

    /// Writes a value of up to 64 bits (masked to the port width).
    @inline(__always)
    public func poke(_ p: PortHandle, _ value: UInt64) {
        let v = p.width >= 64 ? value : value & ((1 << UInt64(p.width)) - 1)
        switch p.storageBytes {
        case 1: p.pointer.storeBytes(of: UInt8(truncatingIfNeeded: v), as: UInt8.self)
        case 2: p.pointer.storeBytes(of: UInt16(truncatingIfNeeded: v), as: UInt16.self)
        case 4: p.pointer.storeBytes(of: UInt32(truncatingIfNeeded: v), as: UInt32.self)
        case 8: p.pointer.storeBytes(of: v, as: UInt64.self)
        default:
            let w = p.pointer.assumingMemoryBound(to: UInt32.self)
            for i in 0..<p.words { w[i] = 0 }
            w[0] = UInt32(truncatingIfNeeded: v)
            if p.words > 1 { w[1] = UInt32(truncatingIfNeeded: v >> 32) }
        }
    }

    /// Writes a wide value as 32-bit words, least significant first (masked to the width).
    public func poke(_ p: PortHandle, words: [UInt32]) {
        var buf = [UInt32](repeating: 0, count: max(2, p.words))
        for (i, w) in words.prefix(p.words).enumerated() { buf[i] = w }
        buf.withUnsafeBufferPointer { poke(p, words: $0.baseAddress!) }
    }

    /// Writes `p.words` 32-bit words from `words` (least significant first, masked to the
    /// width), without allocating: the per-cycle path for wide ports.
    @inline(__always)
    public func poke(_ p: PortHandle, words: UnsafePointer<UInt32>) {
        if p.storageBytes <= 8 {
            poke(p, p.words == 1 ? UInt64(words[0]) : UInt64(words[0]) | UInt64(words[1]) << 32)
            return
        }
        let w = p.pointer.assumingMemoryBound(to: UInt32.self)
        for i in 0..<p.words { w[i] = words[i] }
        let rem = p.width % 32
        if rem != 0 { w[p.words - 1] &= (1 << UInt32(rem)) - 1 }
    }

    /// Copies a port's `p.words` words into `into`, without allocating.
    @inline(__always)
    public func peek(_ p: PortHandle, into: UnsafeMutablePointer<UInt32>) {
        if p.storageBytes <= 8 {
            let v = peek(p)
            into[0] = UInt32(truncatingIfNeeded: v)
            if p.words > 1 { into[1] = UInt32(truncatingIfNeeded: v >> 32) }
            return
        }
        let w = p.pointer.assumingMemoryBound(to: UInt32.self)
        for i in 0..<p.words { into[i] = w[i] }
    }

    /// Reads the low 64 bits of a port.
    @inline(__always)
    public func peek(_ p: PortHandle) -> UInt64 {
        switch p.storageBytes {
        case 1: return UInt64(p.pointer.load(as: UInt8.self))
        case 2: return UInt64(p.pointer.load(as: UInt16.self))
        case 4: return UInt64(p.pointer.load(as: UInt32.self))
        case 8: return p.pointer.load(as: UInt64.self)
        default:
            let w = p.pointer.assumingMemoryBound(to: UInt32.self)
            return UInt64(w[0]) | UInt64(w[1]) << 32
        }
    }

    /// Reads a port as 32-bit words, least significant first.
    public func peekWords(_ p: PortHandle) -> [UInt32] {
        var out = [UInt32](repeating: 0, count: p.words)
        out.withUnsafeMutableBufferPointer { peek(p, into: $0.baseAddress!) }
        return out
    }

    func check(_ rc: Int32) throws {
        if rc != 0 { throw SimulationError(description: String(cString: lib.lastError(handle))) }
    }

    /// Clock low and evaluate: outputs now show this cycle's combinational values.
    public func settle() throws { try check(lib.settle(handle)) }

    /// Rising clock edge.
    public func edge() throws {
        try check(lib.edge(handle))
        cycle += 1
    }

    /// `n` cycles of settle + edge with the inputs unchanged.
    public func step(_ n: Int = 1) throws {
        try check(lib.step(handle, UInt64(n)))
        cycle += UInt64(n)
    }

    /// Holds `rst` high for `cycles` cycles (other inputs unchanged), then low.
    public func reset(cycles: Int = 1) throws {
        let rst = try port("rst")
        poke(rst, 1)
        try step(cycles)
        poke(rst, 0)
    }

    /// Batched mode: runs `cycles` cycles in one call. `stimulus` holds, per cycle, the words of
    /// each port of `inputs` in order; the result holds, per cycle, the words of each port of
    /// `outputs` sampled after settle (before the edge).
    public func run(cycles: Int, inputs: [PortHandle], stimulus: [UInt32], outputs: [PortHandle]) throws -> [UInt32] {
        var out = [UInt32](repeating: 0, count: cycles * outputs.reduce(0) { $0 + $1.words })
        try stimulus.withUnsafeBufferPointer { st in
            try out.withUnsafeMutableBufferPointer { o in
                try run(cycles: cycles, inputs: inputs, stimulus: st, outputs: outputs, into: o)
            }
        }
        return out
    }

    /// Batched mode into a caller-owned buffer (for long runs in chunks that reuse their
    /// buffers): as ``run(cycles:inputs:stimulus:outputs:)``, writing the sampled words to `out`,
    /// which must hold exactly `cycles` times the outputs' words.
    public func run(cycles: Int, inputs: [PortHandle], stimulus: UnsafeBufferPointer<UInt32>, outputs: [PortHandle],
                    into out: UnsafeMutableBufferPointer<UInt32>) throws {
        let inWords = inputs.reduce(0) { $0 + $1.words }
        let outWords = outputs.reduce(0) { $0 + $1.words }
        guard stimulus.count == cycles * inWords else {
            throw SimulationError(description: "stimulus has \(stimulus.count) words, expected \(cycles) cycles x \(inWords)")
        }
        guard out.count == cycles * outWords else {
            throw SimulationError(description: "output buffer has \(out.count) words, expected \(cycles) cycles x \(outWords)")
        }
        let inIdx = inputs.map { UInt32($0.index) }, outIdx = outputs.map { UInt32($0.index) }
        let rc = inIdx.withUnsafeBufferPointer { ii in
            outIdx.withUnsafeBufferPointer { oi in
                lib.run(handle, UInt64(cycles), UInt32(inputs.count), ii.baseAddress, stimulus.baseAddress,
                        UInt32(outputs.count), oi.baseAddress, out.baseAddress)
            }
        }
        try check(rc)
        cycle += UInt64(cycles)
    }

    /// Starts dumping a waveform in the model's format (VCD or FST; the model must be built with
    /// `trace: true`).
    public func openWaveform(_ path: String) throws {
        try check(path.withCString { lib.traceOpen(handle, $0) })
    }

    public func closeWaveform() { lib.traceClose(handle) }
}
