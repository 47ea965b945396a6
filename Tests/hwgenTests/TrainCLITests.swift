import Foundation
import Testing

/// `hwgen sim train`, its shards under GNU parallel and `hwgen report merge`: the merged report
/// equals the unsharded run's byte for byte; bad arguments are one-line errors.
@Suite struct TrainCLITests {
    static let small = ["sim", "train", "--model", "small-cnn", "--input", "cifar10", "--pe", "4x4", "--nm", "2:4", "--mem-width", "64",
                        "--buffers", "64,128,32,32,16", "--rtl-budget", "0", "--dram-latency", "8"]

    @Test func shardsUnderGNUParallelMergeToTheSameReport() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/parallel") else { return }
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try CLITests.run(Self.small + ["--nm-sweep", "--pe", "16x16", "--report", dir.appendingPathComponent("whole").path,
                                                   "--json", dir.appendingPathComponent("whole.json").path])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.contains("| 2:16 |"))
        #expect(whole.stderr.contains("job "))

        // GNU parallel runs the two shards as separate processes, as it would on two machines.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/parallel")
        p.arguments = ["--will-cite", "-j2", CLITests.binary.path] + Self.small
            + ["--nm-sweep", "--pe", "16x16", "--shard", "{}/2", "--jobs-dir", dir.appendingPathComponent("jobs").path, ":::", "1", "2"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let merged = try CLITests.run(["report", "merge", dir.appendingPathComponent("jobs").path, "-o", dir.appendingPathComponent("merged").path])
        #expect(merged.status == 0, "\(merged.stderr)")
        for f in ["report.md", "cycles-per-layer.svg", "utilisation.svg", "patterns.svg"] {
            let a = try Data(contentsOf: dir.appendingPathComponent("whole").appendingPathComponent(f))
            let b = try Data(contentsOf: dir.appendingPathComponent("merged").appendingPathComponent(f))
            #expect(a == b, "\(f) differs between the whole and the merged run")
        }
        // `hwgen report RESULTS.json` renders the same report from the JSON.
        let again = try CLITests.run(["report", dir.appendingPathComponent("whole.json").path, "-o", dir.appendingPathComponent("again").path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("again/report.md")) == Data(contentsOf: dir.appendingPathComponent("whole/report.md")))

        // A missing shard is an error, not a partial report.
        let jobs = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("jobs").path).sorted()
        try FileManager.default.removeItem(at: dir.appendingPathComponent("jobs").appendingPathComponent(jobs[0]))
        let partial = try CLITests.run(["report", "merge", dir.appendingPathComponent("jobs").path, "-o", dir.appendingPathComponent("partial").path])
        #expect(partial.status != 0)
        #expect(partial.stderr.contains("missing"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("partial/report.md").path))
    }

    @Test(arguments: [
        (["--model", "resnet34"], "unknown network"),
        (["--model", "small-cnn", "--input", "imagenet"], "small-cnn"),
        (["--model", "resnet18", "--input", "mnist"], "--input"),
        (["--model", "resnet18", "--layers", "5..2"], "--layers"),
        (["--model", "resnet18", "--layers", "1..99"], "--layers"),
        (["--model", "resnet18", "--shard", "3/2", "--jobs-dir", "/tmp/x"], "--shard"),
        (["--model", "resnet18", "--shard", "1/2"], "--jobs-dir"),
        (["--model", "resnet18", "--batch", "0"], "--batch"),
    ])
    func badArgumentsAreOneLineErrors(_ args: [String], _ mention: String) throws {
        let r = try CLITests.run(["sim", "train"] + args)
        #expect(r.status != 0)
        #expect(r.stderr.contains(mention), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }
}
