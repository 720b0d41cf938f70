# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import bz2
import contextlib
import gzip
import hashlib
import http.client
import io
import lzma
import os
import re
import signal
import tarfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# -- $-anchored validators: a trailing newline, \r or blank is never part of a value -------------

@pytest.mark.parametrize('tail', ['\n', '\r', ' ', '\t', '\r\n'])
def test_checksum_validators_with_trailing_characters(tail):
    digest = 'a' * 64
    # Surrounding blanks of a checksum option are dropped; the value used is the bare digest.
    assert _artifact.parse_checksum('sha256:' + digest + tail) == ('sha256', digest)
    # Inside the value they are refused, wherever they are.
    with pytest.raises(_artifact.ArtifactError, match='64 hex digits'):
        _artifact.parse_checksum('sha256:' + digest[:32] + tail + digest[32:])
    with pytest.raises(_artifact.ArtifactError, match='64 hex digits'):
        _artifact.parse_checksum('sha256:' + digest + tail + 'a')
    # A checksums file line and its path never take the line end along.
    for text in ('%s  ./linux%s' % (digest, tail), 'SHA256 (linux) = %s%s' % (digest, tail), 'linux = sha256:%s%s' % (digest, tail)):
        assert _artifact.checksum_from_file(text, 'linux') == digest
    assert _artifact._checksum_line('%s  ./linux%s' % (digest, tail), 'sha256') == ('./linux', digest)
    assert _artifact._checksum_line('%s  ./linux%sx' % (digest, tail), 'sha256') in (None, ('./linux%sx' % tail, digest))
    assert _artifact._checksum_line('SHA256 (linux) = %s%sb' % (digest, tail), 'sha256') is None


def test_release_size_must_be_ascii_digits():
    """'²' and '١' are str.isdigit(): the size field crashed int() or was taken as a number."""
    line = 'SHA256:\n %s %s main/SHA256SUMS\n'
    assert _artifact.release_checksum(line % ('a' * 64, '12'), 'main/SHA256SUMS') == ('sha256', 'a' * 64, 12)
    for size in ('\u00b2', '\u0661\u0662', '1\u00b2', '+12', '1_2'):
        with pytest.raises(_artifact.ArtifactError, match='malformed SHA256 entry'):
            _artifact.release_checksum(line % ('a' * 64, size), 'main/SHA256SUMS')


# -- file:// URLs and destinations ---------------------------------------------------------------

@pytest.mark.parametrize('url,path', [
    ('file:///srv/mirror/a.deb', '/srv/mirror/a.deb'),
    ('file://localhost/srv/mirror/a.deb', '/srv/mirror/a.deb'),
    ('file:/srv/x', '/srv/x'),
    ('FILE:///srv/with%20space/%2523', '/srv/with space/%23'),
])
def test_file_url_path(url, path):
    assert _artifact.file_url_path(url) == path


@pytest.mark.parametrize('url,message', [
    ('file://mirror.lan/srv/a.deb', "names the host 'mirror.lan'"),
    ('file:///srv/a#b', 'write them as'),
    ('file:///srv/a?x=1', 'write them as'),
    ('file://', 'absolute path'),
    ('file:///srv/a%00b', 'absolute path'),
    ('http://x/a', 'not a file:// URL'),
])
def test_file_url_path_refused(url, message):
    with pytest.raises(_artifact.ArtifactError, match=message):
        _artifact.file_url_path(url)


def test_open_local_refuses_what_is_not_a_file(tmp_path):
    (tmp_path / 'f').write_bytes(b'x')
    with _artifact.open_local(str(tmp_path / 'f')) as handle:
        assert handle.read() == b'x'
    with pytest.raises(_artifact.ArtifactError, match='is a directory'):
        _artifact.open_local(str(tmp_path))
    os.mkfifo(str(tmp_path / 'fifo'))  # opening it would block until a writer comes
    with pytest.raises(_artifact.ArtifactError, match='not a regular file'):
        _artifact.open_local(str(tmp_path / 'fifo'))
    with pytest.raises(_artifact.ArtifactError, match='cannot read .*No such file'):
        _artifact.open_local(str(tmp_path / 'none'))


def test_check_dest(tmp_path):
    (tmp_path / 'file').write_bytes(b'x')
    (tmp_path / 'dir').mkdir()
    os.mkfifo(str(tmp_path / 'fifo'))
    os.symlink('dir', str(tmp_path / 'dirlink'))
    for good in ('file', 'new', 'dir/new'):
        _artifact.check_dest(str(tmp_path / good))
    for bad, message in (('dir', 'is a directory; give the path of the file'), ('dirlink', 'is a directory'),
                         ('dir/', 'names a directory'), ('dir/.', 'names a directory'), ('fifo', 'not a regular file'),
                         ('missing/x', 'the directory .*missing does not exist; create it first'),
                         ('missing/deeper/x', 'the directory .*missing/deeper does not exist'),
                         ('file/x', 'file is not a directory, so .*file/x cannot be created'),
                         ('file/sub/x', 'file is not a directory')):
        with pytest.raises(_artifact.ArtifactError, match=message):
            _artifact.check_dest('%s/%s' % (tmp_path, bad))
    with pytest.raises(_artifact.ArtifactError, match='must be the path of a file'):
        _artifact.check_dest('')


