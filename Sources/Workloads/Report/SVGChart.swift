import Foundation

/// Small, dependency-free SVG charts for the training-speedup reports (`report.md` embeds them).
///
/// Every chart has a white background, a fixed `width`/`height`/`viewBox`, a title, axis titles,
/// "nice" y ticks starting at 0 (steps of 1, 2, 2.5 or 5 × 10^k, 4–8 ticks) with gridlines, the
/// Okabe–Ito colour-blind-safe palette and a compact legend in a band directly above the plot.
/// The plot width grows with the number of categories (a fixed width per category); category
/// names that do not fit their slot are rotated -45°.
///
/// The output is deterministic byte for byte: numbers are written with fixed formats (`%.1f` for
/// coordinates), elements in input order, and no dictionary is iterated. All text is XML-escaped
/// (`&`, `<`, `>`, `"`, `'`; control characters dropped), so the document is well-formed XML.
///
/// Values that are not finite (NaN, ±infinity) or negative are not drawn (the y axis starts at 0)
/// and never appear in the output as "nan"/"inf"; a chart without categories or series is a valid
/// SVG saying "no data".
public enum SVGChart {
    /// One bar of ``groupedStackedBars(title:yLabel:categories:segmentNames:bars:referenceLine:valueLabels:)``:
    /// the series it belongs to (e.g. "dense", "2:8") and its segments from the bottom up, one value per
    /// segment name (e.g. FF, BP, WU cycles or seconds).
    public struct StackedBar: Sendable, Equatable {
        public var series: String
        public var segments: [Double]
        public init(series: String, segments: [Double]) {
            self.series = series
            self.segments = segments
        }
    }

    /// The Okabe–Ito palette (colour-blind safe), in the order colours are handed out.
    public static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

    // MARK: - Grouped stacked bars

