// Simulation-build speed per design (`hwgen-bench simspeed [cycles] [rounds]`): the plain C++
// Verilator loop (CppDriver) on every registered design (16x16: the osarray, the SAT core (2:8),
// the SAT system, the SPS core and system; 4x4: the SparseTrain array and system, 16x16 of which
// is about 60 MB of C++), each built with several Verilator flag sets, run side by side (round-robin, median),
// outputs compared word for word; plus the cold build time (verilator, C++ compile) and the size
// of the generated C++. Writes Benchmarks/cosim-designs.md.
//
// `HWGEN_SIMSPEED_VARIANTS="name=flag flag;name2=..."` replaces the variants (exploration);
// `HWGEN_SIMSPEED_DESIGNS=osarray,sat` limits the designs; `HWGEN_SIMSPEED_KEEP=DIR` keeps each
// variant's obj/ under DIR for reading.
import Cosim
import Designs
import Flow
import Foundation
import HWCore
import TestSupport

enum SimSpeed {
    /// A build to compare: Verilator flags, and whether the Verilog is emitted as before the
    /// simulation style's sign-extension change (`HWGEN_SIM_LEGACY_EXTEND`).
    struct Variant { let name: String; let flags: [String]; var legacyExtend = false }

    struct BuildStats {
        var verilatorSeconds = 0.0, cxxSeconds = 0.0
        var cppBytes = 0, cppFiles = 0, classes = 0, functions = 0
    }

    /// Verilates `verilog` with `flags` and builds the C++ driver into `exe` (like
    /// `CppDriver.buildStandalone`, with the flags given and the generated C++ measured).
    static func build(verilog: URL, top: String, flags: [String], optimization: String, inputs: [Manifest.Port],
                      outputs: [Manifest.Port], into exe: URL, keep: URL?) throws -> BuildStats {
        let tc = try Toolchain.detect()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-simspeed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var st = BuildStats()
        let prefix = "Vss"
        let t0 = Date()
        let v = try EDATools.run("verilator", Verilator.modelArguments(files: [verilog.path], top: top, prefix: prefix, flags: flags), in: dir)
        guard v.succeeded else { throw BuildError(description: "verilator failed:\n\(v.output)") }
        st.verilatorSeconds = Date().timeIntervalSince(t0)
        let objDir = dir.appendingPathComponent("obj")
        let files = try FileManager.default.contentsOfDirectory(atPath: objDir.path).sorted()
        let cpps = files.filter { $0.hasSuffix(".cpp") }
        for f in cpps {
            let text = try String(contentsOf: objDir.appendingPathComponent(f), encoding: .utf8)
            st.cppBytes += text.utf8.count
            // Function definitions Verilator writes: `<type> <Class>::<name>(` or `<type> <Class>___<name>(`
            // at column 0, one per line.
            st.functions += text.split(separator: "\n").filter { $0.first.map { $0 != " " && $0 != "#" && $0 != "/" && $0 != "}" } ?? false && $0.hasSuffix("{") && $0.contains("(") }.count
        }
        st.cppFiles = cpps.count
        st.classes = files.filter { $0.hasSuffix(".h") && !$0.hasSuffix("__Syms.h") }.count
        if let keep {
            try? FileManager.default.createDirectory(at: keep, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: keep.appendingPathComponent(exe.lastPathComponent))
            try? FileManager.default.copyItem(at: objDir, to: keep.appendingPathComponent(exe.lastPathComponent))
        }
        let unity = cpps.map { "#include \"obj/\($0)\"\n" }.joined() + "#include \"main.cpp\"\n"
        try unity.write(to: dir.appendingPathComponent("unity.cpp"), atomically: true, encoding: .utf8)
        try CppDriver.source(className: prefix, inputs: inputs, outputs: outputs, defineHooks: true)
            .write(to: dir.appendingPathComponent("main.cpp"), atomically: true, encoding: .utf8)
        let runtime = try ModelBuilder.runtimeArchive(tc)
        let args = ModelBuilder.cxxFlags + ModelBuilder.runtimeDefines + [optimization, "-I", tc.include, "-I", tc.include + "/vltstd",
                                                                          "-I", "obj", "unity.cpp", runtime.path, "-o", exe.path, "-lpthread"]
        let t1 = Date()
        let r = try EDATools.run(tc.cxx, args, in: dir)
        guard r.succeeded else { throw BuildError(description: "building the C++ driver failed:\n\(r.output)") }
        st.cxxSeconds = Date().timeIntervalSince(t1)
        if let keep {
            let k = keep.appendingPathComponent(exe.lastPathComponent)
            try? FileManager.default.copyItem(at: dir.appendingPathComponent("main.cpp"), to: k.appendingPathComponent("main.cpp"))
            try? FileManager.default.copyItem(at: exe, to: k.appendingPathComponent("exe"))
        }
        return st
    }

