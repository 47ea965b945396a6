import Foundation
import Testing

/// `hwgen list/emit/sim conv` for the sps-system design: bad input is one error line and a
/// non-zero exit; a co-simulation prints JSON whose outputs and cycles match.
@Suite struct SPSSystemCLITests {
    @Test func listAndEmit() throws {
        let l = try CLITests.run(["list"])
        #expect(l.status == 0 && l.stdout.contains("sps-system: SPS system") && l.stdout.contains("--buffers X,W,O,L"))
        let e = try CLITests.run(["emit", "--design", "sps-system", "--pe", "2x3", "--pattern-nnz", "2", "--period", "3", "--buffers", "16,64,8,64"])
        #expect(e.status == 0 && e.stdout.contains("module sps_system_r2_c3_k3_n2_p3_d8_a32_m128 ("))
    }

    @Test(arguments: [
        ["emit", "--design", "sps-system", "--buffers", "1,2,3"], ["emit", "--design", "sps-system", "--nm", "2:8"],
        ["emit", "--design", "sps-system", "--data-width", "12"], ["emit", "--design", "sps-system", "--buffers", "16,4,8,64"],
        ["sim", "conv", "--design", "sps-system", "--layer", "conv:ci=40,co=4,h=9,w=9,k=3,p=1", "--pe", "2x2", "--buffers", "16,64,8,16"],
        ["sim", "conv", "--design", "sps-system", "--layer", "conv:ci=2,co=2,h=4,w=4,k=3", "--phase", "bp"],
    ])
    func badInputIsOneErrorLine(_ args: [String]) throws {
        let r = try CLITests.run(args)
        #expect(r.status != 0)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("hwgen: error: "), "\(args): \(r.stderr)")
    }

    @Test(.enabled(if: SPSCLITests.hasVerilator, "needs verilator"))
    func simConvJSON() throws {
        let r = try CLITests.run(["sim", "conv", "--design", "sps-system", "--layer", "conv:ci=3,co=5,h=5,w=6,k=3,s=2,p=1", "--pe", "2x3",
                                  "--pattern-nnz", "2", "--period", "3", "--buffers", "16,64,8,64", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(obj?["match"] as? Bool == true && obj?["outputsMatch"] as? Bool == true && obj?["cyclesMatch"] as? Bool == true)
        #expect(obj?["systemCycles"] as? Int != nil && obj?["systemCycles"] as? Int == obj?["modelCycles"] as? Int)
    }
}
