import Foundation

/// Random `hwgen` command lines for the CLI fuzz campaign and its property-based tests: mostly
/// well-formed commands with values drawn from valid ranges, edge cases and malformed text,
/// and some garbage. Paths point into `outputDir`, whose state the caller compares before and
/// after (an existing file, a directory, a symlink, a device, the same path twice).
public enum CLIFuzz {
    /// What a fuzz case runs.
    public enum Kind: String, Sendable, CaseIterable {
        case emit, list, sim, garbage
    }

    static let shapes = ["1x1", "2x2", "3x5", "4x1", "1x7", "16x16", "0x16", "16x0", "16", "16x", "x16", "-1x4", "axb",
                         "2000x2", "2x2x2", "", " 4x4", "4X4", "256x1", "1x256", "257x1"]
    static let patterns = ["2:8", "1:4", "2:4", "1:8", "4:8", "2:16", "3:64", "4:4", "5:4", "0:4", "2:6", "2:128", "2-8", "x:y", ":", "2:", "-1:4"]
    static let widths = ["1", "2", "7", "8", "12", "16", "31", "32", "33", "63", "64", "65", "0", "-1", "banana", "", "99999999999999999999"]
    static let pipelines = ["none", "full", "mux", "mul", "sum", "mux+mul", "mul,sum", "fast", "", "mux+", "+"]
    static let designs = ["sat", "osarray", "nope", "SAT", ""]
    static let styles = ["synthesis", "simulation", "fast"]

    static func pick(_ xs: [String], _ rng: inout SplitMix64) -> String { xs[rng.below(xs.count)] }

    /// One command line. `outputDir` must exist; the caller prepares `existing.v` (a file),
    /// `dir/` (a directory) and `link.v` (a symlink to `existing.v`) in it. With
    /// `simulation` false, `sim` commands always carry an invalid argument (they fail fast,
    /// before building a model); with true, small valid simulations are drawn too.
    public static func arguments(_ rng: inout SplitMix64, outputDir: String, simulation: Bool) -> (Kind, [String]) {
        let roll = rng.below(100)
        if roll < 3 { return (.list, ["list"] + (rng.below(2) == 0 ? [] : ["--bogus"])) }
        if roll < 8 {
            let junk = ["frobnicate", "--pe", "emit emit", "-o", "--", "sim", "gemm", "\u{0}", "--help-me", "💥"]
            return (.garbage, (0..<(1 + rng.below(3))).map { _ in pick(junk, &rng) })
        }
        if roll < 30 { return (.sim, sim(&rng, simulation: simulation)) }
        var args = ["emit"]
        if rng.below(3) == 0 { args += ["--design", pick(designs, &rng)] }
        args += ["--pe", rng.below(2) == 0 ? pick(shapes, &rng) : "2x2"]
        if rng.below(3) == 0 { args += ["--nm", pick(patterns, &rng)] }
        if rng.below(4) == 0 { args += ["--data-width", pick(widths, &rng)] }
        if rng.below(4) == 0 { args += ["--acc-width", pick(widths, &rng)] }
        if rng.below(5) == 0 { args += ["--pipeline", pick(pipelines, &rng)] }
        if rng.below(6) == 0 { args += ["--style", pick(styles, &rng)] }
        if rng.below(8) == 0 { args += ["--module-prefix", pick(["u1_", "x", "9a", "", "a-b"], &rng)] }
        let paths = ["\(outputDir)/new.v", "\(outputDir)/existing.v", "\(outputDir)/dir", "\(outputDir)/link.v",
                     "\(outputDir)/missing/x.v", "/dev/null", "\(outputDir)/new.json"]
        switch rng.below(5) {
        case 0: args += ["-o", pick(paths, &rng)]
        case 1: args += ["-o", pick(paths, &rng), "--manifest", pick(paths, &rng)]
        case 2: args += ["--split", pick(["\(outputDir)/dir", "\(outputDir)/existing.v", "\(outputDir)/none"], &rng)]
        default: break
        }
        if rng.below(12) == 0 { args.insert(pick(["--bogus", "-x", "--pe"], &rng), at: 1 + rng.below(args.count)) }
        return (.emit, args)
    }

