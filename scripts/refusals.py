#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Keep the admin guide's list of refusals and the sources in step.

  scripts/refusals.py check             the make-check step
  scripts/refusals.py match LINE...     is each kernel-log LINE documented?

A refusal is one kernel-log line, "kvm_vpmu_ext: refused: <why> (<errno>)",
printed by vpmu_refuse(errno, fmt, ...) in src/.  Where fmt passes on the
hook engine's explanation (vpmu_table.why), <why> is one of the formats
snprintf()ed into a table's "why" buffer.  The guide lists each refusal
as a definition-list term, ``kvm_vpmu_ext: refused: ... (<errno>)``,
with <placeholders> where the line has variable parts.

check fails when a format of the sources matches no entry of the guide,
when an entry matches no format (a stale line), when an entry shows
another errno than the literal one the source passes, or when nothing
is found at all (the macro changed shape: then this script must too).
"""

import os
import re
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
GUIDE = os.path.join(TOP, 'Documentation', 'admin-guide.rst')
PREFIX = 'kvm_vpmu_ext: refused: '
ENTRY = re.compile(r'^``' + re.escape(PREFIX) +
                   r'(?P<why>.*) \((?P<errno><errno>|-E[A-Z0-9]+)\)``$')
# A printk conversion: flags, width, precision, length, then the type;
# %p takes the kernel's one-letter extensions (%pS, %ps, %pe).
CONV = re.compile(r'%(%|[-+ #0]*(\d+|\*)?(\.(\d+|\*))?(hh|h|ll|l|z|t|j)?'
                  r'(p[SsBbe]?|[diouxXcs]))')


def c_strings(text):
    """The value of adjacent C string literals at the start of text."""
    out, i = [], 0
    while True:
        m = re.match(r'\s*"((?:[^"\\]|\\.)*)"', text[i:])
        if not m:
            break
        out.append(m.group(1))
        i += m.end()
    if not out:
        return None
    s = ''.join(out)
    return re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t'}.get(
        m.group(1), m.group(1)), s)


def call_args(text, start):
    """Split the argument list that opens at text[start] ('(')."""
    depth, args, cur, i, quote = 0, [], '', start, None
    while i < len(text):
        c = text[i]
        if quote:
            cur += c
            if c == '\\':
                cur += text[i + 1]
                i += 1
            elif c == quote:
                quote = None
        elif c in '"\'':
            quote = c
            cur += c
        elif c == '(':
            depth += 1
            if depth > 1:
                cur += c
        elif c == ')':
            depth -= 1
            if depth == 0:
                args.append(cur.strip())
                return args
            cur += c
        elif c == ',' and depth == 1:
            args.append(cur.strip())
            cur = ''
        else:
            cur += c
        i += 1
    raise ValueError('unbalanced call')


def sources():
    for d, _, files in os.walk(os.path.join(TOP, 'src')):
        for f in sorted(files):
            if f.endswith(('.c', '.h')):
                path = os.path.join(d, f)
                with open(path, encoding='utf-8') as fh:
                    yield os.path.relpath(path, TOP), fh.read()


def formats():
    """(refusals, whys): refusals are (file, errno or None, fmt)."""
    refusals, whys, macro = [], [], False
    for path, text in sources():
        # The macro that prints a refusal: "refused: " fmt " (%pe)\n".
        if re.search(r'"refused: "\s*fmt\s*" \(%(?:s|pe)\)\\n"', text):
            macro = True
        for m in re.finditer(r'\bvpmu_refuse\s*\(', text):
            if text[m.start() - 8:m.start()].strip().endswith('define'):
                continue
            args = call_args(text, m.end() - 1)
            fmt = c_strings(args[1]) if len(args) > 1 else None
            if fmt is None:
                raise SystemExit(f'{path}: vpmu_refuse() without a literal format')
            errno = args[0] if re.fullmatch(r'-E[A-Z0-9]+', args[0]) else None
            refusals.append((path, errno, fmt))
        for m in re.finditer(r'\bsnprintf\s*\(\s*\w+->why\s*,', text):
            args = call_args(text, text.index('(', m.start()))
            fmt = c_strings(args[2]) if len(args) > 2 else None
            if fmt is None:
                raise SystemExit(f'{path}: a why without a literal format')
            whys.append((path, None, fmt))
    if not macro or not refusals:
        raise SystemExit('refusals.py: no "refused: " macro or no vpmu_refuse() '
                         'call in src/: the refusal code changed shape')
    return refusals, whys


def pattern(fmt):
    """A regex that a guide entry (or a real line) of fmt fully matches."""
    out, i = '', 0
    for m in CONV.finditer(fmt):
        out += re.escape(fmt[i:m.start()])
        out += '%' if m.group(1) == '%' else '.+?'
        i = m.end()
    return re.compile(out + re.escape(fmt[i:]))


def entries():
    with open(GUIDE, encoding='utf-8') as f:
        lines = f.read().splitlines()
    out = []
    for n, line in enumerate(lines, 1):
        if line.startswith('``' + PREFIX):
            m = ENTRY.match(line)
            if not m:
                raise SystemExit(f'{GUIDE}:{n}: a refusal entry must read '
                                 f'``{PREFIX}<why> (<errno>)``')
            out.append((n, m.group('why'), m.group('errno')))
    return out


def check():
    refusals, whys = formats()
    guide = entries()
    bad = 0
    # A refusal whose whole format is "%s" prints a why: the whys stand
    # for it.  Every other format, and every why, needs an entry.
    for path, errno, fmt in refusals + whys:
        if fmt == '%s':
            continue
        pat = pattern(fmt)
        # A why may follow a refusal's own words ("unknown KVM layout:
        # %s"), so it may also end an entry.
        tail = pattern('%s' + fmt) if (path, errno, fmt) in whys else pat
        hits = [e for e in guide if pat.fullmatch(e[1]) or tail.fullmatch(e[1])]
        if not hits:
            print(f'refusals: not in the guide: "{fmt}" ({path})')
            bad += 1
        for n, _, shown in hits:
            if errno and shown != errno:
                print(f'refusals: guide line {n} shows ({shown}), {path} '
                      f'passes {errno} for "{fmt}"')
                bad += 1
    pats = [pattern(f) for _, _, f in refusals + whys if f != '%s']
    for n, why, _ in guide:
        if not any(p.fullmatch(why) for p in pats):
            print(f'refusals: guide line {n} matches no format in src/: "{why}"')
            bad += 1
    print(f'refusals: {len(refusals)} refusal and {len(whys)} explanation '
          f'formats in src/, {len(guide)} guide entries, {bad} problems')
    return bad == 0


def match(lines):
    """Each line (a kernel-log line, timestamp or not) matches an entry."""
    guide = entries()
    ok = True
    for line in lines:
        m = re.search(re.escape(PREFIX) + r'(.*) \((-?E?[A-Z0-9]+)\)$', line)
        found = m and any(
            re.fullmatch(re.sub(r'<[^<>]+>', '.+?', re.escape(why)),
                         m.group(1)) and errno in ('<errno>', m.group(2))
            for _, why, errno in guide)
        print(f'refusals: {"documented" if found else "NOT documented"}: {line}')
        ok = ok and bool(found)
    return ok


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == 'check':
        return 0 if check() else 1
    if len(sys.argv) >= 3 and sys.argv[1] == 'match':
        return 0 if match(sys.argv[2:]) else 1
    print('\n'.join(__doc__.strip().splitlines()[2:4]), file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
