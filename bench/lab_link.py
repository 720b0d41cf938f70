# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the transfer and storm benchmarks share: a lab served by the collection's playbook, a 1 Gbit/s link.

The link is the lab's PXE LAN veth, shaped on the server's side (pxe0 in <lab>-srv, i.e. everything
the server sends) with a token bucket: ``tc qdisc replace dev pxe0 root tbf rate 1gbit burst 128kb
latency 20ms overhead 24``. ``overhead 24`` charges every frame the preamble+SFD (8), FCS (4) and
inter-frame gap (12) bytes that a real Ethernet wire carries and the veth does not; GSO is turned off
on pxe0 (gso_max_segs 1) so that every frame is metered on its own. With a 1500-byte MTU a TCP
segment then carries 1448 payload bytes (20 IP + 32 TCP with timestamps) per 1538 bytes on the wire:
the 1 GbE payload limit, 125 MB/s x 1448 / 1538 = 117.7 MB/s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent  # the collection (tree or checkout)
for _path in (ROOT / 'tests' / 'e2e', ROOT / 'tests'):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

# pylint: disable=wrong-import-position
from harness import assets  # noqa: E402
from lab import netlab, storm  # noqa: E402
import server  # noqa: E402

LINK_RATE_BPS = 1e9
WIRE_OVERHEAD = 24    # preamble + SFD 8, FCS 4, inter-frame gap 12
FRAME_HEADERS = 14    # Ethernet header, which the veth does carry
MTU = 1500
TCP_PAYLOAD = MTU - 20 - 32  # IPv4 header, TCP header with the timestamp option (Linux's default)


def payload_limit(rate=LINK_RATE_BPS, mtu=MTU):
    """TCP payload bytes per second a full link of ``rate`` bit/s carries: 117.7 MB/s for 1 GbE with a 1500-byte MTU."""
    return rate / 8 * (mtu - 52) / (mtu + FRAME_HEADERS + WIRE_OVERHEAD)


def met(ok):
    return 'met' if ok else 'NOT MET'


def add_arguments(parser):
    parser.add_argument('--lab', default=os.environ.get('BENCH_LAB', 'bench'), help='lab name (default bench)')
    parser.add_argument('--octet', type=int, default=int(os.environ.get('BENCH_LAB_OCTET', '231')),
                        help='management network 10.213.OCTET.0/24 (default 231)')
    parser.add_argument('--size-mib', type=int, default=50, help='the big file (default 50 MiB)')
    parser.add_argument('--rate', default='1gbit', help='tbf rate (default 1gbit)')
    parser.add_argument('--burst', default='128kb', help='tbf burst (default 128kb)')
    parser.add_argument('--latency', default='20ms', help='tbf latency, i.e. queue length (default 20ms)')
    parser.add_argument('--keep', action='store_true', help='leave the lab up afterwards (for reruns)')
    parser.add_argument('--results', type=pathlib.Path, default=pathlib.Path(os.environ.get('BENCH_RESULTS', 'bench-results')))
    return parser


def rate_bps(text):
    units = {'gbit': 1e9, 'mbit': 1e6, 'kbit': 1e3, 'bit': 1}
    for unit, factor in units.items():
        if text.lower().endswith(unit):
            return float(text[:-len(unit)]) * factor
    raise argparse.ArgumentTypeError('rate must end in gbit, mbit, kbit or bit: %r' % text)


def shape(lab, args):
    """Shape what the server sends; returns the tbf description printed with the results."""
    netlab.run(['ip', '-n', lab.srv_ns, 'link', 'set', 'pxe0', 'gso_max_segs', '1'])
    netlab.run(['ip', 'netns', 'exec', lab.srv_ns, 'tc', 'qdisc', 'replace', 'dev', 'pxe0', 'root', 'tbf', 'rate', args.rate,
                'burst', args.burst, 'latency', args.latency, 'overhead', str(WIRE_OVERHEAD)])
    shown = netlab.run(['ip', 'netns', 'exec', lab.srv_ns, 'tc', 'qdisc', 'show', 'dev', 'pxe0']).stdout.strip()
    mtu = int(netlab.run(['ip', 'netns', 'exec', lab.srv_ns, 'cat', '/sys/class/net/pxe0/mtu']).stdout)
    return 'link: %s on pxe0 (server -> clients), MTU %d, GSO off (gso_max_segs 1)' % (shown, mtu), mtu


@contextlib.contextmanager
def served_lab(args, work_dir):
    """The lab up and served by playbooks/pxe_server.yml (role defaults); torn down afterwards unless --keep."""
    lab = netlab.Lab(name=args.lab, mgmt_octet=args.octet)
    kernel, initrd = assets.kernel(), assets.initramfs()
    try:
        inventory = netlab.up(lab)
        pxe = server.PxeServer(lab, inventory, kernel, initrd, pathlib.Path(work_dir) / 'server')
        yield pxe
    finally:
        if not args.keep:
            netlab.down(lab)


def configure(pxe, size, **overrides):
    """Apply the playbook (the lab's variables plus ``overrides``) and put the big file in the boot root."""
    pxe.apply(pxe.variables('bench', **overrides))
    return storm.place_payload(pxe.ssh, size=size)