def test_copy_hashing_read_failure_is_a_source_error():
    class Broken(object):
        def read(self, _count):
            raise http.client.IncompleteRead(b'part', 100)

    with pytest.raises(_artifact.SourceError, match='reading failed'):
        _artifact.copy_hashing(Broken(), io.BytesIO())


# -- hostile archives: every length from a header is bounded ------------------------------------

class Hang(BaseException):
    """A reader ran past its time bound (BaseException: no except clause of the reader catches it)."""


@contextlib.contextmanager
def time_bound(seconds):
    """Raise Hang in the block after ``seconds`` (SIGALRM: pytest runs tests in the main thread)."""
    def alarm(_signum, _frame):
        raise Hang('still running after %s s: a loop on a header value?' % seconds)
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Budgeted(io.BytesIO):
    """An in-memory archive that counts what is read from it: more than ``budget`` bytes or calls is a Hang."""

    def __init__(self, data, budget):
        super().__init__(data)
        self.budget = budget
        self.calls = 0

    def read(self, size=-1):
        self.calls += 1
        self.budget -= max(size if size is not None and size >= 0 else len(self.getbuffer()), 0)
        if self.budget < 0 or self.calls > 200000:
            raise Hang('read %d times, past the byte budget: a loop on a header value?' % self.calls)
        return super().read(size)


def extract_bounded(data, member, archive_format, seconds=10):
    """(member bytes, None) or (None, ArtifactError); anything else (another exception, a Hang) fails the test."""
    out = io.BytesIO()
    with time_bound(seconds):
        try:
            size = _artifact.extract_from(Budgeted(data, 64 * len(data) + 64 * 1024 * 1024), member, out, archive_format)
        except _artifact.ArtifactError as exc:
            assert str(exc)
            return None, exc
    assert size == len(out.getvalue())
    return out.getvalue(), None


def ar_member(name, data, size=None):
    size_field = (b'%d' % len(data)) if size is None else size
    return b'%-16s%-12d%-6d%-6d%-8s%-10s`\n' % (name.encode(), 0, 0, 0, b'100644', size_field) + data + (b'\n' if len(data) % 2 else b'')


@pytest.mark.parametrize('size', [b'-60', b'-1', b'-68', b'-1000000'])
def test_ar_negative_size_is_an_error_not_a_loop(size):
    """main looped forever: a negative size sent the reader back to a header it had read."""
    deb = b'!<arch>\n' + ar_member('debian-binary', b'2.0\n') + ar_member('control.tar.xz', b'abcd', size) + b'\n' * 200
    data, error = extract_bounded(deb, 'boot/vmlinuz', 'deb', seconds=5)
    assert data is None and 'control.tar.xz' in str(error) and 'not a decimal number' in str(error)


@pytest.mark.parametrize('size,message', [
    (b'9999999999', 'claims 9999999999 bytes, but the file ends'),
    (b'abc', 'not a decimal number'), (b'0x10', 'not a decimal number'), (b'1_0', 'not a decimal number'),
    ('\u00b2'.encode(), 'not a decimal number'), (b'\xff\xfe', 'not a decimal number'), (b'', 'not a decimal number'),
])
def test_ar_bad_sizes(size, message):
    deb = b'!<arch>\n' + ar_member('debian-binary', b'2.0\n', size) + ar_member('data.tar', make_tar({'x': b'x'}))
    data, error = extract_bounded(deb, 'x', 'deb')
    assert data is None and message in str(error), error


def pax_record(key, value):
    """One pax extended header record, "<length> key=value\\n", with the length counting itself."""
    body = ' %s=%s\n' % (key, value)
    length = len(body) + 1
    while len(str(length)) + len(body) != length:
        length += 1
    return ('%d%s' % (length, body)).encode()


def tar_header(name, size, typeflag=b'0', size_field=None):
    """A ustar header block, with ``size_field`` (12 bytes) in place of the octal size if given; checksum fixed."""
    info = tarfile.TarInfo(name)
    info.size = size
    info.type = typeflag
    block = bytearray(info.tobuf(tarfile.USTAR_FORMAT))
    if size_field is not None:
        block[124:136] = size_field.ljust(12, b'\0')[:12]
    return fix_tar_checksum(block)


def fix_tar_checksum(block):
    block[148:156] = b' ' * 8
    block[148:156] = b'%06o\0 ' % sum(block)
    return bytes(block)


