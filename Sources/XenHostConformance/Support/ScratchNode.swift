@_spi(XenHostBackends) import XenResumeCore

/// A xenstore directory of the suite's own under the toolstack domain's home, which xenstored lets the toolstack
/// write, removed (with everything below it) when the check is done.
///
/// The name carries a random suffix so that two runs, or a run and whatever left a directory behind, never share
/// nodes.
struct ScratchNode {
  let path: String
  private let host: any XenHost

  /// Creates `/local/domain/<toolstack>/xen-host-conformance-<random>` with an empty value.
  static func create(_ context: CheckContext, _ label: String) throws -> ScratchNode {
    let home = XenStorePath.home(of: try context.host.toolstackDomain())
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    let node = ScratchNode(path: "\(home)/xen-host-conformance-\(label)-\(suffix)", host: context.host)
    try context.host.write(node.path, value: "")
    return node
  }

  private init(path: String, host: any XenHost) {
    self.path = path
    self.host = host
  }

  /// A child's path.
  func child(_ name: String) -> String { "\(path)/\(name)" }

  /// Removes the directory and its children; a failure here does not change the check's verdict.
  func remove() {
    try? host.remove(path)
  }
}
