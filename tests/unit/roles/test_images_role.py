# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The images role run by ansible-playbook against a loopback HTTP server playing the Debian and Arch mirrors.

One playbook run covers a Debian installer whose SHA256SUMS is checked through a signed InRelease
(a throwaway key given as images_keyrings.debian), a tarball member, Arch's kernel and initramfs
taken out of an ISO9660 image (archive_format iso) and a chain entry; a second run changes nothing
and downloads no archive again; a third finds a tampered SHA256SUMS and a tarball that no longer
matches its checksum: the run fails naming the entries, and the old files stay.
"""
from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'plugins', 'module_utils'))
from test_artifact import make_deb, make_tar  # noqa: E402  pylint: disable=wrong-import-position

TREE = pathlib.Path(__file__).resolve().parents[3]          # .../ansible_collections/netboot/pxe
COLLECTIONS = TREE.parents[2]                               # the directory holding ansible_collections/
PLAYBOOK = sys.executable.rsplit('/', 1)[0] + '/ansible-playbook'
IMAGES = 'dists/trixie/main/installer-amd64/current/images'
RELEASE_NAME = 'main/installer-amd64/current/images/SHA256SUMS'
ARCH_VERSION = '2026.12.01'
ARCH_ISO = 'arch/iso/%s/archlinux-%s-x86_64.iso' % (ARCH_VERSION, ARCH_VERSION)

pytestmark = pytest.mark.skipif(not os.path.exists(PLAYBOOK) or TREE.parent.name != 'netboot',
                                reason='needs ansible-playbook and the built collection tree (make unit)')


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def mirror(tmp_path, loopback_http):
    served = loopback_http(tmp_path / 'mirror')
    served.base = served.url
    served.url = served.base + '/debian'
    return served


def in_release(sums):
    """A Debian Release file listing the installer's SHA256SUMS (to be clearsigned into InRelease)."""
    return ('Origin: Debian\nLabel: Debian\nSuite: stable\nCodename: trixie\nDate: Sat, 09 Aug 2025 09:00:00 UTC\n'
            'Architectures: amd64 arm64\nComponents: main\nSHA256:\n %s %16d %s\n' % (sha256(sums), len(sums), RELEASE_NAME)).encode()


def arch_iso(tmp_path, files):
    """An ISO9660 image laid out like Arch's (arch/boot/x86_64/...), built with xorriso (Rock Ridge + Joliet)."""
    if not shutil.which('xorriso'):
        pytest.fail('xorriso is not installed (make deps installs it: APT_TEST in the Makefile)')
    tree = tmp_path / 'iso-tree'
    for path, data in files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_bytes(data)
    iso = tmp_path / 'arch.iso'
    subprocess.run(['xorriso', '-as', 'mkisofs', '-R', '-J', '-V', 'ARCH_202612', '-o', str(iso), str(tree)], check=True,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return iso.read_bytes()


def play(tmp_path, variables):
    (tmp_path / 'vars.json').write_text(json.dumps(variables))
    (tmp_path / 'play.yml').write_text('''
- name: Fetch images
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: netboot.pxe.images
  tasks:
    - name: Show the entries for the test
      ansible.builtin.debug:
        var: images_server_entries
''')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0',
               ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_STDOUT_CALLBACK='default', ANSIBLE_CALLBACK_RESULT_FORMAT='json')
    command = [PLAYBOOK, '-i', 'localhost,', str(tmp_path / 'play.yml'), '-e', '@%s' % (tmp_path / 'vars.json')]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    recap = re.search(r'localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)', result.stdout)
    return result, (dict(zip(('ok', 'changed', 'failed'), map(int, recap.groups()))) if recap else None)


def shown_entries(result):
    """images_server_entries as the last task printed them (the debug callback's JSON)."""
    task = result.stdout.index('TASK [Show the entries for the test]')
    start = result.stdout.index('ok: [localhost] => ', task) + len('ok: [localhost] => ')
    return json.JSONDecoder().raw_decode(result.stdout[start:])[0]['images_server_entries']


