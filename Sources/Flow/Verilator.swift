/// Every Verilator command line the project uses, spelled once: the lint gate, the model builds of
/// co-simulation and the benchmark's C++ drivers all take their flags from here.
public enum Verilator {
    /// `--lint-only -Wall`: the lint gate (zero warnings required).
    public static func lintArguments(top: String, files: [String]) -> [String] {
        ["--lint-only", "-Wall", "--top-module", top] + files
    }

    /// Flags of a simulation model build (C++ output, no threads): Verilator's own optimisations
    /// on, X values resolved fast (the design resets what it reads), assertions off. Lint
    /// findings are the lint gate's business, so a simulation build warns but proceeds.
    public static let modelFlags = ["-Wno-fatal", "-O3", "--x-assign", "fast", "--x-initial", "fast", "--noassert"]

    /// `verilator --cc` of `files` into `obj/` with class prefix `prefix`, plus `extra` flags
    /// (tracing, `-G` parameters).
    public static func modelArguments(files: [String], top: String, prefix: String, extra: [String] = [],
                                      flags: [String] = modelFlags) -> [String] {
        ["--cc"] + files + ["--top-module", top, "--prefix", prefix, "-Mdir", "obj"] + flags + extra
    }
}
