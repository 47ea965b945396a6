import Formats
import SparseAccel
import SparseModel
import Testing
import Workloads

@Suite struct PPSStudyTests {
    @Test func magnitudeSchemeOnSmallCNN() throws {
        let scheme = try PPSStudyScheme(scheme: "magnitude", period: 4, patternNNZ: 3, seed: 5)
        let net = try ModelZoo.network("small-cnn", input: .cifar10)
        let study = try PPSStorageStudy(network: net, valueBits: 8, formats: [.bitmap, .coo], assignment: scheme.assignment)
        let pruned = study.layers.filter(\.pruned)
        #expect(!pruned.isEmpty && !study.layers[0].pruned)
        let convs = net.layers.filter { $0.spec.kind == .conv }
        for r in pruned {
            let s = r.spec
            let index = try #require(convs.firstIndex { $0.name == r.name })
            #expect(r.nonZeros == s.outChannels * s.inChannels * 3)
            // Bitmap: one bit per weight; COO: a (row, column) pair per non-zero.
            #expect(r.bits[0] == StorageBits(values: r.nonZeros * 8, index: s.weightCount))
            #expect(r.bits[1].index == r.nonZeros * (storageIndexBits(s.outChannels) + storageIndexBits(s.forwardReductionLength)))
            // PPS: 4 ids + L ≤ 4 library masks, whatever the layer's size.
            let l = try scheme.assignment(index, s).library.count
            #expect((1...4).contains(l) && r.pps.index == 4 * storageIndexBits(l) + l * 9)
        }
        // The same seed chooses the same patterns.
        let again = try PPSStorageStudy(network: net, valueBits: 8, formats: [.bitmap, .coo], assignment: scheme.assignment)
        #expect(again.layers.map(\.pps) == study.layers.map(\.pps))
        let text = PPSStudyTable(study: study, title: "t").text
        #expect(text.contains("ratios, format / PPS") && text.contains("COO"))
    }

    @Test func badSchemesThrow() {
        #expect(throws: ConfigError.self) { try PPSStudyScheme(scheme: "psconv", period: 4, patternNNZ: nil, seed: 1) }
        #expect(throws: ConfigError.self) { try PPSStudyScheme(scheme: "magnitude", period: 0, patternNNZ: nil, seed: 1) }
        #expect(throws: ConfigError.self) { try PPSStudyScheme(scheme: "magnitude", period: 8, patternNNZ: 10, seed: 1) }
        #expect(throws: ConfigError.self) { try PPSStudyScheme(scheme: "random", period: nil, patternNNZ: nil, seed: 1) }
    }
}
