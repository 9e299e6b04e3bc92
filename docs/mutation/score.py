#!/usr/bin/env python3
"""The kit's mutation score for one module, from PIT's mutations.xml and a list of excluded mutants.

Usage:
  docs/mutation/score.py MUTATIONS.xml [MORE.xml ...] EXCLUDED.tsv [--survivors] [--unit UNIT.xml ...]

Several mutations.xml files (e.g. per-class runs with -Dpvkit.pit.targetClasses, copied aside after each run) are
combined; a mutant (class, method, descriptor, line, mutator, index) seen in several files takes the newest file's
result (later arguments win). Give '-' instead of EXCLUDED.tsv for no exclusions.

The exclusion file (tab-separated, '#' starts a comment line) has one row per excluded mutant or group:
  class  method  line  mutator  category  reason
  - class:    fully qualified name of the mutated class ('*' as a suffix matches nested classes, e.g. io.pvkit.rings.RingWaits*)
  - method:   the mutated method name, or '*'
  - line:     the line number, or '*'
  - mutator:  a substring of PIT's mutator class name (e.g. MathMutator, VoidMethodCall), or '*'; optionally
              followed by '|' and a substring of PIT's description, and/or by '#' and PIT's bytecode index, for one of
              several mutants of the same mutator on one line (e.g. 'MathMutator|long addition with subtraction',
              'ConditionalsBoundary#49' when the line's other mutant of that mutator is detected; an index, like a line
              number, has to be re-read from mutations.xml when the method changes)
  - category: 'equivalent' (no test can observe it) or 'out-of-scope' (pvkit API behaviour that no rule of
              the kit's SPI can reach; each row says why)
  - reason:   one sentence

Printed: mutants generated, detected (killed, timed out, memory or run error), survived, no coverage, the
excluded ones per category, and two scores:
  score (equivalent excluded)      = detected / (generated - equivalent)
  score (both categories excluded) = detected / (generated - equivalent - out-of-scope)
An exclusion row that matches no surviving or uncovered mutant is reported as stale (exit status 3), and a row
that names a line and matches a detected mutant is an error (exit status 2): only mutants that the kit did not
detect may be excluded (a class- or method-wide row with line '*' leaves the detected ones counted as detected).
One exception: a TIMED_OUT mutant that a row matches is counted in that row's category, not as detected.

--unit UNIT.xml (repeatable) names mutations.xml files of PIT runs with the library's OWN unit tests (the pit
profile's pvkit.pit.tests property). Then, for every mutant excluded as out-of-scope, the status it had in those runs
is looked up (same mutant key), and printed: how many the unit tests killed (KILLED only: a time-out is not counted),
which ones they did not kill, and which ones no unit run contains. This answers "does anything test what the kit
cannot reach"; it is never added to the kit's score, and is printed as a separate line.
On two shared cores under load an equivalent mutant can exceed PIT's time limit; a time-out is then not evidence
that the kit detected it (the count of such mutants is printed).
"""
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict


