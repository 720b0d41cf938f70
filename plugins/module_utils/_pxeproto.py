# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PXE protocol clients: ask a PXE server what it answers, the way firmware asks.

DHCP/proxyDHCP/port 4011 packets (build and parse, option 43 PXE and option 175 iPXE
sub-options), an RFC 1350/2347/2348/2349 TFTP client and a small HTTP client.

Standard library only and no imports from Ansible or the rest of the collection: the
netboot.pxe.pxe_probe module ships it to managed hosts, and the lab's probes CLI
(tests/lab/probes.py) loads this very file with a bare system python3 inside network
namespaces.

Private to the collection (leading underscore): no API stability promise.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import ipaddress
import random
import select
import socket
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

DHCP_MAGIC = b'\x63\x82\x53\x63'
BOOTP_MIN_LEN = 300  # RFC 951/1542: many servers and relays drop shorter BOOTP packets
BOOTP_FIXED_LEN = 236  # op .. file, before the magic cookie

MSG_TYPES = {
    1: 'DISCOVER', 2: 'OFFER', 3: 'REQUEST', 4: 'DECLINE', 5: 'ACK',
    6: 'NAK', 7: 'RELEASE', 8: 'INFORM',
}
MSG_CODES = {name: code for code, name in MSG_TYPES.items()}

# What PXE ROMs ask for (PXE 2.1 spec plus the usual network parameters).
PARAM_REQUEST_LIST = (1, 2, 3, 4, 5, 6, 12, 13, 15, 17, 43, 54, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135)

# PXE vendor-encapsulated (option 43) sub-options, PXE 2.1 spec table 2-1.
PXE_SUBOPTIONS = {
    1: 'PXE_MTFTP_IP', 2: 'PXE_MTFTP_CPORT', 3: 'PXE_MTFTP_SPORT', 4: 'PXE_MTFTP_TMOUT',
    5: 'PXE_MTFTP_DELAY', 6: 'PXE_DISCOVERY_CONTROL', 7: 'PXE_DISCOVERY_MCAST_ADDR',
    8: 'PXE_BOOT_SERVERS', 9: 'PXE_BOOT_MENU', 10: 'PXE_MENU_PROMPT', 11: 'PXE_MCAST_ADDRS_ALLOC',
    12: 'PXE_CREDENTIAL_TYPES', 71: 'PXE_BOOT_ITEM',
}

# iPXE "feature" sub-options of option 175 (src/include/ipxe/dhcp.h): a real iPXE sends one per built-in feature.
IPXE_FEATURES = (
    (16, b'\x02'),  # PXE_EXT (PXE API extensions, version 2)
    (19, b'\x01'),  # HTTP
    (20, b'\x01'),  # HTTPS
    (21, b'\x01'),  # TFTP
    (23, b'\x01'),  # DNS
    (24, b'\x01'),  # bzImage
    (36, b'\x01'),  # EFI
)

# Option 175 (iPXE encapsulated) sub-options by name, from iPXE's include/ipxe/dhcp.h.
IPXE_SUBOPTIONS = {
    1: 'priority', 8: 'keep-san', 9: 'skip-san-boot', 16: 'pxe-ext', 17: 'iscsi', 18: 'aoe', 19: 'http',
    20: 'https', 21: 'tftp', 22: 'ftp', 23: 'dns', 24: 'bzimage', 25: 'multiboot', 26: 'slam', 27: 'srp',
    32: 'nbi', 33: 'pxe', 34: 'elf', 35: 'comboot', 36: 'efi', 37: 'fcoe', 38: 'vlan', 39: 'menu', 40: 'sdi',
    41: 'nfs', 85: 'syslogs', 91: 'cert', 92: 'privkey', 93: 'crosscert', 176: 'no-pxedhcp', 177: 'bus-id',
    187: 'san-retry', 188: 'san-filename', 189: 'san-drive', 190: 'username', 191: 'password',
    192: 'reverse-username', 193: 'reverse-password', 235: 'version',
}
_IPXE_TEXT = (85, 188, 190, 191, 192, 193)

