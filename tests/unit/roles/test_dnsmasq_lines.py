# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests: no user value changes which options dnsmasq reads (issue 12, "Done when", dnsmasq's part).

Arbitrary text (line breaks, "\\r", "\\", "#", quotes, commas, "=", spaces, Unicode separators, NUL) goes into
every user-settable value that reaches dnsmasq.conf (through the dnsmasq role's plan and its real template)
or a dhcp-hostsdir file (the dnsmasq role's host lines and pxe_hosts' files). Each value must either be
refused with an error naming the setting, or arrive as exactly the intended field of exactly the intended
option, with every other option of the file unchanged.

The parser below reads the files as dnsmasq does (src/option.c):
- read_file() reads with fgets(buff, MAXDNAME = 1025): a line longer than 1024 bytes is cut and the rest read
  as a line of its own; a NUL byte ends the C string.
- A double quote starts a quoted part, ended by the next unescaped quote (a missing one is an error); inside,
  backslash escapes \\" \\\\ \\t \\n \\b \\r \\e are decoded and metacharacters (",", spaces) are hidden.
- A "#" at the start of a line or after white space starts a comment; white space at both ends is dropped.
- In dnsmasq.conf the option name ends at the first "=" (spaces around it allowed); dhcp-hostsdir files hold
  only the dhcp-host argument.
- split() cuts arguments at unhidden commas and drops the spaces around them. In a dhcp-host argument a field
  is a lease time when it is digits with an optional w/d/h/m/s, or "infinite"; "ignore" disables the host;
  an IPv4 address is the address; what has ":" is a MAC, client id or tag; anything else is the host name.
"""
from __future__ import annotations

import copy
import ipaddress
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ansible_collections.netboot.pxe.plugins.module_utils import _dnsmasq, _hosts, _server

from render import defaults as role_defaults
from render import render as render_template

FGETS = 1025 - 1  # MAXDNAME - 1 bytes per fgets() call
SPACE = b' \t\n\x0b\x0c\r'
ESCAPES = {ord('"'): ord('"'), ord('\\'): ord('\\'), ord('t'): 9, ord('n'): 10, ord('b'): 8, ord('r'): 13, ord('e'): 27}


class DnsmasqSyntaxError(ValueError):
    pass


def physical_lines(data):
    """What successive fgets() calls return: lines of at most FGETS bytes, each cut at a NUL byte."""
    lines = []
    for line in data.split(b'\n'):
        while len(line) > FGETS - 1:
            lines.append(line[:FGETS])
            line = line[FGETS:]
        lines.append(line)
    return [line.split(b'\0', 1)[0] for line in lines]


def logical(line):
    """[(byte, quoted)] of one line after dnsmasq's quote, escape and comment handling."""
    chars, index, white = [], 0, True
    while index < len(line):
        byte = line[index]
        if byte == ord('"'):
            index += 1
            while index < len(line) and line[index] != ord('"'):
                if line[index] == ord('\\') and index + 1 < len(line) and line[index + 1] in ESCAPES:
                    index += 1
                    chars.append((ESCAPES[line[index]], True))
                else:
                    chars.append((line[index], True))
                index += 1
            if index >= len(line):
                raise DnsmasqSyntaxError('missing "')
            index += 1
            white = False
            continue
        if white and byte == ord('#'):
            break
        white = byte in SPACE
        chars.append((byte, False))
        index += 1
    while chars and not chars[0][1] and chars[0][0] in SPACE:
        chars.pop(0)
    while chars and not chars[-1][1] and chars[-1][0] in SPACE:
        chars.pop()
    return chars


def _text(chars):
    return bytes(item[0] for item in chars).decode('utf-8', 'surrogateescape')


def fields(chars):
    """split(): the argument's fields at unhidden commas, spaces around them dropped."""
    result, current = [], []
    for byte, quoted in chars + [(ord(','), False)]:
        if byte == ord(',') and not quoted:
            while current and not current[-1][1] and current[-1][0] in SPACE:
                current.pop()
            result.append(_text(current))
            current = []
        elif current or quoted or byte not in SPACE:
            current.append((byte, quoted))
    return result


def parse_conf(text):
    """[(option, [fields] or None)] of a dnsmasq.conf, as read_file() sees it."""
    options = []
    for line in physical_lines(text.encode('utf-8')):
        chars = logical(line)
        if not chars:
            continue
        equals = next((i for i, (byte, quoted) in enumerate(chars) if byte == ord('=') and not quoted), None)
        if equals is None:
            options.append((_text(chars), None))
            continue
        name = chars[:equals]
        while name and name[-1][0] in SPACE:
            name.pop()
        options.append((_text(name), fields(chars[equals + 1:])))
    return options


def parse_hosts_file(text):
    """[[fields]] of a dhcp-hostsdir file: one dhcp-host argument per line."""
    return [fields(chars) for chars in (logical(line) for line in physical_lines(text.encode('utf-8'))) if chars]


def dhcp_host_kind(field):
    """What dnsmasq's dhcp-host parser takes a field for (src/option.c, LOPT_BANK / dhcp-host)."""
    if ':' in field or field.startswith('['):
        return 'mac, id or tag'
    try:
        ipaddress.IPv4Address(field)
        return 'address'
    except ValueError:
        pass
    body = field[:-1] if len(field) > 1 and field[-1] in 'wWdDhHmMsS' else field
    if body and all(char.isdigit() or char == ' ' for char in body) and any(char.isdigit() for char in body):
        return 'lease'
    if field == 'infinite':
        return 'lease'
    if field == 'ignore':
        return 'ignore'
    return 'hostname'


# -- the parser follows dnsmasq -------------------------------------------------------------------------------------

def test_parser_reads_like_dnsmasq():
    assert parse_conf('a=b, c ,d # comment\n#x\n  e  \nf="x,#y"z,1\n') == [
        ('a', ['b', 'c', 'd']), ('e', None), ('f', ['x,#yz', '1'])]
    assert parse_conf('a=b#c\n') == [('a', ['b#c'])]
    assert parse_conf('a="\\n\\"\\q"\n') == [('a', ['\n"\\q'])]
    assert parse_conf('a=b\x00c=d\n') == [('a', ['b'])]
    assert parse_conf('a=b\rc=d\n') == [('a', ['b\rc=d'])]
    long_line = 'a=' + 'x' * 1100 + 'log-dhcp\n'
    assert parse_conf(long_line)[-1] == ('x' * (1100 + 2 - FGETS) + 'log-dhcp', None)
    with pytest.raises(DnsmasqSyntaxError):
        parse_conf('a="b\n')
    assert [dhcp_host_kind(f) for f in ('12h', '3600', 'infinite', 'ignore', '10.0.0.1', 'aa:bb', 'node1', '4u')] == [
        'lease', 'lease', 'lease', 'ignore', 'address', 'mac, id or tag', 'hostname', 'hostname']


# -- the values ---------------------------------------------------------------------------------------------------------

SPECIAL = ['\n', '\r', '\\', '#', '"', "'", ',', '=', ' ', '\t', '\u2028', '\u2029', '\x85', '\x00', '\x0b', '\x0c',
           ' #', 'log-dhcp', 'dhcp-host=aa:bb:cc:dd:ee:ff', ':', 'é', 'x' * 1100]


def hostile(*valid):
    """A valid value with hostile text spliced in, or arbitrary text."""
    pieces = st.lists(st.sampled_from(SPECIAL) | st.text(max_size=4), max_size=4).map(''.join)
    spliced = st.tuples(st.sampled_from(valid), pieces, st.sampled_from(('', ) + valid), st.booleans()).map(
        lambda parts: (parts[1] + parts[0] + parts[2]) if parts[3] else (parts[0] + parts[1] + parts[2]))
    return st.sampled_from(valid) | spliced | st.text(max_size=40)


BASE = {'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
        'network': '10.77.0.0/24', 'pool_offset': 99, 'pool_size': 100, 'router': '10.77.0.254',
        'architectures': ['bios', 'efi-x86_64', 'http-x86_64'],
        'boot_files': {'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi', 'http-x86_64': 'http://10.77.0.1/ipxe.efi'},
        'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'lease_time': '12h', 'lease_file': '/var/lib/misc/pxe.leases',
        'config_dir': '/etc/netboot-pxe', 'boot_root': '/srv/netboot',
        'hosts': [{'mac': 'aa:bb:cc:dd:ee:01', 'ip': '10.77.0.50', 'hostname': 'node1', 'lease_time': '1h'}]}


def conf(settings, **variables):
    data = role_defaults('dnsmasq')
    data.update(dnsmasq_enable_ra=True, dnsmasq_config_dir=settings['config_dir'], dnsmasq_boot_root=settings['boot_root'])
    data.update(variables)
    data['__dnsmasq_plan'] = _dnsmasq.plan(settings)
    return parse_conf(render_template('dnsmasq', 'dnsmasq.conf.j2', data)), data['__dnsmasq_plan']


BASELINE = conf(BASE)[0]
NAMES = sorted(item[0] for item in BASELINE)


def planned(key, value, **extra):
    """The parsed dnsmasq.conf and plan for BASE with ``key`` set, or None when the plan refuses it by name."""
    settings = copy.deepcopy(BASE)
    settings[key] = value
    settings.update(extra)
    try:
        parsed, plan = conf(settings)
    except _dnsmasq.PlanError as exc:
        assert str(exc).startswith('dnsmasq_%s' % key), str(exc)
        return None, None
    # The same options as with the plain settings: the value added, removed or renamed none.
    assert sorted(item[0] for item in parsed) == NAMES
    return parsed, plan


def lines_of(parsed, name):
    return [args for option, args in parsed if option == name]


@settings(max_examples=150)
@given(hostile('pxe0', 'eth1', 'br-lan.10'))
@example('pxe0\n')
@example('pxe0\nlog-dhcp')
def test_interface(value):
    parsed = planned('interface', value)[0]
    if parsed is not None:
        assert lines_of(parsed, 'interface') == [[value]]
        assert lines_of(parsed, 'enable-tftp') == [[value]]
        assert ['::', 'constructor:' + value, 'ra-only'] in lines_of(parsed, 'dhcp-range')


@settings(max_examples=150)
@given(hostile('12h', '3600', 'infinite', '1d'))
@example('12h\n')
@example('12h,proxy')
def test_lease_time(value):
    parsed, plan = planned('lease_time', value)
    if parsed is not None:
        pool = plan['pool']
        assert lines_of(parsed, 'dhcp-range')[0] == [pool['start'], pool['end'], pool['netmask'], value]


@settings(max_examples=150)
@given(hostile('undionly.kpxe', 'arm64/snponly.efi', 'x.efi'))
@example('undionly.kpxe\ndhcp-option=3,10.0.0.9')
@example('a "b" c')
@example('x' * 600)
def test_tftp_boot_file(value):
    parsed = planned('boot_files', dict(BASE['boot_files'], bios=value))[0]
    if parsed is not None:
        assert ['tag:arch-bios', 'tag:!ipxe', value, '10.77.0.1', '10.77.0.1'] in lines_of(parsed, 'dhcp-boot')


@settings(max_examples=150)
@given(hostile('http://10.77.0.1/ipxe.efi', 'https://boot.example/x.efi'))
@example('http://10.77.0.1/a"b,c"')
@example('http://10.77.0.1/' + 'a' * 1100 + 'log-dhcp')
def test_http_boot_file(value):
    parsed = planned('boot_files', dict(BASE['boot_files'], **{'http-x86_64': value}))[0]
    if parsed is not None:
        assert ['tag:arch-http-x86_64', 'tag:!ipxe', value] in lines_of(parsed, 'dhcp-boot')


@settings(max_examples=150)
@given(hostile('http://10.77.0.1/boot.ipxe', 'http://10.77.0.1:8080/boot.ipxe'))
@example('http://10.77.0.1/boot.ipxe\n')
@example('http://10.77.0.1/boot.ipxe #x')
@example('http://\x00')
def test_ipxe_script_url(value):
    parsed = planned('ipxe_script_url', value)[0]
    if parsed is not None:
        assert ['tag:ipxe', 'tag:!ipxe-direct', value] in lines_of(parsed, 'dhcp-boot')


@settings(max_examples=150)
@given(hostile('/var/lib/misc/pxe.leases', '/run/x.leases'))
@example('/var/lib/misc/pxe.leases\n')
@example('/var/lib/misc/a\x00b')
def test_lease_file(value):
    if value == '':  # leases in memory only: leasefile-ro instead of dhcp-leasefile
        parsed = conf(dict(BASE, lease_file=''))[0]
        assert ('leasefile-ro', None) in parsed and not lines_of(parsed, 'dhcp-leasefile')
        return
    parsed = planned('lease_file', value)[0]
    if parsed is not None:
        assert lines_of(parsed, 'dhcp-leasefile') == [[value]]


@settings(max_examples=100)
@given(st.sampled_from(['config_dir', 'boot_root']), hostile('/etc/netboot-pxe', '/srv/netboot'))
def test_directories(key, value):
    parsed = planned(key, value)[0]
    if parsed is not None:
        if key == 'config_dir':
            assert lines_of(parsed, 'dhcp-hostsdir') == [[value + '/dhcp-hosts.d']]
        else:
            assert lines_of(parsed, 'tftp-root') == [[value]]


@settings(max_examples=100)
@given(st.lists(hostile('log-dhcp', 'dhcp-option=42,10.0.0.1', 'tftp-no-blocksize'), min_size=1, max_size=3))
@example(['log-dhcp\ndhcp-range=10.0.0.1,proxy'])
@example(['dhcp-option=3,' + 'x' * 1100 + 'log-dhcp'])
@example(['"'])
def test_extra_options_stay_one_line_each(values):
    settings = dict(copy.deepcopy(BASE), dnsmasq_extra_options=values)
    try:
        plan = _dnsmasq.plan(settings)
    except _dnsmasq.PlanError as exc:
        assert str(exc).startswith('dnsmasq_extra_options'), str(exc)
        return
    data = role_defaults('dnsmasq')
    data.update(dnsmasq_config_dir=BASE['config_dir'], dnsmasq_boot_root=BASE['boot_root'], __dnsmasq_plan=plan)
    text = render_template('dnsmasq', 'dnsmasq.conf.j2', data)
    tail = text.split('# dnsmasq_extra_options\n', 1)[1].encode('utf-8')
    # One physical line per item, as fgets() reads them, each holding at most that item's one option.
    assert physical_lines(tail)[:-1] == [value.strip().encode('utf-8') for value in values]
    for value in values:
        try:
            assert len(parse_conf(value.strip() + '\n')) <= 1
        except DnsmasqSyntaxError:
            pass  # the user's own option is malformed: dnsmasq --test (the template's validate) refuses it


HOST_FIELDS = {'hostname': ('node1', 'rack-2.lab', 'a'), 'lease_time': ('1h', '3600', 'infinite'),
               'ip': ('10.77.0.50', ' 10.77.0.51 ')}


def _check_host_line(found, mac, host):
    """The line holds mac, then ip, hostname and lease time (those given), each read as what it is."""
    expected = [mac] + [str(host[key]) for key in ('ip', 'hostname', 'lease_time') if host.get(key)]
    assert found == expected
    kinds = [dhcp_host_kind(field) for field in found[1:]]
    assert kinds == [kind for key, kind in (('ip', 'address'), ('hostname', 'hostname'), ('lease_time', 'lease'))
                     if host.get(key)]


@settings(max_examples=200)
@given(st.sampled_from(sorted(HOST_FIELDS)).flatmap(lambda key: st.tuples(st.just(key), hostile(*HOST_FIELDS[key]))))
@example(('hostname', 'node1\n'))
@example(('hostname', '3600'))
@example(('hostname', 'ignore'))
@example(('lease_time', '1h,ignore'))
def test_dnsmasq_role_host_lines(item):
    key, value = item
    host = {'mac': 'aa:bb:cc:dd:ee:01', 'ip': '10.77.0.50', 'hostname': 'node1', 'lease_time': '1h'}
    host[key] = value
    settings = dict(copy.deepcopy(BASE), hosts=[host])
    try:
        plan = _dnsmasq.plan(settings)
    except _dnsmasq.PlanError as exc:
        assert str(exc).startswith('dnsmasq_hosts: [0] '), str(exc)
        return
    planned_host = plan['hosts'][0]
    text = render_template('dnsmasq', 'host.j2', {'item': planned_host})
    [found] = parse_hosts_file(text)
    _check_host_line(found, 'aa:bb:cc:dd:ee:01', dict(host, ip=planned_host['ip']))


SITE = _server.plan({
    'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
    'network': '10.77.0.0/24', 'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1',
    'architectures': ['bios'], 'entries': [{'name': 'a', 'kernel': '/k/vmlinuz'}]})['site']


@settings(max_examples=200)
@given(st.sampled_from(sorted(HOST_FIELDS)).flatmap(lambda key: st.tuples(st.just(key), hostile(*HOST_FIELDS[key]))))
@example(('hostname', 'node1\n'))
@example(('hostname', 'node1\nignore'))
@example(('ip', '10.77.0.50\n'))
def test_pxe_hosts_dhcp_files(item):
    key, value = item
    host = {'mac': '52:54:00:00:00:01', 'ip': '10.77.0.50', 'hostname': 'node1', 'lease_time': '1h'}
    host[key] = value
    try:
        [valid] = _hosts.validate([host], SITE, var='hosts')
    except _hosts.HostError as exc:
        assert str(exc).startswith('hosts[0]'), str(exc)
        return
    files = _hosts.files(SITE, valid)
    [(root, name)] = list(files)
    assert (root, name) == ('dhcp', '52-54-00-00-00-01')
    [found] = parse_hosts_file(files[(root, name)])
    _check_host_line(found, '52:54:00:00:00:01', dict(host, ip=valid['ip']))
    assert valid['ip'] == (host['ip'].strip() or None)


@settings(max_examples=100)
@given(hostile('bios', 'efi-x86_64', 'EFI-X86_64'), st.booleans())
def test_architecture_names(value, direct):
    """Architecture names become tags (set:arch-<name>): only names from the table get through, as table names."""
    settings = dict(copy.deepcopy(BASE), architectures=[value], boot_files={value: 'x.efi'},
                    direct_architectures=[value] if direct else [])
    try:
        parsed = conf(settings)[0]
    except _dnsmasq.PlanError as exc:
        assert str(exc).startswith('dnsmasq_'), str(exc)
        return
    tags = set(field for item in parsed for field in (item[1] or []) if field.startswith(('set:', 'tag:')))
    assert tags and all(re.fullmatch(r'(set|tag):!?(arch-(bios|efi-x86_64)|ipxe|ipxe-direct)', tag) for tag in tags), tags
