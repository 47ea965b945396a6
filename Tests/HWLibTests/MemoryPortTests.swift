import HWCore
import HWLib
import Testing

@Suite struct MemoryPortTests {
    @Test func portsAreNamedAndDirectedLikeAXIChannels() throws {
        let m = Module("master")
        let io = m.ports(MemPortOnly())
        // A master drives requests and write data, and the ready of what it receives.
        io.mem.ar.valid.assign(0)
        io.mem.ar.bits.addr.assign(0)
        io.mem.ar.bits.len.assign(0)
        io.mem.r.ready.assign(1)
        io.mem.aw.valid.assign(0)
        io.mem.aw.bits.addr.assign(0)
        io.mem.aw.bits.len.assign(0)
        io.mem.w.valid.assign(0)
        io.mem.w.bits.data.assign(0)
        io.mem.w.bits.strb.assign(0)
        io.mem.w.bits.last.assign(0)
        io.mem.b.ready.assign(1)
        let d = try Design.elaborate(m)
        let ports = d.manifest.ports.filter { $0.role == "data" }.map { "\($0.direction.rawValue) \($0.name) \($0.width)" }
        #expect(ports == [
            "output mem_ar_valid 1", "input mem_ar_ready 1", "output mem_ar_addr 32", "output mem_ar_len 4",
            "input mem_r_valid 1", "output mem_r_ready 1", "input mem_r_data 64", "input mem_r_last 1",
            "output mem_aw_valid 1", "input mem_aw_ready 1", "output mem_aw_addr 32", "output mem_aw_len 4",
            "output mem_w_valid 1", "input mem_w_ready 1", "output mem_w_data 64", "output mem_w_strb 8", "output mem_w_last 1",
            "input mem_b_valid 1", "output mem_b_ready 1", "input mem_b_ok 1",
        ])
    }

    @Test func aGroundPayloadIsBits() throws {
        let m = Module("q")
        let io = m.ports(StreamPorts())
        io.out.valid.assign(io.inp.valid)
        io.out.bits.assign(io.inp.bits)
        io.inp.ready.assign(io.out.ready)
        let d = try Design.elaborate(m)
        #expect(d.manifest.ports.map(\.name) == ["inp_valid", "inp_ready", "inp_bits", "out_valid", "out_ready", "out_bits"])
    }
}

struct MemPortOnly: Interface {
    @Output(MemoryPortSpec(addrBits: 32, dataBits: 64, maxBeats: 16)) var mem: MemoryPort
}

struct StreamPorts: Interface {
    @Input(BitsType.uint(8)) var inp: Decoupled<Signal>
    @Output(BitsType.uint(8)) var out: Decoupled<Signal>
}
