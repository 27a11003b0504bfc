#!/usr/bin/env python3
"""Judges a real-Xen run: reads the @@RESULT lines dom0 printed on the serial console, checks each against
what the scenario must show, prints a results table, one line per failure, the xen-resume / C pause-time
ratio per guest type, and `N passed, N failed` alone on the last line. Exits 1 on any failure or missing
scenario (2 when the log cannot be read).

dom0 records facts (exit codes, the tools' JSON output, liveness counters, Xen's own view of the domain) and
its own verdict ("ok"); this script re-checks the facts, so a scenario passes only when both agree. The
conformance suite's and the lifecycle program's lines (xen-host-conformance's and xen-resume-lifecycle's own JSON,
relayed unchanged) carry no "ok": check.py is their only judge (re-checking the lifecycle steps' facts too).

The lab (labs.json, through lab.py) decides which guests a complete run reports: the main guests (named by their
type) get every scenario, a guest there for another kernel gets its type's scenario group and the slow-resume
outcome, the throwaway guest the slow-resume outcome and the guest-less error paths. The slow-resume outcomes and
the fast cycles also become the lab's column of the survival matrix (logs/survival.json; matrix.py renders it).

Usage: check.py --xen XEN [SERIAL_LOG] [--timings FILE ...]   (default: work/xen-XEN/logs/serial.log)
Standard library only.
"""
import json
import os
import re
import statistics
import sys

import lab as labtable

HERE = os.path.dirname(os.path.abspath(__file__))
# The main guests, named by their type in every lab; configure() adds the lab's other guests.
GUESTS = ["pv", "pvh", "pvhvm", "hvm"]
PV_AWARE = ["pv", "pvh", "pvhvm"]
COLUMNS = ["pv", "pvh", "pvhvm", "hvm", "throw", "dom0", "none"]
TYPE = {g: g for g in GUESTS}
KERNEL = {}
KERNEL_GUESTS = []
THROWAWAY = ["throw"]
LAB_XEN = None
EXPECTED_PATH = {"pv": "xenstoreControl", "pvh": "xenstoreControl", "pvhvm": "xenstoreControl",
                 "hvm": "hypervisorShutdown"}
# The fewest checkpoint cycles a guest may get (dom0 runs 50, fewer on PVHVM whose suspends take seconds
# under emulation; the output notes reduced counts).
MIN_CHECKPOINT = 10
REASONS = {0: "poweroff", 1: "reboot", 2: "suspend", 3: "crash", 4: "watchdog", 5: "soft_reset"}

# (scenario, guest) pairs a complete run must report.
EXPECTED = (
    [("dom0-ready", "dom0")]
    + [("boot", g) for g in GUESTS + ["throw"]]
    + [(s, g) for s in ["status", "fast-cycles", "checkpoint", "compare"] for g in GUESTS]
    + [("registers", "pv"), ("registers", "hvm")]
    + [(s, g) for s in ["slow-refused", "shutdown-refused", "xs-resume"] for g in PV_AWARE]
    + [("slow-hvm", "hvm"), ("c-uncooperative", "pv"), ("uncooperative", "pv")]
    + [("device-model", "pvhvm"), ("device-model", "hvm")]
    + [("error-unknown-domain", "none"), ("error-dom0", "dom0"), ("error-resume-running", "pv"),
       ("error-suspend-timeout", "pv")]
)

# The XenHost conformance suite: dom0 runs `xen-host-conformance` once, after every other scenario, over all
# four guests, and prefixes each of its stdout lines with "@@RESULT " unchanged: one object per check,
# {"check":NAME,"guest":TYPE|null,"domain":ID|null,"outcome":"passed"|"failed"|"skipped","detail":TEXT,
# "milliseconds":N}, then {"summary":{"passed":N,"failed":N,"skipped":N}}. They are judged here as scenario
# "conformance/NAME" (guest null: column "none") and "conformance-summary" [dom0]. dom0 adds
# "conformance-run" [dom0] (exit code, stderr) and "conformance-alive" per guest (counter and Xen's state
# afterwards).
CONF_PREFIX = "conformance/"
# Every check the suite must report, and the guest types it applies to (None: a host-wide check, reported once
# with no guest). xen-host-conformance runs every per-guest check on every guest it is given.
HOST_CHECKS = [
    "domains.missing-domain-is-esrch",
    "xenstore.missing-node",
    "xenstore.write-then-read",
    "xenstore.transaction-conflict-eagain",
    "xenstore.transaction-abort-discards",
    "watches.new-watch-fires-once",
    "watches.watch-fires-on-change-below",
]
GUEST_CHECKS = [
    "domains.guest-type-matches-xen",
    "domains.resume-of-running-domain-changes-nothing",
    "domains.hvm-parameter-needs-hvm-container",
    "vcpus.context-round-trip",
    "watches.release-domain-fires-on-suspend",
    "watches.release-domain-rearmed-by-xs-resume",
    "event-channels.suspend-subscription-replaces-release-domain",
    "event-channels.suspend-subscription-signals-bound-port",
    "suspend-lock.exclusive",
]
CONFORMANCE_CHECKS = {**{c: None for c in HOST_CHECKS}, **{c: GUESTS for c in GUEST_CHECKS}}
# The checks that may be reported "skipped" instead of "passed", and what the program's reason ("detail")
# must say: no upstream Linux guest advertises a suspend event channel (device/suspend/event-channel), so the
# bound-port check has nothing to bind on any of these guests. Any other skip (guest not running, suspend lock
# held by someone else, "missing" domain exists) is a failure here: dom0 set the run up so none can happen.
CONFORMANCE_MAY_SKIP = {
    "event-channels.suspend-subscription-signals-bound-port": re.compile(r"suspend event channel"),
}
# The lifecycle scenarios: dom0 runs `xen-resume-lifecycle` once, after the scenario groups and before the
# conformance suite, over every booted guest, and relays its stdout lines behind "@@RESULT " unchanged: one object
# per step, {"lifecycle":NAME,"step":STEP,"guest":TYPE,"domain":ID,"outcome":"passed"|"failed"|"skipped",
# "detail":TEXT,"milliseconds":N,"facts":{...}}, then {"lifecycleSummary":{"passed":N,"failed":N,"skipped":N}}.
# Each (scenario, guest) is one row "lifecycle/NAME", judged over its steps: every step below reported once, each
# "passed" (and its facts re-checked here), or "skipped" only where LIFECYCLE_MAY_SKIP allows it; a skipped step
# ends its scenario. dom0 adds "lifecycle-run" [dom0] and "lifecycle-alive" per guest.
LIFE_PREFIX = "lifecycle/"
LIFECYCLE_STEPS = {
    # PV-aware guests then get round (b): the C reference client suspends cooperatively and resumes fast itself.
    "foreign-suspend": ["cycle-1", "cycle-2", "other-suspends", "refuse-suspend", "refuse-resume", "other-resumes",
                        "cycle-3", "c-suspends", "c-refuse-suspend", "c-refuse-resume", "c-resumes", "cycle-4"],
    "leftover-subscription": ["other-subscribes", "suspend", "other-unsubscribes", "cycle-after"],
    "eventchannel-then-xenstore": ["plan", "event-channel", "xenstore"],
    "domid-reuse": ["checkpoint-before", "replace", "checkpoint-after"],
    # A second run of the program, dom0's very last act (it kills xenstored); its summary line is not relayed.
    "xenstored-lost": ["suspend-while-xenstored-dies"],
}
# domid-reuse is not run by dom0: xl restore of a `-D` image fails in this lab (cause open, README).
LIFECYCLE_GUESTS = {"foreign-suspend": GUESTS, "leftover-subscription": PV_AWARE,
                    "eventchannel-then-xenstore": PV_AWARE, "xenstored-lost": ["pv"]}
