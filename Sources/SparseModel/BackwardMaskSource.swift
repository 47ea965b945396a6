/// Which weights the backward N:M mask Mb is computed from.
public enum BackwardMaskSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// From the dense weights W.
    case dense
    /// From the forward-pruned weights W ⊙ Mf (so Mb only ranks weights the forward pass kept;
    /// entries Mf pruned count as |w| = 0).
    case forwardSparse
}
