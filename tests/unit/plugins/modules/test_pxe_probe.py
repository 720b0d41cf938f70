# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pxe_probe in-process against a fake network made of captured dnsmasq replies, then for real against dnsmasq
(configured by the collection's own template) in private network namespaces."""
from __future__ import annotations

import hashlib
import json
import os
import pathlib
import secrets
import shutil
import subprocess
import sys
import time

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.netboot.pxe.plugins.module_utils import _dnsmasq
from ansible_collections.netboot.pxe.plugins.module_utils import _pxeproto
from ansible_collections.netboot.pxe.plugins.modules import pxe_probe

CAPTURES = json.loads((pathlib.Path(__file__).resolve().parents[1] / 'module_utils' / 'fixtures' / 'pxe_captures.json')
                      .read_text())['captures']
SERVER = '10.66.0.1'


def captured(name, src=SERVER, src_port=67, server_id=None, address_only=False):
    data = bytes.fromhex(CAPTURES[name]['replies'][0])
    if server_id:
        data = data.replace(b'\x36\x04' + bytes([10, 66, 0, 1]), b'\x36\x04' + bytes(int(x) for x in server_id.split('.')), 1)
    parsed = _pxeproto.parse_reply(data)
    parsed.update(src=src, src_port=src_port)
    if address_only:  # a site DHCP server: no boot information
        parsed.update(bootfile=None, bootfile_opt=None, tftp_server=None, siaddr='0.0.0.0', file='')
        for code in (66, 67):
            parsed['options'].pop(code)
    return parsed


class FakeNet(object):
    """Answers dhcp_probe calls from a table: (msg_type, port) -> {arch code: [replies]} (or a list for every arch)."""

    def __init__(self, table, files=None):
        self.table = table
        self.files = files or {}
        self.calls = []

    def dhcp_probe(self, iface, mac, **kwargs):
        self.calls.append(dict(kwargs, iface=iface, mac=mac))
        answers = self.table.get((kwargs.get('msg_type', 1), kwargs.get('port', 67)), [])
        if isinstance(answers, dict):
            answers = answers.get(kwargs.get('arch'), [])
        if isinstance(answers, Exception):
            raise answers
        return list(answers)

    def tftp_transfer(self, server, filename, **kwargs):
        key = 'tftp://%s/%s' % (server, filename)
        if key not in self.files:
            raise _pxeproto.TftpError('file %s not found' % filename, 1)
        data = self.files[key]
        return {'data': data, 'blksize': kwargs.get('blksize') or 512, 'tsize': len(data)}

    def http_get(self, url, **_kwargs):
        if url not in self.files:
            return 404, {}, b'not found'
        return 200, {}, self.files[url]


@pytest.fixture
def net(monkeypatch):
    fake = FakeNet({})
    monkeypatch.setattr(_pxeproto, 'dhcp_probe', fake.dhcp_probe)
    monkeypatch.setattr(_pxeproto, 'tftp_transfer', fake.tftp_transfer)
    monkeypatch.setattr(_pxeproto, 'http_get', fake.http_get)
    monkeypatch.setattr(_pxeproto, 'interface_exists', lambda iface: iface != 'nope0')
    monkeypatch.setattr(_pxeproto, 'interface_ipv4', lambda iface: '10.66.0.250')
    return fake


def run(capsys, check_mode=False, **args):
    args.setdefault('interface', 'eth0')
    args.setdefault('mac', '52:54:00:66:00:01')
    with patch_module_args(dict(args, _ansible_check_mode=check_mode)):
        with pytest.raises(SystemExit) as excinfo:
            pxe_probe.main()
    result = json.loads(capsys.readouterr().out)
    result['rc'] = excinfo.value.code
    return result


FULL = {
    (1, 67): {0: [captured('full_bios_offer')], 7: [captured('full_efi7_offer')], 9: [captured('full_efi9_offer')],
              11: [captured('full_arm64_offer')], 16: [captured('full_http16_offer')]},
    ('REQUEST', 67): [captured('full_efi7_ack')],
}


def test_full_dhcp_per_arch_with_expectations(net, capsys):
    net.table = FULL
    expect = {'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi', '9': 'snponly.efi', 'efi-arm64': 'arm64/snponly.efi',
              'http-x86_64': 'http://10.66.0.1/snponly.efi'}
    result = run(capsys, check_mode=True, expect=expect)
    assert result['rc'] == 0 and result['changed'] is False
    assert [(p['arch'], p['arch_code'], p['ok']) for p in result['probes']] == [
        ('bios', 0, True), ('efi-x86_64', 7, True), ('efi-x86_64', 9, True), ('efi-arm64', 11, True), ('http-x86_64', 16, True)]
    assert result['dhcp_servers'] == [SERVER] and result['rogue_dhcp'] is False
    sent = {call['arch']: call['vendor_class'] for call in net.calls}
    assert sent[0] == 'PXEClient:Arch:00000:UNDI:002001' and sent[16] == 'HTTPClient:Arch:00016:UNDI:003000'
    assert all(call['exclusive'] and call['mac'] == '52:54:00:66:00:01' for call in net.calls)
    efi = result['probes'][1]
    assert efi['boot'] == {'boot_file': 'snponly.efi', 'next_server': SERVER, 'server': SERVER, 'source': 'dhcp'}
    assert efi['offers'][0]['option_67'] == 'snponly.efi' and efi['offers'][0]['src'] == SERVER


def test_expect_mismatch_fails_naming_the_arch(net, capsys):
    net.table = FULL
    result = run(capsys, arch=['bios', 'efi-x86_64'], expect_boot_file='snponly.efi')
    assert result['rc'] == 1 and result['failed']
    assert result['msg'] == ("expect_boot_file: bios (option 93 code 0) clients would boot 'undionly.kpxe' "
                             "(from 10.66.0.1, dhcp), not 'snponly.efi'")
    assert [p['ok'] for p in result['probes']] == [False, True], 'the results come with the failure'
    result = run(capsys, expect={'efi-riscv64': 'riscv.efi'})
    assert result['rc'] == 1
    assert result['msg'].startswith("expect: efi-riscv64 (option 93 code 27) clients would get no DHCP reply at all")


def test_request_reports_the_ack_and_releases(net, capsys):
    net.table = {(1, 67): FULL[(1, 67)], ('REQUEST', 67): [captured('full_efi7_ack')]}
    result = run(capsys, arch=['efi-x86_64'], request=True)
    (probe,) = result['probes']
    assert probe['ack']['msg_type'] == 'ACK' and probe['ack']['address'] == probe['offers'][0]['address']
    kinds = [(call.get('msg_type', 1), call.get('requested_ip'), call.get('server')) for call in net.calls]
    assert kinds == [(1, None, None), ('REQUEST', '10.66.0.151', None), ('RELEASE', None, SERVER)]


def test_rogue_dhcp_server(net, capsys, monkeypatch):
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, message: warned.append(message))
    rogue = captured('full_bios_offer', src='10.66.0.2', server_id='10.66.0.2')
    assert rogue['server_id'] == '10.66.0.2'
    net.table = {(1, 67): [captured('full_bios_offer'), rogue]}
    result = run(capsys)
    assert result['rc'] == 0 and result['rogue_dhcp'] is True
    assert result['dhcp_servers'] == [SERVER, '10.66.0.2'] and result['rogue_servers'] == [SERVER, '10.66.0.2']
    assert ('rogue DHCP server? 2 servers hand out addresses on eth0: 10.66.0.1, 10.66.0.2; name the legitimate one(s) '
            'in allowed_dhcp_servers') in warned
    result = run(capsys, allowed_dhcp_servers=[SERVER], fail_on_rogue=True)
    assert result['rc'] == 1 and result['rogue_servers'] == ['10.66.0.2']
    assert result['msg'] == 'fail_on_rogue: rogue DHCP server(s) on eth0: 10.66.0.2 hand out addresses (allowed: 10.66.0.1)'


