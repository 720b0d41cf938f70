# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-host assignments: validation, the files per loader, and the sync (idempotence, ownership, boot-once)."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.netboot.pxe.plugins.module_utils import _hosts, _menu, _render, _server

SETTINGS = {
    'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
    'network': '10.77.0.0/24', 'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1',
    'architectures': ['bios', 'efi-x86_64'], 'boot_loaders': {'bios': 'pxelinux'},
    'entries': [{'name': 'debian', 'kernel': 'linux', 'initrd': 'initrd.gz'}, {'name': 'rescue', 'kernel': 'vmlinuz'}],
    'relay_networks': [{'network': '10.88.0.0/24'}],
    'menu': {'timeout': 5},
}
SITE = _server.plan(SETTINGS)['site']


def validate(hosts):
    return _hosts.validate(hosts, SITE, var='hosts')


@pytest.mark.parametrize('hosts,message', [
    ('x', 'hosts must be a list'),
    ([{'mac': '52:54:00:00:00:01'}, {'mac': '5254.0000.0001'}], 'hosts[1] (5254.0000.0001): MAC 52:54:00:00:00:01 is also used by hosts[0]'),
    ([{'mac': '52:54:00:00:00:01', 'ip': '10.77.0.9'}, {'mac': '52:54:00:00:00:02', 'ip': '10.77.0.9'}],
     'hosts[1] (52:54:00:00:00:02): ip 10.77.0.9 is also used by hosts[0]'),
    ([{'mac': '52:54:00:00:00:01', 'ip': '192.168.1.9'}], 'ip 192.168.1.9 is outside the served networks (10.77.0.0/24, 10.88.0.0/24)'),
    ([{'mac': '52:54:00:00:00:01', 'ip': '10.77.0.300'}], "ip '10.77.0.300' is not an IPv4 address"),
    ([{'mac': '52:54:00:00:00:01', 'entry': 'fedora'}], "hosts[0] (52:54:00:00:00:01): entry 'fedora' is not the name of an entry"),
    ([{'mac': 'zz:54:00:00:00:01'}], 'hosts[0] (zz:54:00:00:00:01): invalid MAC'),
    ([{'mac': '52:54:00:00:00:01', 'hostname': 'web_01'}], "hostname 'web_01' is not a valid DNS name"),
    ([{'mac': '52:54:00:00:00:01', 'hostname': 'a'}, {'mac': '52:54:00:00:00:02', 'hostname': 'A'}], 'hostname A is also used by hosts[0]'),
    ([{'mac': '52:54:00:00:00:01', 'boot_once': True}], 'boot_once needs an entry'),
    ([{'mac': '52:54:00:00:00:01', 'entry': 'debian', 'cmdline': 'a || b'}], 'hosts[0] (52:54:00:00:00:01): cmdline'),
    ([{'mac': '52:54:00:00:00:01', 'entry': 'debian', 'cmdline': 'x=' + 'y' * 3000}], 'kernels take at most 2048'),
    ([{'mac': '52:54:00:00:00:01', 'colour': 'red'}], 'hosts[0] (52:54:00:00:00:01) has unknown keys colour'),
    ([{'mac': '52:54:00:00:00:01', 'lease_time': 'forever'}], "lease_time 'forever'"),
    (['52:54:00:00:00:01'], 'hosts[0] must be a dict'),
])
def test_bad_hosts_name_the_host(hosts, message):
    with pytest.raises(_hosts.HostError) as excinfo:
        validate(hosts)
    assert message in str(excinfo.value)


def test_relay_network_addresses_are_accepted():
    assert validate([{'mac': '52:54:00:00:00:01', 'ip': '10.88.0.7'}])[0]['ip'] == '10.88.0.7'


