import XenResumeCore

extension ConformanceCheck {
  /// A node that does not exist reads as missing (not as empty), and removing it succeeds when its parent exists.
  static let missingNode = ConformanceCheck(
    name: "xenstore.missing-node",
    subject: .xenstore,
    rule: "read of a missing node is nil; rm of a missing node whose parent exists succeeds",
    source: "tools/xenstore/xenstored_core.c do_read (ENOENT, which xs_read returns as NULL) and do_rm (\"Didn't "
      + "exist already? Fine, if parent exists.\")",
    body: .host { context in
      let host = context.host
      let scratch = try ScratchNode.create(context, "missing")
      defer { scratch.remove() }
      let missing = scratch.child("missing")
      let value = try host.read(missing)
      try context.expect(value == nil, "read of missing \(missing) returned \(value.debugDescription), not nil")
      try host.remove(missing)
      let after = try host.read(missing)
      try context.expect(after == nil, "rm of a missing node created it: it reads \(after.debugDescription)")
      return "read nil, rm succeeded, still missing"
    })
}
