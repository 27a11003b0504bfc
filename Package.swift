// swift-tools-version: 6.1
import PackageDescription

// Layers, bottom up (each target may import only the ones named in its `dependencies`):
//
//   XenResumeCore      model, the XenHost seam, host-call observers, the waiting primitive, SuspendController.
//                      Pure Swift: builds on Linux and macOS without libxen-dev.
//   XenSimulator       SimulatedXenHost and its guest models, over XenResumeCore only.
//   XenResumeSoak      the randomised soak: random operation sequences against the simulator, the library's
//                      promises checked after every step, failures shrunk (its tests, and Benchmarks' Soak command).
//   XenHostConformance Xen's rules every XenHost must keep, written once, run over any backend.
//   XenResumeLibxen    LibxenHost, the real backend: the only target that imports CXen (Linux, libxen-dev).
//   SwiftXenResume     what a dom0 toolstack imports: re-exports XenResumeCore and XenResumeLibxen.
//   XenResumeCLI       the xen-resume commands as a library, so tests run them in-process.
//   xen-resume         the executable: parses and runs XenResumeCLI's root command.
//   xen-host-conformance  XenHostConformance over LibxenHost, as a dom0 program for the real-Xen harness.
//   XenResumeLifecycle a toolstack daemon's situations (another toolstack on the same guests, a reused domain id)
//                      as scenarios over one SuspendController, any XenHost and an "other toolstack".
//   xen-resume-lifecycle  XenResumeLifecycle over two LibxenHosts and xl, as a dom0 program for the real-Xen harness.
//   DomZeroProcess     dom0's tools as child processes with time limits, and file tails (the dom0 programs share it).
//   RealXenLab         the real-Xen harness's model: the lab table, the plan of results, the scenarios' facts and
//                      their one judge, the report. Pure Swift (FoundationEssentials' JSON), any machine.
//   RealXenDom0        the harness's driver in dom0: boots the guests, runs the scenarios with the tools, records facts;
//                      writes guest memory through LibxenHost (the soft-reset scenario's COLO check).
//   xen-resume-lab     `dom0` (the driver, in the lab's dom0) and `report` (on the host, from the serial log).
let package = Package(
  name: "SwiftXenResume",
  // The core, the simulator and the conformance suite build on macOS 15; the libxen backend (and so the
  // `SwiftXenResume` product and the CLI) only on Linux, where Xen's dom0 runs.
  platforms: [.macOS(.v15)],
  products: [
    // A dom0 toolstack: SuspendController, the model and LibxenHost (needs libxen-dev, Linux only).
    .library(name: "SwiftXenResume", targets: ["SwiftXenResume"]),
    // Any machine: SuspendController, the model and the XenHost seam, without libxen-dev.
    .library(name: "XenResumeCore", targets: ["XenResumeCore"]),
    // Tests on any machine: a simulated Xen host (pair it with XenResumeCore, or SwiftXenResume on a dom0).
    .library(name: "XenSimulator", targets: ["XenSimulator"]),
    // Tests on any machine: the randomised soak of SuspendController over the simulator (Benchmarks' Soak runs it long).
    .library(name: "XenResumeSoak", targets: ["XenResumeSoak"]),
    // Any backend: Xen's rules at the XenHost seam, to run over a simulator, a test double or LibxenHost.
    .library(name: "XenHostConformance", targets: ["XenHostConformance"]),
    .executable(name: "xen-resume", targets: ["xen-resume"]),
    // The xen-resume commands as a library: what the executable runs, and what Tests/Fuzz's `cli-arguments` parses.
    .library(name: "XenResumeCLI", targets: ["XenResumeCLI"]),
    // dom0: the conformance suite over LibxenHost, one JSON result per line (run by the real-Xen harness).
    .executable(name: "xen-host-conformance", targets: ["xen-host-conformance"]),
    // Any backend: the lifecycle scenarios (one controller, another toolstack acting on the same guests).
    .library(name: "XenResumeLifecycle", targets: ["XenResumeLifecycle"]),
    // dom0: the lifecycle scenarios over LibxenHost and xl, one JSON result per line (run by the real-Xen harness).
    .executable(name: "xen-resume-lifecycle", targets: ["xen-resume-lifecycle"]),
    // The real-Xen harness: its dom0 driver and its report (Tests/RealXen).
    .executable(name: "xen-resume-lab", targets: ["xen-resume-lab"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.1.1"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    // `swift package generate-documentation`: the DocC catalogs of XenResumeCore and XenSimulator (CI builds them).
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CXen",
      path: "Modules/CXen",
      pkgConfig: "xencontrol xenguest xenstore xenevtchn xenforeignmemory xentoollog",
      providers: [.apt(["libxen-dev"])]
    ),
    .target(
      name: "XenResumeCore",
      dependencies: [
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    .target(
      name: "XenResumeLibxen",
      dependencies: [
        "CXen",
        "XenResumeCore",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    .target(
      name: "SwiftXenResume",
      dependencies: ["XenResumeCore", "XenResumeLibxen"]
    ),
    .target(
      name: "XenSimulator",
      dependencies: [
        "XenResumeCore",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "SystemPackage", package: "swift-system"),
        .product(name: "DequeModule", package: "swift-collections"),
      ]
    ),
    .target(
      name: "XenResumeSoak",
      dependencies: [
        "XenResumeCore",
        "XenSimulator",
        "SeededRandom",
        .product(name: "Clocks", package: "swift-clocks"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    .target(
      name: "XenHostConformance",
      dependencies: [
        "XenResumeCore",
        .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    .executableTarget(
      name: "xen-host-conformance",
      dependencies: ["SwiftXenResume", "XenHostConformance"]
    ),
    .target(
      name: "XenResumeLifecycle",
      dependencies: ["XenResumeCore"]
    ),
    .executableTarget(
      name: "xen-resume-lifecycle",
      dependencies: ["SwiftXenResume", "XenResumeLifecycle", "DomZeroProcess"]
    ),
    .target(name: "DomZeroProcess"),
    // SplitMix64, for what must replay from a seed on any machine (the lab's bootstrap and order, the soak).
    .target(name: "SeededRandom"),
    .target(name: "RealXenLab", dependencies: ["SeededRandom"]),
    .target(
      name: "RealXenDom0",
      dependencies: [
        "RealXenLab", "DomZeroProcess", "XenResumeLifecycle", "SeededRandom", "XenResumeCore", "XenResumeLibxen",
      ]
    ),
    .executableTarget(
      name: "xen-resume-lab",
      dependencies: [
        "RealXenLab", "RealXenDom0",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(
      name: "XenResumeCLI",
      dependencies: [
        "SwiftXenResume",
        "XenSimulator",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Histogram", package: "hdrhistogram-swift"),
      ]
    ),
    .executableTarget(
      name: "xen-resume",
      dependencies: ["XenResumeCLI"]
    ),
    .testTarget(
      name: "XenResumeCoreTests",
      dependencies: [
        "XenResumeCore",
        "XenSimulator",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Clocks", package: "swift-clocks"),
        .product(name: "MetricsTestKit", package: "swift-metrics"),
      ]
    ),
    .testTarget(
      name: "XenResumeLibxenTests",
      dependencies: ["XenResumeLibxen"]
    ),
    .testTarget(
      name: "XenSimulatorTests",
      dependencies: [
        "XenResumeCore",
        "XenSimulator",
        .product(name: "Clocks", package: "swift-clocks"),
      ]
    ),
    .testTarget(
      name: "XenResumeSoakTests",
      dependencies: [
        "XenResumeSoak", "XenResumeCore", "XenSimulator", .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    .testTarget(
      name: "XenHostConformanceTests",
      dependencies: [
        "XenHostConformance",
        "XenResumeCore",
        "XenSimulator",
        .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    // Linux (it builds the executable, and so libxen's backend): the command line the real-Xen harness drives.
    .testTarget(
      name: "XenHostConformanceCLITests",
      dependencies: ["xen-host-conformance"]
    ),
    .testTarget(
      name: "XenResumeLifecycleTests",
      dependencies: ["XenResumeLifecycle", "XenResumeCore", "XenSimulator"]
    ),
    // Linux (it builds the executable, and so libxen's backend): the lifecycle program's command line.
    .testTarget(
      name: "XenResumeLifecycleCLITests",
      dependencies: ["xen-resume-lifecycle"]
    ),
    .testTarget(
      name: "DomZeroProcessTests",
      dependencies: ["DomZeroProcess"]
    ),
    .testTarget(
      name: "RealXenDom0Tests",
      dependencies: ["RealXenDom0"]
    ),
    .testTarget(
      name: "RealXenLabTests",
      dependencies: ["RealXenLab"]
    ),
    .testTarget(
      name: "XenResumeCLITests",
      dependencies: ["XenResumeCLI", "xen-resume", "XenSimulator"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