def test_proxy_dhcp_followed_to_port_4011(net, capsys):
    site = captured('full_bios_offer', src='10.66.0.2', server_id='10.66.0.2', address_only=True)
    net.table = {
        (1, 67): {0: [site, captured('proxy_bios_offer')], 7: [site, captured('proxy_efi7_offer')]},
        ('REQUEST', 4011): {0: [captured('proxy_bios_4011_ack', src_port=4011)],
                            7: [captured('proxy_efi7_4011_ack', src_port=4011)]},
    }
    result = run(capsys, arch=['bios', 'efi-x86_64'], expect={'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi'})
    assert result['rc'] == 0, result['msg']
    bios, efi = result['probes']
    assert bios['boot']['source'] == efi['boot']['source'] == 'boot-server'
    assert efi['boot'] == {'boot_file': 'snponly.efi', 'next_server': SERVER, 'server': SERVER, 'source': 'boot-server'}
    assert result['dhcp_servers'] == ['10.66.0.2'] and result['proxy_servers'] == [SERVER]
    assert result['rogue_dhcp'] is False, 'a proxyDHCP server is no rogue'
    boot_calls = [call for call in net.calls if call.get('port') == 4011]
    assert [(c['server'], c['ciaddr'], bool(c['extra_options'])) for c in boot_calls] == [
        (SERVER, '10.66.0.250', True), (SERVER, '10.66.0.250', False)]
    assert _pxeproto.decode_vendor_options(boot_calls[0]['extra_options'][0][1])[0]['value'] == {'type': 0x8000, 'layer': 0}


