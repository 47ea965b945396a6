import Flow
import ArgumentParser
import Foundation
import HWCore
import SparseAccel
import Designs
import Cosim
import Formats
import SparseModel

@main
struct Hwgen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hwgen",
        abstract: "Generate sparse DNN-training accelerators as Verilog.",
        subcommands: [Emit.self, List.self, Sim.self, Synth.self, Report.self, ISA.self, FormatsCommand.self])

    /// Runs the command; every failure is one line on stderr and a non-zero exit.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .success {
                exit(withError: error)  // --help and friends
            }
            if let code = error as? ExitCode {
                Foundation.exit(code.rawValue)  // a reported mismatch: the summary says why
            }
            let text: String
            switch error {
            case let e as BuildError: text = e.description
            case let e as SparseModelError: text = e.message
            case let e as FormatError: text = e.message
            case let e as SimulationError: text = e.description
            case let e as Toolchain.ToolchainError: text = e.description
            case let e as ElaborationError: text = e.description
            case let e as ConfigError: text = e.message
            case let e as CLIError: text = e.message
            case let e as SynthError: text = e.message
            case let e as EDAToolError: text = e.description
            default: text = message(for: error)
            }
            let oneLine = text.split(separator: "\n").first.map(String.init) ?? "failed"
            FileHandle.standardError.write(Data("hwgen: error: \(oneLine)\n".utf8))
            // A DSL author fixing several mistakes at once can ask for all of them.
            if let e = error as? ElaborationError, e.diagnostics.count > 1, ProcessInfo.processInfo.environment["HWGEN_ALL_ERRORS"] != nil {
                for d in e.diagnostics.dropFirst() { FileHandle.standardError.write(Data("hwgen: error: \(d)\n".utf8)) }
            }
            let code = exitCode(for: error)
            Foundation.exit(code == .success || code.rawValue == 1 ? 2 : code.rawValue)
        }
    }
}

struct CLIError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// `--pe RxC`, e.g. `16x16`.
struct PEShape {
    let rows: Int
    let cols: Int

    static func parse(_ text: String) throws -> PEShape {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let r = Int(parts[0]), let c = Int(parts[1]) else {
            throw CLIError("--pe expects ROWSxCOLS (e.g. 16x16), got '\(text)'")
        }
        guard r >= 1, c >= 1 else {
            throw CLIError("--pe needs at least one row and one column, got '\(text)'")
        }
        return PEShape(rows: r, cols: c)
    }
}

/// The design knobs `emit` and `sim` share; each design takes a subset (see `hwgen list`) and
/// rejects the others.
struct DesignKnobs: ParsableArguments {
    @Option(help: "N:M sparsity of the SAT design, e.g. 2:8 (the default).")
    var nm: String?

    @Option(name: .customLong("data-width"), help: "Signed operand width in bits, 1...32 (default 8).")
    var dataWidth: Int?

    @Option(name: .customLong("acc-width"), help: ArgumentHelp(
        "Signed accumulator width in bits, up to 64.",
        discussion: "Default: 32, or 64 when one cycle's sum (2 x data width + log2 N bits) leaves less than 8 bits of headroom."))
    var accWidth: Int?

    @Option(help: "SAT PE pipeline registers: full (the default: every stage), none, or stages entry, mux, in, mul, route, sum joined by +.")
    var pipeline: String?

    @Option(name: .customLong("mem-width"), help: "sat-system: memory port data width in bits, a power of two in 32...1024 (default 128).")
    var memWidth: Int?

    @Option(help: "sat-system: entries of XBUF,WBUF,MBUF,OBUF,PBUF (see `hwgen list`).")
    var buffers: String?

    @Flag(help: "sat-system: put the memory port behind an AXI4 master (m_axi_* pins).")
    var axi = false

    @Option(help: "sat: PE arithmetic, int8 (default), bf16 or fp16 (float: 16-bit operands, fp32 accumulators); sat-system: int8 or bf16 (fp32 masters, bf16 copies).")
    var numerics: String?

