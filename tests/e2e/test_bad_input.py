# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad settings stop the run with the variable's name, and the live server keeps working as it was."""

from __future__ import annotations

import secrets

import pytest

pytestmark = pytest.mark.e2e

LIVE_STATE = ('sha256sum /etc/netboot-pxe/dnsmasq.conf /etc/nginx/sites-available/netboot-pxe /srv/netboot/boot.ipxe; '
              'systemctl show -p MainPID -p ActiveState netboot-pxe-dnsmasq; systemctl show -p ActiveState nginx; '
              'ls /etc/netboot-pxe/dhcp-hosts.d')


@pytest.fixture(scope='module')
def configured(pxe_server):
    variables = pxe_server.variables(secrets.token_hex(8), server_hosts=[{'mac': '52:54:00:e2:01:01', 'ip': '10.77.0.60'}])
    pxe_server.apply(variables)
    return variables


BAD = [
    ('unknown arch name', {'server_architectures': ['bios', 'efi64']},
     "server_architectures: [1] unknown client architecture 'efi64'"),
    ('arch without a boot loader', {'server_architectures': ['bios', 'efi-x86_64', 'efi-riscv64']},
     "server_boot_loaders: no default loader for 'efi-riscv64'"),
    ('loader without a build for the arch', {'server_boot_loaders': {'efi-x86_64': 'pxelinux'}},
     "server_boot_loaders: loader 'pxelinux' has no build for efi-x86_64"),
    ('GRUB in proxy mode', {'server_dhcp_mode': 'proxy', 'server_allow_full_dhcp': False, 'server_boot_loaders': {'efi-x86_64': 'grub'}},
     'in proxyDHCP mode GRUB and shim take their files from the site DHCP server'),
    ('unsigned loader under Secure Boot', {'server_secure_boot': True, 'server_boot_loaders': {'efi-x86_64': 'ipxe'}},
     "efi-x86_64 gets 'ipxe', which is not signed, while server_secure_boot is true"),
    ('relay network overlapping the LAN', {'server_relay_networks': [{'network': '10.77.0.128/25'}]},
     'server_relay_networks: [0] 10.77.0.128/25 overlaps 10.77.0.0/24'),
    ('host entry that does not exist', {'server_hosts': [{'mac': '52:54:00:e2:01:02', 'entry': 'nope'}]},
     "server_hosts[0] (52:54:00:e2:01:02): entry 'nope'"),
    ('pool outside the subnet', {'server_pool_start': '10.78.0.10', 'server_pool_end': '10.78.0.20'},
     'server_pool_start'),
    ('full DHCP without the opt-in', {'server_allow_full_dhcp': False},
     'server_allow_full_dhcp: must be true'),
    ('invalid MAC in a reservation', {'server_hosts': [{'mac': '52:54:00:e2:01', 'ip': '10.77.0.61'}]},
     "server_hosts[0] (52:54:00:e2:01): invalid MAC address '52:54:00:e2:01'"),
    ('unknown default entry', {'server_default_entry': 'nope'},
     "server_default_entry 'nope' is not the name of an entry"),
]


@pytest.mark.parametrize('label,overrides,message', BAD, ids=[b[0] for b in BAD])
def test_bad_setting_names_the_variable_and_changes_nothing(pxe_server, configured, label, overrides, message):
    before = pxe_server.ssh(LIVE_STATE)
    variables = dict(configured)
    variables.update(overrides)
    proc = pxe_server.apply(variables, check=False)
    assert proc.returncode != 0, '%s: the playbook succeeded' % label
    assert message in proc.stdout, proc.stdout[-4000:]
    assert 'Traceback' not in proc.stdout
    assert pxe_server.ssh(LIVE_STATE) == before


def test_config_dnsmasq_rejects_leaves_the_running_service_alone(pxe_server, configured):
    """A config that passes our checks but not dnsmasq's own (--test) never replaces the live one."""
    before = pxe_server.ssh(LIVE_STATE)
    variables = dict(configured, server_dnsmasq_extra_options=['dhcp-range=not-an-address,proxy'])
    proc = pxe_server.apply(variables, check=False)
    assert proc.returncode != 0
    assert 'dnsmasq --test' in proc.stdout or 'failed to validate' in proc.stdout, proc.stdout[-4000:]
    assert pxe_server.ssh(LIVE_STATE) == before
