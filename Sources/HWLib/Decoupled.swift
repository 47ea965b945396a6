import HWCore

/// A valid/ready channel: `valid` and the payload flow with the bundle's direction, `ready` flows
/// back. A transfer happens in a cycle where both `valid` and `ready` are 1. The producer keeps
/// `valid` and the payload stable until the transfer, and `valid` never waits for `ready` (the
/// AXI rule, which keeps channels deadlock-free).
///
/// Declared on an interface as `@Output(DecoupledSpec(...)) var out: Decoupled<Payload>` (a
/// producer) or `@Input(...)` (a consumer: `ready` is then the one output). The port names are
/// `<port>_valid`, `<port>_ready` and the payload's fields (`<port>_<field>`; a ground payload is
/// `<port>_bits`).
public struct Decoupled<Payload: PortShape>: PortShape {
    public let valid: Signal
    public let ready: Signal
    public let bits: Payload

    public init(valid: Signal, ready: Signal, bits: Payload) {
        self.valid = valid
        self.ready = ready
        self.bits = bits
    }

    /// valid && ready: the payload moves this cycle.
    public var fire: Signal { valid && ready }

    public static func hwType(_ spec: Payload.Spec) -> HWType {
        let payload: [BundleField]
        switch Payload.hwType(spec) {
        case .bundle(let fields): payload = fields
        case let t: payload = [BundleField("bits", t)]
        }
        return .bundle([BundleField("valid", .bool), BundleField("ready", .bool, flipped: true)] + payload)
    }

    public static func shape(of value: Value) -> Decoupled? {
        guard case .bundle(let names, let values) = value, values.count >= 3,
              case .signal(let v) = values[0], case .signal(let r) = values[1] else { return nil }
        let rest = values.count == 3 && names[2] == "bits" ? values[2] : .bundle(names: Array(names.dropFirst(2)), values: Array(values.dropFirst(2)))
        guard let b = Payload.shape(of: rest) else { return nil }
        return Decoupled(valid: v, ready: r, bits: b)
    }

    public var leafSignals: [Signal] { [valid, ready] + bits.leafSignals }

    public func mapLeaves(_ transform: (Signal) -> Signal) -> Decoupled {
        Decoupled(valid: transform(valid), ready: transform(ready), bits: bits.mapLeaves(transform))
    }
}
