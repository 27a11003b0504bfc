#!/usr/bin/env python3
"""The survival matrix: what each guest type and kernel did after a fast resume and after a same-domain slow resume,
on every Xen of labs.json, from each lab's last judged run (work/xen-XEN/logs/survival.json, written by `xen-resume-lab report`).
Prints the Markdown table; with --write-article also puts it into the DocC article "Choosing a resume"
(Sources/XenResumeCore/XenResumeCore.docc/ChoosingAResume.md) between <!-- survival-matrix:begin --> and
<!-- survival-matrix:end --> (VerifiedOnRealXenTests replays every cell on the simulator). A lab without results
reads "not observed" in every cell of its columns.

Usage: matrix.py [--write-article]
Standard library only.
"""
import json
import os
import sys

import lab as labtable

HERE = os.path.dirname(os.path.abspath(__file__))
ARTICLE = os.path.join(HERE, "..", "..", "Sources", "XenResumeCore", "XenResumeCore.docc", "ChoosingAResume.md")
BEGIN, END = "<!-- survival-matrix:begin -->", "<!-- survival-matrix:end -->"
TYPES = ["pv", "pvh", "pvhvm", "hvm"]


def load(xen):
    path = os.path.join(os.environ.get("REALXEN_WORK", os.path.join(HERE, "work")), f"xen-{xen}", "logs",
                        "survival.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError):
        return None


def render(table):
    releases = [e["xen"] for e in table["labs"]]
    runs = {x: load(x) for x in releases}
    rows = {}
    for entry in table["labs"]:
        for g in entry["guests"]:
            rows.setdefault((g["type"], g["kernel"]), {})
    for x, run in runs.items():
        for cell in (run or {}).get("cells", []):
            rows.setdefault((cell["type"], cell["kernel"]), {})[x] = cell
    header = ["guest", "kernel"] + [f"Xen {x}: {what}" for x in releases
                                    for what in ("fast resume", "slow resume, same domain")]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    notes = []
    for (t, k) in sorted(rows, key=lambda r: (TYPES.index(r[0]), [int(p) for p in r[1].split(".")])):
        cells = []
        for x in releases:
            in_lab = any(g["type"] == t and g["kernel"] == k for e in table["labs"] if e["xen"] == x
                         for g in e["guests"])
            c = rows[(t, k)].get(x)
            if not in_lab:
                cells += ["—", "—"]
            elif c is None:
                cells += ["not observed", "not observed"]
            else:
                cells += [c["fast"], c["slow"]]
                if c.get("slowNote"):
                    notes.append(f"{t} Linux {k} on Xen {x}, after the slow resume: {c['slowNote']}")
        lines.append(f"| {t} | {k} | " + " | ".join(cells) + " |")
    sources = []
    for x, run in runs.items():
        b = (run or {}).get("build") or {}
        if b:
            kernels = ", ".join(f"{k}: {v}" for k, v in (b.get("guestKernels") or {}).items())
            sources.append(f"Xen {x}: hypervisor {b.get('xen')}, tools {b.get('xenTools')}, device model "
                           f"{b.get('qemuXen')} (Debian {b.get('suite')}); guest kernels {kernels}")
    return "\n".join(lines), notes, sources


def main(argv):
    table = labtable.table()
    text, notes, sources = render(table)
    print(text)
    for s in notes + sources:
        print(s)
    if "--write-article" in argv:
        with open(ARTICLE) as f:
            article = f.read()
        if BEGIN not in article or END not in article:
            print(f"matrix: {ARTICLE} has no {BEGIN} ... {END} section", file=sys.stderr)
            return 1
        body = (text + "\n\n" + "".join(f"- {n}\n" for n in notes) + ("\n" if notes else "")
                + "".join(f"Measured with {s}.\n" for s in sources))
        head, rest = article.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(ARTICLE, "w") as f:
            f.write(head + BEGIN + "\n" + body + END + tail)
        print("matrix: ChoosingAResume.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
