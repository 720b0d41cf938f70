# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Boot artifacts: checksums, checksum files, OpenPGP checks, archive members, atomic replacement.

Pure functions over file objects and paths, so unit tests call them directly and
the boot_artifact module stays a thin wrapper. Private to the collection.
"""

from __future__ import annotations

import base64
import bz2
import contextlib
import datetime
import email.utils
import hashlib
import http.client
import lzma
import os
import posixpath
import re
import shutil
import stat
import tarfile
import tempfile
import urllib.parse
import zlib

from ansible_collections.netboot.pxe.plugins.module_utils import _iso9660

ALGORITHMS = ('sha256', 'sha512')
_HEX = {'sha256': 64, 'sha512': 128}
_CHUNK = 1024 * 1024


class ArtifactError(Exception):
    """The artifact cannot be verified, found or written safely."""


class SourceError(ArtifactError):
    """Reading the source (a download or a local file) failed part way."""


class DestError(ArtifactError):
    """The file cannot be written beside the destination (directory missing, disk full, no permission)."""


def parse_checksum(spec):
    """``sha256:HEX`` / ``sha512:HEX`` -> (algorithm, lowercase hex)."""
    if not isinstance(spec, str) or ':' not in spec:
        raise ArtifactError('checksum %r must look like "sha256:<64 hex digits>" or "sha512:<128 hex digits>"' % (spec,))
    algorithm, _sep, digest = spec.partition(':')
    algorithm, digest = algorithm.strip().lower(), digest.strip().lower()
    if algorithm not in ALGORITHMS:
        raise ArtifactError('checksum algorithm %r is not supported; use %s' % (algorithm, ' or '.join(ALGORITHMS)))
    if not re.fullmatch(r'[0-9a-f]{%d}' % _HEX[algorithm], digest):
        raise ArtifactError('%s checksum %r must be %d hex digits' % (algorithm, digest, _HEX[algorithm]))
    return algorithm, digest


def _checksum_line(line, algorithm):
    """(path, hex) of one checksums-file line in any of the supported forms, or None."""
    hexdigits = _HEX[algorithm]
    # GNU coreutils: "<hex>  <path>" or "<hex> *<path>".
    match = re.fullmatch(r'([0-9a-fA-F]{%d})\s+\*?(.+?)\s*' % hexdigits, line)
    if match:
        return match.group(2), match.group(1)
    # BSD style (Fedora's CHECKSUM files): "SHA256 (<path>) = <hex>".
    match = re.fullmatch(r'%s\s*\((.+)\)\s*=\s*([0-9a-fA-F]{%d})' % (algorithm.upper(), hexdigits), line.strip())
    if match:
        return match.group(1), match.group(2)
    # .treeinfo [checksums] section (Fedora, RHEL, Rocky, AlmaLinux trees): "<path> = sha256:<hex>".
    match = re.fullmatch(r'([^=\s][^=]*?)\s*=\s*%s:([0-9a-fA-F]{%d})' % (algorithm, hexdigits), line.strip())
    if match:
        return match.group(1), match.group(2)
    return None


def checksum_from_file(text, name, algorithm='sha256'):
    """Find ``name`` in a checksums file; return the hex digest.

    Understands ``sha256sum`` output (``<hex>  [*]<path>``, as in SHA256SUMS), the BSD form
    ``SHA256 (<path>) = <hex>`` and the ``<path> = sha256:<hex>`` lines of a ``.treeinfo``.
    A line matches when its path equals ``name`` or ends with ``/name`` (Debian's
    SHA256SUMS list paths such as ``./netboot/debian-installer/amd64/linux``).
    """
    if algorithm not in ALGORITHMS:
        raise ArtifactError('checksum algorithm %r is not supported; use %s' % (algorithm, ' or '.join(ALGORITHMS)))
    wanted = name.lstrip('./')
    found = []
    for line in text.splitlines():
        parsed = _checksum_line(line, algorithm)
        if not parsed:
            continue
        path = parsed[0].lstrip('./')
        if path == wanted or path.endswith('/' + wanted):
            found.append((path, parsed[1].lower()))
    exact = [digest for path, digest in found if path == wanted]
    if exact:
        return exact[0]
    if len(found) == 1:
        return found[0][1]
    if not found:
        raise ArtifactError('%r is not listed in the checksums file' % name)
    raise ArtifactError('%r matches several entries of the checksums file (%s); give the full path'
                        % (name, ', '.join(path for path, _digest in found)))


def file_digest(path, algorithm='sha256'):
    """Hex digest of a regular file, or None when there is none at ``path``."""
    if not os.path.isfile(path):
        return None
    digest = hashlib.new(algorithm)
    try:
        with open(path, 'rb') as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b''):
                digest.update(chunk)
    except OSError as exc:
        raise ArtifactError('cannot read %s: %s' % (path, exc.strerror or exc)) from exc
    return digest.hexdigest()


# What reading a download or a file can raise part way (a reset connection, a short HTTP body).
_READ_ERRORS = (OSError, http.client.HTTPException)


def read_source(reader, count):
    """``reader.read(count)``; a failure while reading (not while writing) becomes a SourceError."""
    try:
        return reader.read(count)
    except _READ_ERRORS as exc:
        raise SourceError('reading failed: %s' % exc) from exc


def copy_hashing(reader, writer, algorithm='sha256', limit=None):
    """Copy a stream, returning (hex digest, size); ArtifactError past ``limit`` bytes, SourceError when reading fails."""
    digest = hashlib.new(algorithm)
    size = 0
    for chunk in iter(lambda: read_source(reader, _CHUNK), b''):
        size += len(chunk)
        if limit is not None and size > limit:
            raise ArtifactError('the download is larger than the limit of %d bytes' % limit)
        digest.update(chunk)
        writer.write(chunk)
    return digest.hexdigest(), size


def file_url_path(url):
    """The local path a ``file://`` URL names (``file:///srv/x``, ``file://localhost/srv/x``; %XX decoded)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() != 'file':
        raise ArtifactError('%s is not a file:// URL' % url)
    if parts.netloc not in ('', 'localhost'):
        raise ArtifactError('%s names the host %r; a file:// URL must be a path on the managed host (file:///path), '
                            'use http:// or https:// for another host' % (url, parts.netloc))
    if parts.query or parts.fragment or url.rstrip().endswith(('?', '#')):
        raise ArtifactError('%s has a "?" or "#" part; write them as %%3F and %%23 in a file name' % url)
    path = urllib.parse.unquote(parts.path)
    if not path.startswith('/') or '\0' in path:
        raise ArtifactError('%s does not name an absolute path (file:///path/to/file)' % url)
    return path


