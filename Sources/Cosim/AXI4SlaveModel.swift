import HWCore

/// Attaches a ``DRAMModel`` as the AXI4 slave of a design's AXI4 master port, by pin name:
/// `<prefix>_awaddr`, `_awlen`, `_awvalid`, `_awready`, `_wdata`, `_wstrb`, `_wlast`,
/// `_wvalid`, `_wready`, `_bresp`, `_bvalid`, `_bready`, `_araddr`, `_arlen`, `_arvalid`,
/// `_arready`, `_rdata`, `_rresp`, `_rlast`, `_rvalid`, `_rready` (Xilinx-style, e.g.
/// `m_axi_awaddr`), and when present `_awid`/`_arid` (echoed on `_bid`/`_rid`, which must then
/// exist), `_awsize`/`_arsize` and `_awburst`/`_arburst`. Lock, cache, prot, QoS and user
/// pins are ignored.
///
/// The model serves INCR bursts of full-width beats (AxSIZE = log2(beat bytes)), answering
/// in request order whatever the IDs; another burst type or size is answered with SLVERR and
/// recorded as an ``DRAMModel/Fault/Kind-swift.enum/unsupported`` fault. Write data may arrive
/// before its AW (up to the model's `writeDataAhead` beats). RRESP and BRESP are OKAY, or
/// SLVERR for a faulted request (misaligned, out of range, unsupported).
///
/// Per cycle (see ``CycleDriver``): ``drive()`` starts the model's cycle and pokes ARREADY,
/// AWREADY, WREADY, and RVALID/RDATA/RRESP/RLAST/RID and BVALID/BRESP/BID (payloads not
/// offered are 0; an offered beat or response stays, unchanged, until taken). ``observe()``
/// peeks after the settle and reports each transfer of the cycle (xVALID && xREADY as seen
/// then) to the model, then ends the model's cycle.
public final class AXI4SlaveDriver: CycleDriver {
    public let model: DRAMModel
    let sim: Simulator
    let awAddr, awLen, awValid, awReady, wData, wStrb, wLast, wValid, wReady, bResp, bValid, bReady: PortHandle
    let arAddr, arLen, arValid, arReady, rData, rResp, rLast, rValid, rReady: PortHandle
    let awId, arId, bId, rId, awSize, arSize, awBurst, arBurst: PortHandle?
    let fullSize: UInt64
    var offer = DRAMModel.Offer()

    /// Resolves the pins `<prefix>_*` (throws when a required one is missing or has the wrong
    /// direction, or the data width is not `8 · model.config.beatBytes`, a power of two).
    public init(_ sim: Simulator, model: DRAMModel, prefix: String = "m_axi") throws {
        self.sim = sim
        self.model = model
        let p = PrefixedPorts(sim: sim, prefix: prefix)
        let bytes = model.config.beatBytes
        guard bytes & (bytes - 1) == 0, bytes <= 128 else {
            throw SimulationError(description: "AXI4 slave: \(bytes)-byte beats are not an AXI4 data width")
        }
        fullSize = UInt64(bytes.trailingZeroBitCount)
        awAddr = try p.port("awaddr", .output)
        awLen = try p.port("awlen", .output)
        awValid = try p.port("awvalid", .output, width: 1)
        awReady = try p.port("awready", .input, width: 1)
        wData = try p.port("wdata", .output, width: bytes * 8)
        wStrb = try p.port("wstrb", .output, width: bytes)
        wLast = try p.port("wlast", .output, width: 1)
        wValid = try p.port("wvalid", .output, width: 1)
        wReady = try p.port("wready", .input, width: 1)
        bResp = try p.port("bresp", .input, width: 2)
        bValid = try p.port("bvalid", .input, width: 1)
        bReady = try p.port("bready", .output, width: 1)
        arAddr = try p.port("araddr", .output)
        arLen = try p.port("arlen", .output)
        arValid = try p.port("arvalid", .output, width: 1)
        arReady = try p.port("arready", .input, width: 1)
        rData = try p.port("rdata", .input, width: bytes * 8)
        rResp = try p.port("rresp", .input, width: 2)
        rLast = try p.port("rlast", .input, width: 1)
        rValid = try p.port("rvalid", .input, width: 1)
        rReady = try p.port("rready", .output, width: 1)
        awId = try p.optional("awid", .output)
        arId = try p.optional("arid", .output)
        bId = awId == nil ? try p.optional("bid", .input) : try p.port("bid", .input)
        rId = arId == nil ? try p.optional("rid", .input) : try p.port("rid", .input)
        awSize = try p.optional("awsize", .output)
        arSize = try p.optional("arsize", .output)
        awBurst = try p.optional("awburst", .output)
        arBurst = try p.optional("arburst", .output)
        for a in [awAddr, arAddr] where a.width > 64 {
            throw SimulationError(description: "AXI4 slave: '\(a.name)' is wider than 64 bits")
        }
    }

    static let okay: UInt64 = 0, slvErr: UInt64 = 2

    public func drive() throws {
        offer = model.beginCycle()
        sim.poke(arReady, offer.readRequestReady ? 1 : 0)
        sim.poke(awReady, offer.writeRequestReady ? 1 : 0)
        sim.poke(wReady, offer.writeDataReady ? 1 : 0)
        if let beat = offer.readBeat {
            sim.poke(rValid, 1)
            sim.poke(rData, words: PortBytes.words(beat.data))
            sim.poke(rResp, beat.ok ? Self.okay : Self.slvErr)
            sim.poke(rLast, beat.last ? 1 : 0)
            if let rId { sim.poke(rId, beat.id) }
        } else {
            sim.poke(rValid, 0)
            sim.poke(rData, words: [0])
            sim.poke(rResp, 0)
            sim.poke(rLast, 0)
            if let rId { sim.poke(rId, 0) }
        }
        let b = offer.writeResponse
        sim.poke(bValid, b != nil ? 1 : 0)
        sim.poke(bResp, b.map { $0.ok ? Self.okay : Self.slvErr } ?? 0)
        if let bId { sim.poke(bId, b?.id ?? 0) }
    }

    /// Why a burst cannot be served, or nil.
    func unsupported(_ dir: String, size: PortHandle?, burst: PortHandle?) -> String? {
        let s = size.map { sim.peek($0) } ?? fullSize
        let b = burst.map { sim.peek($0) } ?? 1
        if b != 1 { return "\(dir) burst type \(b) (\(["FIXED", "INCR", "WRAP", "reserved"][Int(b & 3)])): the model serves INCR bursts only" }
        if s != fullSize { return "\(dir) burst of \(1 << s)-byte beats: the model serves full-width (\(1 << fullSize)-byte) beats only" }
        return nil
    }

    public func observe() throws {
        if offer.readRequestReady && sim.peek(arValid) == 1 {
            model.acceptReadRequest(address: sim.peek(arAddr), beats: Int(sim.peek(arLen)) + 1, id: arId.map { sim.peek($0) } ?? 0,
                                    unsupported: unsupported("read", size: arSize, burst: arBurst))
        }
        if offer.writeRequestReady && sim.peek(awValid) == 1 {
            model.acceptWriteRequest(address: sim.peek(awAddr), beats: Int(sim.peek(awLen)) + 1, id: awId.map { sim.peek($0) } ?? 0,
                                     unsupported: unsupported("write", size: awSize, burst: awBurst))
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
