/// An error raised by a format for bad input: a pattern that is not N:M, a value that does not fit
/// its field, a malformed bit stream. Formats never trap on bad input; the `message` is one line
/// naming the offending values.
public struct FormatError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
