# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""UEFI HTTP boot (option 93 code 16, vendor class HTTPClient): a URL as boot file, option 60 echoed."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

import pytest

from harness import qemu
from lab import netlab
from test_boot import assert_booted

pytestmark = pytest.mark.e2e

PROBES = netlab.REPO / 'tests' / 'lab' / 'probes.py'


def probe(pxe_server, mac, *args):
    out = subprocess.run(['ip', 'netns', 'exec', pxe_server.lab.lan_ns, sys.executable, str(PROBES), 'dhcp', 'br0', mac,
                          '--timeout', '4'] + list(args), capture_output=True, text=True, check=True).stdout
    return json.loads(out)['replies'][0]


def test_uefi_http_boot(pxe_server, log_dir, record_boot):
    """OVMF gets no PXE boot file, falls through to its HTTP boot option and loads iPXE from a URL."""
    token = secrets.token_hex(8)
    pxe_server.apply(pxe_server.variables(token, server_architectures=['bios', 'http-x86_64']))

    reply = probe(pxe_server, '52:54:00:e2:40:10', '--arch', '16', '--vendor-class', 'HTTPClient:Arch:00016:UNDI:003000')
    assert reply['bootfile'] == 'http://10.77.0.1/snponly.efi'
    assert reply['vendor_class'] == 'HTTPClient'
    # A PXE (TFTP) client of the same machine is not offered anything: x86-64 UEFI is served over HTTP only.
    assert not probe(pxe_server, '52:54:00:e2:40:11', '--arch', '7')['bootfile']

    result = record_boot('uefi http boot: URL -> snponly.efi -> script', qemu.boot(
        'uefi', netns=pxe_server.lab.lan_ns, tap='tap0', mac='52:54:00:e2:40:01', log_dir=log_dir, timeout=300), token, 'uefi')
    assert_booted(result, token, 'uefi')
    assert 'HTTP' in qemu.clean_serial(result.serial_log.read_bytes())
