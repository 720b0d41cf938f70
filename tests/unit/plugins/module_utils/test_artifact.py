# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import hashlib
import io
import tarfile

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _artifact

SUMS = '''\
aaaa  not-a-checksum-line
%s  ./netboot/debian-installer/amd64/linux
%s  ./netboot/debian-installer/amd64/initrd.gz
%s *./netboot/debian-installer/arm64/initrd.gz
''' % ('1' * 64, '2' * 64, '3' * 64)


def make_tar(members, compression=''):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w' + (':' + compression if compression else '')) as tar:
        for name, data in members.items():
            if isinstance(data, tuple):  # (link target,)
                info = tarfile.TarInfo(name)
                info.type = tarfile.SYMTYPE
                info.linkname = data[0]
                tar.addfile(info)
                continue
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_deb(members):
    def ar_member(name, data):
        header = b'%-16s%-12d%-6d%-6d%-8s%-10d`\n' % (name.encode(), 0, 0, 0, b'100644', len(data))
        return header + data + (b'\n' if len(data) % 2 else b'')
    return (b'!<arch>\n' + ar_member('debian-binary', b'2.0\n') + ar_member('control.tar.xz', make_tar({}, 'xz'))
            + ar_member('data.tar.xz', make_tar(members, 'xz')))


def test_parse_checksum():
    assert _artifact.parse_checksum('SHA256:' + 'A' * 64) == ('sha256', 'a' * 64)
    assert _artifact.parse_checksum('sha512:' + 'b' * 128)[0] == 'sha512'


@pytest.mark.parametrize('spec,message', [
    ('md5:' + 'a' * 32, 'not supported'), ('sha256:abc', '64 hex digits'), ('a' * 64, 'must look like'), (None, 'must look like'),
])
def test_parse_checksum_errors(spec, message):
    with pytest.raises(_artifact.ArtifactError, match=message):
        _artifact.parse_checksum(spec)


def test_checksum_from_file():
    assert _artifact.checksum_from_file(SUMS, 'linux') == '1' * 64
    assert _artifact.checksum_from_file(SUMS, './netboot/debian-installer/arm64/initrd.gz') == '3' * 64
    with pytest.raises(_artifact.ArtifactError, match='matches several entries'):
        _artifact.checksum_from_file(SUMS, 'initrd.gz')
    with pytest.raises(_artifact.ArtifactError, match='not listed'):
        _artifact.checksum_from_file(SUMS, 'vmlinuz')


TREEINFO = """[checksums]
images/boot.iso = sha256:%s
images/pxeboot/initrd.img = sha256:%s
images/pxeboot/vmlinuz = sha256:%s

[general]
arch = x86_64
""" % ('a' * 64, 'b' * 64, 'c' * 64)


def test_checksum_from_treeinfo_and_bsd_lines():
    assert _artifact.checksum_from_file(TREEINFO, 'images/pxeboot/vmlinuz') == 'c' * 64
    assert _artifact.checksum_from_file(TREEINFO, 'initrd.img') == 'b' * 64
    with pytest.raises(_artifact.ArtifactError, match='not listed'):
        _artifact.checksum_from_file(TREEINFO, 'vmlinuz', 'sha512')
    bsd = '# Fedora-Server-43-x86_64\nSHA256 (Fedora-Server-netinst-x86_64-43-1.6.iso) = %s\n' % ('D' * 64)
    assert _artifact.checksum_from_file(bsd, 'Fedora-Server-netinst-x86_64-43-1.6.iso') == 'd' * 64


@pytest.mark.parametrize('name', ['/etc/passwd', '../x', 'a/../../b', 'a\\b', ''])
def test_safe_member_refuses_traversal(name):
    with pytest.raises(_artifact.ArtifactError):
        _artifact.safe_member(name)


def test_safe_member_normalises():
    assert _artifact.safe_member('./boot/vmlinuz') == 'boot/vmlinuz'


def test_extract_from_deb(tmp_path):
    deb = tmp_path / 'k.deb'
    deb.write_bytes(make_deb({'./boot/vmlinuz-6.1': b'kernel' * 1000, './boot/config': b'x'}))
    out = io.BytesIO()
    assert _artifact.extract_member(str(deb), 'boot/vmlinuz-6.1', out) == 6000
    assert out.getvalue() == b'kernel' * 1000


@pytest.mark.parametrize('compression', ['', 'gz', 'xz'])
def test_extract_from_tar(tmp_path, compression):
    archive = tmp_path / 'a.tar'
    archive.write_bytes(make_tar({'images/linux': b'abc', 'images/link': ('linux',)}, compression))
    out = io.BytesIO()
    _artifact.extract_member(str(archive), './images/linux', out, 'tar')
    assert out.getvalue() == b'abc'
    with pytest.raises(_artifact.ArtifactError, match='is a link'):
        _artifact.extract_member(str(archive), 'images/link', io.BytesIO())
    with pytest.raises(_artifact.ArtifactError, match='not found'):
        _artifact.extract_member(str(archive), 'images/none', io.BytesIO())


def test_traversal_member_in_archive_is_never_matched(tmp_path):
    archive = tmp_path / 'evil.tar'
    archive.write_bytes(make_tar({'../../etc/cron.d/x': b'evil'}))
    with pytest.raises(_artifact.ArtifactError):
        _artifact.extract_member(str(archive), '../../etc/cron.d/x', io.BytesIO())


def test_copy_hashing_and_limit():
    data = b'z' * 3000
    out = io.BytesIO()
    assert _artifact.copy_hashing(io.BytesIO(data), out) == (hashlib.sha256(data).hexdigest(), 3000)
    with pytest.raises(_artifact.ArtifactError, match='larger than the limit'):
        _artifact.copy_hashing(io.BytesIO(data), io.BytesIO(), limit=100)