# No lab guest advertises a suspend event channel (no upstream Linux does; a later issue adds a guest module), so
# the event channel scenario may only say so and stop.
LIFECYCLE_MAY_SKIP = {("eventchannel-then-xenstore", "plan"): re.compile(r"advertises no suspend event channel")}
CYCLE_STEPS = {"cycle-1", "cycle-2", "cycle-3", "cycle-4", "cycle-after", "event-channel", "xenstore"}


def lifecycle_steps(name, guest):
    """The steps a lifecycle row must report, in order (round (b) of foreign-suspend needs a PV-aware guest)."""
    steps = LIFECYCLE_STEPS.get(name, [])
    if name == "foreign-suspend" and guest not in PV_AWARE:
        steps = steps[: steps.index("cycle-3") + 1]
    return steps
EXPECTED = (
    EXPECTED
    + [("conformance-run", "dom0"), ("conformance-summary", "dom0")]
    + [(CONF_PREFIX + name, g or "none") for name, gs in CONFORMANCE_CHECKS.items() for g in (gs or [None])]
    + [("conformance-alive", g) for g in GUESTS]
    + [("lifecycle-run", "dom0"), ("lifecycle-summary", "dom0"), ("xenstored-lost-run", "dom0")]
    + [(LIFE_PREFIX + name, g) for name, gs in LIFECYCLE_GUESTS.items() for g in gs]
    + [("lifecycle-alive", g) for g in GUESTS]
)
OUTCOMES = ("passed", "failed", "skipped")
# Printed by dom0 only without xen-resume (the C client's baseline cycles and its stand-ins for the panic
# and HVM slow-resume proofs); judged when present, never required.
OPTIONAL = {("c-slow-hvm", "hvm")} | {("c-baseline", g) for g in GUESTS}


def configure(xen):
    """Adds the lab's guests beyond the main four to the expectations (EXPECTED, COLUMNS, TYPE, KERNEL)."""
    global EXPECTED, COLUMNS, KERNEL_GUESTS, THROWAWAY, LAB_XEN
    entry = labtable.lab(xen)
    LAB_XEN = xen
    guests = entry["guests"]
    for g in guests:
        TYPE[g["name"]] = g["type"]
        KERNEL[g["name"]] = g["kernel"]
    KERNEL_GUESTS = [g["name"] for g in guests if g["role"] == "kernel"]
    THROWAWAY = [g["name"] for g in guests if g["role"] == "throwaway"]
    COLUMNS = GUESTS + THROWAWAY + KERNEL_GUESTS + ["dom0", "none"]
    extra = [("boot", g) for g in KERNEL_GUESTS]
    for g in KERNEL_GUESTS:
        t = TYPE[g]
        extra += [(s, g) for s in ["status", "fast-cycles", "checkpoint", "compare", "slow-refused",
                                   "shutdown-refused", "xs-resume", "slow-outcome"]]
        if t == "pv":
            extra += [(s, g) for s in ["registers", "error-resume-running", "error-suspend-timeout",
                                       "c-uncooperative", "uncooperative"]]
    extra += [("slow-outcome", g) for g in THROWAWAY + ["pvh", "pvhvm"]]
    if not entry.get("lifecycle", True):
        # The lab leaves the lifecycle scenarios out (labs.json says why); xenstored-lost still runs.
        EXPECTED = [k for k in EXPECTED if k[0] not in ("lifecycle-run", "lifecycle-summary", "lifecycle-alive")
                    and not (k[0].startswith(LIFE_PREFIX) and k[0] != LIFE_PREFIX + "xenstored-lost")]
    EXPECTED = [k for k in EXPECTED if k[0] != "boot" or k[1] in GUESTS] + [("boot", g) for g in THROWAWAY] + extra
    for g in KERNEL_GUESTS + THROWAWAY:
        OPTIONAL.add(("c-baseline", g))
        OPTIONAL.add(("c-slow-outcome", g))
    OPTIONAL.update({("c-slow-outcome", "pvh"), ("c-slow-outcome", "pvhvm")})
    return entry

# A line of Xen's, a guest's (through Xen) or dom0's kernel that landed inside one of dom0's result lines.
FOREIGN = re.compile(r"\(XEN\) |\(d\d+\) |\[\s*\d+\.\d+\] ")


def parse_results(text):
    """Returns (results, garbled): the @@RESULT objects in order, and excerpts of lines that did not parse."""
    lines = text.replace("\r", "").split("\n")
    results, garbled = [], []
    i = 0
    while i < len(lines):
        at = lines[i].find("@@RESULT ")
        if at < 0:
            i += 1
            continue
        payload, j = lines[i][at + len("@@RESULT "):], i
        obj = None
        for _ in range(8):
            try:
                obj = json.loads(payload)
                break
            except json.JSONDecodeError:
                # Another writer's line cut into ours: drop its fragment, our line goes on on the next one.
                m = FOREIGN.search(payload)
                if not m or j + 1 >= len(lines):
                    break
                payload = payload[: m.start()] + lines[j + 1]
                j += 1
        if isinstance(obj, dict):
            results.append(obj)
            i = j + 1
        else:
            garbled.append(lines[i][at: at + 160])
            i += 1
    return results, garbled


def doc(text):
    """A tool's stdout parsed as the one JSON document it must be, or None."""
    try:
        return json.loads(text) if text else None
    except (json.JSONDecodeError, TypeError):
        return None


