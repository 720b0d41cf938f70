# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.netboot.pxe.plugins.module_utils import _loaders, _server

BASE = {
    'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
    'network': '10.77.0.0/24', 'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1',
    'architectures': ['bios', 'efi-x86_64'],
    'entries': [{'name': 'a', 'kernel': '/k/vmlinuz', 'initrd': '/k/initrd.gz'}],
    'default_entry': 'a',
}
CATALOG = yaml.safe_load((pathlib.Path(__file__).resolve().parents[4] / 'roles/bootloaders/vars/main.yml').read_text())


def plan(**changes):
    settings = dict(BASE)
    settings.update(changes)
    return _server.plan(settings)


def test_default_loaders_are_ipxe():
    result = plan()
    assert result['boot_files'] == {'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi'}
    assert result['stage'] == ['undionly.kpxe', 'snponly.efi']
    assert result['configs'] == ['ipxe']
    assert result['defaults'] == {'bios': 'a', 'efi-x86_64': 'a'}


def test_pxelinux_and_grub():
    result = plan(boot_loaders={'bios': 'pxelinux', 'efi-x86_64': 'grub'})
    assert result['boot_files'] == {'bios': 'pxelinux.0', 'efi-x86_64': 'grubnetx64.efi'}
    assert result['configs'] == ['grub', 'pxelinux']
    assert 'ldlinux.c32' in result['stage']
    assert result['site']['configs'] == {'bios': 'pxelinux', 'efi-x86_64': 'grub'}


def test_secure_boot_gives_uefi_shim():
    result = plan(secure_boot=True)
    assert result['loaders']['efi-x86_64']['kind'] == 'shim'
    assert result['boot_files']['efi-x86_64'] == 'shimx64.efi'
    assert result['loaders']['bios']['kind'] == 'ipxe'
    assert set(result['stage']) >= {'shimx64.efi', 'grubx64.efi'}


def test_arm64_gets_its_own_file_and_x86_64_keeps_its_own():
    result = plan(architectures=['efi-x86_64', 'efi-arm64'],
                  entries=[{'name': 'a', 'kernel': 'k'}, {'name': 'b', 'kernel': 'k2', 'architectures': ['efi-arm64']}],
                  default_entries={'efi-arm64': 'b'})
    by_code = {c: arch['boot_file'] for arch in result['dhcp']['architectures'] for c in arch['codes']}
    assert by_code == {7: 'snponly.efi', 9: 'snponly.efi', 11: 'arm64/grubnetaa64.efi'}
    assert result['defaults'] == {'efi-x86_64': 'a', 'efi-arm64': 'b'}


def test_http_boot_arch_gets_a_url():
    result = plan(architectures=['efi-x86_64', 'http-x86_64'])
    assert result['boot_files']['http-x86_64'] == 'http://10.77.0.1/snponly.efi'


def test_host_entries():
    result = plan(hosts=[{'mac': 'AA-BB-CC-00-00-01', 'entry': 'a', 'ip': '10.77.0.5'}, {'mac': 'aa:bb:cc:00:00:02'}])
    assert [h['entry'] for h in result['hosts']] == ['a', None]
    assert [(h['mac'], h['ip']) for h in result['hosts']] == [('aa:bb:cc:00:00:01', '10.77.0.5'), ('aa:bb:cc:00:00:02', None)]
    assert result['dhcp']['hosts'] == []
    assert result['site']['networks'] == ['10.77.0.0/24']


CHAIN = {'name': 'xyz', 'chain': 'https://boot.netboot.xyz/menu.ipxe'}


def test_chain_entry_for_ipxe_clients():
    result = plan(entries=[BASE['entries'][0], CHAIN], default_entry='xyz', hosts=[{'mac': 'aa:bb:cc:00:00:01', 'entry': 'xyz'}])
    assert result['defaults'] == {'bios': 'xyz', 'efi-x86_64': 'xyz'}
    assert [e['kind'] for e in result['entries']] == ['kernel', 'chain']


@pytest.mark.parametrize('changes,message', [
    ({'boot_loaders': {'bios': 'pxelinux'}, 'default_entry': 'xyz'},
     "server_default_entries: entry 'xyz' chains an iPXE script, but bios clients boot pxelinux"),
    ({'boot_loaders': {'efi-x86_64': 'grub'}, 'hosts': [{'mac': 'aa:bb:cc:00:00:01', 'entry': 'xyz'}]},
     "server_hosts[0] (aa:bb:cc:00:00:01): entry 'xyz' chains an iPXE script, which the loaders of efi-x86_64 cannot boot"),
])
def test_chain_entry_needs_ipxe(changes, message):
    with pytest.raises(_server.ServerError) as excinfo:
        plan(entries=[BASE['entries'][0], CHAIN], **changes)
    assert message in str(excinfo.value)