    /// Per category, several bars side by side (one per series, e.g. "dense" and "2:8"), each bar stacked
    /// from segments (e.g. FF, BP, WU) from the bottom up.
    ///
    /// A segment has the same colour in every bar (the legend names it); the series of a bar is shown by
    /// its texture (solid, hatched, dotted, cross-hatched, in order of first appearance), named in the
    /// legend and, in small type, directly under every bar. Every drawn segment is a `<rect class="bar">`;
    /// zero, negative and non-finite segments are skipped (a bar without any finite segment is marked
    /// "n/a"). `bars[i]` belongs to `categories[i]`; missing entries are empty.
    /// - Parameters:
    ///   - referenceLine: a dashed horizontal line with a label, e.g. `(1, "dense")` or a target.
    ///   - valueLabels: write each bar's total above it.
    public static func groupedStackedBars(title: String, yLabel: String, categories: [String], segmentNames: [String],
                                          bars: [[StackedBar]], referenceLine: (value: Double, label: String)? = nil,
                                          valueLabels: Bool = false) -> String {
        let barsPer = categories.indices.map { $0 < bars.count ? bars[$0] : [] }
        let maxBars = barsPer.map(\.count).max() ?? 0
        guard !categories.isEmpty, maxBars > 0 else { return noData(title: title) }

        // Series in order of first appearance (an array, not a dictionary: the order is the input's).
        var seriesNames: [String] = []
        for group in barsPer { for bar in group where !seriesNames.contains(bar.series) { seriesNames.append(bar.series) } }
        let segmentCount = max(segmentNames.count, barsPer.flatMap { $0.map(\.segments.count) }.max() ?? 0)

        func total(_ bar: StackedBar) -> Double? {
            let ok = bar.segments.filter(drawable)
            return ok.isEmpty ? nil : ok.reduce(0, +)
        }
        var dataMax = barsPer.flatMap { $0.compactMap(total) }.max() ?? 0
        if let r = referenceLine, drawable(r.value) { dataMax = max(dataMax, r.value) }
        let valueTexts = barsPer.map { $0.map { total($0).map(valueText) ?? "" } }
        let maxValueText = valueTexts.flatMap { $0 }.map { textWidth($0, smallSize) }.max() ?? 0

        var legend: [LegendItem] = []
        for j in 0..<segmentCount {
            legend.append(LegendItem(label: j < segmentNames.count ? segmentNames[j] : "segment \(j + 1)",
                                     swatch: .box(fill: color(j), texture: nil)))
        }
        if seriesNames.count > 1 || !(seriesNames.first ?? "").isEmpty {
            for (s, name) in seriesNames.enumerated() { legend.append(LegendItem(label: name, swatch: .box(fill: "#8C8C8C", texture: texture(s)))) }
        }

        let barGap = 3.0
        let slot = Double(maxBars) * (14 + barGap) + 14
        let seriesLabelWidth = seriesNames.map { textWidth($0, smallSize) }.max() ?? 0
        let seriesBand = seriesLabelWidth == 0 ? 0 : (seriesLabelWidth <= 14 + barGap ? 13 : seriesLabelWidth + 8)
        var frame = Frame(title: title, categories: categories, minSlot: slot, legend: legend,
                          seriesBand: seriesBand, xTitle: nil)
        let barWidth = min(28, (frame.slot - 14) / Double(maxBars) - barGap)
        let labelRotated = maxValueText > barWidth + barGap
        frame.setScale(dataMax: dataMax, labelRoom: valueLabels ? (labelRotated ? maxValueText : smallSize) + 6 : 0)
        var svg = frame.begin(yLabel: yLabel, xLabel: nil, defs: seriesNames.count > 1 ? textureDefs : nil)

        for (i, group) in barsPer.enumerated() {
            let groupWidth = Double(group.count) * (barWidth + barGap) - barGap
            let left = frame.center(i) - groupWidth / 2
            for (b, bar) in group.enumerated() {
                let x = left + Double(b) * (barWidth + barGap)
                let cx = x + barWidth / 2
                let s = seriesNames.firstIndex(of: bar.series) ?? 0
                var base = 0.0
                var drew = false
                for (j, v) in bar.segments.enumerated() where drawable(v) && v > 0 {
                    let y0 = frame.y(base), y1 = frame.y(base + v)
                    base += v
                    guard y0 - y1 > 0 else { continue }
                    let name = j < segmentNames.count ? segmentNames[j] : "segment \(j + 1)"
                    let tip = "\(categories[i]) · \(bar.series) · \(name): \(valueText(v))"
                    svg.add("<rect class=\"bar\" x=\"\(f(x))\" y=\"\(f(y1))\" width=\"\(f(barWidth))\" height=\"\(f(y0 - y1))\" fill=\"\(color(j))\" stroke=\"#ffffff\" stroke-width=\"0.5\"><title>\(escape(tip))</title></rect>")
                    if let t = texture(s), seriesNames.count > 1 {
                        svg.add("<rect class=\"texture\" x=\"\(f(x))\" y=\"\(f(y1))\" width=\"\(f(barWidth))\" height=\"\(f(y0 - y1))\" fill=\"url(#\(t))\" pointer-events=\"none\"/>")
                    }
                    drew = true
                }
                if drew {
                    let top = frame.y(base)
                    svg.add("<rect class=\"bar-outline\" x=\"\(f(x))\" y=\"\(f(top))\" width=\"\(f(barWidth))\" height=\"\(f(frame.y(0) - top))\" fill=\"none\" stroke=\"#333333\" stroke-width=\"0.8\"/>")
                    if valueLabels { svg.valueLabel(valueTexts[i][b], cx: cx, top: top, rotated: labelRotated) }
                } else if total(bar) == nil {
                    svg.add(text(x: cx, y: frame.y(0) - 4, "n/a", size: smallSize, fill: "#666666", cls: "missing"))
                }
                if seriesBand > 0, !bar.series.isEmpty {
                    let y = frame.y(0) + 3
                    if seriesBand == 13 {
                        svg.add(text(x: cx, y: y + smallSize, bar.series, size: smallSize, fill: "#444444", cls: "series-label"))
                    } else {
                        svg.add(text(x: cx, y: y, bar.series, size: smallSize, anchor: "end", fill: "#444444", cls: "series-label",
                                     extra: " dy=\"0.35em\" transform=\"rotate(-90 \(f(cx)) \(f(y)))\""))
                    }
                }
            }
        }
        svg.referenceLine(referenceLine, frame: frame)
        return svg.finish(frame: frame)
    }