# Option 60 a client sends by default: PXE firmware (UNDI 2.1), UEFI HTTP boot (UNDI 3.0).
VENDOR_CLASS_FORMATS = {
    'PXEClient': 'PXEClient:Arch:%05d:UNDI:002001',
    'HTTPClient': 'HTTPClient:Arch:%05d:UNDI:003000',
}

TFTP_RRQ, TFTP_WRQ, TFTP_DATA, TFTP_ACK, TFTP_ERROR, TFTP_OACK = 1, 2, 3, 4, 5, 6
TFTP_ERRORS = {
    0: 'not defined', 1: 'file not found', 2: 'access violation', 3: 'disk full',
    4: 'illegal TFTP operation', 5: 'unknown transfer ID', 6: 'file already exists',
    7: 'no such user', 8: 'option negotiation refused',
}


# --------------------------------------------------------------------------- helpers

def _to_bytes(value):
    if value is None:
        return b''
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return str(value).encode('utf-8')


def _mac_bytes(mac):
    """'52:54:00:ab:cd:ef', '52-54-00-AB-CD-EF', '525400abcdef' or 6 raw bytes -> 6 bytes."""
    if isinstance(mac, (bytes, bytearray)):
        raw = bytes(mac)
    else:
        text = ''.join(ch for ch in str(mac) if ch not in ':-.')
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise ValueError('invalid MAC address: %r' % (mac,)) from None
    if len(raw) != 6:
        raise ValueError('invalid MAC address: %r' % (mac,))
    return raw


def _mac_str(raw):
    return ':'.join('%02x' % b for b in raw)


def _ip_bytes(addr):
    if addr is None:
        return b'\0\0\0\0'
    return ipaddress.IPv4Address(addr).packed


def _ip_str(raw):
    return str(ipaddress.IPv4Address(bytes(raw)))


def _cstr(raw):
    """A NUL-terminated fixed-size BOOTP field as a str."""
    return bytes(raw).split(b'\0', 1)[0].decode('utf-8', 'replace')


def _ip_list(raw):
    if not raw or len(raw) % 4:
        return None
    return [_ip_str(raw[i:i + 4]) for i in range(0, len(raw), 4)]


def _uuid_bytes(client_uuid, mac_raw):
    if client_uuid is None:
        # Stable per MAC, like a machine's SMBIOS UUID.
        return uuid.uuid5(uuid.NAMESPACE_OID, 'netboot.pxe:' + _mac_str(mac_raw)).bytes
    if isinstance(client_uuid, uuid.UUID):
        return client_uuid.bytes
    if isinstance(client_uuid, (bytes, bytearray)):
        if len(client_uuid) != 16:
            raise ValueError('client UUID must be 16 bytes')
        return bytes(client_uuid)
    return uuid.UUID(str(client_uuid)).bytes


# --------------------------------------------------------------------------- DHCP encoding

def encode_options(options):
    """Encode (code, value) pairs as DHCP options, without the end option.

    Values longer than 255 bytes are split into several instances of the same
    option (RFC 3396); a parser concatenates them again.
    """
    out = bytearray()
    for code, value in options:
        if not 0 < code < 255:
            raise ValueError('option code must be 1..254, not %r' % (code,))
        value = _to_bytes(value)
        if not value:
            out += bytes((code, 0))
            continue
        for start in range(0, len(value), 255):
            chunk = value[start:start + 255]
            out += bytes((code, len(chunk))) + chunk
    return bytes(out)


