import SystemPackage
import Testing
import XenResumeCore
import XenResumeSoak
import XenSimulator

/// Every sequence the soak found breaking a promise, shrunk, as it printed it (names and comments added). Each failed
/// before its fix; the fix is named in the comment.
@Suite struct SoakRegressionTests {
  private func expectNoViolation(_ steps: [SoakStep], sourceLocation: SourceLocation = #_sourceLocation) async {
    let violation = await SoakSequence(steps).run()
    #expect(violation == nil, "\(violation.map(String.init(describing:)) ?? "")", sourceLocation: sourceLocation)
  }

  /// resourceLeaked: the session of a destroyed domain held the suspend lock; the new domain under the id was
  /// refused (another actor had suspended it) and the lock was nobody's ever after (`openSession` now gives back a
  /// lock no session carries).
  @Test func aRefusedSuspendOfANewDomainUnderAKnownIdGivesTheOldLockBack() async {
    await expectNoViolation([
      .create(.pvhvm(behaviour: .acknowledgesByDeletingNode, kernel: .linux), delays: .immediate),
      .suspend(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .zero, cancelAtCall: nil),
      .actor(.recreate(slot: 0, .pv(vcpus: 2, kernel: .xenLinuxClassic))),
      .actor(.shutDown(slot: 0, reason: .suspend)),
      .suspend(SoakTarget(controller: 0, slot: 0), path: .xenstoreControl, timeout: .short, cancelAtCall: nil),
    ])
  }

  /// guestHarmed: an uncooperative resume of a guest this controller had suspended through xenstore woke it as a
  /// new domain with nothing rebuilt (now refused).
  @Test func anUncooperativeResumeOfTheControllersOwnCooperativeSuspendIsRefused() async {
    await expectNoViolation([
      .create(.pv(vcpus: 3, suspendEventChannel: true, kernel: .xenLinuxClassic), delays: .immediate),
      .suspend(SoakTarget(controller: 0, slot: 0), path: .xenstoreControl, timeout: .long, cancelAtCall: nil),
      .resume(SoakTarget(controller: 0, slot: 0), mode: .uncooperative, confirmed: false, cancelAtCall: nil),
    ])
  }

  /// requestLeftInXenStore: a failed read of the control node's watch threw with the request still out (now
  /// withdrawn, or settled once acknowledged).
  @Test func aFailedAcknowledgementWaitTakesItsRequestBack() async {
    await expectNoViolation([
      .create(
        .pvhvm(behaviour: .crashesOnSuspend, kernel: .linux),
        delays: GuestReactionDelays(acknowledgement: .seconds(3), suspension: .seconds(3))),
      .fault(.takeWatchEvent, onCall: 1, errno: .ioError),
      .checkpoint(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .long, body: .throws),
    ])
  }

  /// suspendedAfterFailure: a suspend cancelled after the guest had acknowledged returned at once, and the guest
  /// suspended a second later with nobody to resume it (now the grace period, in a task of its own). Found as
  /// errorStateWrong, when the soak still compared errors with the state after the whole step.
  @Test func aSuspendCancelledAfterTheAcknowledgementStillBringsTheGuestBack() async {
    await expectNoViolation([
      .create(.pv(), delays: GuestReactionDelays(suspension: .seconds(1))),
      .create(.pvh(), delays: .immediate),
      .suspend(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .long, cancelAtCall: 1),
      .checkpoint(SoakTarget(controller: 0, slot: 1), path: nil, timeout: .long, body: .takesLong),
    ])
  }

  /// requestLeftInXenStore: a timed-out request whose withdrawal failed was left out without a word (now the error's
  /// `undone` says so, and the guest gets the grace period).
  @Test func aWithdrawalThatFailsIsReported() async {
    await expectNoViolation([
      .create(.pvhvm(), delays: .immediate),
      .actor(.pause(slot: 0)),
      .fault(.write, onCall: 2, errno: .noMemory),
      .suspend(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .long, cancelAtCall: nil),
    ])
  }

