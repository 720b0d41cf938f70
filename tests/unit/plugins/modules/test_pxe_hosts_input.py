# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pxe_hosts' no-change shortcut and hosts_file: what a rerun still notices, and the file giving the same result."""
from __future__ import annotations

import json
import os
import time

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _hosts_input, _server

from pxe_hosts_runner import record_commands, run

SETTINGS = {
    'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
    'network': '10.77.0.0/24', 'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1',
    'architectures': ['bios', 'efi-x86_64'], 'boot_loaders': {'efi-x86_64': 'grub'},
    'entries': [{'name': 'debian', 'kernel': 'linux', 'initrd': 'initrd.gz'}, {'name': 'rescue', 'kernel': 'vmlinuz'}],
    'menu': {'timeout': 3},
}
HOSTS = [{'mac': '52:54:00:00:00:01', 'ip': '10.77.0.21', 'hostname': 'web01', 'entry': 'debian', 'cmdline': {'hostname': 'web01'}},
         {'mac': '52:54:00:00:00:02', 'entry': 'local'}]
IPXE = os.path.join('hosts', '52-54-00-00-00-01.ipxe')


def _write_site(path, settings):
    data = json.loads(path.read_text())
    data['site'] = _server.plan(settings)['site']
    path.write_text(json.dumps(data))


@pytest.fixture
def setup(tmp_path, monkeypatch):
    boot, dhcp = tmp_path / 'boot', tmp_path / 'dhcp'
    boot.mkdir()
    dhcp.mkdir()
    site = tmp_path / 'site.json'
    site.write_text(json.dumps({'boot_root': str(boot), 'dhcp_hosts_dir': str(dhcp), 'report_log': str(tmp_path / 'reports.log'),
                                'reload_service': 'netboot-pxe-dnsmasq'}))
    _write_site(site, SETTINGS)
    calls = record_commands(monkeypatch)
    return {'boot': boot, 'dhcp': dhcp, 'site': site, 'calls': calls, 'state': tmp_path / 'state.json',
            'reports': tmp_path / 'reports.log', 'args': {'site': str(site), 'state_file': str(tmp_path / 'state.json')}}


def test_rerun_takes_the_shortcut_with_the_same_result(setup, capsys):
    first = run(setup, capsys, hosts=HOSTS, exclusive=True)
    assert first['changed'] and not first['input_unchanged'] and first['written_count'] == 5
    second = run(setup, capsys, hosts=HOSTS, exclusive=True)
    assert second['input_unchanged'] and not second['changed']
    assert (second['hosts'], second['unchanged'], second['written'], second['removed']) == (2, 5, [], [])
    assert second['diff']['before'] == second['diff']['after'] == ''
    assert not setup['calls']


@pytest.mark.parametrize('change', ['delete', 'edit'])
def test_rerun_puts_back_a_deleted_or_edited_file(setup, capsys, change):
    run(setup, capsys, hosts=HOSTS, exclusive=True)
    path = setup['boot'] / IPXE
    original = path.read_text()
    if change == 'delete':
        path.unlink()
    else:
        path.write_text(original.replace('web01', 'web02'))  # same size: the mtime gives it away
    checked = run(setup, capsys, check_mode=True, hosts=HOSTS, exclusive=True)
    assert checked['changed'] and checked['written'] == [str(path)] and not checked['input_unchanged']
    assert (not path.exists()) if change == 'delete' else path.read_text() != original
    result = run(setup, capsys, hosts=HOSTS, exclusive=True)
    assert result['changed'] and result['written'] == [str(path)] and result['unchanged'] == 4
    assert path.read_text() == original
    assert run(setup, capsys, hosts=HOSTS, exclusive=True)['input_unchanged']


def test_changed_entry_site_or_option_takes_the_full_path(setup, capsys):
    run(setup, capsys, hosts=HOSTS, exclusive=True)
    moved = [dict(HOSTS[0], entry='rescue'), HOSTS[1]]
    result = run(setup, capsys, hosts=moved, exclusive=True)
    assert result['changed'] and not result['input_unchanged'] and 'rescue' in (setup['boot'] / IPXE).read_text()
    _write_site(setup['site'], dict(SETTINGS, entries=[dict(SETTINGS['entries'][0]), {'name': 'rescue', 'kernel': 'vmlinuz2'}]))
    result = run(setup, capsys, hosts=moved, exclusive=True)
    assert result['changed'] and 'vmlinuz2' in (setup['boot'] / IPXE).read_text()
    assert run(setup, capsys, hosts=moved, exclusive=True)['input_unchanged']
    # exclusive=false keeps the files of hosts not listed; then exclusive=true removes them.
    result = run(setup, capsys, hosts=[HOSTS[1]], exclusive=False)
    assert not result['changed'] and not result['input_unchanged'] and (setup['boot'] / IPXE).exists()
    assert run(setup, capsys, hosts=[HOSTS[1]], exclusive=False)['input_unchanged']
    result = run(setup, capsys, hosts=[HOSTS[1]], exclusive=True)
    assert len(result['removed']) == 3 and not (setup['boot'] / IPXE).exists() and result['reloaded']