def test_proxy_without_interface_address(net, capsys, monkeypatch):
    monkeypatch.setattr(_pxeproto, 'interface_ipv4', lambda iface: None)
    net.table = {(1, 67): [captured('proxy_efi7_offer')]}
    result = run(capsys, arch=['efi-x86_64'], expect_boot_file='snponly.efi')
    assert result['rc'] == 1
    assert 'get no boot file (1 replies from 10.66.0.1)' in result['msg'] and 'has no IPv4 address' in result['msg']


def manifest(files):
    return ''.join('%s  %s\n' % (hashlib.sha256(data).hexdigest(), name) for name, data in files.items()).encode()


def test_fetch_tftp_and_http_checked_against_the_manifest(net, capsys):
    net.table = FULL
    loaders = {'undionly.kpxe': b'bios loader', 'snponly.efi': b'efi loader', 'arm64/snponly.efi': b'arm loader'}
    net.files = {'tftp://10.66.0.1/%s' % name: data for name, data in loaders.items()}
    net.files['tftp://10.66.0.1/SHA256SUMS'] = net.files['http://10.66.0.1/SHA256SUMS'] = manifest(loaders)
    net.files['http://10.66.0.1/snponly.efi'] = loaders['snponly.efi']
    result = run(capsys, check_mode=True, arch=['bios', 'efi-arm64', 'http-x86_64'], fetch='auto', blksize=512)
    assert result['rc'] == 0, result.get('msg')
    fetched = [p['fetch'] for p in result['probes']]
    assert [(f['protocol'], f['url'], f['verified']) for f in fetched] == [
        ('tftp', 'tftp://10.66.0.1/undionly.kpxe', True), ('tftp', 'tftp://10.66.0.1/arm64/snponly.efi', True),
        ('http', 'http://10.66.0.1/snponly.efi', True)]
    assert fetched[0]['blksize'] == 512 and fetched[0]['manifest_url'] == 'tftp://10.66.0.1/SHA256SUMS'
    assert fetched[2]['manifest_url'] == 'http://10.66.0.1/SHA256SUMS' and fetched[2]['status'] == 200

    net.files['tftp://10.66.0.1/arm64/snponly.efi'] = b'tampered'
    result = run(capsys, arch=['efi-arm64'], fetch='tftp')
    assert result['rc'] == 1 and result['msg'].startswith('fetch: arm64/snponly.efi from 10.66.0.1 has sha256 ')
    assert 'but the manifest tftp://10.66.0.1/SHA256SUMS says %s' % hashlib.sha256(b'arm loader').hexdigest() in result['msg']

    result = run(capsys, arch=['http-x86_64'], fetch='tftp')
    assert result['rc'] == 1 and 'which is not a TFTP file' in result['msg'] and result['msg'].startswith('fetch:')

    result = run(capsys, arch=['bios'], fetch='http', manifest_url='http://10.66.0.1/nope')
    assert result['rc'] == 1 and result['msg'] == 'fetch: HTTP GET http://10.66.0.1/undionly.kpxe answered status 404'


