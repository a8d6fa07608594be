#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The package and documentation tests of `make check`.

  scripts/pkgtest.py deb WORKDIR [--summary FILE]
      The Debian package end to end: the guide's commands of "From the
      Debian package" (build, install, purge), with checks between them:
      DKMS built the module for the newest 6.1 and 6.12 header packages,
      modinfo of each build shows VERSION and every parameter of src/ with
      its description, DKMS skips (exit 77) kernels the module cannot
      serve and says why, and after the purge nothing is left under
      /usr/src, /var/lib/dkms, /lib/modules or /etc/modprobe.d.

  scripts/pkgtest.py doc WORKDIR [--summary FILE]
      Every command of README.md and of the admin guide's "Installing"
      and "Loading" sections, run where this machine can run it: on the
      host in a scratch copy of the checkout (as on a host running
      Debian's 6.12: KDIR and KVER point at its headers), in a VM of
      Debian's 6.12 kernel under TCG with an Intel vendor string (module
      loads, which must give the documented refusal: there is no VMX, so
      no kvm_intel), or in the deb step.  Prints which command ran where
      and which cannot run here, and why.

  scripts/pkgtest.py list
      Only the table of commands and where each runs.

Both deb and doc install system-wide (DKMS, dpkg): they need root, take
a machine-wide lock, and leave the machine as they found it.  An earlier
run that died half-way is cleaned up first; an installation they did not
make is left alone and fails the step.
"""

import fcntl
import glob
import lzma
import os
import re
import shutil
import subprocess
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
sys.path.insert(0, os.path.join(TOP, 'scripts'))
# No __pycache__ in the checkout.
sys.dont_write_bytecode = True
import refusals  # noqa: E402

CACHE = os.environ.get('VPMU_CACHE') or os.path.join(
    os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'),
    'kvm_vpmu_ext')
with open(os.path.join(TOP, 'VERSION'), encoding='ascii') as _f:
    VERSION = _f.read().strip()
PKG = 'kvm-vpmu-ext-dkms'
MOD = 'kvm_vpmu_ext'
SERIES = ('6.1', '6.12')
LOCK = '/run/lock/kvm_vpmu_ext-check.lock'
# Present while a run may have left the package or DKMS state behind.
MARKER = os.path.join(CACHE, 'system-install.marker')

# --------------------------------------------------------------------------
# The commands of the documents

GUIDE_SECTIONS = ('Installing', 'Loading')
DEB_SUBSECTION = 'From the Debian package'


class Cmd:
    def __init__(self, doc, section, text):
        self.doc, self.section, self.text = doc, section, text
        # Shown without a trailing comment; run as written.
        self.shown = re.sub(r'\s+#[^\'"]*$', '', text)
        self.runner = self.note = self.expect = None


def command_lines(lines):
    """Commands of a code block: comments dropped, continuations joined."""
    out, cur = [], ''
    for line in lines:
        line = line.strip()
        if not cur and (not line or line.startswith('#')):
            continue
        cur = cur + ' ' + line if cur else line
        if cur.endswith('\\'):
            cur = cur[:-1].rstrip()
            continue
        out.append(cur)
        cur = ''
    if cur:
        out.append(cur)
    return out


def readme_commands():
    cmds, section, block = [], '', None
    with open(os.path.join(TOP, 'README.md'), encoding='utf-8') as f:
        for line in f.read().splitlines():
            if block is not None:
                if line.startswith('```'):
                    cmds += [Cmd('README.md', section, c)
                             for c in command_lines(block)]
                    block = None
                else:
                    block.append(line)
            elif re.match(r'^```(sh|bash|console)\s*$', line):
                block = []
            elif line.startswith('#'):
                section = line.lstrip('#').strip()
    return cmds


def rst_sections(lines):
    """Yield (line index, [titles from the top level down]) per title."""
    order, path = [], []
    for i in range(1, len(lines)):
        u, t = lines[i], lines[i - 1]
        if (t.strip() and not t.startswith(' ') and len(u) >= len(t.rstrip())
                and re.fullmatch(r'([=\-~^"])\1+', u)):
            over = i >= 2 and lines[i - 2] == u
            key = (u[0], over)
            if key not in order:
                order.append(key)
            level = order.index(key)
            path = path[:level] + [t.strip()]
            yield i, list(path)


def guide_commands():
    path = os.path.join(TOP, 'Documentation', 'admin-guide.rst')
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    titles = dict(rst_sections(lines))
    cmds, where, i, seen = [], [], 0, set()
    while i < len(lines):
        where = titles.get(i, where)
        if where and len(where) > 1:
            seen.add(where[1])
        m = re.match(r'^(\s*)\.\. code-block:: (sh|bash|console)\s*$', lines[i])
        if m:
            # The block is what is indented deeper than the directive.
            indent = len(m.group(1).expandtabs())
            i += 1
            block = []
            while i < len(lines) and (not lines[i].strip() or len(
                    lines[i].expandtabs()) - len(lines[i].expandtabs().lstrip())
                    > indent):
                block.append(lines[i])
                i += 1
            if len(where) > 1 and where[1] in GUIDE_SECTIONS:
                cmds += [Cmd('admin-guide.rst', ' / '.join(where[1:]), c)
                         for c in command_lines(block)]
            continue
        i += 1
    missing = [s for s in GUIDE_SECTIONS if s not in seen]
    if missing:
        raise SystemExit(f'pkgtest: the admin guide has no section {missing}: '
                         'scripts/pkgtest.py names the sections it runs')
    return cmds


# (regex on the command, runner, note, regex its output must match).
# Runners: host (scratch copy of the checkout), vm (Debian's 6.12 under
# TCG), deb (the deb step runs it), no (cannot run here: the note says why).
RULES = [
    (r'make deps', 'no', 'installs packages: .ci/run runs scripts/deps.sh '
     'just before make check', None),
    (r'make check', 'no', 'make check is what runs this test', None),
    (r'make( KDIR=\S+)?', 'host', 'against the 6.12 headers (KDIR)', None),
    (r'make docs', 'host', None, None),
    (r'sudo make dkms-install', 'host', 'for 6.12 (KVER)', None),
    (r'sudo make dkms-remove', 'host', None, None),
    (r'dkms status kvm_vpmu_ext', 'host', None, r': installed'),
    (r'sudo modprobe kvm_intel', 'vm', 'fails here: no VMX under TCG', None),
    (r'sudo (modprobe kvm_vpmu_ext|insmod kvm_vpmu_ext\.ko)( .*)?', 'vm',
     'must refuse with the documented kvm_intel line', None),
    (r'sudo dmesg \| grep kvm_vpmu_ext', 'vm', None, r'kvm_vpmu_ext: refused: '),
    (r'sudo rmmod kvm_vpmu_ext', 'vm', 'fails here: nothing was loaded', None),
]


def classify(cmds):
    for c in cmds:
        if DEB_SUBSECTION in c.section:
            c.runner, c.note = 'deb', 'in the deb step'
            continue
        for pat, runner, note, expect in RULES:
            if re.fullmatch(pat, c.shown):
                c.runner, c.note, c.expect = runner, note, expect
                break
    return cmds


def all_commands():
    return classify(readme_commands() + guide_commands())


def table(cmds):
    for c in cmds:
        where = {'no': 'NOT RUN', None: 'NO RULE'}.get(c.runner, c.runner)
        note = f'  ({c.note})' if c.note else ''
        print(f'doc: {where:8} {c.doc}: {c.shown}{note}')


# --------------------------------------------------------------------------
# The machine

def run(cmd, check=True, **kw):
    """Run, echo the command and its output; return (rc, output)."""
    kw.setdefault('stdin', subprocess.DEVNULL)
    shell = isinstance(cmd, str)
    print(f'+ {cmd if shell else " ".join(cmd)}', flush=True)
    p = subprocess.run(cmd, shell=shell, executable='/bin/bash' if shell else None,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors='replace', **kw)
    sys.stdout.write(p.stdout)
    sys.stdout.flush()
    if check and p.returncode:
        raise Failure(f'exit {p.returncode}: {cmd}')
    return p.returncode, p.stdout


class Failure(Exception):
    pass


def vkey(s):
    return [int(x) if x.isdigit() else x for x in re.split(r'(\d+)', s)]


def kernels():
    """{series: kernel version} of the newest header package per series."""
    out = {}
    for series in SERIES:
        found = []
        for d in glob.glob(f'/usr/src/linux-headers-{series}[.-]*-amd64'):
            kver = os.path.basename(d)[len('linux-headers-'):]
            if re.match(re.escape(series) + r'[.-]', kver) and \
               os.path.isdir(f'/lib/modules/{kver}/build'):
                found.append(kver)
        if not found:
            raise Failure(f'no linux-headers-{series} package: run make deps')
        out[series] = sorted(found, key=vkey)[-1]
    return out


def leftovers():
    found = glob.glob(f'/usr/src/{MOD}-*') + glob.glob(f'/var/lib/dkms/{MOD}')
    found += glob.glob(f'/etc/modprobe.d/{PKG}.conf')
    for root, _, files in os.walk('/lib/modules'):
        found += [os.path.join(root, f) for f in files if f.startswith(MOD + '.ko')]
    return sorted(found)


def installed():
    rc, out = run(['dpkg-query', '-W', '-f', '${db:Status-Status}', PKG],
                  check=False)
    return rc == 0 and out.strip().splitlines()[-1] not in ('', 'not-installed')


APT = ['apt-get', '-o', 'DPkg::Lock::Timeout=600', '-y', '-q']


def clean_system():
    """Remove what an earlier run of ours left (package, DKMS, files)."""
    if installed():
        if run(APT + ['purge', PKG], check=False)[0]:
            run(['dpkg', '--purge', '--force-all', PKG], check=False)
    for d in glob.glob(f'/var/lib/dkms/{MOD}/*/source'):
        v = os.path.basename(os.path.dirname(d))
        run(['dkms', 'remove', '-m', MOD, '-v', v, '--all'], check=False)
    stale = leftovers()
    for p in stale:
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        else:
            os.unlink(p)
    for kdir in {p.split('/')[3] for p in stale if p.startswith('/lib/modules/')}:
        run(['depmod', '-a', kdir], check=False)


class System:
    """The machine-wide lock and the promise to leave the machine clean."""

    def __enter__(self):
        if os.geteuid() != 0:
            raise Failure('needs root: it installs with dpkg and DKMS')
        os.makedirs(CACHE, exist_ok=True)
        os.makedirs(os.path.dirname(LOCK), exist_ok=True)
        self.lock = open(LOCK, 'w')
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        if installed() or leftovers():
            if not os.path.exists(MARKER):
                raise Failure(f'{MOD} is installed on this machine (package '
                              f'{PKG} or DKMS) by someone else: remove it first')
            print('pkgtest: cleaning up after an earlier run')
            clean_system()
        with open(MARKER, 'w'):
            pass
        return self

    def __exit__(self, *exc):
        clean_system()
        os.unlink(MARKER)
        self.lock.close()


def scratch(work):
    """A copy of the checkout as the developer sees it (what git tracks
    and what it does not ignore)."""
    dst = os.path.join(work, 'scratch')
    shutil.rmtree(dst, ignore_errors=True)
    files = subprocess.run(['git', 'ls-files', '-z', '-co', '--exclude-standard'],
                           cwd=TOP, stdout=subprocess.PIPE, check=True).stdout
    for f in files.decode().split('\0'):
        src = os.path.join(TOP, f)
        if f and os.path.lexists(src):
            os.makedirs(os.path.dirname(os.path.join(dst, f)), exist_ok=True)
            shutil.copy2(src, os.path.join(dst, f), follow_symlinks=False)
    return dst


def workspace(work, kver):
    """Where documented commands run: a scratch checkout, and an
    environment where root needs no sudo, apt waits for its lock and asks
    nothing, and make targets kernel kver."""
    src = scratch(work)
    shim = os.path.join(work, 'bin')
    os.makedirs(shim, exist_ok=True)
    with open(os.path.join(shim, 'sudo'), 'w') as f:
        f.write('#!/bin/sh\nexec "$@"\n')
    os.chmod(os.path.join(shim, 'sudo'), 0o755)
    conf = os.path.join(work, 'apt.conf')
    with open(conf, 'w') as f:
        f.write('DPkg::Lock::Timeout "600";\nAPT::Get::Assume-Yes "true";\n')
    env = dict(os.environ, PATH=shim + ':' + os.environ['PATH'],
               APT_CONFIG=conf, DEBIAN_FRONTEND='noninteractive',
               KDIR=f'/lib/modules/{kver}/build', KVER=kver)
    return src, env


# --------------------------------------------------------------------------
# The deb step

def source_params():
    """{name: description} of every module parameter in src/."""
    params, descs = set(), {}
    for _, text in refusals.sources():
        for m in re.finditer(r'\bmodule_param(?:_named)?\s*\(\s*(\w+)', text):
            params.add(m.group(1))
        for m in re.finditer(r'\bMODULE_PARM_DESC\s*\(', text):
            args = refusals.call_args(text, m.end() - 1)
            descs[args[0]] = refusals.c_strings(args[1])
    missing = params - set(descs)
    if missing:
        raise Failure(f'parameters without MODULE_PARM_DESC: {sorted(missing)}')
    return descs


def check_build(kver, params):
    mods = glob.glob(f'/lib/modules/{kver}/updates/dkms/{MOD}.ko*')
    if len(mods) != 1:
        raise Failure(f'{kver}: expected one {MOD}.ko under updates/dkms, found {mods}')
    _, version = run(['modinfo', '-F', 'version', mods[0]])
    _, vermagic = run(['modinfo', '-F', 'vermagic', mods[0]])
    _, parm = run(['modinfo', '-F', 'parm', mods[0]])
    if version.strip() != VERSION:
        raise Failure(f'{mods[0]}: version {version.strip()!r}, VERSION is {VERSION}')
    if vermagic.split()[0] != kver:
        raise Failure(f'{mods[0]}: vermagic {vermagic.strip()!r}')
    shown = {}
    for line in parm.splitlines():
        name, _, rest = line.partition(':')
        shown[name] = re.sub(r' \([a-z]+\)$', '', rest)
    for name, desc in params.items():
        if shown.get(name) != desc:
            raise Failure(f'{mods[0]}: parameter {name}: modinfo shows '
                          f'{shown.get(name)!r}, the source says {desc!r}')
    if set(shown) != set(params):
        raise Failure(f'{mods[0]}: parameters {sorted(shown)}, src/ has {sorted(params)}')
    return os.path.basename(mods[0])


def fake_kernel(work, name, base, drop):
    """A kernel source dir that only has a .config: base's without drop."""
    d = os.path.join(work, 'fake-' + name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(f'/lib/modules/{base}/build', '.config')) as f:
        cfg = [ln for ln in f if not any(ln.startswith(o + '=') for o in drop)]
    with open(os.path.join(d, '.config'), 'w') as f:
        f.writelines(cfg)
    return d


