# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security: what a machine on the PXE LAN (the lab's LAN namespace) can and cannot get from the server.

TFTP is read-only, neither TFTP nor HTTP reads outside the boot root (``..``, absolute paths, %-escapes,
symlinks planted inside the root), directory listings only when asked for, daemons run unprivileged,
full DHCP only with the explicit opt-in, nothing listens beyond the interface and address it was given.
Each refusal is paired with a control fetch that must work, so a dead server cannot pass. "Nothing lost"
is a snapshot comparison (bad_input_lab.live_state) and is claimed only by the cases that try to change
something (a TFTP write, full DHCP without the opt-in); a read that is refused has nothing to lose.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

import bad_input_lab
import cases
from lab import netlab  # noqa: E402  (on sys.path by conftest)
from lanclient import PROBES, LanClient  # noqa: E402

pytestmark = pytest.mark.reliability
CATEGORY = 'security'

SERVER_IP = netlab.SERVER_IP
ROOT = '/srv/netboot'
# Files outside the boot root and a marker of their content (a leak shows the marker).
SECRETS = {
    '/etc/passwd': 'root:x:0:0',
    '/etc/shadow': 'root:',
    '/etc/netboot-pxe/dnsmasq.conf': 'netboot.pxe dnsmasq',
    '/etc/hostname': 'pxe-server',
}
# Symlinks an intruder (or a careless copy) left inside the boot root, owned by the daemon user.
PLANTED = {
    'evil-shadow': '/etc/shadow',
    'evil-conf': '/etc/netboot-pxe/dnsmasq.conf',
    'evil-etc': '/etc',
}
TFTP_ESCAPES = {
    'dotdot': '../etc/passwd',
    'deep dotdot': '../../../../etc/passwd',
    'dotdot inside a dir': 'entries/../../../etc/passwd',
    'absolute /etc/passwd': '/etc/passwd',
    'absolute /etc/shadow': '/etc/shadow',
    'symlink to /etc/shadow': 'evil-shadow',
    'symlink to /etc/netboot-pxe': 'evil-conf',
    'symlinked dir to /etc': 'evil-etc/hostname',
}
HTTP_ESCAPES = {
    '/../': '/../../../etc/passwd',
    '%2e%2e': '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '..%2f': '/entries/..%2f..%2f..%2f..%2fetc/passwd',
    'symlink to /etc/shadow': '/evil-shadow',
    'symlink to /etc/netboot-pxe': '/evil-conf',
    'symlinked dir to /etc': '/evil-etc/hostname',
}


def _markers():
    return list(SECRETS.values())


@pytest.fixture(scope='module')
def hardened(pxe_server):
    """The lab server as the tests configure it (full DHCP with the opt-in), plus the planted symlinks."""
    pxe_server.apply(pxe_server.variables('security-base'))
    plant = ' && '.join('ln -sfn %s %s/%s && chown -h dnsmasq: %s/%s' % (target, ROOT, name, ROOT, name)
                        for name, target in PLANTED.items())
    pxe_server.ssh(plant)
    yield pxe_server
    pxe_server.ssh('rm -f %s' % ' '.join('%s/%s' % (ROOT, name) for name in PLANTED))


def _leaked(text):
    return [marker for marker in _markers() if marker in (text or '')]


def test_tftp_write_refused(hardened, record_case):
    client = LanClient(hardened.lab)
    name = 'netboot-pxe-wrq-probe'
    before = bad_input_lab.live_state(hardened)
    got = client.tftp_write(SERVER_IP, name)
    changed = bad_input_lab.differences(before, bad_input_lab.live_state(hardened))
    control = client.tftp_read(SERVER_IP, 'boot.ipxe')
    passed = got.get('reply') in ('error', 'none') and not changed and control.get('ok')
    happened = 'reply %s %s %s; live state %s; RRQ control ok: %s' % (
        got.get('reply'), got.get('code', ''), got.get('message', ''), 'unchanged' if not changed else 'CHANGED: %s' % changed,
        control.get('ok'))
    record_case(CATEGORY, 'TFTP WRQ (dnsmasq)', 'WRQ %s from the LAN' % name, happened, passed, nothing_lost=not changed,
                checked='control+state')
    assert passed, got


