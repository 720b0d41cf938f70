# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local boot on real firmware: a host assigned ``entry: local`` leaves the network and boots its disk.

Each client has the network first (bootindex 1) and a local disk second (assets.local_disk():
a GPT disk whose ESP holds /EFI/BOOT/BOOTX64.EFI and whose MBR holds boot code). Both programs on
the disk print one line starting with assets.LOCAL_DISK_MARKER and power off; nothing the PXE
server serves prints it, so seeing it after the loader's local-boot message proves the hand-over:

* iPXE on UEFI ends the host script with ``exit 1`` and OVMF goes on to its next boot option;
* GRUB on UEFI finds /EFI/BOOT/BOOTX64.EFI on the disk and chainloads it itself;
* iPXE on BIOS boots the disk with ``sanboot --no-describe --drive 0x80``.
"""

from __future__ import annotations

import re
import secrets
import time

import pytest

from harness import assets, qemu
from test_boot import TIMEOUT

pytestmark = pytest.mark.e2e

UEFI_IPXE_MAC = '52:54:00:e2:50:01'
UEFI_GRUB_MAC = '52:54:00:e2:50:02'
BIOS_IPXE_MAC = '52:54:00:e2:50:03'

IPXE_UEFI_LOCAL = 'netboot.pxe: returning to the firmware to boot from a local disk'
IPXE_BIOS_LOCAL = 'netboot.pxe: booting from the first local disk'
# OVMF's boot manager starting the disk as a boot option of its own (not through a loader).
BDS_STARTS_DISK = re.compile(r'BdsDxe: starting Boot[0-9A-F]{4} "UEFI QEMU HARDDISK')
BDS_PXE4_FAILED = re.compile(r'BdsDxe: failed to start Boot[0-9A-F]{4} "UEFI PXEv4')
# After iPXE's exit OVMF tries the NIC's HTTPv4 option before the disk (harness: IPv6 off), and
# under TCG that one waits for its DHCP and HTTP timeouts.
UEFI_EXIT_TIMEOUT = 300


@pytest.fixture(scope='module')
def disk():
    return assets.local_disk()


def serve_local(pxe_server, mac, **overrides):
    """Serve a default entry (so a client that misses its assignment boots the marker initramfs) and ``mac`` -> local."""
    variables = pxe_server.variables(secrets.token_hex(8), **overrides)
    variables['server_hosts'] = [{'mac': mac, 'entry': 'local'}]
    pxe_server.apply(variables)


def host_script(pxe_server, mac):
    return pxe_server.ssh('cat /srv/netboot/hosts/%s.ipxe' % mac.replace(':', '-'))


def boot_with_disk(pxe_server, firmware, mac, tap, disk, log_dir, record_local_boot, path, timeout=TIMEOUT):
    result = qemu.boot(firmware, netns=pxe_server.lab.lan_ns, tap=tap, mac=mac, log_dir=log_dir, timeout=timeout,
                       name=firmware, disk=disk)
    log = qemu.clean_serial(result.serial_log.read_bytes())
    # The disk program powers off at once, so QEMU's run time is the time to the local disk.
    record_local_boot(path, result, assets.LOCAL_DISK_MARKER in log)
    assert not result.ok, 'the client booted the network entry instead of its disk: %s' % result.marker
    assert not result.timed_out, 'QEMU timed out; serial log tail:\n' + log[-3000:]
    return log


def position(log, text, after=0):
    """Index of ``text`` in ``log`` at or after ``after``; fails the test with the log tail when absent."""
    index = log.find(text, after)
    assert index >= 0, '%r not on the serial console (after offset %d); tail:\n%s' % (text, after, log[-3000:])
    return index


def test_uefi_ipxe_local_exits_to_the_next_boot_option(pxe_server, disk, log_dir, record_local_boot):
    """OVMF PXE -> snponly.efi -> host script -> ``exit 1`` -> OVMF boots the disk's BOOTX64.EFI."""
    serve_local(pxe_server, UEFI_IPXE_MAC)
    script = host_script(pxe_server, UEFI_IPXE_MAC)
    assert 'exit 1' in script.split(':local-efi', 1)[1], script
    log = boot_with_disk(pxe_server, 'uefi', UEFI_IPXE_MAC, 'tap0', disk, log_dir, record_local_boot,
                         'uefi: iPXE local -> exit 1 -> disk', timeout=UEFI_EXIT_TIMEOUT)
    script_at = position(log, '/hosts/52-54-00-e2-50-01.ipxe... ok')
    leaving = position(log, IPXE_UEFI_LOCAL, script_at)
    # iPXE returned an error to the firmware (exit 1), which counts the PXE option as failed ...
    failed = BDS_PXE4_FAILED.search(log, leaving)
    assert failed, 'iPXE did not return to the firmware:\n' + log[leaving:][-3000:]
    # ... and its boot manager, not iPXE, went on to start the disk's boot option.
    starts = BDS_STARTS_DISK.search(log, failed.end())
    assert starts, 'OVMF did not start the disk after iPXE exited:\n' + log[leaving:][-3000:]
    position(log, assets.LOCAL_DISK_EFI_LINE, starts.end())


