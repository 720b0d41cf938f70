# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import copy

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _dnsmasq

BASE = {
    'dhcp_mode': 'full',
    'allow_full_dhcp': True,
    'interface': 'pxe0',
    'server_address': '10.77.0.1',
    'network': '10.77.0.0/24',
    'pool_offset': 99,
    'pool_size': 100,
    'architectures': ['bios', 'efi-x86_64'],
    'boot_files': {'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi'},
    'ipxe_script_url': 'http://10.77.0.1/boot.ipxe',
    'hosts': [{'mac': 'AA-BB-CC-DD-EE-01', 'ip': '10.77.0.50', 'hostname': 'node1'}],
}


def settings(**changes):
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def test_full_plan():
    plan = _dnsmasq.plan(settings())
    assert plan['mode'] == 'full'
    assert (plan['pool']['start'], plan['pool']['end']) == ('10.77.0.100', '10.77.0.199')
    assert [(a['name'], a['codes'], a['boot_file'], a['tag']) for a in plan['architectures']] == [
        ('bios', [0], 'undionly.kpxe', 'arch-bios'),
        ('efi-x86_64', [7, 9], 'snponly.efi', 'arch-efi-x86_64'),
    ]
    assert plan['hosts'] == [{'mac': 'aa:bb:cc:dd:ee:01', 'ip': '10.77.0.50', 'hostname': 'node1',
                              'file': 'aa-bb-cc-dd-ee-01', 'line': 'aa:bb:cc:dd:ee:01,10.77.0.50,node1'}]


def test_arm64_and_x86_64_get_their_own_files():
    plan = _dnsmasq.plan(settings(architectures=['efi-x86_64', 'efi-arm64'],
                                  boot_files={'efi-x86_64': 'snponly.efi', 'efi-arm64': 'arm64/snponly.efi'}))
    by_code = {code: arch['boot_file'] for arch in plan['architectures'] for code in arch['codes']}
    assert by_code == {7: 'snponly.efi', 9: 'snponly.efi', 11: 'arm64/snponly.efi'}


def test_proxy_plan_has_no_pool_and_needs_no_opt_in():
    plan = _dnsmasq.plan(settings(dhcp_mode='proxy', allow_full_dhcp=False))
    assert plan['pool'] is None
    assert plan['network']['network'] == '10.77.0.0'


def test_none_mode_needs_no_interface_or_network():
    plan = _dnsmasq.plan(settings(dhcp_mode='none', interface='', network='', allow_full_dhcp=False))
    assert plan['mode'] == 'none' and plan['interface'] == ''


def test_http_boot_arch_takes_a_url():
    plan = _dnsmasq.plan(settings(architectures=['http-x86_64'], boot_files={'http-x86_64': 'http://10.77.0.1/ipxe.efi'}))
    assert plan['architectures'][0]['transport'] == 'http'


