#!/usr/bin/env python3
"""The lab table (labs.json) for the shell scripts (dom0's driver and the report read it as Swift's LabTable).

  lab.py releases            the Xen releases, one per line, in the table's order
  lab.py shell XEN           shell assignments for one lab: XENVER, SUITE, LAB_KERNEL, SUITE_PACKAGES,
                             GUEST_KERNELS (kernel=suite pairs), GUEST_LINES (name:type:kernel:role:cpu:evtchn, space separated;
                             cpu: the Xen CPU the guest is pinned to, or - for none; evtchn: 1 when the guest loads
                             the suspend event channel module (role eventchannel), else 0)
Standard library only.
"""
import json
import os
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def table():
    with open(os.path.join(HERE, "labs.json")) as f:
        return json.load(f)


def lab(xen, t=None):
    t = t or table()
    for entry in t["labs"]:
        if entry["xen"] == xen:
            return entry
    raise SystemExit(f"lab.py: no lab for Xen {xen!r} in labs.json (have {[e['xen'] for e in t['labs']]})")


def pin(entry, guest):
    """The Xen CPU a guest is pinned to: its own "cpu", else the lab's hvmGuestsOnCPU for HVM-family guests; "-": none.
    An HVM-family guest must have one: floating between the emulated CPUs they die of triple faults (README)."""
    cpu = guest.get("cpu")
    if guest["type"] in ("pvh", "pvhvm", "hvm"):
        cpu = entry.get("hvmGuestsOnCPU") if cpu is None else cpu
        if cpu is None:
            raise SystemExit(f"lab.py: Xen {entry['xen']}'s {guest['type']} guest {guest['name']!r} floats: give it a cpu "
                             "in labs.json (or the lab an hvmGuestsOnCPU)")
    return "-" if cpu is None else str(cpu)


def evtchn(guest):
    """1 when the guest loads the suspend event channel module (guest/module): the event channel guests do."""
    return "1" if guest["role"] == "eventchannel" else "0"


def main(argv):
    t = table()
    if argv[1:] == ["releases"]:
        print("\n".join(e["xen"] for e in t["labs"]))
        return 0
    if len(argv) == 3 and argv[1] == "shell":
        e = lab(argv[2], t)
        kernels = sorted({g["kernel"] for g in e["guests"]} | {e["kernel"]})
        values = {
            "XENVER": e["xen"],
            "SUITE": e["suite"],
            "LAB_KERNEL": e["kernel"],
            "SUITE_PACKAGES": " ".join(t["suites"][e["suite"]]["packages"]),
            "GUEST_KERNELS": " ".join(f"{k}={t['kernels'][k]['suite']}" for k in kernels),
            "GUEST_LINES": " ".join(f"{g['name']}:{g['type']}:{g['kernel']}:{g['role']}:{pin(e, g)}:{evtchn(g)}"
                                   for g in e["guests"]),
        }
        for k, v in values.items():
            print(f"{k}={shlex.quote(v)}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
