import Foundation
import Formats
import Testing

@Suite struct NMPatternTests {
    @Test func validPatternsAndDerivedValues() throws {
        let p = try NMPattern(n: 2, m: 8)
        #expect(p.n == 2 && p.m == 8)
        #expect(p.indexBits == 3)
        #expect(p.density == 0.25)
        #expect(p.description == "2:8")
        #expect(try NMPattern(n: 1, m: 2).indexBits == 1)
        #expect(try NMPattern(n: 1, m: 4).indexBits == 2)
        #expect(try NMPattern(n: 2, m: 16).indexBits == 4)
        #expect(try NMPattern(n: 63, m: 64).indexBits == 6)
    }

    @Test(arguments: [
        (4, 4, "N:M needs N < M, got 4:4"),
        (5, 4, "N:M needs N < M, got 5:4"),
        (0, 4, "N:M needs N ≥ 1, got 0:4"),
        (-1, 4, "N:M needs N ≥ 1, got -1:4"),
        (2, 6, "M must be a power of two, got 2:6"),
        (2, 128, "M must be at most 64, got 2:128"),
    ])
    func invalidPatternsThrow(n: Int, m: Int, message: String) {
        #expect(throws: FormatError(message)) { try NMPattern(n: n, m: m) }
    }

    @Test func parse() throws {
        #expect(try NMPattern.parse("2:8") == NMPattern(n: 2, m: 8))
        #expect(try NMPattern.parse(" 1:4\n") == NMPattern(n: 1, m: 4))
        for text in ["2-8", "x:y", "", ":", "2:", "2:8:1", "2 :8"] {
            #expect(throws: FormatError(
                "invalid N:M pattern \"\(text)\": expected two integers as N:M, e.g. 2:8")) {
                try NMPattern.parse(text)
            }
        }
        #expect(throws: FormatError("N:M needs N < M, got 4:4")) { try NMPattern.parse("4:4") }
        #expect(throws: FormatError("M must be a power of two, got 2:6")) { try NMPattern.parse("2:6") }
    }

    @Test func errorDescriptionIsTheMessage() {
        let error = FormatError("M must be a power of two, got 2:6")
        #expect(error.description == error.message)
        #expect("\(error)" == "M must be a power of two, got 2:6")
    }

    @Test func codableRoundTripAndValidation() throws {
        let p = try NMPattern(n: 2, m: 8)
        let data = try JSONEncoder().encode(p)
        #expect(try JSONDecoder().decode(NMPattern.self, from: data) == p)
        let bad = Data(#"{"n": 2, "m": 6}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(NMPattern.self, from: bad) }
    }

    @Test func groupCount() throws {
        let p = try NMPattern(n: 2, m: 8)
        #expect(try p.groupCount(24, along: "x") == 3)
        #expect(try p.groupCount(0, along: "x") == 0)
        #expect(throws: FormatError("2:8 pruning needs x to be a multiple of 8, got 12")) {
            try p.groupCount(12, along: "x")
        }
    }
}
