extension ModelZoo {
    /// ResNet-18 (BasicBlock, `blocks` [2, 2, 2, 2]) or ResNet-50 (Bottleneck, [3, 4, 6, 3],
    /// expansion 4). Every conv is bias-free and followed by batch norm; the stages have 64, 128,
    /// 256, 512 base channels, stages 2–4 start with stride 2, and a block whose shape changes gets
    /// a 1x1 downsample conv (stride as the block) + BN on its shortcut. A Bottleneck puts the
    /// stride on its 3x3 conv (torchvision's v1.5; kuangliu's CIFAR code does the same).
    ///
    /// ImageNet: torchvision's stem, conv1 7x7/2 p3 (224 → 112) + BN + ReLU + max pool 3/2 p1
    /// (→ 56); stages at 56/28/14/7; global average pool; FC 512·e → 1000 with bias.
    /// CIFAR-10: kuangliu/pytorch-cifar's ResNet18/ResNet50: conv1 3x3/1 p1 to 64 channels + BN +
    /// ReLU, no max pool; stages at 32/16/8/4; a 4x4 average pool (to 1x1); FC 512·e → 10 with bias.
    static func resNet(_ name: String, _ input: NetworkInput, blocks: [Int], bottleneck: Bool) throws -> Network {
        var b = NetworkBuilder(name: name, input: input)
        if input == .imagenet {
            try b.conv("conv1", out: 64, kernel: 7, stride: 2, padding: 3, bias: false)
        } else {
            try b.conv("conv1", out: 64, kernel: 3, padding: 1, bias: false)
        }
        b.batchNorm()
        b.relu()
        if input == .imagenet { try b.maxPool(kernel: 3, stride: 2, padding: 1) }
        let expansion = bottleneck ? 4 : 1
        for (stage, (count, width)) in zip(blocks, [64, 128, 256, 512]).enumerated() {
            for block in 0..<count {
                let prefix = "layer\(stage + 1).\(block)"
                let stride = stage > 0 && block == 0 ? 2 : 1
                let blockInput = b.shape
                if bottleneck {
                    try b.conv("\(prefix).conv1", out: width, kernel: 1, bias: false)
                    b.batchNorm()
                    b.relu()
                    try b.conv("\(prefix).conv2", out: width, kernel: 3, stride: stride, padding: 1, bias: false)
                    b.batchNorm()
                    b.relu()
                    try b.conv("\(prefix).conv3", out: width * expansion, kernel: 1, bias: false)
                    b.batchNorm()
                } else {
                    try b.conv("\(prefix).conv1", out: width, kernel: 3, stride: stride, padding: 1, bias: false)
                    b.batchNorm()
                    b.relu()
                    try b.conv("\(prefix).conv2", out: width, kernel: 3, padding: 1, bias: false)
                    b.batchNorm()
                }
                let mainPath = b.shape
                var shortcut = blockInput
                if stride != 1 || blockInput.channels != width * expansion {
                    // The shortcut reads the block's input, not the main path's output.
                    try b.conv("\(prefix).downsample.0", out: width * expansion, kernel: 1, stride: stride,
                               bias: false, from: blockInput)
                    b.batchNorm()
                    shortcut = b.shape
                }
                try b.residualAdd(mainPath: mainPath, shortcut: shortcut)
                b.relu()
            }
        }
        try b.adaptiveAvgPool(to: 1)
        try b.fullyConnected("fc", out: input.classes)
        b.softmaxCrossEntropy()
        return try b.build()
    }
}
