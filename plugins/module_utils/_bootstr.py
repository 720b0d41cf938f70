# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Strings that end up inside boot-loader scripts: iPXE, GRUB, kernel command lines.

Each function either returns text that the loader reads back exactly as meant,
or raises BootStringError naming the value. Private to the collection.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r'[\x00-\x08\x0a-\x1f\x7f]')
_IPXE_TERMINATORS = ('||', '&&', ';')
_PARAM_NAME = re.compile(r'^[A-Za-z0-9_.][A-Za-z0-9_.\-/:,]*$')


class BootStringError(ValueError):
    """A string that a boot loader would misread."""


def _check_text(value, what):
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list, tuple)):
        raise BootStringError('%s must be a string, got %s %r' % (what, type(value).__name__, value))
    text = str(value)
    bad = _CONTROL.search(text)
    if bad:
        raise BootStringError('%s %r contains the control character %r; boot scripts are line based'
                              % (what, text, bad.group()))
    try:
        text.encode('utf-8')
    except UnicodeEncodeError as exc:
        # Bytes that were not UTF-8 arrive as lone surrogates (surrogateescape); written out they would
        # put raw bytes into the boot scripts.
        raise BootStringError('%s %r is not UTF-8 text (the byte at position %d is not UTF-8); boot scripts are UTF-8'
                              % (what, text, exc.start))
    return text


def ipxe_escape(value, allow_settings=False, single=False):
    """Check that ``value`` survives iPXE's command tokenizer unchanged.

    iPXE has no quoting: it splits on whitespace, treats ``||``, ``&&`` and
    ``;`` tokens as command separators and ``#`` tokens as comments, and
    expands ``${...}``. A value that would be reinterpreted raises; tabs are
    turned into spaces. ``single`` demands one token (no whitespace), for a
    URL or a setting value. ``allow_settings`` permits ``${name}`` references.
    """
    text = _check_text(value, 'iPXE argument').replace('\t', ' ')
    if not allow_settings and '${' in text:
        raise BootStringError('iPXE argument %r contains "${", which iPXE would expand as a setting; '
                              'iPXE has no way to escape it' % (text,))
    tokens = text.split()
    if single and len(tokens) != 1:
        raise BootStringError('iPXE value %r must be a single word with no whitespace' % (text,))
    for token in tokens:
        if token in _IPXE_TERMINATORS or token.startswith('#'):
            raise BootStringError('iPXE argument %r contains the token %r, which iPXE reads as a '
                                  'command separator or comment' % (text, token))
    return text.strip()


def grub_quote(value):
    """Quote ``value`` as one GRUB script word (single quotes, POSIX style)."""
    text = _check_text(value, 'GRUB string')
    return "'" + text.replace("'", "'\\''") + "'"


def _cmdline_value(name, value):
    if isinstance(value, (dict, list, tuple)) or value is None or isinstance(value, bool):
        raise BootStringError('kernel parameter %r has an unusable value %r' % (name, value))
    text = _check_text(value, 'kernel parameter %r value' % name)
    if '"' in text:
        raise BootStringError('kernel parameter %r value %r contains a double quote; the kernel '
                              'command line cannot escape it' % (name, text))
    if text == '' or re.search(r'\s', text):
        return '%s="%s"' % (name, text)
    return '%s=%s' % (name, text)


def _cmdline_items(params):
    if isinstance(params, dict):
        return list(params.items())
    if isinstance(params, (list, tuple)):
        items = []
        for item in params:
            if isinstance(item, dict):
                items.extend(item.items())
            elif isinstance(item, str):
                name, sep, val = item.partition('=')
                items.append((name, val if sep else True))
            else:
                raise BootStringError('kernel command line list items must be strings or dicts, got %r'
                                      % (item,))
        return items
    raise BootStringError('kernel command line must be a dict or a list, got %s %r'
                          % (type(params).__name__, params))


def kernel_cmdline(params):
    """Render kernel parameters as one command-line string.

    ``params`` is a dict (order kept) or a list of ``"name=value"`` strings,
    bare flags and dicts. ``True`` gives a bare flag, ``False``/``None`` drops
    the parameter, a list repeats it (``console: [tty0, ttyS0]``), values with
    spaces are double-quoted.
    """
    words = []
    for name, value in _cmdline_items(params):
        if not isinstance(name, str) or not _PARAM_NAME.match(name):
            raise BootStringError('invalid kernel parameter name %r: use letters, digits and . _ - / : ,'
                                  % (name,))
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if item is True:
                words.append(name)
            elif item is False or item is None:
                continue
            else:
                words.append(_cmdline_value(name, item))
    return ' '.join(words)
