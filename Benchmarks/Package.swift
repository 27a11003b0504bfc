// swift-tools-version: 6.1
// The benchmarks live in their own package so that the library gains no dependency on ordo-one/benchmark.
import PackageDescription

let package = Package(
  name: "SwiftXenResumeBenchmarks",
  platforms: [.macOS(.v15)],
  dependencies: [
    // Named explicitly: a path dependency's identity is its directory's name, which differs between checkouts.
    .package(name: "SwiftXenResume", path: ".."),
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    // The null host, the workloads and the reference figures, shared by the benchmarks and the tools.
    // The core and the simulator only, not the SwiftXenResume umbrella: nothing here needs libxen-dev.
    .target(
      name: "BenchmarkSupport",
      dependencies: [
        .product(name: "XenResumeCore", package: "SwiftXenResume"),
        .product(name: "XenSimulator", package: "SwiftXenResume"),
        .product(name: "SystemPackage", package: "swift-system"),
        .product(name: "CoreMetrics", package: "swift-metrics"),
      ]
    ),
    // Controller overhead: every benchmark over NullXenHost.
    .executableTarget(
      name: "ControllerOverhead",
      dependencies: ["BenchmarkSupport", .product(name: "Benchmark", package: "benchmark")],
      path: "Benchmarks/ControllerOverhead",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
    // End to end: the same benchmarks over XenSimulator.
    .executableTarget(
      name: "EndToEnd",
      dependencies: ["BenchmarkSupport", .product(name: "Benchmark", package: "benchmark")],
      path: "Benchmarks/EndToEnd",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
    // Host calls per fast cycle, per operation, beside the minimal sequence and libxl's count (markdown).
    .executableTarget(name: "HostCallReport", dependencies: ["BenchmarkSupport"]),
    // The controller's metrics off and on, side by side in one process: time per fast checkpoint and their ratio.
    .executableTarget(name: "MetricsCost", dependencies: ["BenchmarkSupport"]),
    // 10,000 simulated domains, 100,000 cycles, resident memory before, during and after.
    .executableTarget(name: "SimulatorScale", dependencies: ["BenchmarkSupport"]),
    // The randomised soak for long runs: `swift run -c release --package-path Benchmarks Soak --seed N --steps M`.
    .executableTarget(
      name: "Soak",
      dependencies: [
        .product(name: "XenResumeSoak", package: "SwiftXenResume"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Splices the collected figures into README.md between its markers (run by update-readme.sh).
    .executableTarget(name: "ReadmeFigures"),
    // The null host under XenHostConformance's suite, and its own strictness.
    .testTarget(
      name: "BenchmarkSupportTests",
      dependencies: [
        "BenchmarkSupport",
        .product(name: "XenHostConformance", package: "SwiftXenResume"),
        .product(name: "XenResumeCore", package: "SwiftXenResume"),
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)