    /// Stimulus words for one design: reset for 4 cycles, then per port by its role (see the
    /// report's text).
    static func stimulus(design: String, inputs: [Manifest.Port], cycles: Int) -> [UInt32] {
        var rng = SplitMix64(seed: 42)
        var s: [UInt32] = []
        for c in 0..<cycles {
            for p in inputs {
                let words = (p.width + 31) / 32
                for w in 0..<words {
                    let bits = min(32, p.width - 32 * w)
                    let ones: UInt32 = bits == 32 ? .max : (1 << UInt32(bits)) - 1
                    let value: UInt32
                    if p.role == "reset" {
                        value = c < 4 ? 1 : 0
                    } else if design.hasSuffix("-system") {
                        value = 0  // idle but clocked: no instruction, no memory response
                    } else if p.name.hasSuffix("valid") {
                        value = ones
                    } else if p.name.hasSuffix("last") {
                        value = c % 1000 == 999 ? ones : 0
                    } else if p.name == "rd_row" {
                        value = UInt32(c & 15)
                    } else if p.name == "mode" {
                        value = 1  // sparse (N:M)
                    } else {
                        value = UInt32(truncatingIfNeeded: rng.next()) & ones
                    }
                    s.append(value)
                }
            }
        }
        return s
    }

    static let defaultVariants = [
        Variant(name: "before", flags: Verilator.modelFlags, legacyExtend: true),
        Variant(name: "after", flags: Verilator.modelFlags),
    ]

    /// The array side a design is measured at: 16, but 4 for SparseTrain (its cells' operand
    /// and result memories make 16x16 about 60 MB of C++ and a minute or more of compiling).
    static func shape(_ design: String) -> Int { design.hasPrefix("sparsetrain") ? 4 : 16 }

