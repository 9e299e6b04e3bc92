#!/usr/bin/env python3
"""Moves the line numbers of named classes in a PIT mutations.xml, so that a run made before a source change that only
added or removed lines above the mutated code can be scored with exclusion rows anchored to the changed source.

Usage: docs/mutation/shift-lines.py IN.xml OUT.xml CLASS=DELTA [CLASS=DELTA ...]
e.g.   docs/mutation/shift-lines.py A.xml A-main.xml io.pvkit.events.internal.Bindings=-1
The caller is responsible for the shift being right (a diff that only moved lines); the shifted file says so
nowhere, so keep the original beside it.
"""
import sys
import xml.etree.ElementTree as ET

if len(sys.argv) < 4:
    sys.exit(__doc__)
shift = {}
for arg in sys.argv[3:]:
    cls, delta = arg.rsplit("=", 1)
    shift[cls] = int(delta)
tree = ET.parse(sys.argv[1])
moved = 0
for e in tree.getroot().iter("mutation"):
    d = shift.get(e.findtext("mutatedClass"))
    if d:
        ln = e.find("lineNumber")
        ln.text = str(int(ln.text) + d)
        moved += 1
tree.write(sys.argv[2])
print(f"{moved} mutants moved")
