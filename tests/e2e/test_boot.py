# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real firmware boots against the server that playbooks/pxe_server.yml configured.

Each test serves a fresh random token on the kernel command line and requires the
initramfs marker to carry it, so a stale file on the server can never pass. Every boot also
checks that a parameter whose value holds spaces (server.SPACED_PARAM) reached the kernel as one
value: on GRUB clients that is the proof for issue 12, item 3.
"""

from __future__ import annotations

import re
import secrets

import pytest

from harness import qemu
from server import SPACED_PARAM

pytestmark = pytest.mark.e2e

TIMEOUT = 150


def serve_token(pxe_server, **overrides):
    token = secrets.token_hex(8)
    pxe_server.apply(pxe_server.variables(token, **overrides))
    return token


def assert_booted(result, token, firmware_type, **fields):
    """The check the boot matrix's "pass" rests on (qemu.booted), with the serial log's tail when it fails."""
    log = result.serial_log.read_text(errors='replace') if result.serial_log and result.serial_log.exists() else ''
    assert result.ok, 'no marker (QEMU %s); serial log tail:\n%s' % ('timed out' if result.timed_out else 'exited %s' % result.returncode, log[-3000:])
    ok, checked = qemu.booted(result, token, firmware_type, **fields)
    assert ok, '%s; marker: %s' % (checked, result.marker)
    assert_spaced_param_intact(result)


def assert_spaced_param_intact(result):
    """The kernel parsed SPACED_PARAM as one value: init's environment holds exactly that value."""
    name, value = SPACED_PARAM
    arrived = result.init_environ().get(name)
    assert arrived == value, '%s arrived as %r, not %r; /proc/cmdline: %s' % (name, arrived, value, result.fields['cmdline'])


def test_bios_ipxe_rom_boots_the_http_script(pxe_server, log_dir, record_boot):
    """SeaBIOS + the NIC's iPXE ROM: recognised as iPXE, sent straight to the HTTP script."""
    token = serve_token(pxe_server)
    result = record_boot('bios: iPXE ROM -> HTTP script', qemu.boot(
        'bios', netns=pxe_server.lab.lan_ns, tap='tap0', mac='52:54:00:e2:00:01', log_dir=log_dir, timeout=TIMEOUT), token, 'bios')
    assert_booted(result, token, 'bios')
    log = qemu.clean_serial(result.serial_log.read_bytes())
    assert 'netboot.pxe: netboot.pxe end-to-end test' in log


def test_bios_chainloads_undionly_kpxe(pxe_server, log_dir, record_boot):
    """BIOS chainloading the server's undionly.kpxe over TFTP, then the HTTP script."""
    token = serve_token(pxe_server, server_ipxe_chainload_bios_rom=True)
    result = record_boot('bios: undionly.kpxe -> HTTP script', qemu.boot(
        'bios', netns=pxe_server.lab.lan_ns, tap='tap1', mac='52:54:00:e2:00:02', log_dir=log_dir, timeout=TIMEOUT), token, 'bios')
    assert_booted(result, token, 'bios')
    log = qemu.clean_serial(result.serial_log.read_bytes())
    assert re.search(r'netboot\.pxe: iPXE \S+ on undionly \(pcbios', log), 'undionly.kpxe never ran:\n' + log[-3000:]


def test_uefi_firmware_pxe_gets_snponly_then_http(pxe_server, log_dir, record_boot):
    """OVMF's own PXE client (NIC ROM disabled) -> snponly.efi over TFTP -> HTTP script -> kernel."""
    token = serve_token(pxe_server)
    result = record_boot('uefi: snponly.efi -> HTTP script', qemu.boot(
        'uefi', netns=pxe_server.lab.lan_ns, tap='tap2', mac='52:54:00:e2:00:03', log_dir=log_dir, timeout=TIMEOUT), token, 'uefi')
    assert_booted(result, token, 'uefi')
    log = qemu.clean_serial(result.serial_log.read_bytes())
    assert re.search(r'netboot\.pxe: iPXE \S+ on \S+ \(efi', log), log[-3000:]