    static func run(args: [String]) throws {
        let cycles = args.count > 0 ? Int(args[0]) ?? 200_000 : 200_000
        let rounds = args.count > 1 ? Int(args[1]) ?? 5 : 5
        let env = ProcessInfo.processInfo.environment
        var variants = defaultVariants
        if let spec = env["HWGEN_SIMSPEED_VARIANTS"], !spec.isEmpty {
            variants = spec.split(separator: ";").map { part in
                let kv = part.split(separator: "=", maxSplits: 1)
                let name = String(kv[0])
                return Variant(name: name, flags: kv.count > 1 ? kv[1].split(separator: " ").map(String.init) : [],
                               legacyExtend: name.hasPrefix("before"))
            }
        }
        let designNames = env["HWGEN_SIMSPEED_DESIGNS"].map { $0.split(separator: ",").map(String.init) } ?? ["osarray", "sat", "sat-system", "sps", "sps-system", "sparsetrain", "sparsetrain-system"]
        let keep = env["HWGEN_SIMSPEED_KEEP"].map { URL(fileURLWithPath: $0) }
        let opt = env["HWGEN_SIMSPEED_OPT"] ?? "-O1"
        let tmp = FileManager.default.temporaryDirectory
        try ModelBuilder.prepareRuntime()
        if let keep { try FileManager.default.createDirectory(at: keep, withIntermediateDirectories: true) }

        struct Result { var rates: [Double] = []; var stats = BuildStats(); var same = true }
        var table: [(String, [Result])] = []
        for name in designNames {
            let entry = try Designs.named(name)
            let side = shape(name)
            let d = try entry.elaborate(DesignOptions(rows: side, cols: side), style: .simulation)
            setenv("HWGEN_SIM_LEGACY_EXTEND", "1", 1)
            let legacy = try entry.elaborate(DesignOptions(rows: side, cols: side), style: .simulation)
            unsetenv("HWGEN_SIM_LEGACY_EXTEND")
            let vfile = tmp.appendingPathComponent("hwgen-simspeed-\(name).v")
            let legacyFile = tmp.appendingPathComponent("hwgen-simspeed-\(name)-before.v")
            try d.verilog.write(to: vfile, atomically: true, encoding: .utf8)
            try legacy.verilog.write(to: legacyFile, atomically: true, encoding: .utf8)
            if let keep {
                try? d.verilog.write(to: keep.appendingPathComponent("\(name).v"), atomically: true, encoding: .utf8)
                try? legacy.verilog.write(to: keep.appendingPathComponent("\(name)-before.v"), atomically: true, encoding: .utf8)
            }
            let ins = d.manifest.ports.filter { $0.direction == .input && $0.role != "clock" }
            let outs = d.manifest.ports.filter { $0.direction == .output }
            print("\(name): inputs \(ins.map { "\($0.name)[\($0.width)]" }.joined(separator: " ")); outputs \(outs.map { "\($0.name)[\($0.width)]" }.joined(separator: " "))")
            let stim = stimulus(design: name, inputs: ins, cycles: cycles)
            let stimFile = tmp.appendingPathComponent("hwgen-simspeed-\(name).bin")
            try stim.withUnsafeBytes { try Data($0).write(to: stimFile) }
            if let keep { try? stim.withUnsafeBytes { try Data($0).write(to: keep.appendingPathComponent("\(name).bin")) } }
            var results: [Result] = []
            var exes: [URL] = []
            for v in variants {
                let exe = tmp.appendingPathComponent("hwgen-simspeed-\(name)-\(v.name.replacingOccurrences(of: " ", with: "_"))")
                let st = try build(verilog: v.legacyExtend ? legacyFile : vfile, top: d.top, flags: v.flags, optimization: opt, inputs: ins, outputs: outs, into: exe, keep: keep)
                print("  \(v.name): verilator \(String(format: "%.1f", st.verilatorSeconds)) s, C++ \(String(format: "%.1f", st.cxxSeconds)) s, \(st.cppFiles) .cpp, \(st.cppBytes / 1024) KiB, \(st.classes) classes, \(st.functions) functions")
                results.append(Result(stats: st))
                exes.append(exe)
            }
            var reference: [UInt32]?
            for round in 0..<rounds {
                // Alternate the order every round, so a slow phase of the shared machine hits all alike.
                let order = round % 2 == 0 ? Array(variants.indices) : Array(variants.indices.reversed())
                for i in order {
                    let outBin = tmp.appendingPathComponent("hwgen-simspeed-out-\(UUID().uuidString).bin")
                    defer { try? FileManager.default.removeItem(at: outBin) }
                    let r = try EDATools.run(exes[i].path, [stimFile.path, outBin.path])
                    guard r.succeeded, let rate = Double(r.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                        throw BuildError(description: "\(exes[i].lastPathComponent) failed: \(r.output)")
                    }
                    let words = try Data(contentsOf: outBin).withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
                    if let ref = reference { if words != ref { results[i].same = false } } else { reference = words }
                    results[i].rates.append(rate)
                }
            }
            for (v, r) in zip(variants, results) {
                print("  \(v.name): \(String(format: "%.3f", median(r.rates) / 1e6)) M cycles/s (\(r.rates.map { String(format: "%.3f", $0 / 1e6) }.joined(separator: " "))) outputs same: \(r.same)")
            }
            for e in exes { try? FileManager.default.removeItem(at: e) }
            try? FileManager.default.removeItem(at: stimFile)
            try? FileManager.default.removeItem(at: vfile)
            try? FileManager.default.removeItem(at: legacyFile)
            table.append((name, results))
        }
        // "vs before": the median over rounds of each round's ratio to the first build (the two
        // run back to back, so a slow phase of the shared machine hits both alike).
        try write(table: table.map { row in
            (row.0, row.1.map { r in (median(r.rates), median(zip(r.rates, row.1[0].rates).map { $0 / $1 }), r.stats, r.same) })
        }, variants: variants,
                  cycles: cycles, rounds: rounds, optimization: opt)
    }

