# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""arm64 UEFI (AAVMF) beside x86-64: code 11 gets the arm64 GRUB, code 7 keeps the x86-64 file."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

import pytest

from harness import assets, qemu
from lab import netlab
from server import SPACED_PARAM
from test_boot import TIMEOUT, assert_booted

pytestmark = pytest.mark.e2e

PROBES = netlab.REPO / 'tests' / 'lab' / 'probes.py'


def offer(pxe_server, mac, arch):
    out = subprocess.run(['ip', 'netns', 'exec', pxe_server.lab.lan_ns, sys.executable, str(PROBES), 'dhcp', 'br0', mac,
                          '--arch', str(arch), '--timeout', '4'], capture_output=True, text=True, check=True).stdout
    return json.loads(out)['replies'][0]


def test_arm64_uefi_grub_beside_x86_64(pxe_server, log_dir, record_boot):
    assets.ensure_host_packages(arm64=True)
    kernel, initrd = assets.kernel('arm64'), assets.initramfs(arch='arm64')
    token, arm_token = secrets.token_hex(8), secrets.token_hex(8)
    variables = pxe_server.variables(token, server_architectures=['bios', 'efi-x86_64', 'efi-arm64'],
                                     server_default_entries={'efi-arm64': 'e2e-arm64'})
    variables['server_entries'].append({
        'name': 'e2e-arm64', 'title': 'netboot.pxe end-to-end test (arm64)', 'kernel': str(kernel), 'initrd': str(initrd),
        'cmdline': {'console': 'ttyAMA0', 'panic': -1, 'quiet': True, 'netboot_e2e_token': arm_token, SPACED_PARAM[0]: SPACED_PARAM[1]},
        'architectures': ['efi-arm64'],
    })
    pxe_server.apply(variables)

    # Bifrost hands code 11 the x86-64 file; here each architecture gets its own.
    assert offer(pxe_server, '52:54:00:e2:30:0b', 11)['bootfile'] == 'arm64/grubnetaa64.efi'
    assert offer(pxe_server, '52:54:00:e2:30:07', 7)['bootfile'] == 'snponly.efi'
    assert offer(pxe_server, '52:54:00:e2:30:09', 9)['bootfile'] == 'snponly.efi'

    result = record_boot('arm64 uefi: grubnetaa64.efi -> arm64 kernel', qemu.boot(
        'arm64', netns=pxe_server.lab.lan_ns, tap='tap3', mac='52:54:00:e2:30:01', log_dir=log_dir, timeout=TIMEOUT),
        arm_token, 'uefi', machine='aarch64')
    assert_booted(result, arm_token, 'uefi', machine='aarch64')
