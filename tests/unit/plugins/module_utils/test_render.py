# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One menu model, three renderings: golden files plus the properties that must hold in every rendering.

Regenerate the golden files after an intended change with NETBOOT_PXE_UPDATE_GOLDEN=1 and review the diff.
"""
from __future__ import annotations

import os
import pathlib
import re

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _render, _server

GOLDEN = pathlib.Path(__file__).resolve().parent / 'golden'

ENTRIES = [
    {'name': 'debian', 'title': 'Debian 12 installer', 'kernel': '/k/linux', 'initrd': '/k/initrd.gz',
     'cmdline': {'priority': 'critical', 'console': 'ttyS0,115200'}},
    {'name': 'rescue', 'title': "Rescue (it's tiny)", 'kernel': '/r/vmlinuz', 'initrd': ['/r/initrd.img', '/r/extra.cpio'],
     'cmdline': 'rescue label="a b"'},
    {'name': 'arm64', 'title': 'Debian arm64', 'kernel': '/a/linux-arm64', 'initrd': '/a/initrd-arm64.gz',
     'architectures': ['efi-arm64']},
]
MENU = {'title': 'Lab boot menu', 'timeout': 7,
        'items': [{'entry': 'debian', 'key': 'd'}, {'text': 'Tools'},
                  {'menu': 'More', 'items': ['rescue', 'arm64']}, {'local': True, 'key': 'l'}]}


def settings(**changes):
    base = {
        'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
        'network': '10.77.0.0/24', 'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1',
        'architectures': ['bios', 'efi-x86_64', 'efi-arm64'], 'entries': ENTRIES, 'default_entry': 'debian',
        'default_entries': {'efi-arm64': 'arm64'}, 'menu': MENU, 'header': 'Ansible managed',
    }
    base.update(changes)
    return base


def site(**changes):
    return _server.plan(settings(**changes))['site']


def host(mac='52:54:00:aa:00:01', **fields):
    return dict({'mac': mac, 'ip': None, 'hostname': None, 'lease_time': None, 'entry': None, 'menu': False,
                 'cmdline': '', 'boot_once': False}, **fields)


IPXE_BIOS_PXELINUX = {'bios': 'pxelinux', 'efi-x86_64': 'grub'}
CASES = {
    'ipxe-menu.ipxe': lambda: _render.ipxe(site(ipxe_chainload_bios_rom=True)),
    'ipxe-no-menu.ipxe': lambda: _render.ipxe(site(menu={'timeout': 0})),
    'ipxe-host-entry.ipxe': lambda: _render.ipxe(site(), host(entry='rescue', cmdline='hostname=web01', hostname='web01')),
    'ipxe-host-menu.ipxe': lambda: _render.ipxe(site(), host(entry='rescue', menu=True)),
    'ipxe-host-local.ipxe': lambda: _render.ipxe(site(), host(entry='local')),
    'pxelinux-menu.cfg': lambda: _render.pxelinux(site(boot_loaders=IPXE_BIOS_PXELINUX, pxelinux_serial='0 115200')),
    'pxelinux-no-menu.cfg': lambda: _render.pxelinux(site(boot_loaders=IPXE_BIOS_PXELINUX, menu={'timeout': 0})),
    'pxelinux-no-default.cfg': lambda: _render.pxelinux(site(boot_loaders=IPXE_BIOS_PXELINUX, menu={'timeout': 0},
                                                             default_entry='', default_entries={})),
    'pxelinux-host-entry.cfg': lambda: _render.pxelinux(site(boot_loaders=IPXE_BIOS_PXELINUX), host(entry='rescue', cmdline='x=1')),
    'grub-menu.cfg': lambda: _render.grub(site(boot_loaders=IPXE_BIOS_PXELINUX)),
    'grub-no-menu.cfg': lambda: _render.grub(site(boot_loaders=IPXE_BIOS_PXELINUX, menu={'timeout': 0})),
    'grub-host-entry.cfg': lambda: _render.grub(site(boot_loaders=IPXE_BIOS_PXELINUX), host(entry='debian', cmdline='hostname=db1')),
    'grub-host-local.cfg': lambda: _render.grub(site(boot_loaders=IPXE_BIOS_PXELINUX), host(entry='local')),
}


# First line of every golden file; it also keeps "#!ipxe" off line 1, where ansible-test would take it for a shebang.
GOLDEN_HEADER = '# Golden file of test_render.py; regenerate with NETBOOT_PXE_UPDATE_GOLDEN=1 and review the diff.\n'


@pytest.mark.parametrize('name', sorted(CASES))
def test_golden(name):
    text = GOLDEN_HEADER + CASES[name]()
    path = GOLDEN / name
    if os.environ.get('NETBOOT_PXE_UPDATE_GOLDEN'):
        path.write_text(text)
    assert path.exists(), 'missing golden file %s (run with NETBOOT_PXE_UPDATE_GOLDEN=1)' % path
    assert text == path.read_text()


def _ipxe_section(text, label):
    """Lines of one iPXE label up to the next label."""
    lines = text.splitlines()
    start = lines.index(':%s' % label)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(':')), len(lines))
    return lines[start:end]


def test_ipxe_menu_default_and_timeout():
    text = _render.ipxe(site())
    menu = _ipxe_section(text, 'menu-pcbios')
    assert 'choose --timeout 7000 --default entry-debian netboot_target || goto failed' in menu
    assert 'item --key d entry-debian Debian 12 installer' in menu
    assert 'item --gap -- Tools' in menu


def test_ipxe_default_inside_a_submenu_times_out_into_it():
    text = _render.ipxe(site(default_entry='rescue'))
    top = _ipxe_section(text, 'menu-pcbios')
    assert 'choose --timeout 7000 --default menu-pcbios-2 netboot_target || goto failed' in top
    sub = _ipxe_section(text, 'menu-pcbios-2')
    assert 'choose --timeout 7000 --default entry-rescue netboot_target || goto menu-pcbios' in sub
    assert 'item --key 0 menu-pcbios < Back' in sub


def test_entries_only_reach_their_architectures():
    grub = _render.grub(site(boot_loaders=IPXE_BIOS_PXELINUX))
    arm, x86 = grub.split('elif [ "$grub_cpu" = ', maxsplit=1)
    assert 'entry-arm64' in arm and 'entry-debian' not in arm
    assert 'entry-debian' in x86 and 'entry-arm64' not in x86
    ipxe = _render.ipxe(site())
    assert 'arm64' not in ''.join(_ipxe_section(ipxe, 'menu-pcbios-2'))
    assert ':entry-arm64' not in ipxe  # no iPXE client can boot it here (arm64 uses GRUB)


def test_empty_submenu_disappears():
    text = _render.ipxe(site(entries=ENTRIES, menu={'timeout': 5, 'items': ['debian', {'menu': 'ARM', 'items': ['arm64']}]}))
    assert 'ARM' not in text
    grub = _render.grub(site(boot_loaders={'efi-x86_64': 'grub'},
                             menu={'timeout': 5, 'items': ['debian', {'menu': 'ARM', 'items': ['arm64']}]}))
    assert grub.count("-- 'ARM' {") == 1  # shown to arm64 only


def test_local_boot_on_uefi_uses_exit_1_and_grub_chainloads():
    text = _render.ipxe(site())
    local = _ipxe_section(text, 'local-efi')
    assert 'exit 1' in local
    assert not re.search(r'^exit( 0)?$', text, re.M)
    # exit in a host script chained from boot.ipxe would end only that script (seen on OVMF and
    # SeaBIOS: the client then booted the menu default); chained with --replace it leaves iPXE.
    host_local = _render.ipxe(site(), host(entry='local'))
    assert [line for line in _ipxe_section(host_local, 'local-efi') if line and line[0] != '#'][-1] == 'exit 1'
    assert 'chain --replace --autofree ${base}/hosts/${netX/mac:hexhyp}.ipxe || goto netboot_menu' in text
    assert 'sanboot --no-describe --drive 0x80 || goto failed' in _ipxe_section(text, 'local-pcbios')
    grub = _render.grub(site(boot_loaders=IPXE_BIOS_PXELINUX))
    assert 'chainloader "$loader"' in grub
    assert '/EFI/BOOT/BOOTX64.EFI' in grub and '/EFI/BOOT/BOOTAA64.EFI' in grub
    pxelinux = _render.pxelinux(site(boot_loaders=IPXE_BIOS_PXELINUX))
    assert 'LOCALBOOT 0' in pxelinux


def test_pxelinux_timeout_in_tenths_and_menu_module():
    text = _render.pxelinux(site(boot_loaders=IPXE_BIOS_PXELINUX))
    assert 'UI menu.c32' in text
    assert 'TIMEOUT 70' in text
    assert 'ONTIMEOUT entry-debian' in text


def test_grub_default_path_into_submenu():
    text = _render.grub(site(boot_loaders=IPXE_BIOS_PXELINUX, default_entry='rescue'))
    assert "set default='menu-1-2>entry-rescue'" in text


def test_no_menu_and_no_default_boots_locally_everywhere():
    changes = dict(menu={'timeout': 0}, default_entry='', default_entries={})
    assert 'goto local-pcbios' in _render.ipxe(site(**changes))
    assert 'DEFAULT netboot-local' in _render.pxelinux(site(boot_loaders=IPXE_BIOS_PXELINUX, **changes))
    assert "set default='local'" in _render.grub(site(boot_loaders=IPXE_BIOS_PXELINUX, **changes))


def test_host_extra_cmdline_is_appended_in_every_rendering():
    extra = host(entry='rescue', cmdline='hostname=web01')
    assert 'rescue label="a b" hostname=web01 || goto failed' in _render.ipxe(site(), extra)
    assert 'APPEND rescue label="a b" hostname=web01' in _render.pxelinux(site(boot_loaders=IPXE_BIOS_PXELINUX), extra)
    assert "'hostname=web01'" in _render.grub(site(boot_loaders=IPXE_BIOS_PXELINUX), extra)


def test_a_failing_host_script_never_falls_back_to_the_menu():
    # Found on real firmware: without --replace, a host set to local boot whose disk fails returned
    # to boot.ipxe and booted the menu default (an installer, say).
    assert 'chain --replace --autofree ${base}/hosts/${netX/mac:hexhyp}.ipxe || goto netboot_menu' in _render.ipxe(site())


def test_host_file_does_not_chain_itself():
    text = _render.ipxe(site(), host(entry='rescue'))
    assert 'hosts/${netX/mac:hexhyp}.ipxe' not in text
    grub = _render.grub(site(boot_loaders=IPXE_BIOS_PXELINUX), host(entry='rescue'))
    assert 'configfile' not in grub


def test_host_entry_missing_for_an_architecture_says_so():
    text = _render.grub(site(boot_loaders=IPXE_BIOS_PXELINUX), host(entry='rescue'))
    assert "nothing to boot for efi-arm64 clients" in text


def test_chain_entries_are_ipxe_only():
    chain = {'name': 'nbxyz', 'title': 'netboot.xyz', 'chain': 'https://boot.netboot.xyz/menu.ipxe'}
    items = MENU['items'] + ['nbxyz']
    text = _render.ipxe(site(entries=ENTRIES + [chain], menu=dict(MENU, items=items)))
    assert 'chain --autofree https://boot.netboot.xyz/menu.ipxe || goto failed' in text
    assert 'item entry-nbxyz netboot.xyz' in text
    mixed = site(entries=ENTRIES + [chain], menu=dict(MENU, items=items), boot_loaders=IPXE_BIOS_PXELINUX)
    assert 'nbxyz' not in _render.pxelinux(mixed) and 'nbxyz' not in _render.grub(mixed)
