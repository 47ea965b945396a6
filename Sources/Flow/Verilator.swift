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

    /// Added for designs with float datapaths: Verilator inlines every PE into the top and
    /// schedules the array's combinational logic into a handful of C++ functions; the 8x8 bf16
    /// SAT array became ~15 MB of C++ in a few functions with thousands of locals each, which the
    /// compiler optimises in time superlinear in a function's size (~3 minutes). Functions of at
    /// most ~500 statements compile in ~42 s (Benchmarks/float.md). Integer designs keep whole
    /// functions: their builds take seconds and splitting adds calls to the per-cycle path.
    public static let splitFunctionFlags = ["--output-split-cfuncs", "500"]

    /// `verilator --cc` of `files` into `obj/` with class prefix `prefix`, plus `extra` flags
    /// (tracing, `-G` parameters).
    public static func modelArguments(files: [String], top: String, prefix: String, extra: [String] = [],
                                      flags: [String] = modelFlags) -> [String] {
        ["--cc"] + files + ["--top-module", top, "--prefix", prefix, "-Mdir", "obj"] + flags + extra
    }
}
