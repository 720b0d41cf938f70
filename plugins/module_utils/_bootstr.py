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
# iPXE's isspace() (src/core/ctype.c): the only characters its tokenizer splits on.
_IPXE_SPACE = re.compile(r'[ \f\n\r\t\v]+')
_PARAM_NAME = re.compile(r'[A-Za-z0-9_.][A-Za-z0-9_.\-/:,]*')
# Bytes the Linux kernel's isspace() (lib/ctype.c) reads as white space: next_arg() ends an unquoted
# parameter at any of them, and 0xa0 is one (it occurs inside UTF-8 encodings such as U+00A0 or U+0420).
_KERNEL_SPACE = frozenset(b' \t\n\x0b\x0c\r\xa0')
# Characters GRUB's grub_create_loader_cmdline() (grub-core/lib/cmdline.c) escapes with a backslash: the
# kernel does not unescape them, so a value holding one reaches the kernel changed.
_GRUB_ESCAPED = ('\\', "'", '"')
# Bytes of a UTF-8 character the kernel's parser cut in two, as kernel_params() returns them.
_SURROGATE = re.compile('[\udc80-\udcff]')


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
    tokens = ipxe_tokens(text)
    if single and len(tokens) != 1:
        raise BootStringError('iPXE value %r must be a single word with no whitespace' % (text,))
    for token in tokens:
        if token in _IPXE_TERMINATORS or token.startswith('#'):
            raise BootStringError('iPXE argument %r contains the token %r, which iPXE reads as a '
                                  'command separator or comment' % (text, token))
    text = text.strip(' ')
    if text.endswith('\\'):
        # src/image/script.c joins a line ending in a backslash with the next line of the script.
        raise BootStringError('iPXE argument %r ends with a backslash, which makes iPXE join the next line of '
                              'the script to this one; remove it or add text after it' % (text,))
    return text


def ipxe_tokens(text):
    """The words iPXE's split_command() (src/core/exec.c) makes of ``text``."""
    return [token for token in _IPXE_SPACE.split(text) if token]


def menu_text(value, what):
    """A title or text line for every loader's menu: checked as for iPXE, runs of spaces made one.

    iPXE's ``menu``, ``item`` and ``echo`` join their words with single spaces (``concat_args``), so
    the text every loader shows is the one iPXE shows.
    """
    text = ipxe_escape(value)
    if not text:
        raise BootStringError('%s %r is blank; give it some text' % (what, value))
    return ' '.join(ipxe_tokens(text))


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
    if text == '' or re.search(r'\s', text) or _KERNEL_SPACE.intersection(text.encode('utf-8')):
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
        if not isinstance(name, str) or not _PARAM_NAME.fullmatch(name):
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


def cmdline(value, what='cmdline'):
    """A kernel command line (string, or dict/list for ``kernel_cmdline``) as iPXE and PXELINUX pass it on.

    Refused: what iPXE would misread (``ipxe_escape``), an unmatched double quote (the kernel's quote would
    run on into the next parameters, such as a host's own) and runs of spaces inside a quoted value (iPXE
    joins the words of its ``kernel`` line with single spaces, so the value would arrive changed).
    """
    try:
        raw = value if isinstance(value, str) else kernel_cmdline(value)
        text = ipxe_escape(raw)
    except BootStringError as exc:
        raise BootStringError('%s: %s' % (what, exc))
    if text == '-':
        # PXELINUX (com32/menu/readconfig.c) reads "APPEND -" as "no command line".
        raise BootStringError('%s: a command line of just "-" would reach no kernel through PXELINUX, which reads '
                              '"APPEND -" as no command line; leave it empty instead' % what)
    if text.count('"') % 2:
        raise BootStringError('%s: %r has an unmatched double quote; the kernel would read every parameter after it '
                              'as part of one value' % (what, text))
    if not kernel_params(raw) == kernel_params(text) == kernel_params(' '.join(ipxe_tokens(text))):
        raise BootStringError('%s: %r has a quoted value with a tab or a run of spaces; iPXE passes its words to the '
                              'kernel joined by single spaces, so the value would arrive changed: use single spaces'
                              % (what, raw))
    for name, val in kernel_params(text):
        if _SURROGATE.search(name + (val or '')):
            raise BootStringError('%s: %r holds a character whose UTF-8 bytes include 0xa0, which the kernel reads as a '
                                  'space: it would split the character; put the value in double quotes' % (what, raw))
    return text


