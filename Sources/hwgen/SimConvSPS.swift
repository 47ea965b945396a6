import ArgumentParser
import Designs
import SparseAccel
import SparseModel
import Workloads

/// The SPS-only options of `hwgen sim conv`.
struct SPSConvOptions: ParsableArguments {
    @Option(help: "sps: how patterns are chosen: magnitude (per residue class, the n-of-9 pattern with the largest sum |w|; default) or psconv (the fixed P=8, 4-of-9 assignment).")
    var scheme: String?

    @Option(help: "sps: dump a VCD waveform of the run to FILE.")
    var vcd: String?
}

/// `hwgen sim conv --design sps`: a PPS-pruned random layer on the SPS core.
enum SimConvSPS {
    static func scheme(_ cmd: SimConv) throws -> PPSScheme {
        guard let s = cmd.sps.scheme else { return .magnitude }
        guard let p = PPSScheme(rawValue: s) else { throw CLIError("--scheme expects magnitude or psconv, got '\(s)'") }
        return p
    }

    static func run(_ cmd: SimConv, shape: PEShape?) throws {
        let scheme = try scheme(cmd)
        let config = try Designs.named("sps").config(cmd.knobs.options(shape))
        guard let cfg = config as? SPSConfig else { throw CLIError("internal: sps has no SPS config") }
        let spec = try LayerSpec.parse(cmd.layer)
        let c = try SPSConvCase(config: cfg, layer: spec, seed: cmd.seed, scheme: scheme)
        let report = try SPSConvRun(c, scheme: scheme).run(waveform: cmd.sps.vcd)
        try cmd.print(report, summary: report.summary)
        if !report.match { throw ExitCode(1) }
    }
}

extension SimConvSPS {
    /// `hwgen sim conv --design sps-system`: the layer compiled to an instruction stream and run on
    /// the whole SPS system (DMA, line buffer, controller) against the Swift DRAM model.
    static func runSystem(_ cmd: SimConv, shape: PEShape?) throws {
        let scheme = try scheme(cmd)
        let config = try Designs.named("sps-system").config(cmd.knobs.options(shape))
        guard let cfg = config as? SPSSystemConfig else { throw CLIError("internal: sps-system has no SPS system config") }
        let spec = try LayerSpec.parse(cmd.layer)
        let c = try SPSConvCase(config: cfg.engine, layer: spec, seed: cmd.seed, scheme: scheme, inputAddressed: false)
        let report = try SPSSystemConvRun(config: cfg, testCase: c, scheme: scheme).run(waveform: cmd.sps.vcd)
        try cmd.print(report, summary: report.summary)
        if !report.match { throw ExitCode(1) }
    }
}