def steps(r):
    """Every recorded command of a result: the result itself and its named sub-objects with a "cmd"."""
    found = [r] if "cmd" in r else []
    found += [v for v in r.values() if isinstance(v, dict) and "cmd" in v]
    return found


class Check:
    def __init__(self):
        self.problems = []

    def that(self, cond, message):
        if not cond:
            self.problems.append(message)
        return cond


def check_cli_contract(r, c):
    """Every xen-resume call: --json stdout is one JSON document; errors come with the error object and
    one `xen-resume: error:` line on stderr; successes name the xen backend."""
    for s in steps(r):
        if "xen-resume" not in s.get("cmd", "") or "--json" not in s["cmd"] or s.get("rc") in (124, 137):
            continue
        d = doc(s.get("stdout"))
        if not c.that(isinstance(d, dict), f"`{s['cmd']}`: stdout is not one JSON document: {s.get('stdout')!r:.120}"):
            continue
        if s["rc"] == 0:
            c.that("error" not in d, f"`{s['cmd']}`: exit 0 with an error object")
            c.that(d.get("backend") == "xen", f"`{s['cmd']}`: backend {d.get('backend')!r}, expected \"xen\"")
        else:
            err = d.get("error") if isinstance(d.get("error"), dict) else {}
            c.that("kind" in err and "message" in err, f"`{s['cmd']}`: exit {s['rc']} without error.kind/message")
            c.that("xen-resume: error:" in (s.get("stderr") or ""),
                   f"`{s['cmd']}`: exit {s['rc']} without a `xen-resume: error:` line on stderr")


def rc_is(c, s, want, what):
    if not c.that(isinstance(s, dict), f"{what}: not run"):
        return False
    rc = s.get("rc")
    hint = " (killed by dom0's time limit)" if rc in (124, 137) else ""
    err = (s.get("stderr") or "").strip().splitlines()
    detail = f": {err[-1][:160]}" if err and rc != want else ""
    return c.that(rc == want, f"{what}: `{s.get('cmd')}` exited {rc}{hint}, expected {want}{detail}")


def kind_is(c, s, want, what):
    d = doc((s or {}).get("stdout")) or {}
    kind = (d.get("error") or {}).get("kind") if isinstance(d.get("error"), dict) else None
    return c.that(kind == want, f"{what}: error kind {kind!r}, expected {want!r}")


def alive(c, r, what="guest"):
    return c.that(r.get("alive") is True, f"{what} not alive afterwards (console counter {r.get('counter')})")


def state_is(c, st, state, reason, what):
    st = st or {}
    ok = st.get("state") == state and (reason is None or st.get("shutdownReason") == reason)
    c.that(ok, f"{what}: Xen reports {st.get('state')!r} (reason {st.get('shutdownReason')}), expected {state!r}"
           + (f" with reason {reason} ({REASONS.get(reason)})" if reason is not None else ""))


def regs_equal(c, r, a, b, what):
    ra, rb = r.get(a) or {}, r.get(b) or {}
    c.that(ra.get("rax") is not None and (ra.get("rax"), ra.get("rip")) == (rb.get("rax"), rb.get("rip")),
           f"{what}: vcpu0 registers changed: rax {ra.get('rax')} -> {rb.get('rax')}, rip {ra.get('rip')} -> {rb.get('rip')}")