@pytest.mark.parametrize('case', sorted(TFTP_ESCAPES))
def test_tftp_cannot_read_outside_root(hardened, record_case, case):
    client = LanClient(hardened.lab)
    name = TFTP_ESCAPES[case]
    got = client.tftp_read(SERVER_IP, name)
    control = client.tftp_read(SERVER_IP, 'boot.ipxe')
    passed = not got.get('ok') and bool(control.get('ok'))
    refused = got.get('error') if not got.get('ok') else 'NO, served %s bytes' % got.get('size')
    happened = 'refused: %s; control RRQ boot.ipxe ok: %s' % (refused, control.get('ok'))
    record_case(CATEGORY, 'TFTP RRQ %s' % case, 'RRQ %s' % name, happened, passed, checked='control')
    assert passed, got


@pytest.mark.parametrize('case', sorted(HTTP_ESCAPES))
def test_http_cannot_read_outside_root(hardened, record_case, case):
    client = LanClient(hardened.lab)
    path = HTTP_ESCAPES[case]
    got = client.http_raw(SERVER_IP, path)
    control = client.http_raw(SERVER_IP, '/boot.ipxe')
    leaked = _leaked(got.get('body'))
    passed = got.get('ok') and got.get('status') != 200 and not leaked and control.get('status') == 200
    happened = '%s%s; control GET /boot.ipxe %s' % (
        got.get('status_line') or got.get('error'), ', LEAKED %s' % leaked if leaked else '', control.get('status'))
    record_case(CATEGORY, 'HTTP GET %s' % case, 'GET %s' % path, happened, passed, checked='control+noleak')
    assert passed, got


def test_http_no_directory_listing(hardened, record_case):
    client = LanClient(hardened.lab)
    results = {path: client.http_raw(SERVER_IP, path) for path in ('/', '/entries/', '/entries/e2e/')}
    listed = [path for path, got in results.items() if 'Index of' in got.get('body', '')]
    passed = not listed and all(got.get('status') in (403, 404) for got in results.values())
    record_case('security', 'HTTP directory listing off', 'GET / /entries/ /entries/e2e/ (http_autoindex false)',
                ', '.join('%s %s' % (path, got.get('status')) for path, got in results.items())
                + ('; LISTED %s' % listed if listed else ''), passed, checked='observed')
    assert passed, results


def test_services_run_unprivileged(hardened, record_case):
    out = hardened.ssh('ps -eo user:16=,args=')
    dnsmasq = sorted({line.split(None, 1)[0] for line in out.splitlines() if '/etc/netboot-pxe/dnsmasq.conf' in line
                      and 'dnsmasq --keep-in-foreground' in line})
    workers = sorted({line.split(None, 1)[0] for line in out.splitlines() if 'nginx: worker process' in line})
    passed = dnsmasq == ['dnsmasq'] and workers == ['www-data']
    record_case('security', 'daemons unprivileged', 'ps: users of dnsmasq and the nginx workers',
                'dnsmasq runs as %s, nginx workers as %s' % (dnsmasq, workers), passed, checked='observed')
    assert passed, out


def _pxe_addresses(pxe_server, iface='pxe0'):
    data = json.loads(pxe_server.ssh('ip -j addr show dev %s' % iface))
    return {info['local'] for link in data for info in link.get('addr_info', [])}


def _listeners(pxe_server):
    """(proto, local address, port, process) of every listening TCP/UDP socket in the container."""
    rows = []
    for line in pxe_server.ssh('ss -Hlntup').splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        local = fields[4]
        address, _sep, port = local.rpartition(':')
        process = re.search(r'users:\(\("([^"]+)"', line)
        rows.append((fields[0], address.strip('[]'), port, process.group(1) if process else '?'))
    return rows


