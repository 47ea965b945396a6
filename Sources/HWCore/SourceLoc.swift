/// A place in the user's Swift source, captured with `#fileID`/`#line` default arguments at the
/// point where a hardware construct was written, so that diagnostics point at user code.
///
/// `#fileID` (module/file) is used rather than `#filePath` so emitted Verilog comments are
/// identical on every machine.
public struct SourceLoc: Hashable, Sendable, CustomStringConvertible {
    public let fileID: String
    public let line: Int

    public init(fileID: String, line: Int) {
        self.fileID = fileID
        self.line = line
    }

    public var description: String { "\(fileID):\(line)" }
}
