import Foundation
import SparseModel
import Testing

@Suite struct ZooTests {
    /// Every (name, input) pair the zoo defines.
    private static let all: [(String, NetworkInput)] =
        ModelZoo.names.flatMap { name in
            NetworkInput.allCases.filter { name != "small-cnn" || $0 == .cifar10 }.map { (name, $0) }
        }

    /// Trainable parameters of the ImageNet versions as torchvision publishes them (the model
    /// docs' "Params" column, i.e. sum(p.numel() for p in model.parameters()): BN's weight and bias
    /// count, its running statistics do not). CIFAR-10: the totals torchsummary prints for
    /// kuangliu/pytorch-cifar's ResNet18, ResNet50 and VGG('VGG16'), recomputed by hand from those
    /// definitions; alexnet and small-cnn (the zoo's own definitions) summed by hand per layer:
    /// alexnet 1,792 + 110,784 + 663,936 + 884,992 + 590,080 + 4,195,328 + 1,049,600 + 10,250;
    /// small-cnn 448 + 4,640 + 18,496 + 10,250.
    @Test(arguments: [
        ("resnet18", NetworkInput.imagenet, 11_689_512), ("resnet50", .imagenet, 25_557_032),
        ("vgg16", .imagenet, 138_357_544), ("alexnet", .imagenet, 61_100_840),
        ("resnet18", .cifar10, 11_173_962), ("resnet50", .cifar10, 23_520_842), ("vgg16", .cifar10, 14_728_266),
        ("alexnet", .cifar10, 7_506_762), ("small-cnn", .cifar10, 33_834),
    ])
    func parameterCounts(name: String, input: NetworkInput, expected: Int) throws {
        #expect(try ModelZoo.network(name, input: input).parameterCount == expected)
    }

    /// Forward MACs per sample (conv and FC only) of the ImageNet versions, against the GFLOPS
    /// column of torchvision's model docs (counted by fvcore, where a FLOP is a multiply-add):
    /// alexnet 0.71, vgg16 15.47, resnet18 1.81, resnet50 4.09. The third digit was checked by a
    /// hand count, e.g. AlexNet: 64·363·55² + 192·1600·27² + 384·1728·13² + 256·3456·13²
    /// + 256·2304·13² + 9216·4096 + 4096² + 4096·1000 = 714,188,480.
    @Test(arguments: [
        ("resnet18", 1.814e9), ("resnet50", 4.09e9), ("vgg16", 15.47e9), ("alexnet", 0.714e9),
    ])
    func imagenetForwardMACs(name: String, published: Double) throws {
        let macs = Double(try ModelZoo.network(name, input: .imagenet).forwardMACs)
        #expect(abs(macs - published) / published < 0.01, "\(name): \(macs) MACs")
    }

    /// The AlexNet hand count above, exactly.
    @Test func alexNetMACsExact() throws {
        #expect(try ModelZoo.network("alexnet", input: .imagenet).forwardMACs == 714_188_480)
    }

    /// The layer a layer reads: the previous layer in list order, except that a downsample conv
    /// reads its block's input, which is what the block's conv1 reads.
    private func producers(_ net: Network) -> [String: NetworkLayer?] {
        var result: [String: NetworkLayer?] = [:]
        var previous: NetworkLayer?
        for layer in net.layers {
            if layer.name.hasSuffix(".downsample.0") {
                let conv1 = layer.name.replacingOccurrences(of: "downsample.0", with: "conv1")
                result[layer.name] = result[conv1] ?? nil
            } else {
                result[layer.name] = previous
                previous = layer
            }
        }
        return result
    }