def judge(r):
    """Problems with one result (empty when it passes)."""
    c = Check()
    scen, g = r.get("scenario"), r.get("guest")
    if r.get("reason"):
        # dom0 could not run it (xen-resume missing, …): the reason says it all.
        return [str(r["reason"])]
    check_cli_contract(r, c)
    gt = TYPE.get(g, g)

    if scen == "status" and rc_is(c, r, 0, "status"):
        d = doc(r.get("stdout")) or {}
        dom = (d.get("domains") or [{}])[0]
        c.that(dom.get("guestType") == gt, f"guestType {dom.get('guestType')!r}, expected {gt!r}")
        c.that(dom.get("suspendPath") == EXPECTED_PATH[gt],
               f"suspendPath {dom.get('suspendPath')!r}, expected {EXPECTED_PATH[gt]!r} ({dom.get('pathReason')})")
        c.that(dom.get("state") == "running", f"state {dom.get('state')!r}, expected 'running'")
        c.that(dom.get("width") == 64, f"width {dom.get('width')!r}, expected 64")
        # The binary really is the one built against this lab's release (libxenctrl's soname carries it), and it
        # reads domain info with the exact call where that release's libxenctrl has one.
        lib = d.get("xenLibrary") or {}
        c.that(lib.get("release") == LAB_XEN, f"xen-resume loaded libxenctrl {lib.get('release')!r}, expected {LAB_XEN}")
        want_call = "xc_domain_getinfolist" if LAB_XEN == "4.17" else "xc_domain_getinfo_single"
        c.that(lib.get("domainInfoCall") == want_call, f"domain info through {lib.get('domainInfoCall')!r}, expected {want_call}")
    elif scen == "fast-cycles":
        if "reason" not in r:
            c.that(r.get("cycles") == 5 and r.get("rcs") == [0] * 10,
                   f"exit codes {r.get('rcs')} over {r.get('cycles')} cycles, expected 5 x (suspend 0, resume 0)")
            c.that(r.get("paths") == [EXPECTED_PATH[gt]] * 5, f"paths {r.get('paths')}, expected {EXPECTED_PATH[gt]}")
            c.that(r.get("alive") == [True] * 5, f"alive after each cycle: {r.get('alive')} (counter {r.get('counter')})")
            if "failed" in r:
                rc_is(c, r["failed"], 0, "failing step")
    elif scen == "checkpoint":
        # xen-resume's checkpoint cycles, run in blocks alternating with the C client's (see "compare").
        want = r.get("requested", 0)
        c.that(want >= MIN_CHECKPOINT, f"only {want} cycles requested (at least {MIN_CHECKPOINT})")
        c.that(r.get("rcs") == [0] * len(r.get("rcs") or [1]), f"block exit codes {r.get('rcs')}")
        if "failed" in r:
            rc_is(c, r["failed"], 0, "failing block")
        docs = [doc(b) or {} for b in r.get("blocks", [])]
        got = sum(d.get("succeeded", 0) for d in docs)
        c.that(got == want and r.get("succeeded") == want, f"{got} of {want} cycles succeeded")
        c.that(all(d.get("count") == r.get("blockSize") for d in docs), "a block ran another count than asked")
        paths = sorted({d.get("path") for d in docs}, key=str)
        c.that(paths == [EXPECTED_PATH[gt]], f"paths {paths}, expected {EXPECTED_PATH[gt]!r}")
        types = sorted({d.get("guestType") for d in docs}, key=str)
        c.that(types == [gt], f"guestType {types}, expected {gt!r}")
        c.that(all(isinstance(d.get("pauseMicroseconds"), dict) for d in docs), "a block has no pause distribution")
        alive(c, r)
    elif scen == "compare":
        want = r.get("blockSize", 10) * r.get("blocks", 0)
        c.that(r.get("blocks", 0) >= 2, f"{r.get('blocks')} blocks per tool, expected at least 2")
        c.that(r.get("swiftSucceeded") == want, f"xen-resume: {r.get('swiftSucceeded')} of {want} cycles")
        c.that(r.get("cSucceeded") == want, f"C client: {r.get('cSucceeded')} of {want} cycles")
        for k in ("failedSwiftBlock", "failedCBlock"):
            if k in r:
                rc_is(c, r[k], 0, k)
        alive(c, r)
    elif scen == "registers":
        rc_is(c, r.get("suspend"), 0, "suspend")
        rc_is(c, r.get("resume"), 0, "resume --fast")
        b, a = r.get("before") or {}, r.get("after") or {}
        if gt == "hvm":
            regs_equal(c, r, "before", "after", "pure HVM fast resume")
        else:
            c.that(a.get("rax") == "0x1", f"PV fast resume: rax {b.get('rax')} -> {a.get('rax')}, expected 0x1")
            c.that(a.get("rip") == b.get("rip"), f"rip moved while held paused: {b.get('rip')} -> {a.get('rip')}")
        alive(c, r)
    elif scen == "slow-refused":
        rc_is(c, r.get("suspend"), 0, "suspend")
        if rc_is(c, r.get("slow"), 1, "resume --slow without --confirm-slow"):
            kind_is(c, r.get("slow"), "refused", "resume --slow")
        state_is(c, r.get("stateAfterRefusal"), "shutdown", 2, "after the refusal")
        regs_equal(c, r, "regsBefore", "regsAfter", "refused slow resume")
        rc_is(c, r.get("fast"), 0, "resume --fast afterwards")
        alive(c, r)
    elif scen == "shutdown-refused":
        if rc_is(c, r, 1, "suspend --path shutdown"):
            kind_is(c, r, "refused", "suspend --path shutdown")
        state_is(c, r.get("stateAfter"), "running", None, "after the refusal")
        alive(c, r)
    elif scen in ("slow-outcome", "c-slow-outcome"):
        rc_is(c, r.get("suspend"), 0, "suspend")
        rc_is(c, r.get("resume"), 0, "slow resume")
        outcome, st = r.get("outcome"), r.get("finalState") or {}
        c.that(outcome in ("alive", "warned", "panic", "shutdown", "hung"),
               f"no outcome within dom0's watch: {outcome!r} (counter {r.get('counter')}, Xen: {st.get('state')!r})")
        if outcome in ("panic", "shutdown"):
            c.that(st.get("state") == "shutdown" and st.get("shutdownReason") not in (None, 2),
                   f"outcome {outcome} but Xen reports {st.get('state')!r} (reason {st.get('shutdownReason')})")
        if outcome == "panic":
            c.that(bool(r.get("panic")), "outcome panic without the panic's message")
    elif scen == "slow-hvm":
        if rc_is(c, r.get("suspend"), 0, "suspend"):
            d = doc(r["suspend"].get("stdout")) or {}
            c.that(d.get("path") == "hypervisorShutdown", f"path {d.get('path')!r}, expected 'hypervisorShutdown'")
        if rc_is(c, r.get("resume"), 0, "resume --slow"):
            d = doc(r["resume"].get("stdout")) or {}
            c.that(d.get("mode") == "slow", f"mode {d.get('mode')!r}, expected 'slow'")
        alive(c, r)
    elif scen in ("uncooperative", "c-uncooperative"):
        rc_is(c, r.get("forcedSuspend"), 0, "forced suspend (C client, xc_domain_shutdown)")
        state_is(c, r.get("stateForced"), "shutdown", 2, "after the forced suspend")
        if rc_is(c, r.get("resume"), 0, "resume --uncooperative") and scen == "uncooperative":
            d = doc(r["resume"].get("stdout")) or {}
            c.that(d.get("mode") == "uncooperative", f"mode {d.get('mode')!r}, expected 'uncooperative'")
        regs_equal(c, r, "regsBefore", "regsAfter", "uncooperative resume")
        alive(c, r)
        if scen == "uncooperative":
            rc_is(c, r.get("afterSuspend"), 0, "cooperative suspend afterwards")
            rc_is(c, r.get("afterResume"), 0, "fast resume afterwards")
        else:
            rc_is(c, r.get("afterCycle"), 0, "C cycle afterwards")
        c.that((r.get("after") or {}).get("alive") is True, "guest not alive after the cooperative cycle that followed")
    elif scen == "device-model":
        c.that(r.get("cyclesBetween", 0) > 0, "no suspend/resume cycles between the two samples")
        for k in ("qmpBefore", "qmpAfter"):
            st = (((r.get(k) or {}).get("reply") or {}).get("return") or {}).get("status")
            c.that(st == "running", f"{k}: device model status {st!r}, expected 'running'")
        c.that(r.get("dmPidBefore") and r.get("dmPidBefore") == r.get("dmPidAfter") and r.get("dmProcessAlive"),
               f"device model pid {r.get('dmPidBefore')} -> {r.get('dmPidAfter')} (alive: {r.get('dmProcessAlive')})")
        alive(c, r)
    elif scen == "xs-resume" and "swiftXenstoreSuspends" in r:
        want = max(r.get("expectedSwiftXenstoreSuspends", 55), 5 + MIN_CHECKPOINT)
        c.that(r["swiftXenstoreSuspends"] >= want,
               f"only {r['swiftXenstoreSuspends']} of {want} xen-resume suspends on the xenstore path succeeded")
        c.that(r.get("cSeenByPoll") == 0,
               f"{r.get('cSeenByPoll')} C suspends were not announced by @releaseDomain (XS_RESUME missing before them)")
    elif scen == "error-unknown-domain":
        for k in ("suspend", "resume"):
            if rc_is(c, r.get(k), 66, f"{k} of domain 4242"):
                kind_is(c, r[k], "domainNotFound", k)
    elif scen == "error-dom0":
        for k in ("suspend", "resume"):
            if rc_is(c, r.get(k), 1, f"{k} of dom0"):
                kind_is(c, r[k], "refused", k)
    elif scen == "error-resume-running":
        if rc_is(c, r, 1, "resume of a running guest") and kind_is(c, r, "notSuspended", "resume"):
            msg = (((doc(r.get("stdout")) or {}).get("error")) or {}).get("message", "")
            c.that("not suspended" in msg.lower(), f"message {msg!r} does not say 'not suspended'")
        state_is(c, r.get("stateAfter"), "running", None, "afterwards")
        alive(c, r)
    elif scen == "error-suspend-timeout":
        if rc_is(c, r, 75, "suspend --timeout 1ms"):
            kind_is(c, r, "timeout", "suspend --timeout 1ms")
        c.that(r.get("controlShutdownReadRc") == 0 and r.get("controlShutdown") == "",
               f"control/shutdown afterwards: {r.get('controlShutdown')!r} (read rc {r.get('controlShutdownReadRc')}), expected empty (request withdrawn)")
        state_is(c, r.get("stateAfter"), "running", None, "afterwards")
        alive(c, r)
    elif scen == "c-baseline":
        rc_is(c, r, 0, "C client cycles")
        alive(c, r)
    elif scen == "conformance-run":
        rc_is(c, r, 0, "xen-host-conformance")
        c.that(sorted(r.get("guests") or []) == sorted(GUESTS), f"run over {r.get('guests')}, expected {GUESTS}")
        c.that(not r.get("otherStdout"), f"stdout lines that are not JSON objects: {r.get('otherStdout')!r:.200}")
    elif scen == "lifecycle-run":
        rc_is(c, r, 0, "xen-resume-lifecycle")
        c.that(sorted(r.get("guests") or []) == sorted(GUESTS), f"run over {r.get('guests')}, expected {GUESTS}")
        c.that(not r.get("otherStdout"), f"stdout lines that are not JSON objects: {r.get('otherStdout')!r:.200}")
    elif scen == "xenstored-lost-run":
        c.that(r.get("rc") in (0, 1), f"xen-resume-lifecycle --scenario xenstored-lost exited {r.get('rc')} "
               f"(137: killed at dom0's limit, hung on the dead xenstored): {str(r.get('stderr'))[-300:]!r}")
        c.that(r.get("jsonLines") == 1, f"{r.get('jsonLines')} step lines, expected 1")
    elif scen == "lifecycle-alive":
        alive(c, r, f"guest (domain {r.get('domid')}) after the lifecycle scenarios")
        state_is(c, r.get("stateAfter"), "running", None, "after the lifecycle scenarios")
        c.that(r.get("domidNow") == r.get("domid"), f"domain id {r.get('domid')} -> {r.get('domidNow')}")
    elif scen == "conformance-alive":
        alive(c, r, f"guest (domain {r.get('domid')}) after the conformance suite")
        state_is(c, r.get("stateAfter"), "running", None, "after the conformance suite")

    if r.get("ok") is not True and not c.problems:
        c.problems.append("dom0 judged it failed (see the result line)")
    return c.problems


