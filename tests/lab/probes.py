# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scripted PXE protocol clients: ask a PXE server what it answers, the way firmware asks.

A thin command line around the collection's protocol core,
plugins/module_utils/_pxeproto.py (also used by the netboot.pxe.pxe_probe module).
That file is loaded by its path, so this still runs with a bare system python3
(no Ansible) inside a network namespace, from the git checkout or a collection tree::

    ip netns exec NS python3 probes.py dhcp eth0 52:54:00:12:34:56 --arch 7
    ip netns exec NS python3 probes.py tftp 10.99.0.1 undionly.kpxe
    ip netns exec NS python3 probes.py http http://10.99.0.1/boot.ipxe --range 0-99

Every subcommand prints one JSON object on stdout (bytes values hex-encoded) and
exits 0 on success, 1 on no reply or error (the object then carries "error").
Importing this file gives the protocol functions too (``probes.build_discover`` ...).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import sys
import urllib.error

_CORE_NAME = 'netboot_pxe_pxeproto'  # the same name in every process, so pickled TftpErrors unpickle
_CORE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
                          'plugins', 'module_utils', '_pxeproto.py')


def _load_core():
    if _CORE_NAME in sys.modules:
        return sys.modules[_CORE_NAME]
    spec = importlib.util.spec_from_file_location(_CORE_NAME, os.path.normpath(_CORE_PATH))
    module = importlib.util.module_from_spec(spec)
    sys.modules[_CORE_NAME] = module
    spec.loader.exec_module(module)
    return module


_core = _load_core()
# Re-export the protocol core: callers and tests use probes.build_discover, probes.TftpError, ...
globals().update({name: value for name, value in vars(_core).items()
                  if not name.startswith('__') and name not in ('annotations',)})
_jsonable = _core.jsonable
TftpError = _core.TftpError
dhcp_probe = _core.dhcp_probe
http_get = _core.http_get
tftp_transfer = _core.tftp_transfer


# --------------------------------------------------------------------------- CLI

def _emit(obj, stream=None):
    stream = stream or sys.stdout
    stream.write(json.dumps(_jsonable(obj), sort_keys=True) + '\n')
    stream.flush()


def _parse_range(text):
    start, sep, end = text.partition('-')
    if not sep or not start.isdigit() or (end and not end.isdigit()):
        raise argparse.ArgumentTypeError('range must look like START-END or START-')
    return int(start), int(end) if end else None


def _build_parser():
    parser = argparse.ArgumentParser(prog='probes.py', description='Scripted PXE protocol clients (JSON output).')
    sub = parser.add_subparsers(dest='command', required=True)

    dhcp = sub.add_parser('dhcp', help='send a DHCP DISCOVER (or REQUEST/INFORM) and print the replies')
    dhcp.add_argument('iface')
    dhcp.add_argument('mac')
    dhcp.add_argument('--arch', type=int, help='option 93 client architecture (0 BIOS, 7 x64 UEFI, 16 x64 UEFI HTTP)')
    dhcp.add_argument('--vendor-class', help='option 60 (default with --arch: PXEClient:Arch:NNNNN:UNDI:002001)')
    dhcp.add_argument('--user-class', help='option 77, raw (e.g. iPXE)')
    dhcp.add_argument('--ipxe-175', action='store_true', help='send iPXE feature option 175')
    dhcp.add_argument('--timeout', type=float, default=5.0)
    dhcp.add_argument('--port', type=int, default=67)
    dhcp.add_argument('--server', help='unicast to this server instead of broadcasting (e.g. with --port 4011)')
    dhcp.add_argument('--msg-type', default='DISCOVER', help='DISCOVER, REQUEST, INFORM or a number')
    dhcp.add_argument('--ciaddr')
    dhcp.add_argument('--requested-ip')
    dhcp.add_argument('--server-id')
    dhcp.add_argument('--max-replies', type=int)
    dhcp.add_argument('--raw', action='store_true', help='include each reply packet (hex) as "raw"')

    tftp = sub.add_parser('tftp', help='download a file by TFTP')
    tftp.add_argument('server')
    tftp.add_argument('file')
    tftp.add_argument('--sha256', action='store_true', help='accepted for clarity; sha256 is always reported')
    tftp.add_argument('--out', help='write the file here')
    tftp.add_argument('--port', type=int, default=69)
    tftp.add_argument('--timeout', type=float, default=5.0)
    tftp.add_argument('--blksize', type=int, default=1468, help='0: plain RFC 1350 request (no blksize/tsize options)')
    tftp.add_argument('--retries', type=int, default=3)

    http = sub.add_parser('http', help='HTTP GET a URL')
    http.add_argument('url')
    http.add_argument('--range', type=_parse_range, help='START-END (inclusive) or START-')
    http.add_argument('--timeout', type=float, default=10.0)
    http.add_argument('--out', help='write the body here')
    http.add_argument('--body', action='store_true', help='include the body (hex) in the output')
    return parser


def _run(args):
    if args.command == 'dhcp':
        msg_type = int(args.msg_type) if args.msg_type.isdigit() else args.msg_type
        replies = dhcp_probe(args.iface, args.mac, arch=args.arch, vendor_class=args.vendor_class,
                             user_class=args.user_class, ipxe_175=args.ipxe_175, timeout=args.timeout, port=args.port,
                             server=args.server, msg_type=msg_type, ciaddr=args.ciaddr, requested_ip=args.requested_ip,
                             server_id=args.server_id, max_replies=args.max_replies,
                             keep_raw=args.raw)
        if not replies:
            return 1, {'ok': False, 'error': 'no reply within %ss' % args.timeout, 'replies': []}
        return 0, {'ok': True, 'replies': replies}
    if args.command == 'tftp':
        result = tftp_transfer(args.server, args.file, port=args.port, timeout=args.timeout,
                               blksize=args.blksize or None, retries=args.retries, tsize=bool(args.blksize))
        data = result.pop('data')
        if args.out:
            with open(args.out, 'wb') as handle:
                handle.write(data)
        result.update(ok=True, sha256=hashlib.sha256(data).hexdigest())
        return 0, result
    status, headers, body = http_get(args.url, timeout=args.timeout, byte_range=args.range)
    if args.out:
        with open(args.out, 'wb') as handle:
            handle.write(body)
    result = {'ok': status < 400, 'status': status, 'headers': headers, 'size': len(body),
              'sha256': hashlib.sha256(body).hexdigest()}
    if args.body:
        result['body'] = body
    if status >= 400:
        result['error'] = 'HTTP status %d' % status
    return (0 if status < 400 else 1), result


def main(argv=None):
    """Entry point of ``python3 probes.py``; returns the exit status."""
    args = _build_parser().parse_args(argv)
    try:
        status, result = _run(args)
    except TftpError as exc:
        status, result = 1, {'ok': False, 'error': str(exc), 'type': 'TftpError', 'code': exc.code,
                             'message': exc.message}
    except (OSError, ValueError, urllib.error.URLError) as exc:
        status, result = 1, {'ok': False, 'error': str(exc), 'type': type(exc).__name__}
    _emit(result)
    return status


if __name__ == '__main__':
    sys.exit(main())
