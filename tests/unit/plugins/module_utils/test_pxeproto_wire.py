# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PXE protocol core (module_utils/_pxeproto.py) on the wire, without a network namespace.

Packet building and parsing, and the TFTP and HTTP clients against small fake servers on loopback; last,
the lab's probe CLI (tests/lab/probes.py) on the same loopback server. The same core against real dnsmasq
in network namespaces is tests/lab/test_probes.py.
"""

from __future__ import annotations

import hashlib
import http.server
import importlib.util
import json
import os
import pathlib
import pickle
import socket
import struct
import threading
import time

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _pxeproto

BOOTP_FMT = '!BBBBIHH4s4s4s4s16s64s128s'
MAC = '52:54:00:99:00:01'
PROBES_PY = pathlib.Path(__file__).resolve().parents[4] / 'tests' / 'lab' / 'probes.py'


def _probes_cli():
    """tests/lab/probes.py, loaded by path as the lab runs it."""
    spec = importlib.util.spec_from_file_location('netboot_pxe_lab_probes', PROBES_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

# =========================================================================== pure tests


def _options_of(packet):
    return _pxeproto.parse_options(packet[240:])


def _tlv(data):
    out, pos = {}, 0
    while pos < len(data):
        out[data[pos]] = data[pos + 2:pos + 2 + data[pos + 1]]
        pos += 2 + data[pos + 1]
    return out


def make_reply(*, xid=0x01020304, mac='52:54:00:aa:bb:cc', yiaddr='10.0.0.5', siaddr='10.0.0.1', sname=b'', bootfile=b'',
               options_area=b'\x35\x01\x02\xff', magic=True, msg_op=2):
    """A server packet with raw sname/file/option bytes (so tests control padding and overload)."""
    header = struct.pack(BOOTP_FMT, msg_op, 1, 6, 0, xid, 0, 0x8000, bytes(4), socket.inet_aton(yiaddr),
                         socket.inet_aton(siaddr), bytes(4), bytes.fromhex(mac.replace(':', '')).ljust(16, b'\0'),
                         sname, bootfile)
    return header + (_pxeproto.DHCP_MAGIC if magic else b'') + options_area


def test_discover_bios_pxe_client():
    packet = _pxeproto.build_discover('52:54:00:12:34:56', arch=0, xid=0xdeadbeef)
    (op, htype, hlen, hops, xid, secs, flags, ciaddr, _yi, _si, _gi, chaddr, sname, bootfile) = struct.unpack(
        BOOTP_FMT, packet[:236])
    assert (op, htype, hlen, hops, xid, secs) == (1, 1, 6, 0, 0xdeadbeef, 0)
    assert flags == 0x8000, 'broadcast flag: a client without address cannot receive unicast'
    assert ciaddr == bytes(4)
    assert chaddr == bytes.fromhex('525400123456') + bytes(10)
    assert sname == bytes(64) and bootfile == bytes(128)
    assert packet[236:240] == b'\x63\x82\x53\x63'
    assert len(packet) >= 300
    opts = _options_of(packet)
    assert opts[53] == b'\x01'
    assert {1, 3, 6, 43, 60, 66, 67, 97} <= set(opts[55])
    assert opts[93] == b'\x00\x00'
    assert opts[94] == b'\x01\x02\x01'
    assert len(opts[97]) == 17 and opts[97][0] == 0
    assert opts[60] == b'PXEClient:Arch:00000:UNDI:002001'
    assert 77 not in opts and 175 not in opts


def test_discover_end_option_then_zero_padding():
    packet = _pxeproto.build_discover(MAC, arch=7)
    area = packet[240:]
    pos = 0
    while area[pos] != 255:  # walk the TLVs: the end option must come right after the last one
        assert area[pos] != 0, 'no pad bytes between options'
        pos += 2 + area[pos + 1]
    assert set(area[pos + 1:]) <= {0}


def test_discover_uefi_and_http_boot_vendor_classes():
    opts = _options_of(_pxeproto.build_discover(MAC, arch=7))
    assert opts[93] == b'\x00\x07'
    assert opts[60] == b'PXEClient:Arch:00007:UNDI:002001'
    http_client = 'HTTPClient:Arch:00016:UNDI:003000'
    opts = _options_of(_pxeproto.build_discover(MAC, arch=16, vendor_class=http_client))
    assert opts[93] == b'\x00\x10'
    assert opts[60] == http_client.encode()


def test_discover_without_arch_has_no_pxe_options():
    opts = _options_of(_pxeproto.build_discover(MAC))
    assert not {60, 93, 94, 97} & set(opts)
    opts = _options_of(_pxeproto.build_discover(MAC, vendor_class=b'MSFT 5.0'))
    assert opts[60] == b'MSFT 5.0' and 93 not in opts


def test_discover_ipxe_user_class_and_feature_option():
    opts = _options_of(_pxeproto.build_discover(MAC, arch=7, user_class='iPXE', ipxe_175=True))
    assert opts[77] == b'iPXE'
    features = _tlv(opts[175])
    assert features[19] == b'\x01'  # HTTP
    assert features[21] == b'\x01'  # TFTP
    assert 175 in opts[55]


def test_uuid_is_stable_per_mac_and_xid_random():
    first = _options_of(_pxeproto.build_discover(MAC, arch=0))[97]
    again = _options_of(_pxeproto.build_discover(MAC, arch=0))[97]
    other = _options_of(_pxeproto.build_discover('52:54:00:99:00:02', arch=0))[97]
    assert first == again != other
    given = _options_of(_pxeproto.build_discover(MAC, arch=0, client_uuid='12345678-1234-5678-9abc-def012345678'))[97]
    assert given == b'\x00' + bytes.fromhex('12345678123456789abcdef012345678')
    xids = {struct.unpack('!I', _pxeproto.build_discover(MAC)[4:8])[0] for _i in range(8)}
    assert len(xids) > 1


@pytest.mark.parametrize('msg_type', [3, 'REQUEST', 'request'])
def test_request_fields(msg_type):
    packet = _pxeproto.build_discover(MAC, arch=7, msg_type=msg_type, ciaddr='10.99.0.7', requested_ip='10.99.0.7',
                                      server_id='10.99.0.1', xid=7)
    reply = _pxeproto.parse_reply(packet)
    assert reply['msg_type'] == 'REQUEST'
    assert reply['ciaddr'] == '10.99.0.7'
    assert reply['options'][50] == socket.inet_aton('10.99.0.7')
    assert reply['server_id'] == '10.99.0.1'


@pytest.mark.parametrize('mac', ['52:54:00:99:00', 'zz:54:00:99:00:01', '52:54:00:99:00:01:02'])
def test_bad_mac_is_rejected(mac):
    with pytest.raises(ValueError):
        _pxeproto.build_discover(mac)


def test_mac_spellings():
    for spelling in ('52-54-00-99-00-01', '525400990001', '52:54:00:99:00:01', bytes.fromhex('525400990001')):
        assert _pxeproto.parse_reply(_pxeproto.build_discover(spelling))['chaddr'] == MAC


def test_round_trip_of_own_packet():
    reply = _pxeproto.parse_reply(_pxeproto.build_discover(MAC, arch=7, user_class='iPXE', xid=42))
    assert reply['op'] == 1 and reply['xid'] == 42 and reply['chaddr'] == MAC
    assert reply['msg_type'] == 'DISCOVER'
    assert reply['client_arch'] == 7
    assert reply['vendor_class'] == 'PXEClient:Arch:00007:UNDI:002001'
    assert reply['is_proxy_offer'] is False, 'only server replies are proxy offers'


def test_parse_offer_conveniences():
    area = _pxeproto.encode_options([
        (53, b'\x02'), (54, socket.inet_aton('10.0.0.1')), (51, struct.pack('!I', 3600)),
        (1, socket.inet_aton('255.255.255.0')), (3, socket.inet_aton('10.0.0.254') + socket.inet_aton('10.0.0.253')),
        (6, socket.inet_aton('10.0.0.53')), (60, b'PXEClient'), (66, b'10.0.0.9'), (67, b'ipxe.efi\0'),
    ]) + b'\xff'
    reply = _pxeproto.parse_reply(make_reply(sname=b'boot-host\0junk', bootfile=b'undionly.kpxe\0\0junk', options_area=area))
    assert reply['op'] == 2 and reply['xid'] == 0x01020304
    assert reply['yiaddr'] == '10.0.0.5' and reply['siaddr'] == '10.0.0.1' and reply['giaddr'] == '0.0.0.0'
    assert reply['chaddr'] == '52:54:00:aa:bb:cc'
    assert reply['sname'] == 'boot-host' and reply['file'] == 'undionly.kpxe'
    assert reply['msg_type'] == 'OFFER'
    assert reply['server_id'] == '10.0.0.1'
    assert reply['lease_time'] == 3600
    assert reply['subnet_mask'] == '255.255.255.0'
    assert reply['router'] == '10.0.0.254' and reply['routers'] == ['10.0.0.254', '10.0.0.253']
    assert reply['dns_servers'] == ['10.0.0.53']
    assert reply['vendor_class'] == 'PXEClient'
    assert reply['tftp_server'] == '10.0.0.9'
    assert reply['bootfile_opt'] == 'ipxe.efi'
    assert reply['bootfile'] == 'ipxe.efi', 'option 67 beats the file field'
    assert reply['is_proxy_offer'] is False, 'it hands out an address'


def test_parse_option_overload_and_rfc3396_concatenation():
    # Options field: 53, 52 (overload both) and the first half of option 67; the file field
    # continues option 67 and carries 66; sname carries 60. RFC 3396 order: options, file, sname.
    area = bytes((53, 1, 5, 52, 1, 3, 67, 4)) + b'http' + b'\xff'
    in_file = bytes((67, 23)) + b'://10.0.0.1/boot.ipxe\0\0' + bytes((66, 8)) + b'10.0.0.1' + b'\xff'
    in_sname = b'\0\0' + bytes((60, 9)) + b'PXEClient' + b'\xff'
    reply = _pxeproto.parse_reply(make_reply(sname=in_sname, bootfile=in_file, options_area=area))
    assert reply['overload'] == 3
    assert reply['msg_type'] == 'ACK'
    assert reply['bootfile_opt'] == 'http://10.0.0.1/boot.ipxe'
    assert reply['tftp_server'] == '10.0.0.1'
    assert reply['vendor_class'] == 'PXEClient'
    assert reply['file'] == '' and reply['sname'] == '', 'overloaded fields are not names'


def test_parse_overload_file_only_keeps_sname():
    area = bytes((53, 1, 2, 52, 1, 1)) + b'\xff'
    reply = _pxeproto.parse_reply(make_reply(sname=b'tftp.lab\0', bootfile=bytes((67, 3)) + b'a.0' + b'\xff',
                                             options_area=area))
    assert reply['overload'] == 1
    assert reply['sname'] == 'tftp.lab' and reply['file'] == ''
    assert reply['bootfile'] == 'a.0'


def test_parse_padding_and_data_after_end():
    area = b'\0\0' + bytes((53, 1, 2)) + b'\0' * 5 + bytes((54, 4)) + socket.inet_aton('10.0.0.1') + b'\xff' + b'\x03\x04junk'
    reply = _pxeproto.parse_reply(make_reply(options_area=area + bytes(40)))
    assert reply['msg_type'] == 'OFFER' and reply['server_id'] == '10.0.0.1'
    assert set(reply['options']) == {53, 54}


def test_long_options_are_split_and_joined():
    value = bytes(range(256)) * 2 + b'tail'
    encoded = _pxeproto.encode_options([(43, value)])
    assert encoded[0:2] == b'\x2b\xff' and encoded[257:259] == b'\x2b\xff' and encoded[514:516] == bytes((43, 6))
    assert _pxeproto.parse_options(encoded + b'\xff') == {43: value}
    assert _pxeproto.encode_options([(80, b'')]) == b'\x50\x00'
    with pytest.raises(ValueError):
        _pxeproto.encode_options([(255, b'x')])


def test_pxe_vendor_options_decoded():
    # What dnsmasq proxyDHCP sends a BIOS client (captured from dnsmasq 2.90 with pxe-service=x86PC,"BIOS boot",...).
    vendor = bytes.fromhex('060103' + '0a0400505845' + '08078001010a630003' + '090c80010942494f5320626f6f74' + 'ff')
    area = _pxeproto.encode_options([(53, b'\x02'), (54, socket.inet_aton('10.99.0.3')), (60, b'PXEClient'),
                                     (43, vendor)]) + b'\xff'
    reply = _pxeproto.parse_reply(make_reply(yiaddr='0.0.0.0', options_area=area))
    assert reply['is_proxy_offer'] is True
    subs = {sub['name']: sub['value'] for sub in reply['vendor_options']}
    assert subs['PXE_DISCOVERY_CONTROL'] == 3
    assert subs['PXE_MENU_PROMPT'] == {'timeout': 0, 'prompt': 'PXE'}
    assert subs['PXE_BOOT_SERVERS'] == [{'type': 0x8001, 'ips': ['10.99.0.3']}]
    assert subs['PXE_BOOT_MENU'] == [{'type': 0x8001, 'description': 'BIOS boot'}]
    # Not TLV-shaped (e.g. a vendor's opaque blob): raw bytes stay in options, no decoded list.
    area = _pxeproto.encode_options([(53, b'\x02'), (43, b'\x01\x09ab')]) + b'\xff'
    reply = _pxeproto.parse_reply(make_reply(options_area=area))
    assert reply['vendor_options'] is None and reply['options'][43] == b'\x01\x09ab'


def test_parse_errors_and_plain_bootp():
    with pytest.raises(ValueError):
        _pxeproto.parse_reply(b'\x02' * 100)
    with pytest.raises(ValueError):
        _pxeproto.parse_reply(make_reply(options_area=bytes((53, 1, 2, 54, 4, 10, 0))))
    with pytest.raises(ValueError):
        _pxeproto.parse_reply(make_reply(options_area=bytes((53, 1, 2, 54))))
    reply = _pxeproto.parse_reply(make_reply(magic=False, bootfile=b'pxelinux.0', options_area=bytes(64)))
    assert reply['options'] == {} and reply['msg_type'] is None and reply['bootfile'] == 'pxelinux.0'


def test_jsonable_hex_encodes_bytes():
    reply = _pxeproto.parse_reply(_pxeproto.build_discover(MAC, arch=7))
    text = json.dumps(_pxeproto.jsonable(reply))  # pylint: disable=protected-access
    loaded = json.loads(text)
    assert loaded['options']['93'] == '0007'
    assert loaded['chaddr'] == MAC


# ----------------------------------------------------------------- TFTP against fake loopback servers

def _data(block, payload):
    return struct.pack('!HH', 3, block) + payload


def _oack(**opts):
    return b'\x00\x06' + b''.join(b'%s\0%s\0' % (key.encode(), str(val).encode()) for key, val in opts.items())


def _fake_server(handler):
    listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listen.bind(('127.0.0.1', 0))
    listen.settimeout(5)
    events = []
    errors = []

    def run():
        try:
            handler(listen, events)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            errors.append(exc)  # re-raised by the test via the errors list
        finally:
            listen.close()

    thread = threading.Thread(target=run, daemon=True)
    port = listen.getsockname()[1]
    thread.start()
    return port, thread, events, errors


def _new_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', 0))
    sock.settimeout(5)
    return sock


def test_tftp_retransmit_new_tid_stray_and_duplicates():
    payload = os.urandom(700)

    def handler(listen, events):
        listen.recvfrom(2048)  # first RRQ: "lost"
        rrq, client = listen.recvfrom(2048)  # the retransmission
        events.append(('rrq', rrq))
        with _new_socket() as xfer, _new_socket() as stray:
            xfer.sendto(_oack(blksize=512, tsize=len(payload)), client)
            events.append(('ack0', xfer.recv(100)))
            xfer.sendto(_data(1, payload[:512]), client)
            events.append(('ack1', xfer.recv(100)))
            stray.sendto(_data(2, b'evil'), client)  # wrong TID
            events.append(('stray', stray.recv(100)))
            xfer.sendto(_data(1, payload[:512]), client)  # duplicate block
            events.append(('ack1-again', xfer.recv(100)))
            xfer.sendto(_data(2, payload[512:]), client)
            events.append(('ack2', xfer.recv(100)))

    port, thread, events, errors = _fake_server(handler)
    result = _pxeproto.tftp_transfer('127.0.0.1', 'pxe/boot.bin', port=port, timeout=0.3, blksize=512)
    thread.join(5)
    assert not errors
    assert result['data'] == payload
    assert result['blksize'] == 512 and result['tsize'] == 700 and result['blocks'] == 2
    got = dict(events)
    assert got['rrq'] == b'\x00\x01pxe/boot.bin\0octet\0blksize\x00512\0tsize\x000\0'
    assert got['ack0'] == b'\x00\x04\x00\x00'
    assert got['ack1'] == got['ack1-again'] == b'\x00\x04\x00\x01'
    assert got['stray'][:4] == b'\x00\x05\x00\x05', 'unknown transfer ID error to the stray sender'
    assert got['ack2'] == b'\x00\x04\x00\x02'


def test_tftp_server_refusing_options_gets_plain_request():
    payload = os.urandom(600)

    def handler(listen, events):
        rrq, client = listen.recvfrom(2048)
        events.append(rrq)
        listen.sendto(b'\x00\x05\x00\x08no options here\0', client)
        rrq, client = listen.recvfrom(2048)
        events.append(rrq)
        with _new_socket() as xfer:
            xfer.sendto(_data(1, payload[:512]), client)
            xfer.recv(100)
            xfer.sendto(_data(2, payload[512:]), client)
            xfer.recv(100)

    port, thread, events, errors = _fake_server(handler)
    result = _pxeproto.tftp_transfer('127.0.0.1', 'f', port=port, timeout=1)
    thread.join(5)
    assert not errors
    assert result['data'] == payload and result['oack'] is None and result['blksize'] == 512
    assert b'blksize' in events[0] and events[1] == b'\x00\x01f\0octet\0'


def test_tftp_tsize_mismatch_is_an_error():
    def handler(listen, _events):
        _rrq, client = listen.recvfrom(2048)
        with _new_socket() as xfer:
            xfer.sendto(_oack(tsize=1000), client)
            xfer.recv(100)
            xfer.sendto(_data(1, b'short'), client)
            xfer.recv(100)

    port, thread, _events, errors = _fake_server(handler)
    with pytest.raises(_pxeproto.TftpError, match='tsize 1000'):
        _pxeproto.tftp_get('127.0.0.1', 'f', port=port, timeout=1)
    thread.join(5)
    assert not errors


def test_tftp_timeout_raises_after_retries():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as mute:
        mute.bind(('127.0.0.1', 0))
        started = time.monotonic()
        with pytest.raises(_pxeproto.TftpError, match='timeout') as info:
            _pxeproto.tftp_get('127.0.0.1', 'f', port=mute.getsockname()[1], timeout=0.2, retries=2)
        assert info.value.code is None
        assert 0.5 < time.monotonic() - started < 3


def test_tftp_error_formatting_and_pickling():
    err = _pxeproto.TftpError('file /srv/x not found for 10.0.0.2', 1)
    assert str(err) == 'TFTP error 1 (file not found): file /srv/x not found for 10.0.0.2'
    back = pickle.loads(pickle.dumps(err))
    assert (back.code, back.message) == (1, err.message)


# ----------------------------------------------------------------- HTTP against a loopback server

class _RangeHandler(http.server.BaseHTTPRequestHandler):
    body = bytes(range(256)) * 8

    def do_GET(self):  # pylint: disable=invalid-name
        if self.path != '/blob':
            self.send_error(404, 'nope')
            return
        wanted = self.headers.get('Range')
        if wanted:
            start, end = wanted.split('=', 1)[1].split('-')
            end = int(end) if end else len(self.body) - 1
            chunk = self.body[int(start):end + 1]
            self.send_response(206)
            self.send_header('Content-Range', 'bytes %s-%d/%d' % (start, end, len(self.body)))
        else:
            chunk = self.body
            self.send_response(200)
        self.send_header('Content-Length', str(len(chunk)))
        self.send_header('Accept-Ranges', 'bytes')
        self.end_headers()
        self.wfile.write(chunk)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        return


@pytest.fixture(name='range_server')
def fixture_range_server():
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _RangeHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield 'http://127.0.0.1:%d' % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_http_get_range_and_errors(range_server, monkeypatch):
    # A proxy in the environment must not capture lab traffic.
    monkeypatch.setenv('http_proxy', 'http://127.0.0.1:9')
    monkeypatch.setenv('HTTP_PROXY', 'http://127.0.0.1:9')
    body = _RangeHandler.body
    status, headers, got = _pxeproto.http_get(range_server + '/blob')
    assert (status, got) == (200, body)
    assert headers['accept-ranges'] == 'bytes'
    status, headers, got = _pxeproto.http_get(range_server + '/blob', byte_range=(100, 199))
    assert (status, got) == (206, body[100:200])
    assert headers['content-range'] == 'bytes 100-199/%d' % len(body)
    status, _headers, got = _pxeproto.http_get(range_server + '/blob', byte_range=(2000, None))
    assert (status, got) == (206, body[2000:])
    status, _headers, _got = _pxeproto.http_get(range_server + '/missing')
    assert status == 404


def test_http_cli(range_server, capsys):
    cli = _probes_cli()
    assert cli.main(['http', range_server + '/blob', '--range', '0-9']) == 0
    out = json.loads(capsys.readouterr().out)
    assert out['ok'] is True and out['status'] == 206 and out['size'] == 10
    assert out['sha256'] == hashlib.sha256(_RangeHandler.body[:10]).hexdigest()
    assert cli.main(['http', range_server + '/missing']) == 1
    out = json.loads(capsys.readouterr().out)
    assert out['ok'] is False and out['status'] == 404
    assert cli.main(['http', 'http://127.0.0.1:9/']) == 1
    out = json.loads(capsys.readouterr().out)
    assert out['ok'] is False and out['error']


# =========================================================================== network namespace lab
