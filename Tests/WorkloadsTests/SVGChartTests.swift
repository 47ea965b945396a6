import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import Workloads

/// The SVG charts of the training-speedup reports: well-formed XML with an `svg` root in the SVG
/// namespace, escaped text, byte-for-byte determinism, and one drawn element per value.
struct SVGChartTests {
    /// What `XMLParser` saw: the root element, its namespace and attributes, and any parse error.
    final class Parsed: NSObject, XMLParserDelegate {
        var root: String?
        var rootNamespace: String?
        var rootAttributes: [String: String] = [:]
        var texts: [String] = []
        var error: Error?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            if root == nil {
                root = elementName
                rootNamespace = namespaceURI
                rootAttributes = attributeDict
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { texts.append(string) }
        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }
    }

    static func parse(_ svg: String) -> (ok: Bool, result: Parsed) {
        let p = XMLParser(data: Data(svg.utf8))
        p.shouldProcessNamespaces = true
        let result = Parsed()
        p.delegate = result
        let ok = p.parse()
        return (ok && result.error == nil, result)
    }

    /// Parses, checks the root, and returns the character data (all text joined).
    @discardableResult
    static func checkWellFormed(_ svg: String, _ what: String) -> String {
        let (ok, r) = parse(svg)
        #expect(ok, "\(what): \(String(describing: r.error))")
        #expect(r.root == "svg", "\(what)")
        #expect(r.rootNamespace == "http://www.w3.org/2000/svg", "\(what)")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""), "\(what)")
        #expect(svg.contains("fill=\"#ffffff\""), "\(what): white background")
        for a in ["width", "height", "viewBox"] { #expect(r.rootAttributes[a] != nil, "\(what): \(a)") }
        let lower = svg.lowercased()
        #expect(!lower.contains("nan") && !lower.contains("inf"), "\(what): a non-finite number leaked")
        return r.texts.joined()
    }

    static func count(_ needle: String, in s: String) -> Int { s.components(separatedBy: needle).count - 1 }

    static func attribute(_ name: String, of svg: String) -> Double? {
        guard let r = svg.range(of: " \(name)=\"") else { return nil }
        return Double(svg[r.upperBound...].prefix { $0 != "\"" })
    }

    static let layers = (0..<20).map { "layer\($0 / 4 + 1).\($0 % 4).conv\($0 % 3 + 1)" }

    /// A realistic step-time breakdown: 20 layers, dense vs 2:8, FF/BP/WU.
    static func realistic(_ n: Int) -> String {
        let cats = Array(layers.prefix(n))
        let bars: [[SVGChart.StackedBar]] = cats.indices.map { i in
            let d = Double(i + 1)
            return [SVGChart.StackedBar(series: "dense", segments: [d * 1.0, d * 2.1, d * 1.7]),
                    SVGChart.StackedBar(series: "2:8", segments: [d * 0.3, d * 0.6, d * 0.5])]
        }
        return SVGChart.groupedStackedBars(title: "ResNet-18 step time per layer", yLabel: "Mcycles", categories: cats,
                                           segmentNames: ["FF", "BP", "WU"], bars: bars, referenceLine: (20, "budget"))
    }

    @Test func everyChartKindParses() {
        let stacked = Self.realistic(20)
        Self.checkWellFormed(stacked, "stacked")
        let bars = SVGChart.groupedBars(title: "Speedup", yLabel: "×", categories: ["a", "b", "c"],
                                        series: [("FF", [1, 2, 3]), ("BP", [1.5, 2.5, 3.5])], referenceLine: (1, "dense"), valueLabels: true)
        Self.checkWellFormed(bars, "bars")
        let lines = SVGChart.lines(title: "Speedup vs N:M", xLabel: "pattern", yLabel: "speedup", xCategories: ["1:4", "2:4", "1:8", "2:8"],
                                   series: [("measured", [3.2, 1.8, 6.1, 3.5], false), ("ideal", [4, 2, 8, 4], true)])
        Self.checkWellFormed(lines, "lines")
        #expect(Self.count("class=\"point\"", in: lines) == 8)
        #expect(Self.count("class=\"series-line\"", in: lines) == 2)
        #expect(lines.contains("stroke-dasharray=\"6 4\""))
        #expect(lines.contains(">pattern</text>") && lines.contains(">speedup</text>"))
    }

    @Test func edgeCasesParse() {
        let nan = Double.nan, inf = Double.infinity
        var charts: [(String, String)] = [
            ("stacked empty", SVGChart.groupedStackedBars(title: "t", yLabel: "y", categories: [], segmentNames: ["FF"], bars: [])),
            ("bars empty", SVGChart.groupedBars(title: "t", yLabel: "y", categories: [], series: [])),
            ("lines empty", SVGChart.lines(title: "t", xLabel: "x", yLabel: "y", xCategories: [], series: [])),
            ("stacked zeros", SVGChart.groupedStackedBars(title: "t", yLabel: "y", categories: ["a", "b"], segmentNames: ["FF", "BP"],
                                                          bars: [[.init(series: "s", segments: [0, 0])], [.init(series: "s", segments: [0, 0])]])),
            ("bars zeros", SVGChart.groupedBars(title: "t", yLabel: "y", categories: ["a"], series: [("s", [0])])),
            ("lines zeros", SVGChart.lines(title: "t", xLabel: "x", yLabel: "y", xCategories: ["a", "b"], series: [("s", [0, 0], false)])),
            ("stacked non-finite", SVGChart.groupedStackedBars(title: "t", yLabel: "y", categories: ["a", "b"], segmentNames: ["FF", "BP"],
                                                               bars: [[.init(series: "s", segments: [nan, inf])], [.init(series: "s", segments: [1, -inf])]],
                                                               referenceLine: (nan, "ref"), valueLabels: true)),
            ("bars non-finite", SVGChart.groupedBars(title: "t", yLabel: "y", categories: ["a", "b"], series: [("s", [nan, inf]), ("u", [-inf, 2])],
                                                     yMax: nan, referenceLine: (inf, "ref"), valueLabels: true)),
            ("lines non-finite", SVGChart.lines(title: "t", xLabel: "x", yLabel: "y", xCategories: ["a", "b", "c"],
                                                series: [("s", [nan, inf, -inf], false), ("u", [1, nan, 2], true)])),
            ("stacked single", SVGChart.groupedStackedBars(title: "t", yLabel: "y", categories: ["only"], segmentNames: ["FF"],
                                                           bars: [[.init(series: "dense", segments: [2])]])),
            ("bars single", SVGChart.groupedBars(title: "t", yLabel: "y", categories: ["only"], series: [("s", [0.003])])),
            ("lines single", SVGChart.lines(title: "t", xLabel: "x", yLabel: "y", xCategories: ["only"], series: [("s", [1e6], false)])),
            ("bars mismatched lengths", SVGChart.groupedBars(title: "t", yLabel: "y", categories: ["a", "b", "c"], series: [("s", [1]), ("u", [1, 2, 3, 4])])),
            ("bars clipped by yMax", SVGChart.groupedBars(title: "t", yLabel: "y", categories: ["a"], series: [("s", [10])], yMax: 4)),
        ]
        charts.append(("stacked missing bars", SVGChart.groupedStackedBars(title: "t", yLabel: "y", categories: ["a", "b", "c"], segmentNames: [],
                                                                          bars: [[.init(series: "x", segments: [1, 2, 3])]])))
        for (what, svg) in charts { Self.checkWellFormed(svg, what) }
        for (what, svg) in charts.prefix(3) { #expect(svg.contains(">no data</text>"), "\(what)") }
        #expect(Self.count("class=\"bar\"", in: charts[6].1) == 1, "only the finite positive segment")
        #expect(Self.count("class=\"bar\"", in: charts[7].1) == 1)
        #expect(Self.count("class=\"point\"", in: charts[8].1) == 2)
        #expect(charts[13].1.contains("class=\"clipped\""))
    }

    @Test func textIsEscaped() {
        let nasty = "a<b&c"
        let svgs = [
            SVGChart.groupedStackedBars(title: "\"q\" & <t>", yLabel: "y<1", categories: [nasty, "d"], segmentNames: ["F&F", "B>P"],
                                        bars: [[.init(series: "s\"1", segments: [1, 2])], [.init(series: "s\"1", segments: [3, 4])]],
                                        referenceLine: (2, "r&d"), valueLabels: true),
            SVGChart.groupedBars(title: "\"q\" & <t>", yLabel: "y<1", categories: [nasty], series: [("s&'x'", [1])]),
            SVGChart.lines(title: "\"q\" & <t>", xLabel: "x>0", yLabel: "y<1", xCategories: [nasty], series: [("s&x\u{1}", [1], true)]),
        ]
        for svg in svgs {
            #expect(svg.contains("a&lt;b&amp;c"))
            #expect(!svg.contains(nasty))
            let text = Self.checkWellFormed(svg, "escaped")
            #expect(text.contains(nasty), "the parser reads the original text back")
            #expect(text.contains("\"q\" & <t>"))
        }
    }

    @Test func deterministic() {
        #expect(Self.realistic(20) == Self.realistic(20))
        func bars() -> String {
            SVGChart.groupedBars(title: "t", yLabel: "y", categories: ["a", "b"], series: [("s", [.nan, 1.25]), ("u", [2, .infinity])],
                                 referenceLine: (1, "dense"), valueLabels: true)
        }
        #expect(bars() == bars())
        func lines() -> String {
            SVGChart.lines(title: "t", xLabel: "x", yLabel: "y", xCategories: ["1:4", "2:4"], series: [("s", [.nan, 2], false), ("i", [4, 2], true)])
        }
        #expect(lines() == lines())
        for svg in [bars(), lines()] {
            #expect(!svg.lowercased().contains("nan") && !svg.lowercased().contains("inf"))
        }
    }

    @Test func structure() {
        let svg = SVGChart.groupedStackedBars(title: "Step time", yLabel: "ms", categories: ["conv1", "conv2", "fc"], segmentNames: ["FF", "BP", "WU"],
                                              bars: [[.init(series: "dense", segments: [1, 2, 3]), .init(series: "2:8", segments: [0.5, 1, 0])],
                                                     [.init(series: "dense", segments: [2, .nan, 1]), .init(series: "2:8", segments: [1, 1, 1])],
                                                     [.init(series: "dense", segments: [1, 1, 1])]])
        Self.checkWellFormed(svg, "structure")
        // 3 + 2 (a zero segment) + 2 (a NaN segment) + 3 + 3 segments drawn.
        #expect(Self.count("<rect class=\"bar\"", in: svg) == 13)
        #expect(Self.count("class=\"bar\"", in: svg) == 13)
        #expect(Self.count("class=\"bar-outline\"", in: svg) == 5)
        #expect(Self.count("class=\"xtick\"", in: svg) == 3)
        #expect(Self.count("class=\"ytick\"", in: svg) >= 4 && Self.count("class=\"ytick\"", in: svg) <= 8)
        #expect(svg.contains("<title>Step time</title>"))
        #expect(svg.contains(">Step time</text>"))
        #expect(svg.contains(">ms</text>"))
        for label in ["conv1", "conv2", "fc", "FF", "BP", "WU", "dense", "2:8"] { #expect(svg.contains(">\(label)</text>"), "\(label)") }
        // Segment colours are the same in every bar; the second series is textured.
        #expect(svg.split(separator: "\n").filter { $0.contains("class=\"bar\"") && $0.contains("fill=\"#0072B2\"") }.count == 5)
        #expect(svg.contains("url(#svgchart-hatch)"))

        let bars = SVGChart.groupedBars(title: "Speedup", yLabel: "×", categories: ["a", "b", "c", "d"],
                                        series: [("FF", [1, 2, 0, 3]), ("BP", [1.5, .nan, 2.5, 3.5])], yMax: 4, referenceLine: (1, "dense"))
        #expect(Self.count("class=\"bar\"", in: bars) == 6)
        #expect(Self.count("class=\"xtick\"", in: bars) == 4)
        #expect(bars.contains("class=\"reference\"") && bars.contains(">dense</text>"))
        #expect(bars.contains(">n/a</text>"))
    }

    @Test func niceTicks() {
        func ticks(_ max: Double) -> [String] {
            let svg = SVGChart.groupedBars(title: "t", yLabel: "y", categories: ["a"], series: [("s", [max])])
            return svg.split(separator: "\n").filter { $0.contains("class=\"ytick\"") }.map { line in
                String(line.split(separator: ">")[1].prefix { $0 != "<" })
            }
        }
        #expect(ticks(3.5) == ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5"])
        #expect(ticks(7) == ["0", "1", "2", "3", "4", "5", "6", "7"])
        #expect(ticks(9) == ["0", "2", "4", "6", "8", "10"])
        #expect(ticks(0.9) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(ticks(1.6) == ["0.00", "0.25", "0.50", "0.75", "1.00", "1.25", "1.50", "1.75"])
        #expect(ticks(1700) == ["0", "250", "500", "750", "1000", "1250", "1500", "1750"])
        #expect(ticks(2300) == ["0", "500", "1000", "1500", "2000", "2500"])
        #expect(ticks(0) == ticks(1))
        for m in stride(from: 0.013, to: 5000, by: 7.77) {
            let n = ticks(m).count
            #expect(n >= 4 && n <= 8, "\(m): \(n) ticks")
        }
    }

    /// The example of the report: 20 layers × dense/2:8 × FF/BP/WU; the chart widens with the layer count and
    /// the long layer names are rotated.
    @Test func realisticChartWidensWithCategories() throws {
        let svg20 = Self.realistic(20), svg14 = Self.realistic(14), svg8 = Self.realistic(8)
        Self.checkWellFormed(svg20, "20 layers")
        #expect(Self.count("class=\"bar\"", in: svg20) == 20 * 2 * 3)
        #expect(Self.count("class=\"xtick\"", in: svg20) == 20)
        #expect(Self.count("class=\"series-label\"", in: svg20) == 40)
        #expect(svg20.contains("rotate(-45"))
        let w20 = try #require(Self.attribute("width", of: svg20))
        let w14 = try #require(Self.attribute("width", of: svg14))
        let w8 = try #require(Self.attribute("width", of: svg8))
        #expect(w20 > w14 && w14 > w8)
        #expect(w20 - w14 == w14 - w8, "a fixed width per category")
        #expect(svg20.contains("viewBox=\"0 0 \(String(format: "%.1f", w20)) "))
    }
}
