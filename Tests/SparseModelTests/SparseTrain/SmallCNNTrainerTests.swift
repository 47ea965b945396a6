import SparseModel
import Testing

@Suite struct SmallCNNTrainerTests {
    @Test func datasetIsDeterministicAndCoversTheClasses() {
        let d = ShapesDataset(seed: 4)
        let a = d.sample(17), b = d.sample(17)
        #expect(a.image == b.image && a.label == b.label)
        #expect(a.image.count == 3 * 32 * 32)
        let labels = Set((0..<200).map { d.sample($0).label })
        #expect(labels == Set(0..<10))
        #expect(d.sample(1).image != d.sample(2).image)
    }

    /// A few SGD steps on one fixed batch lower its loss (with pruning at p = 0.9), and the
    /// step records the natural and pruned sparsity of every conv's output gradient.
    @Test func lossFallsWithPrunedGradients() throws {
        let d = ShapesDataset(seed: 1)
        let batch = (0..<4).map { d.sample($0) }
        let t = try SmallCNNTrainer(pruneRate: 0.9, seed: 1, learningRate: 0.02)
        var losses: [Float] = []
        var last: SmallCNNTrainer.StepResult?
        for s in 0..<4 {
            let r = t.step(batch, capture: s == 3)
            losses.append(r.loss)
            last = r
        }
        #expect(losses[3] < 0.8 * losses[0], "losses \(losses)")
        let r = try #require(last)
        let snap = try #require(r.snapshot)
        #expect(snap.map(\.name) == ["conv1", "conv2", "conv3"])
        for (s, l) in zip(snap, r.sparsity) {
            // Max-pool routing alone zeroes at least 3/4 of dZ; pruning only adds zeros.
            #expect(l.dzNatural >= 0.75 && l.dzPruned >= l.dzNatural)
            #expect(s.tau > 0)
            #expect(s.dzPruned.allSatisfy { $0 == 0 || abs($0) >= s.tau * 0.9999 })
        }
        // Inputs after the first layer are ReLU outputs with natural zeros.
        #expect(r.sparsity[1].x > 0.1)
    }
}
