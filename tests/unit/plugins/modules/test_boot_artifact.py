# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""boot_artifact against a real HTTP server on loopback: verification, atomicity, idempotence, extraction."""
from __future__ import annotations

import hashlib
import http.server
import json
import os
import sys
import threading

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.netboot.pxe.plugins.modules import boot_artifact

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'module_utils'))
from test_artifact import make_deb  # noqa: E402  pylint: disable=wrong-import-position


class Served(object):
    def __init__(self, root):
        self.root = root
        self.requests = []


@pytest.fixture
def server(tmp_path):
    served = Served(tmp_path / 'www')
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
    served.url = 'http://127.0.0.1:%d' % httpd.server_address[1]
    try:
        yield served
    finally:
        httpd.shutdown()
        httpd.server_close()


class Exit(Exception):
    def __init__(self, result):
        super().__init__(result.get('msg', ''))
        self.result = result


def run_module(args, check_mode=False, capsys=None):
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as excinfo:
            boot_artifact.main()
    out = capsys.readouterr().out
    result = json.loads(out)
    result['rc'] = excinfo.value.code
    return result


def sha(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


def test_download_verify_and_idempotence(server, tmp_path, capsys):
    data = os.urandom(300000)
    (server.root / 'linux').write_bytes(data)
    dest = tmp_path / 'boot' / 'linux'
    dest.parent.mkdir()
    args = {'src': server.url + '/linux', 'dest': str(dest), 'checksum': sha(data)}
    first = run_module(args, capsys=capsys)
    assert first['changed'] and first['downloaded'] and first['rc'] == 0
    assert dest.read_bytes() == data and first['size'] == len(data) and first['checksum'] == sha(data)
    second = run_module(args, capsys=capsys)
    assert not second['changed'] and not second['downloaded']
    assert server.requests == ['/linux']
    assert not [p for p in dest.parent.iterdir() if p.name.endswith('.part')]


def test_wrong_checksum_keeps_the_old_file(server, tmp_path, capsys):
    (server.root / 'initrd.gz').write_bytes(b'new content')
    dest = tmp_path / 'initrd.gz'
    dest.write_bytes(b'old, working content')
    result = run_module({'src': server.url + '/initrd.gz', 'dest': str(dest), 'checksum': sha(b'something else')}, capsys=capsys)
    assert result['rc'] == 1 and 'checksum mismatch' in result['msg'] and 'left untouched' in result['msg']
    assert dest.read_bytes() == b'old, working content'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['initrd.gz', 'www']


def test_checksums_file_and_base_url(server, tmp_path, capsys):
    data = b'installer kernel'
    (server.root / 'netboot').mkdir()
    (server.root / 'netboot' / 'linux').write_bytes(data)
    (server.root / 'SHA256SUMS').write_text('%s  ./netboot/linux\n' % hashlib.sha256(data).hexdigest())
    dest = tmp_path / 'linux'
    result = run_module({'base_url': server.url, 'src': 'netboot/linux', 'checksum_url': 'SHA256SUMS', 'dest': str(dest)}, capsys=capsys)
    assert result['changed'] and dest.read_bytes() == data


def test_check_mode_changes_nothing(server, tmp_path, capsys):
    data = b'abc'
    (server.root / 'f').write_bytes(data)
    dest = tmp_path / 'f'
    result = run_module({'src': server.url + '/f', 'dest': str(dest), 'checksum': sha(data)}, check_mode=True, capsys=capsys)
    assert result['changed'] and not dest.exists() and not server.requests
    assert result['diff']['after'].strip() == hashlib.sha256(data).hexdigest()


def test_member_of_a_deb(server, tmp_path, capsys):
    kernel = os.urandom(5000)
    deb = make_deb({'./boot/vmlinuz-6.1.0-99-amd64': kernel})
    (server.root / 'linux-image.deb').write_bytes(deb)
    dest = tmp_path / 'vmlinuz'
    args = {'src': server.url + '/linux-image.deb', 'checksum': sha(deb), 'member': './boot/vmlinuz-6.1.0-99-amd64',
            'dest': str(dest), 'member_checksum': sha(kernel)}
    first = run_module(args, capsys=capsys)
    assert first['changed'] and dest.read_bytes() == kernel
    second = run_module(args, capsys=capsys)
    assert not second['changed'] and len(server.requests) == 1


def test_member_traversal_refused(server, tmp_path, capsys):
    (server.root / 'a.tar').write_bytes(b'x')
    result = run_module({'src': server.url + '/a.tar', 'checksum': sha(b'x'), 'member': '../../etc/passwd',
                         'dest': str(tmp_path / 'p')}, capsys=capsys)
    assert result['rc'] == 1 and 'refused' in result['msg'] and not server.requests


def test_local_path_source_and_missing_file(tmp_path, capsys):
    src = tmp_path / 'local.img'
    src.write_bytes(b'image')
    dest = tmp_path / 'out.img'
    result = run_module({'src': str(src), 'dest': str(dest), 'checksum': sha(b'image'), 'mode': '0640'}, capsys=capsys)
    assert result['changed'] and dest.read_bytes() == b'image' and oct(dest.stat().st_mode & 0o777) == '0o640'
    missing = run_module({'src': str(tmp_path / 'nope'), 'dest': str(tmp_path / 'x'), 'checksum': sha(b'')}, capsys=capsys)
    assert missing['rc'] == 1 and 'cannot read' in missing['msg']
