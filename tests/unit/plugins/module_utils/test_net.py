# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.netboot.pxe.plugins.module_utils import _net

SIX_BYTES = st.binary(min_size=6, max_size=6)


def spell(raw, style, upper):
    hexes = ['%02x' % b for b in raw]
    bare = ''.join(hexes)
    text = {
        'colon': ':'.join(hexes),
        'dash': '-'.join(hexes),
        'cisco': '.'.join(bare[i:i + 4] for i in (0, 4, 8)),
        'bare': bare,
    }[style]
    return text.upper() if upper else text


@pytest.mark.parametrize('value', [
    'aa:bb:cc:dd:ee:ff', 'AA:BB:CC:DD:EE:FF', 'aa-bb-cc-dd-ee-ff', 'AA-BB-CC-DD-EE-FF',
    'aabb.ccdd.eeff', 'AABB.CCDD.EEFF', 'aabbccddeeff', 'AaBbCcDdEeFf', '  aa:bb:cc:dd:ee:ff\n',
])
def test_normalize_mac_spellings(value):
    assert _net.normalize_mac(value) == 'aa:bb:cc:dd:ee:ff'


@pytest.mark.parametrize('value', [
    '', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:ff:00', 'aa:bb:cc:dd:ee:gg', 'aabbccddeeff00',
    'aa:bb:cc:dd:ee:ff:00:11', 'not a mac', '192.168.1.1', 'aa:bb:cc:dd:ee:ff extra',
])
def test_normalize_mac_rejects_bad_strings(value):
    with pytest.raises(_net.AddressError, match='invalid MAC address'):
        _net.normalize_mac(value)


@pytest.mark.parametrize('value', [None, 0xAABBCCDDEEFF, ['aa:bb:cc:dd:ee:ff'], True])
def test_normalize_mac_rejects_non_strings(value):
    with pytest.raises(_net.AddressError, match='must be a string'):
        _net.normalize_mac(value)


@given(SIX_BYTES, st.sampled_from(['colon', 'dash', 'cisco', 'bare']), st.booleans())
def test_every_spelling_normalises_to_the_same_mac(raw, style, upper):
    canonical = ':'.join('%02x' % b for b in raw)
    assert _net.normalize_mac(spell(raw, style, upper)) == canonical
    assert _net.normalize_mac(canonical) == canonical


@given(SIX_BYTES, st.sampled_from(['colon', 'dash', 'cisco', 'bare']), st.booleans())
def test_pxelinux_mac_property(raw, style, upper):
    name = _net.pxelinux_mac(spell(raw, style, upper))
    assert name == '01-' + '-'.join('%02x' % b for b in raw)
    assert bytes.fromhex(name[3:].replace('-', '')) == raw


@given(st.text(alphabet='0123456789abcdefABCDEF', min_size=1, max_size=20).filter(lambda s: len(s) not in (12,)))
def test_bare_hex_of_wrong_length_is_rejected(text):
    with pytest.raises(_net.AddressError):
        _net.normalize_mac(text)


def test_pxelinux_mac_examples():
    assert _net.pxelinux_mac('AA-BB-CC-DD-EE-FF') == '01-aa-bb-cc-dd-ee-ff'
    assert _net.pxelinux_mac('aabb.ccdd.eeff', hwtype=6) == '06-aa-bb-cc-dd-ee-ff'


@pytest.mark.parametrize('hwtype', [-1, 256, '1', True, None])
def test_pxelinux_mac_rejects_bad_hwtype(hwtype):
    with pytest.raises(_net.AddressError, match='hardware type'):
        _net.pxelinux_mac('aa:bb:cc:dd:ee:ff', hwtype=hwtype)


@pytest.mark.parametrize('value,expected', [
    ('192.168.1.10', 'C0A8010A'), ('10.0.0.1', '0A000001'), ('0.0.0.0', '00000000'),
    ('255.255.255.255', 'FFFFFFFF'), ('192.168.1.0/24', 'C0A801'), ('10.0.0.0/8', '0A'),
    ('192.168.1.16/28', 'C0A8011'), ('192.168.1.10/32', 'C0A8010A'), ('0.0.0.0/0', ''),
])
def test_pxelinux_hexip_examples(value, expected):
    assert _net.pxelinux_hexip(value) == expected


@pytest.mark.parametrize('value', ['192.168.1', '192.168.1.256', '::1', 'fe80::1', 'host', '', '10.1',
                                   '192.168.1.0/33'])
def test_pxelinux_hexip_rejects_bad_addresses(value):
    with pytest.raises(_net.AddressError, match='invalid IPv4 address'):
        _net.pxelinux_hexip(value)


def test_pxelinux_hexip_rejects_unaligned_prefix():
    with pytest.raises(_net.AddressError, match='multiple of 4'):
        _net.pxelinux_hexip('192.168.1.0/23')


@pytest.mark.parametrize('value', [3232235786, None, ['192.168.1.10']])
def test_pxelinux_hexip_rejects_non_strings(value):
    with pytest.raises(_net.AddressError, match='must be a string'):
        _net.pxelinux_hexip(value)


