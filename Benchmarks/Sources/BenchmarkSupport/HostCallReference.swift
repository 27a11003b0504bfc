/// The host calls a fast suspend/resume cycle needs at least, and the ones libxl and libxenguest 4.17 make, per
/// scenario, for the host-call table.
///
/// The minimal sequences follow `shared/docs/xen-suspend-resume.md` ("What a suspend/resume cycle minimally costs"),
/// one entry per call, named as `XenHostOperation` names them. The libxl sequences were counted by reading Xen
/// RELEASE-4.17.5's `tools/libs/light` and `tools/libs/guest` for `libxl_domain_suspend_only` followed by
/// `libxl_domain_resume(…, suspend_cancel = 1, …)` in a loop on one `libxl_ctx`, with every wait satisfied at its
/// first check (a fast guest): each entry is one call into libxenctrl, libxenstore or libxenevtchn (or a domctl that
/// libxenguest issues directly), with the libxl/libxenguest function that makes it. Not counted: accessors that
/// never leave the process (`xenevtchn_fd`, `xs_fileno`), the `xs_check_watch` that returns EAGAIN to end each
/// batch of watch events, lock-file system calls, and QMP messages to the device model.
public struct HostCallReference: Sendable {
  /// One call: its C name and the function that makes it.
  public struct Call: Sendable {
    /// The C call.
    public let name: String
    /// Who makes it, and why.
    public let madeBy: String
  }

  /// The doc's minimal fast cycle.
  public let minimal: [String]
  /// libxl's suspend (`libxl_domain_suspend_only`).
  public let libxlSuspend: [Call]
  /// libxl's fast resume (`libxl_domain_resume` with `suspend_cancel`).
  public let libxlResume: [Call]

  /// Both halves of libxl's cycle.
  public var libxlCycle: Int { libxlSuspend.count + libxlResume.count }
}

extension Scenario {
  /// The reference figures for this scenario's path.
  public var reference: HostCallReference {
    switch self {
    case .pvEventChannel:
      HostCallReference(
        minimal: [
          "xenevtchn_notify", "xenevtchn_pending(wait)", "xc_domain_getinfolist", "xc_vcpu_getcontext",
          "xc_vcpu_setcontext", "xc_domctl(XEN_DOMCTL_resumedomain)", "xs_resume_domain",
        ],
        libxlSuspend: [Self.type(hvm: false)] + Self.portLookup + [
          .init(name: "xenevtchn_bind_interdomain", madeBy: "xc_suspend_evtchn_init_sane (every suspend)"),
          .init(name: "xc_domain_subscribe_for_suspend", madeBy: "xc_suspend_evtchn_init_sane"),
          .init(name: "xenevtchn_pending", madeBy: "xc_await_suspend: the event the bind leaves pending"),
          .init(name: "xenevtchn_unmask", madeBy: "xc_await_suspend"),
          .init(name: "xenevtchn_notify", madeBy: "domain_suspend_callback_common"),
          .init(name: "xenevtchn_unmask", madeBy: "libxl__ev_evtchn_wait"),
          .init(name: "xenevtchn_pending", madeBy: "evtchn_fd_callback: the guest suspended"),
          .init(name: "xenevtchn_unmask", madeBy: "libxl__ev_evtchn_wait, re-armed by the callback"),
          .init(name: "xc_domain_getinfolist", madeBy: "suspend_common_wait_guest_check"),
        ],
        libxlResume: Self.resume(hvm: false, pvDrivers: true))
    case .pvXenStore:
      HostCallReference(
        minimal: [
          "xs_write", "xs_read", "xs_read_watch", "xc_domain_getinfolist", "xc_vcpu_getcontext",
          "xc_vcpu_setcontext", "xc_domctl(XEN_DOMCTL_resumedomain)", "xs_resume_domain",
        ],
        libxlSuspend: [Self.type(hvm: false)] + Self.portLookup + Self.pvControl(hvm: false)
          + Self.releaseDomainWait,
        libxlResume: Self.resume(hvm: false, pvDrivers: true))
    case .pvhvm:
      HostCallReference(
        minimal: [
          "xs_write", "xs_read", "xs_read_watch", "xc_domain_getinfolist", "xc_hvm_param_get", "xc_vcpu_getcontext",
          "xc_vcpu_setcontext", "xc_domctl(XEN_DOMCTL_resumedomain)", "xs_resume_domain",
        ],
        libxlSuspend: Self.typeHVM + Self.portLookup + Self.hvmParameters + Self.pvControl(hvm: true)
          + Self.releaseDomainWait + [Self.deviceModelVersion("libxl__domain_suspend_device_model, then QMP")],
        libxlResume: Self.resume(hvm: true, pvDrivers: true))
    case .hvm:
      HostCallReference(
        minimal: [
          "xc_domain_shutdown", "xs_read_watch", "xc_domain_getinfolist", "xc_hvm_param_get",
          "xc_domctl(XEN_DOMCTL_resumedomain)", "xs_resume_domain",
        ],
        libxlSuspend: Self.typeHVM + Self.portLookup + Self.hvmParameters + [
          .init(name: "xc_domain_shutdown", madeBy: "domain_suspend_callback_common")
        ] + Self.releaseDomainWait + [Self.deviceModelVersion("libxl__domain_suspend_device_model, then QMP")],
        libxlResume: Self.resume(hvm: true, pvDrivers: false))
    }
  }

