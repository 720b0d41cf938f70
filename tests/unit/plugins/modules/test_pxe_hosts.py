# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pxe_hosts end to end in-process: files, idempotence, check mode, errors that write nothing, dnsmasq reloads."""
from __future__ import annotations

import json

import pytest
from ansible.module_utils import basic

from ansible_collections.netboot.pxe.plugins.module_utils import _server

from pxe_hosts_runner import record_commands, run

SETTINGS = {
    'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
    'network': '10.77.0.0/24', 'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1',
    'architectures': ['bios', 'efi-x86_64'], 'boot_loaders': {'efi-x86_64': 'grub'},
    'entries': [{'name': 'debian', 'kernel': 'linux', 'initrd': 'initrd.gz'}], 'menu': {'timeout': 3},
}


@pytest.fixture
def setup(tmp_path, monkeypatch):
    boot, dhcp = tmp_path / 'boot', tmp_path / 'dhcp'
    boot.mkdir()
    dhcp.mkdir()
    site = tmp_path / 'site.json'
    site.write_text(json.dumps({'site': _server.plan(SETTINGS)['site'], 'boot_root': str(boot), 'dhcp_hosts_dir': str(dhcp),
                                'report_log': str(tmp_path / 'reports.log'), 'reload_service': 'netboot-pxe-dnsmasq'}))
    calls = record_commands(monkeypatch)
    return {'boot': boot, 'dhcp': dhcp, 'calls': calls,
            'args': {'site': str(site), 'state_file': str(tmp_path / 'state.json')}}


HOSTS = [{'mac': '52:54:00:00:00:01', 'ip': '10.77.0.21', 'hostname': 'web01', 'entry': 'debian', 'cmdline': {'hostname': 'web01'}},
         {'mac': '52:54:00:00:00:02', 'entry': 'local'}]


def test_writes_every_loader_file_then_nothing(setup, capsys):
    first = run(setup, capsys, hosts=HOSTS, exclusive=True)
    assert first['rc'] == 0 and first['changed'] and first['written_count'] == 5
    assert (setup['boot'] / 'hosts' / '52-54-00-00-00-01.ipxe').read_text().count('hostname=web01') == 1
    assert (setup['boot'] / 'grub' / 'grub.cfg-01-52-54-00-00-00-02').exists()
    assert (setup['dhcp'] / '52-54-00-00-00-01').read_text().endswith('52:54:00:00:00:01,10.77.0.21,web01\n')
    assert not setup['calls']  # a new reservation needs no reload: dnsmasq watches the directory
    second = run(setup, capsys, hosts=HOSTS, exclusive=True)
    assert not second['changed'] and second['unchanged'] == 5


def test_changed_or_removed_reservation_reloads_dnsmasq(setup, capsys):
    run(setup, capsys, hosts=HOSTS, exclusive=True)
    changed = [dict(HOSTS[0], ip='10.77.0.22'), HOSTS[1]]
    result = run(setup, capsys, hosts=changed, exclusive=True)
    assert result['reloaded'] and setup['calls'] == [['systemctl', 'reload', 'netboot-pxe-dnsmasq']]
    result = run(setup, capsys, hosts=[HOSTS[1]], exclusive=True)
    assert result['reloaded'] and len(result['removed']) == 3
    result = run(setup, capsys, hosts=[], exclusive=True)
    assert not result['reloaded'] and len(setup['calls']) == 2  # only boot files went


def test_check_mode_writes_nothing(setup, capsys):
    result = run(setup, capsys, check_mode=True, hosts=HOSTS)
    assert result['changed'] and result['written_count'] == 5
    assert not list(setup['boot'].rglob('*')) and not list(setup['dhcp'].iterdir())
    assert '52-54-00-00-00-01.ipxe' in result['diff']['after']


def test_bad_host_fails_naming_it_and_writes_nothing(setup, capsys):
    result = run(setup, capsys, hosts=HOSTS + [{'mac': '52:54:00:00:00:03', 'ip': '10.77.0.21'}])
    assert result['rc'] == 1 and result['msg'].startswith('hosts[2] (52:54:00:00:00:03): ip 10.77.0.21 is also used by hosts[0]')
    assert not list(setup['boot'].rglob('*')) and not list(setup['dhcp'].iterdir())


