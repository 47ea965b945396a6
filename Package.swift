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
        .library(name: "Formats", targets: ["Formats"]),
        .library(name: "Compiler", targets: ["Compiler"]),
        .library(name: "Cosim", targets: ["Cosim"]),
        .library(name: "Flow", targets: ["Flow"]),
        .library(name: "Workloads", targets: ["Workloads"]),
        .library(name: "Designs", targets: ["Designs"]),
        .executable(name: "hwgen", targets: ["hwgen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // Bit layouts shared by the hardware, the golden model and the compiler (a leaf).
        .target(name: "Formats"),
        // The DSL, IR, elaboration checks and the Verilog emitter. Knows nothing about sparsity.
        .target(name: "HWCore"),
        // Reusable hardware blocks built on HWCore.
        .target(name: "HWLib", dependencies: ["HWCore", "Formats"]),
        // The accelerator generators and their config structs.
        .target(name: "SparseAccel", dependencies: ["HWCore", "HWLib", "Formats"]),
        // Golden models, written independently of the RTL (must not import HWCore).
        .target(name: "SparseModel", dependencies: ["Formats"]),
        // Workloads -> what the hardware consumes: tile schedules, later instruction and DMA streams.
        .target(name: "Compiler", dependencies: ["SparseModel", "Formats"]),
        // The shared PRNG, random tensors and exact comparators of tests, workloads and benchmarks.
        .target(name: "TestSupport", dependencies: ["SparseModel"]),
        // The EDA tool runners (Verilator lint, iverilog, yosys, later nextpnr) and their parsed
        // reports; knows Verilog text, not a design's internals.
        .target(name: "Flow"),
        // Running emitted designs on simulators (Verilator, iverilog): simulation only.
        .target(name: "Cosim", dependencies: ["HWCore", "Formats", "Flow"]),
        // Workloads run on generated designs: stimulus and expectations from the golden model,
        // executed and compared by Cosim.
        .target(name: "Workloads", dependencies: ["HWCore", "SparseAccel", "SparseModel", "Formats", "Compiler", "Cosim", "TestSupport"]),
        // The one design registry: name, knobs and defaults, typed config, builder, workloads.
        .target(name: "Designs", dependencies: ["HWCore", "Formats", "SparseAccel", "Workloads", "Cosim"]),
        .executableTarget(
            name: "hwgen",
            dependencies: [
                "HWCore", "SparseAccel", "SparseModel", "Formats", "Cosim", "Flow", "Workloads", "Designs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Benchmarks (run by Scripts/bench-cosim): co-simulation speed and build times.
        .executableTarget(name: "hwgen-bench", dependencies: ["HWCore", "HWLib", "Formats", "SparseAccel", "SparseModel", "Cosim", "Flow", "Workloads", "Designs", "TestSupport"]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats"]),
        .testTarget(name: "FlowTests", dependencies: ["Flow"]),
        .testTarget(name: "HWCoreTests", dependencies: ["Flow", "HWCore", "Cosim", "TestSupport"]),
        .testTarget(name: "HWLibTests", dependencies: ["Flow", "HWLib", "HWCore", "Cosim", "SparseModel", "Formats", "TestSupport"]),
        .testTarget(name: "SparseAccelTests", dependencies: ["Flow", "SparseAccel", "HWCore", "Cosim", "Designs", "Compiler", "SparseModel", "TestSupport"]),
        .testTarget(name: "SparseModelTests", dependencies: ["SparseModel", "Formats", "TestSupport"]),
        .testTarget(name: "CompilerTests", dependencies: ["Compiler", "SparseModel", "Formats", "TestSupport"]),
        .testTarget(name: "CosimTests", dependencies: ["Flow", "Cosim", "HWCore", "TestSupport"]),
        .testTarget(name: "WorkloadsTests", dependencies: ["Flow", "Workloads", "Cosim", "SparseAccel", "HWLib", "SparseModel", "Formats", "TestSupport"]),
        .testTarget(name: "hwgenTests", dependencies: [
            "hwgen", "SparseAccel", "HWCore", "Designs", "TestSupport",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "DesignsTests", dependencies: ["Designs", "SparseAccel", "HWCore", "Flow"]),
    ]
)