def test_files_per_loader():
    host = validate([{'mac': '52-54-00-00-00-01', 'ip': '10.77.0.9', 'hostname': 'web01', 'entry': 'debian'}])[0]
    files = _hosts.files(SITE, host)
    assert sorted(files) == [('boot', 'hosts/52-54-00-00-00-01.ipxe'), ('boot', 'pxelinux.cfg/01-52-54-00-00-00-01'),
                             ('dhcp', '52-54-00-00-00-01')]
    assert files[('dhcp', '52-54-00-00-00-01')].endswith('\n52:54:00:00:00:01,10.77.0.9,web01\n')
    for text in files.values():
        assert _hosts.MARKER in text.split('\n', 3)[1] or _hosts.MARKER in text.split('\n', 1)[0]


def test_reservation_only_host_has_no_boot_files():
    host = validate([{'mac': '52:54:00:00:00:01', 'ip': '10.77.0.9'}])[0]
    assert list(_hosts.files(SITE, host)) == [('dhcp', '52-54-00-00-00-01')]


class Disk(object):
    def __init__(self, tmp_path):
        self.boot = tmp_path / 'boot'
        self.dhcp = tmp_path / 'dhcp'
        for path in (self.boot / 'hosts', self.boot / 'pxelinux.cfg', self.dhcp):
            path.mkdir(parents=True)
        self.state = str(tmp_path / 'state' / 'pxe_hosts.json')
        self.reports = tmp_path / 'reports.log'

    def sync(self, hosts, **kwargs):
        state = _hosts.load_state(self.state)
        plan = _hosts.plan_sync(SITE, validate(hosts), {'boot': str(self.boot), 'dhcp': str(self.dhcp)}, state, **kwargs)
        _hosts.apply_sync(plan, self.state)
        return plan

    def listing(self):
        return sorted(str(p.relative_to(p.parents[1])) for p in list(self.boot.rglob('*')) + list(self.dhcp.rglob('*'))
                      if p.is_file())


@pytest.fixture
def disk(tmp_path):
    return Disk(tmp_path)


def test_sync_writes_once_then_changes_nothing(disk):
    hosts = [{'mac': '52:54:00:00:00:%02x' % i, 'entry': 'debian', 'ip': '10.77.0.%d' % (100 + i)} for i in range(5)]
    first = disk.sync(hosts, exclusive=True)
    assert len(first['write']) == 15 and first['unchanged'] == 0
    before = dict((p, os.stat(p).st_mtime_ns) for p in first['write'])
    second = disk.sync(hosts, exclusive=True)
    assert not second['write'] and not second['remove'] and second['unchanged'] == 15
    assert before == dict((p, os.stat(p).st_mtime_ns) for p in first['write'])
    assert not [p for p in disk.listing() if '/.' in p]  # no temporary files left


def test_exclusive_removes_only_its_own_files(disk):
    foreign = disk.boot / 'pxelinux.cfg' / '01-aa-bb-cc-dd-ee-ff'
    foreign.write_text('DEFAULT by-hand\n')
    disk.sync([{'mac': '52:54:00:00:00:01', 'entry': 'debian'}, {'mac': '52:54:00:00:00:02', 'entry': 'rescue'}], exclusive=True)
    hand_edited = disk.boot / 'hosts' / '52-54-00-00-00-02.ipxe'
    hand_edited.write_text('#!ipxe\n# my own\n')
    plan = disk.sync([], exclusive=True)
    removed = sorted(os.path.basename(p) for p in plan['remove'])
    assert removed == ['01-52-54-00-00-00-01', '01-52-54-00-00-00-02', '52-54-00-00-00-01.ipxe']
    assert foreign.read_text() == 'DEFAULT by-hand\n' and hand_edited.exists()


def test_without_exclusive_only_absent_hosts_go(disk):
    disk.sync([{'mac': '52:54:00:00:00:01', 'entry': 'debian'}, {'mac': '52:54:00:00:00:02', 'entry': 'rescue'}])
    plan = disk.sync([{'mac': '52:54:00:00:00:03', 'entry': 'rescue'}], absent_macs=['52:54:00:00:00:01'])
    assert sorted(os.path.basename(p) for p in plan['remove']) == ['01-52-54-00-00-00-01', '52-54-00-00-00-01.ipxe']
    assert (disk.boot / 'hosts' / '52-54-00-00-00-02.ipxe').exists()
    # The host kept without being listed is still managed: exclusive removes it later.
    plan = disk.sync([], exclusive=True)
    assert len(plan['remove']) == 4


