import HWCore

/// A one-bit input `i` and output `o`, of any width and signedness.
struct Pass: Interface {
    @Input var i: Signal
    @Output var o: Signal
    /// Not a port: a value built from one (a parent asking for it gets a diagnostic).
    var inverted: Signal { ~o }

    init(_ t: BitsType = .bool, out: BitsType? = nil) {
        _i = Input(t)
        _o = Output(out ?? t)
    }
}

/// A module passing `i` to `o` through `body` (identity by default).
func passModule(_ name: String, _ t: BitsType = .bool, out: BitsType? = nil, _ body: (Signal) -> Signal = { $0 }) -> Definition<Pass> {
    let m = Module(name)
    let io = m.ports(Pass(t, out: out))
    io.o.assign(body(io.i))
    return Definition(m, io)
}

/// The counter of the emitter tests: `en` in, `count` out.
struct CounterPorts: Interface {
    @Input(.bool) var en: Signal
    @Output(.uint(4)) var count: Signal
}