  private static func type(hvm: Bool, caller: String = "libxl__domain_type") -> HostCallReference.Call {
    .init(name: "xc_domain_getinfolist", madeBy: caller)
  }

  /// `libxl__domain_type` reads `/libxl/<id>/type` as well when the HVM flag is set.
  private static var typeHVM: [HostCallReference.Call] {
    [type(hvm: true), .init(name: "xs_read(/libxl/<id>/type)", madeBy: "libxl__domain_type")]
  }

  /// `xs_suspend_evtchn_port` opens its own xenstored connection on every suspend.
  private static let portLookup: [HostCallReference.Call] = [
    .init(name: "xs_daemon_open", madeBy: "xs_suspend_evtchn_port, from libxl__domain_suspend_init"),
    .init(name: "xs_read(device/suspend/event-channel)", madeBy: "xs_suspend_evtchn_port"),
    .init(name: "xs_daemon_close", madeBy: "xs_suspend_evtchn_port"),
  ]

  private static let hvmParameters: [HostCallReference.Call] = [
    .init(name: "xc_hvm_param_get(CALLBACK_IRQ)", madeBy: "domain_suspend_callback_common"),
    .init(name: "xc_hvm_param_get(ACPI_S_STATE)", madeBy: "domain_suspend_callback_common"),
  ]

  /// `libxl__domain_pvcontrol`: the type again, the path, the request, and an xswait whose new watch fires at once.
  private static func pvControl(hvm: Bool) -> [HostCallReference.Call] {
    var calls = [type(hvm: hvm, caller: "libxl__domain_type, from libxl__domain_pvcontrol_available")]
    if hvm {
      calls += [
        .init(name: "xs_read(/libxl/<id>/type)", madeBy: "libxl__domain_type, again"),
        .init(name: "xc_hvm_param_get(CALLBACK_IRQ)", madeBy: "libxl__domain_pvcontrol_available"),
      ]
    }
    return calls + [
      .init(name: "xs_get_domain_path", madeBy: "libxl__domain_pvcontrol_xspath"),
      .init(name: "xs_write(control/shutdown)", madeBy: "libxl__xs_printf"),
      .init(name: "xs_watch(control/shutdown)", madeBy: "libxl__xswait_start"),
      .init(name: "xs_check_watch", madeBy: "watchfd_callback: the new watch's first event"),
      .init(name: "xs_read(control/shutdown)", madeBy: "xswait_xswatch_callback: the guest has acknowledged"),
      .init(name: "xs_unwatch(control/shutdown)", madeBy: "libxl__xswait_stop"),
    ]
  }

  /// A `@releaseDomain` watch registered and removed for each suspend.
  private static let releaseDomainWait: [HostCallReference.Call] = [
    .init(name: "xs_watch(@releaseDomain)", madeBy: "domain_suspend_common_wait_guest"),
    .init(name: "xs_check_watch", madeBy: "watchfd_callback: the new watch's first event"),
    .init(name: "xc_domain_getinfolist", madeBy: "suspend_common_wait_guest_check: suspended"),
    .init(name: "xs_unwatch(@releaseDomain)", madeBy: "domain_suspend_common_guest_suspended"),
  ]

  private static func deviceModelVersion(_ caller: String) -> HostCallReference.Call {
    .init(name: "xs_read(/libxl/<id>/dm-version)", madeBy: "libxl__device_model_version_running, from \(caller)")
  }

  /// `libxl_domain_resume`: the type, the device model for HVM, then `xc_domain_resume(fast = 1)`, which re-learns
  /// the state, the parameters and the width before touching vcpu0, and `xs_resume_domain`.
  private static func resume(hvm: Bool, pvDrivers: Bool) -> [HostCallReference.Call] {
    var calls = hvm ? typeHVM : [type(hvm: false)]
    if hvm { calls.append(deviceModelVersion("libxl__dm_resume, then QMP cont")) }
    calls.append(.init(name: "xc_domain_getinfo", madeBy: "modify_returncode: suspended?"))
    if hvm {
      calls.append(.init(name: "xc_hvm_param_get(CALLBACK_IRQ)", madeBy: "modify_returncode: PV drivers?"))
      if pvDrivers {
        calls.append(.init(name: "xc_version(XENVER_capabilities)", madeBy: "modify_returncode: host width"))
      }
    } else {
      calls.append(.init(name: "xc_domain_get_guest_width", madeBy: "modify_returncode"))
    }
    if pvDrivers {
      calls += [
        .init(name: "xc_vcpu_getcontext", madeBy: "modify_returncode"),
        .init(name: "xc_vcpu_setcontext", madeBy: "modify_returncode: eax = 1"),
      ]
    }
    return calls + [
      .init(name: "xc_domctl(XEN_DOMCTL_resumedomain)", madeBy: "xc_domain_resume_cooperative (do_domctl)"),
      .init(name: "xs_resume_domain", madeBy: "domain_resume_done"),
    ]
  }
}
