# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration of the kvm_vpmu_ext documentation.  Build it with
# `make docs` (scripts/docs.sh), which finds the kernel tree that supplies
# kernel-doc and passes it in VPMU_KSRC.

import os
import sys

top = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))

project = 'kvm_vpmu_ext'
author = 'the kvm_vpmu_ext developers'
copyright = 'the kvm_vpmu_ext developers, GPL-2.0'
with open(os.path.join(top, 'VERSION'), encoding='ascii') as f:
    version = release = f.read().strip()

root_doc = 'index'
exclude_patterns = ['_build']
# Kernel style: tabs in literal blocks are 8 columns.
tab_width = 8

# The API of include/vpmu/ comes from its kernel-doc comments, rendered by
# the kernel's own scripts/kernel-doc through the kernel's Sphinx extension
# (Documentation/sphinx/kerneldoc.py of a Linux source tree).
ksrc = os.environ.get('VPMU_KSRC')
if not ksrc:
    sys.exit('conf.py: VPMU_KSRC (a Linux source tree) is not set: '
             'build with `make docs`')
sys.path.insert(0, os.path.join(ksrc, 'Documentation', 'sphinx'))
extensions = ['kerneldoc']
kerneldoc_bin = os.path.join(ksrc, 'scripts', 'kernel-doc')
kerneldoc_srctree = top
# Show kernel-doc's own complaints; scripts/docs.sh makes them fatal.
kerneldoc_verbosity = 1

html_theme = 'alabaster'
html_title = 'kvm_vpmu_ext ' + release
html_show_sourcelink = False
