/// The four dependency-token channels of the system (VTA's scheme), named producer → consumer.
public enum TokenChannel: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// LOAD `pushNext` → GEMM `popPrev`: the loaded entries are in the buffers.
    case loadToCompute
    /// GEMM `pushPrev` (at its last beat) → LOAD `popNext`: the GEMM's WBUF/XBUF entries are free.
    case computeToLoad
    /// GEMM `pushNext` (closing: after its tile is in OBUF/PBUF) → STORE `popPrev`.
    case computeToStore
    /// STORE `pushPrev` (writes acknowledged) → GEMM `popNext`: the stored OBUF/PBUF entries are free.
    case storeToCompute

    public var description: String {
        switch self {
        case .loadToCompute: return "load→compute"
        case .computeToLoad: return "compute→load"
        case .computeToStore: return "compute→store"
        case .storeToCompute: return "store→compute"
        }
    }
}