@pytest.mark.parametrize('changes,variable,message', [
    ({'allow_full_dhcp': False}, 'dnsmasq_allow_full_dhcp', 'must be true'),
    ({'dhcp_mode': 'authoritative'}, 'dnsmasq_dhcp_mode', 'must be one of'),
    ({'interface': ''}, 'dnsmasq_interface', 'is required'),
    ({'interface': 'lo'}, 'dnsmasq_interface', 'not lo'),
    ({'architectures': ['bios', 'efi64']}, 'dnsmasq_architectures', "[1] unknown client architecture 'efi64'"),
    ({'architectures': ['bios', 'bios']}, 'dnsmasq_architectures', 'listed twice'),
    ({'architectures': ['bios', 'efi-arm64']}, 'dnsmasq_boot_files', "'efi-arm64' is enabled"),
    ({'boot_files': {'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi', 'uefi': 'x.efi'}},
     'dnsmasq_boot_files', "unknown client architecture 'uefi'"),
    ({'boot_files': {'bios': '../etc/shadow', 'efi-x86_64': 'snponly.efi'}}, 'dnsmasq_boot_files', 'relative'),
    ({'boot_files': {'bios': '/srv/undionly.kpxe', 'efi-x86_64': 'snponly.efi'}}, 'dnsmasq_boot_files', 'relative'),
    ({'architectures': ['http-x86_64'], 'boot_files': {'http-x86_64': 'ipxe.efi'}}, 'dnsmasq_boot_files', 'URL'),
    ({'architectures': []}, 'dnsmasq_architectures', 'is empty'),
    ({'network': '10.78.0.0/24'}, 'dnsmasq_server_address', 'outside'),
    ({'network': 'fd00::/64'}, 'dnsmasq_network', 'IPv6'),
    ({'network': ''}, 'dnsmasq_network', 'is required'),
    ({'server_address': '10.77.0.300'}, 'dnsmasq_server_address', 'IPv4'),
    ({'server_address': '10.77.0.150'}, 'dnsmasq_server_address', 'inside the DHCP pool'),
    ({'pool_offset': None, 'pool_size': None, 'pool_start': '10.78.0.10', 'pool_end': '10.78.0.20'},
     'dnsmasq_pool_start, dnsmasq_pool_end', 'outside the usable hosts'),
    ({'pool_size': 1000}, 'dnsmasq_pool_offset, dnsmasq_pool_size', 'does not fit'),
    ({'lease_time': 'forever'}, 'dnsmasq_lease_time', 'like 12h'),
    ({'router': 'gateway'}, 'dnsmasq_router', 'IPv4'),
    ({'dns_servers': ['10.0.0.1', 'dns']}, 'dnsmasq_dns_servers', "[1] 'dns' is not an IPv4 address"),
    ({'ipxe_script_url': ''}, 'dnsmasq_ipxe_script_url', 'chainloading iPXE again'),
    ({'hosts': [{'mac': 'aa:bb:cc'}]}, 'dnsmasq_hosts', "[0] invalid MAC address 'aa:bb:cc'"),
    ({'hosts': [{'mac': 'aa:bb:cc:dd:ee:01'}, {'mac': 'AABB.CCDD.EE01'}]}, 'dnsmasq_hosts', 'also used by entry [0]'),
    ({'hosts': [{'mac': 'aa:bb:cc:dd:ee:01', 'ip': '10.9.0.1'}]}, 'dnsmasq_hosts', 'outside the served networks (10.77.0.0/24)'),
    ({'relay_networks': [{'network': '10.77.0.0/25'}]}, 'dnsmasq_relay_networks', 'overlaps 10.77.0.0/24'),
    ({'relay_networks': [{'network': '10.78.0.0/24'}, {'network': '10.78.0.128/25'}]}, 'dnsmasq_relay_networks', '[1] 10.78.0.128/25 overlaps'),
    ({'relay_networks': [{'network': '10.78.0.0/24', 'router': '10.78.0.50'}]}, 'dnsmasq_relay_networks[0].router', 'outside its pool'),
    ({'relay_networks': [{'router': '10.78.0.1'}]}, 'dnsmasq_relay_networks', 'at least "network"'),
    ({'relay_networks': [{'network': 'fd00::/64'}]}, 'dnsmasq_relay_networks', 'IPv6'),
    ({'relay_networks': [{'network': '10.78.0.0/24', 'gateway': '1'}]}, 'dnsmasq_relay_networks', 'unknown keys gateway'),
    ({'dhcp_mode': 'proxy', 'allow_full_dhcp': False, 'relay_networks': [{'network': '10.78.0.0/24'}]},
     'dnsmasq_relay_networks', 'needs dhcp_mode full'),
    ({'hosts': [{'mac': 'aa:bb:cc:dd:ee:01', 'ip': '10.77.0.5'}, {'mac': 'aa:bb:cc:dd:ee:02', 'ip': '10.77.0.5'}]},
     'dnsmasq_hosts', '[1] ip 10.77.0.5 is also used'),
    ({'hosts': [{'mac': 'aa:bb:cc:dd:ee:01', 'hostname': 'bad_name!'}]}, 'dnsmasq_hosts', 'not a valid DNS name'),
    ({'hosts': [{'mac': 'aa:bb:cc:dd:ee:01', 'ipaddr': '10.77.0.5'}]}, 'dnsmasq_hosts', 'unknown keys ipaddr'),
])
def test_bad_settings_name_the_variable(changes, variable, message):
    with pytest.raises(_dnsmasq.PlanError) as excinfo:
        _dnsmasq.plan(settings(**changes))
    text = str(excinfo.value)
    assert text.startswith(variable + ': '), text
    assert message in text


