# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation that must say no: trailing newlines and whitespace, addresses in the wrong form or place,
values of the wrong type (issue 12, items 5, 7 and 8).

Every validator is fed its valid value with a trailing "\\n", a trailing "\\r" and surrounding spaces:
it either refuses the value with the setting's name, or (MACs and IP addresses) normalizes it, so the
value that reaches dnsmasq or a boot file never carries the whitespace.
"""
from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _dnsmasq, _hosts, _hosts_input, _images, _net, _server

DIRTY = ('%s\n', '%s\r', ' %s', '%s ', ' %s\n')

DNSMASQ = {
    'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
    'network': '10.77.0.0/24', 'pool_offset': 99, 'pool_size': 100, 'router': '10.77.0.254',
    'architectures': ['bios', 'efi-x86_64', 'http-x86_64'],
    'boot_files': {'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi', 'http-x86_64': 'http://10.77.0.1/ipxe.efi'},
    'ipxe_script_url': 'http://10.77.0.1/boot.ipxe',
    'hosts': [{'mac': 'aa:bb:cc:dd:ee:01', 'ip': '10.77.0.50', 'hostname': 'node1', 'lease_time': '1h'}],
}
SERVER = {
    'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
    'network': '10.77.0.0/24', 'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1',
    'architectures': ['bios', 'efi-x86_64'], 'router': '10.77.0.254',
    'relay_networks': [{'network': '10.88.0.0/24', 'router': '10.88.0.1'}],
    'entries': [{'name': 'a', 'kernel': '/k/vmlinuz'}, {'name': 'b', 'kernel': '/k/vmlinuz2'}],
    'default_entry': 'a',
}


def dnsmasq(**changes):
    data = copy.deepcopy(DNSMASQ)
    data.update(changes)
    return _dnsmasq.plan(data)


def dnsmasq_error(**changes):
    with pytest.raises(_dnsmasq.PlanError) as excinfo:
        dnsmasq(**changes)
    return str(excinfo.value)


def server(**changes):
    data = copy.deepcopy(SERVER)
    data.update(changes)
    return _server.plan(data)


def server_error(**changes):
    with pytest.raises(_server.ServerError) as excinfo:
        server(**changes)
    return str(excinfo.value)


SITE = server()['site']


def host_error(hosts, site=None):
    with pytest.raises(_hosts.HostError) as excinfo:
        _hosts.validate(hosts, site or SITE, var='server_hosts')
    return str(excinfo.value)


def dnsmasq_host(**fields):
    return dict({'mac': 'aa:bb:cc:dd:ee:01'}, **fields)


# -- item 5: no trailing newline, carriage return or whitespace gets through --------------------------------------

@pytest.mark.parametrize('shape', DIRTY)
@pytest.mark.parametrize('key,value', [
    ('interface', 'pxe0'),
    ('lease_time', '12h'),
    ('ipxe_script_url', 'http://10.77.0.1/boot.ipxe'),
    ('lease_file', '/var/lib/misc/pxe.leases'),
    ('config_dir', '/etc/netboot-pxe'),
    ('boot_root', '/srv/tftp'),
])
def test_dnsmasq_settings_refuse_whitespace(key, value, shape):
    dnsmasq(**{key: value})  # the clean value is accepted
    assert dnsmasq_error(**{key: shape % value}).startswith('dnsmasq_%s: ' % key)


@pytest.mark.parametrize('shape', DIRTY)
def test_dnsmasq_boot_files_refuse_whitespace(shape):
    files = dict(DNSMASQ['boot_files'])
    assert dnsmasq_error(boot_files=dict(files, bios=shape % 'undionly.kpxe')).startswith('dnsmasq_boot_files: ')
    assert dnsmasq_error(boot_files=dict(files, **{'http-x86_64': shape % 'http://10.77.0.1/ipxe.efi'})).startswith(
        'dnsmasq_boot_files: ')


@pytest.mark.parametrize('shape', DIRTY)
@pytest.mark.parametrize('key,value', [('hostname', 'node1'), ('lease_time', '1h')])
def test_dnsmasq_host_fields_refuse_whitespace(key, value, shape):
    assert dnsmasq_error(hosts=[dnsmasq_host(**{key: shape % value})]).startswith('dnsmasq_hosts: [0] ')
    assert dnsmasq_error(relay_networks=[{'network': '10.88.0.0/24', 'lease_time': shape % '1h'}]).startswith(
        'dnsmasq_relay_networks: [0] lease_time')


@pytest.mark.parametrize('shape', DIRTY)
def test_addresses_and_macs_are_normalized_not_passed_on_with_whitespace(shape):
    plan = dnsmasq(server_address=shape % '10.77.0.1', router=shape % '10.77.0.254', dns_servers=[shape % '10.0.0.53'],
                   hosts=[{'mac': shape % 'AA-BB-CC-DD-EE-01', 'ip': shape % '10.77.0.50', 'hostname': 'node1'}],
                   relay_networks=[{'network': '10.88.0.0/24', 'router': shape % '10.88.0.1'}])
    assert (plan['server_address'], plan['router'], plan['dns_servers']) == ('10.77.0.1', '10.77.0.254', ['10.0.0.53'])
    assert plan['hosts'][0]['line'] == 'aa:bb:cc:dd:ee:01,10.77.0.50,node1'
    assert plan['relay_networks'][0]['router'] == '10.88.0.1'


@pytest.mark.parametrize('shape', DIRTY)
@pytest.mark.parametrize('key,value', [('hostname', 'node1'), ('lease_time', '1h')])
def test_host_fields_refuse_whitespace(key, value, shape):
    _hosts.validate([{'mac': '52:54:00:00:00:01', key: value}], SITE)
    assert host_error([{'mac': '52:54:00:00:00:01', key: shape % value}]).startswith('server_hosts[0] (52:54:00:00:00:01')


def test_folded_yaml_hostname_does_not_split_the_reservation_line():
    """The issue's example: "hostname: >" leaves a trailing newline, which used to end the dhcp-host line early."""
    text = _hosts_input.parse_hosts_file('hosts.yml', b'- mac: 52:54:00:00:00:01\n  hostname: >\n    node1\n  lease_time: 1h\n')
    assert text[0]['hostname'] == 'node1\n'
    assert 'is not a valid DNS name' in host_error(text)
    assert 'is not a valid DNS name' in dnsmasq_error(hosts=[dict(text[0], mac='aa:bb:cc:dd:ee:01')])