def open_local(path):
    """A binary file object for a regular file; ArtifactError (with the reason) for anything else."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError) as exc:
        raise ArtifactError('cannot read %s: %s' % (path, getattr(exc, 'strerror', None) or exc)) from exc
    if stat.S_ISDIR(mode):
        raise ArtifactError('%s is a directory, not a file' % path)
    if not stat.S_ISREG(mode):
        raise ArtifactError('%s is not a regular file (a device, FIFO or socket)' % path)
    try:
        return open(path, 'rb')  # pylint: disable=consider-using-with
    except OSError as exc:
        raise ArtifactError('cannot read %s: %s' % (path, exc.strerror or exc)) from exc


def check_dest(dest):
    """Refuse a destination a file cannot be renamed onto, before anything is fetched or written.

    ``dest`` must name a file (not a directory, device, FIFO or socket) in an existing directory.
    The message does not start with ``dest:``; the module adds it.
    """
    if not isinstance(dest, str) or not dest.strip():
        raise ArtifactError('must be the path of a file, got %r' % (dest,))
    if '\0' in dest:
        raise ArtifactError('%r holds a NUL character' % (dest,))
    if dest.endswith('/') or os.path.basename(dest) in ('.', '..'):
        raise ArtifactError('%s names a directory; give the path of the file to write, e.g. %s/vmlinuz'
                            % (dest, dest.rstrip('/') or ''))
    try:
        mode = os.stat(dest).st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        mode = None  # a parent is a file: reported below
    except OSError as exc:
        raise ArtifactError('cannot look at %s: %s' % (dest, exc.strerror or exc)) from exc
    if mode is not None and stat.S_ISDIR(mode):
        raise ArtifactError('%s is a directory; give the path of the file to write, e.g. %s/vmlinuz' % (dest, dest.rstrip('/')))
    if mode is not None and not stat.S_ISREG(mode):
        raise ArtifactError('%s exists and is not a regular file (a device, FIFO or socket); refused' % dest)
    directory = os.path.dirname(os.path.abspath(dest))
    if os.path.isdir(directory):
        return
    ancestor = directory
    while ancestor != '/' and not os.path.lexists(ancestor):
        ancestor = os.path.dirname(ancestor)
    if os.path.isdir(ancestor):
        raise ArtifactError('the directory %s does not exist; create it first (ansible.builtin.file with state: directory)'
                            % directory)
    raise ArtifactError('%s is not a directory, so %s cannot be created in it' % (ancestor, dest))


def safe_member(name, allow_absolute=False):
    """Normalise an archive member path; refuse absolute paths and any ``..`` (path traversal).

    With ``allow_absolute`` (ISO images) a leading ``/`` means the image root.
    """
    if not isinstance(name, str) or not name.strip():
        raise ArtifactError('archive member must be a non-empty path, got %r' % (name,))
    if allow_absolute:
        name = name.lstrip('/')
        if not name:
            raise ArtifactError('archive member must name a file, not the root directory')
    if name.startswith('/') or '\\' in name or any(part == '..' for part in name.split('/')):
        raise ArtifactError('archive member %r is absolute or climbs out with "..": refused' % (name,))
    return posixpath.normpath(name).lstrip('./') or '.'


# -- archives: every length read from a header is checked against what the file can hold -------

_AR_SIZE = re.compile(rb' *([0-9]{1,10}) *')
# A compressed tar may expand to this many times its size (plus a fixed allowance) before it is
# refused as a decompression bomb; real kernel packages and netboot tarballs stay far below.
_MAX_EXPANSION = 200
_EXPANSION_ALLOWANCE = 1024 * 1024 * 1024
_MAX_HEADER_READ = 4 * 1024 * 1024      # one read by tarfile: a header, a long name, a pax header, data
_MAX_HEADERS = 32 * 1024 * 1024         # all headers (long names, pax) before one member
_LZMA_MEMLIMIT = 512 * 1024 * 1024      # xz -9e needs 65 MiB; a hostile header may ask for GiBs


def _ar_members(handle, total):
    """Iterate (name, size, offset) over a Unix ar archive (the .deb container) of ``total`` bytes."""
    if handle.read(8) != b'!<arch>\n':
        raise ArtifactError('not a .deb (ar) archive')
    while True:
        start = handle.tell()
        header = handle.read(60)
        if not header:
            return
        if len(header) < 60 or header[58:60] != b'`\n':
            raise ArtifactError('corrupt ar header at byte %d of the .deb (truncated download?)' % start)
        name = header[:16].decode('ascii', 'replace').strip().rstrip('/')
        match = _AR_SIZE.fullmatch(header[48:58])
        if not match:
            raise ArtifactError('corrupt ar header at byte %d of the .deb: member %r has the size %r, not a decimal number'
                                % (start, name, header[48:58].decode('ascii', 'replace').strip()))
        size = int(match.group(1))
        offset = start + 60
        if offset + size > total:
            raise ArtifactError('the .deb member %r claims %d bytes, but the file ends %d bytes after its header (truncated download?)'
                                % (name, size, total - offset))
        yield name, size, offset
        handle.seek(offset + size + (size % 2))


class _Window(object):
    """A read-only, seekable view of ``size`` bytes of ``handle`` from ``start``."""

    def __init__(self, handle, start, size):
        self.handle = handle
        self.start = start
        self.size = size
        self.pos = 0

    def read(self, count=-1):
        left = self.size - self.pos
        if left <= 0:
            return b''
        if count is None or count < 0 or count > left:
            count = left
        self.handle.seek(self.start + self.pos)
        data = self.handle.read(count)
        self.pos += len(data)
        return data

    def seek(self, pos, whence=0):
        base = {0: 0, 1: self.pos, 2: self.size}[whence]
        self.pos = max(0, base + pos)
        return self.pos

    def tell(self):
        return self.pos


_COMPRESSION = (
    (b'\x1f\x8b', 'gzip'),
    (b'BZh', 'bzip2'),
    (b'\xfd7zXZ\x00', 'xz'),
    (b'\x5d\x00\x00', 'lzma'),
    (b'\x28\xb5\x2f\xfd', 'zstd'),
)


def _decompressor(kind):
    if kind == 'gzip':
        return zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
    if kind == 'bzip2':
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor(memlimit=_LZMA_MEMLIMIT)


class _TarSource(object):
    """What tarfile reads a tar archive through: decompressed here, forward only, every length bounded.

    tarfile trusts the sizes in the headers it reads: a negative size sends it backwards (to the same
    header again, forever), a huge one makes it skip or read that much. Here a backward seek, a seek
    past the end, more than ``header_budget`` bytes of headers for one member, repeated reads at the
    end and output beyond ``limit`` bytes raise ArtifactError, so any archive is read in time and
    memory bounded by its own size.
    """

    def __init__(self, raw, kind, limit, what):
        self.raw = raw
        self.kind = kind
        self.limit = limit
        self.what = what
        self.pos = 0
        self.buffer = b''
        self.input = b''
        self.eof = False
        self.reads_at_end = 0
        self.header_budget = None
        self.decompressor = _decompressor(kind) if kind else None
        self.mode = 'rb'

    def _cut(self):
        return ArtifactError('%s ends inside a member whose header claims more data (corrupt or truncated)' % self.what)

    def _inflate_some(self):
        """Add some decompressed bytes to the buffer, or set eof."""
        decompressor = self.decompressor
        if decompressor.eof:  # another stream may follow (pigz, pbzip2, xz -T), or zero padding
            rest = (decompressor.unused_data + self.input).lstrip(b'\0')
            while not rest:
                more = self.raw.read(65536)
                if not more:
                    self.eof = True
                    return
                rest = more.lstrip(b'\0')
            self.decompressor = _decompressor(self.kind)
            self.input = rest
            return
        if not self.input and (self.kind == 'gzip' or decompressor.needs_input):
            self.input = self.raw.read(65536)
            if not self.input:
                raise ArtifactError('the %s data of %s ends before its compressed stream does (truncated?)' % (self.kind, self.what))
        try:
            if self.kind == 'gzip':
                data = decompressor.decompress(self.input, _CHUNK)
                self.input = decompressor.unconsumed_tail
            else:
                data = decompressor.decompress(self.input, max_length=_CHUNK)
                self.input = b''
        except (zlib.error, OSError, lzma.LZMAError, EOFError, ValueError) as exc:
            raise ArtifactError('the %s data of %s is corrupt: %s' % (self.kind, self.what, exc)) from exc
        if self.pos + len(self.buffer) + len(data) > self.limit:
            raise ArtifactError('%s expands to more than %d bytes (%d times its size); refused (a decompression bomb?)'
                                % (self.what, self.limit, _MAX_EXPANSION))
        self.buffer += data

    def _fill(self, wanted):
        """Buffer ``wanted`` bytes, or what is left."""
        while len(self.buffer) < wanted and not self.eof:
            if self.decompressor is not None:
                self._inflate_some()
                continue
            chunk = self.raw.read(wanted - len(self.buffer))
            if not chunk:
                self.eof = True
            self.buffer += chunk

    def read(self, count=-1):
        if count is None or count < 0 or count > _MAX_HEADER_READ:
            raise ArtifactError('corrupt tar header in %s: it asks to read %s bytes at once' % (self.what, count))
        if self.header_budget is not None:
            self.header_budget -= count
            if self.header_budget < 0:
                raise ArtifactError('corrupt tar archive %s: more than %d bytes of headers for one member' % (self.what, _MAX_HEADERS))
        self._fill(count)
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        self.pos += len(data)
        if count and not data:
            self.reads_at_end += 1
            if self.reads_at_end > 16:
                raise self._cut()
        return data

    def seek(self, pos, whence=0):
        if whence == 1:
            pos += self.pos
        elif whence != 0:
            raise ArtifactError('corrupt tar archive %s: seek from its end' % self.what)
        if pos < self.pos:
            raise ArtifactError('corrupt tar header in %s: a member size sends the reader back to byte %d (a negative size?)'
                                % (self.what, pos))
        if pos > self.limit:
            raise ArtifactError('corrupt tar header in %s: a member claims data up to byte %d, more than the archive %s'
                                % (self.what, pos, 'holds' if self.decompressor is None else
                                   'may expand to (%d bytes, %d times its size)' % (self.limit, _MAX_EXPANSION)))
        step = min(len(self.buffer), pos - self.pos)
        self.buffer = self.buffer[step:]
        self.pos += step
        if self.decompressor is None and self.pos < pos:  # plain tar: skip without reading
            self.raw.seek(self.raw.tell() + pos - self.pos)
            self.pos = pos
        while self.pos < pos:
            self._fill(min(pos - self.pos, _CHUNK))
            if not self.buffer:
                raise self._cut()
            step = min(len(self.buffer), pos - self.pos)
            self.buffer = self.buffer[step:]
            self.pos += step
        return self.pos

    def tell(self):
        return self.pos

    def seekable(self):
        return True

    def readable(self):
        return True


def _tar_kind(raw):
    """None for a plain tar, else the compression of ``raw`` (from its first bytes)."""
    head = raw.read(512)
    raw.seek(0)
    if head[257:262] == b'ustar':
        return None
    return next((name for prefix, name in _COMPRESSION if head.startswith(prefix)), None)


# What tarfile and the decompressors raise on damaged input (RecursionError: a chain of long-name headers).
_TAR_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError, ValueError, OverflowError,
               UnicodeError, RecursionError)


def _tar_call(what, function, *args):
    """``function(*args)`` on a tar archive; damage of any kind becomes an ArtifactError naming ``what``."""
    try:
        return function(*args)
    except _TAR_ERRORS as exc:
        raise ArtifactError('cannot read %s: %s' % (what, exc)) from exc


def _tar_extract(raw, size, member, writer, what):
    """Copy ``member`` of the tar archive in ``raw`` (``size`` bytes, maybe compressed) to ``writer``; return its size."""
    wanted = safe_member(member)
    kind = _tar_kind(raw)
    if kind == 'zstd':
        raise ArtifactError('%s is zstd-compressed, which the Python standard library on the managed host cannot read' % what)
    source = _TarSource(raw, kind, size if kind is None else size * _MAX_EXPANSION + _EXPANSION_ALLOWANCE, what)
    source.header_budget = _MAX_HEADERS
    tar = _tar_call(what, tarfile.open, None, 'r:', source)
    while True:
        source.header_budget = _MAX_HEADERS
        info = _tar_call(what, tar.next)
        if info is None:
            break
        del tar.members[:]  # keep no list of every header: an archive may hold millions
        if info.size < 0:
            raise ArtifactError('corrupt tar header in %s: member %r has a negative size' % (what, info.name))
        if safe_member_or_none(info.name) != wanted:
            continue
        if info.issym() or info.islnk():
            raise ArtifactError('archive member %r is a link; give the path of the file it points to (%s)' % (member, info.linkname))
        if not info.isfile():
            raise ArtifactError('archive member %r is not a regular file' % (member,))
        if info.issparse():
            raise ArtifactError('archive member %r is a sparse file, which is not supported' % (member,))
        source.header_budget = None
        data = _tar_call(what, tar.extractfile, info)
        copied = 0
        while True:
            chunk = _tar_call(what, data.read, _CHUNK)
            if not chunk:
                break
            writer.write(chunk)  # an OSError here is the destination's (staged() reports it)
            copied += len(chunk)
        if copied != info.size:
            raise ArtifactError('%s ends inside member %r (%d of %d bytes)' % (what, member, copied, info.size))
        return info.size
    raise ArtifactError('archive member %r not found' % (member,))


def safe_member_or_none(name):
    try:
        return safe_member(name)
    except ArtifactError:
        return None


def detect_format(archive_path):
    """``deb``, ``iso`` or ``tar`` from the file's magic bytes (tar is the fallback)."""
    with open(archive_path, 'rb') as handle:
        return _detect(handle)