def pad(data):
    return data + b'\0' * (-len(data) % 512)


HOSTILE_SIZES = [b'\xff' * 12, b'\xff' + b'\xff' * 10 + b'\xfe',          # base-256 -1, -2
                 b'\xff' + b'\0' * 3 + b'\xff' * 8,                        # base-256, hugely negative
                 b'\x80' + b'\xff' * 11, b'\x80' + b'\0' * 4 + b'\x01' + b'\0' * 6,  # base-256 huge
                 b'77777777777\0', b'-0000000001\0', b'zzzzzzzzzzz\0', b'00000001000\0']


@pytest.mark.parametrize('size_field', HOSTILE_SIZES)
@pytest.mark.parametrize('compression', ['', 'gz'])
def test_tar_hostile_sizes(size_field, compression):
    """A negative base-256 size sent tarfile back to the same header forever; a huge one read or skipped that much."""
    body = tar_header('first', 0, size_field=size_field) + tar_header('boot/vmlinuz', 6) + pad(b'kernel') + b'\0' * 1024
    archive = compress(body, compression)
    data, error = extract_bounded(archive, 'boot/vmlinuz', 'tar', seconds=5)
    assert (data, error) == (b'kernel', None) or error is not None


@pytest.mark.parametrize('record', [pax_record('size', '-512'), pax_record('size', '9' * 40), pax_record('size', '-1'),
                                    pax_record('path', 'x' * 5000), b'99999999999999999999 size=1\n', b'-5 size=1\n'])
def test_tar_hostile_pax_headers(record):
    body = (tar_header('././@PaxHeader', len(record), typeflag=tarfile.XHDTYPE) + pad(record)
            + tar_header('boot/vmlinuz', 6) + pad(b'kernel') + b'\0' * 1024)
    data, error = extract_bounded(body, 'boot/vmlinuz', 'tar', seconds=5)
    assert data == b'kernel' or error is not None


def test_tar_chain_of_long_name_headers():
    """Thousands of GNU long-name headers in a row: tarfile recurses once per header."""
    name = pad(b'n' * 600)
    body = (tar_header('././@LongLink', 600, typeflag=tarfile.GNUTYPE_LONGNAME) + name) * 3000
    body += tar_header('boot/vmlinuz', 6) + pad(b'kernel') + b'\0' * 1024
    data, error = extract_bounded(compress(body, 'gz'), 'boot/vmlinuz', 'tar', seconds=10)
    assert data is None and 'cannot read the tar archive' in str(error)


def test_tar_sparse_member_refused():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo('boot/vmlinuz')
        info.size = 6
        tar.addfile(info, io.BytesIO(b'kernel'))
    block = bytearray(buf.getvalue()[:512])
    block[156:157] = tarfile.GNUTYPE_SPARSE
    archive = fix_tar_checksum(block) + buf.getvalue()[512:]
    data, error = extract_bounded(archive, 'boot/vmlinuz', 'tar')
    assert data is None and 'sparse' in str(error)


def test_decompression_bomb_refused(monkeypatch):
    monkeypatch.setattr(_artifact, '_EXPANSION_ALLOWANCE', 1024 * 1024)
    body = tar_header('zeros', 64 * 1024 * 1024) + b'\0' * (64 * 1024 * 1024) + tar_header('boot/vmlinuz', 6) + pad(b'kernel')
    archive = compress(body, 'xz')
    assert len(archive) < 64 * 1024
    data, error = extract_bounded(archive, 'boot/vmlinuz', 'tar')  # skipping it: the header claims more than may be there
    assert data is None and re.search(r'claims data up to byte 6710\d{4}, more than the archive may expand to', str(error))
    data, error = extract_bounded(archive, 'zeros', 'tar')  # reading it: the data expands past the limit
    assert data is None and 'decompression bomb' in str(error)


def test_zstd_data_tar_is_named():
    deb = b'!<arch>\n' + ar_member('debian-binary', b'2.0\n') + ar_member('data.tar.zst', b'\x28\xb5\x2f\xfd' + b'\0' * 20)
    data, error = extract_bounded(deb, 'x', 'deb')
    assert data is None and 'data.tar.zst in the .deb is zstd-compressed' in str(error)


@pytest.mark.parametrize('compression', ['', 'gz', 'bz2', 'xz'])
def test_tar_compressions_and_concatenated_streams(compression):
    archive = make_tar({'boot/config': b'c' * 70000, 'boot/vmlinuz': os.urandom(3000) + b'end'}, compression)
    data, error = extract_bounded(archive, 'boot/vmlinuz', 'tar')
    assert error is None and data.endswith(b'end') and len(data) == 3003
    if compression == 'gz':  # pigz / concatenated gzip members, and zero padding after the stream
        whole = make_tar({'boot/vmlinuz': b'kernel'})
        split = gzip.compress(whole[:700]) + gzip.compress(whole[700:]) + b'\0' * 512
        assert extract_bounded(split, 'boot/vmlinuz', 'tar') == (b'kernel', None)