@pytest.mark.parametrize('shape', DIRTY)
def test_host_ips_and_macs_are_normalized(shape):
    host = _hosts.validate([{'mac': shape % '52-54-00-00-00-01', 'ip': shape % '10.77.0.50', 'hostname': 'n1'}], SITE)[0]
    assert (host['mac'], host['ip']) == ('52:54:00:00:00:01', '10.77.0.50')
    assert _hosts.dhcp_line(host) == '52:54:00:00:00:01,10.77.0.50,n1'


@pytest.mark.parametrize('shape', DIRTY)
@pytest.mark.parametrize('key,value', [('boot_root', '/srv/tftp'), ('report_log', '/var/log/r.log'), ('http_port', '8080')])
def test_server_service_settings_refuse_whitespace(key, value, shape):
    server(**{key: value})
    assert server_error(**{key: shape % value}).startswith('server_%s: ' % key)


@pytest.mark.parametrize('shape', DIRTY)
def test_images_names_refuse_whitespace(shape):
    with pytest.raises(_images.ImagesError, match='images_keyrings'):
        _images.plan({'dir': '/srv/images', 'keyrings': {shape % 'debian': '/usr/share/keyrings/debian.gpg'}})


@pytest.mark.parametrize('shape', DIRTY)
def test_net_helpers_full_match(shape):
    assert _net.normalize_mac(shape % 'aabbccddeeff') == 'aa:bb:cc:dd:ee:ff'
    assert _net.ipv4_address(shape % '10.0.0.1', 'x') == '10.0.0.1'
    assert _net.hostname_problem(shape % 'node1') is not None
    assert not _net.lease_time_ok(shape % '12h')
    with pytest.raises(_net.AddressError):
        _net.normalize_mac('aabbccddeeff\nx')


# -- hostnames dnsmasq would read as something else -------------------------------------------------------------------

@pytest.mark.parametrize('name', ['3600', '12h', '1W', 'infinite', 'ignore', '10.77.0.9', 'node.42'])
def test_hostnames_dnsmasq_reads_as_other_fields_are_refused(name):
    assert 'would be read by dnsmasq' in dnsmasq_error(hosts=[dnsmasq_host(hostname=name)])
    assert 'would be read by dnsmasq' in host_error([{'mac': '52:54:00:00:00:01', 'hostname': name}])


@pytest.mark.parametrize('name', ['node1', 'a', 'rack-2.lab.example', 'x86-64', '4u'])
def test_ordinary_hostnames_pass_both_validators(name):
    assert dnsmasq(hosts=[dnsmasq_host(hostname=name)])['hosts'][0]['hostname'] == name
    assert _hosts.validate([{'mac': '52:54:00:00:00:01', 'hostname': name}], SITE)[0]['hostname'] == name


# -- item 7: addresses ----------------------------------------------------------------------------------------------

