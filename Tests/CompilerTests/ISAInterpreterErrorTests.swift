import Compiler
import Formats
import SparseModel
import Testing

/// Every error the interpreter reports, each from a minimal program: the kind, the instruction
/// named, a one-line message.
@Suite struct ISAInterpreterErrorTests {
    static let target = ISAInterpreterTests.target
    static let interpreter = try! ISAInterpreter(target: target)

    static func load(_ b: BufferID = .x, base: Int = 0, rows: Int = 1, beats: Int = 4, entryBeats: Int = 4, at addr: UInt64 = 0,
                     stride: UInt64 = 0, deps: Dependencies = Dependencies()) -> Instruction {
        .load(Instruction.Transfer(bufferBase: base, rows: rows, rowBeats: beats, entryBeats: entryBeats, dramAddr: addr, dramStride: stride),
              buffer: b, deps: deps)
    }

    static func gemm(sparse: Bool = false, close: Bool = true, w: Int = 0, x: Int = 0, beats: Int = 2, o: Int = 0, update: Bool = false,
                     pregen: Bool = false, m: Int = 0, pf: Int = 0, pb: Int = 0, deps: Dependencies = Dependencies()) -> Instruction {
        .gemm(.init(sparse: sparse, close: close, wBase: w, xBase: x, beats: beats, oBase: o, update: update, pregen: pregen, mBase: m,
                    pfBase: pf, pbBase: pb), deps: deps)
    }

    /// The words of `insn` with `field` overwritten by `value` (what no valid encoding produces).
    static func patched(_ insn: Instruction, _ field: InstructionLayout.Field, _ value: UInt64) throws -> [UInt64] {
        var words = try insn.encode()
        let r = InstructionLayout.range(field)
        for bit in r {
            let on = (value >> UInt64(bit - r.lowerBound)) & 1 == 1
            if on { words[bit / 64] |= 1 << UInt64(bit % 64) } else { words[bit / 64] &= ~(1 << UInt64(bit % 64)) }
        }
        return words
    }

    static func run(_ words: [UInt64], dram: Int = 1024) throws {
        var image = DRAMImage(size: dram)
        _ = try interpreter.run(words, on: &image)
    }

    static func run(_ program: [Instruction], dram: Int = 1024) throws {
        var image = DRAMImage(size: dram)
        _ = try interpreter.run(program, on: &image)
    }

    /// Runs `body` and returns its ISAError.
    static func error(_ body: () throws -> Void) -> ISAError? {
        do { try body() } catch let e as ISAError { return e } catch { return nil }
        return nil
    }

