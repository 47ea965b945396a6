import Foundation
import Flow
import HWCore

/// Waveform file formats.
public enum WaveformFormat: String, Sendable, Hashable {
    /// Value change dump: text, readable by every viewer; large.
    case vcd
    /// gtkwave's compressed format: about 9x smaller than VCD, slower to write.
    case fst

    /// The format a file name asks for (`.fst` or anything else = VCD).
    public init(path: String) { self = path.hasSuffix(".fst") ? .fst : .vcd }
}

/// How to build a simulation model.
public struct BuildOptions: Sendable, Hashable {
    /// C++ optimisation flag for the model (the runtime archive is always -O2).
    public var optimization: String = "-O1"
    /// Build with waveform support (a separate cache entry: tracing costs speed).
    public var trace: Bool = false
    /// Format of the waveforms a traced model writes.
    public var format: WaveformFormat = .vcd

    public init(optimization: String = "-O1", trace: Bool = false, format: WaveformFormat = .vcd) {
        self.optimization = optimization
        self.trace = trace
        self.format = format
    }

    var fst: Bool { trace && format == .fst }
}

/// A built model: a shared library in the cache, with the manifest that describes its ports.
public struct CompiledModel: Sendable {
    public let library: URL
    public let manifest: Manifest
    public let options: BuildOptions
    /// Wall time spent building this model (0 on a cache hit), seconds.
    public let buildSeconds: Double
    /// Wall time spent building Verilator's runtime archive for this toolchain in this call (it is
    /// built once per toolchain and cached; 0 when it was already there), seconds.
    public let runtimeBuildSeconds: Double
    public let cacheHit: Bool
    /// Directory holding the Verilated sources (for building other drivers, e.g. benchmarks).
    public let directory: URL
    /// The Verilated class name (`--prefix`).
    public let prefix: String
}

public struct BuildError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// Builds and caches Verilator models.
///
/// Cache layout under ``cacheDirectory``: `runtime-<key>/libverilated.a` (Verilator's runtime,
/// compiled once per Verilator/compiler version) and `model-<key>/` per model, where the key
/// hashes the shim ABI, the Verilator and compiler versions, flags, top name and Verilog text.
/// Builds happen in a private temporary directory under a per-key `flock` and are published by
/// an atomic rename, so concurrent tests (or processes) build each model once.
public enum ModelBuilder {
    /// `$HWGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/hwgen`, else `~/.cache/hwgen`.
    public static var cacheDirectory: URL {
        let env = ProcessInfo.processInfo.environment
        if let d = env["HWGEN_CACHE_DIR"], !d.isEmpty { return URL(fileURLWithPath: d) }
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return URL(fileURLWithPath: x).appendingPathComponent("hwgen") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/hwgen")
    }

    public static let runtimeDefines = ["-DVL_USER_FINISH", "-DVL_USER_STOP", "-DVL_USER_FATAL"]
    public static let cxxFlags = ["-std=c++17", "-fPIC", "-fvisibility=hidden", "-fvisibility-inlines-hidden", "-w"]

