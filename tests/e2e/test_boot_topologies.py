# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Boots in other network set-ups: proxyDHCP beside a site DHCP server, tftpd-hpa, a DHCP relay."""

from __future__ import annotations

import concurrent.futures
import secrets
import time

import pytest

from harness import qemu
from lab import netlab
from test_boot import TIMEOUT, assert_booted

pytestmark = pytest.mark.e2e


def boot_both(pxe_server, log_dir, bios_tap='tap0', uefi_tap='tap1', prefix='52:54:00:e2:20'):
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        bios = pool.submit(qemu.boot, 'bios', netns=pxe_server.lab.lan_ns, tap=bios_tap, mac=prefix + ':01',
                           log_dir=log_dir, timeout=TIMEOUT, name='bios')
        uefi = pool.submit(qemu.boot, 'uefi', netns=pxe_server.lab.lan_ns, tap=uefi_tap, mac=prefix + ':02',
                           log_dir=log_dir, timeout=TIMEOUT, name='uefi')
        return bios.result(), uefi.result()


@pytest.fixture
def site_dhcp(pxe_server):
    netlab.site_dhcp_up(pxe_server.lab)
    try:
        yield
    finally:
        netlab.site_dhcp_down(pxe_server.lab)


@pytest.fixture
def relay(pxe_server):
    netlab.relay_up(pxe_server.lab)
    try:
        yield
    finally:
        netlab.relay_down(pxe_server.lab)


def test_proxy_dhcp_beside_a_site_dhcp_server(pxe_server, site_dhcp, log_dir, record_boot):  # pylint: disable=unused-argument
    """The site server hands out addresses; the collection's dnsmasq (proxy mode) only the boot information."""
    token = secrets.token_hex(8)
    pxe_server.apply(pxe_server.variables(token, server_dhcp_mode='proxy', server_allow_full_dhcp=False))
    bios, uefi = boot_both(pxe_server, log_dir, prefix='52:54:00:e2:20')
    record_boot('proxyDHCP: bios iPXE ROM -> script', bios, token, 'bios')
    record_boot('proxyDHCP: uefi -> snponly.efi (4011)', uefi, token, 'uefi')
    assert_booted(bios, token, 'bios')
    assert_booted(uefi, token, 'uefi')
    leases = (pxe_server.lab.state_dir / 'site-dhcp.leases').read_text()
    assert '52:54:00:e2:20:01' in leases and '52:54:00:e2:20:02' in leases, 'the site server did not give the addresses'
    own = pxe_server.ssh('cat /var/lib/misc/netboot-pxe-dnsmasq.leases 2>/dev/null || true')
    assert '52:54:00:e2:20:0' not in own, 'the proxy handed out addresses: %s' % own


def test_tftpd_hpa_serves_pxelinux_and_grub(pxe_server, log_dir, record_boot):
    token = secrets.token_hex(8)
    pxe_server.apply(pxe_server.variables(token, server_tftp_server='tftpd-hpa', server_pxelinux_serial='0 115200',
                                          server_boot_loaders={'bios': 'pxelinux', 'efi-x86_64': 'grub'}))
    assert 'enable-tftp' not in pxe_server.ssh('cat /etc/netboot-pxe/dnsmasq.conf')
    started = time.time() - 1
    bios, uefi = boot_both(pxe_server, log_dir, prefix='52:54:00:e2:21')
    assert pxe_server.offered('52:54:00:e2:21:02', started)[0] == 'grubnetx64.efi'
    record_boot('tftpd-hpa: bios pxelinux.0', bios, token, 'bios')
    record_boot('tftpd-hpa: uefi grubnetx64.efi', uefi, token, 'uefi')
    assert_booted(bios, token, 'bios')
    assert_booted(uefi, token, 'uefi')
    assert pxe_server.ssh('systemctl is-active tftpd-hpa').strip() == 'active'


def test_dhcp_relay_remote_segment(pxe_server, relay, log_dir, record_boot):  # pylint: disable=unused-argument
    token = secrets.token_hex(8)
    remote = {'network': netlab.REMOTE_NET + '.0/24', 'router': netlab.ROUTER_REMOTE_IP, 'pool_offset': 99, 'pool_size': 100}
    pxe_server.apply(pxe_server.variables(token, server_relay_networks=[remote]))
    bios, uefi = boot_both(pxe_server, log_dir, bios_tap='rtap0', uefi_tap='rtap1', prefix='52:54:00:e2:22')
    record_boot('relay: bios on 10.78.0.0/24', bios, token, 'bios')
    record_boot('relay: uefi on 10.78.0.0/24', uefi, token, 'uefi')
    assert_booted(bios, token, 'bios')
    assert_booted(uefi, token, 'uefi')
    leases = pxe_server.ssh('cat /var/lib/misc/netboot-pxe-dnsmasq.leases')
    assert netlab.REMOTE_NET + '.' in leases, leases
