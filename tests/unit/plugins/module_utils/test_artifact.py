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


def test_checksum_from_bsd_style_file():
    text = 'SHA256 (Fedora-Server-netinst-x86_64-41-1.4.iso) = %s\nSHA256 (other.iso) = %s\n' % ('a' * 64, 'b' * 64)
    assert _artifact.checksum_from_file(text, 'Fedora-Server-netinst-x86_64-41-1.4.iso') == 'a' * 64
    with pytest.raises(_artifact.ArtifactError, match='not listed'):
        _artifact.checksum_from_file(text, 'other.iso', 'sha512')


# -- OpenPGP ------------------------------------------------------------------------------------

SIGNED = b'%s  ./netboot/linux\n' % (b'1' * 64)


def test_dearmor_keys(gpg_keys):
    archive, stranger = gpg_keys['archive'], gpg_keys['stranger']
    assert _artifact.dearmor_keys(archive.public_armored) == archive.public_binary
    assert _artifact.dearmor_keys(archive.public_binary) == archive.public_binary
    both = archive.public_armored.decode().replace('\n\n', '\nComment: with a header\n\n', 1) + stranger.public_armored.decode()
    assert _artifact.dearmor_keys(both) == archive.public_binary + stranger.public_binary
    with pytest.raises(_artifact.ArtifactError, match='empty'):
        _artifact.dearmor_keys(b'  \n')
    with pytest.raises(_artifact.ArtifactError, match='not a public key block'):
        _artifact.dearmor_keys(archive.detach_sign(b'x'))
    with pytest.raises(_artifact.ArtifactError, match='neither an armored public key'):
        _artifact.dearmor_keys(b'/usr/share/keyrings/debian-archive-keyring.gpg')
    with pytest.raises(_artifact.ArtifactError, match='no "-----END'):
        _artifact.dearmor_keys(archive.public_armored[:200])


@pytest.mark.parametrize('armor', [True, False])
@pytest.mark.parametrize('key_form', ['public_armored', 'public_binary'])
def test_detached_signature(gpg_keys, gpgv_runner, tmp_path, armor, key_form):
    archive = gpg_keys['archive']
    data, good = _artifact.gpg_verify(gpgv_runner, 'gpgv', getattr(archive, key_form), SIGNED,
                                      archive.detach_sign(SIGNED, armor), str(tmp_path))
    assert data == SIGNED and good == [archive.fingerprint]
    assert not list(tmp_path.iterdir())  # the temporary GNUPGHOME is gone


def test_tampered_file_is_a_bad_signature(gpg_keys, gpgv_runner):
    archive = gpg_keys['archive']
    signature = archive.detach_sign(SIGNED)
    with pytest.raises(_artifact.SignatureError, match='BAD signature'):
        _artifact.gpg_verify(gpgv_runner, 'gpgv', archive.public_armored, SIGNED.replace(b'1', b'2', 1), signature)
    with pytest.raises(_artifact.SignatureError, match='BAD signature'):
        tampered = archive.clearsign(SIGNED).replace(b'./netboot/linux', b'./netboot/evil')
        _artifact.gpg_verify(gpgv_runner, 'gpgv', archive.public_armored, tampered)


def test_signature_by_a_key_outside_the_keyring(gpg_keys, gpgv_runner):
    archive, stranger = gpg_keys['archive'], gpg_keys['stranger']
    with pytest.raises(_artifact.SignatureError, match='signed by key .*, which is not in the given keyring'):
        _artifact.gpg_verify(gpgv_runner, 'gpgv', archive.public_binary, SIGNED, stranger.detach_sign(SIGNED))
    with pytest.raises(_artifact.SignatureError, match='not in the given keyring'):
        _artifact.gpg_verify(gpgv_runner, 'gpgv', archive.public_binary, stranger.clearsign(SIGNED))


def test_missing_or_garbage_signature(gpg_keys, gpgv_runner):
    archive = gpg_keys['archive']
    with pytest.raises(_artifact.SignatureError, match='not an inline-signed'):
        _artifact.gpg_verify(gpgv_runner, 'gpgv', archive.public_binary, SIGNED)
    with pytest.raises(_artifact.SignatureError, match='no OpenPGP signature found'):
        _artifact.gpg_verify(gpgv_runner, 'gpgv', archive.public_binary, SIGNED, b'<html>404</html>\n')