def test_boot_once_report_and_completed_defeat_the_shortcut(setup, capsys):
    hosts = [dict(HOSTS[0], boot_once=True), HOSTS[1]]
    run(setup, capsys, hosts=hosts)
    assert run(setup, capsys, hosts=hosts)['input_unchanged']
    setup['reports'].write_text('%f 10.77.0.21 /netboot-pxe/report/52-54-00-00-00-01\n' % (time.time() + 0.001))
    result = run(setup, capsys, hosts=hosts)
    assert result['flipped'] == ['52:54:00:00:00:01'] and 'goto local-' in (setup['boot'] / IPXE).read_text()
    assert run(setup, capsys, hosts=hosts)['input_unchanged']
    # Nobody waits for a report any more: a new one changes nothing and costs no full run.
    with open(str(setup['reports']), 'a') as handle:
        handle.write('%f 10.77.0.22 /netboot-pxe/report/52-54-00-00-00-09\n' % time.time())
    assert run(setup, capsys, hosts=hosts)['input_unchanged']
    # A new assignment arms boot-once again (older reports do not count); completed ends it without a report.
    time.sleep(0.01)
    again = [dict(hosts[0], entry='rescue'), HOSTS[1]]
    assert not run(setup, capsys, hosts=again)['boot_once']['52:54:00:00:00:01']['done']
    assert run(setup, capsys, hosts=again)['input_unchanged']
    result = run(setup, capsys, hosts=again, completed=['52-54-00-00-00-01'])
    assert result['flipped'] == ['52:54:00:00:00:01'] and not result['input_unchanged']
    assert run(setup, capsys, hosts=again, completed=['52-54-00-00-00-01'])['input_unchanged']


def test_a_state_from_before_the_shortcut_or_other_code_gets_a_full_run(setup, capsys, monkeypatch):
    run(setup, capsys, hosts=HOSTS)
    state = json.loads(setup['state'].read_text())
    del state['input']
    setup['state'].write_text(json.dumps(state))
    result = run(setup, capsys, hosts=HOSTS)
    assert not result['changed'] and not result['input_unchanged'] and 'input' in json.loads(setup['state'].read_text())
    monkeypatch.setattr(_hosts_input, 'code_fingerprint', lambda: 'an upgraded collection')
    assert not run(setup, capsys, hosts=HOSTS)['input_unchanged']
    assert run(setup, capsys, hosts=HOSTS)['input_unchanged']
    monkeypatch.setattr(_hosts_input, 'code_fingerprint', lambda: None)  # source not readable: always the full path
    assert not run(setup, capsys, hosts=HOSTS)['input_unchanged']
    assert not run(setup, capsys, hosts=HOSTS)['input_unchanged']


def test_hosts_file_writes_what_the_list_writes(setup, capsys, tmp_path):
    run(setup, capsys, hosts=HOSTS, exclusive=True)
    from_list = dict((path, path.read_text()) for path in setup['boot'].rglob('*') if path.is_file())
    for path in list(setup['boot'].rglob('*')) + list(setup['dhcp'].iterdir()):
        if path.is_file():
            path.unlink()
    setup['state'].unlink()
    hosts_file = tmp_path / 'hosts.yml'
    hosts_file.write_text('- {mac: 52:54:00:00:00:01, ip: 10.77.0.21, hostname: web01, entry: debian, cmdline: {hostname: web01}}\n'
                          '- {mac: 52-54-00-00-00-02, entry: local}\n- {mac: 52:54:00:00:00:03, state: absent}\n')
    result = run(setup, capsys, hosts_file=str(hosts_file), exclusive=True)
    assert result['changed'] and result['hosts'] == 2 and result['written_count'] == 5
    assert dict((path, path.read_text()) for path in setup['boot'].rglob('*') if path.is_file()) == from_list
    assert run(setup, capsys, hosts_file=str(hosts_file), exclusive=True)['input_unchanged']
    hosts_file.write_text(json.dumps([HOSTS[1]]))
    result = run(setup, capsys, hosts_file=str(hosts_file), exclusive=True)
    assert result['hosts'] == 1 and len(result['removed']) == 3


