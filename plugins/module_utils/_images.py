# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The operating-system catalog of the images role: merge, resolve mirrors, validate, plan the downloads.

``plan`` takes the shipped catalog, the user's overrides and custom entries, the enabled names,
the mirrors and the target directory, and returns plain data: the files to download (each with
its checksum source), the archive members to extract from the downloaded archives, and the boot
entries in the exact form the server role's ``server_entries`` takes. Errors name the user's
variable. Private to the collection.
"""

from __future__ import annotations

import copy
import difflib
import posixpath
import re
import urllib.parse

from ansible_collections.netboot.pxe.plugins.module_utils import _arch, _artifact, _bootstr, _entries, _flags

# Families of the catalog; the installer's kernel parameters each one needs (any one name of each group).
REQUIRED_PARAMS = {
    'debian': (),
    'ubuntu': (('url', 'iso-url'), ('ip',)),
    'fedora': (('inst.repo', 'inst.stage2'),),
    'rocky': (('inst.repo', 'inst.stage2'),),
    'almalinux': (('inst.repo', 'inst.stage2'),),
    'alpine': (('alpine_repo',), ('modloop',)),
    'arch': (('archiso_http_srv',), ('archisobasedir',), ('ip',)),
    'opensuse': (('install',),),
    'memtest86plus': (),
    'netbootxyz': (),
    'custom': (),
}
FAMILIES = tuple(REQUIRED_PARAMS)
ARCHIVE_FORMATS = ('auto', 'deb', 'tar', 'iso')
ARCHIVE_DIR = '_archives'  # entry names start with [a-z0-9], so this never clashes with one

_ENTRY_KEYS = {'name', 'title', 'family', 'mirror', 'keyring', 'version', 'vars', 'architectures', 'files', 'cmdline', 'chain',
               'from', 'notes'}
# How a checksums file is signed upstream: a detached signature, an inline-signed (clearsigned) file,
# or a Debian Release file (InRelease, or Release + Release.gpg) listing the checksums file.
_SIGNATURE_KEYS = ('checksum_signature_url', 'checksum_clearsigned', 'checksum_release_url', 'checksum_release_name')
_FILE_KEYS = {'src', 'name', 'checksum', 'checksum_url', 'checksum_name', 'member', 'archive_format', 'member_checksum'} \
    | set(_SIGNATURE_KEYS)
# The boot_artifact options a download passes on (the plan's downloads carry these keys).
_SOURCE_KEYS = ('src', 'checksum', 'checksum_url', 'checksum_name', 'checksum_signature_url', 'checksum_release_url',
                'checksum_release_name')
_PLACEHOLDER = re.compile(r'\{([A-Za-z_][A-Za-z0-9_]*)\}')
_VAR_NAME = re.compile(r'[a-z][a-z0-9_]*')  # fullmatch: "$" would accept a trailing newline
_RESERVED = ('mirror', 'mirror_scheme', 'mirror_host', 'mirror_path', 'name', 'version')


class ImagesError(ValueError):
    """A catalog entry, override or setting that cannot be fetched or served."""


def merge(base, override):
    """Recursive merge of dicts; the override wins, lists and scalars are replaced."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return copy.deepcopy(override)
    result = copy.deepcopy(base)
    for key, value in override.items():
        result[key] = merge(result[key], value) if isinstance(result.get(key), dict) and isinstance(value, dict) \
            else copy.deepcopy(value)
    return result


