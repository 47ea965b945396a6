import Flow
import ArgumentParser
import Foundation
import HWCore
import SparseAccel
import Cosim
import Formats
import SparseModel

@main
struct Hwgen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hwgen",
        abstract: "Generate sparse DNN-training accelerators as Verilog.",
        subcommands: [Emit.self, List.self, Sim.self])

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
            default: text = message(for: error)
            }
            let oneLine = text.split(separator: "\n").first.map(String.init) ?? "failed"
            FileHandle.standardError.write(Data("hwgen: error: \(oneLine)\n".utf8))
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

/// `--nm N:M`, e.g. `2:8`.
func parseNM(_ text: String) throws -> (n: Int, m: Int) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]) else {
        throw CLIError("--nm expects N:M (e.g. 2:8), got '\(text)'")
    }
    return (n, m)
}

/// The design knobs `emit` and `sim` share.
struct DesignKnobs: ParsableArguments {
    @Option(name: .customLong("data-width"), help: "Operand width in bits (osarray 1...64, sat 1...32).")
    var dataWidth: Int?

    @Option(name: .customLong("acc-width"), help: "Accumulator width in bits (1...64, wide enough for a cycle's products).")
    var accWidth: Int?

    @Option(help: "N:M sparsity of the SAT design, e.g. 2:8 (the default).")
    var nm: String?

    func options(_ shape: PEShape) throws -> DesignOptions {
        DesignOptions(rows: shape.rows, cols: shape.cols, dataWidth: dataWidth, accWidth: accWidth, nm: try nm.map(parseNM))
    }
}

struct Emit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Emit a design as Verilog-2005 (stdout, or -o FILE) and optionally its JSON manifest.")

    @Option(help: "Design to emit (see `hwgen list`).")
    var design: String = Generators.defaultName

    @Option(help: "PE array shape, ROWSxCOLS.")
    var pe: String = "16x16"

    @OptionGroup var knobs: DesignKnobs

    @Option(name: .shortAndLong, help: "Write the Verilog to FILE (atomically) instead of stdout.")
    var output: String?

    @Option(help: "Also write the JSON manifest (ports, packing, parameters, modules) to FILE.")
    var manifest: String?

    @Option(help: "Verilog style: synthesis (readable, the default) or simulation (tuned for Verilator; same hardware and names).")
    var style: VerilogStyle = .synthesis

    func run() throws {
        let shape = try PEShape.parse(pe)
        let d = try Generators.elaborate(design, try knobs.options(shape), style: style)
        var files: [(String, String)] = []
        if let output { files.append((output, d.verilog)) }
        if let manifest { files.append((manifest, d.manifest.json)) }
        try AtomicWriter.write(files)
        if output == nil {
            FileHandle.standardOutput.write(Data(d.verilog.utf8))
        }
    }
}

extension VerilogStyle: ExpressibleByArgument {}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the designs hwgen can emit.")

    func run() throws {
        for g in Generators.all {
            let mark = g.name == Generators.defaultName ? " (default)" : ""
            print("\(g.name)\(mark)\t\(g.summary)")
        }
    }
}