def compress(data, compression):
    return {'': lambda d: d, 'gz': gzip.compress, 'bz2': bz2.compress, 'xz': lzma.compress}[compression](data)


# Header fields set to hostile values: (offset, bytes) pairs found in the valid archive.
AR_VALUES = [b'-1', b'-60', b'-1000000', b'9999999999', b'4294967296', b'abc', b'', b'0x10', b'1_0', '\u00b2'.encode(), b'\xff' * 10, b'0']


def ar_fields(deb):
    fields = []
    pos = 8
    while pos + 60 <= len(deb):
        size = int(deb[pos + 48:pos + 58])
        fields += [(pos + 48, value.ljust(10)[:10]) for value in AR_VALUES]
        pos += 60 + size + size % 2
    return fields


def tar_fields(archive):
    """Replacement header blocks (checksum fixed) with hostile sizes and types, for every header of a plain tar."""
    fields = []
    pos = 0
    while pos + 512 <= len(archive) and archive[pos:pos + 512].strip(b'\0'):
        block = archive[pos:pos + 512]
        size = tarfile.nti(block[124:136])
        for value in HOSTILE_SIZES:
            fields.append((pos, fix_tar_checksum(bytearray(block[:124] + value + block[136:]))))
        for kind in (b'L', b'K', b'x', b'g', b'S', b'5', b'2', b'1', b'7', b'\xff'):
            fields.append((pos, fix_tar_checksum(bytearray(block[:156] + kind + block[157:]))))
        pos += 512 + -(-size // 512) * 512
    return fields


@st.composite
def mutated(draw, data, fields):
    """``data`` with a few byte flips, header fields set to hostile values and maybe a truncation."""
    result = bytearray(data)
    for _step in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(['flip', 'field', 'field', 'truncate'] if fields else ['flip', 'truncate']))
        if kind == 'flip' and result:
            result[draw(st.integers(0, len(result) - 1))] ^= draw(st.integers(1, 255))
        elif kind == 'field':
            offset, value = draw(st.sampled_from(fields))
            result[offset:offset + len(value)] = value
        elif kind == 'truncate':
            del result[draw(st.integers(0, len(result))):]
    return bytes(result)


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
KERNEL = bytes(range(256)) * 12
DEB_PLAIN = (b'!<arch>\n' + ar_member('debian-binary', b'2.0\n') + ar_member('control.tar', make_tar({'./control': b'Package: x\n'}))
             + ar_member('data.tar', make_tar({'./boot/config': b'c' * 700, './boot/vmlinuz': KERNEL})))  # DATA_TAR
DEB_XZ = make_deb({'./boot/config': b'c' * 700, './boot/vmlinuz': KERNEL})
TAR_PLAIN = make_tar({'boot/config': b'c' * 700, 'l' * 150: b'long name, a pax header', 'boot/vmlinuz': KERNEL})


def check_result(original, data, archive_format, compressed):
    got, _error = extract_bounded(data, './boot/vmlinuz', archive_format)
    if got is None:
        return
    if data == original:
        assert got == KERNEL
    elif not compressed:
        assert got in data  # bytes the archive holds, never invented or read from beyond it


DATA_TAR = make_tar({'./boot/config': b'c' * 700, './boot/vmlinuz': KERNEL})
DEB_FIELDS = ar_fields(DEB_PLAIN) + [(DEB_PLAIN.index(b'data.tar') + 60 + offset, value) for offset, value in tar_fields(DATA_TAR)]


@FUZZ
@given(data=mutated(DEB_PLAIN, DEB_FIELDS))
def test_fuzz_deb(data):
    check_result(DEB_PLAIN, data, 'deb', compressed=False)


@FUZZ
@given(data=mutated(DEB_XZ, ar_fields(DEB_XZ)))
def test_fuzz_deb_xz(data):
    check_result(DEB_XZ, data, 'deb', compressed=True)


@FUZZ
@given(data=mutated(TAR_PLAIN, tar_fields(TAR_PLAIN)))
def test_fuzz_tar(data):
    check_result(TAR_PLAIN, data, 'tar', compressed=False)


@FUZZ
@given(data=st.sampled_from(['gz', 'bz2', 'xz']).flatmap(
    lambda kind: mutated(compress(TAR_PLAIN, kind), [])))
def test_fuzz_compressed_tar(data):
    check_result(None, data, 'tar', compressed=True)


@FUZZ
@given(data=mutated(TAR_PLAIN, tar_fields(TAR_PLAIN)).map(lambda data: compress(data, 'gz')))
def test_fuzz_tar_headers_under_gzip(data):
    check_result(None, data, 'tar', compressed=True)