def _fill(where, value, values):
    """Replace ``{placeholder}`` in strings (also dict keys and list items); unknown names are errors."""
    if isinstance(value, str):
        def replace(match):
            key = match.group(1)
            if key not in values:
                raise ImagesError('%s: unknown placeholder {%s} in %r (known: %s)'
                                  % (where, key, value, ', '.join('{%s}' % k for k in sorted(values))))
            return str(values[key])
        return _PLACEHOLDER.sub(replace, value)
    if isinstance(value, dict):
        return dict((_fill(where, k, values), _fill(where, v, values)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_fill(where, item, values) for item in value]
    return value


def _mirror_values(where, url):
    if not isinstance(url, str) or not url.strip():
        raise ImagesError('%s must be a base URL such as https://deb.debian.org/debian, got %r' % (where, url))
    url = url.strip().rstrip('/')
    parts = urllib.parse.urlparse(url)
    if parts.scheme not in ('http', 'https', 'file') or (parts.scheme != 'file' and not parts.netloc):
        raise ImagesError('%s must be an http://, https:// or file:// base URL, got %r' % (where, url))
    return {'mirror': url, 'mirror_scheme': parts.scheme, 'mirror_host': parts.netloc, 'mirror_path': parts.path or '/'}


def _resolve_from(sources, name, seen=()):
    """An entry with ``from: other`` starts as a copy of the (resolved) other entry."""
    where, entry = sources[name]
    base_name = entry.get('from')
    if base_name is None:
        return entry
    if base_name in seen or base_name == name:
        raise ImagesError('%s.from: %r inherits from itself (%s)' % (where, base_name, ' -> '.join(seen + (name, base_name))))
    if base_name not in sources:
        raise ImagesError('%s.from: %r is not in the catalog%s' % (where, base_name, _did_you_mean(base_name, sources)))
    base = _resolve_from(sources, base_name, seen + (name,))
    merged = merge(base, dict((k, v) for k, v in entry.items() if k != 'from'))
    merged.pop('name', None)
    return merged


def _did_you_mean(name, names):
    close = difflib.get_close_matches(str(name), sorted(names), n=1, cutoff=0.5)
    return ' (did you mean %s?)' % close[0] if close else ''


def catalog(shipped, overrides=None, custom=None, prefix='images_'):
    """The merged catalog: {name: (where, entry)}, ``where`` naming the user variable that shaped it."""
    shipped = shipped or {}
    overrides = {} if overrides is None else overrides
    custom = [] if custom is None else custom
    if not isinstance(overrides, dict):
        raise ImagesError('%scatalog_overrides must be a dict of catalog name -> fields to change, got %r' % (prefix, overrides))
    if not isinstance(custom, (list, tuple)):
        raise ImagesError('%scustom must be a list of entries, got %r' % (prefix, custom))
    sources = {}
    for name, entry in shipped.items():
        sources[name] = ('the shipped catalog entry %s' % name, entry)
    for name, entry in overrides.items():
        where = '%scatalog_overrides.%s' % (prefix, name)
        if not isinstance(entry, dict):
            raise ImagesError('%s must be a dict of fields to change, got %r' % (where, entry))
        base = sources.get(name, (None, {}))[1]
        sources[name] = (where, merge(base, entry))
    for index, entry in enumerate(custom):
        where = '%scustom[%d]' % (prefix, index)
        if not isinstance(entry, dict):
            raise ImagesError('%s must be a dict with name, title, family, architectures and files, got %r' % (where, entry))
        name = entry.get('name')
        if not isinstance(name, str) or not name:
            raise ImagesError('%s.name is required' % where)
        if name in sources:
            raise ImagesError('%s.name %r is already in the catalog; change it with %scatalog_overrides.%s instead'
                              % (where, name, prefix, name))
        sources[name] = (where, entry)
    result = {}
    for name in sources:
        where = sources[name][0]
        result[name] = (where, _resolve_from(sources, name))
    return result


def _url(where, value, mirror):
    """A relative location joined onto the entry's mirror; absolute http/https/file URLs stay."""
    if not isinstance(value, str) or not value.strip():
        raise ImagesError('%s must be a URL or a path relative to the mirror, got %r' % (where, value))
    value = value.strip()
    parts = urllib.parse.urlparse(value)
    if parts.scheme:
        if parts.scheme not in ('http', 'https', 'file') or (parts.scheme != 'file' and not parts.netloc):
            raise ImagesError('%s: %r is not an http://, https:// or file:// URL' % (where, value))
        return value
    if re.search(r'\s', value) or value.startswith('/'):
        raise ImagesError('%s: %r must be a URL or a path relative to the mirror (no leading /, no spaces)' % (where, value))
    if mirror is None:
        raise ImagesError('%s: %r is relative, but the entry has no mirror to resolve it against' % (where, value))
    return mirror['mirror'] + '/' + value


def _checksum(where, spec):
    try:
        algorithm, digest = _artifact.parse_checksum(spec)
    except _artifact.ArtifactError as exc:
        raise ImagesError('%s: %s' % (where, exc))
    return '%s:%s' % (algorithm, digest)


def _file(where, spec, values, mirror):
    if not isinstance(spec, dict):
        raise ImagesError('%s must be a dict with src and checksum or checksum_url, got %r' % (where, spec))
    unknown = set(spec) - _FILE_KEYS
    if unknown:
        raise ImagesError('%s has unknown keys %s (allowed: %s)' % (where, ', '.join(sorted(unknown)), ', '.join(sorted(_FILE_KEYS))))
    spec = _fill(where, spec, values)
    result = {'src': _url('%s.src' % where, spec.get('src'), mirror)}
    has_sum, has_url = spec.get('checksum') not in (None, ''), spec.get('checksum_url') not in (None, '')
    if has_sum == has_url:
        raise ImagesError('%s needs exactly one of checksum (a pinned "sha256:<hex>") and checksum_url (a checksums file)' % where)
    if has_sum:
        result['checksum'] = _checksum('%s.checksum' % where, spec['checksum'])
    else:
        result['checksum_url'] = _url('%s.checksum_url' % where, spec['checksum_url'], mirror)
        name = spec.get('checksum_name')
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ImagesError('%s.checksum_name must be the name of src in the checksums file, got %r' % (where, name))
        result['checksum_name'] = name or posixpath.basename(urllib.parse.urlparse(result['src']).path)
    result.update(_signature(where, spec, mirror, has_url))
    member = spec.get('member')
    if member is not None:
        try:
            result['member'] = _artifact.safe_member(member)
        except _artifact.ArtifactError as exc:
            raise ImagesError('%s.member: %s' % (where, exc))
        archive_format = spec.get('archive_format', 'auto')
        if archive_format not in ARCHIVE_FORMATS:
            raise ImagesError('%s.archive_format must be one of %s, got %r' % (where, ', '.join(ARCHIVE_FORMATS), archive_format))
        result['archive_format'] = archive_format
        if spec.get('member_checksum') not in (None, ''):
            result['member_checksum'] = _checksum('%s.member_checksum' % where, spec['member_checksum'])
    else:
        for key in ('archive_format', 'member_checksum'):
            if spec.get(key) not in (None, ''):
                raise ImagesError('%s.%s needs member (the file to take out of the archive src)' % (where, key))
    served = spec.get('name') or posixpath.basename(result.get('member') or urllib.parse.urlparse(result['src']).path)
    if not isinstance(served, str) or not _entries._FILE.match(served):
        raise ImagesError('%s: the served file name %r must be letters, digits and . _ + - only (set %s.name)' % (where, served, where))
    result['name'] = served
    return result


def _signature(where, spec, mirror, has_url):
    """The file's upstream signature of its checksums file: {} when there is none."""
    given = [key for key in _SIGNATURE_KEYS if spec.get(key) not in (None, '', False)]
    if not given:
        return {}
    if not has_url:
        raise ImagesError('%s.%s needs checksum_url: a signature covers a checksums file, not a pinned checksum' % (where, given[0]))
    result = {}
    clearsigned = spec.get('checksum_clearsigned')
    if clearsigned not in (None, True, False):
        raise ImagesError('%s.checksum_clearsigned must be true or false, got %r' % (where, clearsigned))
    if spec.get('checksum_signature_url') not in (None, ''):
        result['checksum_signature_url'] = _url('%s.checksum_signature_url' % where, spec['checksum_signature_url'], mirror)
    if spec.get('checksum_release_url') not in (None, ''):
        result['checksum_release_url'] = _url('%s.checksum_release_url' % where, spec['checksum_release_url'], mirror)
        name = spec.get('checksum_release_name')
        if name not in (None, ''):
            if not isinstance(name, str) or re.search(r'\s', name):
                raise ImagesError('%s.checksum_release_name must be the checksums file\'s path as the Release file lists it '
                                  '(main/installer-amd64/current/images/SHA256SUMS), got %r' % (where, name))
            result['checksum_release_name'] = name
    elif spec.get('checksum_release_name') not in (None, ''):
        raise ImagesError('%s.checksum_release_name needs checksum_release_url (the signed Release file that lists it)' % where)
    if clearsigned and result:
        raise ImagesError('%s.checksum_clearsigned: an inline-signed checksums file takes neither checksum_signature_url '
                          'nor checksum_release_url' % where)
    if clearsigned:
        result['checksum_clearsigned'] = True
    return result


def _cmdline(where, family, value):
    if value is None or value == '':
        text = ''
    else:
        try:
            text = value if isinstance(value, str) else _bootstr.kernel_cmdline(value)
            text = _bootstr.ipxe_escape(text)
        except _bootstr.BootStringError as exc:
            raise ImagesError('%s.cmdline: %s' % (where, exc))
    names = set(word.partition('=')[0] for word in text.split())
    for group in REQUIRED_PARAMS[family]:
        if not names.intersection(group):
            raise ImagesError('%s.cmdline: the %s installer needs %s on its kernel command line'
                              % (where, family, ' or '.join('%s=' % name for name in group)))
    return text


def _architectures(where, value):
    if not isinstance(value, (list, tuple)) or not value:
        raise ImagesError('%s.architectures must be a non-empty list of architecture names (bios, efi-x86_64, efi-arm64, ...)' % where)
    names = []
    for index, name in enumerate(value):
        try:
            canonical = _arch.by_name(name).name
        except _arch.ArchError as exc:
            raise ImagesError('%s.architectures[%d]: %s' % (where, index, exc))
        if canonical not in names:
            names.append(canonical)
    return names


def entry(name, where, spec, mirrors):
    """Validate one merged catalog entry and resolve its URLs; returns the resolved entry."""
    if not isinstance(spec, dict):
        raise ImagesError('%s must be a dict, got %r' % (where, spec))
    unknown = set(spec) - _ENTRY_KEYS
    if unknown:
        raise ImagesError('%s has unknown keys %s (allowed: %s)' % (where, ', '.join(sorted(unknown)), ', '.join(sorted(_ENTRY_KEYS))))
    if not isinstance(name, str) or not _entries._NAME.match(name):
        raise ImagesError('%s: the name %r must be lowercase letters, digits, . _ - (at most 63), starting with a letter or digit'
                          % (where, name))
    family = spec.get('family', 'custom')
    if family not in REQUIRED_PARAMS:
        raise ImagesError('%s.family must be one of %s, got %r' % (where, ', '.join(FAMILIES), family))
    title = spec.get('title') or name
    if not isinstance(title, str):
        raise ImagesError('%s.title must be a string, got %r' % (where, title))
    mirror_key = spec.get('mirror', family)
    mirror = None
    if mirror_key in mirrors:
        mirror = _mirror_values('images_mirrors.%s' % mirror_key, mirrors[mirror_key])
    elif 'mirror' in spec:
        raise ImagesError('%s.mirror: %r is not a key of images_mirrors (known: %s)' % (where, mirror_key, ', '.join(sorted(mirrors))))
    values = dict(mirror or {}, name=name, version='' if spec.get('version') is None else str(spec.get('version')))
    extra = spec.get('vars') or {}
    if not isinstance(extra, dict):
        raise ImagesError('%s.vars must be a dict of placeholder values, got %r' % (where, extra))
    for key, value in extra.items():
        if not isinstance(key, str) or not _VAR_NAME.fullmatch(key) or key in _RESERVED:
            raise ImagesError('%s.vars: %r cannot be a placeholder name (lowercase, not one of %s)' % (where, key, ', '.join(_RESERVED)))
        if isinstance(value, (dict, list, tuple)) or value is None:
            raise ImagesError('%s.vars.%s must be a string or number, got %r' % (where, key, value))
        values[key] = value
    keyring = spec.get('keyring', family)
    if not isinstance(keyring, str) or not _VAR_NAME.fullmatch(keyring):
        raise ImagesError('%s.keyring must be a key of images_keyrings (lowercase letters, digits, _), got %r' % (where, keyring))
    result = {
        'name': name,
        'title': _fill('%s.title' % where, title, values),
        'family': family,
        'keyring': keyring,
        'version': values['version'],
        'mirror': mirror['mirror'] if mirror else '',
        'architectures': _architectures(where, spec.get('architectures')),
    }
    if spec.get('chain') is not None:
        if spec.get('files') or spec.get('cmdline'):
            raise ImagesError('%s: a chain entry has no files and no cmdline (iPXE chains to the script at %s.chain)' % (where, where))
        result.update(kind='chain', chain=_url('%s.chain' % where, _fill('%s.chain' % where, spec['chain'], values), mirror),
                      kernel=None, initrds=[], cmdline='')
        if not result['chain'].startswith(('http://', 'https://')):
            raise ImagesError('%s.chain must be an http:// or https:// URL, got %r' % (where, result['chain']))
        return result
    files = spec.get('files')
    if not isinstance(files, dict) or not files.get('kernel'):
        raise ImagesError('%s.files must be a dict with kernel (and usually initrd): {src, checksum or checksum_url, ...}' % where)
    unknown = set(files) - {'kernel', 'initrd'}
    if unknown:
        raise ImagesError('%s.files has unknown keys %s (allowed: initrd, kernel)' % (where, ', '.join(sorted(unknown))))
    initrds = files.get('initrd') or []
    if isinstance(initrds, dict):
        initrds = [initrds]
    if not isinstance(initrds, (list, tuple)):
        raise ImagesError('%s.files.initrd must be a file dict or a list of them, got %r' % (where, initrds))
    kernel = _file('%s.files.kernel' % where, files['kernel'], values, mirror)
    initrd_files = [_file('%s.files.initrd[%d]' % (where, index), item, values, mirror) for index, item in enumerate(initrds)]
    served = [kernel['name']] + [item['name'] for item in initrd_files]
    if len(set(served)) != len(served):
        raise ImagesError('%s.files: kernel and initrds must be served under different file names, got %s' % (where, ', '.join(served)))
    result.update(kind='kernel', chain='', kernel=kernel, initrds=initrd_files,
                  cmdline=_cmdline(where, family, _fill('%s.cmdline' % where, spec.get('cmdline'), values)))
    return result


def plan(settings, prefix='images_'):
    """Merge, validate and plan the enabled catalog entries.

    ``settings``: catalog (shipped, name -> entry), catalog_overrides, custom, enabled, mirrors
    (user), default_mirrors (shipped), dir, verify_signatures (default true), keyrings (user,
    key -> path on the target) and default_keyrings (shipped, key -> {path, package}). Returns
    entries, downloads, extracts, directories, server_entries (the server role's ``server_entries``
    format), packages (gpgv and the keyring packages the signature checks need) and unchecked
    (entries whose upstream signs the checksums but whose keyring is unknown).
    """
    settings = dict(settings or {})
    directory = settings.get('dir')
    if not isinstance(directory, str) or not directory.startswith('/') or re.search(r'\s', directory):
        raise ImagesError('%sdir must be an absolute path without spaces, got %r' % (prefix, directory))
    directory = posixpath.normpath(directory)
    mirrors = settings.get('mirrors') or {}
    if not isinstance(mirrors, dict):
        raise ImagesError('%smirrors must be a dict of family -> base URL, got %r' % (prefix, mirrors))
    all_mirrors = dict(settings.get('default_mirrors') or {})
    all_mirrors.update(mirrors)
    for key in mirrors:
        _mirror_values('%smirrors.%s' % (prefix, key), mirrors[key])
    try:
        verify = _flags.to_bool(settings.get('verify_signatures', True), prefix + 'verify_signatures')
    except _flags.FlagError as exc:
        raise ImagesError(str(exc))
    keyrings = _keyrings(settings.get('default_keyrings'), settings.get('keyrings'), prefix)
    merged = catalog(settings.get('catalog'), settings.get('catalog_overrides'), settings.get('custom'), prefix=prefix)
    enabled = settings.get('enabled')
    if enabled is None:
        enabled = []
    if not isinstance(enabled, (list, tuple)):
        raise ImagesError('%senabled must be a list of catalog names, got %r' % (prefix, enabled))
    entries, seen = [], set()
    for index, name in enumerate(enabled):
        if not isinstance(name, str) or name not in merged:
            raise ImagesError('%senabled[%d]: %r is not in the catalog%s' % (prefix, index, name, _did_you_mean(name, merged)))
        if name in seen:
            raise ImagesError('%senabled[%d]: %r is listed twice' % (prefix, index, name))
        seen.add(name)
        where, spec = merged[name]
        entries.append(entry(name, where, spec, all_mirrors))
    downloads, extracts, server_entries = [], [], []
    archives, packages, unchecked = {}, set(), []
    for item in entries:
        files = [item['kernel']] + item['initrds'] if item['kind'] == 'kernel' else []
        signed = [spec for spec in files if any(key in spec for key in _SIGNATURE_KEYS)]
        keyring = keyrings.get(item['keyring']) if verify else None
        item['signature'] = 'none' if not signed else 'off' if not verify else 'checked' if keyring else 'no keyring'
        if signed and verify and not keyring:
            unchecked.append({'name': item['name'], 'keyring': item['keyring']})
        if signed and keyring:
            packages.update(['gpgv'] + ([keyring['package']] if keyring.get('package') else []))
        entry_dir = '%s/%s' % (directory, item['name'])
        if item['kind'] == 'chain':
            server_entries.append({'name': item['name'], 'title': item['title'], 'chain': item['chain'],
                                   'architectures': item['architectures']})
            continue
        paths = []
        for role, spec in [('kernel', item['kernel'])] + [('initrd', f) for f in item['initrds']]:
            dest = '%s/%s' % (entry_dir, spec['name'])
            paths.append(dest)
            source = dict((k, spec[k]) for k in _SOURCE_KEYS if k in spec)
            if keyring and any(key in spec for key in _SIGNATURE_KEYS):
                # boot_artifact: gpg_keyring without a signature URL means an inline-signed checksums file.
                source['gpg_keyring'] = keyring['path']
            else:
                for key in _SIGNATURE_KEYS:
                    source.pop(key, None)
            if 'member' not in spec:
                downloads.append(dict(source, entry=item['name'], role=role, dest=dest))
                continue
            archive_name = posixpath.basename(urllib.parse.urlparse(spec['src']).path)
            if not _entries._FILE.match(archive_name or '-'):
                raise ImagesError('%s: the archive %s must have a file name of letters, digits and . _ + -'
                                  % (merged[item['name']][0], spec['src']))
            archive = '%s/%s/%s' % (directory, ARCHIVE_DIR, archive_name)
            known = archives.get(archive)
            if known is None:
                archives[archive] = source
                downloads.append(dict(source, entry=item['name'], role='archive', dest=archive))
            elif known != source:
                raise ImagesError('%s: the archive file name %s is also used for %s with another source; give one of them another URL'
                                  % (merged[item['name']][0], archive_name, known['src']))
            extract = {'entry': item['name'], 'role': role, 'archive': archive, 'src': spec['src'], 'dest': dest,
                       'member': spec['member'], 'archive_format': spec['archive_format']}
            if 'member_checksum' in spec:
                extract['member_checksum'] = spec['member_checksum']
            extracts.append(extract)
        server_entries.append({'name': item['name'], 'title': item['title'], 'kernel': paths[0], 'initrd': paths[1:],
                               'cmdline': item['cmdline'], 'remote_src': True, 'architectures': item['architectures']})
    try:
        _entries.entries(server_entries, var=prefix + 'enabled')
    except _entries.EntryError as exc:
        raise ImagesError(str(exc))
    directories = [directory] + ['%s/%s' % (directory, item['name']) for item in entries if item['kind'] == 'kernel']
    if archives:
        directories.append('%s/%s' % (directory, ARCHIVE_DIR))
    return {
        'entries': entries,
        'downloads': downloads,
        'extracts': extracts,
        'directories': directories,
        'server_entries': server_entries,
        'packages': sorted(packages),
        'unchecked': unchecked,
    }


def _keyrings(defaults, user, prefix):
    """key -> {path, package} of the keyrings known on the target; the user's paths win, null or '' drops one."""
    result = {}
    for key, value in (defaults or {}).items():
        if isinstance(value, dict) and value.get('path'):
            result[key] = {'path': value['path'], 'package': value.get('package')}
    user = {} if user is None else user
    if not isinstance(user, dict):
        raise ImagesError('%skeyrings must be a dict of keyring name (debian, ubuntu, ...) -> path of the OpenPGP keyring on the '
                          'target, got %r' % (prefix, user))
    for key, path in user.items():
        where = '%skeyrings.%s' % (prefix, key)
        if not isinstance(key, str) or not _VAR_NAME.fullmatch(key):
            raise ImagesError('%s: %r is not a keyring name (lowercase letters, digits, _)' % (where, key))
        if path in (None, ''):
            result.pop(key, None)
            continue
        if not isinstance(path, str) or not path.startswith('/') or re.search(r'\s', path):
            raise ImagesError('%s must be the absolute path of an OpenPGP keyring (.gpg) or armored key (.asc) on the target, '
                              'got %r' % (where, path))
        result[key] = {'path': path, 'package': None}
    return result