    // MARK: - Grouped bars

    /// Simple grouped bars: one bar per (category, series), series side by side in a category, one colour
    /// per series (named in the legend). `series[k].values[i]` belongs to `categories[i]`.
    ///
    /// Every drawn bar is a `<rect class="bar">`; zero, negative, non-finite and missing values are not
    /// drawn (non-finite ones are marked "n/a").
    /// - Parameters:
    ///   - yMax: fixes the top of the y axis (rounded up to a nice tick), e.g. to share a scale between
    ///     charts; taller bars are cut at the top and labelled with their value.
    ///   - referenceLine: a dashed horizontal line with a label, e.g. `(1, "dense")`.
    ///   - valueLabels: write each bar's value above it.
    public static func groupedBars(title: String, yLabel: String, categories: [String], series: [(name: String, values: [Double])],
                                   yMax: Double? = nil, referenceLine: (value: Double, label: String)? = nil,
                                   valueLabels: Bool = false) -> String {
        guard !categories.isEmpty, !series.isEmpty else { return noData(title: title) }
        func value(_ k: Int, _ i: Int) -> Double? {
            i < series[k].values.count ? series[k].values[i] : nil
        }
        var dataMax = series.flatMap { $0.values.prefix(categories.count).filter(drawable) }.max() ?? 0
        if let r = referenceLine, drawable(r.value) { dataMax = max(dataMax, r.value) }
        let fixedTop = yMax.flatMap { drawable($0) && $0 > 0 ? $0 : nil }
        let maxValueText = series.flatMap { $0.values.prefix(categories.count).filter(drawable).map { textWidth(valueText($0), smallSize) } }.max() ?? 0

        let legend = series.count > 1 || !series[0].name.isEmpty
            ? series.enumerated().map { LegendItem(label: $0.element.name, swatch: .box(fill: color($0.offset), texture: nil)) } : []
        let barGap = 2.0
        var frame = Frame(title: title, categories: categories, minSlot: Double(series.count) * (14 + barGap) + 14,
                          legend: legend, seriesBand: 0, xTitle: nil)
        let barWidth = min(32, (frame.slot - 14) / Double(series.count) - barGap)
        let labelRotated = maxValueText > barWidth + barGap
        if let top = fixedTop {
            frame.setScale(dataMax: top, labelRoom: 0)
        } else {
            frame.setScale(dataMax: dataMax, labelRoom: valueLabels ? (labelRotated ? maxValueText : smallSize) + 6 : 0)
        }
        var svg = frame.begin(yLabel: yLabel, xLabel: nil, defs: nil)

        for i in categories.indices {
            let groupWidth = Double(series.count) * (barWidth + barGap) - barGap
            let left = frame.center(i) - groupWidth / 2
            for k in series.indices {
                guard let v = value(k, i) else { continue }
                let x = left + Double(k) * (barWidth + barGap)
                let cx = x + barWidth / 2
                guard drawable(v) else {
                    if !v.isFinite { svg.add(text(x: cx, y: frame.y(0) - 4, "n/a", size: smallSize, fill: "#666666", cls: "missing")) }
                    continue
                }
                guard v > 0 else { continue }
                let clipped = v > frame.scale.top
                let top = frame.y(v)
                let tip = series[k].name.isEmpty ? "\(categories[i]): \(valueText(v))" : "\(categories[i]) · \(series[k].name): \(valueText(v))"
                svg.add("<rect class=\"bar\" x=\"\(f(x))\" y=\"\(f(top))\" width=\"\(f(barWidth))\" height=\"\(f(frame.y(0) - top))\" fill=\"\(color(k))\"><title>\(escape(tip))</title></rect>")
                if clipped {
                    svg.add(text(x: cx, y: top + 10, valueText(v), size: smallSize, fill: "#000000", cls: "clipped",
                                 extra: " font-weight=\"bold\" stroke=\"#ffffff\" stroke-width=\"2.5\" paint-order=\"stroke\""))
                } else if valueLabels {
                    svg.valueLabel(valueText(v), cx: cx, top: top, rotated: labelRotated)
                }
            }
        }
        svg.referenceLine(referenceLine, frame: frame)
        return svg.finish(frame: frame)
    }