@pytest.mark.parametrize('content,args,message', [
    ('[{"mac": "52:54:00:00:00:01"}, {"mac": "52:54:00:00:00:01"}]', {},
     'hosts_file[1] (52:54:00:00:00:01): MAC 52:54:00:00:00:01 is also used by hosts_file[0]'),
    ('- mac: 52:54:00:00:00:01\n  state: gone\n', {}, "hosts_file[0] (52:54:00:00:00:01): state must be present or absent, got 'gone'"),
    ('- mac: 52:54:00:00:00:01\n  entry: debian\n  menu: maybe\n', {}, 'hosts_file[0] (52:54:00:00:00:01): menu must be true or false'),
    ('- 52:54:00:00:00:01\n', {}, 'hosts_file[0] must be a dict with at least "mac"'),
    ('{"hosts": []}', {}, 'must hold a list of hosts'),
    ('[]', {'hosts': HOSTS}, 'hosts and hosts_file: give the host list in one of them, not several'),
])
def test_bad_hosts_file_fails_naming_the_host_and_writes_nothing(setup, capsys, tmp_path, content, args, message):
    hosts_file = tmp_path / 'hosts.yml'
    hosts_file.write_text(content)
    result = run(setup, capsys, hosts_file=str(hosts_file), **args)
    assert result['rc'] == 1 and message in result['msg']
    assert not list(setup['boot'].rglob('*')) and not setup['state'].exists()


def test_missing_hosts_file(setup, capsys, tmp_path):
    result = run(setup, capsys, hosts_file=str(tmp_path / 'nope.yml'))
    assert result['rc'] == 1 and 'copy the host list to the server first' in result['msg']


def _src_args(hosts_file, shipped=None):
    """What the action plugin sends for hosts_src: the controller path, the sha256, and (second call) the shipped copy."""
    args = {'hosts_src': '/controller/fleet.json',
            '_hosts_src_digest': _hosts_input.hosts_digest(hosts_file.read_bytes())}
    if shipped:
        args['_hosts_src_path'] = str(shipped)
    return args


def test_hosts_src_asks_for_the_file_only_when_the_state_differs(setup, capsys, tmp_path):
    fleet = tmp_path / 'fleet.json'
    fleet.write_text(json.dumps(HOSTS))
    asked = run(setup, capsys, exclusive=True, **_src_args(fleet))
    assert asked == {'changed': False, 'hosts_src_wanted': True, 'rc': 0, 'invocation': asked['invocation']}
    assert not list(setup['boot'].rglob('*')) and not setup['state'].exists()
    result = run(setup, capsys, exclusive=True, **_src_args(fleet, shipped=fleet))
    assert result['changed'] and result['hosts'] == 2 and result['written_count'] == 5
    again = run(setup, capsys, exclusive=True, **_src_args(fleet))
    assert again['input_unchanged'] and not again['changed'] and 'hosts_src_wanted' not in again
    # The same list given as hosts_src or as hosts renders the same files: the switch changes nothing.
    assert not run(setup, capsys, hosts=HOSTS, exclusive=True)['changed']
    # An edited managed file is noticed from the digest alone: the file is asked for again.
    (setup['boot'] / IPXE).write_text('edited')
    assert run(setup, capsys, exclusive=True, **_src_args(fleet))['hosts_src_wanted']
    fleet.write_text(json.dumps([HOSTS[1]]))
    assert run(setup, capsys, exclusive=True, **_src_args(fleet))['hosts_src_wanted']


def test_hosts_src_errors_name_the_controller_file(setup, capsys, tmp_path):
    fleet = tmp_path / 'fleet.json'
    fleet.write_text('[{"mac": "52:54:00:00:00:01"}, {"mac": "52:54:00:00:00:01"}]')
    result = run(setup, capsys, **_src_args(fleet, shipped=fleet))
    assert result['rc'] == 1
    assert 'hosts_src[1] (52:54:00:00:00:01): MAC 52:54:00:00:00:01 is also used by hosts_src[0]' in result['msg']
    fleet.write_text('[{"mac": ')
    result = run(setup, capsys, **_src_args(fleet, shipped=fleet))
    assert result['rc'] == 1 and 'hosts_src: /controller/fleet.json is not valid JSON' in result['msg']
    assert not list(setup['boot'].rglob('*')) and not setup['state'].exists()


@pytest.mark.parametrize('args,message', [
    ({'hosts_src': '/controller/fleet.json'}, 'read by the netboot.pxe.pxe_hosts action plugin'),
    ({'hosts_src': '/c/f.json', '_hosts_src_digest': '0' * 64, 'hosts': HOSTS},
     'hosts and hosts_src: give the host list in one of them, not several'),
    ({'hosts_src': '/c/f.json', '_hosts_src_digest': '0' * 64, 'hosts_file': '/c/g.json'},
     'hosts_file and hosts_src: give the host list in one of them, not several'),
])
def test_hosts_src_misuse(setup, capsys, args, message):
    result = run(setup, capsys, **args)
    assert result['rc'] == 1 and message in result['msg']