def test_listens_only_where_told(hardened, record_case):
    """dnsmasq and nginx listen on the PXE interface/address only; the management side has sshd alone."""
    allowed = _pxe_addresses(hardened)
    loopback = {'127.0.0.1', '::1'}
    wrong = []
    for proto, address, port, process in _listeners(hardened):
        if process == 'sshd' or address in loopback:
            continue
        host, _sep, scope = address.partition('%')
        if scope == 'pxe0' or host in allowed:
            continue
        wrong.append('%s %s:%s %s' % (proto, address, port, process))
    listeners = ['%s %s:%s %s' % row for row in _listeners(hardened)]
    # And from the management network (the host's side of the lab bridge): no HTTP, no TFTP.
    mgmt = hardened.lab.mgmt_ip
    http = subprocess.run([sys.executable, PROBES, 'http', 'http://%s/boot.ipxe' % mgmt, '--timeout', '3'],
                          capture_output=True, text=True, check=False)
    tftp = subprocess.run([sys.executable, PROBES, 'tftp', mgmt, 'boot.ipxe', '--timeout', '1', '--retries', '1'],
                          capture_output=True, text=True, check=False)
    control = LanClient(hardened.lab).http_get('http://%s/boot.ipxe' % SERVER_IP)
    passed = not wrong and http.returncode != 0 and tftp.returncode != 0 and control.get('ok')
    record_case('security', 'listens only where told', 'ss -lntup in the server; HTTP and TFTP to the management address',
                'listeners: %s; outside pxe0/its address: %s; mgmt HTTP %s, mgmt TFTP %s'
                % ('; '.join(listeners), wrong or 'none', 'refused' if http.returncode else 'SERVED',
                   'no answer' if tftp.returncode else 'SERVED'), passed, checked='observed+control')
    assert passed, (wrong, http.stdout, tftp.stdout)


def test_full_dhcp_needs_the_opt_in(hardened, record_case):
    before = bad_input_lab.live_state(hardened)
    proc = hardened.apply(hardened.variables('security-no-opt-in', server_dhcp_mode='full', server_allow_full_dhcp=False),
                          check=False)
    changed = bad_input_lab.differences(before, bad_input_lab.live_state(hardened))
    refused, happened = cases.judge(proc.stdout, proc.returncode, 'server_allow_full_dhcp: must be true')
    passed = refused and not changed
    happened = 'rc %d, %s; live state %s' % (proc.returncode, happened, 'unchanged' if not changed else 'CHANGED: %s' % changed)
    record_case(CATEGORY, 'full DHCP without opt-in refused', 'server_dhcp_mode full, server_allow_full_dhcp false',
                happened, passed, nothing_lost=not changed, checked='msg+var+state')
    assert passed, proc.stdout[-3000:]


def test_proxy_mode_gives_no_address_and_autoindex_when_asked(hardened, record_case):
    client = LanClient(hardened.lab)
    hardened.apply(hardened.variables('security-proxy', server_dhcp_mode='proxy', server_allow_full_dhcp=False,
                                      http_autoindex=True))
    got = client.dhcp('52:54:00:5e:c0:01')
    replies = got.get('replies', [])
    addresses = [r.get('yiaddr') for r in replies if r.get('yiaddr') != '0.0.0.0']
    boot_info = [r.get('bootfile') for r in replies if r.get('bootfile')]
    # A reply must come (proxyDHCP answers PXE clients) but none may carry an address.
    passed = bool(replies) and not addresses
    record_case('security', 'proxy mode hands out no address', 'DHCPDISCOVER (arch 0) from the LAN, server_dhcp_mode proxy',
                '%d replies, yiaddr %s, boot info %s' % (len(replies), sorted({r.get('yiaddr') for r in replies}) or '-', boot_info or '-'),
                passed, checked='observed')
    listing = client.http_raw(SERVER_IP, '/entries/')
    listed = listing.get('status') == 200 and 'Index of' in listing.get('body', '')
    record_case('security', 'HTTP listing when asked', 'GET /entries/ with http_autoindex true',
                '%s, listing: %s' % (listing.get('status_line'), listed), listed, checked='observed')
    assert passed, got
    assert listed, listing


def test_none_mode_answers_no_dhcp(hardened, record_case):
    client = LanClient(hardened.lab)
    hardened.apply(hardened.variables('security-none', server_dhcp_mode='none', server_allow_full_dhcp=False))
    got = client.dhcp('52:54:00:5e:c0:02')
    replies = got.get('replies', [])
    control = client.tftp_read(SERVER_IP, 'boot.ipxe')
    passed = not replies and bool(control.get('ok'))
    record_case('security', 'mode none answers no DHCP', 'DHCPDISCOVER from the LAN, server_dhcp_mode none',
                '%d replies; TFTP still serves: %s' % (len(replies), control.get('ok')), passed, checked='observed+control')
    assert passed, got


