# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ISO9660 images for the boot_artifact tests (the throwaway OpenPGP keys are in tests/unit/conftest.py).

ISO images are built with xorriso and genisoimage (Makefile APT_TEST installs them).
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest


KERNEL = os.urandom(200 * 1024)  # > 64 KiB: spans many sectors


def _tree(root):
    files = {
        'install.amd/vmlinuz': KERNEL,
        'install.amd/initrd.gz': b'initrd\n',
        'casper/vmlinuz': b'casper kernel\n',
        'a/b/c/Deep-File.txt': b'deep\n',
        'README': b'readme\n',
    }
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    os.symlink('vmlinuz', str(root / 'casper' / 'link'))
    return files


@pytest.fixture(scope='session')
def iso_images(tmp_path_factory):
    """{'rockridge', 'plain', 'joliet', 'deep'}: paths of ISO images of the same tree, and the tree's files."""
    for tool in ('xorriso', 'genisoimage'):
        if not shutil.which(tool):
            pytest.fail('%s is not installed (make deps installs it: APT_TEST in the Makefile)' % tool)
    base = tmp_path_factory.mktemp('iso')
    tree = base / 'tree'
    files = _tree(tree)
    deep = base / 'deep'
    (deep / '1/2/3/4/5/6/7/8/9/10').mkdir(parents=True)
    (deep / '1/2/3/4/5/6/7/8/9/10/file').write_bytes(b'deepest\n')
    images = {}

    def build(name, argv):
        images[name] = str(base / (name + '.iso'))
        subprocess.run(argv + ['-o', images[name]] + [str(deep if name == 'deep' else tree)], check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    build('rockridge', ['xorriso', '-as', 'mkisofs', '-R', '-J'])
    build('plain', ['genisoimage', '-quiet'])          # ISO9660 level 1 only: 8.3 upper case, ";1"
    build('joliet', ['genisoimage', '-quiet', '-J'])    # Joliet names, no Rock Ridge
    build('deep', ['genisoimage', '-quiet', '-R'])      # > 8 levels: Rock Ridge relocates into rr_moved (CL/RE)
    images['files'] = files
    return images