def test_missing_site_file_says_what_to_do(setup, capsys, tmp_path):
    result = run(setup, capsys, hosts=HOSTS, site=str(tmp_path / 'nope.json'))
    assert result['rc'] == 1 and 'run the netboot.pxe.server role first' in result['msg']


def test_absent_host_and_boot_once_report(setup, capsys, tmp_path):
    run(setup, capsys, hosts=[dict(HOSTS[0], boot_once=True)])
    (tmp_path / 'reports.log').write_text('9999999999.0 10.77.0.21 /netboot-pxe/report/52-54-00-00-00-01\n')
    result = run(setup, capsys, hosts=[dict(HOSTS[0], boot_once=True)])
    assert result['flipped'] == ['52:54:00:00:00:01'] and result['boot_once']['52:54:00:00:00:01']['done']
    assert 'goto local-' in (setup['boot'] / 'hosts' / '52-54-00-00-00-01.ipxe').read_text()
    result = run(setup, capsys, hosts=[{'mac': '52:54:00:00:00:01', 'state': 'absent'}])
    assert len(result['removed']) == 3 and result['reloaded']


@pytest.fixture
def warned(monkeypatch):
    """The module's warnings, recorded here: ansible-core keeps them in process-wide state, which would hand them
    to the results of later in-process module runs (other tests)."""
    texts = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, text: texts.append(text))
    return texts


def test_report_from_another_address_is_ignored_and_shown(setup, capsys, tmp_path, warned):
    host = dict(HOSTS[0], boot_once=True)
    run(setup, capsys, hosts=[host])
    reports = tmp_path / 'reports.log'
    reports.write_text('9999999990.5 10.77.0.250 /netboot-pxe/report/52-54-00-00-00-01\n')
    for _attempt in range(2):  # the rerun takes the no-change shortcut and still shows it
        result = run(setup, capsys, hosts=[host])
        assert result['rc'] == 0 and result['flipped'] == [] and not result['boot_once']['52:54:00:00:00:01']['done']
        assert result['ignored_reports'] == [{'mac': '52:54:00:00:00:01', 'address': '10.77.0.250', 'count': 1, 'last': 9999999990.5,
                                              'reason': 'sent from 10.77.0.250, not from the address reserved for the host (10.77.0.21)'}]
        assert warned == ['boot-once report for 52:54:00:00:00:01 ignored (1 request(s), the last at 9999999990.500): '
                          'sent from 10.77.0.250, not from the address reserved for the host (10.77.0.21)']
        assert 'goto entry-debian' in (setup['boot'] / 'hosts' / '52-54-00-00-00-01.ipxe').read_text()
        del warned[:]
    assert result['input_unchanged']
    with open(str(reports), 'a') as handle:
        handle.write('9999999991.0 10.77.0.21 /netboot-pxe/report/52-54-00-00-00-01\n')
    result = run(setup, capsys, hosts=[host])
    assert result['flipped'] == ['52:54:00:00:00:01'] and 'goto local-' in (setup['boot'] / 'hosts' / '52-54-00-00-00-01.ipxe').read_text()


def test_pool_host_report_is_checked_against_the_lease_file(setup, capsys, tmp_path, warned):
    site = json.loads(open(setup['args']['site']).read())
    leases = tmp_path / 'dnsmasq.leases'
    site['lease_file'] = str(leases)
    with open(setup['args']['site'], 'w') as handle:
        json.dump(site, handle)
    host = {'mac': '52:54:00:00:00:01', 'entry': 'debian', 'boot_once': True}
    run(setup, capsys, hosts=[host])
    (tmp_path / 'reports.log').write_text('9999999990.0 10.77.0.150 /netboot-pxe/report/52-54-00-00-00-01\n')
    result = run(setup, capsys, hosts=[host])
    assert not result['flipped'] and 'lease file %s does not exist' % leases in result['ignored_reports'][0]['reason']
    # The lease appears (dnsmasq rewrote the file): the same report now counts, though the report log did not change.
    leases.write_text('0 52:54:00:00:00:01 10.77.0.150 * *\n')
    result = run(setup, capsys, hosts=[host])
    assert result['flipped'] == ['52:54:00:00:00:01'] and not result['input_unchanged']
    # lease_file overrides the site's; "" means none.
    host = dict(host, entry='local', boot_once=False)
    other = {'mac': '52:54:00:00:00:02', 'entry': 'debian', 'boot_once': True}
    run(setup, capsys, hosts=[host, other], lease_file='')
    (tmp_path / 'reports.log').write_text('9999999992.0 10.77.0.150 /netboot-pxe/report/52-54-00-00-00-02\n')
    leases.write_text('0 52:54:00:00:00:02 10.77.0.150 * *\n')
    result = run(setup, capsys, hosts=[host, other], lease_file='')
    assert not result['flipped'] and 'there is no lease file' in result['ignored_reports'][0]['reason']
    assert len(warned) == 2 and 'there is no lease file' in warned[-1]