    /// The report's explanation (measured while making the change; the instruction counts are
    /// callgrind's, 2000 cycles, C++ at -O1).
    static let why = """
    ## Why

    Peers first (`Scripts/bench-peers`, `Benchmarks/cosim-peers.md`): the same 16x16 array written
    in Migen, PyRTL and Amaranth, each emitted as one flat module, in the same C++ loop. Migen's
    ran 1.22x faster than this simulation style did before this change, with only 7% fewer
    instructions per cycle (callgrind: 7940 against 8524); PyRTL's and Amaranth's were slower
    (0.70x, 0.22x). Flattening is not what matters: Verilator already inlines every hwgen module
    (`--flatten` or `--inline-mult -1` give byte-identical C++).

    Four spellings matter, and the simulation style now uses all of them ("after"; the synthesis
    style is untouched, names, hardware and outputs are the same, compared above):
    * Vector pipeline stages. The SAT PE passes its M dense operands south through `x_q_0` ..
      `x_q_7 <= in_x[..]`, one register per element: Verilator keeps each as its own variable,
      extracts each from the north PE's `out_x` every cycle and reassembles `out_x = {x_q_7, ...,
      x_q_0}` (and the index multiplexer's concatenation) from them. Registers that copy
      consecutive bits of one signal, with the same enable and reset, are now one packed
      register (`x_q_pk <= in_x;`, each element a wire `x_q_0 = x_q_pk[7:0]`, so every name stays),
      and Verilator folds the concatenations back into it: the SAT core's generated C++ halves
      (2.9 -> 1.7 MB) and it runs about 1.7x faster; a stage copying an earlier packed stage packs
      too (the PE's weight operands, `op_q_pk <= {w_q_1, w_q_0}`).
    * Synchronous resets. Each register used to be written `a_q <= rst ? 8'd0 : in_a`, a select
      per register; Migen writes every register's next state and then one `if (rst)` block. The
      simulation style now does that (the last non-blocking assignment wins, so the values are
      the same): osarray 8524 -> 7082 instructions per cycle.
    * Small dynamic indexes. A multiplexer whose elements, padded to a power of two, fit 64 bits
      is a part-select of their concatenation, `v[{idx, 3'd0} +: 8]`, which Verilator writes as a
      shift and a mask; a `case` became an `if` tree on the index bits, which the SAT PE's random
      N:M indices mispredict half the time. An index wider than the elements need selects with
      its low bits behind a compare for the default (`off < 7'd16 ? m[off[3:0]] : 1'b0`): the
      SparseTrain PE's tap masks (16 bits by a 7-bit offset, 8 per PE) were 29% of its
      instructions as `if` trees; its generated C++ shrinks 2.4x.
    * Logic read only under an enable. A wire is a continuous assignment, which Verilator
      evaluates every cycle whether or not a register loads it. Every expression whose readers
      are all registers loaded under a common condition (a clock enable, the `when` that assigns
      them) is now computed inside the registers' clocked block under that condition, with
      blocking assignments in dependency order (`EnableSinking.swift`; names stay, such a wire is
      declared `reg`). The SAT system's update unit has 20 top-N selector networks (16 backward,
      2 forward, 2 mask), about 27% of the idle system's 31k instructions per cycle by callgrind,
      whose results are loaded once per weight row or once per tile: they now build inline in
      the update unit (not as instances, so each sits in its registers' cone) and run under
      `in_valid`, `out_valid_q` and `group_done`; the new master row registers load only with a
      row (`master_out` is read only with `out_valid`). The same holds for the arms of a
      register's `?:` chain: the SparseTrain PE's tap decode (8 masked, strided taps) runs only
      when it takes an entry.

    The SparseTrain system also read each PE's 768-bit result word every cycle (a block RAM
    without a read enable, 20% of its idle instructions): the drain now reads a slot once, in
    its priming cycle (`rd_en`), and the word holds while the PEs' rows are written out; same
    cycles, same results.
    Earlier, sign extensions other than multiplier operands became `(({16'h0, p} ^ 32'h8000) -
    32'h8000)` instead of a replication (a shift, negate, shift, mask and or).

    A delay-line packing (`r_pk <= {r_1, r_0, x}` for a skew line) was tried and dropped, also
    limited to lines of at most 64 bits: the SPS core's C++ grew and it ran 1.28-1.38x instead of
    about 1.7x, the SPS system 1.05-1.27x.

    What remains (idle): the SAT system's array PEs, about 70 instructions each (nine pipeline
    register stages, two multiplies). In the SAT core Verilator also merges the 16 identical
    per-PE copies of a row's broadcast registers (`w_q_pk`, `idx_q_pk`, `mode_q`: its gate
    optimisation reports 1455 signals deduplicated); in the system it reports none, since that
    search starts from the top-level outputs and stops 20 levels deep, and the array sits behind
    the store unit and the buffers. A tournament formulation of the 2-of-8 selector (14
    comparators instead of 28) was tried by hand: 1.5% fewer instructions and slower, so the
    selectors keep their rank network. The SPS system: its 16x16 array of plain output-stationary
    PEs (no valid, every register loads every cycle: about 11 instructions per PE) is 30% of
    its idle instructions. The SparseTrain system: the PEs' issue loop (16 accumulators, their
    hit compares and the product), which the PE's result port reads every cycle.
    """

