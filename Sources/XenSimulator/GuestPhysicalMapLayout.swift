/// How a simulated PV guest publishes its pseudo-physical-to-machine map (p2m) to tools in shared_info.
public enum GuestPhysicalMapLayout: String, Sendable, Hashable, CaseIterable, Codable {
  /// The three-level tree under `arch.pfn_to_mfn_frame_list_list`, as guests built by xl have it.
  case tree
  /// The linear virtual map under `arch.p2m_cr3` / `p2m_vaddr`, with the frame-list-list set to all ones, as Linux
  /// does when the domain builder passes `SIF_VIRT_P2M_4TOOLS`.
  case linear
}
