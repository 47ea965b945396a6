import Foundation
import Testing

/// `hwgen sim conv --design sparsetrain` and `hwgen emit --design sparsetrain` through the binary.
@Suite struct SparseTrainCLITests {
    @Test(arguments: [
        ["sim", "conv", "--design", "sparsetrain", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--phase", "xx"],
        ["sim", "conv", "--design", "sparsetrain", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--prune", "1.5"],
        ["sim", "conv", "--design", "sparsetrain", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--prune", "-0.1"],
        ["sim", "conv", "--design", "sparsetrain", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--mapping", "random"],
        ["sim", "conv", "--design", "sparsetrain", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--mode", "dense"],
        ["sim", "conv", "--design", "sparsetrain", "--layer", "fc:in=4,out=4"],
        ["sim", "conv", "--design", "sparsetrain", "--layer", "conv:ci=0,co=2,h=4,w=4,k=3"],
        ["sim", "conv", "--design", "sparsetrain", "--layer", "conv:ci=1,co=1,h=12,w=12,k=9"],
        ["sim", "conv", "--design", "sparsetrain", "--layer", "conv:ci=1,co=1,h=12,w=12,k=3,s=3"],
        ["sim", "conv", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--design", "osarray"],
        ["sim", "conv", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--design", "nope"],
        ["sim", "conv", "--design", "sparsetrain", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--pe", "0x2"],
        ["sim", "conv", "--design", "sparsetrain", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--nm", "2:8"],
        ["sim", "conv", "--design", "sparsetrain", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--scheme", "psconv"],
        ["sim", "conv", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--phase", "bp"],
        ["emit", "--design", "sparsetrain", "--acc-width", "20"],
        ["emit", "--design", "sparsetrain", "--pe", "65x1"],
    ])
    func badInputIsOneLineError(_ args: [String]) throws {
        let r = try CLITests.run(args)
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("hwgen: error: "), "\(args): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
    }

    @Test func emitAndList() throws {
        let e = try CLITests.run(["emit", "--design", "sparsetrain", "--pe", "2x2"])
        #expect(e.status == 0 && e.stdout.contains("module sparsetrain_r2_c2_d16_a48_k8_p16"))
        #expect(try CLITests.run(["list"]).stdout.contains("sparsetrain"))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PATH"].map { p in p.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/verilator") } } ?? false))
    func simConvJSON() throws {
        let r = try CLITests.run(["sim", "conv", "--design", "sparsetrain", "--phase", "bp", "--layer", "conv:ci=2,co=3,h=5,w=6,k=3,p=1",
                                  "--prune", "0.8", "--pe", "2x2", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let sparse = obj?["sparse"] as? [String: Any]
        #expect(sparse?["rtlCycles"] as? Int == sparse?["modelCycles"] as? Int)
        #expect(sparse?["valueMismatches"] as? Int == 0)
    }
}
