# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the transfer and storm benchmarks share: a lab served by the collection's playbook, a 1 Gbit/s link.

The link is the lab's PXE LAN veth, shaped on the server's side (pxe0 in <lab>-srv, i.e. everything
the server sends) with a token bucket. tbf meters the bytes of the frames it sees (Ethernet header
included), but a real 1 GbE wire also carries 24 more per frame (preamble+SFD 8, FCS 4, inter-frame gap
12) that a veth does not. tbf's own ``overhead 24`` would charge them once per GSO super-packet (up to
64 KB), and turning GSO off instead makes the test host's CPU, not the link, the limit (measured: ~52
MB/s unshaped with GSO off on the shared lab machine). So the 24 bytes are folded into the rate:
``tc qdisc replace dev pxe0 root tbf rate 984395318bit burst 128kb latency 20ms``, i.e. 1 Gbit/s x
1514 / 1538, which is exactly a 1 GbE wire for full-size frames. With a 1500-byte MTU a TCP segment
carries 1448 payload bytes (20 IP + 32 TCP with timestamps) per 1538 bytes on the wire: the 1 GbE
payload limit, 125 MB/s x 1448 / 1538 = 117.7 MB/s.
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


def tbf_rate(rate, mtu=MTU):
    """The tbf rate (bit/s of frames as the veth carries them) that equals a wire of ``rate`` bit/s."""
    frame = mtu + FRAME_HEADERS
    return int(rate * frame / (frame + WIRE_OVERHEAD))


def shape(lab, args):
    """Shape what the server sends; returns (the tbf description printed with the results, the MTU)."""
    mtu = int(netlab.run(['ip', 'netns', 'exec', lab.srv_ns, 'cat', '/sys/class/net/pxe0/mtu']).stdout)
    shaped = tbf_rate(rate_bps(args.rate), mtu)
    netlab.run(['ip', 'netns', 'exec', lab.srv_ns, 'tc', 'qdisc', 'replace', 'dev', 'pxe0', 'root', 'tbf',
                'rate', '%dbit' % shaped, 'burst', args.burst, 'latency', args.latency])
    shown = netlab.run(['ip', 'netns', 'exec', lab.srv_ns, 'tc', 'qdisc', 'show', 'dev', 'pxe0']).stdout.strip()
    return ('link: %s on pxe0 (server -> clients), MTU %d; tbf rate %d bit/s = %s x %d/%d (the wire\'s 24 bytes of '
            'preamble, FCS and gap per frame folded in)' % (shown, mtu, shaped, args.rate, mtu + FRAME_HEADERS,
                                                            mtu + FRAME_HEADERS + WIRE_OVERHEAD)), mtu


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
