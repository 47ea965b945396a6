// Float benchmark (Scripts/bench-float): the area of the float SAT PE against the int8 PE and of
// the float blocks on their own (yosys generic `synth` cells; `synth_ecp5` and `synth_xilinx`
// LUT/DSP counts), the co-simulation speed of float arrays against the int8 array (GEMMs
// checked bit-exactly, cycles checked against the cycle model), and the table of the 10^7-pair
// block runs that Scripts/bench-float ran before (the file named by the first argument).
// Writes Benchmarks/float.md.
import Flow
import Formats
import Foundation
import HWCore
import HWLib
import SparseAccel
import Workloads

enum FloatBench {
    static func run(_ args: [String]) throws {
        var md = """
        # Float numerics benchmark

        Produced by `Scripts/bench-float`. Float units: `HWLib.FloatMultiplier` (bf16/fp16/fp32 -> fp32,
        round to nearest even) and `HWLib.FloatAdder` (fp32); the float SAT PE multiplies with the former
        and sums its N products and its accumulator with the latter (each unit combinational; the PE's
        `--pipeline` registers sit between them as in the int8 PE). Every result is bit-exact against
        `SparseModel.FloatReference` / `FloatGEMM`.


        """
        md += try areaSection()
        md += try speedAndPairs(args)
        let out = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Benchmarks/float.md")
        try md.write(to: out, atomically: true, encoding: .utf8)
        print(md)
    }

    static let areaHeading = "## Area"

    /// `hwgen-bench float-area`: the area table alone, replacing the "## Area" section of
    /// Benchmarks/float.md in place (the other sections stay).
    static func runArea(_ args: [String]) throws {
        let url = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Benchmarks/float.md")
        var text = try String(contentsOf: url, encoding: .utf8)
        guard let range = text.range(of: areaHeading + "\n") else { throw ConfigError("Benchmarks/float.md has no '\(areaHeading)' section") }
        let section = try areaSection()
        let end = text[range.upperBound...].range(of: "\n## ")?.lowerBound ?? text.endIndex
        // The section ends with its table's last line; the blank line before the next heading stays.
        text.replaceSubrange(range.lowerBound..<end, with: section)
        try text.write(to: url, atomically: true, encoding: .utf8)
        print(section)
    }

    /// The PEs (int8, bf16, fp16; without pipeline registers and with the default `full`) and the
    /// float blocks on their own, through yosys generic, ECP5 and Xilinx synthesis.
    static func areaSection() throws -> String {
        var md = """
        \(areaHeading)

        yosys 'synth' total cells and flip-flops; 'synth_ecp5' LUT4 / MULT18X18D / CCU2C; 'synth_xilinx'
        LUT / DSP48E1 / CARRY4. SAT PEs 2:8 at pipeline `none` and at the default `full`
        (entry+mux+in+mul+sum: registers around the float units, whose logic is unchanged).

        | block | synth cells | FF | ECP5 LUT4 | ECP5 MULT18X18D | ECP5 CCU2C | Xilinx LUT | Xilinx DSP48E1 | Xilinx CARRY4 |
        |---|---:|---:|---:|---:|---:|---:|---:|---:|

        """
        var blocks: [(String, Module)] = []
        for numerics in SATNumerics.allCases {
            for pipeline in [PEPipeline.none, .full] {
                blocks.append(("SAT PE 2:8, \(numerics), pipeline \(pipeline)",
                               try SparsePE.build(SATConfig(n: 2, m: 8, pipeline: pipeline, numerics: numerics)).module))
            }
        }
        for f in FloatFormat.allCases {
            blocks.append(("multiplier \(f) -> fp32", try FloatMultiplier.build(.init(format: f)).module))
        }
        blocks.append(("adder fp32", try FloatAdder.build(.init()).module))
        blocks.append(("adder fp32, FTZ", try FloatAdder.build(.init(subnormals: .flushToZero)).module))
        for (label, mod) in blocks {
            let d = try Design.elaborate(mod)
            let generic = try EDATools.yosysSynth(d.verilog, top: d.top)
            let ecp5 = try EDATools.yosysSynth(d.verilog, top: d.top, script: "synth_ecp5 -top \(d.top)")
            let xil = try EDATools.yosysSynth(d.verilog, top: d.top, script: "synth_xilinx -top \(d.top)")
            let ffs = generic.cells.filter { $0.key.contains("DFF") }.values.reduce(0, +)
            let xluts = xil.cells.filter { $0.key.hasPrefix("LUT") }.values.reduce(0, +)
            md += "| \(label) (`\(d.top)`) | \(generic.totalCells) | \(ffs) | \(ecp5.cells["LUT4"] ?? 0) | \(ecp5.cells["MULT18X18D"] ?? 0) | "
                + "\(ecp5.cells["CCU2C"] ?? 0) | \(xluts) | \(xil.cells["DSP48E1"] ?? 0) | \(xil.cells["CARRY4"] ?? 0) |\n"
            print("\(label): \(generic.totalCells) cells, ECP5 LUT4 \(ecp5.cells["LUT4"] ?? 0), Xilinx LUT \(xluts)")
        }
        return md
    }

