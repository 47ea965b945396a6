import Foundation
import Testing

/// Rules about the source tree that a reviewer would otherwise have to remember.
@Suite struct SourceRulesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func swiftFiles(under dir: String) throws -> [(String, String)] {
        let base = root.appendingPathComponent(dir)
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return try e.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }.sorted { $0.path < $1.path }.map {
            (String($0.path.dropFirst(root.path.count + 1)), try String(contentsOf: $0, encoding: .utf8))
        }
    }

    /// Generators and library blocks declare their ports as typed interfaces and reach an
    /// instance's ports through the interface's key paths: no port is named by a string.
    @Test func noStringTypedPortsInGenerators() throws {
        let patterns = [#"\.input\(""#, #"\.output\(""#, #"\.port\(""#, #"\.value\(""#, #"\[\s*"[A-Za-z_][A-Za-z0-9_]*"\s*\]"#]
        var found: [String] = []
        for dir in ["Sources/SparseAccel", "Sources/HWLib"] {
            let files = try Self.swiftFiles(under: dir)
            #expect(!files.isEmpty, "no sources under \(dir)")
            for (path, text) in files {
                for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
                    for p in patterns where code.range(of: p, options: .regularExpression) != nil {
                        found.append("\(path):\(n + 1): \(line.trimmingCharacters(in: .whitespaces))")
                    }
                }
            }
        }
        #expect(found.isEmpty, "string-typed port access:\n\(found.joined(separator: "\n"))")
    }

    /// DESIGN.md §2: the golden model, the formats and the compiler never import the hardware side.
    @Test func layering() throws {
        for dir in ["Sources/SparseModel", "Sources/Formats", "Sources/Compiler", "Sources/Flow"] {
            for (path, text) in try Self.swiftFiles(under: dir) {
                for bad in ["HWCore", "HWLib", "SparseAccel", "Cosim", "Workloads", "Designs"] {
                    #expect(!text.contains("import \(bad)\n"), "\(path) imports \(bad)")
                }
            }
        }
    }
}