def build_discover(mac, *, arch=None, vendor_class=None, user_class=None, ipxe_175=False, xid=None, msg_type=1,
                   ciaddr=None, requested_ip=None, server_id=None, client_uuid=None, extra_options=None):
    """Build a BOOTP/DHCP client packet as PXE firmware sends it.

    ``msg_type`` is the option 53 value (1 DISCOVER, 3 REQUEST, 8 INFORM, or the name).
    With ``arch`` (option 93 client system architecture, e.g. 0 BIOS, 7 x86-64 UEFI,
    16 x86-64 UEFI HTTP) the packet also carries options 94 and 97 and, unless
    ``vendor_class`` says otherwise, option 60 ``PXEClient:Arch:%05d:UNDI:002001``.
    ``user_class`` is sent raw as option 77 (iPXE sends ``iPXE``), ``ipxe_175`` adds
    an iPXE feature option 175. ``ciaddr``/``requested_ip`` (option 50)/``server_id``
    (option 54) serve REQUESTs; ``extra_options`` is an iterable of (code, value)
    pairs appended before the end option.
    """
    mac_raw = _mac_bytes(mac)
    if isinstance(msg_type, str):
        msg_type = MSG_CODES[msg_type.upper()]
    if xid is None:
        xid = random.getrandbits(32)
    header = struct.pack(
        '!BBBBIHH4s4s4s4s16s64s128s',
        1, 1, 6, 0,             # op BOOTREQUEST, htype ethernet, hlen, hops
        xid & 0xffffffff,
        0, 0x8000,              # secs, flags: broadcast (we may have no address to receive unicast on)
        _ip_bytes(ciaddr), b'\0' * 4, b'\0' * 4, b'\0' * 4,  # ciaddr yiaddr siaddr giaddr
        mac_raw.ljust(16, b'\0'), b'', b'',
    )
    params = list(PARAM_REQUEST_LIST)
    if ipxe_175:
        params.append(175)
    opts = [(53, bytes((msg_type,)))]
    if requested_ip is not None:
        opts.append((50, _ip_bytes(requested_ip)))
    if server_id is not None:
        opts.append((54, _ip_bytes(server_id)))
    opts.append((55, bytes(params)))
    opts.append((57, struct.pack('!H', 1500)))
    if arch is not None:
        opts.append((93, struct.pack('!H', int(arch))))
        opts.append((94, b'\x01\x02\x01'))  # NDI: UNDI 2.1
        opts.append((97, b'\x00' + _uuid_bytes(client_uuid, mac_raw)))
        if vendor_class is None:
            vendor_class = 'PXEClient:Arch:%05d:UNDI:002001' % int(arch)
    if vendor_class is not None:
        opts.append((60, _to_bytes(vendor_class)))
    if user_class is not None:
        opts.append((77, _to_bytes(user_class)))
    if ipxe_175:
        opts.append((175, b''.join(bytes((code, len(val))) + val for code, val in IPXE_FEATURES)))
    if extra_options:
        opts.extend(extra_options)
    packet = header + DHCP_MAGIC + encode_options(opts) + b'\xff'
    return packet.ljust(BOOTP_MIN_LEN, b'\0')


# --------------------------------------------------------------------------- DHCP decoding

def parse_options(data, options=None):
    """Parse a DHCP option area into ``{code: bytes}``.

    Pads (0) are skipped, parsing stops at end (255); repeated instances of a code
    are concatenated (RFC 3396). ``options`` is an existing dict to add to.
    Raises ValueError on an option running past the end of the data.
    """
    options = {} if options is None else options
    data = bytes(data)
    pos = 0
    while pos < len(data):
        code = data[pos]
        if code == 0:
            pos += 1
            continue
        if code == 255:
            break
        if pos + 1 >= len(data):
            raise ValueError('option %d truncated (no length byte)' % code)
        length = data[pos + 1]
        end = pos + 2 + length
        if end > len(data):
            raise ValueError('option %d truncated: needs %d bytes, %d left' % (code, length, len(data) - pos - 2))
        options[code] = options.get(code, b'') + data[pos + 2:end]
        pos = end
    return options


