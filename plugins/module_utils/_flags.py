# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Strict booleans for flags users set from YAML, extra vars (``-e flag=false``) or INI inventories.

Python's ``bool("false")`` is True, and so is Jinja's ``{% if "no" %}``: a flag given as a string would
turn on what the user turned off. ``to_bool`` accepts the spellings Ansible documents for booleans and
refuses everything else with the variable's name. Private to the collection.
"""

from __future__ import annotations

TRUE = ('true', 'yes', 'on', '1')
FALSE = ('false', 'no', 'off', '0')


class FlagError(ValueError):
    """A value that is not a boolean."""


def to_bool(value, name):
    """True or False for ``value``; FlagError naming ``name`` for anything else.

    Accepted: True/False, the integers 1/0, and the strings true/false, yes/no, on/off, 1/0 in any
    case (surrounding spaces are ignored: an INI inventory or a folded YAML scalar may carry them).
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
    raise FlagError('%s: must be a boolean (true/false, yes/no, on/off or 1/0), got %s %r'
                    % (name, type(value).__name__, value))


def flags(settings, names, prefix, defaults=None):
    """{name: bool} for each of ``names`` read from ``settings`` (unset or None: ``defaults``' value, else False).

    Errors name the user's variable, ``prefix`` + name (or ``name`` itself when it already carries the prefix).
    """
    defaults = defaults or {}
    result = {}
    for key in names:
        value = settings.get(key)
        if value is None:
            value = defaults.get(key, False)
        result[key] = to_bool(value, key if key.startswith(prefix) else prefix + key)
    return result
