import Foundation
import Formats
import Testing

// The README documents the instruction encoding with the table `InstructionLayout` generates;
// this keeps the two equal, and the layout itself sound (fields inside 128 bits, no overlaps
// within an opcode).
@Suite struct InstructionTableTests {
    @Test func readmeHasTheGeneratedTable() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        #expect(text.contains(InstructionLayout.markdownTable), "README.md's ISA table differs from InstructionLayout.markdownTable")
    }

    @Test func runRoundTripsAndChecksItsFields() throws {
        let run = Instruction.run(.init(wBase: 3, xBase: 700, words: 256, oBase: 65535, slots: 4095, strideLog2: 2),
                                  deps: Dependencies(popPrev: true, popNext: false, pushPrev: true, pushNext: true))
        #expect(try Instruction.decode(try run.encode()) == run)
        #expect(try run.encode()[0] & 0xF == 6)
        #expect(throws: FormatError.self) { try Instruction.run(.init(wBase: 0, xBase: 0, words: 0, oBase: 0, slots: 1, strideLog2: 0), deps: .init()).encode() }
        #expect(throws: FormatError.self) { try Instruction.run(.init(wBase: 0, xBase: 0, words: 1, oBase: 0, slots: 4096, strideLog2: 0), deps: .init()).encode() }
        #expect(throws: FormatError.self) { try Instruction.run(.init(wBase: 0, xBase: 0, words: 1, oBase: 0, slots: 1, strideLog2: 4), deps: .init()).encode() }
    }

    @Test func fieldsDoNotOverlap() {
        for op in Opcode.allCases {
            var used = Set<Int>()
            for f in InstructionLayout.fields(of: op) {
                let r = InstructionLayout.range(f)
                #expect(r.upperBound <= InstructionLayout.bits)
                #expect(used.isDisjoint(with: r), "\(op): \(f) overlaps another field")
                used.formUnion(r)
            }
        }
    }
}
