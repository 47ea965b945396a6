import Foundation

/// A device `--pnr` places and routes on, and how nextpnr is told about it.
public struct FPGAPart: Codable, Sendable, Hashable {
    /// The vendor's device name, e.g. `LFE5UM-85F`.
    public let name: String
    public let target: SynthTarget
    /// nextpnr's device flag, e.g. `--um-85k`.
    public let deviceFlag: String
    /// nextpnr's package name, e.g. `CABGA381`.
    public let package: String
    /// Speed grade (ECP5: 6, the slowest and nextpnr's default, 7 or 8); nil where nextpnr has none.
    public let speed: Int?
    /// User I/O pins of the package; nil where the flow places out of context (ECP5), so pins
    /// do not limit. nextpnr's chip database counts the die's pads, not the package's.
    public let pins: Int?

    /// The name with its speed grade when it has one: `LFE5UM-85F-6`.
    public var fullName: String { speed.map { "\(name)-\($0)" } ?? name }

    /// nextpnr's arguments selecting the device.
    public var nextpnrArguments: [String] {
        [deviceFlag, "--package", package] + (speed.map { ["--speed", "\($0)"] } ?? [])
    }

    /// ECP5 parts (package CABGA381, which every ECP5 density comes in). The UM5G parts exist
    /// only in speed grade 8.
    public static let ecp5: [FPGAPart] = [
        ("LFE5U-25F", "--25k"), ("LFE5U-45F", "--45k"), ("LFE5U-85F", "--85k"),
        ("LFE5UM-25F", "--um-25k"), ("LFE5UM-45F", "--um-45k"), ("LFE5UM-85F", "--um-85k"),
        ("LFE5UM5G-25F", "--um5g-25k"), ("LFE5UM5G-45F", "--um5g-45k"), ("LFE5UM5G-85F", "--um5g-85k"),
    ].map { FPGAPart(name: $0.0, target: .ecp5, deviceFlag: $0.1, package: "CABGA381", speed: $0.0.contains("5G") ? 8 : 6, pins: nil) }

    /// iCE40 parts, each in a package with many pins (nextpnr-ice40 has no out-of-context mode,
    /// so every port of the design needs a pin).
    public static let ice40: [FPGAPart] = [
        FPGAPart(name: "iCE40HX1K", target: .ice40, deviceFlag: "--hx1k", package: "tq144", speed: nil, pins: 96),
        FPGAPart(name: "iCE40HX8K", target: .ice40, deviceFlag: "--hx8k", package: "ct256", speed: nil, pins: 206),
        FPGAPart(name: "iCE40LP8K", target: .ice40, deviceFlag: "--lp8k", package: "cm81", speed: nil, pins: 63),
        FPGAPart(name: "iCE40UP5K", target: .ice40, deviceFlag: "--up5k", package: "sg48", speed: nil, pins: 39),
    ]

    /// Parses `--part` for `target`: a listed name (case-insensitive), on ECP5 optionally with a
    /// speed grade (`LFE5UM-85F-8`). A ``SynthError`` lists the parts.
    public static func parse(_ text: String, target: SynthTarget) throws -> FPGAPart {
        let list = target.parts
        guard !list.isEmpty else {
            throw SynthError("--part applies to targets with place and route (ecp5, ice40), not \(target.rawValue)")
        }
        let names = list.map(\.name).joined(separator: ", ")
        var base = text.uppercased(), speed: Int?
        if target == .ecp5, let dash = base.lastIndex(of: "-"), let s = Int(base[base.index(after: dash)...]) {
            base = String(base[..<dash])
            speed = s
        }
        guard let part = list.first(where: { $0.name.uppercased() == base }) else {
            throw SynthError("unknown \(target.rawValue) part '\(text)' (parts: \(names)\(target == .ecp5 ? ", optionally with a speed grade: LFE5UM-85F-8" : ""))")
        }
        guard let s = speed else { return part }
        let allowed = part.name.contains("5G") ? [8] : [6, 7, 8]
        guard allowed.contains(s) else {
            throw SynthError("\(part.name) has speed grades \(allowed.map(String.init).joined(separator: ", ")), not \(s)")
        }
        return FPGAPart(name: part.name, target: part.target, deviceFlag: part.deviceFlag, package: part.package, speed: s, pins: part.pins)
    }
}
