/// A domain that `SuspendController.resume` let run again, and the time each stage of the resume took.
public struct ResumedDomain: Sendable, Hashable {
  /// The resumed domain.
  public var domain: DomainID
  /// Its guest type, from Xen's own facts.
  public var guestType: GuestType
  /// How it was resumed.
  public var mode: ResumeMode
  /// From the start of the resume until xenstored was told and the controller's bookkeeping done, on the
  /// controller's clock.
  public var duration: Duration
  /// The stages, held inline so that a checkpoint loop allocates nothing for them.
  var stageDurations: StageDurations

  /// Describes a resumed domain and the time each stage of its resume took. A stage given twice keeps its last
  /// duration, and `stages` lists them in `StageTiming.Stage`'s order whatever the order given.
  public init(
    domain: DomainID, guestType: GuestType, mode: ResumeMode, duration: Duration, stages: [StageTiming] = []
  ) {
    self.init(
      domain: domain, guestType: guestType, mode: mode, duration: duration, stageDurations: StageDurations(stages))
  }

  init(domain: DomainID, guestType: GuestType, mode: ResumeMode, duration: Duration, stageDurations: StageDurations) {
    self.domain = domain
    self.guestType = guestType
    self.mode = mode
    self.duration = duration
    self.stageDurations = stageDurations
  }

  /// The stages of the resume in the order they happened, measured on the controller's clock from the same start
  /// as `duration`, each from the end of the one before: they add up exactly to `duration`. Every resume passes
  /// `stateChecked`, `domainResumed` and `xenstoreResumed`; a fast resume of a guest inside its suspend hypercall
  /// passes `returnRegisterSet` before `domainResumed`, and a slow resume of a PV guest `startInfoRewritten` (and
  /// `secondaryVCPUsReset` with more than one vcpu). Built on each read: `duration(of:)` reads one stage without
  /// allocating.
  public var stages: [StageTiming] { stageDurations.timings }

  /// How long `stage` took, `nil` for a stage this resume did not pass.
  public func duration(of stage: StageTiming.Stage) -> Duration? { stageDurations[stage] }
}