def _decode_pxe_suboption(code, data):
    # pylint: disable=too-many-return-statements
    if code in (1, 7) and len(data) == 4:
        return _ip_str(data)
    if code in (2, 3) and len(data) == 2:
        return struct.unpack('!H', data)[0]
    if code in (4, 5, 6) and len(data) == 1:
        return data[0]
    if code == 6 and data:
        return int.from_bytes(data, 'big')
    if code == 8:  # boot servers: type(2) count(1) IPs...
        servers, pos = [], 0
        while pos + 3 <= len(data):
            stype, count = struct.unpack('!HB', data[pos:pos + 3])
            pos += 3
            ips = [_ip_str(data[pos + 4 * i:pos + 4 * i + 4]) for i in range(count) if pos + 4 * i + 4 <= len(data)]
            pos += 4 * count
            servers.append({'type': stype, 'ips': ips})
        return servers
    if code == 9:  # boot menu: type(2) len(1) description...
        menu, pos = [], 0
        while pos + 3 <= len(data):
            stype, dlen = struct.unpack('!HB', data[pos:pos + 3])
            menu.append({'type': stype, 'description': data[pos + 3:pos + 3 + dlen].decode('utf-8', 'replace')})
            pos += 3 + dlen
        return menu
    if code == 10 and data:  # menu prompt: timeout(1) prompt...
        return {'timeout': data[0], 'prompt': data[1:].decode('utf-8', 'replace')}
    if code == 71 and len(data) == 4:  # boot item: type(2) layer(2)
        stype, layer = struct.unpack('!HH', data)
        return {'type': stype, 'layer': layer}
    return None


def _suboptions(data):
    """[(code, value)] of encapsulated TLV sub-options (pad 0 skipped, end 255 stops); None if not TLV-shaped."""
    found = []
    data = bytes(data)
    pos = 0
    while pos < len(data):
        code = data[pos]
        if code == 0:
            pos += 1
            continue
        if code == 255:
            break
        if pos + 1 >= len(data) or pos + 2 + data[pos + 1] > len(data):
            return None
        found.append((code, data[pos + 2:pos + 2 + data[pos + 1]]))
        pos += 2 + data[pos + 1]
    return found


def decode_vendor_options(data):
    """Decode option 43 as PXE-style encapsulated sub-options; None if it is not TLV-shaped."""
    found = _suboptions(data)
    if found is None:
        return None
    return [{'code': code, 'name': PXE_SUBOPTIONS.get(code), 'data': value, 'value': _decode_pxe_suboption(code, value)}
            for code, value in found]


def _ipxe_value(code, value):
    if code in _IPXE_TEXT:
        return value.decode('utf-8', 'replace')
    if 0 < len(value) <= 4:
        return int.from_bytes(value, 'big')
    return None


def decode_ipxe_options(data):
    """Decode option 175 (iPXE's encapsulated options) into a list; None if it is not TLV-shaped."""
    found = _suboptions(data)
    if found is None:
        return None
    return [{'code': code, 'name': IPXE_SUBOPTIONS.get(code), 'data': value, 'value': _ipxe_value(code, value)}
            for code, value in found]


