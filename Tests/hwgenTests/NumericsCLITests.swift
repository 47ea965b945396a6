import Foundation
import Testing

/// `--numerics`: the float SAT PE from the command line; bad values are one-line errors.
@Suite struct NumericsCLITests {
    @Test func emitsAFloatArray() throws {
        let r = try CLITests.run(["emit", "--pe", "2x2", "--numerics", "bf16"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("module sat_pe_n2m8_bf16") && r.stdout.contains("module sat_r2_c2_n2m8_bf16"))
        #expect(r.stdout.contains("mul_1_prepare_sig") && r.stdout.contains("acc_add_swap"))
        let int8 = try CLITests.run(["emit", "--pe", "2x2", "--numerics", "int8"])
        #expect(int8.status == 0 && int8.stdout.contains("module sat_pe_n2m8_d8_a32"))
    }

    /// `--subnormals ftz` builds the flush-to-zero PE (its own module name and FTZ units), the
    /// default and `ieee` the IEEE one; the manifest records the mode.
    @Test func subnormalsKnobSelectsThePE() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-subnormals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = dir.appendingPathComponent("ftz.json").path
        let ftz = try CLITests.run(["emit", "--pe", "2x2", "--numerics", "fp16", "--subnormals", "FTZ", "--manifest", manifest])
        #expect(ftz.status == 0, "\(ftz.stderr)")
        #expect(ftz.stdout.contains("module sat_pe_n2m8_fp16_ftz") && ftz.stdout.contains("module sat_r2_c2_n2m8_fp16_ftz"))
        let json = try String(contentsOfFile: manifest, encoding: .utf8)
        #expect(json.contains("\"subnormals\"") && json.contains("\"ftz\""), "\(json)")
        for args in [["--subnormals", "ieee"], []] {
            let ieee = try CLITests.run(["emit", "--pe", "2x2", "--numerics", "fp16"] + args)
            #expect(ieee.status == 0, "\(ieee.stderr)")
            #expect(ieee.stdout.contains("module sat_pe_n2m8_fp16_pemixrs "), "\(args)")  // the default pipeline (full) tags the name
            #expect(!ieee.stdout.contains("_ftz"), "\(args)")
        }
        // The two modes are different hardware, not just different names.
        let strip = { (v: String) in v.replacingOccurrences(of: "_ftz", with: "") }
        let ieee = try CLITests.run(["emit", "--pe", "2x2", "--numerics", "fp16"])
        #expect(strip(ftz.stdout) != strip(ieee.stdout))
    }

    @Test(arguments: [
        (["emit", "--numerics", "fp8"], "--numerics expects int8, bf16 or fp16, got 'fp8'"),
        (["emit", "--numerics", "bf16", "--data-width", "8"], "bf16 numerics take 16-bit operands"),
        (["emit", "--design", "osarray", "--numerics", "bf16"], "--numerics does not apply to design 'osarray'"),
        (["emit", "--design", "sat-system", "--numerics", "fp16", "--data-width", "8"], "fp16 numerics take 16-bit operands"),
        (["emit", "--design", "sat-system", "--numerics", "int8", "--subnormals", "ftz"], "--subnormals applies only with a float --numerics"),
        (["emit", "--numerics", "bf16", "--subnormals", "daz"], "--subnormals expects ieee or ftz, got 'daz'"),
        (["emit", "--subnormals", "ftz"], "--subnormals applies only with a float --numerics (bf16 or fp16), not int8"),
        (["emit", "--numerics", "int8", "--subnormals", "ieee"], "--subnormals applies only with a float --numerics"),
        (["emit", "--design", "osarray", "--subnormals", "ftz"], "--subnormals does not apply to design 'osarray'"),
    ])
    func badValuesAreOneLineErrors(_ args: [String], _ fragment: String) throws {
        let r = try CLITests.run(args)
        #expect(r.status != 0)
        #expect(r.stderr.contains(fragment), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    /// `sim train` with float numerics: bad combinations fail before anything is elaborated.
    @Test(arguments: [
        (["--numerics", "fp16", "--loss-scale-shift", "16"], "--loss-scale-shift must be in 0...15, got 16"),
        (["--numerics", "fp16", "--loss-scale-shift=-1"], "--loss-scale-shift must be in 0...15, got -1"),
        (["--numerics", "fp16", "--lr-shift", "60", "--loss-scale-shift", "3"], "--lr-shift + --loss-scale-shift must be at most 62"),
        (["--loss-scale-shift", "4"], "--steps, --lr-shift and --loss-scale-shift train on real losses with --numerics bf16 or fp16 only"),
        (["--numerics", "int8", "--steps", "2"], "with --numerics bf16 or fp16 only"),
        (["--numerics", "fp16", "--steps", "0"], "--steps must be in 1...1000, got 0"),
        (["--numerics", "fp16", "--layers", "1..2"], "--layers applies to per-layer jobs (int8); --numerics fp16 trains the whole network"),
        (["--numerics", "fp16", "--subnormals", "daz"], "--subnormals expects ieee or ftz, got 'daz'"),
        (["--numerics", "fp16", "--data-width", "8"], "fp16 numerics take 16-bit operands"),
    ])
    func floatTrainingErrorsAreOneLine(_ args: [String], _ fragment: String) throws {
        let r = try CLITests.run(["sim", "train", "--model", "small-cnn", "--input", "cifar10", "--pe", "4x4", "--nm", "2:4"] + args)
        #expect(r.status != 0)
        #expect(r.stderr.contains(fragment), "\(args): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    @Test func simulatesAFloatGEMM() throws {
        for mode in ["sparse", "dense"] {
            let r = try CLITests.run(["sim", "gemm", "--pe", "2x3", "--nm", "2:4", "--numerics", "fp16", "--k", "16", "--mode", mode, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            #expect(obj?["match"] as? Bool == true, "\(mode): \(r.stdout)")
        }
    }
}