def test_role_fetches_from_a_loopback_mirror(mirror, tmp_path, gpg_keys):
    kernel, initrd = b'fixture kernel\n' * 1000, b'fixture initrd\n' * 2000
    mirror.put('debian/%s/netboot/debian-installer/amd64/linux' % IMAGES, kernel)
    mirror.put('debian/%s/netboot/debian-installer/amd64/initrd.gz' % IMAGES, initrd)
    sums = ('%s  ./netboot/debian-installer/amd64/linux\n%s  ./netboot/debian-installer/amd64/initrd.gz\n'
            % (sha256(kernel), sha256(initrd))).encode()
    mirror.put('debian/%s/SHA256SUMS' % IMAGES, sums)
    # The signed chain as on deb.debian.org: InRelease (clearsigned) -> SHA256SUMS -> files.
    mirror.put('debian/dists/trixie/InRelease', gpg_keys['archive'].clearsign(in_release(sums)))
    keyring = tmp_path / 'archive-keyring.gpg'
    keyring.write_bytes(gpg_keys['archive'].public_binary)
    archive = make_tar({'./amd64/linux': b'tar kernel', './amd64/initrd': b'tar initrd'}, 'gz')  # the tool's kernel only: one extract
    mirror.put('debian/tools/tool-netboot.tar.gz', archive)
    tool_sums = ('%s *tool-netboot.tar.gz\n' % sha256(archive)).encode()
    mirror.put('debian/tools/SHA256SUMS', tool_sums)
    arch_kernel, arch_initramfs = b'arch kernel\n' * 3000, b'arch initramfs\n' * 5000
    iso = arch_iso(tmp_path, {'arch/boot/x86_64/vmlinuz-linux': arch_kernel, 'arch/boot/x86_64/initramfs-linux.img': arch_initramfs,
                              'arch/version': ARCH_VERSION.encode(), 'boot/syslinux/syslinux.cfg': b'DEFAULT arch\n'})
    mirror.put(ARCH_ISO, iso)
    mirror.put('arch/iso/%s/sha256sums.txt' % ARCH_VERSION, (
        '%s  archlinux-bootstrap-%s-x86_64.tar.zst\n%s  archlinux-%s-x86_64.iso\n'
        % (sha256(b'bootstrap'), ARCH_VERSION, sha256(iso), ARCH_VERSION)).encode())
    images = tmp_path / 'images'
    variables = {
        # A plain file (signed chain), an archive member, ISO members, a chain.
        'images_enabled': ['debian-13-amd64', 'tool', 'archlinux-amd64', 'netbootxyz'],
        'images_mirrors': {'debian': mirror.url, 'arch': mirror.base + '/arch'},
        'images_keyrings': {'debian': str(keyring)},
        'images_install_packages': False,   # gpgv is there (APT_TEST); a unit test installs nothing
        'images_catalog_overrides': {'archlinux-amd64': {'version': ARCH_VERSION}},
        'images_dir': str(images),
        'images_custom': [{
            'name': 'tool', 'title': 'Tool from a tarball', 'mirror': 'debian', 'architectures': ['bios'],
            'files': {'kernel': {'src': 'tools/tool-netboot.tar.gz', 'checksum_url': 'tools/SHA256SUMS', 'member': 'amd64/linux',
                                 'archive_format': 'tar', 'name': 'vmlinuz'}},
            'cmdline': {'console': 'ttyS0'}}],
    }

    result, recap = play(tmp_path, variables)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (images / 'debian-13-amd64' / 'linux').read_bytes() == kernel
    assert (images / 'debian-13-amd64' / 'initrd.gz').read_bytes() == initrd
    assert (images / 'tool' / 'vmlinuz').read_bytes() == b'tar kernel'
    assert (images / '_archives' / 'tool-netboot.tar.gz').read_bytes() == archive
    assert (images / 'archlinux-amd64' / 'vmlinuz-linux').read_bytes() == arch_kernel
    assert (images / 'archlinux-amd64' / 'initramfs-linux.img').read_bytes() == arch_initramfs
    assert (images / '_archives' / ('archlinux-%s-x86_64.iso' % ARCH_VERSION)).read_bytes() == iso
    # The Debian files went through the signature check (the InRelease was fetched), the others did not need one.
    assert '/debian/dists/trixie/InRelease' in mirror.requests
    host = mirror.url.split('/')[2]
    assert shown_entries(result) == [
        {'name': 'debian-13-amd64', 'title': 'Debian 13 (trixie) installer, amd64', 'kernel': '%s/debian-13-amd64/linux' % images,
         'initrd': ['%s/debian-13-amd64/initrd.gz' % images], 'remote_src': True, 'architectures': ['bios', 'efi-x86_64'],
         'cmdline': 'mirror/country=manual mirror/protocol=http mirror/http/hostname=%s mirror/http/directory=/debian' % host},
        {'name': 'tool', 'title': 'Tool from a tarball', 'kernel': '%s/tool/vmlinuz' % images, 'initrd': [],
         'cmdline': 'console=ttyS0', 'remote_src': True, 'architectures': ['bios']},
        {'name': 'archlinux-amd64', 'title': 'Arch Linux live environment, x86_64', 'kernel': '%s/archlinux-amd64/vmlinuz-linux' % images,
         'initrd': ['%s/archlinux-amd64/initramfs-linux.img' % images], 'remote_src': True, 'architectures': ['bios', 'efi-x86_64'],
         'cmdline': 'ip=dhcp archiso_http_srv=%s/arch/iso/%s/ archisobasedir=arch cms_verify=y' % (mirror.base, ARCH_VERSION)},
        {'name': 'netbootxyz', 'title': 'netboot.xyz menu (chained over the internet)', 'chain': 'https://boot.netboot.xyz/menu.ipxe',
         'architectures': ['bios', 'efi-x86_64']},
    ]

    # Nothing changed upstream: only the small checksums (and Release) files are fetched, no archive or ISO again.
    del mirror.requests[:]
    result, recap = play(tmp_path, variables)
    assert result.returncode == 0 and recap['changed'] == 0, result.stdout + result.stderr
    assert not [p for p in images.rglob('*') if p.name.endswith('.part')]
    assert sorted(set(mirror.requests)) == sorted(['/arch/iso/%s/sha256sums.txt' % ARCH_VERSION, '/debian/%s/SHA256SUMS' % IMAGES,
                                                   '/debian/dists/trixie/InRelease', '/debian/tools/SHA256SUMS'])

    # The mirror now serves a SHA256SUMS its signed InRelease does not list (listing a tampered kernel),
    # and a tarball whose checksums file lists another one: both refused, the old files stay.
    mirror.put('debian/%s/netboot/debian-installer/amd64/linux' % IMAGES, b'tampered')
    mirror.put('debian/%s/SHA256SUMS' % IMAGES, sums.replace(sha256(kernel).encode(), sha256(b'tampered').encode()))
    mirror.put('debian/tools/SHA256SUMS', tool_sums.replace(sha256(archive).encode(), sha256(b'the release tarball').encode()))
    del mirror.requests[:]
    result, recap = play(tmp_path, variables)
    assert result.returncode != 0 and recap['failed'] == 1, result.stdout + result.stderr
    failures = [line for line in result.stdout.splitlines() if line.startswith('failed: [localhost]')]
    assert len(failures) == 3, result.stdout
    debian = [line for line in failures if '(item=debian-13-amd64: linux)' in line]
    assert debian and 'does not match its entry %r in the signed Release file' % RELEASE_NAME in debian[0], result.stdout
    assert 'nothing was downloaded or written' in debian[0]
    tool = [line for line in failures if '(item=tool: tool-netboot.tar.gz)' in line]
    assert tool and 'checksum mismatch' in tool[0] and 'left untouched' in tool[0], result.stdout
    assert '/debian/%s/netboot/debian-installer/amd64/linux' % IMAGES not in mirror.requests  # refused before the download
    assert (images / 'debian-13-amd64' / 'linux').read_bytes() == kernel
    assert (images / '_archives' / 'tool-netboot.tar.gz').read_bytes() == archive
    assert (images / 'tool' / 'vmlinuz').read_bytes() == b'tar kernel'
    for directory in (images / 'debian-13-amd64', images / '_archives'):
        assert not [p for p in directory.iterdir() if p.name.endswith('.part')]


