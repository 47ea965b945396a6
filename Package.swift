// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "hwgen",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "HWCore", targets: ["HWCore"]),
        .library(name: "HWLib", targets: ["HWLib"]),
        .library(name: "SparseAccel", targets: ["SparseAccel"]),
        .library(name: "SparseModel", targets: ["SparseModel"]),
        .library(name: "Cosim", targets: ["Cosim"]),
        .library(name: "Workloads", targets: ["Workloads"]),
        .executable(name: "hwgen", targets: ["hwgen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The DSL, IR, elaboration checks and the Verilog emitter. Knows nothing about sparsity.
        .target(name: "HWCore"),
        // Reusable hardware blocks built on HWCore.
        .target(name: "HWLib", dependencies: ["HWCore"]),
        // The accelerator generators and their config structs.
        .target(name: "SparseAccel", dependencies: ["HWCore", "HWLib"]),
        // Golden models, written independently of the RTL (must not import HWCore).
        .target(name: "SparseModel"),
        // Running emitted designs on simulators (Verilator, iverilog) and EDA tools.
        .target(name: "Cosim", dependencies: ["HWCore"]),
        // Workloads run on generated designs: stimulus and expectations from the golden model,
        // executed and compared by Cosim.
        .target(name: "Workloads", dependencies: ["HWCore", "SparseAccel", "SparseModel", "Cosim"]),
        .executableTarget(
            name: "hwgen",
            dependencies: [
                "HWCore", "SparseAccel", "SparseModel", "Cosim", "Workloads",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Benchmarks (run by Scripts/bench-cosim): co-simulation speed and build times.
        .executableTarget(name: "hwgen-bench", dependencies: ["HWCore", "SparseAccel", "SparseModel", "Cosim", "Workloads"]),
        .testTarget(name: "HWCoreTests", dependencies: ["HWCore", "Cosim"]),
        .testTarget(name: "HWLibTests", dependencies: ["HWLib", "HWCore", "Cosim", "SparseModel"]),
        .testTarget(name: "SparseAccelTests", dependencies: ["SparseAccel", "HWCore", "Cosim"]),
        .testTarget(name: "SparseModelTests", dependencies: ["SparseModel"]),
        .testTarget(name: "CosimTests", dependencies: ["Cosim", "HWCore"]),
        .testTarget(name: "WorkloadsTests", dependencies: ["Workloads", "Cosim", "SparseAccel", "SparseModel"]),
        .testTarget(name: "hwgenTests", dependencies: ["hwgen", "SparseAccel", "HWCore"]),
    ]
)