def parse_reply(data):
    """Parse a BOOTP/DHCP packet (normally a server reply) into a dict.

    Keys: op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr,
    chaddr (MAC string), sname, file (NUL-stripped; '' when overloaded),
    options ({code: bytes}), overload, and the conveniences msg_type ('OFFER', ...,
    None for plain BOOTP), server_id, vendor_class, tftp_server, bootfile_opt,
    subnet_mask, router (first), routers, dns_servers, lease_time, client_arch,
    vendor_options (decoded option 43 list or None), ipxe_options (decoded option 175
    list or None) and is_proxy_offer (a PXE
    proxyDHCP offer: PXEClient vendor class and no address). ``bootfile`` is the
    effective boot file name: option 67 if present, else the file field.
    """
    data = bytes(data)
    if len(data) < BOOTP_FIXED_LEN:
        raise ValueError('BOOTP packet too short: %d bytes' % len(data))
    (op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr, sname, bootfile) = struct.unpack(
        '!BBBBIHH4s4s4s4s16s64s128s', data[:BOOTP_FIXED_LEN])
    options = {}
    overload = 0
    if data[BOOTP_FIXED_LEN:BOOTP_FIXED_LEN + 4] == DHCP_MAGIC:
        parse_options(data[BOOTP_FIXED_LEN + 4:], options)
        if 52 in options and options[52]:
            overload = options[52][0]
            # RFC 2131 4.1 / RFC 3396: options field, then file, then sname.
            if overload & 1:
                parse_options(bootfile, options)
            if overload & 2:
                parse_options(sname, options)
    reply = {
        'op': op, 'htype': htype, 'hlen': hlen, 'hops': hops, 'xid': xid, 'secs': secs, 'flags': flags,
        'ciaddr': _ip_str(ciaddr), 'yiaddr': _ip_str(yiaddr), 'siaddr': _ip_str(siaddr), 'giaddr': _ip_str(giaddr),
        'chaddr': _mac_str(chaddr[:min(hlen, 16)] if hlen else chaddr[:6]),
        'sname': '' if overload & 2 else _cstr(sname),
        'file': '' if overload & 1 else _cstr(bootfile),
        'options': options,
        'overload': overload,
    }

    def opt_str(code):
        return _cstr(options[code]) if code in options else None

    def opt_ip(code):
        return _ip_str(options[code][:4]) if len(options.get(code, b'')) >= 4 else None

    msg = options.get(53)
    reply['msg_type'] = MSG_TYPES.get(msg[0], str(msg[0])) if msg else None
    reply['server_id'] = opt_ip(54)
    reply['vendor_class'] = opt_str(60)
    reply['tftp_server'] = opt_str(66)
    reply['bootfile_opt'] = opt_str(67)
    reply['bootfile'] = reply['bootfile_opt'] or reply['file'] or None
    reply['subnet_mask'] = opt_ip(1)
    reply['routers'] = _ip_list(options.get(3))
    reply['router'] = reply['routers'][0] if reply['routers'] else None
    reply['dns_servers'] = _ip_list(options.get(6))
    reply['lease_time'] = struct.unpack('!I', options[51])[0] if len(options.get(51, b'')) == 4 else None
    reply['client_arch'] = struct.unpack('!H', options[93][:2])[0] if len(options.get(93, b'')) >= 2 else None
    reply['vendor_options'] = decode_vendor_options(options[43]) if 43 in options else None
    reply['ipxe_options'] = decode_ipxe_options(options[175]) if 175 in options else None
    reply['is_proxy_offer'] = bool(
        op == 2 and (reply['vendor_class'] or '').startswith('PXEClient') and reply['yiaddr'] == '0.0.0.0')
    return reply


# --------------------------------------------------------------------------- DHCP client

class Port68InUse(OSError):
    """Another socket (a DHCP client daemon?) holds UDP port 68, so replies cannot be received."""


def dhcp_probe(iface, mac, *, arch=None, vendor_class=None, user_class=None, ipxe_175=False, timeout=5.0, port=67,
               server=None, msg_type=1, ciaddr=None, requested_ip=None, server_id=None, client_uuid=None,
               extra_options=None, max_replies=None, xid=None, exclusive=False, until=None, keep_raw=False):
    """Send one DHCP client packet out of ``iface`` and return every parsed reply with our xid.

    The socket is bound to 0.0.0.0:68 on ``iface`` (SO_BINDTODEVICE, needs root/CAP_NET_RAW),
    so this works whether or not ``iface`` has an IPv4 address. The packet goes to
    255.255.255.255:``port`` or, with ``server``, to ``server``:``port`` (e.g. a PXE boot
    server on 4011, which answers unicast, so the interface then needs an address).
    Replies are collected until ``timeout`` seconds have passed (or ``max_replies``
    arrived, or ``until(replies)`` is true); each parsed reply also has ``src`` and
    ``src_port`` (and ``raw``, the packet, with ``keep_raw``).
    ``exclusive`` leaves out SO_REUSEADDR, so the bind fails with EADDRINUSE (raised as
    Port68InUse) when another program, such as a DHCP client daemon, holds port 68.
    """
    if xid is None:
        xid = random.getrandbits(32)
    packet = build_discover(mac, arch=arch, vendor_class=vendor_class, user_class=user_class, ipxe_175=ipxe_175,
                            xid=xid, msg_type=msg_type, ciaddr=ciaddr, requested_ip=requested_ip,
                            server_id=server_id, client_uuid=client_uuid, extra_options=extra_options)
    replies = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP) as sock:
        if not exclusive:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode() + b'\0')
        try:
            sock.bind(('0.0.0.0', 68))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise Port68InUse(exc.errno, 'UDP port 68 (the DHCP client port) is already in use on this host')
            raise
        sock.sendto(packet, (server or '255.255.255.255', port))
        deadline = time.monotonic() + timeout
        while max_replies is None or len(replies) < max_replies:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ready, _w, _x = select.select([sock], [], [], remaining)
            if not ready:
                break
            data, peer = sock.recvfrom(65535)
            try:
                reply = parse_reply(data)
            except ValueError:
                continue
            if reply['op'] != 2 or reply['xid'] != xid:
                continue
            reply['src'], reply['src_port'] = peer[0], peer[1]
            if keep_raw:
                reply['raw'] = data
            replies.append(reply)
            if until is not None and until(replies):
                break
    return replies


