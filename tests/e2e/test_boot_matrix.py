# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The loader matrix: PXELINUX and GRUB (default config and a per-MAC override), and Secure Boot.

Two clients boot side by side against one configuration: one whose MAC has an
entry of its own (its own token), one that gets the default entry.
"""

from __future__ import annotations

import concurrent.futures
import secrets
import time

import pytest

from harness import qemu
from test_boot import TIMEOUT, assert_booted

pytestmark = pytest.mark.e2e

HOST_MAC = '52:54:00:e2:10:01'
OTHER_MAC = '52:54:00:e2:10:02'


def boot_pair(pxe_server, firmware, log_dir, overrides):
    """Serve a default token and a per-host token, boot the host and another client at once."""
    default_token, host_token = secrets.token_hex(8), secrets.token_hex(8)
    pxe_server.apply(pxe_server.variables(default_token, host_tokens={HOST_MAC: host_token}, **overrides))
    started = time.time() - 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        host = pool.submit(qemu.boot, firmware, netns=pxe_server.lab.lan_ns, tap='tap0', mac=HOST_MAC,
                           log_dir=log_dir, timeout=TIMEOUT, name='host')
        other = pool.submit(qemu.boot, firmware, netns=pxe_server.lab.lan_ns, tap='tap1', mac=OTHER_MAC,
                            log_dir=log_dir, timeout=TIMEOUT, name='other')
        return (host.result(), host_token), (other.result(), default_token), started


def test_bios_pxelinux_default_and_per_mac(pxe_server, log_dir, record_boot):
    (host, host_token), (other, default_token), started = boot_pair(
        pxe_server, 'bios', log_dir, {'server_boot_loaders': {'bios': 'pxelinux'}, 'server_pxelinux_serial': '0 115200'})
    record_boot('bios: pxelinux.0, pxelinux.cfg/01-<mac>', host, host_token, 'bios')
    record_boot('bios: pxelinux.0, pxelinux.cfg/default', other, default_token, 'bios')
    assert_booted(host, host_token, 'bios')
    assert_booted(other, default_token, 'bios')
    assert 'PXELINUX' in qemu.clean_serial(other.serial_log.read_bytes())
    assert 'pxelinux.0' in pxe_server.offered(OTHER_MAC, started)


def test_uefi_grub_default_and_per_mac(pxe_server, log_dir, record_boot):
    (host, host_token), (other, default_token), started = boot_pair(
        pxe_server, 'uefi', log_dir, {'server_boot_loaders': {'efi-x86_64': 'grub'}})
    record_boot('uefi: grubnetx64.efi, grub.cfg-01-<mac>', host, host_token, 'uefi')
    record_boot('uefi: grubnetx64.efi, grub.cfg', other, default_token, 'uefi')
    assert_booted(host, host_token, 'uefi')
    assert_booted(other, default_token, 'uefi')
    offered = pxe_server.offered(HOST_MAC, started)
    assert offered[:2] == ['grubnetx64.efi', 'grubnetx64.efi (TFTP)'], offered


def test_uefi_secure_boot_shim_grub_signed_kernel(pxe_server, log_dir, record_boot):
    token = secrets.token_hex(8)
    pxe_server.apply(pxe_server.variables(token, server_secure_boot=True))
    started = time.time() - 1
    result = record_boot('uefi secure boot: shim -> grub -> kernel', qemu.boot(
        'uefi-secureboot', netns=pxe_server.lab.lan_ns, tap='tap2', mac='52:54:00:e2:10:03', log_dir=log_dir, timeout=TIMEOUT),
        token, 'uefi', secureboot='enabled')
    assert_booted(result, token, 'uefi', secureboot='enabled')
    assert pxe_server.offered('52:54:00:e2:10:03', started)[0] == 'shimx64.efi'
