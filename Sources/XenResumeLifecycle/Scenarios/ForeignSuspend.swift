import XenResumeCore

extension StepRunner {
  /// `foreign-suspend`: the controller cycles the guest twice, then another toolstack suspends it with a bare
  /// `xc_domain_shutdown(SHUTDOWN_suspend)`. Asked to suspend it and to resume it fast, the controller must refuse
  /// both and leave the guest exactly as the other toolstack left it (still suspended, vcpu0's whole context
  /// unchanged). The other toolstack then brings it back its own way, and the controller must cycle it again.
  ///
  /// PV-aware guests get a second round (b) with the other toolstack suspending cooperatively over xenstore and
  /// resuming fast its own way, and one more controller cycle.
  ///
  /// The other toolstack also pauses the guest while the controller is asked: a controller that wrongly resumed it
  /// would otherwise let it run on with a rewritten return register (a Linux PV guest stopped in its idle hypercall
  /// then hits the BUG() after SCHEDOP_block), breaking the guest for the rest of the run. Paused, the step puts the
  /// other toolstack's state back (context, then the forced suspend) before the next request.
  func foreignSuspend() async {
    guard await cycle("cycle-1"), await cycle("cycle-2") else { return }
    let forced = await foreignRound(
      prefix: "other-", refusalPrefix: "",
      suspend: {
        try other.host.shutdownDomain(domain, reason: .suspend)
        return "xc_domain_shutdown(suspend) through the other toolstack's connection"
      },
      resume: {
        try other.host.resumeDomain(domain)
        try other.host.resumeDomainInXenStore(domain)
        return "resumedomain and XS_RESUME through the other toolstack's connection"
      })
    guard forced, await cycle("cycle-3"), guest.type.isPVAware else { return }
    // (b) The other toolstack suspends cooperatively over xenstore (in dom0 the C reference client, as libxl does):
    // the guest sits in its own suspend hypercall, but it is still not the controller's to resume.
    let cooperative = await foreignRound(
      prefix: "c-", refusalPrefix: "c-",
      suspend: { try await other.suspendCooperatively(guest, timeout: settings.cycleTimeout) },
      resume: { try await other.resumeCooperatively(guest) })
    guard cooperative else { return }
    await cycle("cycle-4")
  }

  /// The other toolstack suspends the guest its way (`PREFIXsuspends`), the controller must refuse to suspend and
  /// to resume it (`REFUSALrefuse-suspend`, `REFUSALrefuse-resume`), and the other toolstack resumes it its way
  /// (`PREFIXresumes`). Returns whether the guest runs again.
  private func foreignRound(
    prefix: String, refusalPrefix: String, suspend: () async throws -> String, resume: () async throws -> String
  ) async -> Bool {
    var original: VCPUContext?
    let suspended = await step(prefix + "suspends") { record in
      record["how"] = .string(try await suspend())
      let info = try await awaitDomain { $0.isSuspended }
      try await other.pause(domain)
      record["stateAfter"] = Self.domainFacts(info)
      guard record.expect(info.isSuspended, "Xen reports the domain \(DomainState(info)) after the other's suspend")
      else { return }
      let context = try vcpu0Context()
      record["context"] = Self.contextFacts(context)
      original = context
      record.note = "suspended by the other toolstack; paused"
    }
    guard suspended, var original else { return false }
    original = await refusal(refusalPrefix + "refuse-suspend", original: original) {
      let done = try await controller.suspend(domain, timeout: settings.refusalTimeout)
      return "suspended it through \(done.path) instead of refusing"
    }
    _ = await refusal(refusalPrefix + "refuse-resume", original: original) {
      try await controller.resume(domain, mode: .fast)
      return "resumed it fast instead of refusing"
    }
    return await step(prefix + "resumes") { record in
      record["how"] = .string(try await resume())
      try await other.unpause(domain)
      _ = try await awaitDomain { DomainState($0) == .running }
      try await expectRunningAndAlive(&record)
      if record.problems.isEmpty { record.note = "resumed by the other toolstack, unpaused; guest alive" }
    }
  }

  /// One request the controller must refuse: `attempt` throws (the refusal) or returns what it did instead. Then the
  /// guest must still be suspended with vcpu0's context as the other toolstack left it; if not, that state is put
  /// back so the next step starts from it. Returns the context the next step compares with: the original, or as it
  /// reads back after being put back (Xen normalises a few bytes of a written context).
  private func refusal(
    _ name: String, original: VCPUContext, _ attempt: () async throws -> String
  ) async -> VCPUContext {
    var next = original
    await step(name) { record in
      do {
        let instead = try await attempt()
        record["error"] = .null
        record.problems.append("the controller \(instead)")
      } catch {
        record["error"] = Self.errorFacts(error)
        record.expect(
          Self.isRefusal(error, of: domain),
          "expected SuspendResumeError.refused, got \(Self.kind(of: error)): \(Self.describe(error))")
      }
      let info = try other.host.domainInfo(domain)
      record["stateAfter"] = Self.domainFacts(info)
      record.expect(info.isSuspended, "the domain is \(DomainState(info)) afterwards, expected still suspended")
      let after = try vcpu0Context()
      record["contextBefore"] = Self.contextFacts(original)
      record["contextAfter"] = Self.contextFacts(after)
      record["contextChange"] = Self.differences(original, after)
      record.expect(
        after == original, "vcpu0's context changed (\(Self.digest(original.bytes)) -> \(Self.digest(after.bytes)))")
      if record.problems.isEmpty {
        record.note = "refused; the domain is still suspended, vcpu0's context unchanged"
      } else {
        record["restored"] = .string(try await restore(original, info: info))
        next = try vcpu0Context()
      }
    }
    return next
  }

  /// Puts the other toolstack's state back after a controller that did not refuse: the original context while the
  /// guest is still held by the pause, then the forced suspend again.
  private func restore(_ original: VCPUContext, info: DomainInfo) async throws -> String {
    var done: [String] = []
    if try vcpu0Context() != original {
      try other.host.setVCPUContext(original, of: domain, vcpu: 0)
      done.append("vcpu0 context")
    }
    if !info.isSuspended {
      try other.host.shutdownDomain(domain, reason: .suspend)
      let now = try await awaitDomain { $0.isSuspended }
      done.append("forced suspend (\(DomainState(now)))")
    }
    return done.isEmpty ? "nothing to restore" : done.joined(separator: ", ")
  }
}
