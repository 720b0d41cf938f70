# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The boot menu model: one tree of entries, submenus, text lines and local boot.

``validate`` checks a user's menu against the boot entries; ``project`` cuts it
down to what one client architecture can boot (an amd64 kernel is never shown to
an arm64 client, a submenu left empty disappears). The renderers in ``_render``
turn the projected tree into iPXE, PXELINUX and GRUB menus. Private to the collection.
"""

from __future__ import annotations

from ansible_collections.netboot.pxe.plugins.module_utils import _bootstr

LOCAL = 'local'
DEFAULT_TITLE = 'netboot.pxe'
LOCAL_TITLE = 'Boot from local disk'
_MENU_KEYS = {'title', 'timeout', 'default', 'items'}
_MAX_DEPTH = 4
_MAX_TITLE = 200


class MenuError(ValueError):
    """A menu that cannot be rendered."""


def _title(where, value):
    if not isinstance(value, str) or not value.strip():
        raise MenuError('%s must be a non-empty string, got %r' % (where, value))
    if len(value) > _MAX_TITLE:
        raise MenuError('%s is %d characters long; menu lines hold at most %d' % (where, len(value), _MAX_TITLE))
    try:
        return _bootstr.menu_text(value, where)
    except _bootstr.BootStringError as exc:
        raise MenuError('%s: %s' % (where, exc))


def _key(where, value):
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 1 or not value.isalnum() or not value.isascii():
        raise MenuError('%s must be one letter or digit, got %r' % (where, value))
    return value.lower()


def _items(where, items, names, depth, used):
    if not isinstance(items, (list, tuple)):
        raise MenuError('%s must be a list of menu items, got %r' % (where, items))
    result = []
    for index, item in enumerate(items):
        here = '%s[%d]' % (where, index)
        if isinstance(item, str):
            item = {LOCAL: True} if item == LOCAL else {'entry': item}
        if not isinstance(item, dict):
            raise MenuError('%s must be an entry name, "local" or a dict with entry, menu, text or local; got %r' % (here, item))
        kinds = [kind for kind in ('entry', 'menu', 'text', LOCAL) if kind in item]
        if len(kinds) != 1:
            raise MenuError('%s must have exactly one of entry, menu, text, local; got keys %s'
                            % (here, ', '.join(sorted(str(key) for key in item)) or 'none'))
        kind = kinds[0]
        allowed = {'entry': {'entry', 'title', 'key'}, 'menu': {'menu', 'items', 'key'}, 'text': {'text'},
                   LOCAL: {LOCAL, 'title', 'key'}}[kind]
        unknown = set(item) - allowed
        if unknown:
            raise MenuError('%s has unknown keys %s (a %s item takes %s)'
                            % (here, ', '.join(sorted(str(key) for key in unknown)), kind, ', '.join(sorted(allowed))))
        key = _key('%s.key' % here, item.get('key'))
        if kind == 'entry':
            name = item['entry']
            if not isinstance(name, str):
                raise MenuError('%s.entry must be the name of an entry (a string), got %s %r'
                                % (here, type(name).__name__, name))
            if name not in names:
                raise MenuError('%s.entry %r is not the name of an entry (names: %s)'
                                % (here, name, ', '.join(sorted(names)) or 'none'))
            if name in used:
                raise MenuError('%s.entry %r is already in the menu at %s; list each entry once' % (here, name, used[name]))
            used[name] = here
            title = _title('%s.title' % here, item['title']) if 'title' in item else None
            result.append({'type': 'entry', 'name': name, 'title': title, 'key': key})
        elif kind == LOCAL:
            if LOCAL in used:
                raise MenuError('%s: local boot is already in the menu at %s' % (here, used[LOCAL]))
            used[LOCAL] = here
            if item[LOCAL] is not True:
                raise MenuError('%s.local must be true, got %r' % (here, item[LOCAL]))
            result.append({'type': LOCAL, 'title': _title('%s.title' % here, item.get('title', LOCAL_TITLE)), 'key': key})
        elif kind == 'text':
            result.append({'type': 'text', 'title': _title('%s.text' % here, item['text'])})
        else:
            if depth >= _MAX_DEPTH:
                raise MenuError('%s: submenus nest at most %d deep' % (here, _MAX_DEPTH))
            if 'items' not in item:
                raise MenuError('%s.items is required: the entries of submenu %r' % (here, item['menu']))
            result.append({'type': 'menu', 'title': _title('%s.menu' % here, item['menu']), 'key': key,
                           'items': _items('%s.items' % here, item['items'], names, depth + 1, used)})
    return result


def validate(menu, entry_names, var='server_menu'):
    """Validate a menu against the entry names; return the normalized model.

    ``menu`` is a dict: title, timeout (seconds, 0 boots the default at once
    without showing a menu), default (entry name or "local"; per-architecture
    defaults of the server win), items (entry names, ``local``, or dicts with
    ``entry``/``menu``+``items``/``text``/``local``). Without items the menu
    lists every entry and then local boot.
    """
    if menu is None:
        menu = {}
    if not isinstance(menu, dict):
        raise MenuError('%s must be a dict with title, timeout, default and items, got %r' % (var, menu))
    unknown = set(menu) - _MENU_KEYS
    if unknown:
        raise MenuError('%s has unknown keys %s (allowed: %s)' % (var, ', '.join(sorted(str(key) for key in unknown)), ', '.join(sorted(_MENU_KEYS))))
    names = list(entry_names)
    if LOCAL in names:
        raise MenuError('%s: an entry is named %r, which the menu reserves for booting from the local disk; rename it' % (var, LOCAL))
    timeout = menu.get('timeout', 0)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 0 <= timeout <= 3600:
        raise MenuError('%s.timeout must be whole seconds from 0 (boot the default at once) to 3600, got %r' % (var, timeout))
    items = menu.get('items')
    if items is None:
        items = names + [LOCAL]
    used = {}
    tree = _items('%s.items' % var, items, set(names), 1, used)
    default = menu.get('default') or None
    if default is not None and default not in used:
        raise MenuError('%s.default %r is not in the menu (its items: %s)'
                        % (var, default, ', '.join(sorted(used)) or 'none'))
    return {'title': _title('%s.title' % var, menu.get('title', DEFAULT_TITLE)), 'timeout': timeout,
            'default': default, 'items': tree}


def project(items, available):
    """The items a client can boot: entries in ``available`` (a set of names), text, local; empty submenus dropped."""
    result = []
    for item in items:
        if item['type'] == 'entry':
            if item['name'] in available:
                result.append(item)
        elif item['type'] == 'menu':
            inner = project(item['items'], available)
            if any(child['type'] != 'text' for child in inner):
                result.append(dict(item, items=inner))
        else:
            result.append(item)
    return result


def targets(items, path=()):
    """Bootable targets of a projected tree in menu order: [(name or "local", path of submenu indexes)]."""
    found = []
    for index, item in enumerate(items):
        if item['type'] == 'entry':
            found.append((item['name'], path))
        elif item['type'] == LOCAL:
            found.append((LOCAL, path))
        elif item['type'] == 'menu':
            found.extend(targets(item['items'], path + (index,)))
    return found


def choose_default(items, wanted):
    """The target booted after the timeout: ``wanted`` (entries first choice first) if shown, else the first target."""
    shown = dict(targets(items))
    for name in wanted:
        if name and name in shown:
            return name, shown[name]
    listed = targets(items)
    return listed[0] if listed else (None, ())
