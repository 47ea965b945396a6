/// An error the ISA interpreter reports: what the hardware would flag (its error codes), plus
/// what makes a program's result undefined on the hardware without it noticing (a data race
/// between units, a read of a never-written entry). `description` is one line naming the
/// instruction by its index in the stream.
public struct ISAError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        // The hardware's error codes.
        case illegalOpcode, badDependency, badBuffer, zeroCount, entryBeats, misaligned, dramRange, bufferRange, badGEMM
        case tokenOverflow
        /// The hardware's `stalled`: a unit waits for a token no instruction will push.
        case deadlock
        // Undefined behaviour the hardware does not detect.
        /// Two units access a buffer entry or DRAM beat, at least one writing, with no token
        /// (or SYNC) ordering them: the result depends on timing.
        case race
        /// A read of a buffer entry no instruction wrote.
        case undefinedData
        /// The program is not a whole number of 128-bit instructions.
        case malformedProgram
        /// An ``Instruction`` value whose fields do not fit the encoding (a negative or too large
        /// field, a zero count): no program word can express it.
        case unencodable
    }

    public let kind: Kind
    /// The instruction's index in the stream (nil for the program as a whole).
    public let instruction: Int?
    public let message: String

    public init(_ kind: Kind, instruction: Int?, _ message: String) {
        self.kind = kind
        self.instruction = instruction
        self.message = message
    }

    public var description: String { (instruction.map { "instruction \($0): " } ?? "") + message }
}
