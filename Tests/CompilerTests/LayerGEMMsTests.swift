import Compiler
import Foundation
import Formats
import SparseModel
import TestSupport
import Testing

@Suite struct LayerGEMMsTests {
    private static let p28 = try! NMPattern(n: 2, m: 8)

    private static let layers: [(LayerSpec, Int)] = [
        (try! .conv(inChannels: 16, outChannels: 8, height: 6, width: 5, kernelSize: 3, stride: 2, padding: 1), 2),
        (try! .conv(inChannels: 8, outChannels: 16, height: 5, width: 5, kernelSize: 3, stride: 1, padding: 1), 1),
        (try! .conv(inChannels: 3, outChannels: 8, height: 7, width: 7, kernelSize: 5, stride: 2, padding: 2), 2),
        (try! .conv(inChannels: 8, outChannels: 8, height: 4, width: 4, kernelSize: 1, stride: 2, padding: 0), 3),
        (try! .conv(inChannels: 6, outChannels: 5, height: 5, width: 4, kernelSize: 2, stride: 1, padding: 1), 1),
        (try! .fullyConnected(inFeatures: 32, outFeatures: 16), 3),
        (try! .fullyConnected(inFeatures: 10, outFeatures: 3), 2),
    ]

    private func tensor(_ s: TensorShape, _ rng: inout SplitMix64) -> Tensor4 {
        try! Tensor4(shape: s) { _, _, _, _ in rng.signed(bits: 8) }
    }

