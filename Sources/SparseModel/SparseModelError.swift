/// An error raised by the golden model for bad input (an invalid pattern, mismatched shapes, a value
/// that does not fit a field, a malformed bit stream, …). The model never traps on bad input: it
/// throws one of these, whose `message` is a single line naming the offending values.
public struct SparseModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A one-line, human-readable description of what was wrong with the input.
    public let message: String

    /// Creates an error carrying `message`.
    public init(_ message: String) {
        self.message = message
    }

    /// The error's message.
    public var description: String { message }
}
