import Flow
import Cosim
import HWCore
import Testing

/// Elaborates and returns the error, or nil if elaboration succeeded.
func elaborationError(_ top: Module) -> ElaborationError? {
    do {
        _ = try Design.elaborate(top)
        return nil
    } catch let e as ElaborationError {
        return e
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

/// Expects elaboration to fail with a first diagnostic at `line` of this file whose message
/// contains `fragment`.
func expectError(_ top: Module, line: Int, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let e = elaborationError(top) else {
        Issue.record("expected an elaboration error containing '\(fragment)'", sourceLocation: sourceLocation)
        return
    }
    let d = e.diagnostics[0]
    #expect(d.loc.fileID.hasSuffix(".swift"), sourceLocation: sourceLocation)
    #expect(d.loc.fileID.hasPrefix("HWCoreTests/"), "diagnostic points into \(d.loc.fileID)", sourceLocation: sourceLocation)
    #expect(d.loc.line == line, "diagnostic at line \(d.loc.line), expected \(line): \(d)", sourceLocation: sourceLocation)
    #expect(d.message.contains(fragment), "message '\(d.message)' lacks '\(fragment)'", sourceLocation: sourceLocation)
    // One line, like a compiler diagnostic.
    #expect(!e.description.contains("\n"), sourceLocation: sourceLocation)
}

/// EDA gates are enabled when the tools are present, or when CI requires them (then a missing
/// tool fails the test instead of skipping it).
let edaEnabled = DesignGate.missingTools.isEmpty || DesignGate.toolsRequired
let edaNote: Comment = "needs verilator, iverilog and yosys (missing: \(DesignGate.missingTools.joined(separator: ", "))); run Scripts/setup"

/// Runs lint, iverilog and yosys; records every problem.
func expectClean(_ design: Design, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let problems = try DesignGate.problems(verilog: design.verilog, top: design.top)
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))", sourceLocation: sourceLocation)
}
