# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: a 50 MiB initrd by the collection's default path (HTTP from nginx) against TFTP, on a 1 Gbit/s link.

The lab server is set up by playbooks/pxe_server.yml with the role defaults (nginx serves the boot
root, dnsmasq serves it over TFTP); the link is shaped to 1 GbE (see lab_link.py). One client in the
lab's LAN namespace fetches the same file by HTTP, by TFTP with 512-byte blocks (no blksize option,
as plain PXE ROMs ask) and by TFTP with 1468-byte blocks, in turn, ``--runs`` times (default 5); every
fetch is checked against the file's sha256. With curl on the host, the HTTP fetch is also timed with
curl (a native client, as iPXE is; size-checked): on the shared lab machine the Python client's
receive loop can be the slower end. The table shows the median rate of each way and the
targets: HTTP >= 12x TFTP-512, HTTP >= 95% of the 1 GbE payload limit (117.7 MB/s), each "met" or
"NOT MET" (a missed target is reported, not an error; a failed or corrupt transfer is an error).

Run from a collection tree (``make bench-transfer`` builds one), as root:
``python bench/transfer_bench.py [--runs 5] [--size-mib 50] [--keep] [--results DIR]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time

import lab_link
from lab import netlab, storm

HTTP_VS_TFTP512 = 12.0
HTTP_OF_LIMIT = 0.95
HTTP = 'HTTP (Python)'
CURL = 'HTTP (curl)'
WAYS = ((HTTP, 'http', 0), ('TFTP blksize 512', 'tftp', 0), ('TFTP blksize 1468', 'tftp', 1468))


def curl_transfer(lab, size):
    """The same HTTP fetch by curl, a native client like iPXE's (size checked; the body goes to /dev/null)."""
    proc = netlab.run(['ip', 'netns', 'exec', lab.lan_ns, 'curl', '-s', '-o', '/dev/null', '-w',
                       '%{http_code} %{size_download} %{time_total}', 'http://%s/%s' % (storm.SERVER, storm.PAYLOAD_NAME)])
    status, received, seconds = proc.stdout.split()
    if status != '200' or int(received) != size:
        raise RuntimeError('curl: HTTP %s, %s of %d bytes' % (status, received, size))
    return {'protocol': 'http', 'client': 'curl', 'bytes': size, 'seconds': float(seconds),
            'mb_per_s': round(size / float(seconds) / 1e6, 2)}


def measure(lab, digest, runs, size):
    """{way: [result, ...]}: every way once per run, in turn, so they share the same conditions."""
    ways = WAYS + (((CURL, 'curl', 0),) if shutil.which('curl') else ())
    results = {name: [] for name, _protocol, _blksize in ways}
    for _run in range(runs):
        for name, protocol, blksize in ways:
            if protocol == 'curl':
                results[name].append(curl_transfer(lab, size))
                continue
            args = ['transfer', protocol, storm.SERVER, storm.PAYLOAD_NAME, '--sha256', digest]
            if blksize:
                args += ['--blksize', str(blksize)]
            result = storm.run_in_lab(lab, args)
            if 'error' in result:
                raise RuntimeError('%s failed: %s' % (name, result['error']))
            results[name].append(result)
    return results


def table(results, limit, link):
    lines = [link, '1 GbE payload limit at this MTU: %.1f MB/s (1 MB = 10^6 bytes)' % (limit / 1e6), '',
             '%-18s %9s %9s %9s %8s %9s' % ('way', 'MB/s p50', 'min', 'max', 'runs', '% limit')]
    medians = {}
    for name, rows in results.items():
        rates = [r['mb_per_s'] for r in rows]
        medians[name] = statistics.median(rates)
        share = 100 * medians[name] * 1e6 / limit
        lines.append('%-18s %9.2f %9.2f %9.2f %8d %8.1f%%' % (name, medians[name], min(rates), max(rates), len(rates), share))
    http, tftp512 = medians[HTTP], medians['TFTP blksize 512']
    ratio = http / tftp512
    lines += ['',
              'HTTP / TFTP-512: %.1fx (target >= %.0fx): %s' % (ratio, HTTP_VS_TFTP512, lab_link.met(ratio >= HTTP_VS_TFTP512)),
              'HTTP / TFTP-1468: %.1fx' % (http / medians['TFTP blksize 1468'])]
    for name in (HTTP, CURL):
        if name in medians:
            share = medians[name] * 1e6 / limit
            lines.append('%s / payload limit: %.1f%% (target >= %.0f%%): %s' % (
                name, 100 * share, 100 * HTTP_OF_LIMIT, lab_link.met(share >= HTTP_OF_LIMIT)))
    lines.append('(HTTP (Python): the client of tests/lab/storm.py, sha256 in a thread; curl: a native client, '
                 'size-checked; both read the same nginx over the same link)')
    return lines


def main(argv=None):
    parser = lab_link.add_arguments(argparse.ArgumentParser(description=__doc__.split('\n', 1)[0]))
    parser.add_argument('--runs', type=int, default=5)
    args = parser.parse_args(argv)
    args.results.mkdir(parents=True, exist_ok=True)
    size = args.size_mib * storm.MIB
    started = time.time()
    with lab_link.served_lab(args, args.results / 'transfer') as pxe:
        digest = lab_link.configure(pxe, size)
        link, mtu = lab_link.shape(pxe.lab, args)
        results = measure(pxe.lab, digest, args.runs, size)
    limit = lab_link.payload_limit(lab_link.rate_bps(args.rate), mtu)
    lines = table(results, limit, link)
    lines.insert(0, 'transfer: one %d MiB file (%d bytes, sha256-checked every time), %d runs, %s' % (
        args.size_mib, size, args.runs, time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))))
    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    (args.results / 'transfer.txt').write_text(text)
    (args.results / 'transfer.json').write_text(json.dumps(results, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