def check_exclusive(work, ks):
    """DKMS skips what the module cannot serve, and the module says why."""
    cases = [
        ('6.6.0-1-amd64', ks['6.12'], [], 'only Linux 6.1 and 6.12'),
        ('6.12.0-99-amd64', ks['6.12'], ['CONFIG_KPROBES'], 'it needs CONFIG_KPROBES'),
        ('6.12.0-98-amd64', ks['6.12'], ['CONFIG_KVM_INTEL'], 'it needs CONFIG_KVM_INTEL'),
        ('6.1.0-99-amd64', ks['6.1'], ['CONFIG_DYNAMIC_FTRACE_WITH_ARGS'],
         'it needs CONFIG_DYNAMIC_FTRACE_WITH_ARGS'),
    ]
    for kver, base, drop, why in cases:
        d = fake_kernel(work, kver, base, drop)
        rc, out = run(['dkms', 'build', '-m', MOD, '-v', VERSION, '-k', kver,
                       '--kernelsourcedir', d], check=False)
        line = f'kvm_vpmu_ext: not built for {kver}: {why}'
        if rc != 77 or line not in out:
            raise Failure(f'dkms build for {kver}: exit {rc}, expected 77 and "{line}"')
        if glob.glob(f'/var/lib/dkms/{MOD}/{VERSION}/{kver}'):
            raise Failure(f'dkms build for {kver} left a build directory')
    # The per-kernel parts of the list, read the way DKMS reads it.
    conf = f'/usr/src/{MOD}-{VERSION}/dkms.conf'
    probe = ('action=build; kernelver=$1; kernel_source_dir=$2; . "$3"; '
             'echo "LIST $BUILD_EXCLUSIVE_CONFIG"')
    for kver, base, drop, has, lacks in [
            ('6.12.0-97-amd64', ks['6.12'], ['CONFIG_DYNAMIC_FTRACE_WITH_ARGS'],
             ['CONFIG_TASKS_RCU'], ['CONFIG_DYNAMIC_FTRACE_WITH_ARGS']),
            ('6.1.0-97-amd64', ks['6.1'], ['CONFIG_PREEMPTION'],
             ['CONFIG_DYNAMIC_FTRACE_WITH_ARGS'], ['CONFIG_TASKS_RCU'])]:
        d = fake_kernel(work, kver, base, drop)
        _, out = run(['bash', '-c', probe, '-', kver, d, conf])
        got = out.split('LIST ', 1)[1].split()
        if any(o not in got for o in has) or any(o in got for o in lacks) or \
           'not built' in out:
            raise Failure(f'{kver}: BUILD_EXCLUSIVE_CONFIG is {got}: '
                          f'expected {has} in it and {lacks} not')