def test_fetch_unlisted_file_is_reported_with_auto_manifest(net, capsys):
    net.table = {(1, 67): [captured('full_ipxe_offer')]}
    net.files = {'http://10.66.0.1/boot.ipxe': b'#!ipxe\n', 'http://10.66.0.1/SHA256SUMS': manifest({'x': b''})}
    result = run(capsys, user_class='iPXE', fetch='auto')
    assert result['rc'] == 0
    assert result['probes'][0]['fetch']['verified'] is None
    assert result['probes'][0]['fetch']['note'] == 'http://10.66.0.1/SHA256SUMS does not list http://10.66.0.1/boot.ipxe: not checked'
    assert net.calls[0]['user_class'] == 'iPXE' and net.calls[0]['ipxe_175'] is True
    result = run(capsys, user_class='iPXE', fetch='auto', manifest_url='http://10.66.0.1/SHA256SUMS')
    assert result['rc'] == 1 and result['msg'].startswith('manifest_url: http://10.66.0.1/SHA256SUMS does not list')


@pytest.mark.parametrize('args, message', [
    ({'arch': ['efi-amd64']}, "arch: unknown client architecture 'efi-amd64'; valid names: bios, "),
    ({'arch': ['99']}, 'arch: client architecture code 99 is not assigned'),
    ({'expect': {'efi-x86_64': ''}}, "expect: the boot file for 'efi-x86_64' must be a non-empty string"),
    ({'expect': {'x86': 'a'}}, "expect: unknown client architecture 'x86'"),
    ({'mac': '52:54'}, "mac: invalid MAC address: '52:54'"),
    ({'interface': 'nope0'}, "interface: no network interface named 'nope0' on this host"),
    ({'blksize': 4}, 'blksize: must be 8..65464'),
    ({'timeout': 0}, 'timeout: must be more than 0 seconds'),
    ({'manifest_url': 'http://x/SHA256SUMS'}, 'manifest_url: needs fetch'),
    ({'fetch': 'tftp', 'manifest_url': 'ftp://x/SUMS'}, "manifest_url: 'ftp://x/SUMS' is not auto, none"),
])
def test_errors_name_the_option(net, capsys, args, message):
    net.table = FULL
    result = run(capsys, **args)
    assert result['rc'] == 1 and result['msg'].startswith(message), result['msg']


def test_port_68_held_by_a_dhcp_client(net, capsys):
    net.table = {(1, 67): _pxeproto.Port68InUse(98, 'in use')}
    result = run(capsys)
    assert result['rc'] == 1
    assert result['msg'].startswith('interface: cannot listen for DHCP replies: UDP port 68 (the DHCP client port) is held')
    net.table = {(1, 67): PermissionError(1, 'denied')}
    assert run(capsys)['msg'] == 'interface: binding UDP port 68 on eth0 needs root (become: true)'


def test_random_mac_by_default(net, capsys):
    net.table = FULL
    result = run(capsys, mac=None)
    assert result['rc'] == 0 and int(result['mac'][:2], 16) & 2 and result['mac'] == net.calls[0]['mac']


def test_probes_cli_loads_the_same_core():
    """tests/lab/probes.py runs the very same file (by path, without Ansible)."""
    lab = pathlib.Path(__file__).resolve().parents[3] / 'lab'
    proc = subprocess.run([sys.executable, '-I', '-c', 'import sys; sys.path.insert(0, %r); import probes; '
                           'print(probes._core.__file__, "ansible" in sys.modules)' % str(lab)],
                          capture_output=True, text=True, check=True)
    path, ansible_loaded = proc.stdout.split()
    assert pathlib.Path(path).resolve() == pathlib.Path(_pxeproto.__file__).resolve() and ansible_loaded == 'False'