    /// The co-simulation speed table and the random-pair table (from the log at `args[0]`).
    static func speedAndPairs(_ args: [String]) throws -> String {
        var md = ""
        md += """

        ## Co-simulation speed (Verilator, -O1, simulation style)

        Two back-to-back tiles of K = 1024 on an 8x8 array, 2:8; outputs checked bit-exactly against the
        golden model and `tile_done` against the cycle model in every run. Cycles/s counts the whole
        program (reset, both tiles, read-out); build time is the model's build in this run (0.0: it was
        in the model cache). A float PE evaluates two multipliers and two fp32 adders (tree and
        accumulator) every cycle, each a few hundred operations in Verilator's C++ where the int8 PE
        has two small multiplies and adds: expect the float array about 100x slower per cycle.

        | numerics | mode | outputs + cycles checked | program cycles | cycles/s | model build s |
        |---|---|---|---:|---:|---:|

        """
        for numerics in SATNumerics.allCases {
            for sparse in [false, true] {
                let cfg = SATConfig(rows: 8, cols: 8, n: 2, m: 8, numerics: numerics)
                let r = try SATGEMM(config: cfg, k: 1024, sparse: sparse, seed: 5, tiles: 2).run()
                md += "| \(numerics) | \(sparse ? "2:8" : "dense") | \(r.match ? "yes" : "NO: \(r.mismatch ?? "")") | \(r.totalCycles) | "
                    + "\(Int(r.cyclesPerSecond)) | \(String(format: "%.1f", r.buildSeconds)) |\n"
                print("\(numerics) \(sparse ? "sparse" : "dense"): match \(r.match), \(Int(r.cyclesPerSecond)) cycles/s")
            }
        }

        if let path = args.first, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            md += """

            ## Random operand pairs per block (HWGEN_FLOAT_PAIRS)

            `swift test --filter 'FloatMultiplierTests/randomPairs|FloatAdderTests/randomPairs'` with
            `HWGEN_FLOAT_PAIRS` = the count below (pipelined variants run 20,000): random bit patterns
            weighted to subnormals, huge/tiny exponents, products at fp32's range limits, ties, and
            cancellation, compared bit for bit with Swift's `Float` results. Pairs/s is the debug-build
            test harness (generation, Verilator, golden model, comparison) on the shared machine.

            | block | pairs | mismatches | pairs/s |
            |---|---:|---:|---:|

            """
            for line in text.split(separator: "\n") where line.contains("random pairs,") {
                // "<top>: <n> random pairs, <m> mismatches, <r> pairs/s"
                let parts = line.split(separator: " ")
                guard parts.count >= 8 else { continue }
                md += "| `\(parts[0].dropLast())` | \(parts[1]) | \(parts[4]) | \(parts[6]) |\n"
            }
        }
        return md
    }
}