def test_uefi_grub_local_chainloads_the_disk_loader(pxe_server, disk, log_dir, record_local_boot):
    """OVMF PXE -> grubnetx64.efi -> grub.cfg-01-<mac> (local) -> search + chainloader /EFI/BOOT/BOOTX64.EFI."""
    since = time.time() - 1
    serve_local(pxe_server, UEFI_GRUB_MAC, server_boot_loaders={'efi-x86_64': 'grub'})
    config = pxe_server.ssh('cat /srv/netboot/grub/grub.cfg-01-52-54-00-e2-50-02')
    assert 'chainloader' in config, config
    log = boot_with_disk(pxe_server, 'uefi', UEFI_GRUB_MAC, 'tap1', disk, log_dir, record_local_boot,
                         'uefi: GRUB local -> chainloader')
    sent = pxe_server.offered(UEFI_GRUB_MAC, since)
    assert any('grub.cfg-01-52-54-00-e2-50-02' in item for item in sent), sent
    started = position(log, 'BdsDxe: starting Boot')
    grub = position(log, 'Welcome to GRUB!', started)
    position(log, assets.LOCAL_DISK_EFI_LINE, grub)
    # Exactly one boot option ran (the network's): GRUB started the disk loader, the firmware never did.
    assert len(re.findall(r'BdsDxe: starting Boot', log)) == 1, log[-3000:]
    assert not BDS_STARTS_DISK.search(log), log[-3000:]
    assert 'no EFI loader on a local disk' not in log, log[-3000:]


def test_bios_ipxe_local_sanboots_the_first_disk(pxe_server, disk, log_dir, record_local_boot):
    """SeaBIOS + iPXE ROM -> host script -> ``sanboot --no-describe --drive 0x80`` -> the disk's MBR code."""
    serve_local(pxe_server, BIOS_IPXE_MAC)
    script = host_script(pxe_server, BIOS_IPXE_MAC)
    assert 'sanboot --no-describe --drive 0x80' in script, script
    log = boot_with_disk(pxe_server, 'bios', BIOS_IPXE_MAC, 'tap2', disk, log_dir, record_local_boot,
                         'bios: iPXE local -> sanboot 0x80')
    script_at = position(log, '/hosts/52-54-00-e2-50-03.ipxe... ok')
    leaving = position(log, IPXE_BIOS_LOCAL, script_at)
    position(log, assets.LOCAL_DISK_BIOS_LINE, leaving)
    # sanboot booted the disk from inside iPXE; SeaBIOS did not fall through to its next device.
    assert 'Booting from Hard Disk' not in log, log[-3000:]