def test_boot_once_flips_after_a_report(disk):
    host = {'mac': '52:54:00:00:00:01', 'ip': '10.77.0.9', 'entry': 'debian', 'boot_once': True}
    ipxe = disk.boot / 'hosts' / '52-54-00-00-00-01.ipxe'
    plan = disk.sync([host], reports=str(disk.reports), now=1000.0)
    assert 'goto entry-debian' in ipxe.read_text() and not plan['flipped']
    disk.reports.write_text('999.5 10.77.0.9 /netboot-pxe/report/52-54-00-00-00-01\n')  # older than the assignment
    assert not disk.sync([host], reports=str(disk.reports), now=1001.0)['flipped']
    disk.reports.write_text('1002.25 10.77.0.9 /netboot-pxe/report/52-54-00-00-00-01\n')
    plan = disk.sync([host], reports=str(disk.reports), now=1003.0)
    assert plan['flipped'] == ['52:54:00:00:00:01']
    assert 'goto local-' in ipxe.read_text() and 'entry-debian' not in ipxe.read_text()
    assert 'LOCALBOOT 0' in (disk.boot / 'pxelinux.cfg' / '01-52-54-00-00-00-01').read_text()
    # Stays done; a new assignment arms it again.
    assert not disk.sync([host], reports=str(disk.reports), now=1004.0)['write']
    plan = disk.sync([dict(host, entry='rescue')], reports=str(disk.reports), now=1005.0)
    assert 'goto entry-rescue' in ipxe.read_text() and not plan['flipped']


def test_boot_once_flip_by_hand(disk):
    host = {'mac': '52:54:00:00:00:01', 'entry': 'debian', 'boot_once': True}
    disk.sync([host])
    plan = disk.sync([host], completed=['52-54-00-00-00-01'])
    assert plan['flipped'] == ['52:54:00:00:00:01']


MAC = '52:54:00:00:00:01'
RESERVED = {'mac': MAC, 'ip': '10.77.0.9', 'entry': 'debian', 'boot_once': True}
POOL = {'mac': MAC, 'entry': 'debian', 'boot_once': True}
IPXE = os.path.join('hosts', '52-54-00-00-00-01.ipxe')


def report(stamp, address, mac='52-54-00-00-00-01'):
    return '%.3f %s /netboot-pxe/report/%s\n' % (stamp, address, mac)


def installing(disk):
    return 'goto entry-debian' in (disk.boot / IPXE).read_text()


def test_report_from_another_address_than_the_reserved_one_is_ignored(disk):
    disk.sync([RESERVED], reports=str(disk.reports), now=1000.0)
    # Another client on the LAN reports the host (twice), in colon and dash spelling.
    disk.reports.write_text(report(1001.0, '10.77.0.250') + report(1002.0, '10.77.0.250', MAC))
    plan = disk.sync([RESERVED], reports=str(disk.reports), now=1003.0)
    assert not plan['flipped'] and installing(disk) and not plan['write']
    assert plan['ignored_reports'] == [{'mac': MAC, 'address': '10.77.0.250', 'count': 2, 'last': 1002.0,
                                        'reason': 'sent from 10.77.0.250, not from the address reserved for the host (10.77.0.9)'}]
    assert _hosts.load_state(disk.state)['ignored_reports'] == plan['ignored_reports']
    # The host itself reports from its reserved address (IPv4-mapped, as a dual-stack nginx logs it): it flips.
    with open(str(disk.reports), 'a') as handle:
        handle.write(report(1004.0, '::ffff:10.77.0.9'))
    plan = disk.sync([RESERVED], reports=str(disk.reports), now=1005.0)
    assert plan['flipped'] == [MAC] and not installing(disk)
    assert [item['address'] for item in plan['ignored_reports']] == ['10.77.0.250']  # still shown beside the flip
    # Done: nothing waits, nothing is listed any more.
    assert disk.sync([RESERVED], reports=str(disk.reports), now=1006.0)['ignored_reports'] == []


