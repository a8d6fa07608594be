#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Static checks of a built kvm_vpmu_ext.ko that no test here can run.

IBT: on CPUs that enforce it, an indirect call into a function whose ENDBR
the kernel sealed is a #CP oops.  Here nothing runs with CET, so the rule
"no indirect call unless the target is known to keep its ENDBR" is checked
in the disassembly: every indirect call or jump in the module (``call *``,
``jmp *`` and the retpoline thunks ``__x86_indirect_*`` that stand for
them) fails, unless its function is listed in the allow file with the
reason it is safe.

Hot path: each function named with --hot, and every function of the module
it reaches by direct call or jump, must not call anything but the module's
own functions and static call trampolines (no SRCU, no lock, no
allocation), nor use a locked instruction or a fence.

--costs prints the static cost of each wrapper (functions named
vpmu_wrap_*): instructions in its body, and the calls it makes.

Usage: ibtcheck.py MODULE.ko ALLOW_FILE [--hot FUNC]... [--costs]
       ibtcheck.py --self-test    each finding is caught in a small object
Exits non-zero on any finding.
"""
import argparse
import fnmatch
import re
import os
import subprocess
import sys
import tempfile

FUNC = re.compile(r'^[0-9a-f]+ <(\S+)>:$')
INSN = re.compile(r'^\s+[0-9a-f]+:\s+(.*)$')
RELOC = re.compile(r'^\s+[0-9a-f]+: R_X86_64_\w+\s+([^\s+-]+)')
LOCAL = re.compile(r'<([^>+]+)(?:\+0x[0-9a-f]+)?>')
INDIRECT = re.compile(r'^(?:notrack\s+)?(?:call|jmp)\w*\s+\*')
THUNK = re.compile(r'^__x86_indirect_(?:call_|jump_)?thunk')
LOCKED = re.compile(r'^(?:lock\b|xchg\w*\s+%\w+,\s*-?(?:0x)?[0-9a-f]*\(|'
                    r'[lms]fence\b)')
# Always fine on the hot path: instrumentation and return thunks.
HOT_EXTERNAL_OK = re.compile(r'^(?:__fentry__|__x86_return_thunk|'
                             r'__SCT__\w+|__stack_chk_fail)$')


def disassemble(ko):
    out = subprocess.run(['objdump', '-dr', '--no-show-raw-insn', ko],
                         check=True, capture_output=True, text=True).stdout
    funcs, cur = {}, None
    for line in out.splitlines():
        m = FUNC.match(line)
        if m:
            cur = funcs.setdefault(m.group(1), [])
            continue
        if cur is None:
            continue
        m = INSN.match(line)
        r = RELOC.match(line)
        if r and cur:
            cur[-1]['relocs'].append(r.group(1))
        elif m:
            cur.append({'text': m.group(1).strip(), 'relocs': []})
    return funcs


def load_allow(path):
    allow = []
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                pat, _, why = line.partition(' ')
                if not why.strip():
                    sys.exit('%s: "%s" has no reason' % (path, pat))
                allow.append(pat)
    return allow


def is_branch(text):
    return re.match(r'^(?:call|jmp|j[a-z]+)\b', text) is not None


def targets(insn):
    """Symbols a direct call or jump reaches (relocations, local labels).

    With a relocation, the label objdump prints is only the placeholder
    address (a tail call to __x86_return_thunk shows the next function).
    """
    if not is_branch(insn['text']) or INDIRECT.match(insn['text']):
        return []
    return list(insn['relocs']) or LOCAL.findall(insn['text'])


def check_indirect(funcs, allow):
    bad = []
    for name, body in sorted(funcs.items()):
        if any(fnmatch.fnmatch(name, p) for p in allow):
            continue
        for insn in body:
            if INDIRECT.match(insn['text']) or \
               any(THUNK.match(s) for s in insn['relocs']):
                bad.append('%s: indirect: %s %s' % (name, insn['text'],
                                                     ' '.join(insn['relocs'])))
    return bad


def check_hot(funcs, roots, allow=()):
    """Findings on the hot path; an allowed function keeps its indirect
    calls there too (a tracepoint iterator runs only while traced)."""
    bad, seen, todo = [], set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in funcs:
            bad.append('hot: %s not in the module' % name)
            continue
        for insn in funcs[name]:
            t = insn['text']
            if LOCKED.match(t):
                bad.append('hot %s: locked or fencing: %s' % (name, t))
            if (INDIRECT.match(t) or
                    any(THUNK.match(s) for s in insn['relocs'])) and \
                    not any(fnmatch.fnmatch(name, p) for p in allow):
                bad.append('hot %s: indirect: %s' % (name, t))
            for s in targets(insn):
                if s in funcs:
                    todo.append(s)
                elif THUNK.match(s) and \
                        any(fnmatch.fnmatch(name, p) for p in allow):
                    continue
                elif not HOT_EXTERNAL_OK.match(s) and \
                        not s.startswith(name):
                    bad.append('hot %s: calls %s' % (name, s))
    return bad, sorted(seen)


def costs(funcs):
    rows = []
    for name in sorted(f for f in funcs if f.startswith('vpmu_wrap_')):
        body = [i for i in funcs[name]
                if not re.match(r'^(?:nop|int3|ud2)', i['text'])]
        calls = sorted({s for i in funcs[name]
                        if i['text'].startswith(('call', 'jmp'))
                        for s in i['relocs']
                        if s not in ('__fentry__', '__x86_return_thunk')})
        rows.append((name, len(body), calls))
    return rows


SELF_TEST = r"""
int (*op)(int);
long shared;
int __srcu_read_lock(void *);
static int helper(int x) { return op(x); }
int vpmu_wrap_indirect(int x) { return op(x) + 1; }
int vpmu_wrap_traced(int x) { return op(x) + 2; }
int vpmu_wrap_before_locked(int x) { return x + 7; }
int vpmu_wrap_locked(int x) { __atomic_fetch_add(&shared, 1, 0); return x; }
int vpmu_wrap_srcu(int x) { return __srcu_read_lock(0) + x; }
int vpmu_wrap_deep(int x) { return helper(x); }
int vpmu_wrap_clean(int x) { return x * 3; }
"""


def self_test():
    """Every rule must catch what it is for, or the check proves nothing."""
    with tempfile.TemporaryDirectory() as d:
        src, obj = os.path.join(d, 't.c'), os.path.join(d, 't.o')
        allow = os.path.join(d, 'allow')
        with open(src, 'w') as f:
            f.write(SELF_TEST)
        with open(allow, 'w') as f:
            f.write('vpmu_wrap_deep reached only through its own check\n'
                    'vpmu_wrap_traced stands for a tracepoint iterator\n')
        # Return thunks as the kernel builds them, functions unpadded: a
        # tail call to the thunk must not read as a jump into the next one.
        subprocess.run(['cc', '-O2', '-fno-inline', '-falign-functions=1',
                        '-mfunction-return=thunk-extern', '-c', '-o', obj,
                        src], check=True)
        funcs = disassemble(obj)
        ind = check_indirect(funcs, load_allow(allow))
        expect = {
            'indirect vpmu_wrap_indirect':
                any(b.startswith('vpmu_wrap_indirect:') for b in ind),
            'indirect in a callee': any(b.startswith('helper:') for b in ind),
            'allowed function passes':
                not any(b.startswith('vpmu_wrap_deep:') for b in ind),
        }
        for name, want in (('vpmu_wrap_locked', 'locked'),
                           ('vpmu_wrap_srcu', 'calls __srcu_read_lock'),
                           ('vpmu_wrap_deep', 'indirect'),
                           ('vpmu_wrap_indirect', 'indirect'),
                           ('vpmu_wrap_traced', None),
                           ('vpmu_wrap_before_locked', None),
                           ('vpmu_wrap_clean', None)):
            bad, _ = check_hot(funcs, [name], load_allow(allow))
            expect['hot ' + name] = any(want in b for b in bad) if want \
                else not bad
    for name, ok in expect.items():
        print('ibtcheck self-test: %s %s' % ('ok' if ok else 'FAIL', name))
    return 0 if all(expect.values()) else 1


def main():
    if sys.argv[1:] == ['--self-test']:
        return self_test()
    ap = argparse.ArgumentParser()
    ap.add_argument('ko')
    ap.add_argument('allow')
    ap.add_argument('--hot', action='append', default=[])
    ap.add_argument('--costs', action='store_true')
    a = ap.parse_args()
    funcs = disassemble(a.ko)
    bad = check_indirect(funcs, load_allow(a.allow))
    hot_bad, hot_seen = check_hot(funcs, a.hot, load_allow(a.allow))
    bad += hot_bad
    if a.costs:
        for name, n, calls in costs(funcs):
            print('cost: %-28s %3d instructions; calls %s'
                  % (name, n, ', '.join(calls) or '-'))
    if a.hot:
        print('ibtcheck: hot path: %s' % ', '.join(hot_seen))
    for b in bad:
        print('ibtcheck: ' + b)
    print('ibtcheck: %d functions, %d findings' % (len(funcs), len(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