def deb_step(work):
    cmds = [c for c in all_commands() if c.runner == 'deb']
    inst = [c for c in cmds if re.search(r'\bapt(-get)? install|\bdpkg -i', c.shown)]
    purge = [c for c in cmds if re.search(r'\bapt(-get)? purge|\bdpkg -P', c.shown)]
    if len(inst) != 1 or not purge or cmds.index(purge[-1]) < cmds.index(inst[0]):
        raise Failure(f'the guide\'s "{DEB_SUBSECTION}" must install, then purge')
    ks = kernels()
    params = source_params()
    built = []
    with System():
        src, env = workspace(work, ks['6.12'])
        for c in cmds:
            rc, out = run(c.text, cwd=src, env=env, check=False)
            if rc:
                raise Failure(f'exit {rc}: {c.shown}')
            if c is inst[0]:
                debs = glob.glob(os.path.join(src, '.build/deb', f'{PKG}_{VERSION}_all.deb'))
                if not debs:
                    raise Failure(f'no {PKG}_{VERSION}_all.deb was built')
                for series, kver in ks.items():
                    _, st = run(['dkms', 'status', '-m', MOD, '-v', VERSION, '-k', kver])
                    how = 'on install'
                    if ': installed' not in st:
                        # The postinst builds for the running and the
                        # newest kernel when the running one is installed.
                        run(['dkms', 'install', '-m', MOD, '-v', VERSION, '-k', kver])
                        how = 'by dkms install'
                    built.append(f'{kver} {how}: {check_build(kver, params)}')
                _, dep = run(['modprobe', '-c'])
                if 'softdep kvm_vpmu_ext pre: kvm_intel' not in dep.splitlines():
                    raise Failure('the softdep on kvm_intel is not in force')
                check_exclusive(work, ks)
        left = leftovers()
        if installed() or left:
            raise Failure(f'left after the purge: {left or PKG}')
    for b in built:
        print(f'deb: built {b}')
    return (f'{PKG}_{VERSION}_all.deb built, installed, purged; DKMS built '
            f'{" and ".join(ks.values())}; {len(params)} parameters; 4 skips')