def _detect(handle):
    handle.seek(0)
    if handle.read(8) == b'!<arch>\n':
        return 'deb'
    if _iso9660.is_iso9660(handle):
        return 'iso'
    return 'tar'


def extract_member(archive_path, member, writer, archive_format='auto'):
    """Write ``member`` of a .deb, tar archive or ISO9660 image to ``writer``; return its size."""
    with open(archive_path, 'rb') as handle:
        return extract_from(handle, member, writer, archive_format)


def extract_from(handle, member, writer, archive_format='auto'):
    """Like extract_member, from a seekable binary file object.

    A damaged or hostile archive raises ArtifactError, whatever its headers say, in time and memory
    bounded by its size: every length from a header is checked against what the file holds.
    """
    handle.seek(0, os.SEEK_END)
    total = handle.tell()
    fmt = archive_format
    if fmt == 'auto':
        fmt = _detect(handle)
    handle.seek(0)
    if fmt == 'iso':
        wanted = safe_member(member, allow_absolute=True)
        try:
            image = _iso9660.IsoImage(handle)
            return image.copy(image.lookup(wanted), writer)
        except _iso9660.IsoError as exc:
            raise ArtifactError(str(exc))
    if fmt == 'deb':
        for name, size, offset in _ar_members(handle, total):
            if name.startswith('data.tar'):
                return _tar_extract(_Window(handle, offset, size), size, member, writer, '%s in the .deb' % name)
        raise ArtifactError('the .deb has no data.tar member')
    if fmt == 'tar':
        return _tar_extract(_Window(handle, 0, total), total, member, writer, 'the tar archive')
    raise ArtifactError('unknown archive format %r (use auto, deb, tar or iso)' % (archive_format,))