    static func sim(_ rng: inout SplitMix64, simulation: Bool) -> [String] {
        var args = ["sim", "gemm"]
        let design = rng.below(3) == 0 ? "osarray" : "sat"
        args += ["--design", design]
        let shape = pick(["1x1", "2x2", "3x2", "1x4", "2x3"], &rng)
        args += ["--pe", shape]
        let nm = pick(["1:4", "2:4", "2:8"], &rng)
        if design == "sat" { args += ["--nm", nm] }
        let m = Int(nm.split(separator: ":")[1])!
        args += ["--k", String(m * (1 + rng.below(4)))]
        if rng.below(3) == 0 { args += ["--tiles", String(1 + rng.below(3))] }
        if rng.below(3) == 0 { args += ["--bubbles", String(rng.below(50))] }
        if design == "sat", rng.below(3) == 0 { args += ["--mode", pick(["sparse", "dense"], &rng)] }
        args += ["--seed", String(rng.next() % 1000), "--json"]
        if !simulation || rng.below(2) == 0 {
            // Make it invalid in one place: it must fail fast with one line.
            let bad: [[String]] = [["--k", pick(["0", "-3", "x"], &rng)], ["--pe", pick(["0x2", "2x", "axb"], &rng)],
                                   ["--tiles", pick(["0", "65", "-1"], &rng)], ["--bubbles", pick(["91", "-1"], &rng)],
                                   ["--mode", "fast"], ["--design", "nope"], ["--nm", pick(["4:4", "2:6"], &rng)],
                                   ["--style", "fast"], ["--data-width", "0"], ["--bogus"]]
            args += pick2(bad, &rng)
        }
        return args
    }

    static func pick2(_ xs: [[String]], _ rng: inout SplitMix64) -> [String] { xs[rng.below(xs.count)] }
}

extension CLIFuzz {
    /// How one invocation ended, judged by the CLI's promises: a clean exit (0, 1 for a reported
    /// mismatch, 2 for an error with one `hwgen: error:` line), never a signal (a Swift trap),
    /// never past the time bound, and the output directory unchanged unless the command
    /// succeeded.
    public enum Outcome: String, Sendable, CaseIterable, Comparable {
        case success, mismatch, error
        case trap, hang, badErrorText, partialFiles, badOutput
        public var acceptable: Bool { self == .success || self == .mismatch || self == .error }
        public static func < (a: Outcome, b: Outcome) -> Bool { a.rawValue < b.rawValue }
    }

    /// Prepares `dir` for fuzz cases: `existing.v`, `dir/`, `link.v` -> existing.v.
    public static func prepare(_ dir: URL) throws {
        let fm = FileManager.default
        try? fm.removeItem(at: dir)
        try fm.createDirectory(at: dir.appendingPathComponent("dir"), withIntermediateDirectories: true)
        try "// existing\n".write(to: dir.appendingPathComponent("existing.v"), atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("link.v").path, withDestinationPath: "existing.v")
    }

    /// A listing of `dir` (recursive): path -> contents (symlinks as `-> target`).
    public static func snapshot(_ dir: URL) -> [String: String] {
        var out: [String: String] = [:]
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: dir.path) else { return out }
        for case let rel as String in e {
            let p = dir.appendingPathComponent(rel).path
            if let t = try? fm.destinationOfSymbolicLink(atPath: p) { out[rel] = "-> " + t; continue }
            var isDir: ObjCBool = false
            fm.fileExists(atPath: p, isDirectory: &isDir)
            out[rel] = isDir.boolValue ? "<dir>" : ((try? String(contentsOfFile: p, encoding: .utf8)) ?? "<binary>")
        }
        return out
    }

    /// Runs `binary args` with a time bound and classifies the outcome; `dir` is the output
    /// directory the arguments point into (snapshotted before and after).
    public static func run(binary: URL, _ args: [String], dir: URL, timeout: Double) throws -> (Outcome, String) {
        let before = snapshot(dir)
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = DispatchTime.now() + timeout
        let timer = DispatchSource.makeTimerSource()
        timer.schedule(deadline: deadline)
        nonisolated(unsafe) var timedOut = false
        timer.setEventHandler { if p.isRunning { timedOut = true; p.terminate() } }
        timer.resume()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        timer.cancel()
        if timedOut { return (.hang, "killed after \(timeout) s") }
        if p.terminationReason == .uncaughtSignal { return (.trap, "signal \(p.terminationStatus): \(e)") }
        let after = snapshot(dir)
        switch p.terminationStatus {
        case 0:
            if args.first == "emit", !args.contains("-o"), !args.contains("--split"), !String(decoding: o, as: UTF8.self).hasSuffix("endmodule\n") {
                return (.badOutput, "stdout does not end a module")
            }
            return (.success, "")
        default:
            let lines = e.split(separator: "\n")
            if (lines.count != 1 || !e.hasPrefix("hwgen: error: ")) && !(p.terminationStatus == 1 && e.isEmpty) {
                return (.badErrorText, e)
            }
            if after != before {
                let changed = Set(after.keys).union(before.keys).filter { after[$0] != before[$0] }.sorted()
                return (.partialFiles, "changed: \(changed)")
            }
            return (p.terminationStatus == 1 ? .mismatch : .error, "")
        }
    }
}
