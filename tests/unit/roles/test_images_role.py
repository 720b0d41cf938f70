# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The images role run by ansible-playbook against a loopback HTTP server playing the Debian mirror.

A real run, a second run that changes nothing and downloads no archive again, and a
mirror whose file no longer matches its checksum: the run fails and the old file stays.
"""
from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import pathlib
import re
import subprocess
import sys
import tarfile
import threading

import pytest

TREE = pathlib.Path(__file__).resolve().parents[3]          # .../ansible_collections/netboot/pxe
COLLECTIONS = TREE.parents[2]                               # the directory holding ansible_collections/
PLAYBOOK = sys.executable.rsplit('/', 1)[0] + '/ansible-playbook'
IMAGES = 'dists/trixie/main/installer-amd64/current/images'

pytestmark = pytest.mark.skipif(not os.path.exists(PLAYBOOK) or TREE.parent.name != 'netboot',
                                reason='needs ansible-playbook and the built collection tree (make unit)')


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def tarball(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class Mirror(object):
    def __init__(self, root):
        self.root = root
        self.requests = []

    def put(self, path, data):
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@pytest.fixture
def mirror(tmp_path):
    served = Mirror(tmp_path / 'mirror')
    served.root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served.root), **kwargs)

        def do_GET(self):
            served.requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    served.url = 'http://127.0.0.1:%d/debian' % httpd.server_address[1]
    try:
        yield served
    finally:
        httpd.shutdown()
        httpd.server_close()


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
    - name: Write the entries for the test
      ansible.builtin.copy:
        content: "{{ images_server_entries | to_nice_json }}"
        dest: "%s"
        mode: "0644"
''' % (tmp_path / 'entries.json'))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0',
               ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    command = [PLAYBOOK, '-i', 'localhost,', str(tmp_path / 'play.yml'), '-e', '@%s' % (tmp_path / 'vars.json')]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    recap = re.search(r'localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)', result.stdout)
    return result, (dict(zip(('ok', 'changed', 'failed'), map(int, recap.groups()))) if recap else None)


def test_role_fetches_from_a_loopback_mirror(mirror, tmp_path):
    kernel, initrd = b'fixture kernel\n' * 1000, b'fixture initrd\n' * 2000
    mirror.put('debian/%s/netboot/debian-installer/amd64/linux' % IMAGES, kernel)
    mirror.put('debian/%s/netboot/debian-installer/amd64/initrd.gz' % IMAGES, initrd)
    sums = '%s  ./netboot/debian-installer/amd64/linux\n%s  ./netboot/debian-installer/amd64/initrd.gz\n' % (sha256(kernel), sha256(initrd))
    mirror.put('debian/%s/SHA256SUMS' % IMAGES, sums.encode())
    archive = tarball({'./amd64/linux': b'tar kernel', './amd64/initrd': b'tar initrd'})
    mirror.put('debian/tools/tool-netboot.tar.gz', archive)
    mirror.put('debian/tools/SHA256SUMS', ('%s *tool-netboot.tar.gz\n' % sha256(archive)).encode())
    images = tmp_path / 'images'
    variables = {
        'images_enabled': ['debian-13-amd64', 'tool', 'netbootxyz'],  # a plain file, an archive member, a chain
        'images_mirrors': {'debian': mirror.url},
        'images_dir': str(images),
        'images_custom': [{
            'name': 'tool', 'title': 'Tool from a tarball', 'mirror': 'debian', 'architectures': ['bios'],
            'files': {'kernel': {'src': 'tools/tool-netboot.tar.gz', 'checksum_url': 'tools/SHA256SUMS', 'member': 'amd64/linux',
                                 'archive_format': 'tar', 'name': 'vmlinuz'},
                      'initrd': {'src': 'tools/tool-netboot.tar.gz', 'checksum_url': 'tools/SHA256SUMS', 'member': 'amd64/initrd'}},
            'cmdline': {'console': 'ttyS0'}}],
    }

    result, recap = play(tmp_path, variables)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (images / 'debian-13-amd64' / 'linux').read_bytes() == kernel
    assert (images / 'debian-13-amd64' / 'initrd.gz').read_bytes() == initrd
    assert (images / 'tool' / 'vmlinuz').read_bytes() == b'tar kernel'
    assert (images / 'tool' / 'initrd').read_bytes() == b'tar initrd'
    assert (images / '_archives' / 'tool-netboot.tar.gz').read_bytes() == archive
    host = mirror.url.split('/')[2]
    assert json.loads((tmp_path / 'entries.json').read_text()) == [
        {'name': 'debian-13-amd64', 'title': 'Debian 13 (trixie) installer, amd64', 'kernel': '%s/debian-13-amd64/linux' % images,
         'initrd': ['%s/debian-13-amd64/initrd.gz' % images], 'remote_src': True, 'architectures': ['bios', 'efi-x86_64'],
         'cmdline': 'mirror/country=manual mirror/protocol=http mirror/http/hostname=%s mirror/http/directory=/debian' % host},
        {'name': 'tool', 'title': 'Tool from a tarball', 'kernel': '%s/tool/vmlinuz' % images, 'initrd': ['%s/tool/initrd' % images],
         'cmdline': 'console=ttyS0', 'remote_src': True, 'architectures': ['bios']},
        {'name': 'netbootxyz', 'title': 'netboot.xyz menu (chained over the internet)', 'chain': 'https://boot.netboot.xyz/menu.ipxe',
         'architectures': ['bios', 'efi-x86_64']},
    ]

    del mirror.requests[:]
    result, recap = play(tmp_path, variables)
    assert result.returncode == 0 and recap['changed'] == 0, result.stdout + result.stderr
    assert sorted(set(mirror.requests)) == ['/debian/%s/SHA256SUMS' % IMAGES, '/debian/tools/SHA256SUMS']

    # The mirror now serves another kernel than its checksums file lists: refused, the old file stays.
    mirror.put('debian/%s/netboot/debian-installer/amd64/linux' % IMAGES, b'tampered')
    mirror.put('debian/%s/SHA256SUMS' % IMAGES, sums.replace(sha256(kernel), sha256(b'the release kernel')).encode())
    result, recap = play(tmp_path, variables)
    assert result.returncode != 0 and recap['failed'] == 1
    assert 'checksum mismatch' in result.stdout and 'left untouched' in result.stdout
    assert (images / 'debian-13-amd64' / 'linux').read_bytes() == kernel
    assert not [p for p in (images / 'debian-13-amd64').iterdir() if p.name.endswith('.part')]