    /// Builds (or loads from cache) the model of `design`.
    public static func build(_ design: Design, options: BuildOptions = BuildOptions()) throws -> CompiledModel {
        let tc = try Toolchain.detect()
        let runtimeStart = Date()
        let runtime = try runtimeArchive(tc)
        let runtimeSeconds = Date().timeIntervalSince(runtimeStart)
        let floatDatapath = design.manifest.parameters["numerics"].map { $0 != .string("int8") } ?? false
        let flags = Verilator.modelFlags + (floatDatapath ? Verilator.splitFunctionFlags : [])
        var h = StableHash()
        for part in ["abi\(ShimGenerator.abiVersion)", tc.verilatorVersion, tc.cxx, tc.cxxVersion, options.optimization,
                     options.trace ? "trace-\(options.format.rawValue)" : "notrace",
                     flags.joined(separator: " "), design.top, design.verilog, design.manifest.json] { h.add(part) }
        let key = String(h.hex.prefix(24))
        let prefix = "Vhw_" + key.prefix(12)
        let dir = cacheDirectory.appendingPathComponent("model-\(key)")
        let lib = dir.appendingPathComponent("model.so")
        let fstStart = Date()
        let fstRuntime = options.fst ? try fstArchive(tc) : nil
        let fstSeconds = Date().timeIntervalSince(fstStart)
        let start = Date()
        let hit = try withLock(key: "model-\(key)") { () -> Bool in
            if FileManager.default.fileExists(atPath: lib.path) { return true }
            try buildModel(design, tc: tc, runtime: runtime, fstRuntime: fstRuntime, options: options, flags: flags, prefix: prefix, into: dir)
            return false
        }
        // A cached archive costs a stat (well under 10 ms); report the build only when it happened.
        let runtimeBuild = runtimeSeconds + fstSeconds
        return CompiledModel(library: lib, manifest: design.manifest, options: options,
                             buildSeconds: hit ? 0 : Date().timeIntervalSince(start),
                             runtimeBuildSeconds: runtimeBuild > 0.05 ? runtimeBuild : 0, cacheHit: hit,
                             directory: dir, prefix: prefix)
    }

    /// Builds (or finds) Verilator's runtime archive for the detected toolchain.
    @discardableResult
    public static func prepareRuntime() throws -> URL { try runtimeArchive(try Toolchain.detect()) }

    /// Verilator's runtime as a PIC archive, built once per toolchain.
    public static func runtimeArchive(_ tc: Toolchain) throws -> URL {
        try archive(tc, tag: "runtime1", name: "libverilated.a", sources: ["verilated.cpp", "verilated_vcd_c.cpp", "verilated_threads.cpp"],
                    failure: "compiling Verilator's runtime")
    }

    /// Verilator's FST writer (with gtkwave's fstapi, LZ4 and FastLZ, which it includes), built
    /// on first use: it needs zlib, which only FST models link.
    static func fstArchive(_ tc: Toolchain) throws -> URL {
        try archive(tc, tag: "fst1", name: "libverilated_fst.a", sources: ["verilated_fst_c.cpp"],
                    failure: "compiling Verilator's FST writer (is zlib1g-dev installed? run Scripts/setup)")
    }

    /// Compiles Verilator runtime `sources` (two at a time: the machine has 2 cores) into a
    /// cached PIC archive.
    static func archive(_ tc: Toolchain, tag: String, name: String, sources: [String], failure: String) throws -> URL {
        var h = StableHash()
        for part in [tag, tc.verilatorVersion, tc.cxx, tc.cxxVersion] + runtimeDefines + cxxFlags { h.add(part) }
        let key = "runtime-\(tag)-" + String(h.hex.prefix(24))
        let dir = cacheDirectory.appendingPathComponent(key)
        let archive = dir.appendingPathComponent(name)
        try withLock(key: key) {
            if FileManager.default.fileExists(atPath: archive.path) { return }
            let tmp = try temporaryDirectory(near: dir)
            defer { try? FileManager.default.removeItem(at: tmp) }
            let objects = sources.map { $0.replacingOccurrences(of: ".cpp", with: ".o") }
            try parallel(zip(sources, objects).map { src, obj in { @Sendable in
                let r = try EDATools.run(tc.cxx, cxxFlags + runtimeDefines + ["-O2", "-I", tc.include, "-I", tc.include + "/vltstd",
                                                                               "-c", tc.include + "/" + src, "-o", obj], in: tmp)
                guard r.succeeded else { throw BuildError(description: "\(failure) \(src) failed:\n\(r.output)") }
            } })
            let ar = try EDATools.run("ar", ["rcs", name] + objects, in: tmp)
            guard ar.succeeded else { throw BuildError(description: "ar failed: \(ar.output)") }
            try publish(tmp, to: dir)
        }
        return archive
    }