    // MARK: - Lines

    /// Lines over a categorical x axis (e.g. N:M patterns "1:4", "2:4", …) with a marker on every point;
    /// a series may be dashed (e.g. the ideal curve). Each series has its own colour and marker shape
    /// (circle, square, triangle, diamond), both shown in the legend. `series[k].values[i]` belongs to
    /// `xCategories[i]`; every drawn marker has `class="point"`. Negative, non-finite and missing values
    /// are not drawn and break the line.
    public static func lines(title: String, xLabel: String, yLabel: String, xCategories: [String],
                             series: [(name: String, values: [Double], dashed: Bool)]) -> String {
        guard !xCategories.isEmpty, !series.isEmpty else { return noData(title: title) }
        let dataMax = series.flatMap { $0.values.prefix(xCategories.count).filter(drawable) }.max() ?? 0
        let legend = series.enumerated().map {
            LegendItem(label: $0.element.name, swatch: .line(color: color($0.offset), dashed: $0.element.dashed, marker: $0.offset))
        }
        var frame = Frame(title: title, categories: xCategories, minSlot: 56, legend: legend, seriesBand: 0, xTitle: xLabel)
        frame.setScale(dataMax: dataMax, labelRoom: 8)
        var svg = frame.begin(yLabel: yLabel, xLabel: xLabel, defs: nil)

        for (k, s) in series.enumerated() {
            var d: [String] = []
            var points: [(Double, Double)] = []
            var pen = false
            for i in xCategories.indices {
                guard i < s.values.count, drawable(s.values[i]) else { pen = false; continue }
                let p = (frame.center(i), frame.y(s.values[i]))
                d.append("\(pen ? "L" : "M")\(f(p.0)) \(f(p.1))")
                points.append(p)
                pen = true
            }
            if points.count > 1 {
                svg.add("<path class=\"series-line\" d=\"\(d.joined(separator: " "))\" fill=\"none\" stroke=\"\(color(k))\" stroke-width=\"2\" stroke-linejoin=\"round\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/>")
            }
            for p in points { svg.add(marker(k, x: p.0, y: p.1, color: color(k), cls: "point")) }
        }
        return svg.finish(frame: frame)
    }

    // MARK: - Scale

    /// The y axis from 0 to `step × count`: the smallest step of 1, 2, 2.5 or 5 × 10^k that covers `dataMax`
    /// in at most 7 intervals (so 4 to 8 ticks including 0); `decimals` is what its tick labels need.
    struct Scale: Equatable {
        var step: Double
        var count: Int
        var decimals: Int
        var top: Double { step * Double(count) }
        func label(_ i: Int) -> String { String(format: "%.\(decimals)f", step * Double(i)) }

        init(dataMax: Double) {
            let m = drawable(dataMax) && dataMax > 0 ? min(dataMax, 1e300) : 1
            var e = Int((log10(m / 8)).rounded(.down))
            while true {
                for mantissa in [1.0, 2.0, 2.5, 5.0] {
                    let step = mantissa * pow(10, Double(e))
                    let n = Int((m / step - 1e-9).rounded(.up))
                    if n <= 7 {
                        self.step = step
                        self.count = max(n, 1)
                        self.decimals = min(12, max(0, -e + (mantissa == 2.5 ? 1 : 0)))
                        return
                    }
                }
                e += 1
            }
        }
    }

    // MARK: - Layout

    static let fontFamily = "Helvetica, Arial, sans-serif"
    static let titleSize = 16.0, labelSize = 12.0, tickSize = 11.0, smallSize = 9.0
    static let plotHeight = 260.0, rightMargin = 24.0, minWidth = 440.0

    struct LegendItem {
        enum Swatch { case box(fill: String, texture: String?), line(color: String, dashed: Bool, marker: Int) }
        var label: String
        var swatch: Swatch
        var width: Double { 22 + textWidth(label, tickSize) + 14 }
    }

