import HWCore

/// One participant of a cycle-by-cycle co-simulation loop: a memory model behind a port, a
/// Swift-written master, a protocol monitor.
///
/// The loop (``Simulator/cycle(_:)``) runs, every clock cycle:
/// 1. ``drive()`` of every driver, in order: each pokes the design inputs it owns for this
///    cycle (readies, valids and payloads), computed from its own state only — never from the
///    design's outputs of this cycle (so a VALID never waits for a READY, and the order of the
///    drivers does not matter);
/// 2. ``Simulator/settle()``: the design's outputs now show this cycle's values;
/// 3. ``observe()`` of every driver: each peeks the design's outputs (and may re-read its own
///    inputs) and accounts the handshakes that happen in this cycle — a channel transfers when
///    VALID and READY are both 1 as seen after the settle. No driver pokes in this phase, so
///    all observers see the same settled values;
/// 4. ``Simulator/edge()``: the rising clock edge commits the transfers in the design.
///
/// Between a driver's `drive()` and `observe()` nothing may change its inputs; other drivers'
/// inputs are theirs. Start the loop after the design's reset (``Simulator/reset(cycles:)``):
/// during reset the outputs of registers are not yet defined.
public protocol CycleDriver: AnyObject {
    /// Pokes this cycle's inputs (before the settle).
    func drive() throws
    /// Peeks the settled outputs and accounts this cycle's handshakes (before the edge).
    func observe() throws
}

extension Simulator {
    /// One clock cycle with `drivers` (see ``CycleDriver``): drive all, settle, observe all, edge.
    public func cycle(_ drivers: [any CycleDriver]) throws {
        for d in drivers { try d.drive() }
        try settle()
        for d in drivers { try d.observe() }
        try edge()
    }

    /// Runs cycles with `drivers` until `done()` (checked before each cycle) holds; throws when
    /// it still does not after `maxCycles` cycles. Returns the number of cycles run.
    @discardableResult
    public func run(_ drivers: [any CycleDriver], maxCycles: Int, until done: () throws -> Bool) throws -> Int {
        var n = 0
        while try !done() {
            guard n < maxCycles else {
                throw SimulationError(description: "\(manifest.top): not done after \(maxCycles) cycles")
            }
            try cycle(drivers)
            n += 1
        }
        return n
    }
}

/// The flat ports of a design whose names share a prefix, resolved by suffix: the common code
/// of the port drivers.
struct PrefixedPorts {
    let sim: Simulator
    let prefix: String

    func name(_ suffix: String) -> String { prefix.isEmpty ? suffix : prefix + "_" + suffix }

    func has(_ suffix: String) -> Bool { sim.manifest.ports.contains { $0.name == name(suffix) } }

    /// The port `<prefix>_<suffix>`, checked for direction and (when given) width.
    func port(_ suffix: String, _ direction: PortDirection, width: Int? = nil) throws -> PortHandle {
        let n = name(suffix)
        guard has(suffix) else {
            throw SimulationError(description: "\(sim.manifest.top) has no port '\(n)' (expected for the '\(prefix)' interface)")
        }
        let p = try sim.port(n)
        guard p.direction == direction else {
            throw SimulationError(description: "port '\(n)' of \(sim.manifest.top) is an \(p.direction.rawValue), expected an \(direction.rawValue)")
        }
        if let w = width, p.width != w {
            throw SimulationError(description: "port '\(n)' of \(sim.manifest.top) is \(p.width) bits wide, expected \(w)")
        }
        return p
    }

    /// The port if the design has it.
    func optional(_ suffix: String, _ direction: PortDirection) throws -> PortHandle? {
        has(suffix) ? try port(suffix, direction) : nil
    }
}