    @Test func shapesFollowTheLayer() throws {
        let l = try LayerSpec.conv(inChannels: 16, outChannels: 32, height: 8, width: 6, kernelSize: 3, stride: 2, padding: 1)
        let plan = try LayerGEMMPlan(layer: l, batch: 2, options: LayerTrainingOptions(pattern: Self.p28))
        #expect(plan.sparsity == .sparse(Self.p28))
        #expect(plan.forward == GEMMShape(phase: .forward, rows: 32, reduction: 144, cols: 2 * 4 * 3, pattern: Self.p28,
                                          axis: .forwardReduction(.channelsInnermost)))
        #expect(plan.backwardData == GEMMShape(phase: .backwardData, rows: 16, reduction: 288, cols: 2 * 8 * 6, pattern: Self.p28,
                                               axis: .outputChannels))
        #expect(plan.weightGradient == GEMMShape(phase: .weightGradient, rows: 32, reduction: 24, cols: 144, pattern: nil, axis: nil))
        #expect(plan.all.map(\.phase) == [.forward, .backwardData, .weightGradient])
        #expect(plan.forward.description == "forward: 32x144 · 144x24, A 2:8 along forward reduction (channelsInnermost)")
        #expect(plan.backwardData!.description == "backwardData: 16x288 · 288x96, A 2:8 along Co")
        #expect(plan.weightGradient.description == "weightGradient: 32x24 · 24x144, dense")
        // The MAC counts agree with the golden model's.
        let macs = LayerTraining.macs(layer: l, batch: 2, options: plan.options)
        #expect(plan.forward.denseMACs == macs.forward.gemm && plan.forward.issuedMACs == macs.forward.issued)
        #expect(plan.backwardData!.denseMACs == macs.backwardData.gemm && plan.backwardData!.issuedMACs == macs.backwardData.issued)
        #expect(plan.weightGradient.issuedMACs == macs.weightGradient.issued)

        let first = try LayerGEMMPlan(layer: l, batch: 1, options: LayerTrainingOptions(pattern: Self.p28, computeInputGradient: false))
        #expect(first.backwardData == nil && first.all.map(\.phase) == [.forward, .weightGradient])
        #expect(throws: CompileError("this plan computes no dX")) { try first.dX(fromResult: Matrix(rows: 16, cols: 48, repeating: 0)) }
        let dense = try LayerGEMMPlan(layer: l, batch: 1, options: LayerTrainingOptions(pattern: Self.p28, keepDense: true))
        #expect(dense.forward.pattern == nil && dense.forward.axis == nil && dense.backwardData!.pattern == nil)
        #expect(throws: CompileError("a layer's GEMMs need a batch ≥ 1, got 0")) {
            try LayerGEMMPlan(layer: l, batch: 0, options: LayerTrainingOptions())
        }
    }

    /// The three GEMMs, computed from their streamed operands and mapped back to tensors, are the
    /// golden step's Y, dX and dW, for sparse and dense layers, both orders and both Mb sources.
    @Test func gemmsReproduceTheGoldenStep() throws {
        var rng = SplitMix64(seed: 0xC0_3B11)
        for (layer, batch) in Self.layers {
            let master = try ConvWeights<Int64>(outChannels: layer.outChannels, inChannels: layer.inChannels, kernelSize: layer.kernelSize) { _, _, _, _ in
                rng.signed(bits: 16)
            }
            let x = tensor(layer.inputShape(batch: batch), &rng), dY = tensor(layer.outputShape(batch: batch), &rng)
            for pattern in [Self.p28, try NMPattern(n: 1, m: 4), nil] as [NMPattern?] {
                for order in ReductionOrder.allCases {
                    for source in BackwardMaskSource.allCases {
                        let options = LayerTrainingOptions(pattern: pattern, reductionOrder: order, backwardMaskSource: source, accWidth: 20)
                        let step = try LayerTraining.step(layer: layer, master: master, x: x, dY: dY, options: options)
                        let gemms = try LayerGEMMs(weights: step.used, x: x, dY: dY, options: options)
                        let plan = gemms.plan
                        for g in gemms.all {
                            #expect(g.a.rows == g.shape.rows && g.a.cols == g.shape.reduction)
                            #expect(g.b.rows == g.shape.reduction && g.b.cols == g.shape.cols)
                            #expect(g.a.isSparse == (g.shape.pattern != nil), "\(g.shape)")
                            if case .sparse(let c) = g.a { #expect(c.pattern == g.shape.pattern) }
                        }
                        let y = try gemms.forward.reference(accWidth: 20)
                        let dx = try gemms.backwardData!.reference(accWidth: 20)
                        let dw = try gemms.weightGradient.reference(accWidth: 20)
                        #expect(try plan.y(fromResult: y) == step.y, "\(layer) \(options)")
                        #expect(try plan.dX(fromResult: dx) == step.dX!, "\(layer) \(options)")
                        #expect(try plan.dW(fromResult: dw) == step.dW, "\(layer) \(options)")
                        // The element maps name the same tensor elements.
                        for r in 0..<y.rows {
                            for c in 0..<y.cols {
                                let e = plan.forwardElement(row: r, col: c)
                                #expect(step.y[e.b, e.h, e.w, e.c] == y[r, c])
                            }
                        }
                        for r in 0..<dx.rows {
                            for c in 0..<dx.cols {
                                let e = plan.backwardDataElement(row: r, col: c)
                                #expect(step.dX![e.b, e.h, e.w, e.c] == dx[r, c])
                            }
                        }
                        for r in 0..<dw.rows {
                            for c in 0..<dw.cols {
                                let e = plan.weightGradientElement(row: r, col: c)
                                #expect(step.dW[e.co, e.ci, e.kh, e.kw] == dw[r, c])
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func mismatchesThrow() throws {
        let (layer, batch) = Self.layers[0]
        var rng = SplitMix64(seed: 0xC0_3B12)
        let w = try ConvWeights<Int64>(outChannels: layer.outChannels, inChannels: layer.inChannels, kernelSize: layer.kernelSize) { _, _, _, _ in
            rng.signed(bits: 8)
        }
        let x = tensor(layer.inputShape(batch: batch), &rng), dY = tensor(layer.outputShape(batch: batch), &rng)
        let bw = try BDWPWeights(weights: w, layer: layer, sparsity: .sparse(Self.p28), order: .flattened)
        #expect(throws: CompileError(
            "the weights were pruned as sparse 2:8, flattened, Mb from dense; the options ask for sparse 2:8, channelsInnermost, Mb from dense")) {
            try LayerGEMMs(weights: bw, x: x, dY: dY, options: LayerTrainingOptions(pattern: Self.p28))
        }
        #expect(throws: SparseModelError.self) {
            try LayerGEMMs(weights: bw, x: x, dY: x, options: LayerTrainingOptions(pattern: Self.p28, reductionOrder: .flattened))
        }
        let plan = try LayerGEMMPlan(layer: layer, batch: batch, options: LayerTrainingOptions())
        #expect(throws: CompileError("the forward result is 8x5, expected 8x18")) { try plan.y(fromResult: Matrix(rows: 8, cols: 5, repeating: 0)) }
    }

    /// The FF operands are what the SAT array's tile program takes: Wf's compressed rows as the
    /// weight stream, Xcol as the dense operand.
    @Test func forwardOperandsFitASATTile() throws {
        let layer = try LayerSpec.conv(inChannels: 8, outChannels: 4, height: 2, width: 2, kernelSize: 3, padding: 1)
        var rng = SplitMix64(seed: 0xC0_3B13)
        let w = try ConvWeights<Int64>(outChannels: 4, inChannels: 8, kernelSize: 3) { _, _, _, _ in rng.signed(bits: 8) }
        let x = tensor(layer.inputShape(batch: 1), &rng), dY = tensor(layer.outputShape(batch: 1), &rng)
        let p = try NMPattern(n: 1, m: 4)
        let options = LayerTrainingOptions(pattern: p)
        let gemms = try LayerGEMMs(weights: try BDWPWeights(weights: w, layer: layer, sparsity: options.sparsity(for: layer)),
                                   x: x, dY: dY, options: options)
        guard case .sparse(let wf) = gemms.forward.a else { Issue.record("FF operand is dense"); return }
        let target = SATTarget(rows: 4, cols: 4, layout: try NMStreamLayout(pattern: p, valueBits: 8), latency: 1)
        let program = try SATProgram.compile([SATTile(weights: .sparse(wf), x: gemms.forward.b)], on: target)
        #expect(program.sparse && program.valid.filter { $0 }.count == 72 / 4)
    }

    /// DESIGN.md §2: the compiler never imports the hardware side, in its sources or its package
    /// dependencies.
    @Test func compilerIsFreeOfHardwareTypes() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("Sources/Compiler")
        let files = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil).filter { $0.pathExtension == "swift" }
        #expect(files.contains { $0.lastPathComponent == "LayerGEMMs.swift" })
        for f in files {
            let text = try String(contentsOf: f, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("import ") || line.contains(" import ") {
                let module = line.split(separator: " ").last.map(String.init) ?? ""
                #expect(["Formats", "SparseModel", "Foundation"].contains(module), "\(f.lastPathComponent): \(line)")
            }
        }
        let package = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let decl = package.split(separator: "\n").first { $0.contains(#".target(name: "Compiler""#) }
        #expect(decl.map(String.init) == #"        .target(name: "Compiler", dependencies: ["SparseModel", "Formats"]),"#)
    }
}
