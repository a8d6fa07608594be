#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge the KUnit output of one test-VM boot.

The console log holds the KTAP that the test modules printed, between the
markers the initramfs prints.  Module suites come without one shared
top-level header (6.1 prints none, 6.12 one per module), and kunit.py
parse reads only the first top-level block, so the suites are merged
into one KTAP document, renumbered, and handed to that kernel's own
kunit.py.  Every expected suite must be there: a missing suite is a
failure, not a smaller total.

Usage: ktap.py LOG KUNIT_PY SUITE [SUITE ...]
Prints kunit.py's report, then one line: 'ktap: passed=N failed=N'.
Exits non-zero on any failure.
"""
import re
import subprocess
import sys

BEGIN, END = 'VPMU-KTAP-BEGIN', 'VPMU-KTAP-END'
RESULT = re.compile(r'^(not ok|ok) \d+ (\S+)(.*)$')


def section(lines):
    """The lines between the markers, or None when the run never got there."""
    try:
        start = lines.index(BEGIN) + 1
    except ValueError:
        return None
    end = lines.index(END) if END in lines else None
    return lines[start:end], end is not None


def split_suites(lines):
    """[(name, result_line, body_lines)] for each top-level suite result."""
    suites, body = [], []
    for line in lines:
        m = RESULT.match(line)
        if m:
            suites.append((m.group(2), m, body))
            body = []
        elif line.startswith('KTAP version') or re.match(r'^1\.\.\d+$', line) \
                or line.startswith('# Totals'):
            continue            # top-level headers: rebuilt below
        elif line.startswith(' ') or line.startswith('#'):
            body.append(line)
    # Indented lines after the last result: a suite that never finished.
    return suites, body


def main():
    log, kunit_py, expected = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(log, errors='replace') as f:
        lines = [l.rstrip('\r\n') for l in f]
    sec = section(lines)
    if sec is None:
        print('ktap: the test VM never started the KUnit modules')
        print('ktap: passed=0 failed=%d' % max(1, len(expected)))
        return 1
    body, finished = sec
    suites, tail = split_suites(body)
    found = [s[0] for s in suites]

    doc = ['KTAP version 1', '1..%d' % (len(suites) + (1 if tail else 0))]
    for i, (name, m, lines_) in enumerate(suites, 1):
        doc += lines_
        doc.append('%s %d %s%s' % (m.group(1), i, name, m.group(3)))
    if tail:                     # let kunit.py see (and count) the crash
        doc += tail

    p = subprocess.run([sys.executable, kunit_py, 'parse'],
                       input='\n'.join(doc) + '\n', text=True,
                       capture_output=True)
    out = re.sub(r'\x1b\[[0-9;]*m', '', p.stdout + p.stderr)
    sys.stdout.write(out)

    counts = {k: 0 for k in ('passed', 'failed', 'crashed', 'skipped', 'errors')}
    m = re.search(r'Ran \d+ tests: (.*)', out)
    if m:
        for k, v in re.findall(r'(\w+): (\d+)', m.group(1)):
            counts[k] = int(v)
    failed = counts['failed'] + counts['crashed'] + counts['errors']

    problems = []
    for name in expected:
        if name not in found:
            problems.append('suite %s missing' % name)
    for name in found:
        if name not in expected:
            problems.append('suite %s unexpected' % name)
    if len(set(found)) != len(found):
        problems.append('a suite ran twice')
    if not finished:
        problems.append('the VM stopped before the end marker (crash or timeout)')
    if p.returncode != 0 and not failed:
        problems.append('kunit.py parse failed')
    if not m:
        problems.append('kunit.py printed no summary')
    for pr in problems:
        print('ktap: ' + pr)
    failed += len(problems)
    print('ktap: suites=%d passed=%d failed=%d skipped=%d'
          % (len(found), counts['passed'], failed, counts['skipped']))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
