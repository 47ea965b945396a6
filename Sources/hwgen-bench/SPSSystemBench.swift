// SPS system benchmark (`hwgen-bench sps-system`, and a section of `hwgen-bench sps`): VGG-16's
// 3x3 conv layers at CIFAR-10 shapes (every one but the first, as the core benchmark) compiled to
// instruction streams and run on the Verilated sps-system against the Swift DRAM model: outputs
// read back from DRAM bit-exact against the golden conv, SYNC cycles equal to the system's cycle
// model; system cycles against the bare core's (SPSCycleModel, RTL-validated) and the dense core's,
// DMA bytes, overhead. `hwgen-bench sps-system` rewrites only this section of Benchmarks/sps.md
// (between its markers, atomically); arguments: [--pe RxC] [--out FILE] [--bytes-per-cycle X].
import Compiler
import Foundation
import SparseAccel
import SparseModel
import Workloads

enum SPSSystemBench {
    static let begin = "<!-- sps-system: begin -->"
    static let end = "<!-- sps-system: end -->"

    static func run(_ args: [String]) throws {
        func value(_ flag: String) -> String? { args.firstIndex(of: flag).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil } }
        let pe = (value("--pe") ?? "8x8").split(separator: "x").compactMap { Int($0) }
        guard pe.count == 2, pe.allSatisfy({ $0 >= 1 }) else { throw ConfigError("--pe expects RxC") }
        let out = URL(fileURLWithPath: value("--out") ?? "Benchmarks/sps.md")
        let section = try section(rows: pe[0], cols: pe[1], bytesPerCycle: value("--bytes-per-cycle").flatMap(Double.init))
        var text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        if let a = text.range(of: begin), let b = text.range(of: end), a.upperBound <= b.lowerBound {
            text.replaceSubrange(a.lowerBound..<b.upperBound, with: section.trimmingCharacters(in: .newlines))
        } else {
            text += (text.isEmpty || text.hasSuffix("\n\n") ? "" : "\n") + section
        }
        try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: out, atomically: true, encoding: .utf8)
        print(section)
    }

    /// The section (with its markers): one co-simulation per distinct layer shape.
    static func section(rows: Int, cols: Int, bytesPerCycle: Double?) throws -> String {
        let cfg = SPSSystemConfig(core: SPSConfig(rows: rows, cols: cols, patternNNZ: 4, period: 8),
                                  xEntries: 256, wEntries: 8192, oEntries: 64, lineEntries: 4096)
        try cfg.validate()
        let timing = DRAMTiming(bytesPerCycle: bytesPerCycle)
        let net = try ModelZoo.network("vgg16", input: .cifar10)
        let convs = net.layers.filter { $0.spec.kind == .conv }
        var s = "\(begin)\n## SPS system (sps-system), VGG-16 CIFAR-10 shapes (RTL)\n\n"
        s += "System: `hwgen emit --design sps-system --pe \(rows)x\(cols) --pattern-nnz 4 --period 8 --buffers 256,8192,64,4096` (\(cfg.topName)): "
        s += "the core above with the line buffer (\(rows) banks of 4096 × 16 activations: 64 KiB each), XBUF 256 × 128 bits, WBUF 8192 × 128 bits "
        s += "(two weight slots of Ci·n entries even at Ci = 512), OBUF 64 pixels; 128-bit memory port, DRAM latency \(timing.readLatency)/\(timing.writeLatency) cycles "
        s += "(read/write), \(timing.bytesPerCycle.map { String(format: "%.1f bytes/cycle", $0) } ?? "one beat (16 bytes) per cycle"). "
        s += "Each layer: `hwgen sim conv --design sps-system`: the compiled stream (LOAD layer descriptor + pattern table, CONV layer; "
        s += "input through XBUF slots into the line buffer, CONV fill; per column tile a weight LOAD prefetched into the other WBUF slot; "
        s += "a CONV per tile, a STORE per tile; SYNC) on the Verilated system; the output tensor read back from the DRAM model is bit-exact "
        s += "against the golden conv (as is the golden executor's), and the final SYNC's `cycles` equals the cycle model's.\n\n"
        s += "Columns: *system* = the design's `cycles` at the final SYNC (from reset: includes the program's start, the fill and the last "
        s += "stores); *core* = the bare core's layer cycles (`SPSCycleModel`, first start to last `tile_done`); *overhead* = (system − core) / core; "
        s += "*dense* = the same core dense (n = 9, P = 1); *DMA* = bytes the LOADs read / the STOREs write (inputs once, weights once, "
        s += "outputs as 32-bit sums; the minimum for this dataflow).\n\n"
        s += "| layer | Co×Ci, H×W | system | model | core | overhead | dense core | speedup vs dense | DMA read | DMA written | instructions | note |\n"
        s += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
        var cache: [String: SPSSystemConvReport] = [:]
        var tSys = 0, tCore = 0, tDense = 0, tRead = 0, tWrite = 0
        for (i, l) in convs.enumerated() where i > 0 && l.spec.kernelSize == 3 {
            let key = l.spec.description
            let r: SPSSystemConvReport
            var note = ""
            if let hit = cache[key] {
                r = hit
                note = ", same shape as above"
            } else {
                let t0 = Date()
                let c = try SPSConvCase(config: cfg.engine, layer: l.spec, seed: 1, scheme: .magnitude, inputAddressed: false)
                r = try SPSSystemConvRun(config: cfg, testCase: c, scheme: .magnitude, timing: timing).run()
                guard r.match else { throw ConfigError("sps-system \(l.name): \(r.mismatch ?? "mismatch")") }
                cache[key] = r
                FileHandle.standardError.write(Data("sps-system \(l.name) \(l.spec): \(r.systemCycles) cycles (core \(r.coreCycles)), \(Int(Date().timeIntervalSince(t0))) s\n".utf8))
            }
            tSys += r.systemCycles
            tCore += r.coreCycles
            tDense += r.denseCoreCycles
            tRead += r.dmaReadBytes
            tWrite += r.dmaWrittenBytes
            s += "| \(l.name) | \(l.spec.outChannels)×\(l.spec.inChannels), \(l.spec.inHeight)×\(l.spec.inWidth) | \(r.systemCycles) | \(r.modelCycles) | "
            s += "\(r.coreCycles) | \(String(format: "%.2f", r.overheadPercent))% | \(r.denseCoreCycles) | \(String(format: "%.3f", r.speedupVsDenseCore))x | "
            s += "\(r.dmaReadBytes) | \(r.dmaWrittenBytes) | \(r.instructions) | bit-exact, = model\(note) |\n"
        }
        s += "| **total** | | \(tSys) | | \(tCore) | \(String(format: "%.2f", 100 * Double(tSys - tCore) / Double(max(1, tCore))))% | \(tDense) | "
        s += "\(String(format: "%.3f", Double(tDense) / Double(max(1, tSys))))x | \(tRead) | \(tWrite) | | |\n\n"
        // A slower memory: where the weight stream (Ci·Co·n bytes per layer, read once) or the input fill limits the system.
        s += "Slower DRAM (same latency; bytes per cycle each way), on the first and the last distinct shapes:\n\n"
        s += "| layer | DRAM bytes/cycle | system | model | core | overhead | note |\n|---|---:|---:|---:|---:|---:|---|\n"
        let picks = convs.enumerated().filter { $0.offset > 0 && $0.element.spec.kernelSize == 3 }.map(\.element)
        for l in [picks.first, picks.last].compactMap({ $0 }) {
            for bpc in [4.0, 1.0] {
                let c = try SPSConvCase(config: cfg.engine, layer: l.spec, seed: 1, scheme: .magnitude, inputAddressed: false)
                let r = try SPSSystemConvRun(config: cfg, testCase: c, scheme: .magnitude, timing: DRAMTiming(bytesPerCycle: bpc)).run()
                guard r.match else { throw ConfigError("sps-system \(l.name) at \(bpc) B/cycle: \(r.mismatch ?? "mismatch")") }
                s += "| \(l.name) | \(bpc) | \(r.systemCycles) | \(r.modelCycles) | \(r.coreCycles) | \(String(format: "%.2f", r.overheadPercent))% | bit-exact, = model |\n"
            }
        }
        s += "\n"
        // An input larger than the line buffer: ImageNet's last 3x3 layer runs in bands of output rows.
        let imagenet = try ModelZoo.network("vgg16", input: .imagenet).layers.filter { $0.spec.kind == .conv && $0.spec.kernelSize == 3 }
        if let l = imagenet.last {
            let c = try SPSConvCase(config: cfg.engine, layer: l.spec, seed: 1, scheme: .magnitude, inputAddressed: false)
            let t0 = Date()
            let r = try SPSSystemConvRun(config: cfg, testCase: c, scheme: .magnitude, timing: timing).run()
            guard r.match else { throw ConfigError("sps-system imagenet \(l.name): \(r.mismatch ?? "mismatch")") }
            FileHandle.standardError.write(Data("sps-system imagenet \(l.name): \(r.systemCycles) cycles, \(Int(Date().timeIntervalSince(t0))) s\n".utf8))
            s += "An input larger than the line buffer (VGG-16 ImageNet \(l.name), \(l.spec.outChannels)×\(l.spec.inChannels), "
            s += "\(l.spec.inHeight)×\(l.spec.inWidth): \(l.spec.inChannels * l.spec.inHeight * l.spec.inWidth) activations, the line buffer holds 65536) "
            s += "runs in \(r.bands) bands of output rows, each filling its input rows (halos included) and re-reading the weights: "
            s += "\(r.systemCycles) cycles (model \(r.modelCycles), bit-exact) against the core's \(r.coreCycles) unbanded "
            s += "(\(String(format: "%.2f", r.overheadPercent))% overhead), dense core \(r.denseCoreCycles); DMA \(r.dmaReadBytes) bytes read, \(r.dmaWrittenBytes) written.\n\n"
        }
        s += "The overhead is the input fill before the first tile (the DMA's latency plus Ci·H·W / 16 cycles), the first weight slot's load, "
        s += "the first tile's pipeline fill and the last tile's drain and STORE; weight prefetch into the second WBUF slot and stores into "
        s += "the OBUF ring overlap the tiles.\n\(end)\n"
        return s
    }
}