def load_exclusions(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 6:
                sys.exit(f"{path}:{n}: expected 6 tab-separated columns, got {len(cols)}")
            cls, method, lineno, mutator, category, reason = [c.strip() for c in cols[:6]]
            if category not in ("equivalent", "out-of-scope"):
                sys.exit(f"{path}:{n}: category must be 'equivalent' or 'out-of-scope', was '{category}'")
            if not reason:
                sys.exit(f"{path}:{n}: a reason is required")
            rows.append(dict(n=n, cls=cls, method=method, line=lineno, mutator=mutator, category=category,
                             reason=reason))
    return rows


def matches(row, m):
    if row["cls"].endswith("*"):
        if not m["cls"].startswith(row["cls"][:-1]):
            return False
    elif row["cls"] != m["cls"]:
        return False
    if row["method"] != "*" and row["method"] != m["method"]:
        return False
    if row["line"] != "*" and row["line"] != m["line"]:
        return False
    spec, _, index = row["mutator"].partition("#")
    mutator, _, description = spec.partition("|")
    if mutator != "*" and mutator not in m["mutator"]:
        return False
    if description and description not in (m["description"] or ""):
        return False
    if index and index != m["index"]:
        return False
    return True


def mutant_key(e):
    return (e.findtext("mutatedClass"), e.findtext("mutatedMethod"), e.findtext("methodDescription"),
            e.findtext("lineNumber"), e.findtext("mutator"), e.findtext("indexes/index") or e.findtext("index"),
            e.findtext("description"))


def main(argv):
    show_survivors = "--survivors" in argv
    unit_paths = []
    args = []
    it = iter(argv)
    for a in it:
        if a == "--survivors":
            continue
        if a == "--unit":
            nxt = next(it, None)
            if nxt is None:
                sys.exit("--unit needs a mutations.xml path")
            unit_paths.append(nxt)
            continue
        args.append(a)
    if len(args) < 2:
        sys.exit(__doc__)
    xml_paths = args[:-1]
    excl_path = args[-1]
    xml_path = ", ".join(xml_paths)
    by_key = {}
    for path in xml_paths:
        for e in ET.parse(path).getroot().iter("mutation"):
            by_key[mutant_key(e)] = e
    unit_status = {}
    for path in unit_paths:
        for e in ET.parse(path).getroot().iter("mutation"):
            unit_status[mutant_key(e)] = e.get("status")
    mutants = []
    for key, e in by_key.items():
        mutants.append(dict(
            key=key,
            status=e.get("status"),
            detected=e.get("detected") == "true",
            cls=e.findtext("mutatedClass"),
            method=e.findtext("mutatedMethod"),
            line=e.findtext("lineNumber"),
            mutator=e.findtext("mutator"),
            description=e.findtext("description"),
            index=e.findtext("indexes/index") or e.findtext("index")))
    rows = load_exclusions(excl_path) if excl_path != "-" else []
    used = Counter()
    errors = []
    excluded = Counter()
    remaining = []
    out_of_scope = []
    timed_out_excluded = 0
    for m in mutants:
        hit = next((r for r in rows if matches(r, m)), None)
        if hit is not None:
            used[hit["n"]] += 1
            if m["detected"] and m["status"] == "TIMED_OUT":
                # a time-out of an excluded mutant: not evidence of detection (see the module doc)
                m["detected"] = False
                timed_out_excluded += 1
                excluded[hit["category"]] += 1
                if hit["category"] == "out-of-scope":
                    out_of_scope.append(m)
                continue
            if m["detected"]:
                if hit["line"] == "*":
                    # a class- or method-wide row: what the kit detects there still counts as detected
                    continue
                errors.append(f"row {hit['n']} excludes a detected mutant: {m['cls']}.{m['method']} line {m['line']} "
                              f"{m['description']}")
                continue
            excluded[hit["category"]] += 1
            if hit["category"] == "out-of-scope":
                out_of_scope.append(m)
            continue
        if not m["detected"]:
            remaining.append(m)
    total = len(mutants)
    detected = sum(1 for m in mutants if m["detected"])
    status = Counter(m["status"] for m in mutants)
    eq = excluded["equivalent"]
    oos = excluded["out-of-scope"]
    print(f"mutations.xml: {xml_path}")
    print(f"generated {total}; detected {detected} (PIT's statuses: " + ", ".join(
        f"{k} {v}" for k, v in sorted(status.items()) if k not in ("SURVIVED", "NO_COVERAGE")) + ")"
          f"; survived {status['SURVIVED']}; no coverage {status['NO_COVERAGE']}")
    print(f"excluded: equivalent {eq}, out-of-scope {oos} ({excl_path})"
          + (f"; of these, {timed_out_excluded} TIMED_OUT (counted in their row's category, not as detected)"
             if timed_out_excluded else ""))
    if total - eq > 0:
        print(f"score (equivalent excluded): {detected}/{total - eq} = {100.0 * detected / (total - eq):.1f} %")
    if total - eq - oos > 0:
        print(f"score (equivalent and out-of-scope excluded): {detected}/{total - eq - oos} = "
              f"{100.0 * detected / (total - eq - oos):.1f} %")
    if unit_paths:
        killed = [m for m in out_of_scope if unit_status.get(m["key"]) == "KILLED"]
        absent = [m for m in out_of_scope if m["key"] not in unit_status]
        alive = [m for m in out_of_scope if m["key"] in unit_status and unit_status[m["key"]] != "KILLED"]
        print(f"out-of-scope mutants killed by the library's own unit tests ({', '.join(unit_paths)}): "
              f"{len(killed)}/{len(out_of_scope)}; not killed {len(alive)}; not in those runs {len(absent)}")
        if total - eq > 0:
            print(f"kit, or own unit tests for the out-of-scope ones (equivalent excluded; not the kit's score): "
                  f"{detected + len(killed)}/{total - eq} = {100.0 * (detected + len(killed)) / (total - eq):.1f} %")
        for m in sorted(alive, key=lambda m: (m["cls"], int(m["line"] or 0))):
            print(f"  unit {unit_status[m['key']]:<11} {m['cls']}.{m['method']} line {m['line']}: {m['description']}")
        for m in sorted(absent, key=lambda m: (m["cls"], int(m["line"] or 0))):
            print(f"  not in unit runs {m['cls']}.{m['method']} line {m['line']}: {m['description']}")
    per_class = defaultdict(Counter)
    for m in remaining:
        per_class[m["cls"]][m["status"]] += 1
    if per_class:
        print("not detected and not excluded, per class:")
        for cls, c in sorted(per_class.items(), key=lambda kv: -sum(kv[1].values())):
            print(f"  {cls}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    if show_survivors:
        for m in sorted(remaining, key=lambda m: (m["cls"], int(m["line"] or 0))):
            print(f"  {m['status']:<11} {m['cls']}.{m['method']} line {m['line']}: {m['description']} "
                  f"[{m['mutator'].rsplit('.', 1)[-1]}]")
    stale = [r for r in rows if used[r["n"]] == 0]
    for r in stale:
        print(f"stale exclusion (matches nothing): row {r['n']}: {r['cls']} {r['method']} {r['line']} {r['mutator']}")
    for e in errors:
        print("ERROR: " + e)
    if errors:
        return 2
    if stale:
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