# --------------------------------------------------------------------------
# The doc step

def unpack_ko(tree, name, dst):
    found = [p for p in glob.glob(os.path.join(tree, '**', name + '.ko*'), recursive=True)]
    if not found:
        raise Failure(f'{name}.ko not in {tree}')
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with (lzma.open if found[0].endswith('.xz') else open)(found[0], 'rb') as f, \
            open(dst, 'wb') as o:
        o.write(f.read())


def vm_run(work, kver, ko, cmds):
    """Run the VM commands in Debian's kernel; return the console log."""
    img = subprocess.run([os.path.join(TOP, 'scripts/live.sh'), '--image', kver],
                         stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    stage = os.path.join(work, 'stage')
    shutil.rmtree(stage, ignore_errors=True)
    mods = os.path.join(stage, 'lib/modules', kver)
    tree = os.path.join(img, 'lib/modules', kver, 'kernel')
    unpack_ko(tree, 'irqbypass', os.path.join(mods, 'kernel/virt/lib/irqbypass.ko'))
    unpack_ko(tree, 'kvm', os.path.join(mods, 'kernel/arch/x86/kvm/kvm.ko'))
    unpack_ko(tree, 'kvm-intel', os.path.join(mods, 'kernel/arch/x86/kvm/kvm-intel.ko'))
    # Where DKMS puts it, for modprobe; and in the working directory,
    # for insmod from a checkout.
    os.makedirs(os.path.join(mods, 'updates/dkms'))
    shutil.copy(ko, os.path.join(mods, 'updates/dkms', MOD + '.ko'))
    os.makedirs(os.path.join(stage, 'work'))
    shutil.copy(ko, os.path.join(stage, 'work', MOD + '.ko'))
    os.makedirs(os.path.join(stage, 'etc/modprobe.d'))
    shutil.copy(os.path.join(TOP, 'debian', PKG + '.modprobe'),
                os.path.join(stage, 'etc/modprobe.d', PKG + '.conf'))
    os.makedirs(os.path.join(stage, 'bin'))
    with open(os.path.join(stage, 'bin/sudo'), 'w') as f:
        f.write('#!/bin/sh\nexec "$@"\n')
    os.chmod(os.path.join(stage, 'bin/sudo'), 0o755)
    # After each command, its exit status and the refusal lines it added
    # (dmesg is not cleared: the documented "dmesg | grep" must see them).
    with open(os.path.join(stage, 'run.sh'), 'w') as f:
        f.write('depmod\ncd /work\nn=0\n')
        for i, c in enumerate(cmds):
            q = c.text.replace("'", "'\\''")
            f.write(f"echo 'doctest: begin {i}'\nsh -c '{q}'\n"
                    f"echo \"doctest: end {i} rc=$?\"\n"
                    "dmesg | grep 'kvm_vpmu_ext: refused' | "
                    "sed 's/^\\[[ 0-9.]*\\] //' >/tmp/r\n"
                    "tail -n +$((n + 1)) /tmp/r | sed 's/^/doctest: refusal /'\n"
                    "n=$(wc -l </tmp/r)\n")
        f.write("echo 'doctest: loaded'\ngrep '^kvm_vpmu_ext ' /proc/modules\n"
                "echo 'doctest: done'\n")
    log = os.path.join(work, 'console.log')
    rc, _ = run([os.path.join(TOP, 'scripts/vm.sh'), os.path.join(img, 'boot', 'vmlinuz-' + kver),
                 stage, log, '-cpu', 'max,vendor=GenuineIntel'], check=False)
    with open(log, errors='replace') as f:
        console = f.read()
    if rc or 'doctest: done' not in console:
        print(console[-4000:])
        raise Failure(f'the VM did not finish (exit {rc})')
    return console


def judge_vm(console, cmds):
    lines = console.splitlines()
    loaded = lines[lines.index('doctest: loaded') + 1:lines.index('doctest: done')]
    bad, refused = [], []
    for i, c in enumerate(cmds):
        b = lines.index(f'doctest: begin {i}')
        e = next(j for j in range(b, len(lines))
                 if lines[j].startswith(f'doctest: end {i} '))
        rc = int(lines[e].rsplit('=', 1)[1])
        new = [ln[len('doctest: refusal '):] for ln in
               lines[e + 1:lines.index(f'doctest: begin {i + 1}')
                     if i + 1 < len(cmds) else lines.index('doctest: loaded')]
               if ln.startswith('doctest: refusal ')]
        refused += new
        out = '\n'.join(lines[b + 1:e])
        c.result = f'exit {rc}'
        if 'must refuse' in (c.note or ''):
            # Here, with no kvm_intel, the one refusal a good load gives.
            ok = rc != 0 and new and all('kvm_intel is not loaded' in ln
                                         for ln in new)
        elif 'fails here' in (c.note or ''):
            ok = rc != 0
        else:
            ok = rc == 0 and (not c.expect or re.search(c.expect, out))
        if not ok:
            bad.append(f'{c.shown}: exit {rc}, refused {new}, output: {out[-300:]!r}')
    if not refused or not refusals.match(refused):
        bad.append('a refusal line is not in the admin guide')
    if loaded:
        bad.append(f'left loaded: {loaded}')
    if re.search(r'BUG:|Oops|WARNING:|Call Trace', console):
        bad.append('the kernel log has a BUG, WARNING or Oops')
    return bad


def doc_step(work):
    cmds = all_commands()
    table(cmds)
    unknown = [c.shown for c in cmds if c.runner is None]
    if unknown:
        raise Failure(f'no rule in scripts/pkgtest.py for: {unknown}')
    host = [c for c in cmds if c.runner == 'host']
    vm = [c for c in cmds if c.runner == 'vm']
    ks = kernels()
    bad = []
    with System():
        src, env = workspace(work, ks['6.12'])
        for c in host:
            rc, out = run(c.text, cwd=src, env=env, check=False)
            c.result = f'exit {rc}'
            if rc or (c.expect and not re.search(c.expect, out)):
                bad.append(f'{c.shown}: exit {rc}')
        ko = os.path.join(src, MOD + '.ko')
        if not os.path.exists(ko):
            raise Failure(f'no documented command built {MOD}.ko')
    console = vm_run(work, ks['6.12'], ko, vm)
    bad += judge_vm(console, vm)
    for c in host + vm:
        print(f'doc: {c.runner:4} {c.result:7} {c.shown}')
    for b in bad:
        print(f'doc: FAIL {b}')
    if bad:
        raise Failure(f'{len(bad)} documented commands misbehaved')
    n = {r: sum(c.runner == r for c in cmds) for r in ('host', 'vm', 'deb', 'no')}
    return (f'{len(cmds)} commands: {n["host"]} on the host, {n["vm"]} in the '
            f'{ks["6.12"]} VM, {n["deb"]} in the deb step, {n["no"]} not run here')


def main():
    args = sys.argv[1:]
    summary = None
    if '--summary' in args:
        i = args.index('--summary')
        summary = args[i + 1]
        del args[i:i + 2]
    if args == ['list']:
        table(all_commands())
        return 0
    if len(args) != 2 or args[0] not in ('deb', 'doc'):
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    work = os.path.abspath(args[1])
    os.makedirs(work, exist_ok=True)
    try:
        line = (deb_step if args[0] == 'deb' else doc_step)(work)
    except Failure as e:
        print(f'pkgtest {args[0]}: FAIL: {e}')
        return 1
    print(f'pkgtest {args[0]}: {line}')
    if summary:
        with open(summary, 'w') as f:
            f.write(line + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