# --------------------------------------------------------------------------- TFTP client

class TftpError(Exception):
    """A TFTP transfer failed: the server's ERROR packet (``code`` 0-8) or a local failure (``code`` None)."""

    def __init__(self, message, code=None):
        super().__init__(message, code)
        self.message = message
        self.code = code

    def __str__(self):
        if self.code is None:
            return self.message
        return 'TFTP error %d (%s): %s' % (self.code, TFTP_ERRORS.get(self.code, 'unknown'), self.message)


def _tftp_error_packet(code, message):
    return struct.pack('!HH', TFTP_ERROR, code) + message.encode('utf-8', 'replace') + b'\0'


def _parse_oack(payload):
    fields = payload.split(b'\0')
    if fields and fields[-1] == b'':
        fields = fields[:-1]
    return {fields[i].decode('ascii', 'replace').lower(): fields[i + 1].decode('ascii', 'replace')
            for i in range(0, len(fields) - 1, 2)}


def tftp_transfer(server, filename, *, port=69, timeout=5.0, blksize=1468, retries=3, tsize=True, source=None):
    """Download ``filename`` by TFTP and describe the transfer.

    Returns a dict: data (bytes), size, blksize (in effect), tsize (announced by the
    server or None), oack (the server's option acknowledgement dict, None if it
    ignored our options), blocks, server_port (the server's transfer ID).
    ``blksize=None`` (or 0) leaves out the blksize option (512-byte blocks), ``tsize=False``
    the tsize option; with neither this is a plain RFC 1350 request. A server that
    refuses options with ERROR 8 is asked again without them. ``source`` is the local
    address to send from (a client's leased address; default: the kernel's choice).
    """
    # pylint: disable=too-many-locals,too-many-branches,too-many-statements
    request = struct.pack('!H', TFTP_RRQ) + _to_bytes(filename) + b'\0octet\0'
    if blksize:
        if not 8 <= int(blksize) <= 65464:
            raise ValueError('blksize must be 8..65464 (RFC 2348)')
        request += b'blksize\0%d\0' % int(blksize)
    if tsize:
        request += b'tsize\0' + b'0\0'
    with_options = bool(blksize or tsize)
    server_ip = socket.gethostbyname(server)
    result = {'oack': None, 'blksize': 512, 'tsize': None, 'blocks': 0, 'server_port': None}
    block_size, announced = 512, -1  # -1: the server did not announce a tsize
    chunks = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source or '0.0.0.0', 0))
        last_sent, dest = request, (server_ip, port)
        sock.sendto(last_sent, dest)
        tid = None
        expected = 1
        misses = 0
        done = False
        while not done:
            ready, _w, _x = select.select([sock], [], [], timeout)
            if not ready:
                misses += 1
                if misses > retries:
                    raise TftpError('timeout after %d retransmissions waiting for %s from %s:%s' % (
                        retries, 'block %d' % expected if tid else 'a reply', server_ip, tid or port))
                sock.sendto(last_sent, dest)
                continue
            packet, peer = sock.recvfrom(65536 + 4)
            if peer[0] != server_ip:
                continue
            if tid is None:
                tid = peer[1]
                dest = peer
                result['server_port'] = tid
            elif peer[1] != tid:
                sock.sendto(_tftp_error_packet(5, 'unknown transfer ID'), peer)
                continue
            if len(packet) < 4:
                continue
            opcode, arg = struct.unpack('!HH', packet[:4])
            if opcode == TFTP_ERROR:
                code, message = arg, _cstr(packet[4:])
                if code == 8 and with_options and expected == 1 and not chunks:
                    # Server refuses options: fall back to a plain RFC 1350 request.
                    return tftp_transfer(server, filename, port=port, timeout=timeout, blksize=None,
                                         retries=retries, tsize=False, source=source)
                raise TftpError(message or TFTP_ERRORS.get(code, 'error'), code)
            if opcode == TFTP_OACK:
                if result['oack'] is not None or expected != 1:
                    sock.sendto(struct.pack('!HH', TFTP_ACK, 0), dest)  # duplicate OACK: ACK again
                    continue
                oack = _parse_oack(packet[2:])
                if 'blksize' in oack:
                    agreed = int(oack['blksize'])
                    if not blksize or agreed > int(blksize) or agreed < 8:
                        sock.sendto(_tftp_error_packet(8, 'bad blksize %d' % agreed), dest)
                        raise TftpError('server offered blksize %d, we asked for %s' % (agreed, blksize), 8)
                    block_size = result['blksize'] = agreed
                if 'tsize' in oack:
                    announced = result['tsize'] = int(oack['tsize'])
                result['oack'] = oack
                last_sent = struct.pack('!HH', TFTP_ACK, 0)
                sock.sendto(last_sent, dest)
                misses = 0
                continue
            if opcode != TFTP_DATA:
                sock.sendto(_tftp_error_packet(4, 'unexpected opcode %d' % opcode), dest)
                raise TftpError('unexpected TFTP opcode %d from server' % opcode)
            if arg == expected:
                payload = packet[4:]
                if len(payload) > block_size:
                    sock.sendto(_tftp_error_packet(4, 'block too large'), dest)
                    raise TftpError('block %d has %d bytes, more than blksize %d' % (arg, len(payload), block_size))
                chunks.append(payload)
                result['blocks'] += 1
                last_sent = struct.pack('!HH', TFTP_ACK, arg)
                sock.sendto(last_sent, dest)
                misses = 0
                expected = (expected + 1) & 0xffff  # block numbers roll over to 0 (as tftp-hpa and dnsmasq do)
                done = len(payload) < block_size
            elif arg == (expected - 1) & 0xffff:
                sock.sendto(struct.pack('!HH', TFTP_ACK, arg), dest)  # our ACK got lost: ACK again
    data = b''.join(chunks)
    if announced >= 0 and announced != len(data):
        raise TftpError('received %d bytes but the server announced tsize %d' % (len(data), announced))
    result['data'] = data
    result['size'] = len(data)
    return result


