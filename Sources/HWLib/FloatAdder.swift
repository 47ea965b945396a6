import Formats
import HWCore

/// An fp32 adder (the accumulator of a float PE): a + b rounded to nearest even.
///
/// Contract (bit-exact with `SparseModel.FloatReference.add`, i.e. Swift's `Float + Float`
/// with the NaN and FTZ rules below):
/// * NaN: any NaN operand, or +Inf + −Inf, gives the canonical quiet NaN 0x7FC00000; otherwise an
///   Inf operand gives that Inf; overflow rounds to ±Inf;
/// * an exact zero sum is +0, except (−0) + (−0) = −0 (round to nearest even's rule);
/// * subnormals per ``Formats/SubnormalMode`` (FTZ: subnormal inputs read as zeros of their sign,
///   a result subnormal after rounding becomes a zero of its sign);
/// * latency: one cycle per stage listed in `registers` (``FloatStage``); a new pair every cycle.
///
/// Stages: `prepare` orders the operands by magnitude (the bit patterns without the sign,
/// compared as integers), aligns the smaller one's significand (3 extra bits: guard, round and a
/// sticky bit into which everything shifted further is ORed) and adds or subtracts them: an
/// exactly rounded result needs no more, since a shift by two or more leaves at most one bit of
/// cancellation. `normalize` and `round` are ``FloatRounder``'s.
public enum FloatAdder {
    /// Configuration of an adder.
    public struct Config: Codable, Sendable, Hashable, CustomStringConvertible {
        /// Subnormal handling of inputs and result.
        public var subnormals: SubnormalMode
        /// Stages followed by a pipeline register.
        public var registers: Set<FloatStage>

        public init(subnormals: SubnormalMode = .ieee, registers: Set<FloatStage> = []) {
            self.subnormals = subnormals
            self.registers = registers
        }

        /// Cycles from operands to result.
        public var latency: Int { registers.count }

        /// The operand and result format.
        public static let format = FloatFormat.fp32

        public var description: String { FloatAdder.moduleName(self) }

        /// Parameters recorded in the design manifest.
        public var parameters: [String: ParamValue] {
            ["design": .string("fadd"), "format": .string(Self.format.rawValue), "subnormals": .string(subnormals.rawValue),
             "registers": .string(FloatStage.manifest(registers)), "latency": .int(latency)]
        }
    }

    /// The module name, e.g. `fadd_fp32_ieee`, `fadd_fp32_ftz_reg3`.
    public static func moduleName(_ c: Config) -> String {
        "fadd_\(Config.format)_\(c.subnormals)" + FloatStage.suffix(c.registers)
    }

    /// Ports: `a`, `b`, `result`, each UInt(32) holding an fp32 bit pattern.
    public struct Ports: Interface {
        @Input public var a: Signal
        @Input public var b: Signal
        @Output public var result: Signal

        public init(_ c: Config) {
            _a = Input(.uint(Config.format.width))
            _b = Input(.uint(Config.format.width))
            _result = Output(.uint(Config.format.width))
        }
    }

    /// Builds a standalone adder module.
    public static func build(_ c: Config, file: String = #fileID, line: Int = #line) throws -> Definition<Ports> {
        let mod = Module(moduleName(c), file: file, line: line)
        mod.doc = "fp32 adder, round to nearest even, subnormals \(c.subnormals), NaN results 0x7FC00000; "
            + "latency \(c.latency) (registers after: \(FloatStage.manifest(c.registers)))."
        let io = mod.ports(Ports(c), file: file, line: line)
        io.result.assign(try add(io.a, io.b, c, name: "", file: file, line: line), file: file, line: line)
        return Definition(mod, io)
    }

