# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Boot artifacts: checksums, checksum files, members of .deb and tar archives, atomic replacement.

Pure functions over file objects and paths, so unit tests call them directly and
the boot_artifact module stays a thin wrapper. Private to the collection.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import shutil
import tarfile
import tempfile

ALGORITHMS = ('sha256', 'sha512')
_HEX = {'sha256': 64, 'sha512': 128}
_CHUNK = 1024 * 1024


class ArtifactError(Exception):
    """The artifact cannot be verified, found or written safely."""


def parse_checksum(spec):
    """``sha256:HEX`` / ``sha512:HEX`` -> (algorithm, lowercase hex)."""
    if not isinstance(spec, str) or ':' not in spec:
        raise ArtifactError('checksum %r must look like "sha256:<64 hex digits>" or "sha512:<128 hex digits>"' % (spec,))
    algorithm, _sep, digest = spec.partition(':')
    algorithm, digest = algorithm.strip().lower(), digest.strip().lower()
    if algorithm not in ALGORITHMS:
        raise ArtifactError('checksum algorithm %r is not supported; use %s' % (algorithm, ' or '.join(ALGORITHMS)))
    if not re.match(r'^[0-9a-f]{%d}$' % _HEX[algorithm], digest):
        raise ArtifactError('%s checksum %r must be %d hex digits' % (algorithm, digest, _HEX[algorithm]))
    return algorithm, digest


def _checksum_line(line, algorithm):
    """(path, hex) of one checksums-file line in any of the supported forms, or None."""
    hexdigits = _HEX[algorithm]
    # GNU coreutils: "<hex>  <path>" or "<hex> *<path>".
    match = re.match(r'^([0-9a-fA-F]{%d})\s+\*?(.+?)\s*$' % hexdigits, line)
    if match:
        return match.group(2), match.group(1)
    # BSD style (Fedora's CHECKSUM files): "SHA256 (<path>) = <hex>".
    match = re.match(r'^%s\s*\((.+)\)\s*=\s*([0-9a-fA-F]{%d})\s*$' % (algorithm.upper(), hexdigits), line.strip())
    if match:
        return match.group(1), match.group(2)
    # .treeinfo [checksums] section (Fedora, RHEL, Rocky, AlmaLinux trees): "<path> = sha256:<hex>".
    match = re.match(r'^([^=\s][^=]*?)\s*=\s*%s:([0-9a-fA-F]{%d})\s*$' % (algorithm, hexdigits), line.strip())
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
    """Hex digest of a file, or None when it does not exist."""
    if not os.path.isfile(path):
        return None
    digest = hashlib.new(algorithm)
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b''):
            digest.update(chunk)
    return digest.hexdigest()


def copy_hashing(reader, writer, algorithm='sha256', limit=None):
    """Copy a stream, returning (hex digest, size); ArtifactError past ``limit`` bytes."""
    digest = hashlib.new(algorithm)
    size = 0
    for chunk in iter(lambda: reader.read(_CHUNK), b''):
        size += len(chunk)
        if limit is not None and size > limit:
            raise ArtifactError('the download is larger than the limit of %d bytes' % limit)
        digest.update(chunk)
        writer.write(chunk)
    return digest.hexdigest(), size


def safe_member(name):
    """Normalise an archive member path; refuse absolute paths and any ``..`` (path traversal)."""
    if not isinstance(name, str) or not name.strip():
        raise ArtifactError('archive member must be a non-empty path, got %r' % (name,))
    if name.startswith('/') or '\\' in name or any(part == '..' for part in name.split('/')):
        raise ArtifactError('archive member %r is absolute or climbs out with "..": refused' % (name,))
    return posixpath.normpath(name).lstrip('./') or '.'


def _ar_members(handle):
    """Iterate (name, size, offset) over a Unix ar archive (the .deb container)."""
    if handle.read(8) != b'!<arch>\n':
        raise ArtifactError('not a .deb (ar) archive')
    while True:
        header = handle.read(60)
        if not header:
            return
        if len(header) < 60 or header[58:60] != b'`\n':
            raise ArtifactError('corrupt ar header in the .deb')
        name = header[:16].decode('ascii', 'replace').strip().rstrip('/')
        size = int(header[48:58].decode('ascii').strip())
        offset = handle.tell()
        yield name, size, offset
        handle.seek(offset + size + (size % 2))


def _tar_extract(tar, member, writer):
    wanted = safe_member(member)
    for info in tar:
        if safe_member_or_none(info.name) != wanted:
            continue
        if info.issym() or info.islnk():
            raise ArtifactError('archive member %r is a link; give the path of the file it points to (%s)' % (member, info.linkname))
        if not info.isfile():
            raise ArtifactError('archive member %r is not a regular file' % (member,))
        source = tar.extractfile(info)
        shutil.copyfileobj(source, writer, _CHUNK)
        return info.size
    raise ArtifactError('archive member %r not found' % (member,))


def safe_member_or_none(name):
    try:
        return safe_member(name)
    except ArtifactError:
        return None


def extract_member(archive_path, member, writer, archive_format='auto'):
    """Write ``member`` of a .deb or tar archive to ``writer``; return its size."""
    fmt = archive_format
    if fmt == 'auto':
        with open(archive_path, 'rb') as handle:
            magic = handle.read(8)
        fmt = 'deb' if magic == b'!<arch>\n' else 'tar'
    if fmt == 'deb':
        with open(archive_path, 'rb') as handle:
            for name, size, offset in _ar_members(handle):
                if name.startswith('data.tar'):
                    handle.seek(offset)
                    data = _Window(handle, size)
                    try:
                        with tarfile.open(fileobj=data, mode='r|*') as tar:
                            return _tar_extract(tar, member, writer)
                    except tarfile.TarError as exc:
                        raise ArtifactError('cannot read %s in the .deb: %s' % (name, exc))
        raise ArtifactError('the .deb has no data.tar member')
    if fmt == 'tar':
        try:
            with tarfile.open(archive_path, mode='r:*') as tar:
                return _tar_extract(tar, member, writer)
        except tarfile.TarError as exc:
            raise ArtifactError('cannot read the tar archive: %s' % exc)
    raise ArtifactError('unknown archive format %r (use auto, deb or tar)' % (archive_format,))


class _Window(object):
    """A read-only view of ``size`` bytes of ``handle`` from its current position."""

    def __init__(self, handle, size):
        self.handle = handle
        self.left = size

    def read(self, count=-1):
        if self.left <= 0:
            return b''
        if count is None or count < 0 or count > self.left:
            count = self.left
        data = self.handle.read(count)
        self.left -= len(data)
        return data


def temp_beside(dest):
    """A temporary file in ``dest``'s directory, so the final rename is atomic."""
    directory = os.path.dirname(os.path.abspath(dest)) or '.'
    if not os.path.isdir(directory):
        raise ArtifactError('destination directory %s does not exist' % directory)
    fd, path = tempfile.mkstemp(prefix='.%s.' % os.path.basename(dest), suffix='.part', dir=directory)
    return os.fdopen(fd, 'wb'), path


def replace_atomically(temp_path, dest):
    """Move a verified temporary file over ``dest`` (rename: readers see the old or the new file, never half)."""
    os.replace(temp_path, dest)