def test_dns_server_in_cidr_form_is_refused():
    assert dnsmasq_error(dns_servers=['10.0.0.53', '8.8.8.0/24']).startswith(
        "dnsmasq_dns_servers: [1] '8.8.8.0/24' is a network in CIDR form")
    assert server_error(dns_servers=['8.8.8.0/24']).startswith("server_dns_servers: [0] '8.8.8.0/24' is a network in CIDR form")


@pytest.mark.parametrize('router', ['10.88.0.1/24', '10.88.0.1/32'])
def test_relay_router_in_cidr_form_names_the_setting(router):
    text = server_error(relay_networks=[{'network': '10.88.0.0/24', 'router': router}])
    assert text.startswith('server_relay_networks[0].router: ') and 'CIDR form' in text


@pytest.mark.parametrize('router,what', [('10.99.0.1', 'not a host address of'), ('10.77.0.0', 'not a host address of'),
                                         ('10.77.0.255', 'not a host address of')])
def test_router_outside_its_network_is_refused(router, what):
    assert dnsmasq_error(router=router).startswith('dnsmasq_router: %s is %s dnsmasq_network 10.77.0.0/24' % (router, what))
    assert server_error(router=router).startswith('server_router: ')


@pytest.mark.parametrize('router', ['10.99.0.1', '10.88.0.0', '10.88.0.255'])
def test_relay_router_outside_its_network_is_refused(router):
    assert server_error(relay_networks=[{'network': '10.88.0.0/24', 'router': router}]).startswith(
        'server_relay_networks[0].router: ')


def test_host_ip_with_spaces_is_still_a_duplicate():
    hosts = [{'mac': '52:54:00:00:00:01', 'ip': '10.77.0.50'}, {'mac': '52:54:00:00:00:02', 'ip': ' 10.77.0.50 '}]
    assert 'ip 10.77.0.50 is also used by server_hosts[0]' in host_error(hosts)
    dhcp = [dnsmasq_host(ip='10.77.0.50'), {'mac': 'aa:bb:cc:dd:ee:02', 'ip': '10.77.0.50\n'}]
    assert 'ip 10.77.0.50 is also used by entry [0]' in dnsmasq_error(hosts=dhcp)


@pytest.mark.parametrize('ip,what', [
    ('10.77.0.0', 'the network address of 10.77.0.0/24'),
    ('10.77.0.255', 'the broadcast address of 10.77.0.0/24'),
    ('10.88.0.255', 'the broadcast address of 10.88.0.0/24'),
    ('10.77.0.1', 'the server address (server_address)'),
    ('10.77.0.254', 'the router (server_router)'),
    ('10.88.0.1', 'the router of server_relay_networks[0]'),
])
def test_reserved_addresses_are_not_host_ips(ip, what):
    text = host_error([{'mac': '52:54:00:00:00:01', 'ip': ip}])
    assert text == 'server_hosts[0] (52:54:00:00:00:01): ip %s is %s, not an address a host can have' % (ip, what)


def test_reserved_addresses_survive_the_site_file():
    """pxe_hosts reads the site from the JSON file the server role writes."""
    site = json.loads(json.dumps(SITE))
    assert 'the server address' in host_error([{'mac': '52:54:00:00:00:01', 'ip': '10.77.0.1'}], site)


@pytest.mark.parametrize('ip,what', [('10.77.0.0', 'the network address'), ('10.77.0.255', 'the broadcast address'),
                                     ('10.77.0.1', 'the server address (dnsmasq_server_address)')])
def test_dnsmasq_reserved_addresses_are_not_host_ips(ip, what):
    assert what in dnsmasq_error(hosts=[dnsmasq_host(ip=ip)])


# -- item 8: wrong types are errors naming the setting, not crashes ---------------------------------------------------

@pytest.mark.parametrize('entry', [['a'], {'a': 1}, 7])
def test_host_entry_of_the_wrong_type(entry):
    assert host_error([{'mac': '52:54:00:00:00:01', 'entry': entry}]).startswith(
        'server_hosts[0] (52:54:00:00:00:01): entry must be the name of one entry')


@pytest.mark.parametrize('value', [['a'], {'a': 1}, 3])
def test_default_entry_of_the_wrong_type(value):
    assert server_error(default_entry=value).startswith('server_default_entry: must be the name of one entry')


@pytest.mark.parametrize('value', [['a'], {'x': 1}, 3])
def test_default_entries_values_of_the_wrong_type(value):
    assert server_error(default_entries={'bios': value}).startswith('server_default_entries: bios -> must be the name')


def test_default_entries_not_a_dict():
    assert server_error(default_entries=['a']).startswith('server_default_entries: must be a dict')