def temp_beside(dest):
    """A temporary file in ``dest``'s directory, so the final rename is atomic."""
    directory = os.path.dirname(os.path.abspath(dest)) or '.'
    if not os.path.isdir(directory):
        raise DestError('destination directory %s does not exist' % directory)
    fd, path = tempfile.mkstemp(prefix='.%s.' % os.path.basename(dest), suffix='.part', dir=directory)
    return os.fdopen(fd, 'wb'), path


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


@contextlib.contextmanager
def staged(dest):
    """Yield ``(writer, temp path)`` beside ``dest``; the caller moves the file in with ``replace_atomically``.

    If anything fails while it is written (disk full, a failed download or check) the temporary file is
    removed, so nothing half-written is left beside ``dest``; an OSError becomes an ArtifactError that
    names the directory, and ``dest`` itself is never touched.
    """
    try:
        writer, path = temp_beside(dest)
    except OSError as exc:
        raise DestError('cannot create a temporary file beside %s: %s; %s was left untouched'
                        % (dest, exc.strerror or exc, dest)) from exc
    try:
        with writer:
            yield writer, path
    except OSError as exc:
        _remove(path)
        raise DestError('cannot write %s in %s: %s; %s was left untouched'
                        % (os.path.basename(dest), os.path.dirname(os.path.abspath(dest)), exc.strerror or exc, dest)) from exc
    except BaseException:
        _remove(path)
        raise


