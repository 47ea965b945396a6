/// One problem found while building or elaborating a design, located in the user's source.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public let loc: SourceLoc
    public let message: String

    public init(_ loc: SourceLoc, _ message: String) {
        self.loc = loc
        self.message = message
    }

    /// `File.swift:42: error: message` — one line, like a compiler diagnostic.
    public var description: String { "\(loc): error: \(message)" }
}

/// Thrown by elaboration when a design has problems. `description` is the first problem on one
/// line; `diagnostics` holds all of them in source order of discovery.
public struct ElaborationError: Error, CustomStringConvertible, Sendable {
    public let diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        guard let first = diagnostics.first else { return "elaboration failed" }
        let more = diagnostics.count > 1 ? " (and \(diagnostics.count - 1) more)" : ""
        return first.description + more
    }
}