def test_clearsigned_gives_only_the_signed_text(gpg_keys, gpgv_runner):
    archive, stranger = gpg_keys['archive'], gpg_keys['stranger']
    signed = archive.clearsign(SIGNED + b'- dash line\n')
    data, good = _artifact.gpg_verify(gpgv_runner, 'gpgv', archive.public_armored, signed)
    assert data == SIGNED + b'- dash line\n' and good == [archive.fingerprint]
    # Debian's InRelease carries several signatures; one from the given keyring is enough.
    data, good = _artifact.gpg_verify(gpgv_runner, 'gpgv', stranger.public_armored, archive.clearsign(SIGNED, stranger))
    assert data == SIGNED and good == [stranger.fingerprint]
    with pytest.raises(_artifact.SignatureError, match='unsigned text after the signature'):
        _artifact.gpg_verify(gpgv_runner, 'gpgv', archive.public_armored, signed + b'%s  ./netboot/evil\n' % (b'6' * 64))
    with pytest.raises(_artifact.SignatureError, match='more than one signed message'):
        _artifact.gpg_verify(gpgv_runner, 'gpgv', archive.public_armored, signed + signed)
    with pytest.raises(_artifact.SignatureError, match='not an inline-signed'):
        _artifact.gpg_verify(gpgv_runner, 'gpgv', archive.public_armored, b'%s  ./x\n' % (b'6' * 64) + signed)


RELEASE = '''\
Origin: Debian
Suite: stable
Valid-Until: %s
SHA256:
 %s      1234 main/installer-amd64/current/images/MD5SUMS
 %s     56789 main/installer-amd64/current/images/SHA256SUMS
'''


def test_release_checksum():
    text = RELEASE % ('Sat, 01 Jan 2000 00:00:00 UTC', 'a' * 64, 'B' * 64)
    import datetime
    past = datetime.datetime(1999, 1, 1, tzinfo=datetime.timezone.utc)
    assert _artifact.release_checksum(text, 'main/installer-amd64/current/images/SHA256SUMS', now=past) == ('sha256', 'b' * 64, 56789)
    with pytest.raises(_artifact.ArtifactError, match='expired on Sat, 01 Jan 2000'):
        _artifact.release_checksum(text, 'main/installer-amd64/current/images/SHA256SUMS')
    with pytest.raises(_artifact.ArtifactError, match='not listed in the Release file'):
        _artifact.release_checksum(text, 'main/installer-arm64/current/images/SHA256SUMS', now=past)
    with pytest.raises(_artifact.ArtifactError, match='no SHA256 or SHA512 field'):
        _artifact.release_checksum('Origin: Debian\nMD5Sum:\n %s 1 x\n' % ('a' * 32), 'x')
    with pytest.raises(_artifact.ArtifactError, match='not a Debian Release file'):
        _artifact.release_checksum('<html>\n', 'x')


def test_keybox_keyring(gpg_keys, gpgv_runner):
    """A GnuPG 2.1+ keybox (pubring.kbx, what gpg --export-free setups have) works as keyring too."""
    archive = gpg_keys['archive']
    keybox = (archive.home / 'pubring.kbx').read_bytes()
    assert _artifact.dearmor_keys(keybox) == keybox
    assert _artifact.gpg_verify(gpgv_runner, 'gpgv', keybox, SIGNED, archive.detach_sign(SIGNED))[1] == [archive.fingerprint]


class _FullDisk(object):
    """A file object that fails like a full filesystem after ``room`` bytes."""

    def __init__(self, handle, room):
        self.handle = handle
        self.room = room

    def write(self, data):
        if len(data) > self.room:
            raise OSError(28, 'No space left on device')
        self.room -= len(data)
        return self.handle.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()


def test_staged_disk_full_keeps_dest_and_leaves_no_temp(tmp_path, monkeypatch):
    dest = tmp_path / 'linux'
    dest.write_bytes(b'old kernel')
    real_temp_beside = _artifact.temp_beside

    def full_temp_beside(path):
        writer, temp = real_temp_beside(path)
        return _FullDisk(writer, 4), temp

    monkeypatch.setattr(_artifact, 'temp_beside', full_temp_beside)
    with pytest.raises(_artifact.ArtifactError, match='No space left on device; .*linux was left untouched'):
        with _artifact.staged(str(dest)) as (writer, _temp):
            _artifact.copy_hashing(io.BytesIO(b'new kernel, longer'), writer)
    assert dest.read_bytes() == b'old kernel'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['linux']


def test_staged_removes_temp_on_any_error_and_keeps_it_on_success(tmp_path):
    dest = tmp_path / 'initrd'
    with pytest.raises(KeyError):
        with _artifact.staged(str(dest)) as (writer, _temp):
            writer.write(b'half')
            raise KeyError('boom')
    assert list(tmp_path.iterdir()) == []
    with _artifact.staged(str(dest)) as (writer, temp):
        writer.write(b'whole')
    _artifact.replace_atomically(temp, str(dest))
    assert dest.read_bytes() == b'whole'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['initrd']