def test_host_keys_are_checked_by_the_module(setup, capsys):
    result = run(setup, capsys, hosts=[{'mac': '52:54:00:00:00:01', 'state': 'gone'}])
    assert result['rc'] == 1 and result['msg'] == "hosts[0] (52:54:00:00:00:01): state must be present or absent, got 'gone'"
    result = run(setup, capsys, hosts=[{'mac': '52:54:00:00:00:01', 'entry': 'debian', 'menu': 'maybe'}])
    assert result['rc'] == 1 and 'menu must be true or false' in result['msg']
    result = run(setup, capsys, hosts=[{'mac': '52:54:00:00:00:01', 'entry': 'debian', 'menu': 'yes', 'colour': 'red'}])
    assert result['rc'] == 1 and 'unknown keys colour' in result['msg']
    result = run(setup, capsys, hosts=[{'mac': '52:54:00:00:00:01', 'entry': 'debian', 'menu': 'yes'}])
    assert result['rc'] == 0 and result['written_count'] == 2


@pytest.mark.parametrize('state', [
    {'version': 1, 'files': ['x']},
    {'version': 1, 'files': {}, 'once': {'52:54:00:00:00:01': {'key': 'k', 'since': 'then', 'done': False}}},
    {'version': 1, 'files': {'/x': [1, 2]}, 'once': {}},
])
def test_damaged_state_file_fails_and_changes_nothing(setup, capsys, tmp_path, state):
    """A state file whose fields have the wrong type used to crash the module; now it is a clear error, before any write."""
    path = tmp_path / 'state.json'
    path.write_text(json.dumps(state))
    before = path.read_bytes()
    result = run(setup, capsys, hosts=HOSTS, exclusive=True)
    assert result['rc'] == 1 and result['msg'].startswith('state file %s is damaged: ' % path), result['msg']
    assert path.read_bytes() == before
    assert not list(setup['boot'].rglob('*')) and not list(setup['dhcp'].iterdir())


@pytest.mark.parametrize('host,message', [
    ({'mac': '52:54:00:00:00:01', 'entry': ['debian']}, 'hosts[0] (52:54:00:00:00:01): entry must be the name of one entry'),
    ({'mac': '52:54:00:00:00:01', 1: 'x'}, 'hosts[0] (52:54:00:00:00:01) has unknown keys 1 '),
    ({'mac': '52:54:00:00:00:01', 'ip': '10.77.0.1'}, 'hosts[0] (52:54:00:00:00:01): ip 10.77.0.1 is the server address'),
    ({'mac': '52:54:00:00:00:01', 'hostname': 'web01\n'}, "hosts[0] (52:54:00:00:00:01, web01\n): hostname 'web01\\n' is not"),
])
def test_wrong_host_values_fail_naming_the_host_and_write_nothing(setup, capsys, host, message):
    result = run(setup, capsys, hosts=[host])
    assert result['rc'] == 1 and result['msg'].startswith(message), result['msg']
    assert not list(setup['boot'].rglob('*')) and not list(setup['dhcp'].iterdir())


def test_host_ips_with_spaces_are_one_address(setup, capsys):
    hosts = [dict(HOSTS[0]), {'mac': '52:54:00:00:00:03', 'ip': ' 10.77.0.21'}]
    result = run(setup, capsys, hosts=hosts)
    assert result['rc'] == 1 and 'ip 10.77.0.21 is also used by hosts[0]' in result['msg']
