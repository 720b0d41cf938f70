# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pxe_hosts' action plugin run by ansible-playbook (local connection): hosts_src shipped only when needed.

The local connection logs every transfer at -vvv as ``PUT <src> TO <dest>``: the host file must be
put on the first run and after a change, and not at all on a rerun with nothing to do. The remote
temporary directory is checked to be left empty, the file looked up like copy's ``src`` (the
playbook's ``files/``), a vault-encrypted file decrypted, check mode honoured.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

from ansible_collections.netboot.pxe.plugins.action.pxe_hosts import as_json
from ansible_collections.netboot.pxe.plugins.module_utils import _hosts, _server

TREE = pathlib.Path(__file__).resolve().parents[4]          # .../ansible_collections/netboot/pxe
COLLECTIONS = TREE.parents[2]                               # the directory holding ansible_collections/
BIN = sys.executable.rsplit('/', 1)[0]
SETTINGS = {
    'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
    'network': '10.77.0.0/24', 'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1',
    'architectures': ['bios', 'efi-x86_64'], 'boot_loaders': {'efi-x86_64': 'grub'},
    'entries': [{'name': 'debian', 'kernel': 'linux', 'initrd': 'initrd.gz'}],
}
HOSTS = [{'mac': '52:54:00:00:00:01', 'ip': '10.77.0.21', 'hostname': 'web01', 'entry': 'debian'},
         {'mac': '52:54:00:00:00:02', 'entry': 'local'}]

pytestmark = pytest.mark.skipif(not os.path.exists(BIN + '/ansible-playbook') or TREE.parent.name != 'netboot',
                                reason='needs ansible-playbook and the built collection tree (make unit)')


@pytest.fixture
def lab(tmp_path):
    boot, dhcp, files = tmp_path / 'boot', tmp_path / 'dhcp', tmp_path / 'play' / 'files'
    for path in (boot, dhcp, files, tmp_path / 'remote-tmp'):
        path.mkdir(parents=True)
    site = {'boot_root': str(boot), 'dhcp_hosts_dir': str(dhcp), 'report_log': '', 'reload_service': '',
            'site': _server.plan(SETTINGS)['site']}
    (tmp_path / 'site.json').write_text(json.dumps(site))
    (tmp_path / 'vault-pass').write_text('test-vault-password\n')
    return tmp_path


def play(lab, hosts_src, check=False):
    """ansible-playbook with one pxe_hosts task at -vvv; (stdout, {ok, changed, failed}, the task's result)."""
    (lab / 'play' / 'play.yml').write_text('''
- name: Assign hosts from a controller file
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Assign
      netboot.pxe.pxe_hosts:
        hosts_src: %s
        exclusive: true
        site: %s
        state_file: %s
      register: assigned

    - name: Show the result for the test
      ansible.builtin.debug:
        msg: "RESULT {{ assigned | to_json }} END"
''' % (json.dumps(hosts_src), lab / 'site.json', lab / 'state.json'))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0',
               ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_REMOTE_TMP=str(lab / 'remote-tmp'), ANSIBLE_STDOUT_CALLBACK='default',
               ANSIBLE_VAULT_PASSWORD_FILE=str(lab / 'vault-pass'))
    command = [BIN + '/ansible-playbook', '-vvv', '-i', 'localhost,', str(lab / 'play' / 'play.yml')] + (['--check'] if check else [])
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False).stdout
    recap = re.search(r'localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)', out)
    shown = re.search(r'RESULT (.*) END', out)
    result = json.loads(json.loads('"%s"' % shown.group(1))) if shown else None  # the msg is JSON-escaped in the output
    return out, dict(zip(('ok', 'changed', 'failed'), map(int, recap.groups()))), result


def shipped(out):
    return [line for line in out.splitlines() if line.startswith('<localhost> PUT ') and line.rstrip().endswith('/hosts_src')]


def boot_files(lab):
    return dict((str(path.relative_to(lab)), path.read_text()) for path in sorted((lab / 'boot').rglob('*')) if path.is_file())