    /// Where everything goes: margins from the text sizes, the plot width from the category count.
    struct Frame {
        let title: String
        let categories: [String]
        var slot: Double
        var plotLeft: Double
        var plotWidth: Double
        var plotTop: Double
        let rotateX: Bool
        let categoryWidth: Double
        let seriesBand: Double
        let legendRows: [[LegendItem]]
        let xTitle: String?
        var scale = Scale(dataMax: 1)
        var tickWidth = 0.0
        var width: Double { plotLeft + plotWidth + rightMargin }
        var height: Double {
            let labels = rotateX ? categoryWidth * 0.7071 + 16 : 20
            return plotTop + plotHeight + seriesBand + labels + (xTitle == nil ? 0 : 22) + 10
        }
        var axisY: Double { plotTop + plotHeight }

        init(title: String, categories: [String], minSlot: Double, legend: [LegendItem], seriesBand: Double, xTitle: String?) {
            self.title = title
            self.categories = categories
            self.seriesBand = seriesBand
            self.xTitle = xTitle
            let n = Double(categories.count)
            let baseLeft = 30 + textWidth("00000", tickSize) + 10  // y title, tick labels (refined in setScale)
            // At least `minWidth` wide, and wide enough for the title.
            let width = max(minWidth, textWidth(title, titleSize) + 40)
            slot = max(minSlot, (width - baseLeft - rightMargin) / n)
            categoryWidth = categories.map { textWidth($0, tickSize) }.max() ?? 0
            rotateX = categoryWidth > slot - 6
            // A rotated first label runs down-left from its tick: keep it inside the picture.
            plotLeft = max(baseLeft, rotateX ? categoryWidth * 0.7071 - slot / 2 + 6 : 0)
            plotWidth = slot * n
            // The legend wraps into rows no wider than the plot.
            var rows: [[LegendItem]] = []
            var row: [LegendItem] = [], used = 0.0
            let avail = max(plotWidth, 200)
            for item in legend {
                if !row.isEmpty, used + item.width > avail { rows.append(row); row = []; used = 0 }
                row.append(item)
                used += item.width
            }
            if !row.isEmpty { rows.append(row) }
            legendRows = rows
            plotTop = 40 + Double(rows.count) * 18 + (rows.isEmpty ? 0 : 4) + 10
        }

        /// Fixes the y scale so `dataMax` plus `labelRoom` pixels above it fit; widens the left margin for
        /// the tick labels.
        mutating func setScale(dataMax: Double, labelRoom: Double) {
            let room = min(labelRoom, plotHeight / 3)
            scale = Scale(dataMax: dataMax > 0 ? dataMax / (1 - room / plotHeight) : dataMax)
            tickWidth = (0...scale.count).map { textWidth(scale.label($0), tickSize) }.max() ?? 0
            plotLeft = max(plotLeft, 30 + tickWidth + 10)
        }

        func y(_ v: Double) -> Double { plotTop + plotHeight * (1 - min(max(v, 0), scale.top) / scale.top) }
        func center(_ i: Int) -> Double { plotLeft + slot * (Double(i) + 0.5) }

        /// The header, title, legend, gridlines and y ticks.
        func begin(yLabel: String, xLabel: String?, defs: String?) -> Writer {
            var w = Writer()
            w.header(width: width, height: height, title: title)
            if let defs { w.add(defs) }
            var ly = 40.0 + 9
            for row in legendRows {
                var x = plotLeft
                for item in row {
                    switch item.swatch {
                    case let .box(fill, texture):
                        w.add("<rect class=\"legend-swatch\" x=\"\(f(x))\" y=\"\(f(ly - 6))\" width=\"16\" height=\"12\" fill=\"\(fill)\" stroke=\"#333333\" stroke-width=\"0.8\"/>")
                        if let texture {
                            w.add("<rect class=\"texture\" x=\"\(f(x))\" y=\"\(f(ly - 6))\" width=\"16\" height=\"12\" fill=\"url(#\(texture))\"/>")
                        }
                    case let .line(color, dashed, m):
                        w.add("<line class=\"legend-swatch\" x1=\"\(f(x - 2))\" y1=\"\(f(ly))\" x2=\"\(f(x + 18))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"4 3\"" : "")/>")
                        w.add(marker(m, x: x + 8, y: ly, color: color, cls: "legend-marker"))
                    }
                    w.add(text(x: x + 22, y: ly + 4, item.label, size: tickSize, anchor: "start", cls: "legend-label"))
                    x += item.width
                }
                ly += 18
            }
            // Gridlines and y ticks.
            for i in 0...scale.count {
                let y = self.y(scale.step * Double(i))
                w.add("<line class=\"grid\" x1=\"\(f(plotLeft))\" y1=\"\(f(y))\" x2=\"\(f(plotLeft + plotWidth))\" y2=\"\(f(y))\" stroke=\"#DDDDDD\" stroke-width=\"1\"/>")
                w.add(text(x: plotLeft - 6, y: y + 4, scale.label(i), size: tickSize, anchor: "end", cls: "ytick"))
            }
            // Axis titles.
            let mx = max(16, plotLeft - 6 - tickWidth - 10), my = plotTop + plotHeight / 2
            w.add(text(x: mx, y: my, yLabel, size: labelSize, cls: "axis-title", extra: " transform=\"rotate(-90 \(f(mx)) \(f(my)))\""))
            if let xLabel {
                w.add(text(x: plotLeft + plotWidth / 2, y: height - 12, xLabel, size: labelSize, cls: "axis-title"))
            }
            return w
        }
    }

