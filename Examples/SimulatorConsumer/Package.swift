// swift-tools-version: 6.1
// A toolstack's own package that uses SwiftXenResume without Xen: it depends only on the XenResumeCore and
// XenSimulator products, so it builds and tests on a machine without libxen-dev (and on macOS).
import PackageDescription

let package = Package(
  name: "SimulatorConsumer",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "FleetCheckpoint", targets: ["FleetCheckpoint"])
  ],
  dependencies: [
    // Named explicitly: a path dependency's identity is its directory's name, which differs between checkouts.
    .package(name: "SwiftXenResume", path: "../..")
  ],
  targets: [
    // The toolstack code: needs SuspendController and the XenHost seam, nothing that talks to real Xen.
    .target(
      name: "FleetCheckpoint",
      dependencies: [.product(name: "XenResumeCore", package: "SwiftXenResume")]
    ),
    // Its tests run it against SimulatedXenHost.
    .testTarget(
      name: "FleetCheckpointTests",
      dependencies: [
        "FleetCheckpoint",
        .product(name: "XenSimulator", package: "SwiftXenResume"),
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)
