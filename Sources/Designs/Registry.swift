import Cosim
import Foundation
import HWCore
import HWLib
import SparseAccel
import Workloads

/// What `hwgen sim gemm` asks of a design's GEMM workload.
public struct GEMMRequest: Sendable {
    public var k: Int
    public var seed: UInt64
    public var tiles: Int
    /// Percent of beats preceded by bubbles (1 to 3 invalid beats), as a stalled feeder makes.
    public var bubblePercent: Int
    /// `sparse` or `dense` for designs with both modes (nil = the design's default).
    public var mode: String?
    public var waveform: String?
    /// Where a waveform goes when something differs (nil = a name derived from the run).
    public var waveformOnMismatch: String?
    public var exportBench: URL?
    public var style: VerilogStyle

    public init(k: Int = 64, seed: UInt64 = 1, tiles: Int = 1, bubblePercent: Int = 0, mode: String? = nil, waveform: String? = nil,
                waveformOnMismatch: String? = nil, exportBench: URL? = nil, style: VerilogStyle = .simulation) {
        self.k = k
        self.seed = seed
        self.tiles = tiles
        self.bubblePercent = bubblePercent
        self.mode = mode
        self.waveform = waveform
        self.waveformOnMismatch = waveformOnMismatch
        self.exportBench = exportBench
        self.style = style
    }
}

/// A design: a name, its knobs with their defaults, a typed config built from the knobs
/// (validated, JSON-encodable), a builder, and its workloads. `hwgen emit`, `hwgen sim`, the
/// tests and the benchmarks all resolve designs here.
public struct DesignEntry: Sendable {
    public let name: String
    public let summary: String
    public let parameters: [DesignParameter]
    /// Workloads `hwgen sim` can run on it.
    public let workloads: [String]
    let makeConfig: @Sendable (DesignOptions) throws -> any DesignConfig
    let elaborateConfig: @Sendable (any DesignConfig, VerilogStyle, String) throws -> Design
    let gemmRun: (@Sendable (any DesignConfig, GEMMRequest) throws -> GEMMReport)?

    /// The design's config for `options` (defaults for what is not given), validated. Throws a
    /// ``ConfigError`` for a knob the design does not take or an invalid value.
    public func config(_ options: DesignOptions) throws -> any DesignConfig {
        try options.check(takes: parameters.map(\.knob), design: name)
        let c = try makeConfig(options)
        try c.validate()
        return c
    }

    /// Builds and elaborates the design (every module name prefixed with `modulePrefix`).
    public func elaborate(_ options: DesignOptions, style: VerilogStyle = .synthesis, modulePrefix: String = "") throws -> Design {
        try elaborateConfig(try config(options), style, modulePrefix)
    }

    /// Runs the design's GEMM workload.
    public func gemm(_ options: DesignOptions, _ request: GEMMRequest) throws -> GEMMReport {
        guard let run = gemmRun else { throw ConfigError("design '\(name)' has no gemm workload") }
        return try run(try config(options), request)
    }
}

extension DesignEntry {
    /// An entry whose closures work on the typed config `C`.
    init<C: DesignConfig>(name: String, summary: String, parameters: [DesignParameter], workloads: [String],
                          config: @escaping @Sendable (DesignOptions) throws -> C,
                          elaborate: @escaping @Sendable (C, VerilogStyle, String) throws -> Design,
                          gemm: (@Sendable (C, GEMMRequest) throws -> GEMMReport)?) {
        let run: (@Sendable (any DesignConfig, GEMMRequest) throws -> GEMMReport)?
        if let gemm {
            run = { c, r in try gemm(try Self.typed(c, C.self), r) }
        } else {
            run = nil
        }
        self.init(name: name, summary: summary, parameters: parameters, workloads: workloads,
                  makeConfig: { try config($0) },
                  elaborateConfig: { c, style, prefix in try elaborate(try Self.typed(c, C.self), style, prefix) },
                  gemmRun: run)
    }

    static func typed<C: DesignConfig>(_ c: any DesignConfig, _: C.Type) throws -> C {
        guard let t = c as? C else { throw ConfigError("a \(type(of: c)) is not a \(C.self)") }
        return t
    }
}

/// A generator's config as the registry handles it.
public protocol DesignConfig: Codable, Sendable {
    func validate() throws
    /// Parameters recorded in the manifest.
    var parameters: [String: ParamValue] { get }
}

extension SATConfig: DesignConfig {}
extension SATSystemConfig: DesignConfig {}
extension OSArrayConfig: DesignConfig {}
extension SPSConfig: DesignConfig {}
extension SPSSystemConfig: DesignConfig {}
extension SparseTrainConfig: DesignConfig {}

