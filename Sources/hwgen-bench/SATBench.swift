// SAT benchmark (Scripts/bench-sat): measured RTL cycles of a 16x16 SAT core for K = 4096 in
// dense mode and every N:M, with the speedup and its ratio to the ideal M/N; and the area of a
// PE (yosys generic `synth` cells and `synth_xilinx` LUT/FF/DSP/CARRY) for the dense osarray PE
// and the unified N:M PE. Writes Benchmarks/sat.md.
import Flow
import Cosim
import Foundation
import HWCore
import SparseAccel
import SparseModel
import Workloads

enum SATBench {
    static let patterns: [(Int, Int)] = [(1, 4), (2, 4), (1, 8), (2, 8), (4, 8), (2, 16)]

    static func run() throws {
        let k = 4096, side = 16
        var md = """
        # SAT benchmark: 16x16 array, K = 4096

        Cycles are measured on the RTL (Verilator co-simulation, outputs checked bit-exactly against
        the golden model, compute cycles checked against `SATCycleModel`). Dense = the same unified PE
        in dense mode (N elements per cycle); sparse = N:M mode (M elements per cycle). Compute cycles
        exclude the 16 read-out cycles and the reset cycle (reported separately).

        | N:M | dense cycles | sparse cycles | speedup | ideal M/N | ratio to ideal | outputs + cycles checked | target |
        |---|---:|---:|---:|---:|---:|---|---|

        """
        for (n, m) in patterns {
            let cfg = SATConfig(rows: side, cols: side, n: n, m: m)
            let dense = try SATGEMM(config: cfg, k: k, sparse: false, seed: 11).run()
            let sparse = try SATGEMM(config: cfg, k: k, sparse: true, seed: 11).run()
            let speedup = Double(dense.cycles) / Double(sparse.cycles)
            let ideal = Double(m) / Double(n)
            let ratio = speedup / ideal
            let checked = dense.match && sparse.match ? "yes" : "NO: \(dense.mismatch ?? sparse.mismatch ?? "")"
            let target = (n, m) == (2, 8) || (n, m) == (2, 4) ? (ratio >= 0.97 ? ">= 0.97: met" : ">= 0.97: MISSED") : ""
            md += "| \(n):\(m) | \(dense.cycles) | \(sparse.cycles) | \(String(format: "%.3f", speedup))x | \(String(format: "%.0f", ideal))x | \(String(format: "%.3f", ratio)) | \(checked) | \(target) |\n"
            print("\(n):\(m) dense \(dense.cycles) sparse \(sparse.cycles) speedup \(speedup) ratio \(ratio) checked \(checked)")
        }
        md += """

        Read-out adds 16 cycles and reset 1 to each run (total = compute + 17).

        ## Area per PE (int8 operands, int32 accumulator)

        | PE | yosys `synth` cells | of which flip-flops | `synth_xilinx` LUT | FF | DSP48E1 | CARRY4 |
        |---|---:|---:|---:|---:|---:|---:|

        """
        var pes: [(String, Module)] = [("dense osarray PE", OSArrayPE.build(OSArrayConfig()).module)]
        for (n, m) in [(2, 4), (2, 8)] {
            pes.append(("unified \(n):\(m) PE", try SparsePE.build(SATConfig(n: n, m: m)).module))
        }
        for (label, mod) in pes {
            let d = try Design.elaborate(mod)
            let generic = try EDATools.yosysSynth(d.verilog, top: d.top)
            let xil = try EDATools.yosysSynth(d.verilog, top: d.top, script: "synth_xilinx -top \(d.top)")
            let ffs = generic.cells.filter { $0.key.contains("DFF") }.values.reduce(0, +)
            let luts = xil.cells.filter { $0.key.hasPrefix("LUT") }.values.reduce(0, +)
            let xff = xil.cells.filter { $0.key.hasPrefix("FD") }.values.reduce(0, +)
            md += "| \(label) (`\(d.top)`) | \(generic.totalCells) | \(ffs) | \(luts) | \(xff) | \(xil.cells["DSP48E1"] ?? 0) | \(xil.cells["CARRY4"] ?? 0) |\n"
            print("\(label): \(generic.totalCells) cells, LUT \(luts), DSP \(xil.cells["DSP48E1"] ?? 0)")
        }
        md += """

        The N:M PE's extra area is its M:1 index multiplexers (N of them, M x 8 bits wide), the
        M-element dense-operand pipeline register (vs 1 element in the dense PE) and the adder tree;
        the dense PE folds its multiply-accumulate into one DSP.

        """
        let out = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Benchmarks/sat.md")
        try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
        try md.write(to: out, atomically: true, encoding: .utf8)
        print(md)
    }
}
