# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of tests/lab/probes.py.

The pure tests (packets, TFTP and HTTP clients on loopback) are
tests/unit/plugins/module_utils/test_pxeproto_wire.py. Here: real dnsmasq (DHCP, proxyDHCP, TFTP) and
``python3 -m http.server`` in network namespaces created here, probed from other
namespaces exactly as callers do (``ip netns exec NS python3 probes.py ...``).

Lab topology (all in namespaces named nbp-probe-<random>[-suffix]):

    srv  (nbp-probe-XXXXXX):      br0 10.99.0.1/24 with ports vp0, vp1, ...  (dnsmasq, http.server)
    cli  (nbp-probe-XXXXXX-cli):  eth0 10.99.0.2/24
    bare (nbp-probe-XXXXXX-bare): eth0 without IPv4 address (firmware before DHCP)
    pxy  (nbp-probe-XXXXXX-pxy):  eth0 10.99.0.3/24  (proxyDHCP dnsmasq)
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import pickle
import secrets
import shutil
import struct
import subprocess
import sys
import time

import pytest

import probes

LAB_DIR = os.path.dirname(os.path.abspath(__file__))
PROBES_PY = os.path.join(LAB_DIR, 'probes.py')
APT_INSTALL = os.path.normpath(os.path.join(LAB_DIR, os.pardir, os.pardir, 'tools', 'apt-install.sh'))
# Inside the lab the probes may run under a bare system python: prove they need nothing else.
CLIENT_PYTHON = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable

SERVER_IP, CLIENT_IP, PROXY_IP = '10.99.0.1', '10.99.0.2', '10.99.0.3'
POOL = ['10.99.0.%d' % i for i in range(100, 200)]
MAC = '52:54:00:99:00:01'
PROBE_TIMEOUT = 1.5


def _run(cmd, check=True, timeout=60):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if check and proc.returncode:
        raise RuntimeError('%s failed (%d): %s%s' % (' '.join(cmd), proc.returncode, proc.stdout, proc.stderr))
    return proc


def _dnsmasq_path():
    return shutil.which('dnsmasq', path=os.environ.get('PATH', '') + os.pathsep + '/usr/sbin:/sbin')


def _require_lab():
    if os.geteuid() != 0:
        pytest.skip('network namespace tests need root')
    if not shutil.which('ip'):
        pytest.skip('iproute2 (ip) is not installed')
    if _dnsmasq_path():
        return
    last = None
    for _attempt in range(30):  # another apt/dpkg run may hold the lock: wait and retry
        last = _run(['bash', APT_INSTALL, 'dnsmasq-base'], check=False, timeout=900)
        if last.returncode == 0 and _dnsmasq_path():
            return
        time.sleep(10)
    pytest.fail('could not install dnsmasq-base: %s%s' % (last.stdout, last.stderr))