    @Test func decodeAndFieldErrors() throws {
        let fill = [Self.load(.w, beats: 4, entryBeats: 2), Self.load(.x)]  // entries every GEMM below reads
        let cases: [(ISAError.Kind, Int, String, [UInt64])] = [
            (.illegalOpcode, 1, "illegal opcode 9", try Self.load().encode() + Self.patched(.sync, .opcode, 9)),
            (.illegalOpcode, 1, "CONV is an SPS-system instruction", try Self.load().encode() + Instruction.conv(.layer(descriptor: 0), deps: .init()).encode()),
            (.badDependency, 0, "LOAD", try Self.load(deps: Dependencies(popPrev: true)).encode()),
            (.badDependency, 0, "LOAD", try Self.load(deps: Dependencies(pushPrev: true)).encode()),
            (.badDependency, 0, "STORE", try Instruction.store(.init(bufferBase: 0, rows: 1, rowBeats: 1, entryBeats: 1, dramAddr: 0, dramStride: 0),
                                                               buffer: .o, deps: Dependencies(popNext: true)).encode()),
            (.badDependency, 0, "SYNC", try Self.patched(.sync, .pushNext, 1)),
            (.badBuffer, 0, "buffer 3", try Self.patched(Self.load(), .buffer, 3)),
            (.badBuffer, 0, "buffer 0", try Self.patched(.store(.init(bufferBase: 0, rows: 1, rowBeats: 1, entryBeats: 1, dramAddr: 0, dramStride: 0),
                                                                buffer: .o, deps: Dependencies()), .buffer, 0)),
            (.zeroCount, 0, "rows 0", try Self.patched(Self.load(), .rows, 0)),
            (.zeroCount, 0, "rowBeats 0", try Self.patched(Self.load(), .rowBeats, 0)),
            (.zeroCount, 0, "entryBeats 0", try Self.patched(Self.load(), .entryBeats, 0)),
            (.zeroCount, 0, "0 beats", try Self.patched(Self.gemm(), .beats, 0)),
            (.entryBeats, 0, "an entry holds 4", try Self.load(entryBeats: 5).encode()),
            (.entryBeats, 0, "an entry holds 2", try Self.load(.m, beats: 3, entryBeats: 3).encode()),
            (.misaligned, 0, "not a multiple", try Self.load(at: 6).encode()),
            (.misaligned, 0, "not a multiple", try Self.load(rows: 2, stride: 10).encode()),
            (.dramRange, 0, "beyond the 1024-byte image", try Self.load(at: 1016).encode()),
            (.dramRange, 0, "beyond the 1024-byte image", try Self.load(rows: 3, at: 0, stride: 1000).encode()),
            (.bufferRange, 0, "XBUF entries 14..<17", try Self.load(base: 14, beats: 12).encode()),
            (.bufferRange, 2, "WBUF entries 15..<17", try fill.flatMap { try $0.encode() } + Self.gemm(w: 15).encode()),
            (.bufferRange, 2, "XBUF entries 16..<17", try fill.flatMap { try $0.encode() } + Self.gemm(x: 16).encode()),
            (.bufferRange, 2, "XBUF entries 15..<17", try fill.flatMap { try $0.encode() } + Self.gemm(sparse: true, x: 15).encode()),
            (.bufferRange, 2, "OBUF entries 5..<9", try fill.flatMap { try $0.encode() } + Self.gemm(o: 5).encode()),
            (.bufferRange, 2, "MBUF entries 6..<10", try fill.flatMap { try $0.encode() } + Self.gemm(update: true, m: 6).encode()),
            (.bufferRange, 2, "PBUF forward words", try fill.flatMap { try $0.encode() } + Self.gemm(update: true, pregen: true, pf: 8).encode()),
            (.bufferRange, 2, "PBUF backward words", try fill.flatMap { try $0.encode() } + Self.gemm(update: true, pregen: true, pb: 8).encode()),
            (.badGEMM, 0, "dense, closing", try Self.gemm(sparse: true, update: true).encode()),
            (.badGEMM, 0, "dense, closing", try Self.gemm(close: false, update: true).encode()),
            (.badGEMM, 0, "pregen needs update", try Self.gemm(pregen: true).encode()),
        ]
        for (kind, index, text, words) in cases {
            let e = Self.error { try Self.run(words) }
            #expect(e?.kind == kind && e?.instruction == index && e?.message.contains(text) == true && e?.description.contains("\n") == false,
                    "\(kind) \(text): got \(e.map { "\($0.kind) \($0)" } ?? "no error")")
        }
        // The hardware's address width: a 16-bit target rejects an address at or above 64 KiB.
        let narrow = try ISAInterpreter(target: try SystemTarget(rows: 4, cols: 4, n: 2, m: 4, beatBits: 32, maxBeats: 4, addressBits: 16))
        var big = DRAMImage(size: 1 << 17)
        let e = Self.error { _ = try narrow.run([Self.load(at: 1 << 16)], on: &big) }
        #expect(e?.kind == .dramRange && e?.message.contains("16-bit address") == true)
        #expect(Self.error { try Self.run([UInt64](repeating: 0, count: 3)) }?.kind == .malformedProgram)
        #expect(Self.error { try Self.run([Self.load(base: -1)]) }?.kind == .unencodable)
    }

    @Test func tokenErrors() throws {
        // A GEMM waiting for a load → compute token no LOAD pushes.
        let deadlock = Self.error { try Self.run([Self.load(.w, beats: 4, entryBeats: 2), Self.load(), Self.gemm(deps: Dependencies(popPrev: true)), .sync]) }
        #expect(deadlock?.kind == .deadlock && deadlock?.instruction == 2 && deadlock?.message == "GEMM waits for a load→compute token that never comes", "\(String(describing: deadlock))")
        // A LOAD waiting for a compute → load token pushed only by a later GEMM, behind a full queue.
        let queue = Self.error {
            try Self.run([Self.load(deps: Dependencies(popNext: true))] + [Instruction](repeating: Self.load(), count: 5)
                         + [Self.load(.w, beats: 4, entryBeats: 2), Self.gemm(close: false, deps: Dependencies(pushPrev: true))])
        }
        #expect(queue?.kind == .deadlock && queue?.instruction == 0)
        // 256 tokens pushed before the consumer may take one: the counter overflows.
        let overflow = Self.error {
            try Self.run([Instruction](repeating: Self.load(deps: Dependencies(pushNext: true)), count: 256)
                         + [Instruction](repeating: Self.gemm(close: false, deps: Dependencies(popPrev: true)), count: 256))
        }
        #expect(overflow?.kind == .tokenOverflow && overflow?.instruction == 255)
        // Interleaved, with the compute → load tokens that let each LOAD overwrite XBUF[0], no
        // counter ever holds more than one token.
        var image = DRAMImage(size: 1024)
        let interleaved = [Self.load(.w, beats: 4, entryBeats: 2)] + (0..<256).flatMap { k in
            [Self.load(deps: Dependencies(popNext: k > 0, pushNext: true)),
             Self.gemm(close: false, deps: Dependencies(popPrev: true, pushPrev: k < 255))]
        }
        let report = try Self.interpreter.run(interleaved, on: &image)
        #expect(report.maxTokens == [.loadToCompute: 1, .computeToLoad: 1] && report.leftoverTokens.isEmpty && report.beats == 512)
    }

    @Test func racesAndUndefinedData() throws {
        // A GEMM reading WBUF that nothing loaded.
        let undefined = Self.error { try Self.run([Self.load(), Self.gemm(), .sync]) }
        #expect(undefined?.kind == .undefinedData && undefined?.instruction == 1 && undefined?.message == "reads WBUF[0], which no instruction has written")
        // A GEMM reading entries a LOAD writes without a token between them.
        let unordered = Self.error { try Self.run([Self.load(.w, beats: 4, entryBeats: 2), Self.load(), Self.gemm(close: false), .sync]) }
        #expect(unordered?.kind == .race && unordered?.instruction == 2 && unordered?.message.contains("instruction 0 (load)") == true)
        // A LOAD overwriting XBUF[0] while the GEMM that reads it may still run.
        let overwrite = Self.error {
            try Self.run([Self.load(.w, beats: 4, entryBeats: 2), Self.load(deps: Dependencies(pushNext: true)),
                          Self.gemm(close: false, deps: Dependencies(popPrev: true)), Self.load(), .sync])
        }
        #expect(overwrite?.kind == .race && overwrite?.message.contains("XBUF[0]") == true)
        // The same with the compute → load token: no race.
        var image = DRAMImage(size: 1024)
        let ordered = try Self.interpreter.run([Self.load(.w, beats: 4, entryBeats: 2), Self.load(deps: Dependencies(pushNext: true)),
                                                Self.gemm(close: false, deps: Dependencies(popPrev: true, pushPrev: true)),
                                                Self.load(deps: Dependencies(popNext: true)), .sync], on: &image)
        #expect(ordered.leftoverTokens.isEmpty && ordered.instructions == 5)
        // A STORE reading OBUF while a tile may still drain into it (no compute → store token).
        let store = Instruction.store(.init(bufferBase: 0, rows: 1, rowBeats: 4, entryBeats: 4, dramAddr: 512, dramStride: 0), buffer: .o,
                                      deps: Dependencies())
        let early = Self.error {
            try Self.run([Self.load(.w, beats: 4, entryBeats: 2), Self.load(), .sync, Self.gemm(), .sync, Self.gemm(), store, .sync])
        }
        #expect(early?.kind == .race && early?.instruction == 6 && early?.message.contains("OBUF[0] while instruction 5 (drain)") == true,
                "\(String(describing: early))")
        // A SYNC orders everything before it.
        image = DRAMImage(size: 1024)
        _ = try Self.interpreter.run([Self.load(.w, beats: 4, entryBeats: 2), Self.load(), .sync, Self.gemm(), .sync,
                                      store, .sync], on: &image)
        // Tokens left over are reported.
        image = DRAMImage(size: 1024)
        let left = try Self.interpreter.run([Self.load(deps: Dependencies(pushNext: true)), .sync], on: &image)
        #expect(left.leftoverTokens == [.loadToCompute: 1])
    }
}
