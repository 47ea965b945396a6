import Foundation

/// The technology `hwgen synth` maps a design to: an FPGA family yosys has a script for, or
/// yosys's generic gate library.
public enum SynthTarget: String, CaseIterable, Codable, Sendable {
    case ecp5, ice40, xilinx, generic

    /// The yosys synthesis command for `top`. `flatten: false` keeps the hierarchy, so each
    /// unique module (one PE of an array) is mapped once: seconds instead of minutes, and a
    /// per-module table. Place and route needs the flat netlist (`flatten: true`).
    public func yosysCommand(top: String, flatten: Bool) -> String {
        switch self {
        // synth_ecp5 and synth_ice40 flatten unless told not to; synth_xilinx and synth do not
        // flatten unless told to.
        case .ecp5: return "synth_ecp5 -top \(top)" + (flatten ? "" : " -noflatten")
        case .ice40: return "synth_ice40 -top \(top)" + (flatten ? "" : " -noflatten")
        case .xilinx: return "synth_xilinx -top \(top)" + (flatten ? " -flatten" : "")
        case .generic: return "synth -top \(top)" + (flatten ? " -flatten" : "")
        }
    }

    /// The default part of `--pnr` (nil: no place-and-route tool for this target here).
    public var defaultPart: FPGAPart? {
        switch self {
        case .ecp5: return FPGAPart.ecp5.first { $0.name == "LFE5UM-85F" }
        case .ice40: return FPGAPart.ice40.first { $0.name == "iCE40HX8K" }
        case .xilinx, .generic: return nil
        }
    }

    /// The parts `--part` accepts for this target.
    public var parts: [FPGAPart] {
        switch self {
        case .ecp5: return FPGAPart.ecp5
        case .ice40: return FPGAPart.ice40
        case .xilinx, .generic: return []
        }
    }

    /// Parses `--target`; a ``SynthError`` lists the targets.
    public static func parse(_ text: String) throws -> SynthTarget {
        guard let t = SynthTarget(rawValue: text.lowercased()) else {
            throw SynthError("unknown target '\(text)' (targets: \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return t
    }
}

/// A bad request or a failed run of the FPGA flow, as one line.
public struct SynthError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
