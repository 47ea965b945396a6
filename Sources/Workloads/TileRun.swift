import Cosim
import Foundation
import HWCore
import SparseModel

/// What the GEMM workloads share: build (or load) the model, run the vectors, compare outputs,
/// measure compute cycles, and write the report.
///
/// Cycle measurement: during compute, `row_sel` watches the last PE row; sample i shows the
/// state after i-1 edges (sample 0 is the reset cycle), and the first read-out cycle
/// (sample T+1 for T expected compute cycles) still shows that row. The measured compute cycles
/// are those up to the last edge that changed it: a design that needs one cycle more (or less)
/// than its cycle model moves that edge and is reported.
enum TileRun {
    /// Appends the read-out: rows R-1 ... 0 (the watched row first, so the first read-out
    /// sample still shows it), each selected for one cycle with `idle` inputs and its reference
    /// row expected on `row_out`.
    static func appendReadout(_ v: inout TestVectors, reference: Matrix<Int64>, rows: Int, cols: Int, accWidth: Int,
                              idle: [String: [UInt32]]) {
        for r in stride(from: rows - 1, through: 0, by: -1) {
            v.cycle(idle.merging(["en": [0], "row_sel": PortWords.scalar(UInt64(r))]) { _, new in new },
                    expect: ["row_out": PortWords.pack((0..<cols).map { reference[r, $0] }, elementWidth: accWidth)])
        }
    }

    static func measuredComputeCycles(_ result: DifferentialResult, outputWords words: Int, expected: Int) -> Int {
        func sample(_ i: Int) -> ArraySlice<UInt32> { result.outputs[i * words..<(i + 1) * words] }
        var last = 0
        for i in 2...(expected + 1) where sample(i) != sample(i - 1) { last = i }
        return max(0, last - 1)
    }

    static func run(label: String, design: Design, vectors: TestVectors, rows: Int, cols: Int, accWidth: Int, k: Int, seed: UInt64,
                    modelCycles: Int, expectedCycles: Int?, waveform: String?, waveformOnMismatch: String?,
                    exportBench: URL?, options: BuildOptions) throws -> GEMMReport {
        let model = try ModelBuilder.build(design, options: options)
        if let dir = exportBench { try BenchExporter.write(vectors, design: design, to: dir) }
        let result = try DifferentialRunner.run(vectors, model: model, design: design, waveform: waveform,
                                                waveformOnMismatch: waveformOnMismatch)
        let measured = measuredComputeCycles(result, outputWords: (cols * accWidth + 31) / 32, expected: modelCycles)
        let expected = expectedCycles ?? modelCycles
        var mismatch = result.firstMismatch
        if mismatch == nil && measured != expected, let path = waveformOnMismatch, waveform == nil {
            // Outputs agree but the timing does not: still leave a waveform to look at.
            _ = try DifferentialRunner.run(vectors, model: model, design: design, waveform: path)
        }
        let cycleNote = measured == expected ? nil : "compute cycles \(measured), cycle model \(expected)"
        if mismatch != nil, mismatch?.waveform == nil { mismatch?.waveform = waveform }
        return GEMMReport(design: label, top: design.top, style: design.style, rows: rows, cols: cols, k: k, seed: seed,
                          match: result.passed && measured == expected, outputsMatch: result.passed,
                          mismatch: mismatch?.description ?? cycleNote, cycles: measured, expectedCycles: expected,
                          totalCycles: vectors.cycles, cyclesPerSecond: result.cyclesPerSecond,
                          buildSeconds: model.buildSeconds, cacheHit: model.cacheHit,
                          waveform: mismatch?.waveform ?? waveform ?? (cycleNote != nil ? waveformOnMismatch : nil))
    }
}
