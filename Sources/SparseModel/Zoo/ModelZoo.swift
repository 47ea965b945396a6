/// Exact layer lists of real networks for whole-network training-step estimates.
///
/// ImageNet versions are torchvision's definitions (dropout ignored: it has no parameters and no
/// GEMM). CIFAR-10 versions follow the common CIFAR training code; each builder states its choices.
/// Layer names are the PyTorch module paths of the reference definition (torchvision's naming is
/// used for both inputs of a family, so "fc" is ResNet's classifier on CIFAR too).
public enum ModelZoo {
    /// The networks ``network(_:input:)`` knows.
    public static let names = ["alexnet", "vgg16", "resnet18", "resnet50", "small-cnn"]

    /// The network `name` for `input`. Throws for an unknown name (listing the valid ones) and for
    /// small-cnn on ImageNet (it is defined for 32x32 input only).
    public static func network(_ name: String, input: NetworkInput) throws -> Network {
        switch name {
        case "alexnet": try alexNet(input)
        case "vgg16": try vgg16(input)
        case "resnet18": try resNet(name, input, blocks: [2, 2, 2, 2], bottleneck: false)
        case "resnet50": try resNet(name, input, blocks: [3, 4, 6, 3], bottleneck: true)
        case "small-cnn": try smallCNN(input)
        default:
            throw SparseModelError("unknown network \"\(name)\"; valid names: \(names.joined(separator: ", "))")
        }
    }

    /// AlexNet. ImageNet: torchvision's (conv 3→64 11x11/4 p2, maxpool 3/2, conv 64→192 5x5 p2,
    /// maxpool 3/2, convs 192→384→256→256 3x3 p1, maxpool 3/2 to 6x6x256, the adaptive 6x6 average
    /// pool (the identity here), FC 9216→4096→4096→1000, every layer with bias and ReLU).
    ///
    /// CIFAR-10: torchvision's structure cannot run on 32x32 (the 11x11/4 conv and three 3/2 pools
    /// shrink the map below 1x1), so this uses the usual CIFAR adaptation that keeps its five convs
    /// and three FCs: every conv 3x3/1 p1 (3→64, 64→192, 192→384, 384→256, 256→256), 2x2/2 max
    /// pools where torchvision pools (32 → 16 → 8 → 4), then FC 4096→1024→1024→10 (the 4096-wide
    /// FCs scaled down with the 10 classes), all with bias and ReLU.
    static func alexNet(_ input: NetworkInput) throws -> Network {
        var b = NetworkBuilder(name: "alexnet", input: input)
        let imagenet = input == .imagenet
        func pool(_ b: inout NetworkBuilder) throws {
            try b.maxPool(kernel: imagenet ? 3 : 2, stride: 2)
        }
        // The indices are those of torchvision's `features` and `classifier` Sequentials.
        if imagenet {
            try b.conv("features.0", out: 64, kernel: 11, stride: 4, padding: 2, bias: true)
        } else {
            try b.conv("features.0", out: 64, kernel: 3, padding: 1, bias: true)
        }
        b.relu()
        try pool(&b)
        try b.conv("features.3", out: 192, kernel: imagenet ? 5 : 3, padding: imagenet ? 2 : 1, bias: true)
        b.relu()
        try pool(&b)
        for (index, out) in [(6, 384), (8, 256), (10, 256)] {
            try b.conv("features.\(index)", out: out, kernel: 3, padding: 1, bias: true)
            b.relu()
        }
        try pool(&b)
        if imagenet { try b.adaptiveAvgPool(to: 6) }
        let hidden = imagenet ? 4096 : 1024
        for index in [1, 4] {
            try b.fullyConnected("classifier.\(index)", out: hidden)
            b.relu()
        }
        try b.fullyConnected("classifier.6", out: input.classes)
        b.softmaxCrossEntropy()
        return try b.build()
    }

    /// VGG-16, configuration D: 13 convs 3x3/1 p1 with bias and ReLU in five stages of 64, 128,
    /// 256, 512, 512 channels, each ending in a 2x2/2 max pool. ImageNet: torchvision's (no batch
    /// norm; 7x7x512 after the pools, the adaptive 7x7 average pool is the identity; FC
    /// 25088→4096→4096→1000 with ReLU). CIFAR-10: kuangliu/pytorch-cifar's VGG('VGG16'): batch norm
    /// after every conv (the convs keep their bias), the pools end at 1x1x512, and the classifier is
    /// one FC 512→10 (its trailing 1x1 average pool is the identity).
    static func vgg16(_ input: NetworkInput) throws -> Network {
        var b = NetworkBuilder(name: "vgg16", input: input)
        let batchNorm = input == .cifar10
        var index = 0  // the module index in `features`: conv, [bn,] relu, …, pool
        for (out, convs) in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)] {
            for _ in 0..<convs {
                try b.conv("features.\(index)", out: out, kernel: 3, padding: 1, bias: true)
                if batchNorm { b.batchNorm() }
                b.relu()
                index += batchNorm ? 3 : 2
            }
            try b.maxPool(kernel: 2, stride: 2)
            index += 1
        }
        if input == .imagenet {
            try b.adaptiveAvgPool(to: 7)
            for index in [0, 3] {
                try b.fullyConnected("classifier.\(index)", out: 4096)
                b.relu()
            }
            try b.fullyConnected("classifier.6", out: input.classes)
        } else {
            try b.fullyConnected("classifier", out: input.classes)
        }
        b.softmaxCrossEntropy()
        return try b.build()
    }

    /// The project's small CNN, for 32x32 input only: three stages of conv 3x3/1 p1 (3→16, 16→32,
    /// 32→64) with bias, ReLU and a 2x2/2 max pool (32 → 16 → 8 → 4), then FC 1024→10 with bias.
    static func smallCNN(_ input: NetworkInput) throws -> Network {
        guard input == .cifar10 else {
            throw SparseModelError("small-cnn is defined for cifar10 input only (3x32x32, 10 classes), got \(input.rawValue)")
        }
        var b = NetworkBuilder(name: "small-cnn", input: input)
        for (i, out) in [16, 32, 64].enumerated() {
            try b.conv("conv\(i + 1)", out: out, kernel: 3, padding: 1, bias: true)
            b.relu()
            try b.maxPool(kernel: 2, stride: 2)
        }
        try b.fullyConnected("fc", out: input.classes)
        b.softmaxCrossEntropy()
        return try b.build()
    }
}