@given(st.integers(min_value=0, max_value=2 ** 32 - 1))
def test_pxelinux_hexip_round_trip(number):
    text = str(ipaddress.IPv4Address(number))
    name = _net.pxelinux_hexip(text)
    assert len(name) == 8 and name == name.upper()
    assert int(name, 16) == number


@given(st.integers(min_value=0, max_value=2 ** 32 - 1), st.sampled_from([0, 4, 8, 12, 16, 20, 24, 28, 32]))
def test_pxelinux_hexip_network_prefix_matches_every_host(number, prefixlen):
    net = ipaddress.IPv4Network((number, prefixlen), strict=False)
    prefix = _net.pxelinux_hexip(str(net))
    for host in (net.network_address, net.broadcast_address):
        assert _net.pxelinux_hexip(str(host)).startswith(prefix)


def test_dhcp_pool_default_runs_to_last_host():
    pool = _net.dhcp_pool('192.168.50.0/24')
    assert pool == {
        'network': '192.168.50.0', 'prefixlen': 24, 'cidr': '192.168.50.0/24',
        'netmask': '255.255.255.0', 'broadcast': '192.168.50.255',
        'start': '192.168.50.11', 'end': '192.168.50.254', 'size': 244,
    }


def test_dhcp_pool_from_interface_address_with_size():
    pool = _net.dhcp_pool('192.168.50.1/24', offset=99, size=100)
    assert (pool['start'], pool['end'], pool['size']) == ('192.168.50.100', '192.168.50.199', 100)
    assert pool['network'] == '192.168.50.0'


def test_dhcp_pool_explicit_range_is_checked():
    pool = _net.dhcp_pool('10.0.0.0/16', start='10.0.1.0', end='10.0.1.255')
    assert pool['size'] == 256


@pytest.mark.parametrize('kwargs,message', [
    ({'start': '192.168.51.10', 'end': '192.168.50.20'}, 'outside the usable hosts'),
    ({'start': '192.168.50.0', 'end': '192.168.50.20'}, 'outside the usable hosts'),
    ({'start': '192.168.50.10', 'end': '192.168.50.255'}, 'outside the usable hosts'),
    ({'start': '192.168.50.30', 'end': '192.168.50.20'}, 'after pool end'),
    ({'start': '192.168.50.30'}, 'both start and end'),
    ({'start': 'x', 'end': '192.168.50.20'}, 'not an IPv4 address'),
    ({'offset': 254}, 'leaves no addresses'),
    ({'offset': -1}, 'non-negative integer'),
    ({'size': 0}, 'at least 1'),
    ({'size': 300}, 'does not fit'),
    ({'size': '10'}, 'non-negative integer'),
])
def test_dhcp_pool_errors(kwargs, message):
    with pytest.raises(_net.AddressError, match=message):
        _net.dhcp_pool('192.168.50.0/24', **kwargs)


@pytest.mark.parametrize('network,message', [
    ('fd00::/64', 'IPv6'), ('10.0.0.0/31', 'too small'), ('nonsense', 'CIDR form'), (None, 'must be a string'),
])
def test_dhcp_pool_bad_networks(network, message):
    with pytest.raises(_net.AddressError, match=message):
        _net.dhcp_pool(network)


@given(st.integers(min_value=0, max_value=2 ** 32 - 1), st.integers(min_value=8, max_value=30),
       st.integers(min_value=0, max_value=64), st.one_of(st.none(), st.integers(min_value=1, max_value=64)))
def test_dhcp_pool_is_always_inside_the_usable_hosts(number, prefixlen, offset, size):
    net = ipaddress.IPv4Network((number, prefixlen), strict=False)
    try:
        pool = _net.dhcp_pool(str(net), offset=offset, size=size)
    except _net.AddressError:
        usable = net.num_addresses - 2
        assert offset >= usable or (size is not None and offset + size > usable)
        return
    start, end = ipaddress.IPv4Address(pool['start']), ipaddress.IPv4Address(pool['end'])
    assert net.network_address < start <= end < net.broadcast_address
    assert int(end) - int(start) + 1 == pool['size']
    assert _net.ip_in_network(pool['start'], str(net)) and _net.ip_in_network(pool['end'], str(net))
    if size is not None:
        assert pool['size'] == size


def test_ip_in_network():
    assert _net.ip_in_network('192.168.50.7', '192.168.50.0/24')
    assert not _net.ip_in_network('192.168.51.7', '192.168.50.0/24')


@pytest.mark.parametrize('value', ['0', '12345', 'aa:bb:cc', 'aabbcc:ddeeff', 'aa:bb-cc:dd-ee:ff', 'aab.bccd.deeff'])
def test_netaddr_leniencies_are_refused(value):
    # netaddr.EUI accepts each of these; as a reservation they are typos.
    with pytest.raises(_net.AddressError, match='invalid MAC address'):
        _net.normalize_mac(value)


def test_single_digit_octets_are_accepted():
    assert _net.normalize_mac('a:b:c:d:e:f') == '0a:0b:0c:0d:0e:0f'
