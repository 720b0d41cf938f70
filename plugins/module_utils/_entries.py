# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Boot entries: what a client boots (kernel, initrds, command line), validated.

Returns per-entry data with the file names the entry's files get under the boot
root and the command line already rendered and checked for iPXE, so templates
only print fields. Private to the collection.
"""

from __future__ import annotations

import posixpath
import re

from ansible_collections.netboot.pxe.plugins.module_utils import _bootstr

# Full matches only: "$" would also match before a final newline.
_NAME = re.compile(r'[a-z0-9][a-z0-9_.-]{0,62}')
_FILE = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.+-]*')
_KEYS = {'name', 'title', 'kernel', 'initrd', 'cmdline', 'remote_src', 'architectures', 'chain'}
_CHAIN_URL = re.compile(r'https?://[^/\s]+(/\S*)?')


class EntryError(ValueError):
    """A boot entry that cannot be served."""


def _file_name(where, path):
    if not isinstance(path, str) or not path.strip():
        raise EntryError('%s must be a file path, got %r' % (where, path))
    base = posixpath.basename(path.rstrip('/'))
    if not _FILE.fullmatch(base):
        raise EntryError('%s %r: the file name %r must be letters, digits and . _ + - only (it is served over TFTP and HTTP)'
                         % (where, path, base))
    return base


def _cmdline(where, value):
    if value is None or value == '':
        return ''
    try:
        return _bootstr.cmdline(value, where)
    except _bootstr.BootStringError as exc:
        raise EntryError(str(exc))


def _title(where, value):
    if not isinstance(value, str):
        raise EntryError('%s must be a string, got %r' % (where, value))
    try:
        return _bootstr.menu_text(value, where)
    except _bootstr.BootStringError as exc:
        raise EntryError('%s: %s' % (where, exc))


def _chain_url(where, url):
    if not isinstance(url, str) or not _CHAIN_URL.fullmatch(url):
        raise EntryError('%s must be an http:// or https:// URL of an iPXE script, got %r' % (where, url))
    try:
        return _bootstr.ipxe_escape(url, single=True)
    except _bootstr.BootStringError as exc:
        raise EntryError('%s: %s' % (where, exc))


def entries(items, default=None, var='server_entries', default_var='server_default_entry'):
    """Validate boot entries and return them with served file names and a rendered command line.

    Each item: name, title, kernel (path), initrd (path or list), cmdline (str, dict or list),
    remote_src (bool), architectures (list of arch names, unchecked here). ``default`` must name
    one of them when given.

    An entry with ``chain`` (an http/https URL of an iPXE script, such as netboot.xyz's menu) has no
    kernel, initrd or cmdline: iPXE chains to the URL. Its ``kind`` is ``chain``, its ``kernel`` and
    ``kernel_src`` are empty and it has no initrds; every other entry's ``kind`` is ``kernel``.
    """
    if items is None:
        items = []
    if not isinstance(items, (list, tuple)):
        raise EntryError('%s must be a list of entries, got %r' % (var, items))
    result, names = [], set()
    for index, item in enumerate(items):
        where = '%s[%d]' % (var, index)
        if not isinstance(item, dict):
            raise EntryError('%s must be a dict with name, kernel and initrd, got %r' % (where, item))
        unknown = set(item) - _KEYS
        if unknown:
            raise EntryError('%s has unknown keys %s (allowed: %s)' % (where, ', '.join(sorted(unknown)), ', '.join(sorted(_KEYS))))
        name = item.get('name')
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise EntryError('%s.name must be lowercase letters, digits, . _ - (at most 63), got %r' % (where, name))
        if name in names:
            raise EntryError('%s.name %r is used by another entry' % (where, name))
        names.add(name)
        title = _title('%s.title' % where, item.get('title') or name)
        if item.get('chain') is not None:
            extra = sorted(key for key in ('kernel', 'initrd', 'cmdline') if item.get(key) not in (None, '', []))
            if extra:
                raise EntryError('%s: a chain entry has no %s (iPXE chains to the script at %s.chain)'
                                 % (where, ', '.join(extra), where))
            result.append({
                'name': name,
                'kind': 'chain',
                'title': title,
                'chain': _chain_url('%s.chain' % where, item.get('chain')),
                'kernel_src': '',
                'kernel': '',
                'initrd_srcs': [],
                'initrds': [],
                'cmdline': '',
                'remote_src': bool(item.get('remote_src', False)),
                'dir': 'entries/%s' % name,
            })
            continue
        kernel = item.get('kernel')
        kernel_file = _file_name('%s.kernel' % where, kernel)
        initrds = item.get('initrd') or []
        if isinstance(initrds, str):
            initrds = [initrds]
        initrd_files = [_file_name('%s.initrd' % where, path) for path in initrds]
        served = [kernel_file] + initrd_files
        if len(set(served)) != len(served):
            raise EntryError('%s: kernel and initrd files must have different file names, got %s' % (where, ', '.join(served)))
        result.append({
            'name': name,
            'kind': 'kernel',
            'title': title,
            'chain': '',
            'kernel_src': kernel,
            'kernel': kernel_file,
            'initrd_srcs': list(initrds),
            'initrds': initrd_files,
            'cmdline': _cmdline('%s.cmdline' % where, item.get('cmdline')),
            'remote_src': bool(item.get('remote_src', False)),
            'dir': 'entries/%s' % name,
        })
    if default:
        if default not in names:
            raise EntryError('%s %r is not the name of an entry in %s (names: %s)'
                             % (default_var, default, var, ', '.join(sorted(names)) or 'none'))
    return result
