# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.netboot.pxe.plugins.module_utils import _bootstr


def ipxe_tokens(line):
    """What iPXE's split_command() and command_terminator() see: tokens split at iPXE's isspace() (src/core/ctype.c).

    Not str.split(): that also splits at U+00A0, U+2028 and other Unicode spaces, which iPXE reads as text.
    """
    return [token for token in re.split('[ \f\n\r\t\v]+', line) if token]


def grub_unquote(word):
    """Minimal reader for GRUB/POSIX single-quoted words joined with backslash-escaped quotes."""
    out, i = [], 0
    while i < len(word):
        if word[i] == "'":
            j = word.index("'", i + 1)
            out.append(word[i + 1:j])
            i = j + 1
        elif word[i] == '\\':
            out.append(word[i + 1])
            i += 2
        else:
            raise AssertionError('unquoted character in %r' % word)
    return ''.join(out)


def test_ipxe_escape_passes_plain_arguments():
    assert _bootstr.ipxe_escape('console=ttyS0,115200 quiet') == 'console=ttyS0,115200 quiet'
    assert _bootstr.ipxe_escape('a\tb') == 'a b'
    assert _bootstr.ipxe_escape('http://10.0.0.1/boot.ipxe', single=True) == 'http://10.0.0.1/boot.ipxe'
    assert _bootstr.ipxe_escape('${base}/vmlinuz', allow_settings=True) == '${base}/vmlinuz'
    assert _bootstr.ipxe_escape('a#b') == 'a#b'  # only a token *starting* with # is a comment


@pytest.mark.parametrize('value,message', [
    ('quiet || shell', 'command separator'), ('a ; b', 'command separator'), ('x && y', 'command separator'),
    ('quiet #comment', 'comment'), ('root=${root}', 'expand'), ('two\nlines', 'control character'),
    ('has space', 'single word'), (None, 'must be a string'), (True, 'must be a string'),
    # Bytes that are not UTF-8, as Python carries them (surrogateescape): never written into a boot script.
    (b'Men\xfc \xff'.decode('utf-8', 'surrogateescape'), 'not UTF-8 text'),
])
def test_ipxe_escape_rejects(value, message):
    with pytest.raises(_bootstr.BootStringError, match=message):
        _bootstr.ipxe_escape(value, single=(value == 'has space'))


@given(st.text(alphabet=st.characters(blacklist_categories=('Cc', 'Cs')), max_size=40))
def test_ipxe_escape_output_tokenizes_to_the_input_words(text):
    try:
        out = _bootstr.ipxe_escape(text)
    except _bootstr.BootStringError:
        return
    tokens = ipxe_tokens(out)
    assert tokens == ipxe_tokens(text)
    assert '${' not in out and not out.endswith('\\')
    assert not any(t in ('||', '&&', ';') or t.startswith('#') for t in tokens)


@pytest.mark.parametrize('value,expected', [
    ('Debian 12', "'Debian 12'"), ("John's lab", "'John'\\''s lab'"), ('$prefix', "'$prefix'"), ('', "''"),
])
def test_grub_quote_examples(value, expected):
    assert _bootstr.grub_quote(value) == expected


def test_grub_quote_rejects_newline():
    with pytest.raises(_bootstr.BootStringError, match='control character'):
        _bootstr.grub_quote('menuentry\n}')


def test_grub_quote_rejects_bytes_that_are_not_utf8():
    with pytest.raises(_bootstr.BootStringError, match='not UTF-8 text'):
        _bootstr.grub_quote('Debian \udcff')


@given(st.text(alphabet=st.characters(blacklist_categories=('Cc', 'Cs')), max_size=40))
def test_grub_quote_round_trip(text):
    assert grub_unquote(_bootstr.grub_quote(text)) == text


def test_kernel_cmdline_from_dict():
    params = {'console': ['tty0', 'ttyS0,115200n8'], 'auto': True, 'priority': 'critical',
              'quiet': False, 'debug': None, 'panic': -1, 'hostname': 'my host'}
    assert _bootstr.kernel_cmdline(params) == \
        'console=tty0 console=ttyS0,115200n8 auto priority=critical panic=-1 hostname="my host"'


def test_kernel_cmdline_from_list():
    assert _bootstr.kernel_cmdline(['ip=dhcp', 'quiet', {'initrd': 'initrd.gz'}, 'empty=']) == \
        'ip=dhcp quiet initrd=initrd.gz empty=""'


@pytest.mark.parametrize('params,message', [
    ({'a': 'x"y'}, 'double quote'), ({'a b': 1}, 'invalid kernel parameter name'), ({'': 1}, 'invalid'),
    ({'a': {'b': 1}}, 'unusable value'), ({'a': 'x\ny'}, 'control character'), ('quiet', 'dict or a list'),
    ([1], 'strings or dicts'), ({'a': [None, {'x': 1}]}, 'unusable value'),
    ({'label': b'\xff\xfe'.decode('utf-8', 'surrogateescape')}, "kernel parameter 'label' value .* is not UTF-8 text"),
])
def test_kernel_cmdline_rejects(params, message):
    with pytest.raises(_bootstr.BootStringError, match=message):
        _bootstr.kernel_cmdline(params)


PARAM_NAME = st.from_regex(r'\A[a-z_][a-z0-9_.\-]{0,10}\Z')
PARAM_VALUE = st.one_of(
    st.booleans(), st.integers(),
    st.text(alphabet=st.characters(blacklist_categories=('Cc', 'Cs'), blacklist_characters='"'), max_size=12),
)


def kernel_parse(cmdline):
    """The kernel's next_arg(): split on spaces outside double quotes, strip the quotes."""
    args, cur, quoted = [], '', False
    for ch in cmdline + ' ':
        if ch == '"':
            quoted = not quoted
        elif ch.isspace() and not quoted:
            if cur:
                args.append(cur)
            cur = ''
        else:
            cur += ch
    return args


@given(st.dictionaries(PARAM_NAME, PARAM_VALUE, max_size=6))
def test_kernel_cmdline_parses_back(params):
    expected = []
    for name, value in params.items():
        if value is True:
            expected.append(name)
        elif value is not False:
            expected.append('%s=%s' % (name, value))
    assert kernel_parse(_bootstr.kernel_cmdline(params)) == [e for e in expected if e.strip()]