/// The registry.
public enum Designs {
    /// The default design of `hwgen emit`.
    public static let defaultName = "sat"

    public static let all: [DesignEntry] = [sat, satSystem, osarray, sps, spsSystem, sparseTrain, sparseTrainSystem]

    /// The design called `name`, or a ``ConfigError`` listing the designs.
    public static func named(_ name: String) throws -> DesignEntry {
        guard let d = all.first(where: { $0.name == name }) else {
            throw ConfigError("unknown design '\(name)' (available: \(all.map(\.name).joined(separator: ", ")))")
        }
        return d
    }

    static let sat = DesignEntry(
        name: "sat",
        summary: "SAT core: unified dense/N:M sparse PE array (2:8, int8 -> int32 by default)",
        parameters: [
            DesignParameter(knob: .pe, value: "RxC", defaultText: "16x16", help: "PE array shape (1...\(SATConfig.maxSide) each)"),
            DesignParameter(knob: .nm, value: "N:M", defaultText: "2:8", help: "N:M sparsity: 1 <= N < M, M a power of two <= 64"),
            DesignParameter(knob: .dataWidth, value: "W", defaultText: "8", help: "signed operand width, 1...32"),
            DesignParameter(knob: .accWidth, value: "W", defaultText: "32, or 64 when 2W + log2(N) > 24",
                            help: "signed accumulator width, up to 64, at least one cycle's sum of N products"),
            DesignParameter(knob: .pipeline, value: "STAGES", defaultText: "full",
                            help: "PE pipeline registers: none, full, or stages entry, mux, in, mul, route, sum joined by +"),
            DesignParameter(knob: .numerics, value: "int8|bf16|fp16", defaultText: "int8",
                            help: "PE arithmetic: integers, or bf16/fp16 operands with exact fp32 products and fp32 sums (data width 16, acc width 32)"),
            DesignParameter(knob: .subnormals, value: "ieee|ftz", defaultText: "ieee",
                            help: "float PE subnormals: IEEE, or flushed to zero on inputs and results (only with --numerics bf16|fp16)"),
        ],
        workloads: ["gemm"],
        config: { o in
            let nm = try o.nm.map(parseNM)
            let d = SATConfig()
            let numerics = try o.numerics.map(SATNumerics.parse) ?? .int8
            let subnormals = try o.subnormals.map(parseSubnormals) ?? .ieee
            // The integer PE has no subnormals: a knob that would change nothing is an error.
            if o.subnormals != nil, !numerics.isFloat {
                throw ConfigError("--subnormals applies only with a float --numerics (bf16 or fp16), not \(numerics)")
            }
            // Widths default per numerics (8/derived for integers, 16/32 for floats).
            let c = SATConfig(rows: o.rows ?? d.rows, cols: o.cols ?? d.cols, n: nm?.n ?? d.n, m: nm?.m ?? d.m,
                              dataWidth: o.dataWidth, accWidth: o.accWidth,
                              pipeline: try o.pipeline.map(PEPipeline.parse) ?? d.pipeline, numerics: numerics,
                              subnormals: subnormals)
            return c
        },
        elaborate: { cfg, style, prefix in
            try Design.elaborate(try SATArray.build(cfg), parameters: cfg.parameters, style: style, modulePrefix: prefix)
        },
        gemm: { cfg, r in
            let mode = r.mode ?? "sparse"
            guard mode == "sparse" || mode == "dense" else { throw ConfigError("--mode expects sparse or dense, got '\(mode)'") }
            let g = try SATGEMM(config: cfg, k: r.k, sparse: mode == "sparse", seed: r.seed, tiles: r.tiles, bubblePercent: r.bubblePercent)
            return try g.run(waveform: r.waveform, waveformOnMismatch: r.waveform == nil ? (r.waveformOnMismatch ?? "\(cfg.topName)_\(mode)_k\(r.k)_s\(r.seed)_mismatch.vcd") : nil,
                             exportBench: r.exportBench, style: r.style)
        })