def test_file_is_shipped_only_when_the_server_needs_it(lab):
    fleet = lab / 'play' / 'files' / 'fleet.json'
    fleet.write_text(json.dumps(HOSTS))
    out, recap, result = play(lab, 'fleet.json')   # relative: found in the playbook's files/
    assert recap == {'ok': 2, 'changed': 1, 'failed': 0}, out
    assert result['hosts'] == 2 and result['written_count'] == 5 and 'hosts_src_wanted' not in result
    assert len(shipped(out)) == 1, out
    first = boot_files(lab)
    assert 'boot/hosts/52-54-00-00-00-01.ipxe' in first

    out, recap, result = play(lab, 'fleet.json')
    assert recap['changed'] == 0 and result['input_unchanged'] and not shipped(out), out

    fleet.write_text(json.dumps(HOSTS[:1]))
    out, recap, result = play(lab, 'fleet.json', check=True)
    assert recap['changed'] == 1 and len(shipped(out)) == 1 and result['removed'], out
    assert boot_files(lab) == first                 # check mode wrote and removed nothing
    out, recap, result = play(lab, str(fleet))
    assert recap['changed'] == 1 and result['hosts'] == 1, out
    assert result['removed'] and all('52-54-00-00-00-02' in path for path in result['removed'])
    assert list((lab / 'remote-tmp').iterdir()) == []


def test_vault_encrypted_file_is_decrypted_on_the_controller(lab):
    fleet = lab / 'play' / 'files' / 'fleet.yml'
    fleet.write_text('- {mac: 52:54:00:00:00:01, entry: debian}\n')
    subprocess.run([BIN + '/ansible-vault', 'encrypt', '--vault-password-file', str(lab / 'vault-pass'), str(fleet)],
                   check=True, capture_output=True)
    assert fleet.read_text().startswith('$ANSIBLE_VAULT')
    out, recap, result = play(lab, 'fleet.yml')
    assert recap['failed'] == 0 and result['hosts'] == 1, out
    assert (lab / 'boot' / 'hosts' / '52-54-00-00-00-01.ipxe').exists()
    assert list((lab / 'remote-tmp').iterdir()) == []


def test_missing_file_and_bad_content_fail_naming_hosts_src(lab):
    out, recap, dummy = play(lab, 'nope.json')
    assert recap['failed'] == 1 and 'hosts_src: cannot read nope.json on the controller' in out, out
    (lab / 'play' / 'files' / 'dup.json').write_text(json.dumps([HOSTS[0], HOSTS[0]]))
    out, recap, dummy = play(lab, 'dup.json')
    message = 'hosts_src[1] (52:54:00:00:00:01, web01): MAC 52:54:00:00:00:01 is also used by hosts_src[0]'
    assert recap['failed'] == 1 and message in out, out
    assert boot_files(lab) == {} and not (lab / 'state.json').exists()


def test_as_json_turns_yaml_into_json_and_keeps_json():
    data = b'[{"mac": "52:54:00:00:00:01"}]'
    assert as_json('f.json', data) is data
    yaml = b'- {mac: 52:54:00:00:00:01, entry: debian, boot_once: yes}\n- mac: 0x10\n'
    assert json.loads(as_json('f.yml', yaml)) == [{'mac': '52:54:00:00:00:01', 'entry': 'debian', 'boot_once': True}, {'mac': 16}]


@pytest.mark.parametrize('data,message', [
    (b'- {mac: 52:54:00:00:00:01, entry: 2026-11-26}\n', "hosts_src: f.yml holds datetime.date(2026, 11, 26), which YAML read as a date; quote it"),
    (b'- {mac: [\n', 'hosts_src: f.yml is not valid YAML'),
    (b'mac: 52:54:00:00:00:01\n', 'hosts_src: f.yml must hold a list of hosts'),
])
def test_as_json_refuses_what_json_cannot_carry(data, message):
    with pytest.raises(_hosts.HostError) as excinfo:
        as_json('f.yml', data)
    assert message in str(excinfo.value)