def conformance_key(r):
    """The (scenario, guest) key of one of xen-host-conformance's lines (which carry no "scenario")."""
    if "check" in r:
        return (CONF_PREFIX + str(r["check"]), r.get("guest") or "none")
    return ("conformance-summary", "dom0")


def judge_conformance(r, run):
    """Problems with one check line of xen-host-conformance; run is dom0's conformance-run result (or {})."""
    c = Check()
    name, g, outcome, detail = r.get("check"), r.get("guest"), r.get("outcome"), str(r.get("detail") or "")
    c.that(outcome in OUTCOMES, f"outcome {outcome!r}, expected one of {OUTCOMES}")
    c.that(g is None or g in GUESTS, f"guest {g!r}, expected one of {GUESTS} or null")
    c.that(isinstance(r.get("milliseconds"), (int, float)), f"milliseconds {r.get('milliseconds')!r}")
    doms = run.get("domains") or {}
    if g in doms:
        c.that(r.get("domain") == doms[g], f"domain {r.get('domain')!r}, but dom0 gave {g} as domain {doms[g]}")
    if outcome == "failed":
        c.problems.append(f"failed: {detail[:400]}")
    elif outcome == "skipped":
        why = CONFORMANCE_MAY_SKIP.get(name)
        c.that(why is not None and why.search(detail),
               f"skipped ({detail[:300] or 'no reason given'})" + (
                   ": only the checks in CONFORMANCE_MAY_SKIP may be skipped" if why is None else
                   f": a skip of this check must say /{why.pattern}/"))
    return c.problems


def judge_conformance_summary(rs, checks, run):
    """Problems with the summary line(s) against the check lines seen and the program's exit code."""
    c = Check()
    if not c.that(len(rs) == 1, f"{len(rs)} summary lines, expected 1"):
        return c.problems
    summ = rs[0].get("summary")
    if not c.that(isinstance(summ, dict), f"summary {summ!r} is not an object"):
        return c.problems
    seen = {o: sum(1 for r in checks if r.get("outcome") == o) for o in OUTCOMES}
    c.that(summ.get("failed") == 0, f"summary says {summ.get('failed')} failed")
    c.that(all(summ.get(o) == seen[o] for o in OUTCOMES),
           f"summary {summ} does not match the check lines seen ({seen})")
    if isinstance(run.get("rc"), int) and run["rc"] not in (124, 137):
        c.that((run["rc"] == 0) == (summ.get("failed") == 0),
               f"exit status {run['rc']} with {summ.get('failed')} failed (0 iff none failed)")
    if isinstance(run.get("jsonLines"), int):
        c.that(run["jsonLines"] == len(checks) + 1,
               f"dom0 relayed {run['jsonLines']} lines, {len(checks) + 1} parsed (garbled on the console?)")
    return c.problems


