# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host files (JSON, YAML) and the no-change digest: what it covers, and which file changes defeat it."""
from __future__ import annotations

import os
import types

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _hosts, _hosts_input, _server


@pytest.mark.parametrize('text', [
    '[{"mac": "52:54:00:12:34:56", "entry": "debian", "menu": true}]',
    '- mac: 52:54:00:12:34:56\n  entry: debian\n  menu: true\n',
])
def test_json_and_yaml_host_files_give_the_same_list(text):
    assert _hosts_input.parse_hosts_file('f', text.encode('utf-8')) == [{'mac': '52:54:00:12:34:56', 'entry': 'debian', 'menu': True}]


def test_yaml_base_60_numbers_stay_strings_other_integers_do_not():
    # YAML 1.1 reads an unquoted 52:54:00:12:34:56 as a base-60 integer; a MAC must stay text.
    hosts = _hosts_input.parse_hosts_file('f', b'- {mac: 52:54:00:12:34:56, x: 12, y: 0x10, z: 1_000}\n')
    assert hosts == [{'mac': '52:54:00:12:34:56', 'x': 12, 'y': 16, 'z': 1000}]


@pytest.mark.parametrize('data,message', [
    (b'{"mac": "52:54:00:12:34:56"}', 'must hold a list of hosts'),
    (b'mac: x\n', 'must hold a list of hosts ({mac, ip, hostname, entry, ...}), got a dict'),
    (b'[{"mac": ', 'is not valid JSON'),
    (b'- mac: [x\n', 'is not valid YAML'),
    (b'\xff\xfe', 'is not UTF-8 text'),
])
def test_bad_host_files_say_what_is_wrong(data, message):
    with pytest.raises(_hosts.HostError) as excinfo:
        _hosts_input.parse_hosts_file('/etc/netboot-pxe/hosts.yml', data)
    assert str(excinfo.value).startswith('hosts_file: /etc/netboot-pxe/hosts.yml ') and message in str(excinfo.value)


def test_empty_host_file_is_an_empty_list():
    assert _hosts_input.parse_hosts_file('f', b'') == [] and _hosts_input.parse_hosts_file('f', b'# none yet\n') == []


def test_without_pyyaml_json_still_works_and_yaml_says_how_to_fix(monkeypatch):
    monkeypatch.setattr(_hosts_input, 'yaml', None)
    assert _hosts_input.parse_hosts_file('f', b'[]') == []
    with pytest.raises(_hosts.HostError, match='not JSON and PyYAML is not installed.*to_json'):
        _hosts_input.parse_hosts_file('f', b'- mac: x\n')


def test_missing_host_file_says_to_copy_it(tmp_path):
    with pytest.raises(_hosts.HostError, match='hosts_file: cannot read .*copy the host list to the server first'):
        _hosts_input.read_hosts_file(str(tmp_path / 'nope.yml'))


def test_code_fingerprint_covers_the_sources_or_disables_the_shortcut(monkeypatch):
    first = _hosts_input.code_fingerprint()
    assert len(first) == 64 and _hosts_input.code_fingerprint() == first
    no_source = types.SimpleNamespace(__name__='x', __loader__=None)
    monkeypatch.setattr(_hosts_input, '_MODULE_UTILS', _hosts_input._MODULE_UTILS + (no_source,))
    assert _hosts_input.code_fingerprint() is None


def test_report_log_counts_only_while_a_boot_once_host_waits(tmp_path):
    log = tmp_path / 'reports.log'
    log.write_text('')
    pending, done = {'52:54:00:00:00:01': {'done': False}}, {'52:54:00:00:00:01': {'done': True}}
    before = [_hosts_input.input_digest(['p'], once, str(log)) for once in (pending, done)]
    with open(str(log), 'a') as handle:
        handle.write('1.0 10.0.0.1 /netboot-pxe/report/52-54-00-00-00-02\n')
    after = [_hosts_input.input_digest(['p'], once, str(log)) for once in (pending, done)]
    assert before[0] != after[0] and before[1] == after[1]
    assert _hosts_input.input_digest(['q'], done, str(log)) != after[1]


def test_hosts_digest_of_bytes_and_of_lists():
    assert _hosts_input.hosts_digest([{'a': 1, 'b': 2}]) == _hosts_input.hosts_digest([{'b': 2, 'a': 1}])
    assert _hosts_input.hosts_digest(b'x') != _hosts_input.hosts_digest(b'y')