def tftp_get(server, filename, *, port=69, timeout=5.0, blksize=1468, retries=3):
    """Download ``filename`` from a TFTP server and return its bytes (raises TftpError)."""
    return tftp_transfer(server, filename, port=port, timeout=timeout, blksize=blksize, retries=retries)['data']


# --------------------------------------------------------------------------- HTTP client

def http_get(url, *, timeout=10.0, byte_range=None, headers=None):
    """GET ``url``; return ``(status, headers, body)``.

    Error statuses (4xx/5xx) are returned, not raised. ``headers`` in the result is a
    dict with lower-cased names. ``byte_range=(start, end)`` sends ``Range:
    bytes=start-end`` (``end`` None for an open range), so a 206 proves range support.
    Proxy settings from the environment are ignored: probes talk to the lab directly.
    """
    request = urllib.request.Request(url, headers=dict(headers or {}))
    if byte_range is not None:
        start, end = byte_range
        request.add_header('Range', 'bytes=%d-%s' % (int(start), '' if end is None else int(end)))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            status, raw_headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        status, raw_headers, body = exc.code, exc.headers, exc.read()
        exc.close()
    result_headers = {}
    for name, value in raw_headers.items():
        key = name.lower()
        result_headers[key] = result_headers[key] + ', ' + value if key in result_headers else value
    return status, result_headers, body


