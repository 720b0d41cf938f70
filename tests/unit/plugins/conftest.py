# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Throwaway OpenPGP keys and ISO9660 images for the boot_artifact tests.

Keys are generated once per session with ``gpg --quick-gen-key`` (ed25519, no passphrase) in
a temporary GNUPGHOME; nothing touches the user's keyring. ISO images are built with xorriso
and genisoimage (Makefile APT_TEST installs gpg, gpgv, xorriso and genisoimage).
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest


class Signer(object):
    """One key pair in the session's temporary GNUPGHOME."""

    def __init__(self, home, uid):
        self.home = home
        self.uid = uid
        self.gpg(['--quick-gen-key', uid, 'ed25519', 'sign', 'never'])
        listing = self.gpg(['--with-colons', '--list-keys', uid]).decode()
        self.fingerprint = [line.split(':')[9] for line in listing.splitlines() if line.startswith('fpr:')][0]
        self.public_armored = self.gpg(['--armor', '--export', self.fingerprint])
        self.public_binary = self.gpg(['--export', self.fingerprint])

    def gpg(self, args, data=None):
        return subprocess.run(['gpg', '--batch', '--quiet', '--no-tty', '--passphrase', '', '--pinentry-mode', 'loopback'] + args,
                              input=data, env=dict(os.environ, GNUPGHOME=str(self.home)), check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout

    def detach_sign(self, data, armor=True):
        return self.gpg(['--local-user', self.fingerprint, '--detach-sign'] + (['--armor'] if armor else []) + ['--output', '-'], data)

    def clearsign(self, data, *others):
        users = []
        for signer in (self,) + others:
            users += ['--local-user', signer.fingerprint]
        return self.gpg(users + ['--clearsign', '--output', '-'], data)


@pytest.fixture(scope='session')
def gpg_keys(tmp_path_factory):
    """{'archive': Signer, 'stranger': Signer}: the trusted key and one that is not in the keyring."""
    if not shutil.which('gpg'):
        pytest.fail('gpg is not installed (make deps installs it: APT_TEST in the Makefile)')
    home = tmp_path_factory.mktemp('gnupg')
    home.chmod(0o700)
    try:
        yield {'archive': Signer(home, 'Archive Test <archive@example.invalid>'),
               'stranger': Signer(home, 'Stranger <stranger@example.invalid>')}
    finally:
        subprocess.run(['gpgconf', '--kill', 'gpg-agent'], env=dict(os.environ, GNUPGHOME=str(home)), check=False)


def run_command(argv, env):
    """The (rc, stdout, stderr) runner _artifact.gpg_verify expects, like AnsibleModule.run_command."""
    proc = subprocess.run(argv, env=dict(os.environ, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    return proc.returncode, proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace')


@pytest.fixture
def gpgv_runner():
    return run_command


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