@pytest.mark.parametrize('value', [['a'], {'a': 1}])
def test_menu_default_of_the_wrong_type(value):
    assert server_error(menu={'default': value}).startswith('server_menu.default: must be the name of one entry')


def test_integer_key_in_a_host_file():
    hosts = _hosts_input.parse_hosts_file('hosts.yml', b'- mac: 52:54:00:00:00:01\n  1: x\n  entry: a\n')
    assert host_error(hosts) == ('server_hosts[0] (52:54:00:00:00:01) has unknown keys 1 (allowed: boot_once, cmdline, '
                                 'entry, hostname, ip, lease_time, mac, menu)')
    assert 'unknown keys 1 ' in dnsmasq_error(hosts=[{'mac': 'aa:bb:cc:dd:ee:01', 1: 'x'}])


@pytest.mark.parametrize('state', [
    {'version': 1, 'files': []},
    {'version': 1, 'files': {'/srv/tftp/x': [1]}},
    {'version': 1, 'files': {'/srv/tftp/x': 'abc'}},
    {'version': 1, 'files': {'/srv/tftp/x': True}},
    {'version': 1, 'once': []},
    {'version': 1, 'once': {'52:54:00:00:00:01': 'done'}},
    {'version': 1, 'once': {'52:54:00:00:00:01': {'key': 'k', 'since': 'yesterday', 'done': False}}},
    {'version': 1, 'once': {'52:54:00:00:00:01': {'key': 'k', 'since': 1.0, 'done': 'no'}}},
    {'version': 1, 'input': []},
    {'version': 1, 'input': {'digest': 5}},
])
def test_state_file_with_wrong_types_is_a_clear_error(tmp_path, state):
    path = tmp_path / 'state.json'
    path.write_text(json.dumps(state))
    with pytest.raises(_hosts.HostError, match='state file .* is damaged: .*move it aside to start over'):
        _hosts.load_state(str(path))


def test_state_file_as_written_loads(tmp_path):
    state = {'version': 1, 'files': {'/a': [10, 1700000000000000000, 'abc'], '/b': 1},
             'once': {'52:54:00:00:00:01': {'key': 'k', 'since': 1.5, 'done': True, 'at': 2}},
             'input': {'digest': 'd', 'hosts': 1, 'files': 2}}
    path = tmp_path / 'state.json'
    path.write_text(json.dumps(state))
    assert _hosts.load_state(str(path))['files'] == state['files']


def test_state_file_version_true_is_unknown(tmp_path):
    path = tmp_path / 'state.json'
    path.write_text(json.dumps({'version': True}))
    with pytest.raises(_hosts.HostError, match='unknown format'):
        _hosts.load_state(str(path))


@pytest.mark.parametrize('value,message', [
    ('log-dhcp', 'must be a list'),
    (['log-dhcp', 'dhcp-range=a\ndhcp-host=x'], 'holds a line break'),
    (['dhcp-option=3\r'], 'holds a line break'),
    (['log-dhcp\x00dhcp-range=x'], 'holds a line break'),
    (['dhcp-option=3\u2028x'], 'holds a line break'),
    ([''], 'must be a non-empty string'),
    ([3], 'must be a non-empty string'),
])
def test_extra_options_are_one_line_each(value, message):
    text = dnsmasq_error(dnsmasq_extra_options=value)
    assert text.startswith('dnsmasq_extra_options') and message in text
    assert server_error(dnsmasq_extra_options=value).startswith('server_dnsmasq_extra_options')


@pytest.mark.parametrize('value,expected', [('no', False), ('off', False), ('0', False), (0, False), ('yes', True), ('1', True)])
def test_host_menu_flag_strings(value, expected):
    """A host file's "menu: 'no'" is false, not true (bool("no") is true); "maybe" is an error."""
    assert _hosts.validate([{'mac': '52:54:00:00:00:01', 'entry': 'a', 'menu': value}], SITE)[0]['menu'] is expected


def test_host_flags_refuse_non_booleans():
    assert host_error([{'mac': '52:54:00:00:00:01', 'entry': 'a', 'boot_once': 'maybe'}]) == (
        "server_hosts[0] (52:54:00:00:00:01): boot_once must be true or false (or yes/no, on/off, 1/0), got 'maybe'")


@pytest.mark.parametrize('shape', DIRTY)
def test_architecture_names_are_normalized_to_table_names(shape):
    """Tags (set:arch-<name>) come from the table's names, never from the text the user gave."""
    plan = dnsmasq(architectures=[shape % 'BIOS'], boot_files={'bios': 'undionly.kpxe'})
    assert [(arch['name'], arch['tag']) for arch in plan['architectures']] == [('bios', 'arch-bios')]
