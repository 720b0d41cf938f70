# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: a 50 MiB initrd by the collection's default path (HTTP from nginx) against TFTP, on a 1 Gbit/s link.

The lab server is set up by playbooks/pxe_server.yml with the role defaults (nginx serves the boot
root, dnsmasq serves it over TFTP); the link is shaped to 1 GbE (see lab_link.py). One client in the
lab's LAN namespace fetches the same file by HTTP, by TFTP with 512-byte blocks (no blksize option,
as plain PXE ROMs ask) and by TFTP with 1468-byte blocks, in turn, ``--runs`` times (default 5); every
fetch is checked against the file's sha256. The table shows the median rate of each way and the
targets: HTTP >= 12x TFTP-512, HTTP >= 95% of the 1 GbE payload limit (117.7 MB/s), each "met" or
"NOT MET" (a missed target is reported, not an error; a failed or corrupt transfer is an error).

Run from a collection tree (``make bench-transfer`` builds one), as root:
``python bench/transfer_bench.py [--runs 5] [--size-mib 50] [--keep] [--results DIR]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import lab_link
from lab import storm

HTTP_VS_TFTP512 = 12.0
HTTP_OF_LIMIT = 0.95
WAYS = (('HTTP (nginx)', 'http', 0), ('TFTP blksize 512', 'tftp', 0), ('TFTP blksize 1468', 'tftp', 1468))


def measure(lab, digest, runs):
    """{way: [result, ...]}: every way once per run, in turn, so they share the same conditions."""
    results = {name: [] for name, _protocol, _blksize in WAYS}
    for _run in range(runs):
        for name, protocol, blksize in WAYS:
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
    for name, _protocol, _blksize in WAYS:
        rates = [r['mb_per_s'] for r in results[name]]
        medians[name] = statistics.median(rates)
        share = 100 * medians[name] * 1e6 / limit
        lines.append('%-18s %9.2f %9.2f %9.2f %8d %8.1f%%' % (name, medians[name], min(rates), max(rates), len(rates), share))
    http, tftp512 = medians['HTTP (nginx)'], medians['TFTP blksize 512']
    ratio = http / tftp512
    share = http * 1e6 / limit
    lines += ['',
              'HTTP / TFTP-512: %.1fx (target >= %.0fx): %s' % (ratio, HTTP_VS_TFTP512, lab_link.met(ratio >= HTTP_VS_TFTP512)),
              'HTTP / TFTP-1468: %.1fx' % (http / medians['TFTP blksize 1468']),
              'HTTP / payload limit: %.1f%% (target >= %.0f%%): %s' % (100 * share, 100 * HTTP_OF_LIMIT,
                                                                       lab_link.met(share >= HTTP_OF_LIMIT))]
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
        results = measure(pxe.lab, digest, args.runs)
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