  /// suspendedAfterFailure: the same withdrawal failing against a guest that answers late: it suspended after the
  /// error, with nobody to resume it.
  @Test func aGuestThatSuspendsAfterAFailedWithdrawalIsBroughtBack() async {
    await expectNoViolation([
      .create(.pv(width: .bits32, vcpus: 3, kernel: .linux), delays: GuestReactionDelays(acknowledgement: .seconds(3))),
      .create(.pv(vcpus: 3, suspendEventChannel: true), delays: GuestReactionDelays(suspension: .seconds(1))),
      .fault(.startTransaction, onCall: 1, errno: .badFileDescriptor),
      .suspend(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .short, cancelAtCall: nil),
      .suspend(SoakTarget(controller: 0, slot: 1), path: nil, timeout: .short, cancelAtCall: nil),
    ])
  }

  /// errorStateWrong: a timeout whose last read of the domain failed said "running" of a paused domain (now the
  /// state last read).
  @Test func aTimeoutStatesTheStateItLastRead() async {
    await expectNoViolation([
      .create(.pvhvm(vcpus: 2, suspendEventChannel: true, kernel: .linux), delays: .immediate),
      .fault(.domainInfo, onCall: 3, errno: .notPermitted),
      .actor(.pause(slot: 0)),
      .suspend(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .short, cancelAtCall: nil),
    ])
  }

  /// suspendedAfterFailure: a failed wait on the suspend event channel left a notified guest on its way into
  /// suspend with nobody waiting (now the grace period).
  @Test func aFailedEventChannelWaitStillBringsTheNotifiedGuestBack() async {
    await expectNoViolation([
      .create(.pvh(vcpus: 3, behaviour: .acknowledgesButNeverSuspends), delays: .immediate),
      .create(
        .pvhvm(vcpus: 3, suspendEventChannel: true, kernel: .xenLinuxClassic),
        delays: GuestReactionDelays(acknowledgement: .seconds(1), suspension: .seconds(3))),
      .fault(.waitForEvent, onCall: 1, errno: .resourceBusy),
      .suspend(SoakTarget(controller: 1, slot: 1), path: nil, timeout: .short, cancelAtCall: nil),
      .suspend(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .long, cancelAtCall: nil),
    ])
  }

  /// suspendedAfterFailure: two failures in a row (the @releaseDomain watch, then the port) cut the grace period
  /// short (now it is waited out on the clock alone, then a last look).
  @Test func aGracePeriodWhoseEventsFailIsWaitedOut() async {
    await expectNoViolation([
      .create(.pvhvm(vcpus: 3, kernel: .linux), delays: .immediate),
      .create(
        .pvhvm(behaviour: .acknowledgesByDeletingNode, kernel: .xenLinuxClassic),
        delays: GuestReactionDelays(acknowledgement: .seconds(3), suspension: .seconds(1))),
      .actor(.pause(slot: 0)),
      .fault(.waitForEvent, onCall: 2, errno: .resourceBusy),
      .fault(.nextWatchEvent, onCall: 1, errno: .ioError),
      .suspend(SoakTarget(controller: 0, slot: 1), path: nil, timeout: .long, cancelAtCall: nil),
      .suspend(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .short, cancelAtCall: nil),
    ])
  }

  /// errorStateWrong: after another actor resumed the domain without XS_RESUME, xenstored fired no @releaseDomain
  /// for the guest's next suspend, and the grace period missed it (now a last look at its end).
  @Test func aSuspendThatFiresNoReleaseDomainIsSeenAtTheLastLook() async {
    await expectNoViolation([
      .create(.pvh(kernel: .linuxBefore5_16), delays: GuestReactionDelays(suspension: .seconds(3))),
      .actor(.shutDown(slot: 0, reason: .softReset)),
      .actor(.resumeDomain(slot: 0)),
      .checkpoint(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .zero, body: .cancels),
    ])
  }