    @Option(help: "sat: float PE subnormals, ieee (default) or ftz (flushed to zero on inputs and results); only with --numerics bf16|fp16.")
    var subnormals: String?

    @Option(name: .customLong("pattern-nnz"), help: "sps: weights kept per 3x3 kernel by every pattern (default 4).")
    var patternNNZ: Int?

    @Option(help: "sps: period P of the pattern assignment, pattern(i, j) = table[(i + j) mod P] (default 8).")
    var period: Int?

    func options(_ shape: PEShape?) -> DesignOptions {
        DesignOptions(rows: shape?.rows, cols: shape?.cols, nm: nm, dataWidth: dataWidth, accWidth: accWidth, pipeline: pipeline,
                      memWidth: memWidth, buffers: buffers, axi: axi, numerics: numerics, subnormals: subnormals,
                      patternNNZ: patternNNZ, period: period)
    }
}

struct Emit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Emit a design as Verilog-2005 (stdout, or -o FILE) and optionally its JSON manifest.")

    @Option(help: "Design to emit (see `hwgen list`).")
    var design: String = Designs.defaultName

    @Option(help: "PE array shape, ROWSxCOLS (default 16x16).")
    var pe: String?

    @OptionGroup var knobs: DesignKnobs

    @Option(name: .shortAndLong, help: "Write the Verilog to FILE (atomically) instead of stdout.")
    var output: String?

    @Option(help: "Also write the JSON manifest (ports, packing, parameters, modules) to FILE.")
    var manifest: String?

    @Option(help: "Verilog style: synthesis (readable, the default) or simulation (tuned for Verilator; same hardware and signal names, modules that differ named with _sim).")
    var style: VerilogStyle = .synthesis

    @Option(name: .customLong("module-prefix"), help: "Prepend PREFIX to every module name, so several designs can share one project.")
    var modulePrefix: String = ""

    @Option(help: ArgumentHelp(
        "Write one file per module into DIR (DIR/<module>.v, modules named identically are identical files) and the file list DIR/<top>.f.",
        discussion: "Several designs may share DIR: a module file already there must have the same text (else it is an error and nothing is written)."))
    var split: String?

    func run() throws {
        let shape = try pe.map(PEShape.parse)
        if split != nil && output != nil { throw CLIError("give -o FILE or --split DIR, not both") }
        let d = try Designs.named(design).elaborate(knobs.options(shape), style: style, modulePrefix: modulePrefix)
        var files: [(String, String)] = []
        if let output { files.append((output, d.verilog)) }
        if let dir = split { files += try SplitLayout.files(d, into: dir) }
        if let manifest { files.append((manifest, d.manifest.json)) }
        try OutputFiles.write(files)
        if output == nil && split == nil {
            FileHandle.standardOutput.write(Data(d.verilog.utf8))
        }
    }
}

extension VerilogStyle: ExpressibleByArgument {}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the designs hwgen can emit, with their knobs and defaults.")

    func run() throws {
        for d in Designs.all {
            let mark = d.name == Designs.defaultName ? " (default)" : ""
            print("\(d.name)\(mark): \(d.summary)")
            let flags = d.parameters.map { "\($0.knob.flag) \($0.value)" }
            let width = flags.map(\.count).max() ?? 0
            for (p, f) in zip(d.parameters, flags) {
                print("    \(f.padding(toLength: width, withPad: " ", startingAt: 0))  default \(p.defaultText); \(p.help)")
            }
            print("    workloads: \(d.workloads.joined(separator: ", "))")
        }
    }
}

struct ISA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "isa",
        abstract: "Print the instruction encoding of the training systems (sat-system, sps-system: opcodes, fields, bit ranges) as a Markdown table.")

    func run() throws {
        print(InstructionLayout.markdownTable, terminator: "")
    }
}
