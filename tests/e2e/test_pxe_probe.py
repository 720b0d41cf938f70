# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""netboot.pxe.pxe_probe against the lab's real server: the role's self-probe on the server itself, then the module
run by Ansible on the PXE LAN (the lan namespace's br0, 10.77.0.250) for BIOS, UEFI (7 and 9), arm64 (11), UEFI HTTP
boot (16, HTTPClient) and iPXE clients, beside a second DHCP server (rogue), and in proxyDHCP mode (port 4011).
No QEMU boots: the probe is the client."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys

import pytest

from lab import netlab

pytestmark = pytest.mark.e2e

SERVER = netlab.SERVER_IP


PLAYBOOK = """
- name: Probe
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Probe
      netboot.pxe.pxe_probe: "{{ probe_args }}"
      register: probe_result
      ignore_errors: true
    - name: Save the result
      ansible.builtin.copy:
        content: "{{ probe_result | to_json }}"
        dest: "{{ probe_out }}"
        mode: "0644"
"""


def pxe_probe(pxe_server, **args):
    """Run the module with Ansible on the PXE LAN (the lab's probe host); return its result."""
    work = pxe_server.work_dir / 'pxe-probe'
    work.mkdir(parents=True, exist_ok=True)
    playbook, out = work / 'probe.yml', work / ('result-%s.json' % secrets.token_hex(4))
    playbook.write_text(PLAYBOOK)
    extra = {'probe_args': dict(interface='br0', **args), 'probe_out': str(out), 'ansible_python_interpreter': sys.executable}
    command = shutil.which('ansible-playbook', path=os.path.dirname(sys.executable)) or 'ansible-playbook'
    env = dict(os.environ, ANSIBLE_NOCOLOR='1')
    if netlab.REPO.parent.parent.name == 'ansible_collections':
        env['ANSIBLE_COLLECTIONS_PATH'] = os.pathsep.join(filter(None, [str(netlab.REPO.parents[2]), env.get('ANSIBLE_COLLECTIONS_PATH')]))
    proc = subprocess.run(['ip', 'netns', 'exec', pxe_server.lab.lan_ns, command, '-i', 'localhost,', str(playbook),
                           '-e', json.dumps(extra)], capture_output=True, text=True, env=env, check=False, timeout=600)
    if not out.exists():
        raise AssertionError('ansible-playbook failed (%d): %s %s' % (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
    return json.loads(out.read_text())


def task_results(log, name):
    return [line for line in log.splitlines() if line.startswith('TASK [') and name in line]


def test_full_dhcp_self_probe_and_every_client_class(pxe_server):
    token = secrets.token_hex(8)
    proc = pxe_server.apply(pxe_server.variables(token, server_architectures=['bios', 'efi-x86_64', 'efi-arm64', 'http-x86_64'],
                                                 server_self_probe=True))
    # The role ended by probing the server on pxe0 from the server itself.
    assert task_results(proc.stdout, 'Probe the server as PXE firmware would'), proc.stdout[-3000:]
    assert task_results(proc.stdout, 'Probe the server as iPXE would'), proc.stdout[-3000:]

    expect = {'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi', '9': 'snponly.efi', 'efi-arm64': 'arm64/grubnetaa64.efi',
              'http-x86_64': 'http://%s/snponly.efi' % SERVER}
    result = pxe_probe(pxe_server, expect=expect, fetch='auto', request=True, timeout=3)
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is False and result['dhcp_servers'] == [SERVER] and result['rogue_dhcp'] is False
    got = [(p['arch'], p['arch_code'], p['boot']['boot_file'], p['fetch']['protocol'], p['fetch']['verified'],
            p['ack']['msg_type']) for p in result['probes']]
    assert got == [
        ('bios', 0, 'undionly.kpxe', 'tftp', True, 'ACK'),
        ('efi-x86_64', 7, 'snponly.efi', 'tftp', True, 'ACK'),
        ('efi-x86_64', 9, 'snponly.efi', 'tftp', True, 'ACK'),
        ('efi-arm64', 11, 'arm64/grubnetaa64.efi', 'tftp', True, 'ACK'),
        ('http-x86_64', 16, 'http://%s/snponly.efi' % SERVER, 'http', True, 'ACK'),
    ]
    http = result['probes'][4]
    assert http['vendor_class'] == 'HTTPClient:Arch:00016:UNDI:003000' and http['offers'][0]['option_60'] == 'HTTPClient'
    assert result['probes'][0]['fetch']['blksize'] == 1468
    assert result['mac'] not in pxe_server.ssh('cat /var/lib/misc/netboot-pxe-dnsmasq.leases'), 'leases given back'

    ipxe = pxe_probe(pxe_server, arch=['bios', 'efi-x86_64'], user_class='iPXE', expect_boot_file='http://%s/boot.ipxe' % SERVER,
                     fetch='auto', timeout=3)
    assert not ipxe.get('failed'), ipxe.get('msg')
    assert ipxe['probes'][0]['offers'][0]['option_175'][0]['name'] == 'no-pxedhcp'
    assert ipxe['probes'][0]['fetch']['size'] > 0 and ipxe['probes'][0]['fetch']['verified'] is None

    wrong = pxe_probe(pxe_server, arch=['efi-x86_64'], expect_boot_file='ipxe.efi', timeout=3)
    assert wrong['failed'] and wrong['msg'] == ("expect_boot_file: efi-x86_64 (option 93 code 7) clients would boot "
                                                "'snponly.efi' (from %s, dhcp), not 'ipxe.efi'" % SERVER)

    netlab.site_dhcp_up(pxe_server.lab)
    try:
        rogue = pxe_probe(pxe_server, timeout=3, allowed_dhcp_servers=[SERVER], fail_on_rogue=True)
    finally:
        netlab.site_dhcp_down(pxe_server.lab)
    assert rogue['failed'] and rogue['rogue_servers'] == [netlab.SITE_IP], rogue
    assert rogue['msg'] == 'fail_on_rogue: rogue DHCP server(s) on br0: %s hand out addresses (allowed: %s)' % (netlab.SITE_IP, SERVER)


def test_proxy_dhcp_self_probe_and_port_4011(pxe_server):
    netlab.site_dhcp_up(pxe_server.lab)
    try:
        token = secrets.token_hex(8)
        proc = pxe_server.apply(pxe_server.variables(token, server_dhcp_mode='proxy', server_allow_full_dhcp=False,
                                                     server_self_probe=True))
        assert task_results(proc.stdout, 'Probe the server as PXE firmware would'), proc.stdout[-3000:]
        result = pxe_probe(pxe_server, expect={'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi', '9': 'snponly.efi'},
                           fetch='tftp', timeout=3)
        ipxe = pxe_probe(pxe_server, arch=['bios', 'efi-x86_64'], user_class='iPXE', timeout=3,
                         expect_boot_file='http://%s/boot.ipxe' % SERVER)
    finally:
        netlab.site_dhcp_down(pxe_server.lab)
    assert not result.get('failed'), result.get('msg')
    assert result['dhcp_servers'] == [netlab.SITE_IP] and result['proxy_servers'] == [SERVER] and not result['rogue_dhcp']
    for probe in result['probes']:
        assert probe['boot']['source'] == 'boot-server' and probe['boot_server']['src_port'] == 4011, probe
        assert probe['fetch']['verified'] is True
    bios_proxy = [offer for offer in result['probes'][0]['offers'] if offer['proxy']][0]
    assert 'PXE_BOOT_MENU' in [sub['name'] for sub in bios_proxy['option_43']]
    assert not ipxe.get('failed'), ipxe.get('msg')
