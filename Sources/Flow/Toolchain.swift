import Flow
import Foundation

/// The Verilator installation and C++ compiler used to build simulation models.
///
/// Compiler choice (measured on the 2-core target machine, 16x16 int8 array, see
/// ../shared/notes/verilator-bridge.md and Benchmarks/cosim.md): the Swift toolchain's clang++
/// builds a model in 3.7 s at -O1 and 4.7 s at -O2 (g++ -O1: 5.9 s); -O1 simulates within
/// 10-20 % of -O2, and Verilator's default -Os is 4x slower. Tests build many small models, so
/// -O1 is the default; the benchmark also reports -O2. `--threads` is never used: on 2 cores a
/// threaded model is 100x slower cycle by cycle.
public struct Toolchain: Sendable {
    public let verilator: String
    public let verilatorRoot: String
    public let verilatorVersion: String
    public let cxx: String
    public let cxxVersion: String

    public enum ToolchainError: Error, CustomStringConvertible {
        case missing(String)
        public var description: String {
            switch self {
            case .missing(let what): return "\(what) is not installed (run Scripts/setup to install the EDA tools)"
            }
        }
    }

    private static let memoLock = NSLock()
    nonisolated(unsafe) private static var memo: Toolchain?

    /// Finds verilator and a C++ compiler (clang++, else g++), or throws a clear error.
    /// Detected once per process (it runs `verilator --version`), so a cache hit costs no
    /// subprocess.
    public static func detect() throws -> Toolchain {
        memoLock.lock()
        defer { memoLock.unlock() }
        if let t = memo { return t }
        let t = try detectUncached()
        memo = t
        return t
    }

    static func detectUncached() throws -> Toolchain {
        guard let v = EDATools.find("verilator") else { throw ToolchainError.missing("verilator") }
        guard let cxx = EDATools.find("clang++") ?? EDATools.find("g++") else { throw ToolchainError.missing("a C++ compiler (clang++ or g++)") }
        let version = try EDATools.run("verilator", ["--version"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        var root = try EDATools.run("verilator", ["--getenv", "VERILATOR_ROOT"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        if !FileManager.default.fileExists(atPath: root + "/include/verilated.h") { root = "/usr/share/verilator" }
        guard FileManager.default.fileExists(atPath: root + "/include/verilated.h") else {
            throw ToolchainError.missing("Verilator's include files (verilated.h)")
        }
        let cxxVersion = (try? EDATools.run(cxx, ["--version"]).output.split(separator: "\n").first.map(String.init)) ?? "unknown"
        return Toolchain(verilator: v, verilatorRoot: root, verilatorVersion: version, cxx: cxx, cxxVersion: cxxVersion)
    }

    public var include: String { verilatorRoot + "/include" }
}
