import XenResumeCore

extension ConformanceCheck {
  /// A transaction's writes are its own until it commits: others do not see them, and ending it without a commit
  /// drops them.
  static let transactionAbort = ConformanceCheck(
    name: "xenstore.transaction-abort-discards",
    subject: .xenstore,
    rule: "a write inside a transaction is seen only inside it, and is gone when the transaction ends uncommitted",
    source: "tools/xenstore/xenstored_transaction.c transaction_prepend (a transaction's nodes are its own copies) "
      + "and do_transaction_end (\"F\" discards them)",
    body: .host { context in
      let host = context.host
      let scratch = try ScratchNode.create(context, "abort")
      defer { scratch.remove() }
      let node = scratch.child("isolated")
      try host.write(node, value: "before")
      let transaction = try host.startTransaction()
      var ended = false
      defer { if !ended { try? host.endTransaction(transaction, commit: false) } }
      try host.write(node, value: "during", transaction: transaction)
      let inside = try host.read(node, transaction: transaction)
      try context.expect(inside == "during", "inside the transaction the node reads \(inside.debugDescription)")
      let outside = try host.read(node)
      try context.expect(outside == "before", "outside an open transaction the node reads \(outside.debugDescription)")
      ended = true
      try host.endTransaction(transaction, commit: false)
      let after = try host.read(node)
      try context.expect(after == "before", "after an uncommitted end the node reads \(after.debugDescription)")
      return "the write stayed inside the transaction and was dropped"
    })
}