  /// suspendedAfterFailure: a suspend cancelled during the grace period of its timeout cut the grace period short
  /// (now in a task of its own).
  @Test func aCancellationDoesNotCutAGracePeriodShort() async {
    await expectNoViolation([
      .create(.pvhvm(vcpus: 2, kernel: .linuxBefore5_16), delays: .immediate),
      .create(
        .pvh(vcpus: 3, kernel: .xenLinuxClassic),
        delays: GuestReactionDelays(acknowledgement: .seconds(3), suspension: .seconds(1))),
      .actor(.pause(slot: 0)),
      .suspend(SoakTarget(controller: 0, slot: 1), path: nil, timeout: .zero, cancelAtCall: 4),
      .checkpoint(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .long, body: .cancels),
    ])
  }

  /// suspendedAfterFailure: the last read after the timeout failed and the guest, a second from suspending, was left
  /// to it (now that failure settles too).
  @Test func aFailedReadAtTheTimeoutStillBringsTheGuestBack() async {
    await expectNoViolation([
      .create(.pvh(vcpus: 2), delays: GuestReactionDelays(acknowledgement: .seconds(1), suspension: .seconds(1))),
      .fault(.domainInfo, onCall: 3, errno: .resourceTemporarilyUnavailable),
      .suspend(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .short, cancelAtCall: nil),
    ])
  }

  /// resourceLeaked: a failed XS_TRANSACTION_END left the simulator's transaction open, which xenstored never does
  /// (the simulator now ends it whatever the answer).
  @Test func aFailedTransactionEndLeavesNoTransaction() async {
    await expectNoViolation([
      .create(.pv(width: .bits32, vcpus: 2, behaviour: .ignoresSuspendRequest), delays: .immediate),
      .fault(.endTransaction, onCall: 1, errno: .permissionDenied),
      .checkpoint(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .short, body: .takesLong),
    ])
  }

  /// resourceLeaked: a failed lock release left the simulator's lock held, which closing the lock file's
  /// descriptor never does on a dom0 (the simulator now ends it whatever the answer).
  @Test func aFailedLockReleaseEndsTheLock() async {
    await expectNoViolation([
      .create(.pvh(vcpus: 3, kernel: .linux), delays: .immediate),
      .suspend(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .short, cancelAtCall: nil),
      .forget(SoakTarget(controller: 0, slot: 0)),
      .fault(.releaseSuspendLock, onCall: 1, errno: .badFileDescriptor),
      .resume(SoakTarget(controller: 1, slot: 0), mode: .fast, confirmed: false, cancelAtCall: nil),
    ])
  }

  /// touchedAnotherActorsSuspend: a resume whose XS_RESUME failed after resumedomain left the session vouching for a
  /// suspend; another actor's later suspend was then resumed as the controller's own (now the session is marked
  /// resumed once the domain runs).
  @Test func aResumeWhoseXenStoreResumeFailedNoLongerVouchesForASuspend() async {
    await expectNoViolation([
      .create(.pv(width: .bits32, vcpus: 2, kernel: .linuxBefore5_16), delays: .immediate),
      .checkpoint(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .long, body: .throws),
      .fault(.resumeDomainInXenStore, onCall: 1, errno: .invalidArgument),
      .checkpoint(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .short, body: .throws),
      .actor(.shutDown(slot: 0, reason: .suspend)),
      .resume(SoakTarget(controller: 0, slot: 0), mode: .fast, confirmed: true, cancelAtCall: nil),
    ])
  }

