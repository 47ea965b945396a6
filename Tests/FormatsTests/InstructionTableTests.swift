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