    /// The output, one element a line.
    struct Writer {
        var lines: [String] = []
        mutating func add(_ s: String) { lines.append(s) }

        mutating func header(width: Double, height: Double, title: String) {
            add("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"\(fontFamily)\" role=\"img\">")
            add("<title>\(escape(title))</title>")
            add("<rect class=\"background\" x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>")
            add(text(x: width / 2, y: 26, title, size: titleSize, cls: "title", extra: " font-weight=\"bold\""))
        }

        mutating func valueLabel(_ s: String, cx: Double, top: Double, rotated: Bool) {
            if rotated {
                add(text(x: cx, y: top - 3, s, size: smallSize, anchor: "start", fill: "#333333", cls: "value",
                         extra: " dy=\"0.35em\" transform=\"rotate(-90 \(f(cx)) \(f(top - 3)))\""))
            } else {
                add(text(x: cx, y: top - 3, s, size: smallSize, fill: "#333333", cls: "value"))
            }
        }

        mutating func referenceLine(_ r: (value: Double, label: String)?, frame: Frame) {
            guard let r, drawable(r.value), r.value <= frame.scale.top else { return }
            let y = frame.y(r.value), right = frame.plotLeft + frame.plotWidth
            add("<line class=\"reference\" x1=\"\(f(frame.plotLeft))\" y1=\"\(f(y))\" x2=\"\(f(right))\" y2=\"\(f(y))\" stroke=\"#000000\" stroke-width=\"1.2\" stroke-dasharray=\"5 3\"/>")
            if !r.label.isEmpty {
                add(text(x: right - 4, y: y - 4, r.label, size: 10, anchor: "end", cls: "reference-label",
                         extra: " stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\""))
            }
        }

