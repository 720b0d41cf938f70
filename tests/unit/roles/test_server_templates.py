# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server role's loader configurations, rendered from real plans."""
from __future__ import annotations

import re

from ansible_collections.netboot.pxe.plugins.module_utils import _server

from render import defaults, render

BASE = {
    'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
    'network': '10.77.0.0/24', 'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1',
    'architectures': ['bios', 'efi-x86_64', 'efi-arm64'],
    'boot_loaders': {'bios': 'pxelinux', 'efi-x86_64': 'grub'},
    'entries': [
        {'name': 'amd64', 'title': "Debian's amd64", 'kernel': '/k/vmlinuz', 'initrd': ['/k/initrd.gz', '/k/extra.gz'],
         'cmdline': {'console': 'ttyS0', 'token': 'abc', 'label': 'a b'}},
        {'name': 'arm64', 'kernel': '/a/vmlinuz-arm64', 'initrd': '/a/initrd-arm64.gz', 'cmdline': 'console=ttyAMA0',
         'architectures': ['efi-arm64']},
    ],
    'default_entry': 'amd64',
    'default_entries': {'efi-arm64': 'arm64'},
    'hosts': [{'mac': '52:54:00:00:00:01', 'entry': 'arm64'}, {'mac': '52:54:00:00:00:02'}],
}


def variables(**extra):
    plan = _server.plan(BASE)
    data = defaults('server')
    data.update({'__server_plan': plan, '__server_base_url': 'http://10.77.0.1', '__server_address': '10.77.0.1'})
    data.update(extra)
    return data


def test_pxelinux_default_boots_the_bios_default_entry():
    text = render('server', 'pxelinux.cfg.j2', variables(__server_entry_name='amd64', server_pxelinux_serial='0 115200'))
    assert 'SERIAL 0 115200' in text
    assert 'DEFAULT amd64' in text
    assert '  KERNEL entries/amd64/vmlinuz' in text
    assert '  INITRD entries/amd64/initrd.gz,entries/amd64/extra.gz' in text
    assert '  APPEND console=ttyS0 token=abc label="a b"' in text


def test_pxelinux_without_entry_boots_locally():
    text = render('server', 'pxelinux.cfg.j2', variables(__server_entry_name=None))
    assert 'LOCALBOOT 0' in text and 'KERNEL' not in text


def test_grub_cfg_chains_per_host_file_and_branches_on_cpu():
    text = render('server', 'grub.cfg.j2', variables(__server_grub_entries={'x86_64': 'amd64', 'arm64': 'arm64'},
                                                     __server_grub_main=True))
    assert 'configfile "$prefix/grub.cfg-01-$m1-$m2-$m3-$m4-$m5-$m6"' in text
    assert '"$net_default_mac"' in text
    assert "if [ \"$grub_cpu\" = 'x86_64' ]; then" in text
    assert "elif [ \"$grub_cpu\" = 'arm64' ]; then" in text
    assert "menuentry 'Debian'\\''s amd64' {" in text
    assert "    linux /entries/amd64/vmlinuz 'console=ttyS0' 'token=abc' 'label=\"a' 'b\"'" in text
    assert '    initrd /entries/amd64/initrd.gz /entries/amd64/extra.gz' in text
    assert "    linux /entries/arm64/vmlinuz-arm64 'console=ttyAMA0'" in text
    assert text.rstrip().endswith('fi')
    # Every if/menuentry is closed.
    assert text.count('{') == text.count('}')
    assert len(re.findall(r'^(if|elif) \[ "\$grub_cpu"', text, re.M)) == 2


def test_ipxe_script_chains_hosts_and_branches_on_platform():
    plan = _server.plan(dict(BASE, boot_loaders={}))
    text = render('server', 'boot.ipxe.j2', variables(__server_plan=plan, server_ipxe_chainload_bios_rom=False))
    assert text.startswith('#!ipxe\n')
    assert 'chain --autofree ${base}/hosts/${net0/mac:hexhyp}.ipxe || goto netboot_default' in text
    assert 'iseq ${platform} pcbios && goto netboot_pcbios || goto netboot_efi' in text
    assert text.count('kernel ${base}/entries/amd64/vmlinuz initrd=initrd.gz initrd=extra.gz console=ttyS0 token=abc label="a b"') == 2
    assert 'undionly' not in text


def test_ipxe_host_script():
    plan = _server.plan(BASE)
    host = plan['hosts'][0]
    assert host['ipxe_name'] == '52-54-00-00-00-01.ipxe'
    assert host['pxelinux_name'] == '01-52-54-00-00-00-01' and host['grub_name'] == 'grub.cfg-01-52-54-00-00-00-01'
    text = render('server', 'host.ipxe.j2', variables(item=host))
    assert text.startswith('#!ipxe\n')
    assert 'kernel ${base}/entries/arm64/vmlinuz-arm64 initrd=initrd-arm64.gz console=ttyAMA0 || goto failed' in text


def test_ipxe_script_chains_a_chain_entry():
    entries = BASE['entries'] + [{'name': 'netboot.xyz', 'title': 'netboot.xyz', 'chain': 'https://boot.netboot.xyz/menu.ipxe'}]
    plan = _server.plan(dict(BASE, boot_loaders={}, entries=entries, default_entry='netboot.xyz'))
    text = render('server', 'boot.ipxe.j2', variables(__server_plan=plan, server_ipxe_chainload_bios_rom=False))
    assert text.count('chain --autofree https://boot.netboot.xyz/menu.ipxe || goto failed') == 2
    assert 'kernel ${base}/entries/netboot.xyz' not in text
