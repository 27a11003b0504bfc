import XenResumeCore

extension ConformanceCheck {
  /// A written value reads back as written, and an empty value is a value (Linux acknowledges a suspend request
  /// by writing "", which a toolstack must tell from a deleted node).
  static let writeThenRead = ConformanceCheck(
    name: "xenstore.write-then-read",
    subject: .xenstore,
    rule: "a written value reads back unchanged; an empty value reads as \"\", not as missing",
    source: "tools/xenstore/xenstored_core.c do_write and do_read",
    body: .host { context in
      let host = context.host
      let scratch = try ScratchNode.create(context, "write")
      defer { scratch.remove() }
      let node = scratch.child("value")
      try host.write(node, value: "suspend")
      let written = try host.read(node)
      try context.expect(written == "suspend", "wrote \"suspend\", read \(written.debugDescription)")
      try host.write(node, value: "")
      let emptied = try host.read(node)
      try context.expect(emptied == "", "wrote \"\", read \(emptied.debugDescription)")
      return "\"suspend\" and \"\" read back as written"
    })
}
