import SystemPackage
import XenResumeCore

extension ConformanceCheck {
  /// Two transactions that read and change the same node: the first commit wins, the second fails with EAGAIN
  /// (the caller retries the whole transaction) and changes nothing.
  static let transactionConflict = ConformanceCheck(
    name: "xenstore.transaction-conflict-eagain",
    subject: .xenstore,
    rule: "of two transactions that read and write one node, the second commit fails with EAGAIN and is not applied",
    source: "tools/xenstore/xenstored_transaction.c access_node (records the generation a transaction first saw) and "
      + "finalize_transaction (a changed generation: EAGAIN)",
    body: .host { context in
      let host = context.host
      let scratch = try ScratchNode.create(context, "transaction")
      defer { scratch.remove() }
      let node = scratch.child("contended")
      try host.write(node, value: "0")
      let first = try host.startTransaction()
      var open = [first]
      defer { for transaction in open { try? host.endTransaction(transaction, commit: false) } }
      let second = try host.startTransaction()
      open.append(second)
      _ = try host.read(node, transaction: first)
      _ = try host.read(node, transaction: second)
      try host.write(node, value: "first", transaction: first)
      try host.write(node, value: "second", transaction: second)
      open.removeAll { $0 == first }
      try host.endTransaction(first, commit: true)
      open.removeAll { $0 == second }
      try context.expectFailure(.resourceTemporarilyUnavailable, "committing the second, conflicting transaction") {
        try host.endTransaction(second, commit: true)
      }
      let value = try host.read(node)
      try context.expect(value == "first", "after the conflict the node reads \(value.debugDescription), not \"first\"")
      return "first commit applied, second EAGAIN"
    })
}
