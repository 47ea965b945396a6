import Foundation
import Formats
import SparseModel

/// The storage study as text tables and JSON: per layer, value / index bits per format; totals;
/// and the ratios of every format to PPS (total storage and index memory).
public struct PPSStudyTable {
    public let study: PPSStorageStudy
    public let title: String

    public init(study: PPSStorageStudy, title: String) {
        self.study = study
        self.title = title
    }

    var names: [String] { study.formats.map(\.description) + ["PPS"] }

    /// Ratio `a / b`, nil when b is 0.
    static func ratio(_ a: Int, _ b: Int) -> Double? { b == 0 ? nil : Double(a) / Double(b) }

    public var text: String {
        var out = "PPS storage study: \(title)\n"
        out += "cells: value bits / index bits (exact); * = PPS-pruned layer, the others are dense in every format\n\n"
        var table = [["layer", "shape", "nnz"] + names]
        for r in study.layers {
            let s = r.spec
            table.append(["\(r.pruned ? "*" : " ")\(r.name)", "\(s.outChannels)x\(s.inChannels)x\(s.kernelSize)x\(s.kernelSize)", "\(r.nonZeros)"]
                + (r.bits + [r.pps]).map { "\($0.values)/\($0.index)" })
        }
        let all = study.totals, pruned = study.prunedTotals
        table.append(["total", "", ""] + (all.formats + [all.pps]).map { "\($0.values)/\($0.index)" })
        table.append(["total pruned", "", ""] + (pruned.formats + [pruned.pps]).map { "\($0.values)/\($0.index)" })
        out += Self.render(table)
        out += "\nratios, format / PPS (all conv layers; pruned layers only in brackets):\n"
        var ratios = [["format", "total storage", "index memory"]]
        for (i, f) in study.formats.enumerated() {
            func fmt(_ x: Double?) -> String { x.map { String(format: "%.2fx", $0) } ?? "n/a" }
            if all.formats[i].index == 0 {
                ratios.append([f.description, "\(fmt(Self.ratio(all.formats[i].total, all.pps.total))) [\(fmt(Self.ratio(pruned.formats[i].total, pruned.pps.total)))]", "none (no index)"])
                continue
            }
            ratios.append([f.description,
                           "\(fmt(Self.ratio(all.formats[i].total, all.pps.total))) [\(fmt(Self.ratio(pruned.formats[i].total, pruned.pps.total)))]",
                           "\(fmt(Self.ratio(all.formats[i].index, all.pps.index))) [\(fmt(Self.ratio(pruned.formats[i].index, pruned.pps.index)))]"])
        }
        out += Self.render(ratios)
        out += "PPS index memory: \(all.pps.index) bits for \(study.layers.filter(\.pruned).count) pruned layers (P pattern ids + the library per layer, independent of the layer's size)\n"
        return out
    }

    static func render(_ rows: [[String]]) -> String {
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { r in
            r.enumerated().map { c, v in c < 2 ? v.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[c] - v.count) + v }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// The study as JSON-encodable values.
    public var json: JSON {
        let all = study.totals, pruned = study.prunedTotals
        return JSON(
            title: title, formats: names,
            layers: study.layers.map { r in
                JSON.Layer(name: r.name, shape: [r.spec.outChannels, r.spec.inChannels, r.spec.kernelSize, r.spec.kernelSize], pruned: r.pruned,
                           nonZeros: r.nonZeros, bits: (r.bits + [r.pps]).map(StorageBitsJSON.init))
            },
            totals: (all.formats + [all.pps]).map(StorageBitsJSON.init),
            prunedTotals: (pruned.formats + [pruned.pps]).map(StorageBitsJSON.init),
            totalRatio: all.formats.map { Self.ratio($0.total, all.pps.total) ?? 0 },
            indexRatio: all.formats.map { Self.ratio($0.index, all.pps.index) ?? 0 })
    }

    public struct JSON: Encodable {
        public struct Layer: Encodable {
            let name: String
            let shape: [Int]
            let pruned: Bool
            let nonZeros: Int
            let bits: [StorageBitsJSON]
        }
        let title: String
        let formats: [String]
        let layers: [Layer]
        let totals: [StorageBitsJSON]
        let prunedTotals: [StorageBitsJSON]
        /// Per non-PPS format: its total bits / PPS's, and its index bits / PPS's.
        let totalRatio: [Double]
        let indexRatio: [Double]
    }

    public struct StorageBitsJSON: Encodable {
        let values: Int
        let index: Int
        init(_ b: Formats.StorageBits) {
            values = b.values
            index = b.index
        }
    }
}
