// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "SwiftXenResume",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "SwiftXenResume", targets: ["SwiftXenResume"]),
    .library(name: "XenSimulator", targets: ["XenSimulator"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.1.1"),
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
