# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of tests/lab/storm.py's pure parts and its streaming HTTP client (loopback); the storm itself runs in
tests/reliability/test_storm.py and bench/storm_bench.py."""
from __future__ import annotations

import hashlib
import http.server
import threading

import pytest

import storm


def test_client_macs_distinct_and_locally_administered():
    macs = storm.client_macs(300)
    assert len(set(macs)) == 300
    assert macs[0] == '02:5a:00:00:00:00' and macs[257] == '02:5a:00:00:01:01'
    assert all(int(mac[:2], 16) & 0x03 == 0x02 for mac in macs)  # locally administered, unicast
    with pytest.raises(ValueError):
        storm.client_macs(0)


def test_peak_overlap():
    assert storm.peak_overlap([]) == 0
    assert storm.peak_overlap([[0, 1], [0.5, 2], [1.5, 3]]) == 2
    assert storm.peak_overlap([[0, 1], [1, 2]]) == 1  # one ends as the next starts
    assert storm.peak_overlap([[0, 5]] * 4) == 4


def _record(mac, ok, phase=None, reason=None, corrupt=False, tftp=(0.1, 0.2), end=1.0):
    return {'mac': mac, 'ok': ok, 'phase': phase, 'reason': reason, 'corrupt': corrupt, 'dhcp_retransmits': 1,
            'times': {'dhcp': [0, 0.1], 'tftp': list(tftp)} if phase != 'dhcp' else {},
            'http_bytes': 10 if ok else 0, 'nbp_checked': phase != 'dhcp', 'end': end}


def test_summarize_counts_failures_by_phase_and_reason():
    records = [_record('a', True, end=2.5), _record('b', False, 'tftp', 'timeout'), _record('c', False, 'tftp', 'timeout'),
               _record('d', False, 'http', 'sha256 x, expected y', corrupt=True), _record('e', False, 'dhcp', 'no OFFER')]
    summary = storm.summarize(records, 'y')
    assert (summary['clients'], summary['ok'], summary['failed']) == (5, 1, 4)
    assert summary['failed_by_phase'] == {'dhcp': 1, 'tftp': 2, 'http': 1}
    assert summary['reasons'] == {'tftp: timeout': 2, 'http: sha256 x, expected y': 1, 'dhcp: no OFFER': 1}
    assert summary['completion_s'] == 2.5
    assert summary['corrupt'] == 1
    assert summary['all_checksums_matched'] is False
    assert summary['tftp_peak_concurrent'] == 4
    assert summary['dhcp_retransmits'] == 5


def test_summarize_all_matched_needs_a_checksum():
    records = [_record('a', True), _record('b', True)]
    assert storm.summarize(records, 'abc')['all_checksums_matched'] is True
    assert storm.summarize(records, None)['all_checksums_matched'] is False


@pytest.fixture
def payload_server():
    body = bytes(range(256)) * 9000  # 2.3 MB: several reads of the client's 1 MiB buffer

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            if self.path != '/big.bin':
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d' % httpd.server_address[1], body
    httpd.shutdown()
    httpd.server_close()


def test_http_fetch_streams_size_and_sha256(payload_server):
    base, body = payload_server
    assert storm.http_fetch(base + '/big.bin', source='127.0.0.1') == (200, len(body), hashlib.sha256(body).hexdigest())
    status, _size, _digest = storm.http_fetch(base + '/missing')
    assert status == 404


def test_timed_transfer_rejects_a_wrong_checksum(payload_server):
    base, body = payload_server
    server = base.split('//', 1)[1]
    result = storm.timed_transfer('http', server, 'big.bin', expect_sha256=hashlib.sha256(body).hexdigest())
    assert result['bytes'] == len(body) and result['sha256_ok'] and result['mb_per_s'] > 0
    with pytest.raises(storm.StormFailure, match='sha256'):
        storm.timed_transfer('http', server, 'big.bin', expect_sha256='0' * 64)