def test_tftpd_hpa_read_only_and_confined(hardened, record_case):
    """tftpd-hpa: WRQ refused, no escape, and a root-only file is not served (it dropped to user tftp)."""
    client = LanClient(hardened.lab)
    hardened.apply(hardened.variables('security-tftpd-hpa', server_tftp_server='tftpd-hpa'))
    hardened.ssh('install -m 600 -o root /dev/null %s/root-only && echo secret > %s/root-only' % (ROOT, ROOT))
    try:
        control = client.tftp_read(SERVER_IP, 'boot.ipxe')
        before = bad_input_lab.live_state(hardened)
        wrq = client.tftp_write(SERVER_IP, 'netboot-pxe-wrq-probe')
        changed = bad_input_lab.differences(before, bad_input_lab.live_state(hardened))
        escapes = {name: client.tftp_read(SERVER_IP, name) for name in ('../etc/passwd', '/etc/passwd', 'evil-conf', 'evil-etc/hostname')}
        root_only = client.tftp_read(SERVER_IP, 'root-only')
        user = hardened.ssh("grep '^TFTP_USERNAME' /etc/default/tftpd-hpa").strip()
        served = [name for name, got in escapes.items() if got.get('ok')]
        ok_wrq = wrq.get('reply') in ('error', 'none') and not changed and bool(control.get('ok'))
        happened = 'reply %s %s; live state %s; RRQ control ok: %s' % (
            wrq.get('reply'), wrq.get('message', ''), 'unchanged' if not changed else 'CHANGED: %s' % changed, control.get('ok'))
        record_case(CATEGORY, 'TFTP WRQ (tftpd-hpa)', 'WRQ from the LAN, server_tftp_server tftpd-hpa', happened, ok_wrq,
                    nothing_lost=not changed, checked='control+state')
        ok_escape = not served and bool(control.get('ok'))
        record_case(CATEGORY, 'TFTP escapes (tftpd-hpa)', 'RRQ %s' % ', '.join(escapes),
                    'served: %s' % (served or 'none'), ok_escape, checked='control')
        ok_user = not root_only.get('ok') and user == 'TFTP_USERNAME="tftp"'
        record_case(CATEGORY, 'tftpd-hpa drops to tftp', 'RRQ of a root-only 0600 file in the boot root',
                    '%s; %s' % (root_only.get('error') or 'SERVED', user), ok_user, checked='observed')
        assert ok_wrq and ok_escape and ok_user, (wrq, escapes, root_only)
    finally:
        hardened.ssh('rm -f %s/root-only' % ROOT)
        hardened.apply(hardened.variables('security-back-to-dnsmasq'))


# Boot-once reports: GET /netboot-pxe/report/<mac> counts only from the address the server gave that MAC.
REPORT_RESERVED = ('52:54:00:5e:c0:21', '10.77.0.77')   # boot-once host with a reservation
REPORT_POOL = '52:54:00:5e:c0:22'                        # boot-once host on a pool lease
LEASE_FILE = '/var/lib/misc/netboot-pxe-dnsmasq.leases'
# GET a URL with a chosen source address, from inside the LAN namespace; prints the status code.
_GET_FROM = ('import http.client, sys; c = http.client.HTTPConnection(sys.argv[1], 80, timeout=10, source_address=(sys.argv[2], 0)); '
             'c.request("GET", sys.argv[3]); print(c.getresponse().status)')


def _report_path(mac):
    return '/netboot-pxe/report/%s' % mac.replace(':', '-')


def _report_from(lab, address, mac):
    """The installer's report, sent from ``address`` (added to the LAN namespace's bridge for the request)."""
    netlab.run(['ip', '-n', lab.lan_ns, 'addr', 'add', address + '/32', 'dev', 'br0'])
    try:
        proc = subprocess.run(['ip', 'netns', 'exec', lab.lan_ns, sys.executable, '-c', _GET_FROM, SERVER_IP, address,
                               _report_path(mac)], capture_output=True, text=True, timeout=30, check=False)
    finally:
        netlab.run(['ip', '-n', lab.lan_ns, 'addr', 'del', address + '/32', 'dev', 'br0'], check=False)
    return proc.stdout.strip() or proc.stderr.strip()[-300:]