    static func write(table: [(String, [(Double, Double, BuildStats, Bool)])], variants: [Variant], cycles: Int, rounds: Int,
                      optimization: String) throws {
        func m(_ x: Double) -> String { String(format: "%.3f", x / 1e6) }
        var md = """
        # Simulation-build speed per design

        `hwgen-bench simspeed \(cycles) \(rounds)`: the plain C++ Verilator loop (`CppDriver`: per cycle write
        inputs, clock low + eval, read every output, clock high + eval) on each design's simulation-style
        Verilog (16x16; SparseTrain 4x4, the size its tests and benchmarks use: its cells' operand and
        result memories make 16x16 about 60 MB of C++), \(cycles) cycles per run (runs of 100000 cycles
        moved the SPS system's ratio between 1.39x and 1.58x from one invocation to the next), median of \(rounds) rounds (each
        round runs every build once, order alternating), C++ at \(optimization), all in one run on this
        machine (\(ProcessInfo.processInfo.activeProcessorCount) cores, shared with other jobs: absolute rates are noisy, compare within a
        row). Stimulus: `rst` for 4 cycles, then the cores: random operands, every `*valid` high, every
        `*last` high each 1000th cycle, `rd_row` sweeping the rows, sat in sparse mode (`mode` = 1,
        2:8); the systems: every input 0 after reset (no instruction, no memory response: idle but
        clocked, which measures the cost of one evaluation of the whole system). Every build's outputs
        (all output ports, every cycle) are compared word for word with the first's.

        "before" is the simulation style of commit e2d0ead (sign extensions other than multiplier
        operands written as replications, `{{16{p[15]}}, p}`, each register's reset a select of its
        own, dynamic indexes as `case` statements, one register per vector element, every wire a
        continuous assignment), "after" this
        commit's, both of this commit's designs (so a hardware change made for speed, such as
        SparseTrain's result read enable, is in both columns); both use `Verilator.modelFlags` (\(Verilator.modelFlags.joined(separator: " "))).
        "M cycles/s" is the median over rounds; "vs before" the median of each round's ratio to
        "before" (the two builds run back to back in a round, so the machine's slow phases, which
        move single runs by up to 2x here, hit both alike).

        | design | build | M cycles/s | vs before | outputs same | verilator | C++ compile | generated C++ |
        |---|---|---:|---:|---|---:|---:|---:|

        """
        for (name, rows) in table {
            for (v, r) in zip(variants, rows) {
                md += "| \(name) | \(v.name) | \(m(r.0)) | \(String(format: "%.2fx", r.1)) | \(r.3 ? "yes" : "NO") | \(String(format: "%.1f", r.2.verilatorSeconds)) s | \(String(format: "%.1f", r.2.cxxSeconds)) s | \(r.2.cppBytes / 1024) KiB |\n"
            }
        }
        md += "\n" + why
        let out = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Benchmarks/cosim-designs.md")
        try md.write(to: out, atomically: true, encoding: .utf8)
        print(md)
    }
}
