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

import server
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


FIRMWARE_PROBE = 'Probe the server as PXE firmware would'
IPXE_PROBE = 'Probe the server as iPXE would'


def self_probe_problems(output, architectures, ipxe_architectures):
    """What is wrong with the role's self-probe in a playbook run's output (ANSIBLE_VERBOSITY=1), as a list.

    Both probe tasks must have run (not skipped: the iPXE probe has a ``when:`` of its own) and returned
    a probe per architecture, each offered its expected boot file; the firmware probe's files must have
    been downloaded and checked against SHA256SUMS.
    """
    problems = []
    for task, archs, fetched in ((FIRMWARE_PROBE, architectures, True), (IPXE_PROBE, ipxe_architectures, False)):
        result = server.task_result(output, task)
        if result is None or result.get('skipped') or result.get('failed') or 'probes' not in result:
            problems.append('%s: %s' % (task, 'never ran' if result is None else 'skipped' if result.get('skipped')
                                        else result.get('msg') or 'no probes in its result'))
            continue
        probes = result['probes']
        if sorted({probe['arch'] for probe in probes}) != sorted(archs):
            problems.append('%s: probed %s, not %s' % (task, sorted({probe['arch'] for probe in probes}), sorted(archs)))
        for probe in probes:
            if probe.get('ok') is not True:
                got = (probe.get('boot') or {}).get('boot_file')
                problems.append('%s: %s (code %s) got %r, expected %r'
                                % (task, probe['arch'], probe.get('arch_code'), got, probe.get('expected_boot_file')))
            if fetched and (probe.get('fetch') or {}).get('verified') is not True:
                problems.append('%s: %s not checked against SHA256SUMS: %s' % (task, probe['arch'], probe.get('fetch')))
    return problems


def test_full_dhcp_self_probe_and_every_client_class(pxe_server, monkeypatch):
    token = secrets.token_hex(8)
    architectures = ['bios', 'efi-x86_64', 'efi-arm64', 'http-x86_64']
    monkeypatch.setenv('ANSIBLE_VERBOSITY', '1')  # the tasks' results in the output
    proc = pxe_server.apply(pxe_server.variables(token, server_architectures=architectures, server_self_probe=True))
    monkeypatch.delenv('ANSIBLE_VERBOSITY')
    # The role ended by probing the server on pxe0 from the server itself, as firmware and as iPXE.
    problems = self_probe_problems(proc.stdout, architectures, ['bios', 'efi-x86_64'])
    assert not problems, problems

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


def test_proxy_dhcp_self_probe_and_port_4011(pxe_server, monkeypatch):
    netlab.site_dhcp_up(pxe_server.lab)
    try:
        token = secrets.token_hex(8)
        monkeypatch.setenv('ANSIBLE_VERBOSITY', '1')  # the tasks' results in the output
        proc = pxe_server.apply(pxe_server.variables(token, server_dhcp_mode='proxy', server_allow_full_dhcp=False,
                                                     server_self_probe=True))
        monkeypatch.delenv('ANSIBLE_VERBOSITY')
        problems = self_probe_problems(proc.stdout, ['bios', 'efi-x86_64'], ['bios', 'efi-x86_64'])
        assert not problems, problems
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