def kernel_params(text):
    """[(name, value or None)] as the Linux kernel's parse_args() reads a command line (lib/cmdline.c next_arg()).

    A parameter ends at unquoted white space (the kernel's isspace(), bytewise); a double quote anywhere
    toggles quoting; quotes around the whole parameter or around its value are dropped, others are kept.
    """
    data = text.encode('utf-8')
    params = []
    pos = 0
    while True:
        while pos < len(data) and data[pos] in _KERNEL_SPACE:
            pos += 1
        if pos >= len(data):
            return params
        quoted = data[pos:pos + 1] == b'"'
        start = pos + 1 if quoted else pos
        in_quote = quoted
        equals = 0
        index = start
        while index < len(data):
            char = data[index]
            if char in _KERNEL_SPACE and not in_quote:
                break
            if equals == 0 and char == ord('='):
                equals = index - start
            if char == ord('"'):
                in_quote = not in_quote
            index += 1
        arg = bytearray(data[start:index])
        length = len(arg)
        value_at = None
        if equals:
            arg[equals] = 0
            value_at = equals + 1
            if arg[value_at:value_at + 1] == b'"':
                value_at += 1
                if length and arg[length - 1] == ord('"'):
                    arg[length - 1] = 0
        if quoted and length and arg[length - 1] == ord('"'):
            arg[length - 1] = 0
        name = bytes(arg).split(b'\0', 1)[0].decode('utf-8', 'surrogateescape')
        value = None
        if value_at is not None:
            value = bytes(arg[value_at:]).split(b'\0', 1)[0].decode('utf-8', 'surrogateescape')
        params.append((name, value))
        pos = index + 1 if index < len(data) else index


def grub_loader_cmdline(words):
    """The command line GRUB hands the kernel for ``linux <file> <words>`` (grub-core/lib/cmdline.c)."""
    out = []
    for word in words:
        escaped = ''.join('\\' + char if char in _GRUB_ESCAPED else char for char in word)
        out.append('"%s"' % escaped if ' ' in word else escaped)
    return ' '.join(out)


def grub_linux_words(text, what='cmdline'):
    """One GRUB word per kernel parameter of the command line ``text``, so each arrives as the kernel reads ``text``.

    GRUB quotes a word that holds a space and backslash-escapes ``"``, ``'`` and ``\\``, which the kernel
    keeps; such values, and unquoted white space GRUB does not see (byte 0xa0), are refused.
    """
    words = []
    for name, value in kernel_params(text):
        word = name if value is None else '%s=%s' % (name, value)
        if not word:
            continue
        for char in _GRUB_ESCAPED:
            if char in word:
                raise BootStringError('%s: kernel parameter %r holds %r, which GRUB passes to the kernel as %r (it '
                                      'backslash-escapes \\, \' and " and the kernel keeps the backslash); remove it for '
                                      'clients booted by GRUB' % (what, word, char, '\\' + char))
        if ' ' not in word and _KERNEL_SPACE.intersection(word.encode('utf-8', 'surrogateescape')):
            raise BootStringError('%s: kernel parameter %r holds a character whose UTF-8 bytes the kernel reads as a '
                                  'space (0xa0), and GRUB quotes only words with a plain space; remove it for clients '
                                  'booted by GRUB' % (what, word))
        words.append(word)
    if kernel_params(grub_loader_cmdline(words)) != [item for item in kernel_params(text) if item != ('', None)]:
        raise BootStringError('%s: %r cannot pass through GRUB to the kernel unchanged' % (what, text))
    return words
