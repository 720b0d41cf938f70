# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Boot artifacts: checksums, checksum files, OpenPGP checks, archive members, atomic replacement.

Pure functions over file objects and paths, so unit tests call them directly and
the boot_artifact module stays a thin wrapper. Private to the collection.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import email.utils
import hashlib
import os
import posixpath
import re
import shutil
import tarfile
import tempfile

from ansible_collections.netboot.pxe.plugins.module_utils import _iso9660

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


def detect_format(archive_path):
    """``deb``, ``iso`` or ``tar`` from the file's magic bytes (tar is the fallback)."""
    with open(archive_path, 'rb') as handle:
        if handle.read(8) == b'!<arch>\n':
            return 'deb'
        if _iso9660.is_iso9660(handle):
            return 'iso'
    return 'tar'


def extract_member(archive_path, member, writer, archive_format='auto'):
    """Write ``member`` of a .deb, tar archive or ISO9660 image to ``writer``; return its size."""
    fmt = archive_format
    if fmt == 'auto':
        fmt = detect_format(archive_path)
    if fmt == 'iso':
        wanted = safe_member(member, allow_absolute=True)
        with open(archive_path, 'rb') as handle:
            try:
                image = _iso9660.IsoImage(handle)
                return image.copy(image.lookup(wanted), writer)
            except _iso9660.IsoError as exc:
                raise ArtifactError(str(exc))
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
    raise ArtifactError('unknown archive format %r (use auto, deb, tar or iso)' % (archive_format,))


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
        raise ArtifactError('cannot create a temporary file beside %s: %s; %s was left untouched'
                            % (dest, exc.strerror or exc, dest)) from exc
    try:
        with writer:
            yield writer, path
    except OSError as exc:
        _remove(path)
        raise ArtifactError('cannot write %s in %s: %s; %s was left untouched'
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
                if not re.match(r'^[0-9a-fA-F]{%d}$' % _HEX[algorithm], parts[0]) or not parts[1].isdigit():
                    raise ArtifactError('malformed %s entry for %r in the Release file' % (algorithm.upper(), path))
                return algorithm, parts[0].lower(), int(parts[1])
    if 'sha256' not in fields and 'sha512' not in fields:
        raise ArtifactError('the Release file has no SHA256 or SHA512 field')
    raise ArtifactError('%r is not listed in the Release file' % path)