def _state(tmp_path, parts, racy=False):
    """A state as apply_sync leaves it, saved one second after the files (``racy``: in their clock tick)."""
    files = {}
    for name in ('a', 'b'):
        path = tmp_path / name
        path.write_text(name * 3)
        info = os.stat(str(path))
        files[str(path)] = [info.st_size, info.st_mtime_ns, _hosts.file_digest(path.read_bytes())]
    files[str(tmp_path / 'kept')] = 1  # a host not listed (exclusive=false): not checked
    return {'files': files, 'once': {}, 'written_ns': info.st_mtime_ns + (0 if racy else 10 ** 9),
            'input': {'digest': _hosts_input.input_digest(parts, {}, ''), 'hosts': 2, 'files': 2}}


def test_verify_counts_files_still_as_written(tmp_path):
    state = _state(tmp_path, ['p'])
    assert _hosts_input.verify(state, ['p'], '') == 2
    assert _hosts_input.verify(state, ['other'], '') is None
    assert _hosts_input.verify(dict(state, input=None), ['p'], '') is None


@pytest.mark.parametrize('change', ['delete', 'edit', 'touch'])
def test_verify_notices_a_deleted_edited_or_touched_file(tmp_path, change):
    state = _state(tmp_path, ['p'])
    path = tmp_path / 'a'
    if change == 'delete':
        path.unlink()
    elif change == 'edit':
        path.write_text('aaaa')
    else:
        info = os.stat(str(path))
        os.utime(str(path), ns=(info.st_atime_ns, info.st_mtime_ns + 1000))
    assert _hosts_input.verify(state, ['p'], '') is None


@pytest.mark.parametrize('edit', [False, True])
def test_files_written_in_the_states_clock_tick_are_read(tmp_path, edit):
    state = _state(tmp_path, ['p'], racy=True)
    path = tmp_path / 'b'
    if edit:  # edited within the tick: size and mtime as recorded, only the content tells
        info = os.stat(str(path))
        path.write_text('BBB')
        os.utime(str(path), ns=(info.st_atime_ns, info.st_mtime_ns))
    assert _hosts_input.verify(state, ['p'], '') == (None if edit else 2)


def test_apply_sync_records_what_it_wrote(tmp_path):
    target = tmp_path / 'boot' / 'x'
    plan = {'write': {str(target): 'hello\n'}, 'remove': [], 'wanted': {str(target): 'hello\n'}, 'records': {}, 'once': {}}
    state = _hosts.apply_sync(plan, str(tmp_path / 'state.json'), inputs={'digest': 'd', 'hosts': 1, 'files': 1})
    info = os.stat(str(target))
    assert state['files'][str(target)][:2] == [info.st_size, info.st_mtime_ns]
    assert _hosts.load_state(str(tmp_path / 'state.json'))['input'] == {'digest': 'd', 'hosts': 1, 'files': 1}


def test_full_run_reads_files_from_the_states_clock_tick(tmp_path):
    settings = {'dhcp_mode': 'proxy', 'interface': 'pxe0', 'server_address': '10.77.0.1', 'network': '10.77.0.0/24',
                'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1', 'architectures': ['efi-x86_64'],
                'entries': [{'name': 'debian', 'kernel': 'linux'}]}
    site = _server.plan(settings)['site']
    hosts = _hosts.validate([{'mac': '52:54:00:00:00:01', 'entry': 'debian'}], site)
    roots = {'boot': str(tmp_path), 'dhcp': str(tmp_path)}
    state_path = str(tmp_path / 'state.json')
    _hosts.apply_sync(_hosts.plan_sync(site, hosts, roots, _hosts.load_state(state_path)), state_path)
    state = _hosts.load_state(state_path)
    path = tmp_path / 'hosts' / '52-54-00-00-00-01.ipxe'
    info = os.stat(str(path))
    state['written_ns'] = info.st_mtime_ns  # as if the state had been saved in the file's tick
    path.write_bytes(path.read_bytes().upper())
    os.utime(str(path), ns=(info.st_atime_ns, info.st_mtime_ns))
    assert list(_hosts.plan_sync(site, hosts, roots, state)['write']) == [str(path)]
    state['written_ns'] = info.st_mtime_ns + 1  # saved later: size and mtime are trusted
    assert _hosts.plan_sync(site, hosts, roots, state)['unchanged'] == 1