def test_prefix_names_the_callers_variable():
    with pytest.raises(_dnsmasq.PlanError, match=r'^server_architectures: \[0\] unknown'):
        _dnsmasq.plan(settings(architectures=['pc']), prefix='server_')


def test_relay_networks_and_hosts_on_them():
    plan = _dnsmasq.plan(settings(relay_networks=[{'network': '10.78.0.0/24', 'router': '10.78.0.1', 'pool_offset': 99, 'pool_size': 100}],
                                  hosts=[{'mac': 'aa:bb:cc:dd:ee:01', 'ip': '10.78.0.20'}]))
    relay = plan['relay_networks'][0]
    assert (relay['tag'], relay['start'], relay['end'], relay['router']) == ('relay0', '10.78.0.100', '10.78.0.199', '10.78.0.1')
    assert plan['hosts'][0]['ip'] == '10.78.0.20'


def test_lease_max_follows_the_served_networks():
    assert _dnsmasq.plan(settings())['lease_max'] == 254
    relayed = _dnsmasq.plan(settings(relay_networks=[{'network': '10.78.0.0/23'}]))
    assert relayed['lease_max'] == 254 + 510
    # A /16 pool is far beyond dnsmasq's own default of 1000 leases.
    assert _dnsmasq.plan(settings(network='10.77.0.0/16', pool_size=None))['lease_max'] == 65534
    assert _dnsmasq.plan(settings(lease_max='5000'))['lease_max'] == 5000
    assert _dnsmasq.plan(settings(lease_max=''))['lease_max'] == 254
    # proxyDHCP hands out no leases: nothing to limit.
    assert _dnsmasq.plan(settings(dhcp_mode='proxy', lease_max=100))['lease_max'] is None


def test_lease_file_default_path_and_in_memory():
    assert _dnsmasq.plan(settings())['lease_file'] == '/var/lib/misc/netboot-pxe-dnsmasq.leases'
    assert _dnsmasq.plan(settings(service_name='pxe2'))['lease_file'] == '/var/lib/misc/pxe2.leases'
    assert _dnsmasq.plan(settings(lease_file='/run/netboot-pxe/leases'))['lease_file'] == '/run/netboot-pxe/leases'
    assert _dnsmasq.plan(settings(lease_file=''))['lease_file'] is None


@pytest.mark.parametrize('changes,variable,message', [
    ({'lease_max': 0}, 'dnsmasq_lease_max', 'between 1 and'),
    ({'lease_max': -5}, 'dnsmasq_lease_max', 'between 1 and'),
    ({'lease_max': 2 ** 31}, 'dnsmasq_lease_max', 'between 1 and 2147483647'),
    ({'lease_max': 'many'}, 'dnsmasq_lease_max', 'whole number'),
    ({'lease_max': True}, 'dnsmasq_lease_max', 'whole number'),
    ({'dhcp_mode': 'proxy', 'allow_full_dhcp': False, 'lease_max': 0}, 'dnsmasq_lease_max', 'between 1 and'),
    ({'lease_file': 'leases.txt'}, 'dnsmasq_lease_file', 'absolute file path'),
    ({'lease_file': '/var/lib/misc/'}, 'dnsmasq_lease_file', 'absolute file path'),
    ({'lease_file': '/var/lib/my leases'}, 'dnsmasq_lease_file', 'absolute file path'),
    ({'lease_file': '/var/lib/a,b'}, 'dnsmasq_lease_file', 'absolute file path'),
    ({'lease_file': '/var/lib/a\nleasefile-ro'}, 'dnsmasq_lease_file', 'absolute file path'),
    ({'lease_file': 7}, 'dnsmasq_lease_file', 'or "" to keep leases in memory only'),
])
def test_bad_lease_settings_name_the_variable(changes, variable, message):
    with pytest.raises(_dnsmasq.PlanError) as excinfo:
        _dnsmasq.plan(settings(**changes))
    assert str(excinfo.value).startswith(variable + ': ') and message in str(excinfo.value), str(excinfo.value)


def test_lease_errors_name_the_server_variable():
    with pytest.raises(_dnsmasq.PlanError, match=r'^server_lease_max: '):
        _dnsmasq.plan(settings(lease_max='lots'), prefix='server_')
