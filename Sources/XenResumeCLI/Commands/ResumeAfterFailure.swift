import Logging
import SwiftXenResume

extension SuspendController {
  /// Resumes fast a guest a command suspended on the way to an operation (`what`) that then failed with `error`,
  /// leaving the guest as it was. The operation's error is the one the command reports, unless this resume fails
  /// too: then the resume's error is thrown, the one an operator must act on, and the operation's is logged.
  func resumeFastAfterFailure(of domain: DomainID, what: String, error: any Error) async throws {
    do {
      try await resume(domain, mode: .fast)
    } catch let resumeError {
      CommandLogging.logger().error(
        "the \(what) failed, then the resume that followed it", metadata: ["\(what)": "\(error)"])
      throw resumeError
    }
  }
}
