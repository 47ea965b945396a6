import Foundation
import Testing

/// `hwgen sim conv --design sparsetrain-system` and `hwgen emit --design sparsetrain-system`
/// through the binary.
@Suite struct SparseTrainSystemCLITests {
    @Test(arguments: [
        ["sim", "conv", "--design", "sparsetrain-system", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--phase", "xx"],
        ["sim", "conv", "--design", "sparsetrain-system", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--mapping", "sorted"],
        ["sim", "conv", "--design", "sparsetrain-system", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--mode", "dense"],
        ["sim", "conv", "--design", "sparsetrain-system", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--prune", "1"],
        ["sim", "conv", "--design", "sparsetrain-system", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--scheme", "psconv"],
        ["sim", "conv", "--design", "sparsetrain-system", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--nm", "2:8"],
        ["sim", "conv", "--design", "sparsetrain-system", "--layer", "fc:in=4,out=4"],
        ["emit", "--design", "sparsetrain-system", "--mem-width", "48"],
        ["emit", "--design", "sparsetrain-system", "--buffers", "1,1,1,1,1"],
        ["emit", "--design", "sparsetrain-system", "--pe", "0x4"],
    ])
    func badInputIsOneLineError(_ args: [String]) throws {
        let r = try CLITests.run(args)
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("hwgen: error: "), "\(args): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
    }

    @Test func emitAndList() throws {
        let e = try CLITests.run(["emit", "--design", "sparsetrain-system", "--pe", "2x2", "--mem-width", "256"])
        #expect(e.status == 0 && e.stdout.contains("module st_system_r2_c2_d16_a48_k8_p16_m256"))
        #expect(try CLITests.run(["list"]).stdout.contains("sparsetrain-system"))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PATH"].map { p in p.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/verilator") } } ?? false))
    func simConvJSON() throws {
        let r = try CLITests.run(["sim", "conv", "--design", "sparsetrain-system", "--phase", "wu", "--layer", "conv:ci=2,co=3,h=5,w=6,k=3,p=1",
                                  "--prune", "0.8", "--pe", "2x2", "--mem-width", "256", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        for mode in ["sparse", "dense"] {
            let m = obj?[mode] as? [String: Any]
            #expect(m?["systemCycles"] as? Int == m?["modelSystemCycles"] as? Int)
            #expect(m?["arrayCycles"] as? Int == m?["modelArrayCycles"] as? Int)
            #expect(m?["valueMismatches"] as? Int == 0 && m?["interpreterMismatches"] as? Int == 0)
            #expect((m?["systemCycles"] as? Int ?? 0) > (m?["arrayCycles"] as? Int ?? 0))
        }
    }
}