def _lease(client, mac):
    """DISCOVER and REQUEST from the LAN with ``mac``, as the host's firmware does: the address dnsmasq acked, or None."""
    offers = [r for r in client.dhcp(mac).get('replies', []) if r.get('msg_type') == 'OFFER' and r.get('yiaddr') != '0.0.0.0']
    if not offers:
        return None
    proc = subprocess.run(['ip', 'netns', 'exec', client.lab.lan_ns, sys.executable, PROBES, 'dhcp', 'br0', mac, '--arch', '0',
                           '--msg-type', 'REQUEST', '--requested-ip', offers[0]['yiaddr'], '--server-id', offers[0]['server_id'],
                           '--timeout', '4'], capture_output=True, text=True, timeout=60, check=False)
    try:
        replies = json.loads(proc.stdout.strip().splitlines()[-1]).get('replies', [])
    except (ValueError, IndexError):
        return None
    acks = [r['yiaddr'] for r in replies if r.get('msg_type') == 'ACK']
    return acks[0] if acks else None


def _assignments(pxe_server, macs):
    """{mac: 'entry' or 'local' or the script} from the host's iPXE file on the server."""
    result = {}
    for mac in macs:
        script = pxe_server.ssh('cat %s/hosts/%s.ipxe' % (ROOT, mac.replace(':', '-')))
        result[mac] = 'entry' if 'goto entry-' in script else 'local' if 'goto local-' in script else script[-200:]
    return result


def test_boot_once_report_counts_only_from_the_hosts_address(hardened, record_case):
    """Another LAN client reporting a boot-once host's MAC leaves it installing; the host's own report flips it."""
    client = LanClient(hardened.lab)
    mac_reserved, reserved_ip = REPORT_RESERVED
    macs = [mac_reserved, REPORT_POOL]
    variables = hardened.variables('security-report', host_tokens={mac: 'security-report-%d' % i for i, mac in enumerate(macs)})
    for host in variables['server_hosts']:
        host['boot_once'] = True
        if host['mac'] == mac_reserved:
            host['ip'] = reserved_ip
    hardened.apply(variables)
    armed = _assignments(hardened, macs)
    # The attacker: the probe host (10.77.0.250) reports both MACs.
    forged = {mac: client.http_raw(SERVER_IP, _report_path(mac)).get('status') for mac in macs}
    rerun = hardened.apply(variables)
    kept = _assignments(hardened, macs)
    state = json.loads(hardened.ssh('cat /var/lib/netboot-pxe/pxe_hosts.json'))
    ignored = sorted((item['mac'], item['address']) for item in state.get('ignored_reports', []))
    # ansible-playbook wraps warnings (at spaces and hyphens): compare without whitespace.
    flat = ''.join(rerun.stdout.split())
    warned = [mac for mac in macs if 'boot-oncereportfor%signored' % mac in flat]
    expected = sorted((mac, netlab.PROBE_IP) for mac in macs)
    passed = (armed == kept == {mac: 'entry' for mac in macs} and forged == {mac: 204 for mac in macs}
              and ignored == expected and warned == macs)
    record_case('security', 'boot-once report from another host', 'GET %s and %s from %s (not their address), rerun the role'
                % (_report_path(mac_reserved), _report_path(REPORT_POOL), netlab.PROBE_IP),
                'nginx %s; assignments before %s, after %s; ignored_reports %s; warned for %s'
                % (forged, armed, kept, ignored, warned), passed, nothing_lost=kept == armed)
    assert passed, (forged, armed, kept, state.get('ignored_reports'), rerun.stdout[-3000:])

    # The hosts themselves: the reserved one from its ip, the pool one from the address dnsmasq leases it.
    leased = _lease(client, REPORT_POOL)
    in_lease_file = bool(leased) and ('%s %s' % (REPORT_POOL, leased)) in hardened.ssh('cat %s' % LEASE_FILE)
    sent = {mac_reserved: _report_from(hardened.lab, reserved_ip, mac_reserved)}
    if leased:
        sent[REPORT_POOL] = _report_from(hardened.lab, leased, REPORT_POOL)
    hardened.apply(variables)
    after = _assignments(hardened, macs)
    passed = in_lease_file and sent == {mac: '204' for mac in macs} and after == {mac: 'local' for mac in macs}
    record_case('security', 'boot-once report from the host itself', 'GET the report URLs from %s (reserved) and %s '
                '(leased to the MAC by DHCP), rerun the role' % (reserved_ip, leased),
                'nginx %s; lease in %s: %s; assignments now %s' % (sent, LEASE_FILE, in_lease_file, after), passed)
    assert passed, (leased, sent, after)