def judge_lifecycle_step(r, c):
    """Re-checks one step's facts (the program's own verdict is checked separately)."""
    st, f = r.get("step"), r.get("facts") or {}
    what = f"{st}"
    if "unexpectedError" in f:
        c.problems.append(f"{what}: unexpected error {((f['unexpectedError'] or {}).get('description'))!r:.300}")
    state = lambda k: ((f.get(k) or {}).get("state"))
    if st in CYCLE_STEPS:
        for k in ("suspendError", "resumeError"):
            if k in f:
                c.problems.append(f"{what}: {k[:-5]} failed: {(f[k] or {}).get('description')!r:.300}")
        c.that(state("stateAfter") == "running", f"{what}: domain {state('stateAfter')!r} afterwards, expected running")
        c.that(f.get("alive") is True, f"{what}: guest not alive (counter {f.get('counter')})")
    elif st in ("other-suspends", "c-suspends"):
        c.that(state("stateAfter") == "suspended", f"{what}: domain {state('stateAfter')!r} after xc_domain_shutdown")
    elif st in ("refuse-suspend", "refuse-resume", "c-refuse-suspend", "c-refuse-resume"):
        err = f.get("error") or {}
        c.that(err.get("kind") == "refused",
               f"{what}: expected a refusal, got {err.get('kind') or 'success'}: {err.get('description')!r:.300}")
        c.that(state("stateAfter") == "suspended", f"{what}: domain {state('stateAfter')!r} afterwards, expected suspended")
        before, after = (f.get("contextBefore") or {}), (f.get("contextAfter") or {})
        c.that(before.get("digest") and before.get("digest") == after.get("digest")
               and (f.get("contextChange") or {}).get("differingBytes") == 0,
               f"{what}: vcpu0 context {before.get('digest')} -> {after.get('digest')} "
               f"({(f.get('contextChange') or {}).get('differingBytes')} bytes differ; rax {before.get('returnRegister')} -> {after.get('returnRegister')})")
    elif st in ("other-resumes", "c-resumes"):
        c.that(state("stateAfter") == "running" and f.get("alive") is True,
               f"{what}: domain {state('stateAfter')!r}, alive {f.get('alive')} ({f.get('counter')})")
    elif st == "suspend" and r.get("lifecycle") == "leftover-subscription":
        if "suspendError" in f:
            c.problems.append(f"{what}: {(f['suspendError'] or {}).get('description')!r:.300}")
        us = (f.get("suspend") or {}).get("durationMicroseconds")
        limit = f.get("timeoutMilliseconds", 0) * 1000 / 2
        c.that(isinstance(us, int) and us < limit, f"{what}: took {us} us, expected under half the timeout ({limit:.0f} us)")
        c.that(state("stateAfter") == "running" and f.get("alive") is True,
               f"{what}: domain {state('stateAfter')!r}, alive {f.get('alive')} ({f.get('counter')})")
    elif st == "replace":
        for k in ("save", "restore"):
            c.that((f.get(k) or {}).get("status") == "exit 0", f"{what}: xl {k}: {(f.get(k) or {}).get('status')}")
        c.that(state("after") == "running", f"{what}: new domain {state('after')!r}")
        c.that(f.get("cpuTimeRestarted") is True or f.get("sameHandle") is False,
               f"{what}: same handle and cpu_time did not restart (no new domain)")
        c.that(f.get("alive") is True, f"{what}: restored guest not alive ({f.get('counter')})")
    elif st == "suspend-while-xenstored-dies":
        err, ms = f.get("error") or {}, f.get("millisecondsAfterKill")
        c.that(err.get("kind") not in (None, "timedOut"),
               f"{what}: expected an error about the lost xenstored, got {err.get('kind') or 'no error'}: "
               f"{err.get('description')!r:.300}")
        c.that(isinstance(ms, int) and ms < 10000, f"{what}: failed {ms} ms after xenstored died (expected under 10 s)")
        c.that("xenstore" in str(err.get("description", "")).lower(), f"{what}: the error does not name xenstore")
    elif st in ("checkpoint-before", "checkpoint-after"):
        if "checkpointError" in f:
            c.problems.append(f"{what}: {(f['checkpointError'] or {}).get('description')!r:.300}")
        c.that(state("stateAfter") == "running" and f.get("alive") is True,
               f"{what}: domain {state('stateAfter')!r}, alive {f.get('alive')} ({f.get('counter')})")


def judge_lifecycle(name, guest, rs, run):
    """Problems with one lifecycle row: the steps of one scenario on one guest."""
    c = Check()
    doms = run.get("domains") or {}
    by_step = {}
    for r in rs:
        by_step.setdefault(r.get("step"), []).append(r)
        g = r.get("guest")
        if g in doms:
            c.that(r.get("domain") == doms[g], f"{r.get('step')}: domain {r.get('domain')!r}, dom0 gave {doms[g]}")
    for st, lines in by_step.items():
        c.that(st in lifecycle_steps(name, guest), f"unknown step {st!r}")
        c.that(len(lines) == 1, f"{st}: reported {len(lines)} times")
    for st in lifecycle_steps(name, guest):
        r = (by_step.get(st) or [None])[0]
        if not c.that(r is not None, f"{st}: not reported (an earlier step failed, or the run was cut short)"):
            break
        outcome, detail = r.get("outcome"), str(r.get("detail") or "")
        c.that(outcome in OUTCOMES, f"{st}: outcome {outcome!r}")
        if outcome == "skipped":
            why = LIFECYCLE_MAY_SKIP.get((name, st))
            c.that(why is not None and why.search(detail), f"{st}: skipped ({detail[:300] or 'no reason'})" +
                   ("" if why else ": this step may not be skipped"))
            break
        if outcome == "failed":
            c.problems.append(f"{st}: failed: {detail[:400]}")
        judge_lifecycle_step(r, c)
    return c.problems


def judge_lifecycle_summary(rs, steps, run):
    c = Check()
    if not c.that(len(rs) == 1, f"{len(rs)} summary lines, expected 1"):
        return c.problems
    summ = rs[0].get("lifecycleSummary") or {}
    seen = {o: sum(1 for r in steps if r.get("outcome") == o) for o in OUTCOMES}
    c.that(all(summ.get(o) == seen[o] for o in OUTCOMES), f"summary {summ} does not match the step lines ({seen})")
    c.that(summ.get("failed") == 0, f"summary says {summ.get('failed')} failed")
    if isinstance(run.get("rc"), int) and run["rc"] not in (124, 137):
        c.that((run["rc"] == 0) == (summ.get("failed") == 0),
               f"exit status {run['rc']} with {summ.get('failed')} failed (0 iff none failed)")
    if isinstance(run.get("jsonLines"), int):
        c.that(run["jsonLines"] == len(steps) + 1,
               f"dom0 relayed {run['jsonLines']} lines, {len(steps) + 1} parsed (garbled on the console?)")
    return c.problems