@pytest.mark.parametrize('changes,message', [
    ({'boot_loaders': {'efi-x86_64': 'pxelinux'}}, "server_boot_loaders: loader 'pxelinux' has no build for efi-x86_64"),
    ({'boot_loaders': {'bios': 'syslinux'}}, "server_boot_loaders: unknown loader 'syslinux'"),
    ({'boot_loaders': {'efi-arm64': 'grub'}}, "server_boot_loaders: architecture 'efi-arm64' is not in server_architectures"),
    ({'boot_loaders': {'efi64': 'grub'}}, "server_boot_loaders: unknown client architecture 'efi64'"),
    ({'secure_boot': True, 'boot_loaders': {'efi-x86_64': 'ipxe'}}, "is not signed, while server_secure_boot is true"),
    ({'dhcp_mode': 'proxy', 'allow_full_dhcp': False, 'boot_loaders': {'efi-x86_64': 'grub'}},
     'in proxyDHCP mode GRUB and shim take their files from the site DHCP server'),
    ({'dhcp_mode': 'proxy', 'allow_full_dhcp': False, 'secure_boot': True}, 'in proxyDHCP mode'),
    ({'architectures': ['bios', 'efi-riscv64']}, "server_boot_loaders: no default loader for 'efi-riscv64'"),
    ({'architectures': ['bios', 'efi64']}, "server_architectures: [1] unknown client architecture 'efi64'"),
    ({'boot_files': {'efi-arm64': 'x.efi'}}, "server_boot_files: architecture 'efi-arm64' is not in server_architectures"),
    ({'hosts': [{'mac': 'aa:bb:cc:00:00:01', 'entry': 'nope'}]}, "server_hosts[0] (aa:bb:cc:00:00:01): entry 'nope'"),
    ({'hosts': [{'mac': 'aa:bb:cc:00:00:0z'}]}, "server_hosts[0] (aa:bb:cc:00:00:0z): invalid MAC"),
    ({'default_entries': {'efi-x86_64': 'zz'}}, "server_default_entries: efi-x86_64 -> 'zz'"),
    ({'architectures': ['bios', 'efi-arm64']}, None),
    ({'entries': [{'name': 'a', 'kernel': 'k', 'architectures': ['efi-arm64']}]},
     "server_default_entry: entry 'a' is built for efi-arm64, none of which"),
    ({'entries': [{'name': 'a', 'kernel': 'k', 'architectures': ['arm']}]}, "server_entries[0].architectures: unknown"),
    ({'default_entry': 'b'}, "server_default_entry 'b' is not the name"),
    ({'menu': {'items': ['a', 'zz']}}, "server_menu.items[1].entry 'zz' is not the name of an entry"),
    ({'menu': {'timeout': -1}}, 'server_menu.timeout must be whole seconds'),
    ({'hosts': [{'mac': 'aa:bb:cc:00:00:01', 'ip': '10.9.9.9'}]}, 'server_hosts[0] (aa:bb:cc:00:00:01): ip 10.9.9.9 is outside'),
    # The role's variable is server_address (not server_server_address).
    ({'server_address': '10.77.0.256'}, "server_address: must be an IPv4 address, got '10.77.0.256'"),
    ({'server_address': '10.77.0.150'}, 'server_address: 10.77.0.150 lies inside the DHCP pool'),
    # Refused before dnsmasq's configuration is written, not by nginx after it.
    ({'http_port': 70000}, 'server_http_port: must be a TCP port from 1 to 65535, got 70000'),
    ({'http_port': '0'}, "server_http_port: must be a TCP port from 1 to 65535, got '0'"),
    ({'report_log': '/var/log/r.log; autoindex on'}, "server_report_log: must be an absolute path"),
    ({'boot_root': '/srv/net boot'}, "server_boot_root: must be an absolute path"),
])
def test_errors_name_the_variable(changes, message):
    if message is None:
        plan(**changes)  # arm64 without an arm64 entry: it simply has no default
        return
    with pytest.raises(_server.ServerError) as excinfo:
        plan(**changes)
    assert message in str(excinfo.value)
    assert str(excinfo.value).startswith('server_')


def test_every_loader_file_is_in_the_bootloaders_catalog():
    catalog = CATALOG['__bootloaders_catalog']
    for kind, table in _loaders.LOADERS.items():
        for arch, loader in table.items():
            for name in loader.files:
                assert name in catalog, '%s/%s needs %s' % (kind, arch, name)
            assert loader.boot_file in loader.files