def test_a_reserved_host_does_not_count_a_leased_address(disk, tmp_path):
    leases = tmp_path / 'dnsmasq.leases'
    leases.write_text('0 %s 10.77.0.150 * *\n' % MAC)  # a pool lease from before the reservation
    disk.sync([RESERVED], reports=str(disk.reports), now=1000.0)
    disk.reports.write_text(report(1001.0, '10.77.0.150'))
    plan = disk.sync([RESERVED], reports=str(disk.reports), leases=str(leases), now=1002.0)
    assert not plan['flipped'] and installing(disk) and plan['ignored_reports'][0]['address'] == '10.77.0.150'


LEASES = ('1700002000 52:54:00:00:00:01 10.77.0.150 web01 01:52:54:00:00:00:01\n'
          '0 52:54:00:00:00:02 10.77.0.151 * *\n'
          'duid 00:01:00:01:2c:5e:7a:01:52:54:00:00:00:99\n'
          '1700002000 1234 fd00::15 web01 00:01:00:01:2c\n')


def test_pool_host_counts_only_its_leased_address(disk, tmp_path):
    leases = tmp_path / 'dnsmasq.leases'
    leases.write_text(LEASES)
    disk.sync([POOL], reports=str(disk.reports), now=1700000000.0)
    # From the address leased to another MAC, and from an address nobody leased: ignored.
    disk.reports.write_text(report(1700000001.0, '10.77.0.151') + report(1700000002.0, '10.77.0.199'))
    plan = disk.sync([POOL], reports=str(disk.reports), leases=str(leases), now=1700000003.0)
    assert not plan['flipped'] and installing(disk)
    reason = 'which the lease file does not lease to the host (leased to it: 10.77.0.150)'
    got = [(item['address'], reason in item['reason']) for item in plan['ignored_reports']]
    assert got == [('10.77.0.151', True), ('10.77.0.199', True)]
    # From the leased address after the lease ran out: not the host's address any more.
    with open(str(disk.reports), 'a') as handle:
        handle.write(report(1700002001.0, '10.77.0.150'))
    assert not disk.sync([POOL], reports=str(disk.reports), leases=str(leases), now=1700002002.0)['flipped']
    # From the leased address while the lease holds: it flips.
    with open(str(disk.reports), 'a') as handle:
        handle.write(report(1700001000.0, '10.77.0.150'))
    plan = disk.sync([POOL], reports=str(disk.reports), leases=str(leases), now=1700002003.0)
    assert plan['flipped'] == [MAC] and not installing(disk)


@pytest.mark.parametrize('content,why', [
    (None, 'the lease file {path} does not exist'),
    ('', 'leased to it: nothing'),
    ('\x00\xff\xfegarbage\n1700002000 52:54:00:00:00:01\n52:54:00:00:00:01 10.77.0.150\n'
     '1700002000 52:54:00:00:00:01 10.77.0.150 *\nx 52:54:00:00:00:01 10.77.0.150 * *\n'
     '1700002000 52:54:00:00:00:01 10.77.0.1500 * *\n1700002000 52:54:00:00:00:01 fd00::1 * *\n', 'leased to it: nothing'),
    ('directory', 'the lease file {path} cannot be read'),
])
def test_missing_or_corrupt_lease_file_accepts_nothing(disk, tmp_path, content, why):
    leases = tmp_path / 'dnsmasq.leases'
    if content == 'directory':
        leases.mkdir()
    elif content is not None:
        leases.write_bytes(content.encode('latin-1'))
    disk.sync([POOL], reports=str(disk.reports), now=1700000000.0)
    disk.reports.write_text(report(1700000001.0, '10.77.0.150'))
    plan = disk.sync([POOL], reports=str(disk.reports), leases=str(leases), now=1700000002.0)
    assert not plan['flipped'] and installing(disk)
    assert why.format(path=leases) in plan['ignored_reports'][0]['reason']


