# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filters as Ansible loads them: registration, results, errors and documentation."""
from __future__ import annotations

import importlib
import pathlib

import pytest
import yaml
from ansible.errors import AnsibleFilterError

FILTER_DIR = pathlib.Path(__file__).resolve().parents[4] / 'plugins' / 'filter'
FILTER_NAMES = sorted(p.stem for p in FILTER_DIR.glob('*.py') if p.stem != '__init__')


def load_module(name):
    return importlib.import_module('ansible_collections.netboot.pxe.plugins.filter.%s' % name)


def load(name):
    return load_module(name).FilterModule().filters()


def test_every_documented_filter_exists():
    assert set(FILTER_NAMES) >= {'mac', 'pxelinux_mac', 'pxelinux_hexip', 'client_arch', 'client_arch_codes'}


@pytest.mark.parametrize('name', FILTER_NAMES)
def test_filter_registers_under_its_file_name(name):
    filters = load(name)
    assert list(filters) == [name]


@pytest.mark.parametrize('name', FILTER_NAMES)
def test_filter_documentation_is_complete(name):
    module = load_module(name)
    doc = yaml.safe_load(module.DOCUMENTATION)
    assert doc['name'] == name
    assert doc['short_description'] and doc['description'] and doc['version_added']
    assert '_input' in doc['options']
    assert 'netboot.pxe.%s' % name in module.EXAMPLES
    examples = yaml.safe_load(module.EXAMPLES)
    assert isinstance(examples, list) and examples
    assert '_value' in yaml.safe_load(module.RETURN)


CASES = [
    ('mac', ('AA-BB-CC-DD-EE-FF',), {}, 'aa:bb:cc:dd:ee:ff'),
    ('pxelinux_mac', ('AA-BB-CC-DD-EE-FF',), {}, '01-aa-bb-cc-dd-ee-ff'),
    ('pxelinux_mac', ('aabb.ccdd.eeff',), {'hwtype': 6}, '06-aa-bb-cc-dd-ee-ff'),
    ('pxelinux_hexip', ('192.168.1.10',), {}, 'C0A8010A'),
    ('client_arch', (0,), {}, 'bios'),
    ('client_arch', ('7',), {}, 'efi-x86_64'),
    ('client_arch', (9,), {}, 'efi-x86_64'),
    ('client_arch', (11,), {}, 'efi-arm64'),
    ('client_arch', ('0x10',), {}, 'http-x86_64'),
    ('client_arch_codes', ('efi-x86_64',), {}, [7, 9]),
    ('client_arch_codes', (['efi-arm64', 'bios'],), {}, [0, 11]),
    ('dhcp_pool', ('192.168.50.1/24',), {'offset': 99, 'size': 100},
     {'network': '192.168.50.0', 'prefixlen': 24, 'cidr': '192.168.50.0/24', 'netmask': '255.255.255.0',
      'broadcast': '192.168.50.255', 'start': '192.168.50.100', 'end': '192.168.50.199', 'size': 100}),
    ('ipxe_escape', ('console=ttyS0 quiet',), {}, 'console=ttyS0 quiet'),
    ('grub_quote', ("it's",), {}, "'it'\\''s'"),
    ('kernel_cmdline', ({'console': ['tty0', 'ttyS0'], 'quiet': True},), {}, 'console=tty0 console=ttyS0 quiet'),
    ('boot_entries', ([{'name': 'a', 'kernel': '/k/vmlinuz'}],), {'default': 'a'},
     [{'name': 'a', 'kind': 'kernel', 'chain': '', 'title': 'a', 'kernel_src': '/k/vmlinuz', 'kernel': 'vmlinuz', 'initrd_srcs': [], 'initrds': [],
       'cmdline': '', 'remote_src': False, 'dir': 'entries/a'}]),
]


@pytest.mark.parametrize('name,args,kwargs,expected', CASES)
def test_filter_results(name, args, kwargs, expected):
    filters = load(name)
    assert filters[name](*args, **kwargs) == expected


def test_client_arch_info():
    filters = load('client_arch_info')
    info = filters['client_arch_info']
    assert info('efi-arm64')['codes'] == [11]
    assert info(11) == info('11') == info('efi-arm64')
    assert info('http-x86_64')['transport'] == 'http'


BAD = [
    ('mac', ('aa:bb:cc',), {}, "invalid MAC address 'aa:bb:cc'"),
    ('mac', (None,), {}, 'must be a string'),
    ('pxelinux_mac', ('zz:bb:cc:dd:ee:ff',), {}, 'invalid MAC address'),
    ('pxelinux_mac', ('aa:bb:cc:dd:ee:ff',), {'hwtype': 300}, 'hardware type'),
    ('pxelinux_hexip', ('300.1.1.1',), {}, "invalid IPv4 address '300.1.1.1'"),
    ('client_arch', (99,), {}, 'code 99 is not assigned'),
    ('client_arch', ('x86',), {}, "'x86' is not a number"),
    ('client_arch', ({},), {}, 'must be an integer'),
    ('client_arch_codes', ('efi64',), {}, "unknown client architecture 'efi64'"),
    ('client_arch_codes', (7,), {}, 'must be a string'),
    ('client_arch_info', ('nope',), {}, "unknown client architecture 'nope'"),
    ('client_arch_info', (1000,), {}, 'code 1000 is not assigned'),
    ('dhcp_pool', ('192.168.50.0/24',), {'start': '10.0.0.1', 'end': '10.0.0.9'}, 'outside the usable hosts'),
    ('dhcp_pool', ('192.168.50.0/24',), {'bogus': 1}, 'bogus'),
    ('ipxe_escape', ('a || b',), {}, 'command separator'),
    ('grub_quote', ('a\nb',), {}, 'control character'),
    ('kernel_cmdline', ({'a': 'x"y'},), {}, 'double quote'),
    ('dnsmasq_plan', ({'dhcp_mode': 'full', 'interface': 'eth1'},), {'prefix': 'server_'},
     'server_allow_full_dhcp: must be true'),
    ('boot_entries', ([{'name': 'a', 'kernel': 'k'}],), {'default': 'b'}, "server_default_entry 'b'"),
]


@pytest.mark.parametrize('name,args,kwargs,message', BAD)
def test_bad_input_is_a_clear_filter_error(name, args, kwargs, message):
    filters = load(name)
    with pytest.raises(AnsibleFilterError) as excinfo:
        filters[name](*args, **kwargs)
    text = str(excinfo.value)
    assert text.startswith('netboot.pxe.%s: ' % name)
    assert message in text
    assert 'Traceback' not in text