  /// suspendedAfterFailure (of the wrong guest): a forced xenstore suspend released the session's event channel
  /// binding, then failed to clear the subscription; the session kept the released port, whose number the next
  /// binding (another guest's) reused, and the next suspend notified that other guest, which suspended with nobody
  /// waiting (now the session is stored with the binding gone whenever the set-up fails).
  @Test func aFailedSetUpNeverLeavesAReleasedPortInTheSession() async {
    await expectNoViolation([
      .create(.pv(width: .bits32, vcpus: 3, kernel: .xenLinuxClassic, p2m: .linear), delays: .immediate),
      .create(
        .pv(width: .bits32, vcpus: 2, behaviour: .acknowledgesByDeletingNode, kernel: .xenLinuxClassic),
        delays: .immediate),
      .checkpoint(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .long, body: .returns),
      .fault(.subscribeForSuspend, onCall: 2, errno: .noMemory),
      .suspend(SoakTarget(controller: 0, slot: 0), path: .xenstoreControl, timeout: .short, cancelAtCall: nil),
      .suspend(SoakTarget(controller: 0, slot: 1), path: nil, timeout: .zero, cancelAtCall: nil),
      .suspend(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .short, cancelAtCall: nil),
    ])
  }

  /// suspendedAfterFailure: the final long run's finding. The grace period after a failed wait gave up when one of
  /// its own reads failed too, and the notified guest suspended a second later with nobody waiting (now a failed
  /// read in the grace period is waited out like a failed event, before the last look).
  @Test func aGracePeriodWhoseReadFailsIsWaitedOut() async {
    await expectNoViolation([
      .create(.pvh(vcpus: 2, kernel: .linux), delays: GuestReactionDelays(acknowledgement: .seconds(1))),
      .create(.pvh(vcpus: 2, suspendEventChannel: true), delays: GuestReactionDelays(acknowledgement: .seconds(3))),
      .fault(.domainInfo, onCall: 2, errno: .permissionDenied),
      .fault(.nextWatchEvent, onCall: 1, errno: .notPermitted),
      .suspend(SoakTarget(controller: 0, slot: 1), path: nil, timeout: .short, cancelAtCall: nil),
      .suspend(SoakTarget(controller: 0, slot: 0), path: .xenstoreControl, timeout: .zero, cancelAtCall: nil),
    ])
  }

  /// resourceLeaked: the 1,000,000-step run of seed 20261211. The channel's set-up failed (its pending event could
  /// not be consumed) and the unbind that undid the bind failed too, silently: a port left bound with nothing said
  /// (now logged, as every other unbind that fails).
  @Test func aPortThatCannotBeUnboundAfterAFailedSetUpIsReported() async {
    await expectNoViolation([
      .fault(.consumePendingEvent, onCall: 1, errno: .noMemory),
      .create(.pvhvm(vcpus: 3, suspendEventChannel: true, behaviour: .acknowledgesByDeletingNode), delays: .immediate),
      .fault(.unbind, onCall: 1, errno: .resourceTemporarilyUnavailable),
      .suspend(SoakTarget(controller: 0, slot: 0), path: nil, timeout: .short, cancelAtCall: nil),
    ])
  }

  /// touchedAnotherActorsSuspend: the 1,000,000-step run of seed 20261212.
  @Test func anotherActorsSuspendAfterAFailedCheckpointIsNotResumed() async {
    await expectNoViolation([
      .create(.pvhvm(vcpus: 1, kernel: .linuxBefore5_16), delays: .immediate),
      .create(.pvh(vcpus: 1, kernel: .xenLinuxClassic), delays: .immediate),
      .suspend(SoakTarget(controller: 0, slot: 0), path: .xenstoreControl, timeout: .zero, cancelAtCall: nil),
      .suspend(SoakTarget(controller: 0, slot: 1), path: nil, timeout: .short, cancelAtCall: nil),
      .resume(SoakTarget(controller: 0, slot: 1), mode: .slow, confirmed: true, cancelAtCall: nil),
      .fault(.read, onCall: 1, errno: .invalidArgument),
      .checkpoint(SoakTarget(controller: 0, slot: 1), path: .eventChannel, timeout: .zero, body: .returns),
      .actor(.shutDown(slot: 1, reason: .suspend)),
      .resume(SoakTarget(controller: 0, slot: 1), mode: .uncooperative, confirmed: false, cancelAtCall: nil),
    ])
  }
}
