import Formats
import HWCore

/// Slices instruction fields out of a queued instruction (the 128-bit instruction in the low
/// bits, its sequence number above), with the bit positions of ``Formats/InstructionLayout``
/// (the one definition the compiler encodes with).
struct InstructionFields {
    let word: Signal

    func callAsFunction(_ f: InstructionLayout.Field, file: String = #fileID, line: Int = #line) -> Signal {
        let r = InstructionLayout.range(f)
        return word.bits(r.lowerBound...(r.upperBound - 1), file: file, line: line)
    }

    func flag(_ f: InstructionLayout.Field) -> Signal { self(f) }

    /// The instruction's sequence number (the dispatcher's count of instructions before it).
    var sequence: Signal { word.bits(InstructionLayout.bits...(word.width - 1)) }
}

/// The width of a queued instruction: the instruction and a 16-bit sequence number.
let queuedInstructionBits = InstructionLayout.bits + sequenceBits
let sequenceBits = 16

/// An error code, the sequence number of the instruction that caused it, and a strobe.
struct UnitError {
    let code: Signal
    let sequence: Signal
    let valid: Signal
}

/// A dependency token exchanged between two units (see ``Formats/Dependencies``): the consumer
/// sees `available` and pulses `take`; the producer pulses `give`.
struct TokenCounter {
    let available: Signal
    let overflow: Signal

    /// A counter named `name` in `m`, holding up to `capacity` tokens.
    init(in m: Module, name: String, capacity: Int, give: Signal, take: Signal) {
        let w = max(1, ceilLog2(capacity + 1))
        let count = m.reg(name, .uint(w), reset: 0)
        let next = m.wire("\(name)_next", count.extended(to: w + 1) &+ give.extended(to: w + 1) &- take.extended(to: w + 1))
        count.assign(next.truncated(to: w))
        available = m.wire("\(name)_available", count != 0)
        overflow = m.wire("\(name)_overflow", next > capacity)
    }
}

extension Module {
    /// A constant error code.
    func code(_ e: SystemError) -> Signal { const(e.rawValue, .uint(SystemError.bits)) }

    /// A `width`-bit constant of all ones.
    func allOnes(_ width: Int) -> Signal {
        const(words: (0..<(width + 63) / 64).map { i in i == (width - 1) / 64 && width % 64 != 0 ? (UInt64(1) << UInt64(width % 64)) - 1 : ~0 }, .uint(width))
    }

    /// The first matching code of `checks` (in order), else 0.
    func firstError(_ checks: [(Signal, SystemError)]) -> Signal {
        checks.reversed().reduce(code(.none)) { rest, check in mux(check.0, code(check.1), rest) }
    }
}