    /// Each layer reads what its producer (through the pools after it) writes: conv channels match,
    /// the spatial size matches (or, after a pool, the input holds the pool's output elements), an
    /// FC's features are the flattened map; the first layer reads the image.
    @Test(arguments: all)
    func shapesChain(name: String, input: NetworkInput) throws {
        let net = try ModelZoo.network(name, input: input)
        #expect(Set(net.layers.map(\.name)).count == net.layers.count, "layer names are unique")
        let producer = producers(net)
        for layer in net.layers {
            let s = layer.spec
            let inputElements = s.inChannels * s.inHeight * s.inWidth
            guard let p = producer[layer.name] ?? nil else {
                #expect(layer.name == net.layers.first?.name)
                #expect(s.inChannels == 3 && s.inHeight == input.side && s.inWidth == input.side)
                continue
            }
            let pool = net.hostOps.last { $0.after == p.name && ($0.kind == .maxPool || $0.kind == .avgPool) }
            let produced = p.spec.outChannels * p.spec.outHeight * p.spec.outWidth
            #expect(inputElements == pool?.elements ?? produced, "\(name) \(layer.name) reads \(p.name)")
            if s.kind == .conv {
                #expect(s.inChannels == p.spec.outChannels, "\(name) \(layer.name) channels")
                if pool == nil { #expect(s.inHeight == p.spec.outHeight && s.inWidth == p.spec.outWidth) }
            }
        }
        // A residual add sums the output of the layer it follows (the block's last conv or its
        // downsample), so their sizes agree.
        for op in net.hostOps where op.kind == .residualAdd {
            let after = try #require(net.layers.first { $0.name == op.after })
            #expect(op.elements == after.spec.outChannels * after.spec.outHeight * after.spec.outWidth)
        }
    }

    /// ResNet stage output sizes: 56/28/14/7 on ImageNet (after the stem's stride 2 and max pool),
    /// 32/16/8/4 on CIFAR (no downsampling stem); widths 64..512 times the expansion.
    @Test(arguments: [("resnet18", 1), ("resnet50", 4)])
    func resNetStages(name: String, expansion: Int) throws {
        for (input, sides) in [(NetworkInput.imagenet, [56, 28, 14, 7]), (.cifar10, [32, 16, 8, 4])] {
            let net = try ModelZoo.network(name, input: input)
            for (stage, side) in sides.enumerated() {
                let last = try #require(net.layers.last { $0.name.hasPrefix("layer\(stage + 1).") })
                #expect(last.spec.outHeight == side && last.spec.outWidth == side)
                #expect(last.spec.outChannels == (64 << stage) * expansion)
            }
            // One downsample per stage except ResNet-18's first (64 → 64 at stride 1).
            let downsamples = net.layers.filter { $0.name.hasSuffix("downsample.0") }.map(\.name)
            #expect(downsamples == (expansion == 1 ? [2, 3, 4] : [1, 2, 3, 4]).map { "layer\($0).0.downsample.0" })
        }
    }

    /// Exactly the first conv and the last FC are dense, the first layer alone skips dX, and the
    /// classifier has one output per class.
    @Test(arguments: all)
    func denseLayersAndClasses(name: String, input: NetworkInput) throws {
        let net = try ModelZoo.network(name, input: input)
        let first = try #require(net.layers.first), last = try #require(net.layers.last)
        #expect(first.spec.kind == .conv && last.spec.kind == .fullyConnected)
        #expect(last.spec.outChannels == (input == .imagenet ? 1000 : 10))
        #expect(net.layers.filter(\.dense).map(\.name) == [first.name, last.name])
        #expect(first.denseReason == "first conv layer (Ci = 3): N:M training recipes keep it dense")
        #expect(last.denseReason == "last FC layer (classifier): kept dense")
        #expect(net.layers.filter { $0.denseReason != nil }.count == 2)
        #expect(net.layers.filter { !$0.needsInputGradient }.map(\.name) == [first.name])
        #expect(net.hostOps.last?.kind == .softmaxCrossEntropy && net.hostOps.last?.elements == last.spec.outChannels)
    }

    /// Layer counts as the definitions have them: ResNet-18 1 + 16 + 3 downsample + fc, ResNet-50
    /// 1 + 48 + 4 + fc, VGG-16 13 + 3 (CIFAR: 13 + 1), AlexNet 5 + 3.
    @Test func layerCounts() throws {
        let expected: [String: [NetworkInput: Int]] = [
            "resnet18": [.imagenet: 21, .cifar10: 21], "resnet50": [.imagenet: 54, .cifar10: 54],
            "vgg16": [.imagenet: 16, .cifar10: 14], "alexnet": [.imagenet: 8, .cifar10: 8], "small-cnn": [.cifar10: 4],
        ]
        for (name, input) in Self.all {
            #expect(try ModelZoo.network(name, input: input).layers.count == expected[name]?[input], "\(name) \(input)")
        }
    }

    /// The small CNN's host work at batch 2, counted by hand: ReLUs on 16·32², 32·16², 64·8²
    /// (1 + 1 each), 2x2 max pools to 16·16², 32·8², 64·4² (4 compares + 1 routing each) and
    /// softmax-CE on 10 classes (4 + 1).
    @Test func smallCNNHostOps() throws {
        let net = try ModelZoo.network("small-cnn", input: .cifar10)
        #expect(net.hostOps.map(\.kind) == [.relu, .maxPool, .relu, .maxPool, .relu, .maxPool, .softmaxCrossEntropy])
        let relus = 16_384 + 8_192 + 4_096, pools = 4_096 + 2_048 + 1_024
        let ops = net.hostElementOps(batch: 2)
        #expect(ops.forward == 2 * (relus + 4 * pools + 40))
        #expect(ops.backward == 2 * (relus + pools + 10))
        #expect(net.batchNormChannels == 0)
        #expect(net.layers.map(\.name) == ["conv1", "conv2", "conv3", "fc"])
    }

    /// ResNet-18's batch-norm channels (one BN per conv): 64 + 2·2·64 + (2·2 + 1)·(128 + 256 + 512).
    @Test func resNet18BatchNorm() throws {
        #expect(try ModelZoo.network("resnet18", input: .imagenet).batchNormChannels == 64 + 256 + 5 * 896)
    }

    @Test func namesAndInputsThatDoNotExist() {
        #expect(throws: SparseModelError(
            "unknown network \"resnet34\"; valid names: alexnet, vgg16, resnet18, resnet50, small-cnn")) {
            try ModelZoo.network("resnet34", input: .imagenet)
        }
        #expect(throws: SparseModelError(
            "small-cnn is defined for cifar10 input only (3x32x32, 10 classes), got imagenet")) {
            try ModelZoo.network("small-cnn", input: .imagenet)
        }
    }

    @Test func codableRoundTrip() throws {
        let net = try ModelZoo.network("resnet50", input: .cifar10)
        let decoded = try JSONDecoder().decode(Network.self, from: try JSONEncoder().encode(net))
        #expect(decoded == net)
    }
}