    static func buildModel(_ design: Design, tc: Toolchain, runtime: URL, fstRuntime: URL?, options: BuildOptions, flags: [String], prefix: String, into dir: URL) throws {
        let tmp = try temporaryDirectory(near: dir)
        defer { try? FileManager.default.removeItem(at: tmp) }
        try design.verilog.write(to: tmp.appendingPathComponent("design.v"), atomically: false, encoding: .utf8)
        try ShimGenerator.generate(manifest: design.manifest, prefix: prefix, trace: options.trace ? options.format : nil)
            .write(to: tmp.appendingPathComponent("shim.cpp"), atomically: false, encoding: .utf8)
        let trace = options.trace ? [options.fst ? "--trace-fst" : "--trace"] : []
        let v = try EDATools.run("verilator", Verilator.modelArguments(files: ["design.v"], top: design.top, prefix: prefix, extra: trace, flags: flags), in: tmp)
        guard v.succeeded else { throw BuildError(description: "verilator failed:\n\(v.output)") }
        // One unity translation unit: every generated .cpp plus the shim (fastest on 2 cores).
        let obj = tmp.appendingPathComponent("obj")
        let cpps = try FileManager.default.contentsOfDirectory(atPath: obj.path).filter { $0.hasSuffix(".cpp") }.sorted()
        var unity = cpps.map { "#include \"obj/\($0)\"\n" }.joined()
        unity += "#include \"shim.cpp\"\n"
        try unity.write(to: tmp.appendingPathComponent("unity.cpp"), atomically: false, encoding: .utf8)
        var args = cxxFlags + runtimeDefines + [options.optimization, "-shared", "-I", tc.include, "-I", tc.include + "/vltstd", "-I", "obj"]
        if options.trace { args += ["-DVM_TRACE=1"] + (options.fst ? ["-DVM_TRACE_FST=1"] : []) }
        args += ["unity.cpp"] + (fstRuntime.map { [$0.path] } ?? []) + [runtime.path, "-o", "model.so", "-lpthread"]
        if options.fst { args.append("-lz") }
        let c = try EDATools.run(tc.cxx, args, in: tmp)
        guard c.succeeded else { throw BuildError(description: "compiling the model failed:\n\(c.output)") }
        try publish(tmp, to: dir)
    }

    // MARK: - Locking and publishing

    /// Runs `body` holding an exclusive `flock` on `<cache>/locks/<key>.lock`.
    static func withLock<T>(key: String, _ body: () throws -> T) throws -> T {
        let locks = cacheDirectory.appendingPathComponent("locks")
        try FileManager.default.createDirectory(at: locks, withIntermediateDirectories: true)
        let path = locks.appendingPathComponent(key + ".lock").path
        let fd = open(path, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw BuildError(description: "cannot open lock \(path)") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw BuildError(description: "cannot lock \(path)") }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    static func temporaryDirectory(near dir: URL) throws -> URL {
        let tmp = dir.deletingLastPathComponent().appendingPathComponent(".tmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        return tmp
    }

    /// Atomically renames the finished build directory into place.
    static func publish(_ tmp: URL, to dir: URL) throws {
        if rename(tmp.path, dir.path) != 0 {
            // A stale partial directory (an interrupted older layout): replace it.
            try? FileManager.default.removeItem(at: dir)
            guard rename(tmp.path, dir.path) == 0 else {
                throw BuildError(description: "cannot publish \(dir.path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Runs jobs on two threads (the machine's core count); rethrows the first error.
    static func parallel(_ jobs: [@Sendable () throws -> Void]) throws {
        final class FirstError: @unchecked Sendable {
            let lock = NSLock()
            var error: Error?
        }
        let box = FirstError()
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
            do { try jobs[i]() } catch {
                box.lock.lock()
                if box.error == nil { box.error = error }
                box.lock.unlock()
            }
        }
        if let e = box.error { throw e }
    }
}