def merged_pause(r):
    """One distribution from a checkpoint result's blocks (equal sizes): exact min, max and mean; p50 is the
    median of the blocks' medians, p90 and p99 the largest of the blocks' (an upper bound)."""
    pms = [(doc(b) or {}).get("pauseMicroseconds") for b in r.get("blocks", [])]
    pms = [p for p in pms if isinstance(p, dict) and p.get("max")]
    if not pms:
        return {}
    return {"min": min(p["min"] for p in pms), "p50": statistics.median(p["p50"] for p in pms),
            "p90": max(p["p90"] for p in pms), "p99": max(p["p99"] for p in pms),
            "max": max(p["max"] for p in pms), "mean": statistics.mean(p["mean"] for p in pms)}


def slow_cell(r):
    """A slow-resume result in the survival matrix's words."""
    st = r.get("finalState") or {}
    reason = REASONS.get(st.get("shutdownReason"), str(st.get("shutdownReason")))
    return {"alive": "alive", "warned": f"alive; warned: {r.get('warning')}",
            "panic": f"panic: {r.get('panic')}; shut down ({reason})",
            "shutdown": f"shut down ({reason})",
            # (The first WARNING/BUG line of a hung kernel is a symptom that varies: it goes to the notes, not the cell.)
            "hung": "hung"}.get(r.get("outcome"), "not observed")