# --------------------------------------------------------------------------- helpers for probing tools

def jsonable(value):
    """``value`` with bytes hex-encoded and dict keys as strings (for JSON output and module results)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(key): jsonable(val) for key, val in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(val) for val in value]
    return value


def random_mac():
    """A random locally administered unicast MAC (02:xx:xx:xx:xx:xx style): never a real NIC's."""
    raw = bytearray(random.getrandbits(8) for _i in range(6))
    raw[0] = (raw[0] & 0xfc) | 0x02
    return _mac_str(raw)


def normalize_mac(mac):
    """A MAC in any common notation as lower-case colon form; ValueError otherwise."""
    return _mac_str(_mac_bytes(mac))


def vendor_class_for(kind, code):
    """Option 60 for ``kind`` PXEClient or HTTPClient and option-93 ``code``."""
    return VENDOR_CLASS_FORMATS[kind] % int(code)


def interface_ipv4(iface):
    """The first IPv4 address of ``iface`` (SIOCGIFADDR), or None when it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            packed = fcntl.ioctl(sock.fileno(), 0x8915, struct.pack('256s', iface.encode()[:15]))  # SIOCGIFADDR
        except OSError:
            return None
    return socket.inet_ntoa(packed[20:24])


def interface_exists(iface):
    try:
        socket.if_nametoindex(iface)
    except OSError:
        return False
    return True


def pxe_boot_item(item_type, layer=0):
    """Option 43 of a PXE boot server discovery REQUEST (port 4011) selecting boot menu item ``item_type``."""
    return bytes((71, 4)) + struct.pack('!HH', item_type, layer) + b'\xff'


def suboption(reply, name):
    """The decoded value of a PXE option 43 sub-option by name (None when absent)."""
    for sub in reply.get('vendor_options') or ():
        if sub['name'] == name:
            return sub['value']
    return None


def parse_manifest(text):
    """``sha256sum`` output (``HEX  name`` or ``HEX *name``) as {name: hex}; a leading ./ is dropped."""
    result = {}
    for line in text.splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) != 2 or len(parts[0]) != 64:
            continue
        digest, name = parts[0].lower(), parts[1].lstrip('*')
        if name.startswith('./'):
            name = name[2:]
        result[name] = digest
    return result


def describe_offer(reply):
    """What an operator wants to see of one server reply (plain data, bytes as hex)."""
    address = reply['yiaddr'] if reply['yiaddr'] != '0.0.0.0' else None
    options = reply['options']
    return {
        'msg_type': reply['msg_type'],
        'src': reply.get('src'),
        'src_port': reply.get('src_port'),
        'server_id': reply['server_id'],
        'address': address,
        'next_server': reply['siaddr'] if reply['siaddr'] != '0.0.0.0' else None,
        'server_name': reply['sname'] or None,
        'file': reply['file'] or None,
        'boot_file': reply['bootfile'],
        'proxy': bool(address is None and reply['vendor_class'] and reply['msg_type'] in ('OFFER', 'ACK')),
        'subnet_mask': reply['subnet_mask'],
        'router': reply['router'],
        'lease_time': reply['lease_time'],
        'option_43': jsonable(reply['vendor_options']) if 43 in options else None,
        'option_43_raw': options[43].hex() if 43 in options else None,
        'option_60': reply['vendor_class'],
        'option_66': reply['tftp_server'],
        'option_67': reply['bootfile_opt'],
        'option_175': jsonable(reply['ipxe_options']) if 175 in options else None,
        'option_175_raw': options[175].hex() if 175 in options else None,
        'options': sorted(options),
    }


def sha256(data):
    return hashlib.sha256(data).hexdigest()
