# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: a 64-client boot storm on a 1 Gbit/s link against its physical floor, role defaults beside stock dnsmasq.

Every client (tests/lab/storm.py) does DHCP DORA, fetches its NBP over TFTP and a 50 MiB file over
HTTP, all started together, on the lab's PXE LAN shaped to 1 GbE (see lab_link.py). The floor is
what the link alone allows: clients x file size / the 1 GbE payload limit (117.7 MB/s); the
completion time (release of the clients to the last byte of the last client) over the floor is the
ratio, target <= 1.15x. The same storm then runs with dnsmasq's stock tftp-max (50; the role's
configuration otherwise) beside it. A client that fails or receives a corrupt file is an error.

Run from a collection tree (``make bench-storm`` builds one), as root:
``python bench/storm_bench.py [--clients 64] [--size-mib 50] [--keep] [--results DIR]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import lab_link
from lab import storm

TARGET = 1.15
STOCK_TFTP_MAX = 50
CONFIGS = (('role defaults (tftp-max 512)', {}), ('stock tftp-max 50', {'server_tftp_max': STOCK_TFTP_MAX}))


def row(name, summary, floor):
    phases = summary['phases']
    ratio = summary['completion_s'] / floor
    tftp = phases['tftp'] or {}
    return ('%-28s %5d/%-3d %6d %9.2f %8.2f %7.2fx %-7s %6s/%-6s %5d' % (
        name, summary['ok'], summary['clients'], summary['failed'], summary['completion_s'], floor, ratio,
        lab_link.met(ratio <= TARGET), tftp.get('p50', '-'), tftp.get('max', '-'), summary['tftp_peak_concurrent']),
        ratio)


def main(argv=None):
    parser = lab_link.add_arguments(argparse.ArgumentParser(description=__doc__.split('\n', 1)[0]))
    parser.add_argument('--clients', type=int, default=64)
    args = parser.parse_args(argv)
    args.results.mkdir(parents=True, exist_ok=True)
    size = args.size_mib * storm.MIB
    started = time.time()
    summaries = {}
    with lab_link.served_lab(args, args.results / 'storm') as pxe:
        for name, overrides in CONFIGS:
            digest = lab_link.configure(pxe, size, **overrides)
            link, mtu = lab_link.shape(pxe.lab, args)
            result = storm.run_in_lab(pxe.lab, storm.storm_args(args.clients, size, digest))
            (args.results / ('storm-%s.json' % ('stock' if overrides else 'role'))).write_text(json.dumps(result, indent=1))
            summaries[name] = result['summary']
    limit = lab_link.payload_limit(lab_link.rate_bps(args.rate), mtu)
    floor = args.clients * size / limit
    lines = ['storm: %d clients at once, each DHCP DORA + NBP over TFTP + %d MiB over HTTP (sha256-checked), %s' % (
        args.clients, args.size_mib, time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))),
        link,
        'floor: %d x %d bytes / %.1f MB/s (1 GbE payload limit) = %.2f s' % (args.clients, size, limit / 1e6, floor), '',
        '%-28s %9s %6s %9s %8s %8s %-7s %13s %5s' % ('configuration', 'booted', 'failed', 'storm s', 'floor s', 'ratio',
                                                     'target', 'TFTP p50/max', 'peak')]
    errors = []
    for name, _overrides in CONFIGS:
        summary = summaries[name]
        line, _ratio = row(name, summary, floor)
        lines.append(line)
        if summary['corrupt']:
            errors.append('%s: %d clients received a corrupt file' % (name, summary['corrupt']))
        for reason, count in sorted(summary['reasons'].items()):
            lines.append('    %dx %s' % (count, reason))
    lines += ['', 'target: storm <= %.2fx the floor with the role defaults; "peak" = TFTP transfers open at once '
              '(client view); TFTP times in s' % TARGET]
    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    (args.results / 'storm.txt').write_text(text)
    if errors or summaries[CONFIGS[0][0]]['failed']:
        raise SystemExit('storm bench: FAILED - %s' % ('; '.join(errors) or 'clients failed with the role defaults'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