class Lab:
    """Network namespaces joined by a bridge, and the server processes started in them."""

    def __init__(self, workdir):
        self.workdir = str(workdir)
        self.prefix = 'nbp-probe-' + secrets.token_hex(3)
        self.srv = self.prefix
        self.cli = self.prefix + '-cli'
        self.bare = self.prefix + '-bare'
        self.pxy = self.prefix + '-pxy'
        self.namespaces = []
        self.procs = []
        self.ports = 0

    def ip(self, ns, *args):
        return _run(['ip', '-n', ns] + list(args))

    def build(self):
        self.add_namespace(self.srv)
        self.ip(self.srv, 'link', 'add', 'br0', 'type', 'bridge')
        self.ip(self.srv, 'addr', 'add', SERVER_IP + '/24', 'dev', 'br0')
        self.ip(self.srv, 'link', 'set', 'br0', 'up')
        self.add_client(self.cli, CLIENT_IP)
        self.add_client(self.bare, None)
        self.add_client(self.pxy, PROXY_IP)

    def add_namespace(self, ns):
        _run(['ip', 'netns', 'add', ns])
        self.namespaces.append(ns)
        self.ip(ns, 'link', 'set', 'lo', 'up')

    def add_client(self, ns, address):
        """A namespace whose eth0 is plugged into the server's bridge."""
        self.add_namespace(ns)
        port = 'vp%d' % self.ports
        self.ports += 1
        self.ip(self.srv, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns)
        self.ip(self.srv, 'link', 'set', port, 'master', 'br0')
        self.ip(self.srv, 'link', 'set', port, 'up')
        self.ip(ns, 'link', 'set', 'eth0', 'up')
        if address:
            self.ip(ns, 'addr', 'add', address + '/24', 'dev', 'eth0')
        return ns

    def start(self, ns, argv, log_path, listen):
        """Start argv in ns; wait until it listens on ``listen`` ('udp:67', 'tcp:80', ...)."""
        with open(log_path, 'ab') as log:
            # "ip netns exec" execs the command itself, so proc.pid is the server's PID.
            proc = subprocess.Popen(['ip', 'netns', 'exec', ns] + list(argv),  # pylint: disable=consider-using-with
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        proto, port = listen.split(':')
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            probe = _run(['ip', 'netns', 'exec', ns, 'ss', '-H', '-ln', '-u' if proto == 'udp' else '-t',
                          'sport = :%s' % port], check=False)
            if probe.stdout.strip():
                return proc
            time.sleep(0.1)
        with open(log_path, encoding='utf-8', errors='replace') as log:
            text = log.read()
        self.stop(proc)
        raise RuntimeError('%s did not come up (exit %s):\n%s' % (argv[0], proc.returncode, text))

    def stop(self, proc):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if proc in self.procs:
            self.procs.remove(proc)

    def close(self):
        for proc in reversed(list(self.procs)):
            self.stop(proc)
        for ns in reversed(self.namespaces):
            _run(['ip', 'netns', 'delete', ns], check=False)
        self.namespaces = []

    def dnsmasq(self, ns, name, lines):
        """Run dnsmasq in ns with a config file made of lines (plus pid/lease/log files); return (proc, log path)."""
        base = os.path.join(self.workdir, name)
        conf = list(lines) + [
            'pid-file=%s.pid' % base,
            'dhcp-leasefile=%s.leases' % base,
            'log-facility=%s.log' % base,
            'log-dhcp',
            'user=root',  # the tftp root lives in pytest's private (0700) temporary directory
        ]
        with open(base + '.conf', 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(conf) + '\n')
        proc = self.start(ns, [_dnsmasq_path(), '--keep-in-foreground', '--conf-file=%s.conf' % base],
                          base + '.out', 'udp:67')
        with open(base + '.pid', encoding='ascii') as handle:
            assert int(handle.read().strip()) == proc.pid, 'the PID we will kill is the one dnsmasq reports'
        return proc, base + '.log'


def cli(ns, *args):
    """Run ``python3 probes.py ARGS`` in ns like the callers do; return (exit status, JSON output)."""
    proc = _run(['ip', 'netns', 'exec', ns, CLIENT_PYTHON, PROBES_PY] + [str(arg) for arg in args], check=False,
                timeout=300)
    assert proc.stdout.count('\n') == 1, 'one JSON object on stdout: %r %r' % (proc.stdout, proc.stderr)
    return proc.returncode, json.loads(proc.stdout)


_CALL = '''
import base64, pickle, sys
sys.path.insert(0, sys.argv[1])
import probes
func, args, kwargs = pickle.loads(base64.b64decode(sys.stdin.read()))
try:
    outcome = (True, getattr(probes, func)(*args, **kwargs))
except Exception as exc:
    outcome = (False, exc)
sys.stdout.write(base64.b64encode(pickle.dumps(outcome)).decode())
'''


def call(ns, func, *args, **kwargs):
    """Call probes.<func>(*args, **kwargs) in ns (under CLIENT_PYTHON); return its result or raise its exception."""
    request = base64.b64encode(pickle.dumps((func, args, kwargs))).decode()
    proc = subprocess.run(['ip', 'netns', 'exec', ns, CLIENT_PYTHON, '-c', _CALL, LAB_DIR], input=request,
                          capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode:
        raise RuntimeError('probe call %s failed: %s' % (func, proc.stderr))
    ok, value = pickle.loads(base64.b64decode(proc.stdout))
    if not ok:
        raise value
    return value


def probe(ns, **kwargs):
    kwargs.setdefault('timeout', PROBE_TIMEOUT)
    return call(ns, 'dhcp_probe', 'eth0', kwargs.pop('mac', MAC), **kwargs)


def _sha(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(name='lan', scope='module')
def fixture_lan(tmp_path_factory):
    _require_lab()
    lab = Lab(tmp_path_factory.mktemp('lab'))
    try:
        lab.build()
        yield lab
    finally:
        lab.close()


# ----------------------------------------------------------------- dnsmasq as DHCP + TFTP server

BOOT_CONFIG = [
    'port=0',
    'interface=br0',
    'bind-interfaces',
    'dhcp-range=%s,%s,255.255.255.0,1h' % (POOL[0], POOL[-1]),
    'no-ping',
    'dhcp-match=set:efi64,option:client-arch,7',
    'dhcp-boot=tag:efi64,snponly.efi',
    'dhcp-boot=tag:!efi64,undionly.kpxe',
    # When several dhcp-boot lines match, dnsmasq 2.90 uses the LAST one in the file
    # (checked: with the iPXE line first, an arch 7 iPXE client got snponly.efi). So the
    # iPXE line comes after the arch lines: iPXE chainloaded from either gets the script.
    'dhcp-userclass=set:ipxe,iPXE',
    'dhcp-boot=tag:ipxe,http://%s/boot.ipxe' % SERVER_IP,
    # UEFI HTTP boot: the server must echo vendor class HTTPClient and hand out a URL.
    'dhcp-vendorclass=set:httpclient,HTTPClient',
    'dhcp-option-force=tag:httpclient,option:vendor-class,HTTPClient',
    'dhcp-boot=tag:httpclient,http://%s/ipxe.efi' % SERVER_IP,
    # iPXE feature option 175 with HTTP (sub-option 19) -> a marker we can see in the reply.
    'dhcp-match=set:ipxe-http,175,19',
    'dhcp-option=tag:ipxe-http,option:domain-name,ipxe-http.lab',
    'enable-tftp',
]


@pytest.fixture(name='boot_server', scope='class')
def fixture_boot_server(lan, tmp_path_factory):
    root = tmp_path_factory.mktemp('tftp')
    files = {
        'random.bin': os.urandom(100 * 1024),
        'exact.bin': os.urandom(1468 * 3),  # a multiple of the block size: ends with an empty block
        'empty.bin': b'',
        'rollover.bin': os.urandom(8 * 65536 + 1000),  # with blksize 8, more than 65535 blocks
        'sub/dir/file.txt': b'nested\n',
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    secret = root / 'secret.bin'
    secret.write_bytes(b'not for you')
    secret.chmod(0o600)  # dnsmasq refuses files that are not world-readable
    proc, log = lan.dnsmasq(lan.srv, 'boot', BOOT_CONFIG + ['tftp-root=%s' % root])
    try:
        yield {'root': str(root), 'files': files, 'log': log}
    finally:
        lan.stop(proc)


@pytest.mark.netns
class TestDnsmasqBootServer:

    @pytest.mark.parametrize('client', ['bare', 'cli'])
    @pytest.mark.parametrize('arch, expected', [(0, 'undionly.kpxe'), (7, 'snponly.efi')])
    def test_boot_file_by_arch(self, lan, boot_server, client, arch, expected):
        assert boot_server
        replies = probe(getattr(lan, client), arch=arch)
        assert len(replies) == 1, replies
        offer = replies[0]
        assert offer['msg_type'] == 'OFFER' and offer['chaddr'] == MAC
        assert offer['yiaddr'] in POOL
        assert offer['server_id'] == SERVER_IP and offer['src'] == SERVER_IP and offer['src_port'] == 67
        assert offer['siaddr'] == SERVER_IP, 'next-server: dnsmasq itself serves TFTP'
        assert offer['bootfile'] == expected
        assert offer['subnet_mask'] == '255.255.255.0'
        assert offer['is_proxy_offer'] is False

    @pytest.mark.parametrize('arch', [0, 7])
    def test_ipxe_user_class_gets_script_url(self, lan, boot_server, arch):
        assert boot_server
        (offer,) = probe(lan.bare, arch=arch, user_class='iPXE')
        assert offer['bootfile'] == 'http://%s/boot.ipxe' % SERVER_IP

    def test_uefi_http_boot_client(self, lan, boot_server):
        assert boot_server
        (offer,) = probe(lan.bare, arch=16, vendor_class='HTTPClient:Arch:00016:UNDI:003000')
        assert offer['vendor_class'] == 'HTTPClient'
        assert offer['bootfile'] == 'http://%s/ipxe.efi' % SERVER_IP

    def test_ipxe_feature_option_175(self, lan, boot_server):
        assert boot_server
        (offer,) = probe(lan.bare, arch=0, ipxe_175=True)
        assert offer['options'].get(15) == b'ipxe-http.lab'
        (offer,) = probe(lan.bare, arch=0)
        assert 15 not in offer['options']

    def test_discover_then_request(self, lan, boot_server):
        assert boot_server
        (offer,) = probe(lan.bare, arch=7)
        (ack,) = probe(lan.bare, arch=7, msg_type='REQUEST', requested_ip=offer['yiaddr'], server_id=offer['server_id'])
        assert ack['msg_type'] == 'ACK'
        assert ack['yiaddr'] == offer['yiaddr']
        assert ack['bootfile'] == 'snponly.efi'
        with open(boot_server['log'], encoding='utf-8') as log:
            assert 'DHCPACK(br0) %s %s' % (offer['yiaddr'], MAC) in log.read()

    def test_dhcp_cli(self, lan, boot_server):
        assert boot_server
        status, out = cli(lan.bare, 'dhcp', 'eth0', MAC, '--arch', 7, '--timeout', PROBE_TIMEOUT)
        assert status == 0 and out['ok'] is True
        (offer,) = out['replies']
        assert offer['bootfile'] == 'snponly.efi'
        assert offer['options']['53'] == '02', 'bytes are hex-encoded'
        status, out = cli(lan.bare, 'dhcp', 'eth0', MAC, '--arch', 7, '--timeout', 0.5, '--port', 6767)
        assert status == 1 and out['ok'] is False and out['replies'] == [] and 'no reply' in out['error']

    def test_tftp_random_file(self, lan, boot_server):
        data = call(lan.cli, 'tftp_get', SERVER_IP, 'random.bin')
        assert _sha(data) == _sha(boot_server['files']['random.bin'])

    @pytest.mark.parametrize('asked, agreed', [(512, 512), (1024, 1024), (1468, 1468), (8192, 1468), (None, 512)])
    def test_tftp_blksize_negotiation(self, lan, boot_server, asked, agreed):
        result = call(lan.cli, 'tftp_transfer', SERVER_IP, 'random.bin', blksize=asked)
        assert result['data'] == boot_server['files']['random.bin']
        # dnsmasq caps blksize at what fits the interface MTU (1500 - 32 = 1468)
        assert result['blksize'] == agreed
        assert result['oack']['tsize'] == str(100 * 1024) and result['tsize'] == 100 * 1024
        assert ('blksize' in result['oack']) == (asked is not None)
        assert result['blocks'] == 100 * 1024 // agreed + 1

    @pytest.mark.parametrize('name', ['exact.bin', 'empty.bin', 'sub/dir/file.txt'])
    def test_tftp_edge_sizes(self, lan, boot_server, name):
        assert call(lan.cli, 'tftp_get', SERVER_IP, name) == boot_server['files'][name]

    def test_tftp_block_number_rollover(self, lan, boot_server):
        result = call(lan.cli, 'tftp_transfer', SERVER_IP, 'rollover.bin', blksize=8)
        assert result['blocks'] > 65536
        assert _sha(result['data']) == _sha(boot_server['files']['rollover.bin'])

    def test_tftp_missing_file(self, lan, boot_server):
        with pytest.raises(probes.TftpError) as info:
            call(lan.cli, 'tftp_get', SERVER_IP, 'no-such-file.efi')
        assert info.value.code == 1
        assert info.value.message == 'file %s/no-such-file.efi not found for %s' % (boot_server['root'], CLIENT_IP)

    @pytest.mark.parametrize('name', ['secret.bin', '../boot.conf'])
    def test_tftp_access_violation(self, lan, boot_server, name):
        assert boot_server
        with pytest.raises(probes.TftpError) as info:
            call(lan.cli, 'tftp_get', SERVER_IP, name)
        assert info.value.code == 2
        assert 'Permission denied' in info.value.message

    def test_tftp_cli(self, lan, boot_server, tmp_path):
        out_file = tmp_path / 'got.bin'
        status, out = cli(lan.cli, 'tftp', SERVER_IP, 'random.bin', '--sha256', '--out', out_file)
        assert status == 0 and out['ok'] is True
        assert out['size'] == 100 * 1024 and out['sha256'] == _sha(boot_server['files']['random.bin'])
        assert out_file.read_bytes() == boot_server['files']['random.bin']
        status, out = cli(lan.cli, 'tftp', SERVER_IP, 'nope.bin')
        assert status == 1 and out['ok'] is False
        assert out['type'] == 'TftpError' and out['code'] == 1 and 'not found' in out['message']


# ----------------------------------------------------------------- python -m http.server

@pytest.fixture(name='web_root', scope='class')
def fixture_web_root(lan, tmp_path_factory):
    root = tmp_path_factory.mktemp('www')
    (root / 'boot.ipxe').write_bytes(b'#!ipxe\nchain http://10.99.0.1/next.ipxe\n')
    (root / 'big.bin').write_bytes(os.urandom(256 * 1024))
    log = os.path.join(lan.workdir, 'http.out')
    proc = lan.start(lan.srv, [CLIENT_PYTHON, '-m', 'http.server', '80', '--bind', SERVER_IP, '--directory',
                               str(root)], log, 'tcp:80')
    try:
        yield root
    finally:
        lan.stop(proc)


@pytest.mark.netns
class TestHttpServer:

    def test_http_get(self, lan, web_root):
        status, headers, body = call(lan.cli, 'http_get', 'http://%s/big.bin' % SERVER_IP)
        assert status == 200
        assert body == (web_root / 'big.bin').read_bytes()
        assert headers['content-length'] == str(256 * 1024)
        status, _headers, body = call(lan.cli, 'http_get', 'http://%s/boot.ipxe' % SERVER_IP)
        assert (status, body) == (200, (web_root / 'boot.ipxe').read_bytes())

    def test_http_missing_is_a_status_not_an_exception(self, lan, web_root):
        assert web_root
        status, _headers, _body = call(lan.cli, 'http_get', 'http://%s/nope' % SERVER_IP)
        assert status == 404

    def test_http_cli(self, lan, web_root):
        status, out = cli(lan.cli, 'http', 'http://%s/boot.ipxe' % SERVER_IP)
        assert status == 0 and out['status'] == 200
        assert out['sha256'] == _sha((web_root / 'boot.ipxe').read_bytes())
        status, out = cli(lan.cli, 'http', 'http://%s/nope' % SERVER_IP)
        assert status == 1 and out['status'] == 404

    def test_http_no_server(self, lan):
        with pytest.raises(OSError):
            call(lan.cli, 'http_get', 'http://%s:81/' % SERVER_IP, timeout=3)


# ----------------------------------------------------------------- proxyDHCP

@pytest.fixture(name='proxy_setup', scope='class')
def fixture_proxy_setup(lan, tmp_path_factory):
    """An address-only DHCP server on the bridge plus a dnsmasq proxyDHCP/TFTP server in pxy."""
    root = tmp_path_factory.mktemp('proxy-tftp')
    files = {'snponly.0': os.urandom(30000), 'undionly.0': os.urandom(20000)}
    for name, data in files.items():
        (root / name).write_bytes(data)
    plain, _log = lan.dnsmasq(lan.srv, 'plain', [
        'port=0', 'interface=br0', 'bind-interfaces', 'no-ping',
        'dhcp-range=%s,%s,255.255.255.0,1h' % (POOL[0], POOL[-1]),
    ])
    try:
        proxy, log = lan.dnsmasq(lan.pxy, 'proxy', [
            'port=0', 'interface=eth0', 'bind-interfaces',
            'dhcp-range=10.99.0.0,proxy',
            'pxe-service=x86-64_EFI,"Network boot",snponly',
            'pxe-service=x86PC,"BIOS boot",undionly',
            'enable-tftp', 'tftp-root=%s' % root,
        ])
        try:
            yield {'files': files, 'log': log}
        finally:
            lan.stop(proxy)
    finally:
        lan.stop(plain)


def _split(replies):
    address = [r for r in replies if r['yiaddr'] != '0.0.0.0']
    proxy = [r for r in replies if r['is_proxy_offer']]
    assert len(address) == 1 and len(proxy) == 1 and len(replies) == 2, replies
    return address[0], proxy[0]


@pytest.mark.netns
class TestProxyDhcp:
    """dnsmasq 2.90 proxy mode, as observed:

    * port 67, BIOS client (arch 0): proxy OFFER (yiaddr 0, vendor class PXEClient) with
      option 43 (discovery control, menu prompt, boot servers, boot menu), no boot file.
    * port 67, UEFI client (arch >= 6): proxy OFFER with vendor class PXEClient and
      siaddr = the proxy, but NO option 43 and no boot file: dnsmasq redirects EFI clients
      to port 4011 (the BINL path that EDK2 firmware follows for such offers).
    * port 4011, REQUEST with ciaddr (client already has its lease): ACK, unicast to
      ciaddr:68, with file = pxe-service basename + ".0" and sname/siaddr = the proxy.
      A BIOS client selects a menu item with option 43 sub-option 71 (PXE_BOOT_ITEM).
    """

    def test_uefi_discover_gets_two_offers(self, lan, proxy_setup):
        assert proxy_setup
        address, proxy = _split(probe(lan.bare, arch=7))
        assert address['src'] == SERVER_IP and address['yiaddr'] in POOL
        assert address['vendor_class'] is None and address['bootfile'] is None
        assert proxy['src'] == PROXY_IP and proxy['server_id'] == PROXY_IP
        assert proxy['vendor_class'] == 'PXEClient'
        assert proxy['siaddr'] == PROXY_IP, 'where the client is to ask next (port 4011)'
        assert proxy['bootfile'] is None and proxy['vendor_options'] is None

    def test_bios_discover_gets_pxe_vendor_options(self, lan, proxy_setup):
        assert proxy_setup
        _address, proxy = _split(probe(lan.bare, arch=0))
        assert proxy['vendor_class'] == 'PXEClient' and 43 in proxy['options']
        subs = {sub['name']: sub['value'] for sub in proxy['vendor_options']}
        assert subs['PXE_DISCOVERY_CONTROL'] is not None
        assert subs['PXE_BOOT_MENU'] == [{'type': 0x8001, 'description': 'BIOS boot'}]
        assert subs['PXE_BOOT_SERVERS'] == [{'type': 0x8001, 'ips': [PROXY_IP]}]

    def test_uefi_firmware_flow(self, lan, proxy_setup):
        """DISCOVER -> two offers; REQUEST -> lease; REQUEST to proxy:4011 -> boot file; TFTP it."""
        ns = lan.add_client(lan.prefix + '-fw', None)
        mac = '52:54:00:99:00:fe'
        address, proxy = _split(probe(ns, mac=mac, arch=7))
        (ack,) = probe(ns, mac=mac, arch=7, msg_type='REQUEST', requested_ip=address['yiaddr'],
                       server_id=address['server_id'])
        assert ack['msg_type'] == 'ACK' and ack['yiaddr'] == address['yiaddr']
        lan.ip(ns, 'addr', 'add', ack['yiaddr'] + '/24', 'dev', 'eth0')
        (boot,) = probe(ns, mac=mac, arch=7, msg_type='REQUEST', ciaddr=ack['yiaddr'], server=proxy['siaddr'],
                        port=4011)
        assert boot['msg_type'] == 'ACK' and boot['src'] == PROXY_IP and boot['src_port'] == 4011
        assert boot['vendor_class'] == 'PXEClient'
        assert boot['file'] == 'snponly.0' and boot['siaddr'] == PROXY_IP
        data = call(ns, 'tftp_get', boot['siaddr'], boot['file'])
        assert data == proxy_setup['files']['snponly.0']

    def test_bios_boot_server_discovery(self, lan, proxy_setup):
        assert proxy_setup
        _address, proxy = _split(probe(lan.bare, arch=0))
        item = [sub['value'] for sub in proxy['vendor_options'] if sub['name'] == 'PXE_BOOT_MENU'][0][0]['type']
        boot_item = bytes((71, 4)) + struct.pack('!HH', item, 0) + b'\xff'
        (boot,) = probe(lan.cli, arch=0, msg_type='REQUEST', ciaddr=CLIENT_IP, server=PROXY_IP, port=4011,
                        extra_options=[(43, boot_item)])
        assert boot['file'] == 'undionly.0' and boot['siaddr'] == PROXY_IP
        assert [sub['value'] for sub in boot['vendor_options'] if sub['code'] == 71] == [{'type': item, 'layer': 0}]
        assert call(lan.cli, 'tftp_get', PROXY_IP, 'undionly.0') == proxy_setup['files']['undionly.0']
