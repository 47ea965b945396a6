import Formats
import HWCore

/// A float multiplier: two bf16, fp16 or fp32 operands, an fp32 result rounded to nearest even.
///
/// Contract (bit-exact with `SparseModel.FloatReference.multiply`, i.e. Swift's
/// `Float(a) * Float(b)` with the NaN and FTZ rules below):
/// * bf16 × bf16 and fp16 × fp16 products are exact in fp32 (8 × 8 and 11 × 11 significand
///   bits fit fp32's 24), except that a bf16 product can leave fp32's normal range: it then
///   overflows to ±Inf or rounds onto the subnormal grid (or to ±0) like any fp32 result;
///   fp32 × fp32 is rounded once, to nearest even;
/// * NaN: any NaN operand, or Inf × 0, gives the canonical quiet NaN 0x7FC00000 (payloads are
///   not propagated); otherwise an Inf operand gives Inf with the XOR of the signs; a zero
///   product has the XOR sign too;
/// * subnormals per ``Formats/SubnormalMode``: IEEE, or flush-to-zero of the inputs (a subnormal
///   operand is a zero of its sign, so Inf × subnormal is NaN) and of a result that is
///   subnormal after rounding;
/// * latency: one cycle per stage listed in `registers` (``FloatStage``), 0 to 3; a new operand
///   pair is accepted every cycle.
///
/// Stages: `prepare` decodes the operands and forms the exact product of the significands
/// (W = 2·precision bits, at least 26) and its exponent; `normalize` and `round` are
/// ``FloatRounder``'s.
public enum FloatMultiplier {
    /// Configuration of a multiplier.
    public struct Config: Codable, Sendable, Hashable, CustomStringConvertible {
        /// The operand format; the result is always fp32.
        public var format: FloatFormat
        /// Subnormal handling of inputs and result.
        public var subnormals: SubnormalMode
        /// Stages followed by a pipeline register.
        public var registers: Set<FloatStage>

        public init(format: FloatFormat = .bf16, subnormals: SubnormalMode = .ieee, registers: Set<FloatStage> = []) {
            self.format = format
            self.subnormals = subnormals
            self.registers = registers
        }

        /// Cycles from operands to result.
        public var latency: Int { registers.count }

        /// The result format.
        public static let resultFormat = FloatFormat.fp32

        public var description: String { FloatMultiplier.moduleName(self) }

        /// Parameters recorded in the design manifest.
        public var parameters: [String: ParamValue] {
            ["design": .string("fmul"), "format": .string(format.rawValue), "result": .string(Self.resultFormat.rawValue),
             "subnormals": .string(subnormals.rawValue), "registers": .string(FloatStage.manifest(registers)),
             "latency": .int(latency)]
        }
    }

    /// The module name, e.g. `fmul_bf16_ieee`, `fmul_fp32_ftz_reg12`.
    public static func moduleName(_ c: Config) -> String {
        "fmul_\(c.format)_\(c.subnormals)" + FloatStage.suffix(c.registers)
    }

    /// Ports: `a`, `b` (UInt(format width), IEEE bit patterns), `result` (UInt(32), fp32).
    public struct Ports: Interface {
        @Input public var a: Signal
        @Input public var b: Signal
        @Output public var result: Signal

        public init(_ c: Config) {
            _a = Input(.uint(c.format.width))
            _b = Input(.uint(c.format.width))
            _result = Output(.uint(Config.resultFormat.width))
        }
    }

    /// Builds a standalone multiplier module.
    public static func build(_ c: Config, file: String = #fileID, line: Int = #line) throws -> Definition<Ports> {
        let mod = Module(moduleName(c), file: file, line: line)
        mod.doc = "\(c.format) x \(c.format) -> fp32 multiplier, round to nearest even, subnormals \(c.subnormals), "
            + "NaN results 0x7FC00000; latency \(c.latency) (registers after: \(FloatStage.manifest(c.registers)))."
        let io = mod.ports(Ports(c), file: file, line: line)
        io.result.assign(try multiply(io.a, io.b, c, name: "", file: file, line: line), file: file, line: line)
        return Definition(mod, io)
    }

    /// Builds the multiplier inline in the module owning `a` and `b` (UInt(format width) each)
    /// and returns the fp32 result, `c.latency` cycles later. Wires and registers are named
    /// `<name>_...` (unprefixed for an empty name).
    public static func multiply(_ a: Signal, _ b: Signal, _ c: Config, name: String,
                                file: String = #fileID, line: Int = #line) throws -> Signal {
        guard a.owner === b.owner else {
            throw HWLibError("float multiplier '\(name)' at \(file):\(line): operands belong to modules '\(a.owner.name)' and '\(b.owner.name)'")
        }
        let mod = a.owner
        let p = name.isEmpty ? "" : name + "_"
        let out = Config.resultFormat
        func boundary(_ s: FloatStage) -> FloatStageBoundary {
            FloatStageBoundary(module: mod, stage: s, registered: c.registers.contains(s), prefix: p, file: file, line: line)
        }

        // prepare: decode, exact significand product, exponent of the product's top bit.
        let x = try FloatOperand(a, format: c.format, subnormals: c.subnormals, name: p + "a", file: file, line: line)
        let y = try FloatOperand(b, format: c.format, subnormals: c.subnormals, name: p + "b", file: file, line: line)
        let product = x.significand * y.significand
        // Room for the rounder's guard and sticky bits when the product is narrower than fp32's
        // significand (bf16, fp16): zeros below the product do not change its value.
        let w = max(product.width, out.precision + 2)
        let sig = w > product.width ? cat(product, mod.const(0, .uint(w - product.width), file: file, line: line)) : product
        // Operands are sig · 2^(e − bias − fb), so the product's top bit (2^(2·precision − 1)) is
        // worth 2^(ea + eb − 2·bias + 1): its biased fp32 exponent is ea + eb − 2·bias + fp32 bias + 1.
        let expWidth = c.format.exponentBits + 4  // ea + eb + constant, with a sign bit and margin
        let eSum = (x.exponent + y.exponent).extended(to: expWidth - 1, file: file, line: line).asSigned
        let exp = eSum &+ mod.const(out.bias + 1 - 2 * c.format.bias, .sint(expWidth), file: file, line: line)
        let zeroA = !x.significand.orReduce(), zeroB = !y.significand.orReduce()
        let s1 = boundary(.prepare)
        let sign = s1.pass("sign", x.sign ^ y.sign)
        let nan = s1.pass("nan", x.isNaN || y.isNaN || (x.isInf && zeroB) || (zeroA && y.isInf))
        let inf = s1.pass("inf", x.isInf || y.isInf)
        let sigQ = s1.pass("sig", sig)
        let expQ = s1.pass("exp", exp)

        // normalize.
        let n = FloatRounder.normalize(sig: sigQ, exp: expQ, sticky: mod.falseSignal, name: p + "norm", file: file, line: line)
        let s2 = boundary(.normalize)
        let normalized = FloatRounder.Normalized(sig: s2.pass("sig", n.sig), fieldMinusOne: s2.pass("field_m1", n.fieldMinusOne),
                                                 sticky: s2.pass("sticky", n.sticky))
        let sign2 = s2.pass("sign", sign), nan2 = s2.pass("nan", nan), inf2 = s2.pass("inf", inf)

        // round.
        let mag = FloatRounder.roundPack(normalized, format: out, name: p + "rnd", file: file, line: line)
        let result = FloatRounder.select(sign: sign2, magnitude: mag, nan: nan2, inf: inf2, format: out,
                                         subnormals: c.subnormals, file: file, line: line)
        return boundary(.round).pass("result", result)
    }
}
