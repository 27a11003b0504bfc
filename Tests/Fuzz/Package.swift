// swift-tools-version: 6.1
// The fuzz targets live in their own package: they are built with libFuzzer and AddressSanitizer
// (`swift build --sanitize=fuzzer --sanitize=address`), which the library's own build must never need.
// `run.sh SECONDS` builds and runs them; `swift test --package-path Tests/Fuzz` checks their input formats and seeds.
import PackageDescription

let package = Package(
  name: "SwiftXenResumeFuzz",
  dependencies: [
    // Named explicitly: a path dependency's identity is its directory's name, which differs between checkouts.
    .package(name: "SwiftXenResume", path: "../..")
  ],
  targets: [
    // The targets' input formats, the checks they make and the seed corpus they start from; shared with the tests.
    .target(
      name: "FuzzInputs",
      dependencies: [
        .product(name: "XenResumeCore", package: "SwiftXenResume"),
        .product(name: "XenResumeCLI", package: "SwiftXenResume"),
      ]
    ),
    // A suspended PV guest's frames, arbitrary: the slow resume's p2m walkers and start_info reader.
    .executableTarget(name: "guest-memory", dependencies: ["FuzzInputs"], path: "Sources/FuzzGuestMemory"),
    // Arbitrary values in the xenstore nodes a guest owns: the rules the controller reads them with.
    .executableTarget(name: "xenstore-values", dependencies: ["FuzzInputs"], path: "Sources/FuzzXenStoreValues"),
    // Arbitrary command lines: xen-resume's argument parsing (durations, domain ids, names).
    .executableTarget(name: "cli-arguments", dependencies: ["FuzzInputs"], path: "Sources/FuzzCLIArguments"),
    .testTarget(name: "FuzzInputsTests", dependencies: ["FuzzInputs"]),
  ],
  swiftLanguageModes: [.v6]
)
