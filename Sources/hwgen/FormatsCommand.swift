import ArgumentParser
import Formats
import Foundation
import SparseModel
import Workloads

/// `hwgen formats`: the SPS storage study (``PPSStorageStudy``) as a per-layer and total table.
struct FormatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "formats",
        abstract: "Weight and index bits of every conv layer in every sparse format, and the ratios PPS vs each.",
        discussion: """
            Conv layers only; the first layer and non-3x3 kernels stay dense (stored dense in every format). Each cell is \
            value bits / index bits, exact. Formats: dense, bitmap, CSR, CSC, COO, RLE4 (4-bit runs), N:M (M = --nm-m, N the \
            smallest that holds the mask), PPS (packed values + P pattern ids + the L-pattern library as K²-bit masks, per layer).
            """)

    @Option(help: "Network: vgg16 or resnet18 (any zoo network with 3x3 convs works).")
    var model: String

    @Option(help: "Input: imagenet (default) or cifar10 (conv weights do not depend on it; layer shapes do).")
    var input: String = "imagenet"

    @Option(name: .customLong("value-bits"), help: "Bits of one stored weight value, 1...32 (8 or 16 typically; default 8).")
    var valueBits: Int = 8

    @Option(help: "psconv (P=8, 4 of 9, the default), psconv-dense (a dense 3x3 every 8th kernel), or magnitude (per residue class the n-of-9 pattern with the largest sum |w| of seeded random weights).")
    var scheme: String = "psconv"

    @Option(help: "magnitude scheme: the period P (default 8).")
    var period: Int?

    @Option(name: .customLong("pattern-nnz"), help: "magnitude scheme: weights kept per kernel, 1...9 (default 4).")
    var patternNNZ: Int?

    @Option(name: .customLong("nm-m"), help: "M of the N:M format (default 8).")
    var nmM: Int = 8

    @Option(help: "Seed of the magnitude scheme's random weights.")
    var seed: UInt64 = 1

    @Flag(help: "Print one JSON object instead of the tables.")
    var json = false

    func run() throws {
        guard let net = NetworkInput(rawValue: input) else { throw CLIError("--input expects imagenet or cifar10, got '\(input)'") }
        guard (1...32).contains(valueBits) else { throw CLIError("--value-bits must be in 1...32, got \(valueBits)") }
        guard (2...64).contains(nmM) else { throw CLIError("--nm-m must be in 2...64, got \(nmM)") }
        let network = try ModelZoo.network(model, input: net)
        let assign = try PPSStudyScheme(scheme: scheme, period: period, patternNNZ: patternNNZ, seed: seed)
        let formats: [StorageFormat] = [.dense, .bitmap, .csr, .csc, .coo, .runLength, .nm(m: nmM)]
        let study = try PPSStorageStudy(network: network, valueBits: valueBits, formats: formats, assignment: assign.assignment)
        let text = PPSStudyTable(study: study, title: "\(model) (\(input)), \(valueBits)-bit values, \(assign.description)")
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(text.json), as: UTF8.self))
        } else {
            print(text.text, terminator: "")
        }
    }
}

