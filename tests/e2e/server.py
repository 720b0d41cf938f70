# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PXE server under test: the lab container, configured by the collection's own playbook."""

from __future__ import annotations

import collections
import contextlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
PLAYBOOK = REPO / 'playbooks' / 'pxe_server.yml'

# How the lab's server is set up: the PXE LAN is pxe0 (10.77.0.1/24) inside the lab.
LAB_VARS = {
    'server_interface': 'pxe0',
    'server_dhcp_mode': 'full',
    'server_allow_full_dhcp': True,
    'server_pool_offset': 99,
    'server_pool_size': 100,
    'server_dhcp_ping': False,
    'server_log_dhcp': True,
    'server_enable_ra': True,
}


# Every entry's command line carries a parameter whose value holds spaces (issue 12, item 3: GRUB
# split it). The kernel hands it to init as one environment variable; test_boot.assert_booted checks it.
SPACED_PARAM = ('preseed/late_command', 'in-target systemctl enable ssh')

_TXN = re.compile(r'dnsmasq-dhcp\[\d+\]: (\d+) (.*)$')


def _append_new(items, item):
    # DHCP repeats the file in OFFER and ACK, firmware fetches it twice over TFTP (size, then data).
    if not items or items[-1] != item:
        items.append(item)


def boot_files_by_mac(journal):
    """From dnsmasq's log-dhcp output: MAC -> boot files offered by DHCP and sent by TFTP, in order."""
    txn_mac, ip_mac, files = {}, {}, collections.defaultdict(list)
    for line in journal.splitlines():
        ack = re.search(r'DHCPACK\(\S+\) (\S+) ([0-9a-f:]{17})', line)
        if ack:
            ip_mac[ack.group(1)] = ack.group(2)
        sent = re.search(r'dnsmasq-tftp\[\d+\]: sent \S+?([^/\s]+) to (\S+)', line)
        if sent and sent.group(2) in ip_mac:
            _append_new(files[ip_mac[sent.group(2)]], '%s (TFTP)' % sent.group(1))
        match = _TXN.search(line)
        if not match:
            continue
        txn, text = match.groups()
        mac = re.search(r'DHCP(?:DISCOVER|REQUEST)\(\S+\) (?:\S+ )?([0-9a-f:]{17})', text)
        if mac:
            txn_mac[txn] = mac.group(1)
        boot = re.match(r'(?:bootfile name:|sent size:\s*\d+ option: 67 bootfile-name)\s+(\S+)', text)
        if boot and txn in txn_mac:
            _append_new(files[txn_mac[txn]], boot.group(1))
    return files


def task_result(output, task):
    """The result ansible-playbook printed for the first task whose title contains ``task`` (run with ANSIBLE_VERBOSITY=1).

    {'skipped': True} when the task was skipped, the failed result when it failed, None when it never ran.
    A header alone proves nothing: a task with its own ``when:`` prints its header and then skips.
    """
    lines = output.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if not (line.startswith('TASK [') and task in line):
            continue
        body = []
        for rest in lines[index + 1:]:
            if rest.startswith(('TASK [', 'RUNNING HANDLER [', 'PLAY [', 'PLAY RECAP')):
                break
            body.append(rest)
        text = ''.join(body)
        for match in re.finditer(r'^(ok|changed|fatal|failed|skipping): \[[^\]]*\](?:: FAILED!)?(?: => )?', text, re.M):
            if match.group(1) == 'skipping':
                return {'skipped': True}
            try:
                result = json.JSONDecoder().raw_decode(text, match.end())[0]
            except ValueError:
                result = {}
            return dict(result, _status=match.group(1))
        return None
    return None


class PlaybookError(RuntimeError):
    """ansible-playbook failed; the message carries its output."""


class PxeServer(object):
    """Applies playbooks/pxe_server.yml to the lab's server with per-test variables."""

    def __init__(self, lab, inventory, kernel, initrd, work_dir):
        self.lab = lab
        self.inventory = inventory
        self.kernel = kernel
        self.initrd = initrd
        self.work_dir = pathlib.Path(work_dir)

    def entry(self, name, token, title='netboot.pxe end-to-end test'):
        return {
            'name': name,
            'title': title,
            'kernel': str(self.kernel),
            'initrd': str(self.initrd),
            'cmdline': {'console': 'ttyS0', 'panic': -1, 'quiet': True, 'netboot_e2e_token': token, SPACED_PARAM[0]: SPACED_PARAM[1]},
        }

    def variables(self, token, host_tokens=None, **overrides):
        """Lab variables with a default entry carrying ``token``; ``host_tokens`` {mac: token} gives hosts their own entry."""
        data = dict(LAB_VARS)
        data['server_entries'] = [self.entry('e2e', token)]
        data['server_hosts'] = []
        for index, (mac, host_token) in enumerate(sorted((host_tokens or {}).items())):
            name = 'e2e-host%d' % index
            data['server_entries'].append(self.entry(name, host_token, title='netboot.pxe end-to-end test, host %s' % mac))
            data['server_hosts'].append({'mac': mac, 'entry': name})
        data['server_default_entry'] = 'e2e'
        data.update(overrides)
        return data

    def apply(self, variables, check=True):
        """Run the playbook; return the CompletedProcess (stdout+stderr in .stdout)."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        vars_file = self.work_dir / 'vars.json'
        vars_file.write_text(json.dumps(variables, indent=2))
        playbook_cmd = shutil.which('ansible-playbook', path=os.path.dirname(sys.executable)) or 'ansible-playbook'
        env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', ANSIBLE_HOST_KEY_CHECKING='False')
        if REPO.parent.parent.name == 'ansible_collections':
            # Run from a collection tree: make this very copy of the collection the one Ansible loads.
            env['ANSIBLE_COLLECTIONS_PATH'] = os.pathsep.join(filter(None, [str(REPO.parents[2]), env.get('ANSIBLE_COLLECTIONS_PATH')]))
        proc = subprocess.run([playbook_cmd, '-i', str(self.inventory), str(PLAYBOOK), '-e', '@%s' % vars_file],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, check=False)
        (self.work_dir / 'ansible-playbook.log').write_text(proc.stdout)
        if check and proc.returncode != 0:
            raise PlaybookError('ansible-playbook failed (%d):\n%s' % (proc.returncode, proc.stdout[-6000:]))
        return proc

    def offered(self, mac, since):
        """Boot files the server's dnsmasq offered (and sent over TFTP) to ``mac`` since the epoch time ``since``."""
        journal = self.ssh('journalctl -u netboot-pxe-dnsmasq --no-pager --since @%d' % int(since))
        return boot_files_by_mac(journal).get(mac, [])

    def ssh(self, command):
        """Run a command on the server; return its stdout."""
        from lab import netlab  # pylint: disable=import-outside-toplevel
        return netlab.ssh(self.lab, command).stdout


def node_dir(base, node_name):
    """A fresh ``base/<test name>/`` for one test's logs."""
    path = pathlib.Path(base) / re.sub(r'[^A-Za-z0-9._-]+', '_', node_name)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@contextlib.contextmanager
def lab_server(lab, work_dir):
    """``lab`` up (server container + PXE LAN) with a PxeServer driving it; torn down at the end even when tests fail."""
    from harness import assets  # pylint: disable=import-outside-toplevel
    from lab import netlab  # pylint: disable=import-outside-toplevel
    assets.ensure_host_packages()
    kernel = assets.kernel()
    initrd = assets.initramfs()
    try:
        yield PxeServer(lab, netlab.up(lab), kernel, initrd, work_dir)
    finally:
        netlab.down(lab)
