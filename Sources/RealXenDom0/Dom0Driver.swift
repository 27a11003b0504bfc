import RealXenLab

// TEMPORARY (the integrator overwrites this file): the signature main.swift calls, so the package builds.
/// dom0's driver: boots the lab's guests, runs the plan, prints the results.
public enum Dom0Driver {
  /// Runs the lab of Xen `xen` from `table`; returns the process's exit status.
  public static func run(table: LabTable, xen: String) async -> Int32 { 1 }
}