def replace_atomically(temp_path, dest):
    """Move a verified temporary file over ``dest`` (rename: readers see the old or the new file, never half)."""
    os.replace(temp_path, dest)


# -- OpenPGP verification with gpgv ------------------------------------------------------------

class SignatureError(ArtifactError):
    """A signature is missing, bad, or made by a key outside the given keyring."""


_CLEARSIGN_BEGIN = b'-----BEGIN PGP SIGNED MESSAGE-----'
_SIGNATURE_END = b'-----END PGP SIGNATURE-----'
_KEY_BEGIN = '-----BEGIN PGP PUBLIC KEY BLOCK-----'
_KEY_END = '-----END PGP PUBLIC KEY BLOCK-----'


def dearmor_keys(data):
    """OpenPGP public keys in binary form, from armored (``.asc``) or binary (``.gpg``/``.kbx``) bytes.

    gpgv reads binary keyrings only; armored blocks (one or several) are decoded here.
    """
    if isinstance(data, str):
        data = data.encode('utf-8')
    if not data or not data.strip():
        raise ArtifactError('the OpenPGP key is empty')
    text = data.decode('utf-8', 'replace')
    if _KEY_BEGIN not in text:
        if data.lstrip()[:5] == b'-----':
            raise ArtifactError('the OpenPGP key is armored but not a public key block (%s)' % text.strip().splitlines()[0])
        if not data[0] & 0x80 and data[8:12] != b'KBXf':
            raise ArtifactError('it is neither an armored public key ("%s") nor a binary OpenPGP keyring or keybox' % _KEY_BEGIN)
        return data
    keys = []
    for block in text.split(_KEY_BEGIN)[1:]:
        if _KEY_END not in block:
            raise ArtifactError('the armored OpenPGP key has no "%s" line' % _KEY_END)
        lines = block.split(_KEY_END, 1)[0].strip('\r\n').splitlines()
        # Armor headers ("Comment: ...") end at the first empty line; a CRC line starts with "=".
        if '' in [line.strip() for line in lines]:
            lines = lines[[line.strip() for line in lines].index('') + 1:]
        body = ''.join(line.strip() for line in lines if line.strip() and not line.strip().startswith('='))
        try:
            keys.append(base64.b64decode(body, validate=True))
        except ValueError as exc:
            raise ArtifactError('the armored OpenPGP key is not valid base64: %s' % exc)
    return b''.join(keys)


