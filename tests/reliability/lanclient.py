# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client (or attacker) on the lab's PXE LAN: TFTP reads and writes, raw HTTP requests, DHCP discovers.

Imported by the tests, which call ``LanClient(lab).tftp_read(...)`` etc.; each call runs this very file
as a script inside the lab's LAN namespace (``ip netns exec <lab>-lan``), which prints one JSON object.
TFTP reads and DHCP go through tests/lab/probes.py (the collection's protocol core); the TFTP write
request and the HTTP request with an unnormalised path are sent here by hand, since no client would.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROBES = os.path.join(HERE, os.pardir, 'lab', 'probes.py')


class LanClient(object):
    """Runs requests from the lab's LAN namespace (the probe host, 10.77.0.250)."""

    def __init__(self, lab):
        self.lab = lab

    def _run(self, args, timeout=60):
        proc = subprocess.run(['ip', 'netns', 'exec', self.lab.lan_ns, sys.executable] + args,
                              capture_output=True, text=True, timeout=timeout, check=False)
        try:
            return json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return {'ok': False, 'error': 'no JSON from %s: %s %s' % (args[:2], proc.stdout[-500:], proc.stderr[-500:])}

    def tftp_read(self, server, name, timeout=2.0, retries=2):
        """probes.py tftp: {'ok', 'sha256', 'size'} or {'ok': False, 'error', 'code', 'message'}."""
        return self._run([PROBES, 'tftp', server, name, '--timeout', str(timeout), '--retries', str(retries)])

    def tftp_write(self, server, name, data=b'netboot.pxe write test\n', timeout=3.0):
        return self._run([__file__, 'tftp-write', server, name, data.hex(), '--timeout', str(timeout)])

    def http_raw(self, server, path, port=80, timeout=5.0):
        return self._run([__file__, 'http-raw', server, str(port), path, '--timeout', str(timeout)])

    def http_get(self, url, timeout=5.0):
        return self._run([PROBES, 'http', url, '--timeout', str(timeout)])

    def dhcp(self, mac, arch=0, timeout=4.0):
        return self._run([PROBES, 'dhcp', 'br0', mac, '--arch', str(arch), '--timeout', str(timeout)])


# --- inside the namespace ------------------------------------------------------------------

def tftp_write(server, name, data, timeout):
    """Send a TFTP write request (RFC 1350 WRQ, octet mode) and, if it is acknowledged, one data block.

    Returns {'reply': 'error'|'ack'|'none', ...}; 'ack' means the server accepted a write.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(timeout)
    try:
        sock.sendto(struct.pack('!H', 2) + name.encode() + b'\0octet\0', (server, 69))
        try:
            packet, peer = sock.recvfrom(2048)
        except socket.timeout:
            return {'reply': 'none'}
        opcode = struct.unpack('!H', packet[:2])[0]
        if opcode == 5:
            code = struct.unpack('!H', packet[2:4])[0]
            return {'reply': 'error', 'code': code, 'message': packet[4:].split(b'\0')[0].decode('ascii', 'replace')}
        if opcode == 4:
            sock.sendto(struct.pack('!HH', 3, 1) + data, peer)
            try:
                sock.recvfrom(2048)
            except socket.timeout:
                pass
            return {'reply': 'ack'}
        return {'reply': 'opcode %d' % opcode}
    finally:
        sock.close()


def http_raw(server, port, path, timeout):
    """GET ``path`` exactly as given (no client-side normalisation of ``..`` or %-escapes)."""
    with socket.create_connection((server, port), timeout=timeout) as sock:
        sock.sendall(('GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' % (path, server)).encode('latin-1'))
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    response = b''.join(chunks)
    head, _sep, body = response.partition(b'\r\n\r\n')
    status_line = head.split(b'\r\n', 1)[0].decode('latin-1')
    parts = status_line.split()
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    return {'status': status, 'status_line': status_line, 'size': len(body), 'body': body[:4096].decode('latin-1')}


def main(argv=None):
    parser = argparse.ArgumentParser(description='LAN-side requests for the reliability tests (JSON output)')
    sub = parser.add_subparsers(dest='command', required=True)
    wrq = sub.add_parser('tftp-write')
    wrq.add_argument('server')
    wrq.add_argument('name')
    wrq.add_argument('data_hex')
    wrq.add_argument('--timeout', type=float, default=3.0)
    raw = sub.add_parser('http-raw')
    raw.add_argument('server')
    raw.add_argument('port', type=int)
    raw.add_argument('path')
    raw.add_argument('--timeout', type=float, default=5.0)
    args = parser.parse_args(argv)
    try:
        if args.command == 'tftp-write':
            result = tftp_write(args.server, args.name, bytes.fromhex(args.data_hex), args.timeout)
        else:
            result = http_raw(args.server, args.port, args.path, args.timeout)
        result['ok'] = True
    except OSError as exc:
        result = {'ok': False, 'error': '%s: %s' % (type(exc).__name__, exc)}
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main())