# =========================================================================== real dnsmasq in private network namespaces

ROLES = pathlib.Path(__file__).resolve().parents[3] / 'unit' / 'roles'
COLLECTIONS_ROOT = pathlib.Path(__file__).resolve().parents[7]
MODULE = pathlib.Path(pxe_probe.__file__).resolve()
DNSMASQ = shutil.which('dnsmasq', path=os.environ.get('PATH', '') + os.pathsep + '/usr/sbin:/sbin')
COMMON = {'interface': 'pxe0', 'server_address': SERVER, 'network': '10.66.0.0/24',
          'architectures': ['bios', 'efi-x86_64', 'efi-arm64', 'http-x86_64'],
          'boot_files': {'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi', 'efi-arm64': 'arm64/snponly.efi',
                         'http-x86_64': 'http://10.66.0.1/snponly.efi'},
          'ipxe_script_url': 'http://10.66.0.1/boot.ipxe'}
EXPECT = {'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi', '9': 'snponly.efi', 'efi-arm64': 'arm64/snponly.efi',
          'http-x86_64': 'http://10.66.0.1/snponly.efi'}
LOADERS = {'undionly.kpxe': os.urandom(3000), 'snponly.efi': os.urandom(5000), 'arm64/snponly.efi': os.urandom(4000)}


def _ip(*args):
    subprocess.run(['ip'] + list(args), check=True, capture_output=True)


class Netns(object):
    """pr-XXXX (server: pxe0 10.66.0.1, dnsmasq) <-veth-> pr-XXXX-c (client: eth0 10.66.0.250), pr-XXXX-s (site DHCP)."""

    def __init__(self, work):
        self.work = work
        self.srv = 'pr-' + secrets.token_hex(3)
        self.cli = self.srv + '-c'
        self.site = self.srv + '-s'
        self.procs = []
        self.namespaces = []

    def build(self):
        for ns in (self.srv, self.cli, self.site):
            _ip('netns', 'add', ns)
            self.namespaces.append(ns)
            _ip('-n', ns, 'link', 'set', 'lo', 'up')
        _ip('-n', self.srv, 'link', 'add', 'br0', 'type', 'bridge')
        _ip('-n', self.srv, 'link', 'set', 'br0', 'up')
        _ip('-n', self.srv, 'link', 'add', 'pxe0', 'type', 'veth', 'peer', 'name', 'pxe0p')
        for index, (ns, iface, address) in enumerate(((self.cli, 'eth0', '10.66.0.250/24'), (self.site, 'eth0', '10.66.0.2/24'))):
            _ip('-n', self.srv, 'link', 'add', 'p%d' % index, 'type', 'veth', 'peer', 'name', iface, 'netns', ns)
            _ip('-n', self.srv, 'link', 'set', 'p%d' % index, 'master', 'br0', 'up')
            _ip('-n', ns, 'addr', 'add', address, 'dev', iface)
            _ip('-n', ns, 'link', 'set', iface, 'up')
        _ip('-n', self.srv, 'link', 'set', 'pxe0p', 'master', 'br0', 'up')
        _ip('-n', self.srv, 'addr', 'add', SERVER + '/24', 'dev', 'pxe0')
        _ip('-n', self.srv, 'link', 'set', 'pxe0', 'up')

    def start(self, ns, argv, name):
        with open(self.work / ('%s.out' % name), 'ab') as out:
            proc = subprocess.Popen(['ip', 'netns', 'exec', ns] + argv,  # pylint: disable=consider-using-with
                                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.procs.append(proc)
        time.sleep(0.7)
        assert proc.poll() is None, (self.work / ('%s.out' % name)).read_text()
        return proc

    def stop(self, proc):
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)
        self.procs.remove(proc)

    def close(self):
        for proc in list(self.procs):
            self.stop(proc)
        for ns in self.namespaces:
            subprocess.run(['ip', 'netns', 'delete', ns], check=False, capture_output=True)

    def dnsmasq(self, mode, root):
        sys.path.insert(0, str(ROLES))
        try:
            from render import defaults, render  # pylint: disable=import-outside-toplevel,import-error
        finally:
            sys.path.remove(str(ROLES))
        variables = defaults('dnsmasq')
        variables.update(dnsmasq_config_dir=str(self.work), dnsmasq_log_dhcp=True, dnsmasq_dhcp_ping=False,
                         dnsmasq_boot_root=str(root))
        settings = dict(COMMON, dhcp_mode=mode)
        if mode == 'full':
            settings.update(allow_full_dhcp=True, pool_offset=99, pool_size=100)
        variables['__dnsmasq_plan'] = _dnsmasq.plan(settings, prefix='dnsmasq_')
        text = render('dnsmasq', 'dnsmasq.conf.j2', variables)
        # Test-only differences: run as root (the boot root is in pytest's private tmp), leases and log here, no tftp-secure.
        text = text.replace('user=dnsmasq', 'user=root').replace('tftp-secure\n', '')
        text = text.replace('dhcp-leasefile=/var/lib/misc/netboot-pxe-dnsmasq.leases', 'dhcp-leasefile=%s/%s.leases' % (self.work, mode))
        conf = self.work / ('%s.conf' % mode)
        conf.write_text(text + 'log-facility=%s/%s.log\n' % (self.work, mode))
        (self.work / 'dhcp-hosts.d').mkdir(exist_ok=True)
        return self.start(self.srv, [DNSMASQ, '--keep-in-foreground', '--conf-file=%s' % conf], 'dnsmasq-' + mode)

    def site_dhcp(self):
        return self.start(self.site, [DNSMASQ, '--keep-in-foreground', '--port=0', '--bind-interfaces', '--interface=eth0',
                                      '--dhcp-range=10.66.0.20,10.66.0.40,255.255.255.0,1h', '--no-ping', '--user=root',
                                      '--dhcp-leasefile=%s/site.leases' % self.work, '--pid-file='], 'site')

    def module(self, ns, **args):
        """Run the pxe_probe module file in ns, as Ansible would; return its result."""
        path = self.work / ('args-%s.json' % secrets.token_hex(4))
        path.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
        env = dict(os.environ, PYTHONPATH=str(COLLECTIONS_ROOT))
        proc = subprocess.run(['ip', 'netns', 'exec', ns, sys.executable, str(MODULE), str(path)], capture_output=True,
                              text=True, env=env, timeout=300, check=False)
        assert proc.stdout, proc.stderr
        return json.loads(proc.stdout)