def check_clearsigned(data):
    """Refuse anything but exactly one clearsigned message with nothing before or after it."""
    stripped = data.strip()
    if not stripped.startswith(_CLEARSIGN_BEGIN):
        raise SignatureError('it is not an inline-signed (clearsigned) file: no "%s" header'
                             % _CLEARSIGN_BEGIN.decode())
    if stripped.count(_CLEARSIGN_BEGIN) != 1 or stripped.count(b'-----BEGIN PGP SIGNATURE-----') != 1:
        raise SignatureError('it holds more than one signed message or signature block; refused')
    if not stripped.endswith(_SIGNATURE_END):
        raise SignatureError('it has unsigned text after the signature, or the signature is cut off; refused')


def gpg_verify(run_command, gpgv, keyring, data, signature=None, tmpdir=None):
    """Verify ``data`` (clearsigned when ``signature`` is None) with ``gpgv`` against ``keyring`` only.

    ``run_command(argv, env)`` returns ``(rc, stdout, stderr)`` (the module passes its own).
    Works in a fresh temporary GNUPGHOME; no keyring of the user is read or written.
    Returns ``(signed bytes, [fingerprints of the good signatures])``; for a clearsigned
    file the signed bytes are the text gpgv verified, never the raw file.
    """
    if signature is None:
        check_clearsigned(data)
    home = tempfile.mkdtemp(prefix='netboot-gpgv-', dir=tmpdir)
    try:
        os.chmod(home, 0o700)
        paths = {}
        for name, content in (('keyring.gpg', dearmor_keys(keyring)), ('data', data), ('data.sig', signature)):
            if content is None:
                continue
            paths[name] = os.path.join(home, name)
            with open(paths[name], 'wb') as handle:
                handle.write(content)
        argv = [gpgv, '--homedir', home, '--keyring', paths['keyring.gpg'], '--status-fd', '1']
        if signature is None:
            paths['out'] = os.path.join(home, 'signed')
            argv += ['--output', paths['out'], paths['data']]
        else:
            argv += [paths['data.sig'], paths['data']]
        rc, out, err = run_command(argv, {'GNUPGHOME': home, 'LC_ALL': 'C', 'LANGUAGE': ''})
        status = [line.split()[1:] for line in out.splitlines() if line.startswith('[GNUPG:] ') and len(line.split()) > 1]
        kinds = [words[0] for words in status]
        good = []
        last = None
        for words in status:
            if words[0] in ('NEWSIG', 'GOODSIG', 'BADSIG', 'EXPSIG', 'EXPKEYSIG', 'REVKEYSIG', 'ERRSIG'):
                last = words[0]
            elif words[0] == 'VALIDSIG' and last == 'GOODSIG' and len(words) > 1:
                good.append(words[1])
        if 'BADSIG' in kinds:
            raise SignatureError('BAD signature: the file was changed after it was signed (or the signature belongs to another file)')
        for kind, reason in (('EXPKEYSIG', 'the signing key has expired'), ('REVKEYSIG', 'the signing key is revoked'),
                             ('EXPSIG', 'the signature has expired')):
            if kind in kinds and 'GOODSIG' not in kinds:
                raise SignatureError('signature not accepted: %s' % reason)
        if 'GOODSIG' not in kinds or not good:
            missing = sorted(set(words[1] for words in status if words[0] == 'NO_PUBKEY' and len(words) > 1))
            if missing:
                raise SignatureError('signed by key %s, which is not in the given keyring' % ', '.join(missing))
            if 'NODATA' in kinds or not kinds:
                raise SignatureError('no OpenPGP signature found (%s)' % (err.strip().splitlines() or ['gpgv rc %d' % rc])[-1])
            raise SignatureError('gpgv did not confirm a good signature (rc %d): %s' % (rc, err.strip() or out.strip()))
        if signature is None:
            with open(paths['out'], 'rb') as handle:
                data = handle.read()
        return data, good
    finally:
        shutil.rmtree(home, ignore_errors=True)