@pytest.mark.parametrize('leases', [None, ''])
def test_without_a_lease_file_only_reserved_hosts_can_report(disk, leases):
    disk.sync([POOL, dict(RESERVED, mac='52:54:00:00:00:02')], reports=str(disk.reports), now=1000.0)
    disk.reports.write_text(report(1001.0, '10.77.0.150') + report(1001.0, '10.77.0.9', '52-54-00-00-00-02'))
    plan = disk.sync([POOL, dict(RESERVED, mac='52:54:00:00:00:02')], reports=str(disk.reports), leases=leases, now=1002.0)
    assert plan['flipped'] == ['52:54:00:00:00:02'] and installing(disk)
    assert plan['ignored_reports'][0]['reason'] == ('sent from 10.77.0.150; the host has no reserved ip and there is no lease file to '
                                                    'look the address up in (lease_file, server_lease_file for the role, is ""), so the '
                                                    'address cannot be checked')


def test_unreadable_report_log_is_an_error_naming_it(disk, tmp_path):
    disk.reports.mkdir()
    with pytest.raises(_hosts.HostError, match='report_log: %s cannot be read' % disk.reports):
        disk.sync([RESERVED], reports=str(disk.reports), now=1000.0)
    assert disk.listing() == []  # nothing written before the refusal


@pytest.mark.parametrize('line', [
    # A uri with spaces in it (nginx logs spaces unescaped) tries to put the reserved address in the third field.
    '1001.000 10.77.0.250 /netboot-pxe/report/x 10.77.0.9 /netboot-pxe/report/52-54-00-00-00-01\n',
    '1001.000 10.77.0.250 /netboot-pxe/report/ 10.77.0.9 /netboot-pxe/report/52-54-00-00-00-01\n',
    '1001.000 10.77.0.9\n',
    'nan 10.77.0.9 /netboot-pxe/report/52-54-00-00-00-01\n',
    '1001.000 not-an-address /netboot-pxe/report/52-54-00-00-00-01\n',
    '1001.000 10.77.0.9 /elsewhere/52-54-00-00-00-01\n',
    '1001.000 10.77.0.9 /netboot-pxe/report/52-54-00-00-00-01-ff\n',
    '1001.000 10.77.0.9 /netboot-pxe/report/52:54-00-00-00-01\n',
])
def test_report_lines_of_another_shape_count_for_nothing(disk, line):
    disk.sync([RESERVED], reports=str(disk.reports), now=1000.0)
    disk.reports.write_text(line)
    plan = disk.sync([RESERVED], reports=str(disk.reports), now=1002.0)
    assert not plan['flipped'] and plan['ignored_reports'] == [] and installing(disk)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reports=st.lists(st.tuples(st.floats(1000.5, 2000.0), st.ip_addresses(v=4)), max_size=8))
def test_no_report_from_another_address_flips_a_host(tmp_path_factory, reports):
    disk = Disk(tmp_path_factory.mktemp('disk'))
    leases = disk.reports.parent / 'dnsmasq.leases'
    leases.write_text('0 %s 10.77.0.150 * *\n' % MAC)
    hosts = [RESERVED, dict(POOL, mac='52:54:00:00:00:02')]
    disk.sync(hosts, reports=str(disk.reports), now=1000.0)
    reports = [(stamp, str(address)) for stamp, address in reports if str(address) not in ('10.77.0.9', '10.77.0.150')]
    disk.reports.write_text(''.join(report(stamp, address, mac) for stamp, address in reports
                                    for mac in ('52-54-00-00-00-01', '52:54:00:00:00:02')))
    plan = disk.sync(hosts, reports=str(disk.reports), leases=str(leases), now=3000.0)
    assert not plan['flipped'] and installing(disk)
    assert sum(item['count'] for item in plan['ignored_reports']) == 2 * len(reports)


