# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pxe_hosts reads the site from a JSON file: a PXELINUX SERIAL setting in it is checked before anything is written."""
from __future__ import annotations

import json

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _server

from pxe_hosts_runner import record_commands, run

SETTINGS = {
    'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
    'network': '10.77.0.0/24', 'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1',
    'architectures': ['bios', 'efi-x86_64'], 'boot_loaders': {'bios': 'pxelinux', 'efi-x86_64': 'grub'},
    'entries': [{'name': 'debian', 'kernel': 'linux', 'initrd': 'initrd.gz'}], 'menu': {'timeout': 3},
}
HOSTS = [{'mac': '52:54:00:00:00:01', 'entry': 'debian'}]


def setup_for(tmp_path, monkeypatch, serial):
    boot, dhcp = tmp_path / 'boot', tmp_path / 'dhcp'
    boot.mkdir()
    dhcp.mkdir()
    site = dict(_server.plan(SETTINGS)['site'], pxelinux_serial=serial)
    path = tmp_path / 'site.json'
    path.write_text(json.dumps({'site': site, 'boot_root': str(boot), 'dhcp_hosts_dir': str(dhcp), 'report_log': '',
                                'reload_service': ''}))
    record_commands(monkeypatch)
    return {'boot': boot, 'dhcp': dhcp, 'args': {'site': str(path), 'state_file': str(tmp_path / 'state.json')}}


@pytest.mark.parametrize('serial', ['0 115200\nDEFAULT evil\nLABEL evil\n  KERNEL http://10.77.0.9/k', '0\r', 'ttyS0'])
def test_a_bad_serial_in_the_site_file_is_refused_and_nothing_written(tmp_path, monkeypatch, capsys, serial):
    setup = setup_for(tmp_path, monkeypatch, serial)
    result = run(setup, capsys, hosts=HOSTS)
    assert result['rc'] == 1
    assert 'pxelinux_serial must be "port [baud [flow]]"' in result['msg'] and result['msg'].startswith('site: ')
    assert not list(setup['boot'].rglob('*')) and not list(setup['dhcp'].iterdir())


def test_a_good_serial_reaches_the_host_file(tmp_path, monkeypatch, capsys):
    setup = setup_for(tmp_path, monkeypatch, '1 9600')
    assert run(setup, capsys, hosts=HOSTS)['rc'] == 0
    assert 'SERIAL 1 9600\n' in (setup['boot'] / 'pxelinux.cfg' / '01-52-54-00-00-00-01').read_text()
