# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A PXE boot storm: many simulated clients at once, each booting the way PXE firmware plus iPXE does.

Every client (a distinct MAC, one thread each, all released together) does a full DHCP DORA
(DISCOVER -> OFFER -> REQUEST -> ACK, retransmitting like firmware), puts its leased address on
the LAN bridge, fetches the NBP the ACK names over TFTP from that address (checked against the
boot root's SHA256SUMS), then GETs one big file over HTTP (streamed, size and sha256 checked).
Per client: success or the phase and reason it failed, and the time of every phase.

Also a single-transfer timer (``transfer``: HTTP or TFTP with a given block size) for
bench/transfer_bench.py. The protocol work is the collection's own client core,
plugins/module_utils/_pxeproto.py (through probes.py), plus http.client for streaming.

Runs inside the lab's LAN namespace (root: port 68, addresses on br0), printing one JSON object::

    ip netns exec LAB-lan python3 storm.py storm --clients 64 --http-url http://10.77.0.1/storm.bin --http-sha256 HEX
    ip netns exec LAB-lan python3 storm.py transfer tftp 10.77.0.1 storm.bin --blksize 512 --sha256 HEX

From the host, ``run_in_lab(lab, ...)`` does that and returns the parsed result;
``place_payload(ssh, ...)`` puts the big file in the server's boot root.
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import probes  # noqa: E402  pylint: disable=wrong-import-position

IFACE = 'br0'
SERVER = '10.77.0.1'
MIB = 1024 * 1024
PAYLOAD_NAME = 'storm.bin'
READ_CHUNK = 1024 * 1024
HASH_BUFFERS = 8  # read-ahead of the checksum thread, in READ_CHUNKs


def client_macs(count, prefix='02:5a'):
    """``count`` distinct locally administered MACs (02:5a:00:00:hi:lo), the same every run."""
    if not 0 < count <= 65536:
        raise ValueError('clients must be 1..65536, not %r' % (count,))
    return ['%s:00:00:%02x:%02x' % (prefix, index >> 8, index & 0xff) for index in range(count)]


class StormFailure(Exception):
    """One client's boot failed: ``phase`` (dhcp, tftp, http) and why."""

    def __init__(self, phase, reason, corrupt=False):
        super().__init__('%s: %s' % (phase, reason))
        self.phase = phase
        self.reason = reason
        self.corrupt = corrupt  # the file arrived, but not as served (size or checksum)


# --------------------------------------------------------------------------- one client's phases

def dhcp_dora(iface, mac, arch=0, tries=4, first_timeout=2.0):
    """DISCOVER/OFFER/REQUEST/ACK as firmware does it, doubling the wait on each retransmission.

    Returns (ack reply, retransmissions); raises StormFailure('dhcp', ...).
    """
    retransmits = 0
    wait = first_timeout
    for attempt in range(tries):
        if attempt:
            retransmits += 1
        offers = probes.dhcp_probe(iface, mac, arch=arch, timeout=wait,
                                   until=lambda replies: any(r['msg_type'] == 'OFFER' and r['yiaddr'] != '0.0.0.0'
                                                             for r in replies))
        offer = next((r for r in offers if r['msg_type'] == 'OFFER' and r['yiaddr'] != '0.0.0.0'), None)
        if offer is None:
            wait *= 2
            continue
        acks = probes.dhcp_probe(iface, mac, arch=arch, timeout=wait, msg_type='REQUEST', xid=offer['xid'],
                                 requested_ip=offer['yiaddr'], server_id=offer['server_id'],
                                 until=lambda replies: any(r['msg_type'] in ('ACK', 'NAK') for r in replies))
        ack = next((r for r in acks if r['msg_type'] in ('ACK', 'NAK')), None)
        if ack is not None and ack['msg_type'] == 'ACK':
            return ack, retransmits
        wait *= 2
    raise StormFailure('dhcp', 'no OFFER/ACK after %d DISCOVERs' % tries)


def add_address(iface, address):
    """Give the client's leased address to the LAN bridge (a /32: routing stays as it is)."""
    proc = subprocess.run(['ip', 'addr', 'add', '%s/32' % address, 'dev', iface], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0 and 'File exists' not in proc.stderr:
        raise StormFailure('dhcp', 'cannot add leased address %s to %s: %s' % (address, iface, proc.stderr.strip()))


def del_address(iface, address):
    subprocess.run(['ip', 'addr', 'del', '%s/32' % address, 'dev', iface], capture_output=True, check=False)


def release_lease(iface, record):
    """DHCPRELEASE of a client's lease (no reply expected): the storm leaves the pool as it found it."""
    try:
        probes.dhcp_probe(iface, record['mac'], msg_type='RELEASE', ciaddr=record['ip'], server_id=record['server_id'],
                          server=record['server_id'], timeout=0)
    except OSError:
        pass


def http_fetch(url, *, source=None, timeout=30.0):
    """Stream ``url`` (GET) without keeping it: returns (status, bytes received, sha256 hex).

    A thread of its own hashes what the socket delivers (hashlib lets go of the GIL), so the
    receive loop is never held up by the checksum and a 1 GbE stream is not slowed by it.
    """
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    digest = hashlib.sha256()
    free, full = queue.Queue(), queue.Queue()
    for _index in range(HASH_BUFFERS):
        free.put(bytearray(READ_CHUNK))

    def hasher():
        while True:
            buffer, count = full.get()
            if buffer is None:
                return
            digest.update(memoryview(buffer)[:count])
            free.put(buffer)

    thread = threading.Thread(target=hasher, daemon=True)
    thread.start()
    size = 0
    try:
        conn.request('GET', parts.path or '/')
        response = conn.getresponse()
        while True:
            buffer = free.get()
            count = response.readinto(buffer)
            if not count:
                break
            full.put((buffer, count))
            size += count
        status = response.status
    finally:
        full.put((None, 0))
        thread.join()
        conn.close()
    return status, size, digest.hexdigest()


def boot_one(mac, plan, clock):
    """One client's boot; returns its record (never raises)."""
    record = {'mac': mac, 'ok': False, 'corrupt': False, 'phase': None, 'reason': None, 'ip': None, 'server_id': None,
              'nbp': None, 'dhcp_retransmits': 0, 'times': {}}
    mark = clock()
    phase = 'dhcp'
    try:
        ack, record['dhcp_retransmits'] = dhcp_dora(plan['iface'], mac, arch=plan['arch'])
        record['ip'], record['server_id'] = ack['yiaddr'], ack['server_id']
        add_address(plan['iface'], ack['yiaddr'])
        record['times']['dhcp'] = [mark, clock()]

        phase, mark = 'tftp', clock()
        nbp = record['nbp'] = ack['bootfile']
        if not nbp:
            raise StormFailure('tftp', 'the ACK names no boot file')
        tftp_server = ack['siaddr'] if ack['siaddr'] != '0.0.0.0' else (ack['tftp_server'] or ack['server_id'])
        transfer = probes.tftp_transfer(tftp_server, nbp, blksize=plan['tftp_blksize'], timeout=plan['tftp_timeout'],
                                        retries=plan['tftp_retries'], source=ack['yiaddr'])
        record['tftp_bytes'] = transfer['size']
        want = plan['nbp_sha256'].get(nbp.lstrip('/'))
        got = hashlib.sha256(transfer['data']).hexdigest()
        if want is not None and got != want:
            raise StormFailure('tftp', '%s: sha256 %s, SHA256SUMS says %s' % (nbp, got, want), corrupt=True)
        record['nbp_checked'] = want is not None
        record['times']['tftp'] = [mark, clock()]

        phase, mark = 'http', clock()
        status, size, digest = http_fetch(plan['http_url'], source=ack['yiaddr'], timeout=plan['http_timeout'])
        record['http_bytes'] = size
        if status != 200:
            raise StormFailure('http', 'HTTP status %d' % status)
        if plan['http_size'] is not None and size != plan['http_size']:
            raise StormFailure('http', 'received %d bytes of %d' % (size, plan['http_size']), corrupt=True)
        if plan['http_sha256'] and digest != plan['http_sha256']:
            raise StormFailure('http', 'sha256 %s, expected %s' % (digest, plan['http_sha256']), corrupt=True)
        record['times']['http'] = [mark, clock()]
        record['ok'] = True
    except StormFailure as exc:
        record['phase'], record['reason'], record['corrupt'] = exc.phase, exc.reason, exc.corrupt
    except probes.TftpError as exc:
        record['phase'], record['reason'] = 'tftp', str(exc)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        record['phase'], record['reason'] = phase, '%s: %s' % (type(exc).__name__, exc)
    record['end'] = clock()
    return record


# --------------------------------------------------------------------------- the storm

def peak_overlap(intervals):
    """The most intervals ([start, end]) open at one instant."""
    events = sorted([(start, 1) for start, _end in intervals] + [(end, -1) for _start, end in intervals],
                    key=lambda item: (item[0], item[1]))
    peak = current = 0
    for _when, step in events:
        current += step
        peak = max(peak, current)
    return peak


def _phase_stats(records, phase):
    spans = [r['times'][phase][1] - r['times'][phase][0] for r in records if phase in r['times']]
    if not spans:
        return None
    return {'n': len(spans), 'p50': round(statistics.median(spans), 3), 'max': round(max(spans), 3)}


def summarize(records, http_sha256):
    """Counts, failures by phase and reason, phase times, completion time, peak TFTP concurrency."""
    failed = [r for r in records if not r['ok']]
    reasons = {}
    for record in failed:
        key = '%s: %s' % (record['phase'], record['reason'])
        reasons[key] = reasons.get(key, 0) + 1
    done = [r['end'] for r in records]
    http_ok = sum(1 for r in records if r['ok'])
    return {
        'clients': len(records), 'ok': http_ok, 'failed': len(failed),
        'failed_by_phase': {phase: sum(1 for r in failed if r['phase'] == phase) for phase in ('dhcp', 'tftp', 'http')},
        'reasons': reasons,
        'completion_s': round(max(done), 3) if done else None,
        'phases': {phase: _phase_stats(records, phase) for phase in ('dhcp', 'tftp', 'http')},
        'dhcp_retransmits': sum(r['dhcp_retransmits'] for r in records),
        'tftp_peak_concurrent': peak_overlap([r['times']['tftp'] for r in records if 'tftp' in r['times']]),
        'nbp_checked': sum(1 for r in records if r.get('nbp_checked')),
        'http_bytes': sum(r.get('http_bytes', 0) for r in records if r['ok']),
        'all_checksums_matched': http_ok == len(records) and bool(http_sha256),
        'corrupt': sum(1 for r in records if r['corrupt']),
    }


def nbp_digests(server):
    """{path: sha256} from the boot root's SHA256SUMS over HTTP (empty if it has none)."""
    status, _headers, body = probes.http_get('http://%s/SHA256SUMS' % server, timeout=10)
    return probes.parse_manifest(body.decode('utf-8', 'replace')) if status == 200 else {}


def run_storm(clients=64, *, iface=IFACE, server=SERVER, http_url=None, http_size=None, http_sha256=None, arch=0,
              tftp_blksize=1468, tftp_timeout=3.0, tftp_retries=4, http_timeout=60.0, release=True):
    """Boot ``clients`` simulated clients at once; returns {'summary': ..., 'clients': [record, ...]}.

    ``release``: afterwards, give every lease back (DHCPRELEASE), so the pool is as free as before.
    """
    plan = {'iface': iface, 'arch': arch, 'tftp_blksize': tftp_blksize, 'tftp_timeout': tftp_timeout,
            'tftp_retries': tftp_retries, 'http_url': http_url or 'http://%s/%s' % (server, PAYLOAD_NAME),
            'http_size': http_size, 'http_sha256': http_sha256, 'http_timeout': http_timeout,
            'nbp_sha256': nbp_digests(server)}
    macs = client_macs(clients)
    records = {}
    gate = threading.Barrier(clients + 1)
    origin = []

    def clock():
        return round(time.monotonic() - origin[0], 4)

    def worker(index):
        gate.wait()
        records[index] = boot_one(macs[index], plan, clock)

    threads = [threading.Thread(target=worker, args=(index,), daemon=True) for index in range(clients)]
    for thread in threads:
        thread.start()
    origin.append(time.monotonic())
    gate.wait()
    try:
        for thread in threads:
            thread.join()
    finally:
        for record in records.values():
            if record['ip']:
                if release:
                    release_lease(iface, record)
                del_address(iface, record['ip'])
    ordered = [records[index] for index in range(clients)]
    return {'summary': summarize(ordered, http_sha256), 'clients': ordered, 'plan': {
        key: value for key, value in plan.items() if key != 'nbp_sha256'}}


# --------------------------------------------------------------------------- one timed transfer

def timed_transfer(protocol, server, path, *, blksize=None, expect_sha256=None, timeout=5.0):
    """Fetch ``path`` once by HTTP or TFTP (``blksize`` None: 512-byte blocks, no option); time and check it."""
    start = time.monotonic()
    if protocol == 'http':
        status, size, digest = http_fetch('http://%s/%s' % (server, path.lstrip('/')), timeout=max(timeout, 30.0))
        if status != 200:
            raise StormFailure('http', 'HTTP status %d' % status)
        used = None
    else:
        result = probes.tftp_transfer(server, path, blksize=blksize, timeout=timeout, retries=5)
        size, digest, used = result['size'], hashlib.sha256(result['data']).hexdigest(), result['blksize']
    seconds = time.monotonic() - start
    if expect_sha256 and digest != expect_sha256:
        raise StormFailure(protocol, 'sha256 %s, expected %s' % (digest, expect_sha256))
    return {'protocol': protocol, 'blksize': used, 'bytes': size, 'seconds': round(seconds, 4),
            'mb_per_s': round(size / seconds / 1e6, 2), 'sha256_ok': expect_sha256 is None or digest == expect_sha256}


# --------------------------------------------------------------------------- host side

def place_payload(ssh, root='/srv/netboot', name=PAYLOAD_NAME, size=50 * MIB, owner='dnsmasq'):
    """Put ``size`` random bytes at root/name on the server (kept when already that size); return its sha256.

    ``owner`` dnsmasq: tftp-secure serves only the dnsmasq user's files; nginx reads it as world-readable.
    """
    path = '%s/%s' % (root.rstrip('/'), name)
    out = ssh('set -e; f=%s; if [ "$(stat -c %%s "$f" 2>/dev/null)" != %d ]; then '
              'head -c %d /dev/urandom > "$f.tmp"; mv -f "$f.tmp" "$f"; fi; '
              'chown %s "$f"; chmod 0644 "$f"; sha256sum "$f"' % (path, size, size, owner))
    return out.split()[0]


def run_in_lab(lab, args, timeout=900):
    """Run this file with ``args`` in the lab's LAN namespace; return its JSON result."""
    proc = subprocess.run(['ip', 'netns', 'exec', lab.lan_ns, sys.executable, os.path.abspath(__file__)] + list(args),
                          capture_output=True, text=True, timeout=timeout, check=False)
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise RuntimeError('storm.py %s failed (%d): %s %s' % (' '.join(args), proc.returncode, proc.stdout[-2000:],
                                                               proc.stderr[-4000:])) from None


def storm_args(clients, http_size, http_sha256, **options):
    """The command line of ``run_in_lab`` for a storm."""
    args = ['storm', '--clients', str(clients), '--http-size', str(http_size), '--http-sha256', http_sha256]
    for key, value in options.items():
        args += ['--' + key.replace('_', '-'), str(value)]
    return args


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    sub = parser.add_subparsers(dest='command', required=True)
    storm = sub.add_parser('storm', help='boot N clients at once')
    storm.add_argument('--clients', type=int, default=64)
    storm.add_argument('--iface', default=IFACE)
    storm.add_argument('--server', default=SERVER)
    storm.add_argument('--http-url')
    storm.add_argument('--http-size', type=int)
    storm.add_argument('--http-sha256')
    storm.add_argument('--arch', type=int, default=0, help='option 93 (0 BIOS, 7 x86-64 UEFI)')
    storm.add_argument('--tftp-blksize', type=int, default=1468)
    storm.add_argument('--tftp-timeout', type=float, default=3.0)
    storm.add_argument('--tftp-retries', type=int, default=4)
    storm.add_argument('--http-timeout', type=float, default=60.0)
    storm.add_argument('--keep-leases', action='store_true', help='do not release the leases afterwards')
    transfer = sub.add_parser('transfer', help='fetch one file once, timed')
    transfer.add_argument('protocol', choices=['http', 'tftp'])
    transfer.add_argument('server')
    transfer.add_argument('path')
    transfer.add_argument('--blksize', type=int, default=0, help='TFTP block size; 0: 512 without the option')
    transfer.add_argument('--sha256')
    args = parser.parse_args(argv)
    if args.command == 'storm':
        result = run_storm(args.clients, iface=args.iface, server=args.server, http_url=args.http_url,
                           http_size=args.http_size, http_sha256=args.http_sha256, arch=args.arch,
                           tftp_blksize=args.tftp_blksize, tftp_timeout=args.tftp_timeout,
                           tftp_retries=args.tftp_retries, http_timeout=args.http_timeout,
                           release=not args.keep_leases)
    else:
        try:
            result = timed_transfer(args.protocol, args.server, args.path, blksize=args.blksize or None,
                                    expect_sha256=args.sha256)
        except (StormFailure, probes.TftpError, OSError) as exc:
            result = {'protocol': args.protocol, 'error': str(exc)}
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