        /// The axes and category labels, then the closing tag.
        mutating func finish(frame: Frame) -> String {
            let left = frame.plotLeft, right = frame.plotLeft + frame.plotWidth, axisY = frame.axisY
            add("<line class=\"axis\" x1=\"\(f(left))\" y1=\"\(f(frame.plotTop))\" x2=\"\(f(left))\" y2=\"\(f(axisY))\" stroke=\"#333333\" stroke-width=\"1\"/>")
            add("<line class=\"axis\" x1=\"\(f(left))\" y1=\"\(f(axisY))\" x2=\"\(f(right))\" y2=\"\(f(axisY))\" stroke=\"#333333\" stroke-width=\"1\"/>")
            let ly = axisY + frame.seriesBand + 6
            for (i, c) in frame.categories.enumerated() {
                let x = frame.center(i)
                add("<line class=\"xtick-mark\" x1=\"\(f(x))\" y1=\"\(f(axisY))\" x2=\"\(f(x))\" y2=\"\(f(axisY + 4))\" stroke=\"#333333\" stroke-width=\"1\"/>")
                if frame.rotateX {
                    add(text(x: x, y: ly, c, size: tickSize, anchor: "end", cls: "xtick",
                             extra: " dy=\"0.35em\" transform=\"rotate(-45 \(f(x)) \(f(ly)))\""))
                } else {
                    add(text(x: x, y: ly + tickSize, c, size: tickSize, cls: "xtick"))
                }
            }
            add("</svg>")
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// A valid chart with only the title and "no data".
    static func noData(title: String) -> String {
        var w = Writer()
        let width = minWidth, height = 160.0
        w.header(width: width, height: height, title: title)
        w.add(text(x: width / 2, y: 95, "no data", size: 14, fill: "#666666", cls: "no-data"))
        w.add("</svg>")
        return w.lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Helpers

    static let textureDefs = """
        <defs>
        <pattern id="svgchart-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2.5"/></pattern>
        <pattern id="svgchart-dots" width="5" height="5" patternUnits="userSpaceOnUse"><circle cx="2.5" cy="2.5" r="1.3" fill="#ffffff"/></pattern>
        <pattern id="svgchart-cross" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><path d="M0 0V6M0 0H6" stroke="#ffffff" stroke-width="1.6" fill="none"/></pattern>
        </defs>
        """

    /// The texture of the `s`-th series of a stacked chart: solid, hatched, dotted, cross-hatched, repeating.
    static func texture(_ s: Int) -> String? {
        [nil, "svgchart-hatch", "svgchart-dots", "svgchart-cross"][s % 4]
    }

    static func color(_ i: Int) -> String { palette[i % palette.count] }

    /// A marker: circle, square, triangle or diamond by `shape` (repeating), white-edged.
    static func marker(_ shape: Int, x: Double, y: Double, color: String, cls: String) -> String {
        let style = "fill=\"\(color)\" stroke=\"#ffffff\" stroke-width=\"1\""
        switch shape % 4 {
        case 0: return "<circle class=\"\(cls)\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"4.0\" \(style)/>"
        case 1: return "<path class=\"\(cls)\" d=\"M\(f(x - 3.5)) \(f(y - 3.5))h7.0v7.0h-7.0z\" \(style)/>"
        case 2: return "<path class=\"\(cls)\" d=\"M\(f(x)) \(f(y - 4.5))L\(f(x + 4.5)) \(f(y + 3.5))L\(f(x - 4.5)) \(f(y + 3.5))z\" \(style)/>"
        default: return "<path class=\"\(cls)\" d=\"M\(f(x)) \(f(y - 5))L\(f(x + 5)) \(f(y))L\(f(x)) \(f(y + 5))L\(f(x - 5)) \(f(y))z\" \(style)/>"
        }
    }

    static func text(x: Double, y: Double, _ s: String, size: Double, anchor: String = "middle", fill: String = "#222222",
                     cls: String, extra: String = "") -> String {
        "<text class=\"\(cls)\" x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\"\(extra)>\(escape(s))</text>"
    }

    /// A value worth drawing: finite and not negative.
    static func drawable(_ v: Double) -> Bool { v.isFinite && v >= 0 }

    /// A coordinate: one decimal, never "-0.0", "nan" or "inf".
    static func f(_ v: Double) -> String {
        guard v.isFinite else { return "0.0" }
        let s = String(format: "%.1f", v)
        return s == "-0.0" ? "0.0" : s
    }

    /// A data value for labels and tooltips: three significant digits up to 1000, whole numbers above.
    static func valueText(_ v: Double) -> String {
        guard v.isFinite else { return "n/a" }
        let a = abs(v)
        let s = String(format: a < 10 ? "%.2f" : a < 100 ? "%.1f" : "%.0f", v)
        return s.hasPrefix("-") && s.allSatisfy { "-0.".contains($0) } ? String(s.dropFirst()) : s
    }

    /// An estimate of a text's width in pixels (no font metrics: 0.6 em a character).
    static func textWidth(_ s: String, _ size: Double) -> Double { Double(s.count) * size * 0.6 }

    /// `s` as XML character data or attribute value: `&`, `<`, `>`, `"`, `'` escaped, line breaks and tabs
    /// made spaces, other characters XML 1.0 forbids dropped.
    public static func escape(_ s: String) -> String {
        var r = ""
        r.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            case "'": r += "&apos;"
            case "\t", "\n", "\r": r += " "
            default:
                if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF { continue }
                r.unicodeScalars.append(u)
            }
        }
        return r
    }
}
