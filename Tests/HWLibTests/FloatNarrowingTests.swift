import Cosim
import Flow
import Formats
import HWCore
import HWLib
import TestSupport
import Testing

private let narrowingToolsEnabled = DesignGate.missingTools.isEmpty || DesignGate.toolsRequired

/// `FloatNarrowing` co-simulated against the rule of `FloatFormat.narrowed(fromFP32:subnormals:)`
/// (for fp16: Swift's `Float16`, round to nearest even, NaN canonical), bit for bit.
@Suite(.enabled(if: narrowingToolsEnabled, "needs verilator, iverilog and yosys; run Scripts/setup"))
struct FloatNarrowingTests {
    /// Two narrowings side by side, so the block fits the two-operand harness: `result` is
    /// narrow(a) in the high half and narrow(b) in the low half.
    struct Ports: Interface {
        @Input var a: Signal
        @Input var b: Signal
        @Output var result: Signal

        init() {
            _a = Input(.uint(32))
            _b = Input(.uint(32))
            _result = Output(.uint(32))
        }
    }

    static func design(_ format: FloatFormat, _ subnormals: SubnormalMode) throws -> Design {
        let mod = Module("narrow_fp32_\(format)_\(subnormals)")
        let io = mod.ports(Ports())
        let a = try FloatNarrowing.narrow(io.a, to: format, subnormals: subnormals, name: "na")
        let b = try FloatNarrowing.narrow(io.b, to: format, subnormals: subnormals, name: "nb")
        io.result.assign(format.width == 32 ? a ^ b : cat(a, b))
        return try Design.elaborate(Definition(mod, io))
    }

    /// fp32 patterns weighted to fp16's range edges: exponents 2^−27 ... 2^17, ties and their
    /// neighbours in the 13 dropped bits, carries out of the fraction, specials.
    static func pattern(_ rng: inout SplitMix64, _ i: Int) -> UInt32 {
        switch i % 8 {
        case 0: return FloatPatterns.random(.fp32, &rng)
        case 1: return FloatPatterns.specials(.fp32)[rng.below(FloatPatterns.specials(.fp32).count)]
        default:
            let e = UInt32(100 + rng.below(47))
            var bits = (UInt32(truncatingIfNeeded: rng.next()) & 0x807F_FFFF) | (e << 23)
            switch i % 8 {
            case 2: bits = (bits & 0xFFFF_E000) | [0x1000, 0x0FFF, 0x1001][rng.below(3)]
            case 3: bits |= 0x007F_E000  // all-ones kept fraction: a round-up carries into the exponent
            default: break
            }
            return bits
        }
    }

    @Test(arguments: [(FloatFormat.fp16, SubnormalMode.ieee), (.fp16, .flushToZero), (.bf16, .ieee), (.bf16, .flushToZero)])
    func matchesTheRule(_ format: FloatFormat, _ subnormals: SubnormalMode) throws {
        let d = try Self.design(format, subnormals)
        var rng = SplitMix64(seed: 0x16 &+ UInt64(format.width) &+ (subnormals == .ieee ? 0 : 7))
        let count = 1 << 17
        let r = try cosimFloatBlock(d, latency: 0, count: count, name: d.top, next: { i in
            (Self.pattern(&rng, i), Self.pattern(&rng, i + 3))
        }, golden: { a, b in
            (format.narrowed(fromFP32: a, subnormals: subnormals) << 16) | format.narrowed(fromFP32: b, subnormals: subnormals)
        })
        #expect(r.pairs == count)
        #expect(r.mismatches == 0, "\(r.mismatches) of \(r.pairs) differ:\n\(r.report)")
    }

    @Test func passesTheEDAGates() throws {
        let d = try Self.design(.fp16, .ieee)
        let problems = try DesignGate.problems(verilog: d.verilog, top: d.top)
        #expect(problems.isEmpty, "\(d.top):\n\(problems.joined(separator: "\n"))")
    }

    @Test func rejectsANonFP32Operand() throws {
        let mod = Module("narrow_bad")
        let x = mod.wire("x", mod.const(0, .uint(16)))
        #expect(throws: HWLibError.self) { _ = try FloatNarrowing.narrow(x, to: .fp16, subnormals: .ieee, name: "n") }
    }
}
