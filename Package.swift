// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "SwiftXenResume",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "SwiftXenResume", targets: ["SwiftXenResume"]),
    .library(name: "XenSimulator", targets: ["XenSimulator"]),
    .executable(name: "xen-resume", targets: ["xen-resume"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.1.1"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CXen",
      path: "Modules/CXen",
      pkgConfig: "xencontrol xenguest xenstore xenevtchn xenforeignmemory xentoollog",
      providers: [.apt(["libxen-dev"])]
    ),
    .target(
      name: "SwiftXenResume",
      dependencies: [
        "CXen",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    .target(
      name: "XenSimulator",
      dependencies: [
        "SwiftXenResume",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "SystemPackage", package: "swift-system"),
        .product(name: "DequeModule", package: "swift-collections"),
      ]
    ),
    .executableTarget(
      name: "xen-resume",
      dependencies: [
        "SwiftXenResume",
        "XenSimulator",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Histogram", package: "hdrhistogram-swift"),
      ]
    ),
    .testTarget(
      name: "XenResumeCLITests",
      dependencies: ["xen-resume"]
    ),
    .testTarget(
      name: "SwiftXenResumeTests",
      dependencies: [
        "SwiftXenResume",
        "XenSimulator",
        .product(name: "Clocks", package: "swift-clocks"),
      ]
    ),
    .testTarget(
      name: "XenSimulatorTests",
      dependencies: [
        "SwiftXenResume",
        "XenSimulator",
        .product(name: "Clocks", package: "swift-clocks"),
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)
