import HWCore

/// Attaches a ``DRAMModel`` to a design's native memory port (HWLib's `MemoryPort`, declared
/// as an output of the design: the design is the master): the pins `<prefix>_ar_valid`,
/// `_ar_ready`, `_ar_addr`, `_ar_len`, `_r_valid`, `_r_ready`, `_r_data`, `_r_last`,
/// `_aw_valid`, `_aw_ready`, `_aw_addr`, `_aw_len`, `_w_valid`, `_w_ready`, `_w_data`,
/// `_w_strb`, `_w_last`, `_b_valid`, `_b_ready`, `_b_ok`, found by name in the design's manifest.
///
/// Per cycle (see ``CycleDriver``):
/// * ``drive()`` starts the model's cycle (``DRAMModel/beginCycle()``) and pokes what it offers:
///   `ar_ready`, `aw_ready`, `w_ready`, and `r_valid`/`r_data`/`r_last` and `b_valid`/`b_ok`
///   (a payload not offered is poked as 0). An offered read beat or response stays poked, with
///   the same payload, until the cycle it is taken.
/// * ``observe()`` peeks the design's outputs after the settle and reports to the model each
///   transfer of the cycle, judged from the settled pins: a read request when `ar_valid` &&
///   `ar_ready` (beats = `ar_len` + 1), a write request when `aw_valid` && `aw_ready`, a write
///   beat when `w_valid` && `w_ready` (data, strobes and `last`), a read beat taken when
///   `r_valid` && `r_ready`, a response taken when `b_valid` && `b_ready`; then it ends the
///   model's cycle.
public final class MemoryPortDriver: CycleDriver {
    public let model: DRAMModel
    let sim: Simulator
    let arValid, arReady, arAddr, arLen, rValid, rReady, rData, rLast: PortHandle
    let awValid, awReady, awAddr, awLen, wValid, wReady, wData, wStrb, wLast, bValid, bReady, bOk: PortHandle
    var offer = DRAMModel.Offer()

    /// Resolves the pins `<prefix>_*` (throws when one is missing, has the wrong direction, or
    /// the data width is not `8 · model.config.beatBytes`).
    public init(_ sim: Simulator, model: DRAMModel, prefix: String = "mem") throws {
        self.sim = sim
        self.model = model
        let p = PrefixedPorts(sim: sim, prefix: prefix)
        let bits = model.config.beatBytes * 8
        arValid = try p.port("ar_valid", .output, width: 1)
        arReady = try p.port("ar_ready", .input, width: 1)
        arAddr = try p.port("ar_addr", .output)
        arLen = try p.port("ar_len", .output)
        rValid = try p.port("r_valid", .input, width: 1)
        rReady = try p.port("r_ready", .output, width: 1)
        rData = try p.port("r_data", .input, width: bits)
        rLast = try p.port("r_last", .input, width: 1)
        awValid = try p.port("aw_valid", .output, width: 1)
        awReady = try p.port("aw_ready", .input, width: 1)
        awAddr = try p.port("aw_addr", .output)
        awLen = try p.port("aw_len", .output)
        wValid = try p.port("w_valid", .output, width: 1)
        wReady = try p.port("w_ready", .input, width: 1)
        wData = try p.port("w_data", .output, width: bits)
        wStrb = try p.port("w_strb", .output, width: model.config.beatBytes)
        wLast = try p.port("w_last", .output, width: 1)
        bValid = try p.port("b_valid", .input, width: 1)
        bReady = try p.port("b_ready", .output, width: 1)
        bOk = try p.port("b_ok", .input, width: 1)
        guard arAddr.width <= 64, awAddr.width <= 64 else {
            throw SimulationError(description: "\(prefix): addresses wider than 64 bits are not supported")
        }
    }

    public func drive() throws {
        offer = model.beginCycle()
        sim.poke(arReady, offer.readRequestReady ? 1 : 0)
        sim.poke(awReady, offer.writeRequestReady ? 1 : 0)
        sim.poke(wReady, offer.writeDataReady ? 1 : 0)
        if let beat = offer.readBeat {
            sim.poke(rValid, 1)
            sim.poke(rData, words: PortBytes.words(beat.data))
            sim.poke(rLast, beat.last ? 1 : 0)
        } else {
            sim.poke(rValid, 0)
            sim.poke(rData, words: [0])
            sim.poke(rLast, 0)
        }
        sim.poke(bValid, offer.writeResponse != nil ? 1 : 0)
        sim.poke(bOk, offer.writeResponse?.ok == true ? 1 : 0)
    }

    public func observe() throws {
        if offer.readRequestReady && sim.peek(arValid) == 1 {
            model.acceptReadRequest(address: sim.peek(arAddr), beats: Int(sim.peek(arLen)) + 1)
        }
        if offer.writeRequestReady && sim.peek(awValid) == 1 {
            model.acceptWriteRequest(address: sim.peek(awAddr), beats: Int(sim.peek(awLen)) + 1)
        }
        if offer.writeDataReady && sim.peek(wValid) == 1 {
            let n = model.config.beatBytes
            model.acceptWriteData(PortBytes.bytes(sim.peekWords(wData), count: n),
                                  strobe: PortBytes.flags(sim.peekWords(wStrb), count: n), last: sim.peek(wLast) == 1)
        }
        if offer.readBeat != nil && sim.peek(rReady) == 1 { model.takeReadBeat() }
        if offer.writeResponse != nil && sim.peek(bReady) == 1 { model.takeWriteResponse() }
        model.endCycle()
    }
}
