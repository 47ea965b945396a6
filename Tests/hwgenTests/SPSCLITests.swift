import Foundation
import Testing

/// `hwgen emit/list/sim conv/formats` for the SPS design: bad input is one error line and a
/// non-zero exit, never a trap.
@Suite struct SPSCLITests {
    @Test func listAndEmit() throws {
        let l = try CLITests.run(["list"])
        #expect(l.status == 0 && l.stdout.contains("sps: SPS conv core") && l.stdout.contains("--pattern-nnz N"))
        let e = try CLITests.run(["emit", "--design", "sps", "--pe", "3x5", "--pattern-nnz", "2", "--period", "3"])
        #expect(e.status == 0 && e.stdout.contains("module sps_r3_c5_k3_n2_p3_d8_a32 ("))
    }

    @Test(arguments: [
        ["emit", "--design", "sps", "--pattern-nnz", "10"], ["emit", "--design", "sps", "--period", "0"],
        ["emit", "--design", "sps", "--pe", "0x4"], ["emit", "--design", "sps", "--nm", "2:8"],
        ["emit", "--design", "sat", "--period", "8"], ["emit", "--design", "sps", "--pattern-nnz", "x"],
        ["sim", "conv", "--layer", "conv:ci=2,co=2,h=4,w=4,k=5", "--pe", "2x2"],
        ["sim", "conv", "--layer", "fc:in=3,out=4"], ["sim", "conv", "--layer", "conv:ci=0,co=2,h=4,w=4,k=3"],
        ["sim", "conv", "--design", "osarray", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3"],
        ["sim", "conv", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--scheme", "psconv", "--pattern-nnz", "3"],
        ["sim", "conv", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--scheme", "bogus"],
        ["formats", "--model", "nope"], ["formats", "--model", "vgg16", "--value-bits", "0"],
        ["formats", "--model", "vgg16", "--input", "mnist"], ["formats", "--model", "vgg16", "--scheme", "psconv", "--period", "4"],
        ["formats", "--model", "vgg16", "--scheme", "magnitude", "--pattern-nnz", "10"],
    ])
    func badInputIsOneErrorLine(_ args: [String]) throws {
        let r = try CLITests.run(args)
        #expect(r.status != 0)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("hwgen: error: "), "\(args): \(r.stderr)")
    }

    static var hasVerilator: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/verilator")
        }
    }

    @Test(.enabled(if: hasVerilator, "needs verilator"))
    func simConvJSON() throws {
        let r = try CLITests.run(["sim", "conv", "--design", "sps", "--layer", "conv:ci=5,co=11,h=7,w=6,k=3,p=1", "--pe", "3x4", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(obj?["match"] as? Bool == true)
        #expect(obj?["layerCycles"] as? Int != nil && obj?["layerCycles"] as? Int == obj?["expectedLayerCycles"] as? Int)
        #expect(obj?["indexMemoryBits"] as? Int == 8 * 4 * 2 * 2)
    }

    /// The JSON table on a small network (the VGG-16 / ResNet-18 tables take tens of seconds in a
    /// debug build; Benchmarks/sps.md and the README quote them).
    @Test func formatsTableJSON() throws {
        let r = try CLITests.run(["formats", "--model", "small-cnn", "--input", "cifar10", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let formats = obj?["formats"] as? [String]
        #expect(formats == ["dense", "bitmap", "CSR", "CSC", "COO", "RLE4", "N:8", "PPS"])
        // PPS index memory: 52 bits (8 two-bit ids + 4 nine-bit patterns) per pruned 3x3 layer.
        let layers = obj?["layers"] as? [[String: Any]] ?? []
        let pruned = layers.filter { ($0["pruned"] as? Bool) == true }
        let totals = obj?["totals"] as? [[String: Int]] ?? []
        #expect(totals.last?["index"] == pruned.count * (8 * 2 + 4 * 9))
        // small-cnn: the first conv stays dense, the two 3x3 convs after it are pruned.
        #expect(layers.count == 3 && pruned.count == 2)
        // Every format stores the pruned layers' 4-of-9 values: nnz = 4/9 of the weights.
        for l in pruned {
            let shape = l["shape"] as? [Int] ?? []
            #expect(l["nonZeros"] as? Int == shape[0] * shape[1] * 4)
        }
    }
}
