# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Arbitrary text in every user-settable string must never change the commands of a boot script.

Each loader is modelled here from its own source, as small readers:

- iPXE v2.0.0: line assembly with backslash continuation and CR stripping (src/image/script.c), labels,
  whitespace tokens (src/core/exec.c split_command, isspace of src/core/ctype.c), "#" comments and the
  "||", "&&", ";" terminators (command_terminator), getopt that stops at the first non-option and at "--"
  (src/core/getopt.c) with the options of each command (src/hci/commands/*.c), and concat_args.
- GRUB: the script lexer (grub-core/script/yylex.l: blanks, comments, single and double quotes, backslash,
  "$" variables, ";", "|", "&", "<", ">", "{", "}" and newlines), menuentry's option parsing with "--"
  (grub-core/lib/arg.c, GRUB_COMMAND_ACCEPT_DASH) and the kernel command line GRUB builds from the words of
  ``linux`` (grub-core/lib/cmdline.c).
- PXELINUX: fgets() lines of at most 4095 bytes cut at the first CR, leading bytes <= 0x20 skipped, a
  keyword (or "MENU <keyword>") and the rest of the line (com32/menu/readconfig.c).
- Linux: next_arg() of lib/cmdline.c (``_bootstr.kernel_params``, checked against known cases here).

For each setting, a site with a hostile value renders to exactly the commands of the same site with a
plain value (same labels, commands, options, terminators), and the value arrives intact where the loader
shows or passes it; or the value is refused with ServerError/HostError naming the setting.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.netboot.pxe.plugins.module_utils import _bootstr, _hosts, _render, _server

# ---------------------------------------------------------------------------------------------- iPXE model

IPXE_SPACE = ' \f\n\r\t\v'
# Options of the commands the renderer writes: name -> (short letter, takes an argument).
IPXE_OPTIONS = {
    'menu': {'name': ('n', True), 'delete': ('d', False)},
    'item': {'menu': ('m', True), 'form': ('f', True), 'key': ('k', True), 'default': ('d', False),
             'secret': ('s', False), 'gap': ('g', False)},
    'choose': {'menu': ('m', True), 'default': ('d', True), 'timeout': ('t', True), 'retimeout': ('r', True),
               'keep': ('k', False)},
    'echo': {'n': ('n', False)},
    'kernel': {'name': ('n', True), 'timeout': ('t', True), 'autofree': ('a', False), 'replace': ('r', False)},
    'initrd': {'name': ('n', True), 'timeout': ('t', True), 'autofree': ('a', False), 'replace': ('r', False)},
    'chain': {'name': ('n', True), 'timeout': ('t', True), 'autofree': ('a', False), 'replace': ('r', False)},
    'sanboot': {'drive': ('d', True), 'no-describe': ('n', False), 'keep': ('k', False), 'filename': ('f', True),
                'extra': ('e', True), 'label': ('l', True), 'uuid': ('u', True)},
}


class LoaderError(AssertionError):
    """The modelled loader would refuse the script (an unknown option, an unclosed quote)."""


def ipxe_lines(text):
    """(label, command text) per line, as script.c assembles them: CR stripped, a final backslash joins the next."""
    lines, buf, offset = [], '', 0
    while True:
        eol = text.find('\n', offset)
        fragment = text[offset:] if eol < 0 else text[offset:eol]
        buf += fragment
        offset += len(fragment) + 1
        if buf.endswith('\r'):
            buf = buf[:-1]
        if buf.endswith('\\'):
            buf = buf[:-1]
            if offset < len(text):
                continue
            break
        command = buf.lstrip(IPXE_SPACE)
        label = None
        if command.startswith(':'):
            match = re.match(r':([^ \f\n\r\t\v]*)[ \f\n\r\t\v]?', command)
            label, command = match.group(1), command[match.end():]
        lines.append((label, command))
        buf = ''
        if offset >= len(text):
            break
    return lines


def ipxe_commands(command):
    """[(tokens, terminator)] of one line: whitespace tokens, "#" token ends the line, "||" "&&" ";" split it."""
    tokens = [token for token in re.split('[ \f\n\r\t\v]+', command) if token]
    commands, current = [], []
    for token in tokens:
        if token.startswith('#'):
            break
        if token in ('||', '&&', ';'):
            commands.append((current, token))
            current = []
        else:
            current.append(token)
    if current:
        commands.append((current, None))
    return commands


def ipxe_getopt(argv):
    """(options, positional args) as iPXE's getopt_long reads them: it stops at the first non-option and after "--"."""
    table = IPXE_OPTIONS.get(argv[0], {})
    shorts = dict((short, (name, arg)) for name, (short, arg) in table.items())
    options, index = [], 1
    while index < len(argv):
        arg = argv[index]
        if not arg.startswith('-'):
            break
        if arg == '--':
            index += 1
            break
        if arg.startswith('--'):
            name, eq, value = arg[2:].partition('=')
            if name not in table:
                raise LoaderError('iPXE: unrecognised option %r in %r' % (arg, argv))
            if table[name][1] and not eq:
                index += 1
                if index >= len(argv):
                    raise LoaderError('iPXE: option %r needs an argument' % arg)
                value = argv[index]
            options.append((name, value if table[name][1] else None))
            index += 1
            continue
        rest = arg[1:]
        while rest:
            if rest[0] not in shorts:
                raise LoaderError('iPXE: unrecognised option "-%s" in %r' % (rest[0], argv))
            name, takes = shorts[rest[0]]
            if takes:
                value = rest[1:]
                if not value:
                    index += 1
                    if index >= len(argv):
                        raise LoaderError('iPXE: option -%s needs an argument' % rest[0])
                    value = argv[index]
                options.append((name, value))
                break
            options.append((name, None))
            rest = rest[1:]
        index += 1
    return options, argv[index:]


def ipxe_program(text):
    """Skeleton (labels, commands, options, terminators, structural words) and the free texts of an iPXE script."""
    skeleton, free = [], []
    for label, line in ipxe_lines(text):
        commands = ipxe_commands(line)
        if label is not None:
            skeleton.append((':', label))
        for argv, terminator in commands:
            options, args = ipxe_getopt(argv)
            command = argv[0]
            # The free texts: menu titles, item texts after their label, echo texts, kernel arguments after the URL.
            if command in ('menu', 'echo') or (command == 'item' and ('gap', None) in options):
                fixed, text_args = [], args
            elif command in ('item', 'kernel'):
                fixed, text_args = args[:1], args[1:]
            else:
                fixed, text_args = args, []
            skeleton.append((command, tuple(options), tuple(fixed), terminator))
            free.append((command, tuple(fixed), ' '.join(text_args)))
    return skeleton, free


# ---------------------------------------------------------------------------------------------- GRUB model

GRUB_MENU_OPTIONS = {'class': True, 'users': True, 'hotkey': True, 'source': True, 'id': True, 'unrestricted': False}


def _grub_variable(text, index, parts):
    """A GRUB variable reference at ``text[index]`` (outside single quotes): a marker in ``parts``; the index after it."""
    match = re.match(r'\$(\{?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?#*@])\}?', text[index:])
    if not match:
        raise LoaderError('GRUB: bad variable')
    parts.append('\x00$%s\x00' % match.group(2))
    return index + match.end()


def grub_tokens(text):
    """GRUB's lexer: ('WORD', value) with "$name" kept as a marker, ('OP', ...) for separators and braces."""
    tokens, index, size = [], 0, len(text)
    while index < size:
        char = text[index]
        if char in ' \t':
            index += 1
        elif char == '\n':
            tokens.append(('OP', '\n'))
            index += 1
        elif char == '#':
            end = text.find('\n', index)
            index = size if end < 0 else end
        elif char in '{}':
            tokens.append(('OP', char))
            index += 1
        elif text.startswith(('||', '&&', ';;'), index):
            tokens.append(('OP', text[index:index + 2]))
            index += 2
        elif char in '|&;<>':
            tokens.append(('OP', char))
            index += 1
        else:
            parts = []
            while index < size and text[index] not in ' \t\n{}|&;<>':
                char = text[index]
                if char == "'":
                    end = text.find("'", index + 1)
                    if end < 0:
                        raise LoaderError('GRUB: unclosed single quote')
                    parts.append(text[index + 1:end])
                    index = end + 1
                elif char == '"':
                    index += 1
                    while True:
                        if index >= size:
                            raise LoaderError('GRUB: unclosed double quote')
                        char = text[index]
                        if char == '"':
                            index += 1
                            break
                        if char == '\\' and text[index + 1:index + 2] in ('$', '\\', '"'):
                            parts.append(text[index + 1])
                            index += 2
                        elif char == '\\' and text[index + 1:index + 2] == '\n':
                            index += 2
                        elif char == '$':
                            index = _grub_variable(text, index, parts)
                        else:
                            parts.append(char)
                            index += 1
                elif char == '\\':
                    if text[index + 1:index + 2] != '\n':
                        parts.append(text[index + 1:index + 2])
                    index += 2
                elif char == '$':
                    index = _grub_variable(text, index, parts)
                else:
                    parts.append(char)
                    index += 1
            tokens.append(('WORD', ''.join(parts)))
    return tokens


def grub_menu_args(words):
    """(options, positional) of menuentry/submenu: grub_arg_parse with GRUB_COMMAND_ACCEPT_DASH."""
    options, positional, index = [], [], 1
    while index < len(words):
        arg = words[index]
        if not arg.startswith('-') or len(arg) == 1 or not arg.startswith('--'):
            # menuentry has no short options: with ACCEPT_DASH a "-x" word is an argument.
            positional.append(arg)
        elif arg == '--':
            positional.extend(words[index + 1:])
            break
        else:
            name, eq, value = arg[2:].partition('=')
            if name not in GRUB_MENU_OPTIONS:
                positional.append(arg)
            else:
                if GRUB_MENU_OPTIONS[name] and not eq:
                    index += 1
                    if index >= len(words) or words[index].startswith('-'):
                        raise LoaderError('GRUB: missing mandatory option for %s' % arg)
                    value = words[index]
                options.append((name, value if GRUB_MENU_OPTIONS[name] else None))
        index += 1
    return options, positional


def grub_program(text):
    """Skeleton and free texts (titles; the kernel command line of each linux line) of a GRUB script."""
    skeleton, free, words = [], [], []

    def flush():
        if not words:
            return
        if words[0] in ('menuentry', 'submenu'):
            options, positional = grub_menu_args(words)
            skeleton.append((words[0], tuple(options), len(positional)))
            free.append((words[0], dict(options).get('id'), positional[0] if positional else None))
        elif words[0] == 'linux':
            skeleton.append(('linux', words[1]))
            free.append(('linux', words[1], _bootstr.grub_loader_cmdline(words[2:])))
        else:
            skeleton.append(tuple(words))
        del words[:]

    for kind, value in grub_tokens(text):
        if kind == 'WORD':
            words.append(value)
        else:
            flush()
            if value != '\n':
                skeleton.append(value)
    flush()
    return skeleton, free


# ------------------------------------------------------------------------------------------ PXELINUX model

def pxelinux_program(text):
    """Skeleton and free texts (MENU LABEL/TITLE, APPEND) of a PXELINUX configuration."""
    skeleton, free = [], []
    for raw in text.encode('utf-8').split(b'\n'):
        # fgets(line, 4096): a longer line comes back in pieces, each read as a line of its own.
        for start in range(0, max(len(raw), 1), 4095):
            line = raw[start:start + 4095].split(b'\r', 1)[0]
            line = line.lstrip(bytes(range(0, 33))).decode('utf-8', 'replace')
            if not line or line.startswith('#'):
                continue
            match = re.match(r'(menu[\x00- ]+)?([^\x00- ]+)[\x00- ]*', line, re.I)
            keyword = (('menu ' if match.group(1) else '') + match.group(2)).lower()
            rest = line[match.end():]
            if keyword in ('menu label', 'menu title', 'append'):
                # Free text; an entry without a command line has no APPEND, so APPEND is not part of the skeleton.
                if keyword != 'append':
                    skeleton.append((keyword,))
                free.append((keyword, rest))
            else:
                skeleton.append((keyword, rest))
    return skeleton, free


# ------------------------------------------------------------------------------------------------- sites

BASE = {
    'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
    'network': '10.77.0.0/24', 'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1',
    'architectures': ['bios', 'efi-x86_64'], 'ipxe_chainload_bios_rom': True,
}
GRUB_PXELINUX = {'bios': 'pxelinux', 'efi-x86_64': 'grub'}
MAC = '52:54:00:aa:00:01'
PLAIN = 'Plain'
# Where each setting's value goes, and the name an error about it must start with.
SETTINGS = {
    'menu_title': 'server_menu.title',
    'submenu': 'server_menu.items[1].menu',
    'text': 'server_menu.items[2].text',
    'entry_title': 'server_entries[0].title',
    'item_title': 'server_menu.items[1].items[0].title',
    'cmdline_value': 'server_entries[0].cmdline',
    'cmdline_string': 'server_entries[1].cmdline',
    'header': None,
}


def server_settings(setting, value, loaders=None):
    values = dict((name, PLAIN) for name in SETTINGS)
    values['cmdline_value'] = 'v'
    values['cmdline_string'] = 'rescue x=1'
    values['header'] = 'Ansible managed'
    values[setting] = value
    if setting == 'entry_title' and not value:
        values['entry_title'] = 'debian'  # an entry without a title shows its name
    entries = [{'name': 'debian', 'title': values['entry_title'], 'kernel': '/k/linux', 'initrd': '/k/initrd.gz',
                'cmdline': {'x': values['cmdline_value'], 'quiet': True}},
               {'name': 'rescue', 'title': 'Rescue', 'kernel': '/r/vmlinuz', 'cmdline': values['cmdline_string']}]
    menu = {'title': values['menu_title'], 'timeout': 5, 'default': 'rescue',
            'items': ['debian', {'menu': values['submenu'], 'items': [{'entry': 'rescue', 'title': values['item_title']}]},
                      {'text': values['text']}, 'local']}
    result = dict(BASE, entries=entries, menu=menu, header=values['header'], default_entry='debian')
    if loaders:
        result['boot_loaders'] = loaders
    return result, values


def plan_or_refusal(setting, value, loaders=None):
    """The site, or None when the value was refused with an error naming its setting."""
    config, values = server_settings(setting, value, loaders)
    try:
        return _server.plan(config)['site'], values
    except _server.ServerError as exc:
        assert SETTINGS[setting] is not None, 'the header is free text and never refused: %s' % exc
        assert str(exc).startswith(SETTINGS[setting]), (setting, str(exc))
        return None, values


def normalized(text):
    """What iPXE's concat_args makes of a title: its words joined by single spaces."""
    return ' '.join(token for token in re.split('[ \f\n\r\t\v]+', text) if token)


def expected_params(values):
    return {'debian': [('x', values['cmdline_value']), ('quiet', None)],
            'rescue': _bootstr.kernel_params(values['cmdline_string'])}


# Text that hits every rule: line breaks (also the Unicode ones), CR, backslash, dashes, quotes, "$", braces,
# iPXE terminators and comments, the kernel's 0xa0 space byte (U+00A0, U+0420), NUL, tabs.
PIECES = ['\n', '\r', '\\', '-', '--', '"', "'", '$', '${x}', '$x', '{', '}', ';', '#', '||', '&&', ' ', '  ', '\t',
          '\u2028', '\u2029', '\u0085', '\x00', '=', '^', 'a', 'b=c', 'é', '\u00a0', '\u0420', ':x']
HOSTILE = st.lists(st.sampled_from(PIECES) | st.text(max_size=3), min_size=1, max_size=8).map(''.join)
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_ipxe(text, plain_text, values, host=None):
    skeleton, free = ipxe_program(text)
    plain_skeleton, plain_free = ipxe_program(plain_text)
    assert skeleton == plain_skeleton
    params = expected_params(values)
    extra = _bootstr.kernel_params(host['cmdline']) if host else []
    echoes = [item[2] for item in plain_free if item[0] == 'echo'] + ['netboot.pxe: ' + normalized(values['entry_title'])]
    for command, fixed, text in free:
        if command == 'menu':
            assert text in (normalized(values['menu_title']), normalized(values['submenu']))
        elif command == 'echo':
            assert text in echoes
        elif command == 'item' and fixed == ('entry-debian',):
            assert text == normalized(values['entry_title'])
        elif command == 'item' and fixed == ('entry-rescue',):
            assert text == normalized(values['item_title'])
        elif command == 'item' and fixed[:1] and fixed[0].startswith('menu-') and text != '< Back':
            assert text == normalized(values['submenu']) + ' >'
        elif command == 'item' and not fixed:
            assert text == normalized(values['text'])
        elif command == 'kernel':
            name = fixed[0].split('/')[2]
            got = [item for item in _bootstr.kernel_params(text) if item[0] != 'initrd']
            assert got == params[name] + extra


def check_grub(text, plain_text, values, host=None):
    params = expected_params(values)
    extra = _bootstr.kernel_params(host['cmdline']) if host else []
    skeleton, free = grub_program(text)
    assert skeleton == grub_program(plain_text)[0]
    titles = {'entry-debian': values['entry_title'], 'entry-rescue': values['item_title'], 'menu-1-1': values['submenu'],
              'text-1-2': values['text'], 'local': 'Boot from local disk'}
    for command, ident, text in free:
        if command == 'linux':
            assert _bootstr.kernel_params(text) == params[ident.split('/')[2]] + extra
        elif ident in titles and not host:
            assert text == normalized(titles[ident])


def check_pxelinux(text, plain_text, values, host=None):
    params = expected_params(values)
    extra = _bootstr.kernel_params(host['cmdline']) if host else []
    skeleton, free = pxelinux_program(text)
    assert skeleton == pxelinux_program(plain_text)[0]
    shown = set(normalized(values[name]) for name in ('menu_title', 'submenu', 'entry_title', 'item_title', 'text'))
    appends = []
    for keyword, text in free:
        if keyword == 'append':
            appends.append(_bootstr.kernel_params(text))
        else:
            assert text in shown | {'Boot from local disk', '< Back', 'Rescue'}
    wanted = [params['debian'] + extra] if host else [params['debian'], params['rescue']]
    assert appends == [item for item in wanted if item]


def plain_value(setting):
    return 'x=1' if setting == 'cmdline_string' else PLAIN


@pytest.mark.parametrize('setting', sorted(SETTINGS))
@FEW
@given(value=HOSTILE)
def test_ipxe_script_holds_exactly_the_intended_commands(setting, value):
    site, values = plan_or_refusal(setting, value)
    if site is None:
        return
    plain_site, _plain = plan_or_refusal(setting, plain_value(setting))
    check_ipxe(_render.ipxe(site), _render.ipxe(plain_site), values)


@pytest.mark.parametrize('setting', sorted(SETTINGS))
@FEW
@given(value=HOSTILE)
def test_grub_and_pxelinux_hold_exactly_the_intended_commands(setting, value):
    site, values = plan_or_refusal(setting, value, GRUB_PXELINUX)
    if site is None:
        return
    plain_site, _plain = plan_or_refusal(setting, plain_value(setting), GRUB_PXELINUX)
    check_grub(_render.grub(site), _render.grub(plain_site), values)
    check_pxelinux(_render.pxelinux(site), _render.pxelinux(plain_site), values)


@pytest.mark.parametrize('loaders', [None, GRUB_PXELINUX])
@FEW
@given(cmdline=HOSTILE, hostname=HOSTILE)
def test_host_files_hold_exactly_the_intended_commands(loaders, cmdline, hostname):
    """A host's cmdline and hostname (in the "# Host ..." comment) through _hosts.validate and _hosts.files."""
    config, values = server_settings('header', 'Ansible managed', loaders)
    site = _server.plan(config)['site']
    plain = _hosts.validate([{'mac': MAC, 'entry': 'debian', 'cmdline': 'y=1', 'hostname': 'plain'}], site)[0]
    try:
        host = _hosts.validate([{'mac': MAC, 'entry': 'debian', 'cmdline': cmdline, 'hostname': hostname}], site)[0]
    except _hosts.HostError as exc:
        assert str(exc).startswith('hosts[0] (%s' % MAC) and (': cmdline' in str(exc) or ': hostname' in str(exc)), str(exc)
        return
    assert _bootstr.kernel_params(host['cmdline']) == _bootstr.kernel_params(cmdline)
    files = dict((name.split('/')[0], text) for (kind, name), text in _hosts.files(site, host).items() if kind == 'boot')
    plain_files = dict((name.split('/')[0], text) for (kind, name), text in _hosts.files(site, plain).items() if kind == 'boot')
    assert sorted(files) == (['grub', 'pxelinux.cfg'] if loaders else ['hosts'])
    if loaders:
        check_grub(files['grub'], plain_files['grub'], values, host)
        check_pxelinux(files['pxelinux.cfg'], plain_files['pxelinux.cfg'], values, host)
    else:
        check_ipxe(files['hosts'], plain_files['hosts'], values, host)


@FEW
@given(serial=HOSTILE)
def test_pxelinux_serial_is_one_serial_directive_or_refused(serial):
    config, _values = server_settings('header', 'x', GRUB_PXELINUX)
    try:
        site = _server.plan(dict(config, pxelinux_serial=serial))['site']
    except _server.ServerError as exc:
        assert str(exc).startswith('server_pxelinux_serial must be')
        return
    skeleton, _free = pxelinux_program(_render.pxelinux(site))
    assert [item for item in skeleton if item[0] == 'serial'] == ([('serial', serial)] if serial else [])
    assert skeleton[0] == ('serial', serial) if serial else skeleton[0][0] != 'serial'
    assert [item for item in skeleton if item[0] != 'serial'] == pxelinux_program(_render.pxelinux(_server.plan(config)['site']))[0]


# --------------------------------------------------------------------------- the models against known cases

def test_models_read_what_the_loaders_read():
    # iPXE: continuation joins, a comment line ending in a backslash swallows the next line, CR is dropped.
    assert ipxe_lines('a \\\nb\r\n# c \\\nd\n:lbl x y\n') == [(None, 'a b'), (None, '# c d'), ('lbl', 'x y')]
    assert ipxe_commands('chain x || goto y ; echo #z') == [(['chain', 'x'], '||'), (['goto', 'y'], ';'), (['echo'], None)]
    assert ipxe_getopt(['item', '--key', 'k', 'lbl', '-x', 'text']) == ([('key', 'k')], ['lbl', '-x', 'text'])
    assert ipxe_getopt(['menu', '--', '-=', 'x']) == ([], ['-=', 'x'])
    with pytest.raises(LoaderError):
        ipxe_getopt(['menu', '-=', 'x'])
    # GRUB: quotes, escapes, comments, variables, menuentry "--".
    words = [('WORD', 'linux'), ('WORD', 'a b c'), ('WORD', 'd \x00$x\x00'), ('OP', '\n')]
    assert grub_tokens("linux 'a b'\\ c \"d $x\" # e\n") == words
    assert grub_menu_args(['menuentry', '--id', 'x', '--', '--id', 'y']) == ([('id', 'x')], ['--id', 'y'])
    assert grub_menu_args(['menuentry', '--- Tools ---', '--id', 'x']) == ([('id', 'x')], ['--- Tools ---'])
    assert _bootstr.grub_loader_cmdline(['a=b c', "d'e", 'f']) == '"a=b c" d\\\'e f'
    # PXELINUX: keyword and rest, CR ends the line.
    assert pxelinux_program('  MENU  LABEL  x y \nAPPEND a=b\rLABEL evil\n# c\nLABEL z\n') == (
        [('menu label',), ('label', 'z')], [('menu label', 'x y '), ('append', 'a=b')])
    # Linux next_arg().
    assert _bootstr.kernel_params('a="b c" "d=e f" g=h"i j" k= "" l') == [
        ('a', 'b c'), ('d', 'e f'), ('g', 'h"i j"'), ('k', ''), ('', None), ('l', None)]
    # 0xa0 ends an unquoted parameter, even as the second byte of U+00A0.
    assert _bootstr.kernel_params('x=\u00a0y') == [('x', '\udcc2'), ('y', None)]