def test_role_fetches_from_a_file_mirror(tmp_path, gpg_keys):
    """images_mirrors on file:// (an air-gapped mirror on the target): the shipped memtest86+ entry, a kernel out
    of a .deb by its pinned checksums, and a file checked through a signed InRelease, all read as local files.

    main: boot_artifact crashed on every file:// URL (fetch_url reports status None for them).
    """
    root = tmp_path / 'mirror' / 'debian'
    memtest = os.urandom(4000)
    deb_path = 'pool/main/m/memtest86+/memtest86+_7.20-1_amd64.deb'
    deb = make_deb({'./boot/memtest86+x64.bin': memtest, './boot/memtest86+x64.efi': b'efi'})
    kernel = b'file mirror kernel\n' * 500
    sums = ('%s  ./netboot/linux\n' % sha256(kernel)).encode()
    files = {deb_path: deb, IMAGES + '/netboot/linux': kernel, IMAGES + '/SHA256SUMS': sums,
             'dists/trixie/InRelease': gpg_keys['archive'].clearsign(in_release(sums))}
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    keyring = tmp_path / 'archive-keyring.gpg'
    keyring.write_bytes(gpg_keys['archive'].public_binary)
    images = tmp_path / 'images'
    variables = {
        'images_enabled': ['memtest86plus-bios', 'signed'],
        'images_mirrors': {'debian': 'file://%s' % root},
        'images_keyrings': {'debian': str(keyring)},
        'images_install_packages': False,
        'images_dir': str(images),
        # The shipped entry pins Debian's real package; this mirror holds a test package of the same name.
        'images_catalog_overrides': {'memtest86plus-bios': {'files': {'kernel': {
            'checksum': 'sha256:' + sha256(deb), 'member_checksum': 'sha256:' + sha256(memtest)}}}},
        'images_custom': [{
            'name': 'signed', 'title': 'Kernel checked through InRelease', 'mirror': 'debian', 'keyring': 'debian',
            'architectures': ['bios'], 'cmdline': {'console': 'ttyS0'},
            'files': {'kernel': {'src': IMAGES + '/netboot/linux', 'checksum_url': IMAGES + '/SHA256SUMS',
                                 'checksum_name': './netboot/linux', 'checksum_release_url': 'dists/trixie/InRelease',
                                 'checksum_release_name': RELEASE_NAME}}}],
    }
    result, recap = play(tmp_path, variables)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (images / 'memtest86plus-bios' / 'memtest86+x64.bin').read_bytes() == memtest
    assert (images / '_archives' / 'memtest86+_7.20-1_amd64.deb').read_bytes() == deb
    assert (images / 'signed' / 'linux').read_bytes() == kernel
    result, recap = play(tmp_path, variables)
    assert result.returncode == 0 and recap['changed'] == 0, result.stdout + result.stderr
    assert not [p for p in images.rglob('*') if p.name.endswith('.part')]
