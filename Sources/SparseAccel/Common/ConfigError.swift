/// An invalid generator configuration, with a one-line message naming the problem.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Shared range checks for config fields.
enum Check {
    static func range(_ value: Int, _ r: ClosedRange<Int>, _ what: String) throws {
        guard r.contains(value) else {
            throw ConfigError("\(what) must be in \(r.lowerBound)...\(r.upperBound), got \(value)")
        }
    }
}