@pytest.fixture(name='lab', scope='module')
def fixture_lab(tmp_path_factory):
    if os.geteuid() != 0 or not shutil.which('ip') or not DNSMASQ:
        pytest.skip('needs root, iproute2 and dnsmasq to run dnsmasq in network namespaces')
    work = tmp_path_factory.mktemp('pxe-probe-netns')
    root = work / 'root'
    (root / 'arm64').mkdir(parents=True)
    for name, data in LOADERS.items():
        (root / name).write_bytes(data)
    (root / 'SHA256SUMS').write_bytes(manifest(LOADERS))
    (root / 'boot.ipxe').write_text('#!ipxe\n')
    lab = Netns(work)
    try:
        lab.build()
        lab.root = root
        lab.start(lab.srv, [sys.executable, '-m', 'http.server', '80', '--bind', SERVER, '--directory', str(root)], 'http')
        yield lab
    finally:
        lab.close()


@pytest.mark.parametrize('where', ['client', 'server itself'])
def test_netns_full_dhcp(lab, where):
    proc = lab.dnsmasq('full', lab.root)
    try:
        ns, iface = (lab.cli, 'eth0') if where == 'client' else (lab.srv, 'pxe0')
        result = lab.module(ns, interface=iface, expect=EXPECT, fetch='auto', request=True, timeout=1.5, _ansible_check_mode=True)
        assert not result.get('failed'), result['msg']
        assert [(p['arch_code'], p['ok'], p['fetch']['verified'], p['ack']['msg_type']) for p in result['probes']] == [
            (0, True, True, 'ACK'), (7, True, True, 'ACK'), (9, True, True, 'ACK'), (11, True, True, 'ACK'), (16, True, True, 'ACK')]
        assert result['dhcp_servers'] == [SERVER] and result['changed'] is False
        assert result['probes'][0]['fetch']['blksize'] == 1468 and result['probes'][4]['fetch']['protocol'] == 'http'
        leases = (lab.work / 'full.leases').read_text()
        assert result['mac'] not in leases, 'the leases were given back'

        ipxe = lab.module(ns, interface=iface, arch=['bios', 'efi-x86_64'], user_class='iPXE', timeout=1.5,
                          expect_boot_file='http://10.66.0.1/boot.ipxe', fetch='auto')
        assert not ipxe.get('failed'), ipxe['msg']
        offer = ipxe['probes'][0]['offers'][0]
        assert offer['option_175'][0]['name'] == 'no-pxedhcp' and ipxe['probes'][0]['fetch']['verified'] is None

        wrong = lab.module(ns, interface=iface, arch=['efi-arm64'], expect_boot_file='grubaa64.efi', timeout=1.5)
        assert wrong['failed'] and wrong['msg'] == (
            "expect_boot_file: efi-arm64 (option 93 code 11) clients would boot 'arm64/snponly.efi' (from 10.66.0.1, dhcp), "
            "not 'grubaa64.efi'")

        site = lab.site_dhcp()
        try:
            rogue = lab.module(ns, interface=iface, timeout=1.5, allowed_dhcp_servers=[SERVER], fail_on_rogue=True)
        finally:
            lab.stop(site)
        assert rogue['failed'] and rogue['rogue_servers'] == ['10.66.0.2']
        assert sorted(rogue['dhcp_servers']) == [SERVER, '10.66.0.2']
    finally:
        lab.stop(proc)