def survival_cells(by_key, verdicts):
    """One cell pair per guest type and kernel in this lab: after the fast cycles and after the same-domain slow
    resume, from the passed results only (anything else reads "not observed")."""
    cells = {}
    for g, t in TYPE.items():
        if g not in KERNEL and g not in GUESTS:
            continue
        cell = cells.setdefault((t, KERNEL.get(g, "?")), {"type": t, "kernel": KERNEL.get(g, "?"),
                                                          "fast": "not observed", "slow": "not observed"})
        if by_key.get(("fast-cycles", g)) and not verdicts.get(("fast-cycles", g)):
            cell["fast"] = "alive"
        for scen in ("slow-outcome", "slow-hvm"):
            rs = by_key.get((scen, g))
            if rs and not verdicts.get((scen, g)):
                cell["slow"] = "alive" if scen == "slow-hvm" else slow_cell(rs[-1])
                lines = [x for x in (rs[-1].get("warning"), rs[-1].get("trouble")) if x]
                if lines:
                    cell["slowNote"] = "; ".join(lines)
    return sorted(cells.values(), key=lambda c: (["pv", "pvh", "pvhvm", "hvm"].index(c["type"]),
                                                  [int(x) for x in c["kernel"].split(".")]))


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    timing_files = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--timings"]
    xen = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--xen"), None)
    if xen is None:
        print("usage: check.py --xen XEN [SERIAL_LOG] [--timings FILE ...]")
        return 2
    args = [a for a in args if a not in timing_files and a != xen]
    configure(xen)
    log = args[0] if args else os.path.join(os.environ.get("REALXEN_WORK", os.path.join(HERE, "work")), f"xen-{xen}",
                                            "logs", "serial.log")
    try:
        with open(log, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
    except OSError as e:
        print(f"check: cannot read {log}: {e}")
        return 2

    results, garbled = parse_results(text)
    by_key = {}
    for r in results:
        if "scenario" in r:
            key = (r.get("scenario"), r.get("guest"))
        elif "lifecycle" in r:
            key = (LIFE_PREFIX + str(r["lifecycle"]), r.get("guest") or "none")
        elif "lifecycleSummary" in r:
            key = ("lifecycle-summary", "dom0")
        else:
            key = conformance_key(r)
        by_key.setdefault(key, []).append(r)
    conf_run = (by_key.get(("conformance-run", "dom0")) or [{}])[-1]
    conf_checks = [r for k, rs in by_key.items() if k[0].startswith(CONF_PREFIX) for r in rs]
    life_run = (by_key.get(("lifecycle-run", "dom0")) or [{}])[-1]
    life_steps = [r for k, rs in by_key.items() if k[0].startswith(LIFE_PREFIX) for r in rs
                  if r.get("lifecycle") != "xenstored-lost"]

    verdicts = {}  # key -> list of problems
    order = list(EXPECTED)
    for key in by_key:
        if key not in order:
            order.append(key)
    for key in order:
        rs = by_key.get(key)
        if not rs:
            if key in EXPECTED:
                verdicts[key] = ["missing: dom0 never reported it (guest did not boot, or the run was cut short)"]
            continue
        problems = []
        if key == ("conformance-summary", "dom0"):
            problems = judge_conformance_summary(rs, conf_checks, conf_run)
        elif key == ("lifecycle-summary", "dom0"):
            problems = judge_lifecycle_summary(rs, life_steps, life_run)
        elif key[0].startswith(LIFE_PREFIX):
            problems = judge_lifecycle(key[0][len(LIFE_PREFIX):], key[1], rs, life_run)
        elif key[0].startswith(CONF_PREFIX):
            for r in rs:
                problems += judge_conformance(r, conf_run)
            if len(rs) > 1:
                problems.append(f"reported {len(rs)} times")
        else:
            for r in rs:
                problems += judge(r)
        verdicts[key] = problems
    for g in garbled:
        verdicts[("unparsed-result", "none")] = verdicts.get(("unparsed-result", "none"), []) + [f"could not parse: {g}"]
        if ("unparsed-result", "none") not in order:
            order.append(("unparsed-result", "none"))

    # ---- table -------------------------------------------------------------------------------------------
    scenarios = []
    for s, _ in order:
        if s not in scenarios:
            scenarios.append(s)
    cols = [c for c in COLUMNS if any(k[1] == c for k in verdicts)]
    w = max(len(s) for s in scenarios) + 2
    print(f"Real Xen results from {log}")
    print("scenario".ljust(w) + "".join(c.ljust(8) for c in cols))
    for s in scenarios:
        row = s.ljust(w)
        for col in cols:
            v = verdicts.get((s, col))
            rs = by_key.get((s, col)) or []
            # An allowed conformance skip passes, but the table says it did not run.
            skip = (s.startswith(CONF_PREFIX) or s.startswith(LIFE_PREFIX)) and rs and any(
                r.get("outcome") == "skipped" for r in rs)
            row += ("-" if v is None else "FAIL" if v else "skip" if skip else "ok").ljust(8)
        print(row)

    # ---- figures -----------------------------------------------------------------------------------------
    print()
    print("Pause time (microseconds, request -> resumed), xen-resume vs the C client (libxenguest), "
          "alternating blocks of 10 on the same guest:")
    print("guest   swift p50 (blocks)  C p50 (blocks)  swift/C   xen-resume checkpoint p50/p90/p99/max (merged blocks)")
    for g in GUESTS + KERNEL_GUESTS:
        cmp_ = (by_key.get(("compare", g)) or [{}])[-1]
        sp = [x for x in cmp_.get("swiftP50", []) if isinstance(x, (int, float))]
        cp = [x for x in cmp_.get("cP50", []) if isinstance(x, (int, float))]
        smed = statistics.median(sp) if sp else None
        cmed = statistics.median(cp) if cp else None
        ratio = f"{smed / cmed:.2f}" if smed and cmed else "n/a"
        pm = merged_pause((by_key.get(("checkpoint", g)) or [{}])[-1])
        dist = "/".join(f"{pm[k]:.0f}" for k in ("p50", "p90", "p99", "max") if isinstance(pm.get(k), (int, float)))
        fmt = lambda v: f"{v:.0f}" if v is not None else "n/a"
        print(f"{g:<8}{fmt(smed):<20}{fmt(cmed):<16}{ratio:<10}{dist or 'n/a'}")

    for g in GUESTS + KERNEL_GUESTS:
        cm = (by_key.get(("compare", g)) or [{}])[-1]
        if "blockSize" in cm and cm["blocks"] * cm["blockSize"] < 50:
            print(f"note: {g} ran reduced counts: {cm.get('blocks')} blocks of {cm.get('blockSize')} checkpoint "
                  f"cycles per tool (50 elsewhere)")

    for g in GUESTS + THROWAWAY + KERNEL_GUESTS:
        b = (by_key.get(("boot", g)) or [{}])[-1]
        if b.get("attempts", 1) > 1:
            first = b.get("firstAttempt") or {}
            print(f"note: {g} booted on attempt {b['attempts']}: the first one ended {first.get('state')!r} "
                  f"(reason {first.get('shutdownReason')}) before its first console line")

    boots = {g: (by_key.get(("boot", g)) or [{}])[-1] for g in GUESTS + THROWAWAY + KERNEL_GUESTS}
    print()
    print("Boot (dom0 clock): " + ", ".join(
        f"{g} first line {b.get('firstLineSeconds', 'n/a')} s after xl create (create {b.get('createSeconds', 'n/a')} s)"
        for g, b in boots.items()))
    ready = (by_key.get(("dom0-ready", "dom0")) or [{}])[-1]
    print(f"dom0 ready at dom0 uptime {ready.get('uptime', 'n/a')} s; xen {ready.get('xenVersion', 'n/a')}; "
          f"build {json.dumps(ready.get('build'))}")
    for tf in timing_files + [os.path.join(os.path.dirname(log), "boot-timings.json")]:
        if os.path.exists(tf):
            with open(tf) as f:
                print(f"timings {os.path.basename(tf)}: {f.read().strip()}")
            if tf not in timing_files:
                break
    cells = survival_cells(by_key, verdicts)
    for cell in cells:
        print(f"survival: {cell['type']} Linux {cell['kernel']} on Xen {xen}: fast resume {cell['fast']}; "
              f"same-domain slow resume {cell['slow']}")
    with open(os.path.join(os.path.dirname(log), "survival.json"), "w") as f:
        json.dump({"xen": xen, "build": ready.get("build"), "cells": cells}, f, indent=1)

    if conf_checks or conf_run:
        summ = ((by_key.get(("conformance-summary", "dom0")) or [{}])[-1]).get("summary")
        print(f"conformance suite: exit {conf_run.get('rc')} after {conf_run.get('ms')} ms over domains "
              f"{json.dumps(conf_run.get('domains'))}; summary {json.dumps(summ)}")
        skips = {}
        for r in conf_checks:
            if r.get("outcome") == "skipped":
                skips.setdefault((r.get("check"), str(r.get("detail") or "")[:120]), []).append(r.get("guest") or "none")
        for (name, detail), gs in skips.items():
            print(f"conformance skipped: {name} [{', '.join(gs)}]: {detail}")

    if life_steps or life_run:
        summ = ((by_key.get(("lifecycle-summary", "dom0")) or [{}])[-1]).get("lifecycleSummary")
        print(f"lifecycle scenarios: exit {life_run.get('rc')} after {life_run.get('ms')} ms over domains "
              f"{json.dumps(life_run.get('domains'))}; summary {json.dumps(summ)}")
        for r in life_steps:
            f = r.get("facts") or {}
            tag = f"lifecycle {r.get('lifecycle')}/{r.get('step')} [{r.get('guest')}] {r.get('outcome')} {r.get('milliseconds')} ms"
            if r.get("step") in ("refuse-suspend", "refuse-resume", "c-refuse-suspend", "c-refuse-resume"):
                err = f.get("error") or {}
                print(f"{tag}: {err.get('kind') or 'no error'}: {str(err.get('description'))[:200]}; "
                      f"then {(f.get('stateAfter') or {}).get('state')}, context "
                      f"{(f.get('contextChange') or {}).get('differingBytes')} bytes changed; restored: {f.get('restored')}")
            elif r.get("step") == "suspend" and r.get("lifecycle") == "leftover-subscription":
                err = f.get("suspendError") or {}
                print(f"{tag}: suspend {(f.get('suspend') or {}).get('durationMicroseconds')} us"
                      + (f"; error {err.get('kind')}: {str(err.get('description'))[:200]}" if err else ""))
            elif r.get("step") == "replace":
                b, a = f.get("before") or {}, f.get("after") or {}
                print(f"{tag}: handle {b.get('handle')} -> {a.get('handle')} (same: {f.get('sameHandle')}), cpu_time "
                      f"{b.get('cpuTimeNs')} -> {a.get('cpuTimeNs')} ns; save {(f.get('save') or {}).get('milliseconds')} ms, "
                      f"restore {(f.get('restore') or {}).get('milliseconds')} ms, image {f.get('imageBytes')} bytes, "
                      f"{f.get('freeBytesBefore')} bytes free before")
            elif r.get("step") == "suspend-while-xenstored-dies":
                err = f.get("error") or {}
                print(f"{tag}: {err.get('kind') or 'no error'} {f.get('millisecondsAfterKill')} ms after the kill: "
                      f"{str(err.get('description'))[:200]}")
            elif r.get("step", "").startswith("checkpoint-"):
                print(f"{tag}: learned facts: {f.get('learnedFacts')}; host calls {json.dumps(f.get('hostCalls'))}")
            elif r.get("outcome") != "passed":
                print(f"{tag}: {str(r.get('detail'))[:200]}")

    # ---- failures ----------------------------------------------------------------------------------------
    passed = sum(1 for v in verdicts.values() if not v)
    failed = len(verdicts) - passed
    if failed:
        print()
    for (s, g), problems in verdicts.items():
        for p in problems:
            print(f"FAIL {s} [{g}]: {p}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