    /// Builds the adder inline in the module owning `a` and `b` (UInt(32) each) and returns the
    /// fp32 sum, `c.latency` cycles later. Wires and registers are named `<name>_...`.
    public static func add(_ a: Signal, _ b: Signal, _ c: Config, name: String,
                           file: String = #fileID, line: Int = #line) throws -> Signal {
        guard a.owner === b.owner else {
            throw HWLibError("float adder '\(name)' at \(file):\(line): operands belong to modules '\(a.owner.name)' and '\(b.owner.name)'")
        }
        let mod = a.owner
        let f = Config.format
        let p = name.isEmpty ? "" : name + "_"
        func wire(_ n: String, _ v: Signal) -> Signal { mod.wire(p + n, v, file: file, line: line) }
        func boundary(_ s: FloatStage) -> FloatStageBoundary {
            FloatStageBoundary(module: mod, stage: s, registered: c.registers.contains(s), prefix: p, file: file, line: line)
        }

        // prepare: decode, order by magnitude, align, add.
        let x = try FloatOperand(a, format: f, subnormals: c.subnormals, name: p + "a", file: file, line: line)
        let y = try FloatOperand(b, format: f, subnormals: c.subnormals, name: p + "b", file: file, line: line)
        // Magnitude order: exponent, then significand (a flushed subnormal has significand 0 and
        // exponent 1, below every normal).
        let magA = cat(x.exponent, x.significand), magB = cat(y.exponent, y.significand)
        let swap = wire("swap", magB > magA)
        let bigSign = mux(swap, y.sign, x.sign), smallSign = mux(swap, x.sign, y.sign)
        let bigExp = mux(swap, y.exponent, x.exponent), smallExp = mux(swap, x.exponent, y.exponent)
        let bigSig = mux(swap, y.significand, x.significand), smallSig = mux(swap, x.significand, y.significand)
        let extra = 3
        let ew = f.precision + extra  // 27 bits: significand, guard, round, sticky
        let zeros = mod.const(0, .uint(extra), file: file, line: line)
        let bigExt = cat(bigSig, zeros), smallExt = cat(smallSig, zeros)
        // Shift distance, capped at ew: from there on all of the small operand is sticky.
        let shiftWidth = LeadingZeros.countWidth(ew)
        let diff = (bigExp &- smallExp).extended(to: max(f.exponentBits, shiftWidth), file: file, line: line)
        let dist = wire("align_dist", mux(diff > ew, mod.const(ew, .uint(shiftWidth), file: file, line: line),
                                          diff.truncated(to: shiftWidth, file: file, line: line)))
        let ones = mod.const(words: [UInt64.max], .uint(ew))
        let stickyBit = (smallExt & ~ones.shiftedLeft(by: dist)).orReduce()
        let aligned = wire("aligned", smallExt.shiftedRight(by: dist) | stickyBit.extended(to: ew, file: file, line: line))
        let subtract = wire("subtract", bigSign ^ smallSign)
        // |big| ≥ |small|, so the difference is never negative.
        let bigW = bigExt.extended(to: ew + 1, file: file, line: line), smallW = aligned.extended(to: ew + 1, file: file, line: line)
        let sum = mux(subtract, bigW &- smallW, bigW &+ smallW)
        // The sum's top bit is one above big's hidden bit: biased exponent bigExp + 1.
        let expWidth = f.exponentBits + 2
        let exp = bigExp.extended(to: expWidth - 1, file: file, line: line).asSigned &+ mod.const(1, .sint(expWidth), file: file, line: line)
        // An exact zero sum is +0 under round to nearest even, −0 only when both addends are −0.
        let sumZero = !sum.orReduce()
        let s1 = boundary(.prepare)
        let sign = s1.pass("sign", mux(sumZero, x.sign && y.sign, bigSign))
        let nan = s1.pass("nan", x.isNaN || y.isNaN || (x.isInf && y.isInf && x.sign != y.sign))
        let inf = s1.pass("inf", x.isInf || y.isInf)
        let infSign = s1.pass("inf_sign", mux(x.isInf, x.sign, y.sign))
        let sigQ = s1.pass("sig", sum)
        let expQ = s1.pass("exp", exp)

        // normalize.
        let n = FloatRounder.normalize(sig: sigQ, exp: expQ, sticky: mod.falseSignal, name: p + "norm", file: file, line: line)
        let s2 = boundary(.normalize)
        let normalized = FloatRounder.Normalized(sig: s2.pass("sig", n.sig), fieldMinusOne: s2.pass("field_m1", n.fieldMinusOne),
                                                 sticky: s2.pass("sticky", n.sticky))
        let nan2 = s2.pass("nan", nan), inf2 = s2.pass("inf", inf)
        let sign2 = s2.pass("sign", mux(inf, infSign, sign))

        // round.
        let mag = FloatRounder.roundPack(normalized, format: f, name: p + "rnd", file: file, line: line)
        let result = FloatRounder.select(sign: sign2, magnitude: mag, nan: nan2, inf: inf2, format: f,
                                         subnormals: c.subnormals, file: file, line: line)
        return boundary(.round).pass("result", result)
    }
}