@pytest.mark.parametrize('where', ['client', 'server itself'])
def test_netns_proxy_dhcp_and_port_4011(lab, where):
    site = lab.site_dhcp()
    proc = lab.dnsmasq('proxy', lab.root)
    try:
        ns, iface = (lab.cli, 'eth0') if where == 'client' else (lab.srv, 'pxe0')
        result = lab.module(ns, interface=iface, arch=['bios', 'efi-x86_64', 'efi-arm64'], fetch='tftp', timeout=1.5,
                            expect={'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi', 'efi-arm64': 'arm64/snponly.efi'})
        assert not result.get('failed'), result['msg']
        assert result['dhcp_servers'] == ['10.66.0.2'] and result['proxy_servers'] == [SERVER]
        assert result['rogue_dhcp'] is False
        for probe in result['probes']:
            assert probe['boot']['source'] == 'boot-server' and probe['boot_server']['src_port'] == 4011
            assert probe['fetch']['verified'] is True
        bios = result['probes'][0]
        proxy = [offer for offer in bios['offers'] if offer['proxy']][0]
        assert [sub['name'] for sub in proxy['option_43']][:3] == ['PXE_DISCOVERY_CONTROL', 'PXE_BOOT_SERVERS', 'PXE_BOOT_MENU']
    finally:
        lab.stop(proc)
        lab.stop(site)


def test_netns_probes_cli_still_works(lab):
    """The lab CLI (molecule verify, e2e) with a bare system python, against the same servers."""
    proc = lab.dnsmasq('full', lab.root)
    try:
        probes_py = pathlib.Path(__file__).resolve().parents[3] / 'lab' / 'probes.py'
        python = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable
        out = subprocess.run(['ip', 'netns', 'exec', lab.cli, python, str(probes_py), 'dhcp', 'eth0', '52:54:00:66:00:07',
                              '--arch', '7', '--timeout', '1.5'], capture_output=True, text=True, check=True).stdout
        assert json.loads(out)['replies'][0]['bootfile'] == 'snponly.efi'
        out = subprocess.run(['ip', 'netns', 'exec', lab.cli, python, str(probes_py), 'tftp', SERVER, 'snponly.efi'],
                             capture_output=True, text=True, check=True).stdout
        assert json.loads(out)['sha256'] == hashlib.sha256(LOADERS['snponly.efi']).hexdigest()
    finally:
        lab.stop(proc)
