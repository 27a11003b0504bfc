#!/usr/bin/env python3
"""The survival matrix: what each guest type and kernel did after a fast resume and after a same-domain slow resume,
on every Xen of labs.json, from each lab's last judged run (work/xen-XEN/logs/survival.json, written by `xen-resume-lab report`).
Then the soft-reset matrix: the PVH and PVHVM rows again, each Xen's same-domain slow resume beside its slow resume
through a soft reset (the slow-soft-reset scenario: alive, then a second suspend through the guest's xenstore and a
fast resume, and the memory dom0 wrote while it was suspended seen by the guest).
Prints both Markdown tables; with --write-article also puts them into the DocC article "Choosing a resume"
(Sources/XenResumeCore/XenResumeCore.docc/ChoosingAResume.md): the survival matrix between
<!-- survival-matrix:begin --> and <!-- survival-matrix:end --> (VerifiedOnRealXenTests replays every cell on the
simulator, and its header is fixed), the soft-reset matrix between <!-- soft-reset-matrix:begin --> and
<!-- soft-reset-matrix:end --> (left out, with a warning, while the article has no such markers). A lab without
results reads "not observed" in every cell of its columns.

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
SOFT_BEGIN, SOFT_END = "<!-- soft-reset-matrix:begin -->", "<!-- soft-reset-matrix:end -->"
TYPES = ["pv", "pvh", "pvhvm", "hvm"]
# The types whose slow resume goes through Xen's soft reset (Xen crashes a PV domain asked for one; pure HVM guests
# have no channels to rebuild).
SOFT_RESET_TYPES = ["pvh", "pvhvm"]


def load(xen):
    path = os.path.join(os.environ.get("REALXEN_WORK", os.path.join(HERE, "work")), f"xen-{xen}", "logs",
                        "survival.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError):
        return None


def in_lab(table, xen, t, k):
    return any(g["type"] == t and g["kernel"] == k for e in table["labs"] if e["xen"] == xen for g in e["guests"])


def kernel_order(row):
    return TYPES.index(row[0]), [int(p) for p in row[1].split(".")]


def render_rows(table, runs, types, columns, cells_of):
    """A table with one row per guest type and kernel of `types` in any lab, and per Xen release the `columns`; a
    lab's cell gives its columns' words and the notes beside them (`cells_of`). A type and kernel a lab does not have
    reads "—"; one it has but did not report reads "not observed"."""
    releases = [e["xen"] for e in table["labs"]]
    rows = {}
    for entry in table["labs"]:
        for g in entry["guests"]:
            if g["type"] in types:
                rows.setdefault((g["type"], g["kernel"]), {})
    for x, run in runs.items():
        for cell in (run or {}).get("cells", []):
            if cell["type"] in types:
                rows.setdefault((cell["type"], cell["kernel"]), {})[x] = cell
    header = ["guest", "kernel"] + [f"Xen {x}: {what}" for x in releases for what in columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    notes = []
    for (t, k) in sorted(rows, key=kernel_order):
        cells = []
        for x in releases:
            c = rows[(t, k)].get(x)
            if not in_lab(table, x, t, k):
                cells += ["—"] * len(columns)
            elif c is None:
                cells += ["not observed"] * len(columns)
            else:
                words, note = cells_of(c)
                cells += words
                if note:
                    notes.append(f"{t} Linux {k} on Xen {x}, {note}")
        lines.append(f"| {t} | {k} | " + " | ".join(cells) + " |")
    return "\n".join(lines), notes


def render(table, runs):
    """Every guest type: per Xen, the fast resume and the same-domain slow resume; and where the results came from."""
    def cells_of(c):
        note = c.get("slowNote")
        return [c["fast"], c["slow"]], note and f"after the slow resume: {note}"
    text, notes = render_rows(table, runs, TYPES, ("fast resume", "slow resume, same domain"), cells_of)
    sources = []
    for x, run in runs.items():
        b = (run or {}).get("build") or {}
        if b:
            kernels = ", ".join(f"{k}: {v}" for k, v in (b.get("guestKernels") or {}).items())
            sources.append(f"Xen {x}: hypervisor {b.get('xen')}, tools {b.get('xenTools')}, device model "
                           f"{b.get('qemuXen')} (Debian {b.get('suite')}); guest kernels {kernels}")
    return text, notes, sources


def render_soft_reset(table, runs):
    """The PVH and PVHVM rows: per Xen, the same-domain slow resume beside the slow resume through a soft reset."""
    def cells_of(c):
        note = c.get("softResetNote")
        return [c["slow"], c.get("softReset") or "not observed"], note and f"after the soft-reset resume: {note}"
    return render_rows(table, runs, SOFT_RESET_TYPES, ("slow resume, same domain", "slow resume, soft reset"), cells_of)


def replace_section(article, begin, end, body):
    """The article with the text between begin and end replaced by body; None when it has no such section."""
    if begin not in article or end not in article:
        return None
    head, rest = article.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + begin + "\n" + body + end + tail


def main(argv):
    table = labtable.table()
    runs = {e["xen"]: load(e["xen"]) for e in table["labs"]}
    text, notes, sources = render(table, runs)
    soft_text, soft_notes = render_soft_reset(table, runs)
    print(text)
    for s in notes + sources:
        print(s)
    print()
    print(soft_text)
    for s in soft_notes:
        print(s)
    if "--write-article" in argv:
        with open(ARTICLE) as f:
            article = f.read()
        body = (text + "\n\n" + "".join(f"- {n}\n" for n in notes) + ("\n" if notes else "")
                + "".join(f"Measured with {s}.\n" for s in sources))
        written = replace_section(article, BEGIN, END, body)
        if written is None:
            print(f"matrix: {ARTICLE} has no {BEGIN} ... {END} section", file=sys.stderr)
            return 1
        soft_body = soft_text + "\n\n" + "".join(f"- {n}\n" for n in soft_notes)
        with_soft = replace_section(written, SOFT_BEGIN, SOFT_END, soft_body)
        if with_soft is None:
            print(f"matrix: {ARTICLE} has no {SOFT_BEGIN} ... {SOFT_END} section: the soft-reset matrix is left out",
                  file=sys.stderr)
        with open(ARTICLE, "w") as f:
            f.write(with_soft or written)
        print("matrix: ChoosingAResume.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
