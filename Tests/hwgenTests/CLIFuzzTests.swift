import Foundation
import PropertyBased
import TestSupport
import Testing

/// Issue 15's CLI promises as properties over a few hundred random command lines (the fuzz
/// campaign in Scripts/bench-reliability runs thousands, simulations included): every run ends
/// with a clean exit — never a trap, never a hang — an error is one `hwgen: error:` line, and a
/// failed command leaves the output directory exactly as it was.
@Suite struct CLIFuzzTests {
    @Test func randomCommandLinesKeepTheCLIPromises() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-fuzz-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        await propertyCheck(count: 300, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var rng = SplitMix64(seed: seed)
            let (_, args) = CLIFuzz.arguments(&rng, outputDir: dir.path, simulation: false)
            do {
                try CLIFuzz.prepare(dir)
                let (outcome, detail) = try CLIFuzz.run(binary: CLITests.binary, args, dir: dir, timeout: 90)
                #expect(outcome.acceptable, "hwgen \(args.joined(separator: " ")): \(outcome.rawValue) \(detail)")
            } catch {
                Issue.record("hwgen \(args): \(error)")
            }
        }
    }
}