    static let satSystem = DesignEntry(
        name: "sat-system",
        summary: "SAT training system: the SAT core with buffers, DMA on a memory port, controller and update/pre-generation unit",
        parameters: [
            DesignParameter(knob: .pe, value: "RxC", defaultText: "16x16", help: "PE array shape (M must divide R and C; R divides C or C divides R)"),
            DesignParameter(knob: .nm, value: "N:M", defaultText: "2:8", help: "N:M sparsity: N divides M, M a power of two"),
            DesignParameter(knob: .dataWidth, value: "W", defaultText: "8", help: "signed operand width, 1...32"),
            DesignParameter(knob: .accWidth, value: "W", defaultText: "32, or 64 when 2W + log2(N) > 24", help: "signed accumulator width"),
            DesignParameter(knob: .pipeline, value: "STAGES", defaultText: "full", help: "PE pipeline registers"),
            DesignParameter(knob: .memWidth, value: "BITS", defaultText: "128", help: "memory port data width, a power of two in 32...1024"),
            DesignParameter(knob: .buffers, value: "X,W,M,O,P", defaultText: "1024,1024,64,64,16",
                            help: "entries of XBUF (dense operand), WBUF (weight stream), MBUF (master weights), OBUF (results), PBUF (pre-generated words)"),
            DesignParameter(knob: .axi, value: "", defaultText: "off", help: "put the memory port behind an AXI4 master (m_axi_* pins, bursts split at 4 KiB)"),
            DesignParameter(knob: .numerics, value: "int8|bf16|fp16", defaultText: "int8",
                            help: "integers, or bf16/fp16 operands with fp32 sums, fp32 master weights and bf16/fp16 copies (data width 16, acc width 32)"),
            DesignParameter(knob: .subnormals, value: "ieee|ftz", defaultText: "ieee", help: "float subnormals (only with --numerics bf16|fp16)"),
        ],
        workloads: ["layer"],
        config: { o in
            let nm = try o.nm.map(parseNM)
            let d = SATConfig()
            let numerics = try o.numerics.map(SATNumerics.parse) ?? .int8
            if o.subnormals != nil, !numerics.isFloat {
                throw ConfigError("--subnormals applies only with a float --numerics (bf16 or fp16), not \(numerics)")
            }
            let core = SATConfig(rows: o.rows ?? d.rows, cols: o.cols ?? d.cols, n: nm?.n ?? d.n, m: nm?.m ?? d.m,
                                 dataWidth: o.dataWidth ?? (numerics.isFloat ? nil : d.dataWidth), accWidth: o.accWidth,
                                 pipeline: try o.pipeline.map(PEPipeline.parse) ?? d.pipeline, numerics: numerics,
                                 subnormals: try o.subnormals.map(parseSubnormals) ?? .ieee)
            let b = try o.buffers.map(parseBuffers) ?? [1024, 1024, 64, 64, 16]
            var c = SATSystemConfig(core: core, memory: MemoryPortSpec(addrBits: 32, dataBits: o.memWidth ?? 128, maxBeats: 16),
                                    denseEntries: b[0], sparseEntries: b[1], masterEntries: b[2], outputEntries: b[3], pregenEntries: b[4],
                                    weights: numerics.isFloat ? .float() : WeightNumerics())
            c.axi = o.axi
            return c
        },
        elaborate: { cfg, style, prefix in
            cfg.axi ? try Design.elaborate(try SATSystemAXI.build(cfg), parameters: cfg.parameters, style: style, modulePrefix: prefix)
                : try Design.elaborate(try SATSystem.build(cfg), parameters: cfg.parameters, style: style, modulePrefix: prefix)
        },
        gemm: nil)

    static let osarray = DesignEntry(
        name: "osarray",
        summary: "dense output-stationary systolic array (int8 x int8 -> int32 by default)",
        parameters: [
            DesignParameter(knob: .pe, value: "RxC", defaultText: "16x16", help: "PE array shape (1...\(OSArrayConfig.maxSide) each)"),
            DesignParameter(knob: .dataWidth, value: "W", defaultText: "8", help: "signed operand width, 1...32"),
            DesignParameter(knob: .accWidth, value: "W", defaultText: "32, or 64 when 2W > 24",
                            help: "signed accumulator width, up to 64, at least one product (2W)"),
        ],
        workloads: ["gemm"],
        config: { o in
            let d = OSArrayConfig()
            return OSArrayConfig(rows: o.rows ?? d.rows, cols: o.cols ?? d.cols, dataWidth: o.dataWidth ?? d.dataWidth, accWidth: o.accWidth)
        },
        elaborate: { cfg, style, prefix in
            try Design.elaborate(try OSArray.build(cfg), parameters: cfg.parameters, style: style, modulePrefix: prefix)
        },
        gemm: { cfg, r in
            if let m = r.mode { throw ConfigError("--mode applies to designs with a sparse mode, not osarray (got '\(m)')") }
            let g = try OSArrayGEMM(config: cfg, k: r.k, seed: r.seed, tiles: r.tiles, bubblePercent: r.bubblePercent)
            return try g.run(waveform: r.waveform, waveformOnMismatch: r.waveform == nil ? (r.waveformOnMismatch ?? "\(cfg.topName)_k\(r.k)_s\(r.seed)_mismatch.vcd") : nil,
                             exportBench: r.exportBench, style: r.style)
        })
}