def test_corrupt_state_file_is_reported(disk):
    os.makedirs(os.path.dirname(disk.state))
    with open(disk.state, 'w') as handle:
        handle.write('{not json')
    with pytest.raises(_hosts.HostError, match='move it aside'):
        _hosts.load_state(disk.state)


@pytest.mark.parametrize('done', [False, True])
def test_shared_renderings_equal_rendering_each_host(done):
    hosts = validate([
        {'mac': '52:54:00:00:00:01', 'ip': '10.77.0.9', 'hostname': 'web01', 'entry': 'debian', 'boot_once': True},
        {'mac': '52:54:00:00:00:02', 'hostname': 'web02', 'entry': 'debian', 'boot_once': True},
        {'mac': '52:54:00:00:00:03', 'entry': 'debian', 'cmdline': {'hostname': 'web03'}},
        {'mac': '52:54:00:00:00:04', 'entry': 'rescue', 'menu': True},
        {'mac': '52:54:00:00:00:05', 'hostname': 'db01', 'entry': 'local'},
        {'mac': '52:54:00:00:00:06', 'cmdline': 'quiet'},
    ])
    cache = {}
    scoped = dict(SITE, header=_hosts.HEADER)
    for host in hosts:
        files = _hosts.files(SITE, host, done=done, cache=cache)
        rendered = dict(host, entry=_menu.LOCAL) if done and host['boot_once'] else host
        names = _hosts.file_names(host['mac'])
        assert files[('boot', names['ipxe'])] == _render.ipxe(scoped, rendered)
        assert files[('boot', names['pxelinux'])] == _render.pxelinux(scoped, rendered)
    # The first two hosts share theirs (done, with the local-boot host too).
    assert len([key for key in cache if key != 'site']) == (4 if done else 5)


def test_ip_is_a_single_address_in_a_served_network():
    assert validate([{'mac': '52-54-00-AB-CD-EF', 'ip': '10.77.0.254'}])[0]['mac'] == '52:54:00:ab:cd:ef'
    with pytest.raises(_hosts.HostError, match="ip '10.77.0.0/24' is a network in CIDR form"):
        validate([{'mac': '52:54:00:00:00:01', 'ip': '10.77.0.0/24'}])
    with pytest.raises(_hosts.HostError, match='outside the served networks'):
        validate([{'mac': '52:54:00:00:00:01', 'ip': '10.77.1.1'}])


def test_hosts_validate_without_netaddr(monkeypatch):
    """pxe_hosts runs on managed hosts, which may lack netaddr: validation must not need it."""
    from ansible_collections.netboot.pxe.plugins.module_utils import _net
    monkeypatch.setattr(_net, 'netaddr', None)
    host = validate([{'mac': '5254.00AB.0C01', 'ip': '10.88.0.7', 'entry': 'debian'}])[0]
    assert host['mac'] == '52:54:00:ab:0c:01'
    assert _net.pxelinux_hexip('10.88.0.0/16') == '0A58'


def test_rerun_trusts_the_recorded_stamp_and_notices_edits(disk, monkeypatch):
    hosts = [{'mac': '52:54:00:00:00:%02x' % i, 'entry': 'debian'} for i in range(3)]
    disk.sync(hosts, exclusive=True)
    disk.sync(hosts, exclusive=True)  # records every file's stamp

    def no_reads(path, data):
        raise AssertionError('read %s although its size, mtime and digest were recorded' % path)
    monkeypatch.setattr(_hosts, '_same', no_reads)
    assert disk.sync(hosts, exclusive=True)['unchanged'] == 6
    monkeypatch.undo()
    edited = disk.boot / 'hosts' / '52-54-00-00-00-01.ipxe'
    edited.write_text('#!ipxe\nexit\n')
    plan = disk.sync(hosts, exclusive=True)
    assert list(plan['write']) == [str(edited)] and 'entry-debian' in edited.read_text()