# -- Debian Release files --------------------------------------------------------------------

def release_checksum(text, path, now=None):
    """``(algorithm, hex, size)`` of ``path`` in a Debian ``Release`` file's SHA512/SHA256 field.

    A ``Valid-Until`` date in the past is refused (a replayed, outdated Release).
    """
    fields = {}
    current = None
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break  # the first paragraph only
            continue
        if line[0] in ' \t' and current:
            fields[current].append(line.strip())
            continue
        key, sep, value = line.partition(':')
        if not sep:
            raise ArtifactError('not a Debian Release file: unexpected line %r' % line[:80])
        current = key.strip().lower()
        fields[current] = [value.strip()] if value.strip() else []
    valid_until = fields.get('valid-until')
    if valid_until:
        try:
            until = email.utils.parsedate_to_datetime(valid_until[0])
        except (TypeError, ValueError):
            raise ArtifactError('the Release file has an unreadable Valid-Until date %r' % valid_until[0])
        if until.tzinfo is None:
            until = until.replace(tzinfo=datetime.timezone.utc)
        if until < (now or datetime.datetime.now(datetime.timezone.utc)):
            raise ArtifactError('the Release file expired on %s (Valid-Until); the mirror serves an outdated copy' % valid_until[0])
    wanted = path.lstrip('./')
    for algorithm, field in (('sha512', 'sha512'), ('sha256', 'sha256')):
        for entry in fields.get(field, []):
            parts = entry.split()
            if len(parts) == 3 and parts[2].lstrip('./') == wanted:
                if not re.fullmatch(r'[0-9a-fA-F]{%d}' % _HEX[algorithm], parts[0]) or not re.fullmatch(r'[0-9]+', parts[1]):
                    raise ArtifactError('malformed %s entry for %r in the Release file' % (algorithm.upper(), path))
                return algorithm, parts[0].lower(), int(parts[1])
    if 'sha256' not in fields and 'sha512' not in fields:
        raise ArtifactError('the Release file has no SHA256 or SHA512 field')
    raise ArtifactError('%r is not listed in the Release file' % path)
