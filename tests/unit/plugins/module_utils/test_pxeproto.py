# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_pxeproto: packets built as firmware builds them, and real dnsmasq replies (captured, hex fixtures) parsed.

The lab's probes CLI (tests/lab/test_probes.py) covers the same core against live servers.
"""
from __future__ import annotations

import json
import pathlib
import struct

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _pxeproto

CAPTURES = json.loads((pathlib.Path(__file__).parent / 'fixtures' / 'pxe_captures.json').read_text())['captures']
SERVER = '10.66.0.1'


def reply(name):
    (packet,) = CAPTURES[name]['replies']
    return _pxeproto.parse_reply(bytes.fromhex(packet))


def sent_options(packet):
    return _pxeproto.parse_options(packet[240:])


# --------------------------------------------------------------------------- building

@pytest.mark.parametrize('code, kind, expected', [
    (0, 'PXEClient', b'PXEClient:Arch:00000:UNDI:002001'),
    (11, 'PXEClient', b'PXEClient:Arch:00011:UNDI:002001'),
    (16, 'HTTPClient', b'HTTPClient:Arch:00016:UNDI:003000'),
])
def test_discover_carries_arch_and_vendor_class(code, kind, expected):
    packet = _pxeproto.build_discover('52:54:00:66:00:01', arch=code, vendor_class=_pxeproto.vendor_class_for(kind, code))
    opts = sent_options(packet)
    assert opts[53] == b'\x01' and opts[93] == struct.pack('!H', code) and opts[60] == expected
    assert packet[28:34] == bytes.fromhex('525400660001') and struct.unpack('!H', packet[10:12])[0] == 0x8000


def test_ipxe_discover_and_requests():
    opts = sent_options(_pxeproto.build_discover('52:54:00:66:00:01', arch=7, user_class='iPXE', ipxe_175=True))
    assert opts[77] == b'iPXE' and 175 in opts[55]
    assert {sub['name'] for sub in _pxeproto.decode_ipxe_options(opts[175])} >= {'http', 'https', 'tftp', 'efi'}
    request = _pxeproto.build_discover('52:54:00:66:00:01', arch=7, msg_type='REQUEST', requested_ip='10.66.0.151',
                                       server_id=SERVER)
    opts = sent_options(request)
    assert (opts[53], opts[50], opts[54]) == (b'\x03', bytes([10, 66, 0, 151]), bytes([10, 66, 0, 1]))
    boot = _pxeproto.build_discover('52:54:00:66:00:01', arch=0, msg_type='REQUEST', ciaddr='10.66.0.250',
                                    extra_options=[(43, _pxeproto.pxe_boot_item(0x8000))])
    assert boot[12:16] == bytes([10, 66, 0, 250])
    assert _pxeproto.decode_vendor_options(sent_options(boot)[43])[0]['value'] == {'type': 0x8000, 'layer': 0}
    release = sent_options(_pxeproto.build_discover('52:54:00:66:00:01', msg_type='RELEASE', ciaddr='10.66.0.151'))
    assert release[53] == b'\x07'


def test_macs():
    for _attempt in range(20):
        mac = _pxeproto.random_mac()
        first = int(mac[:2], 16)
        assert first & 2 and not first & 1, 'locally administered unicast: %s' % mac
    assert _pxeproto.normalize_mac('52-54-00-AA-BB-CC') == '52:54:00:aa:bb:cc'
    with pytest.raises(ValueError, match='invalid MAC'):
        _pxeproto.normalize_mac('52:54:00')


# --------------------------------------------------------------------------- captured dnsmasq replies

@pytest.mark.parametrize('name, boot_file', [
    ('full_bios_offer', 'undionly.kpxe'),
    ('full_efi7_offer', 'snponly.efi'),
    ('full_efi9_offer', 'snponly.efi'),
    ('full_arm64_offer', 'arm64/snponly.efi'),
    ('full_efi7_ack', 'snponly.efi'),
])
def test_full_dhcp_offers(name, boot_file):
    got = _pxeproto.describe_offer(reply(name))
    assert got['msg_type'] == ('ACK' if name.endswith('ack') else 'OFFER')
    assert got['address'].startswith('10.66.0.') and got['server_id'] == SERVER
    assert got['next_server'] == SERVER and got['option_66'] == SERVER
    assert got['boot_file'] == got['option_67'] == boot_file
    assert got['proxy'] is False and got['option_43'] is None and got['option_60'] is None
    assert got['subnet_mask'] == '255.255.255.0' and got['lease_time'] == 12 * 3600


def test_http_boot_offer_echoes_httpclient():
    got = _pxeproto.describe_offer(reply('full_http16_offer'))
    assert got['option_60'] == 'HTTPClient'
    assert got['boot_file'] == 'http://10.66.0.1/snponly.efi'
    assert got['address'] and got['proxy'] is False


def test_ipxe_offer_has_option_175_no_pxedhcp():
    got = _pxeproto.describe_offer(reply('full_ipxe_offer'))
    assert got['boot_file'] == 'http://10.66.0.1/boot.ipxe'
    assert got['option_175'] == [{'code': 176, 'name': 'no-pxedhcp', 'data': '01', 'value': 1}]
    assert got['option_175_raw'] == 'b00101ff', 'dnsmasq ends the encapsulated options with 255'


def test_proxy_bios_offer_option_43():
    parsed = reply('proxy_bios_offer')
    got = _pxeproto.describe_offer(parsed)
    assert got['address'] is None and got['proxy'] is True and got['option_60'] == 'PXEClient'
    assert got['boot_file'] is None and got['next_server'] is None
    subs = {sub['name']: sub['value'] for sub in got['option_43']}
    assert subs == {
        'PXE_DISCOVERY_CONTROL': 3,
        'PXE_BOOT_SERVERS': [{'type': 0x8000, 'ips': [SERVER]}],
        'PXE_BOOT_MENU': [{'type': 0x8000, 'description': 'netboot.pxe bios'}],
        'PXE_MENU_PROMPT': {'timeout': 0, 'prompt': 'netboot.pxe'},
    }
    assert _pxeproto.suboption(parsed, 'PXE_BOOT_MENU')[0]['type'] == 0x8000
    assert _pxeproto.suboption(parsed, 'PXE_BOOT_ITEM') is None


def test_proxy_ipxe_offer_menu_is_the_script():
    subs = {sub['name']: sub['value'] for sub in reply('proxy_ipxe_offer')['vendor_options']}
    assert subs['PXE_BOOT_MENU'] == [{'type': 0x8004, 'description': 'netboot.pxe iPXE script'}]


def test_proxy_uefi_offer_points_to_4011():
    got = _pxeproto.describe_offer(reply('proxy_efi7_offer'))
    assert got['proxy'] is True and got['boot_file'] is None and got['option_43'] is None
    assert got['next_server'] == SERVER, 'EFI clients are sent to siaddr:4011'


def test_port_4011_acks():
    efi = _pxeproto.describe_offer(reply('proxy_efi7_4011_ack'))
    assert (efi['msg_type'], efi['boot_file'], efi['file'], efi['option_67']) == ('ACK', 'snponly.efi', 'snponly.efi', None)
    assert efi['next_server'] == SERVER and efi['server_name'] == SERVER and efi['option_60'] == 'PXEClient'
    bios = reply('proxy_bios_4011_ack')
    assert bios['bootfile'] == 'undionly.kpxe' and bios['yiaddr'] == '10.66.0.250', 'dnsmasq echoes ciaddr'
    assert _pxeproto.suboption(bios, 'PXE_BOOT_ITEM') == {'type': 0x8000, 'layer': 0}


def test_every_capture_round_trips_to_json():
    for name in CAPTURES:
        json.dumps(_pxeproto.describe_offer(reply(name)))
        assert reply(name)['op'] == 2


def test_ipxe_options_decoding():
    data = bytes((1, 1, 0x7f, 176, 1, 1, 85, 4)) + b'10.0' + bytes((235, 3, 1, 21, 0))
    got = _pxeproto.decode_ipxe_options(data)
    assert [(sub['name'], sub['value']) for sub in got] == [
        ('priority', 127), ('no-pxedhcp', 1), ('syslogs', '10.0'), ('version', 0x011500)]
    assert _pxeproto.decode_ipxe_options(b'\x01\x05ab') is None


def test_manifest_parsing():
    text = ('%s  undionly.kpxe\n%s *arm64/snponly.efi\n%s  ./grub/grubx64.efi\nnot a line\n'
            % ('a' * 64, 'B' * 64, 'c' * 64))
    assert _pxeproto.parse_manifest(text) == {
        'undionly.kpxe': 'a' * 64, 'arm64/snponly.efi': 'b' * 64, 'grub/grubx64.efi': 'c' * 64}


def test_jsonable_and_interface_helpers():
    assert _pxeproto.jsonable({1: b'\x01', 'x': [b'\xff']}) == {'1': '01', 'x': ['ff']}
    assert _pxeproto.interface_exists('lo') and not _pxeproto.interface_exists('pr-no-such0')
    assert _pxeproto.interface_ipv4('lo') == '127.0.0.1'
    assert _pxeproto.interface_ipv4('pr-no-such0') is None
