# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Address helpers for PXE configuration: MAC spellings, pxelinux names, DHCP pools.

MAC spellings, single addresses and membership use only the standard library,
because modules (pxe_hosts) run them on managed hosts that may lack netaddr;
pool arithmetic uses netaddr on the controller. This module adds the strictness
and the error messages a PXE server needs. Private to the collection.
"""

from __future__ import annotations

import ipaddress
import re

try:
    import netaddr
except ImportError:  # pragma: no cover - exercised only where netaddr is absent
    netaddr = None


# netaddr.EUI also takes integers, "0" and three 16-bit words ("aa:bb:cc"), which
# in a reservation are typos, not MACs: only these spellings go on to netaddr.
_MAC_SHAPE = re.compile(
    r'(?:[0-9a-f]{1,2}([:-])(?:[0-9a-f]{1,2}\1){4}[0-9a-f]{1,2}'  # aa:bb:.. / AA-BB-.. / a:b:..
    r'|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}'                      # Cisco aabb.ccdd.eeff
    r'|[0-9a-f]{12})',                                             # bare hex (fullmatch: no trailing newline)
    re.IGNORECASE,
)


# A DNS name: labels of letters, digits and inner hyphens, 253 characters at most. Used with fullmatch
# (a "$" would accept a trailing newline, which splits the dnsmasq reservation line).
_HOSTNAME = re.compile(r'(?=.{1,253}\Z)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*')
# What dnsmasq's dhcp-host reads as a lease time (digits with an optional w/d/h/m/s, any case).
_LEASE_TIME = re.compile(r'infinite|\d+[smhdwSMHDW]?')


class AddressError(ValueError):
    """A MAC address, IP address or network that cannot be used."""


def hostname_problem(value):
    """None when ``value`` is a host name dnsmasq takes as one in a dhcp-host line; else why not.

    dnsmasq reads a dhcp-host field as a lease time when it is digits with an optional unit or
    "infinite", disables the host for "ignore" and reads an all-digit dotted name as an address,
    so such names are refused, as are whitespace, newlines and anything beyond letters, digits, "-" and ".".
    """
    if not isinstance(value, str):
        return 'must be a string, got %s %r' % (type(value).__name__, value)
    if not _HOSTNAME.fullmatch(value):
        return ('%r is not a valid DNS name (letters, digits and inner hyphens in dot-separated labels of 1-63 '
                'characters, no spaces or line breaks)' % (value,))
    if value in ('ignore', 'infinite') or _LEASE_TIME.fullmatch(value) or value.rsplit('.', 1)[-1].isdigit():
        return ('%r would be read by dnsmasq as a lease time, an address or a keyword, not a name; its last label must '
                'not be all digits, nor the whole name a lease time ("12h"), "ignore" or "infinite"' % (value,))
    return None


def lease_time_ok(value):
    """Whether ``value`` (str or int) is a dnsmasq lease time: seconds, digits with s/m/h/d/w, or "infinite"."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    return isinstance(value, str) and re.fullmatch(r'infinite|\d+[smhdw]?', value) is not None


def ipv4_address(value, what):
    """The canonical text of a single IPv4 address (surrounding whitespace ignored, no prefix length).

    AddressError starting with ``what`` otherwise: a network in CIDR form ("8.8.8.0/24") is not an address.
    """
    if not isinstance(value, str):
        raise AddressError('%s must be an IPv4 address string such as "192.168.50.1", got %s %r'
                           % (what, type(value).__name__, value))
    text = value.strip()
    if '/' in text:
        raise AddressError('%s %r is a network in CIDR form; give a single address without a prefix length' % (what, value))
    try:
        return str(ipaddress.IPv4Address(text))
    except (ipaddress.AddressValueError, ValueError):
        raise AddressError('%s %r is not an IPv4 address (expected e.g. "192.168.50.1")' % (what, value))


def _require_netaddr():
    if netaddr is None:
        raise AddressError('the Python library "netaddr" is required on the host running this code; '
                           'install it with "pip install netaddr" or the python3-netaddr package')


def normalize_mac(value):
    """Return a 48-bit MAC address in lowercase colon form (``aa:bb:cc:dd:ee:ff``).

    Accepts colons, dashes, Cisco dots and bare hex, in any case. Integers,
    EUI-64 identifiers and anything else raise AddressError naming the value.
    """
    if not isinstance(value, str):
        raise AddressError('MAC address must be a string such as "aa:bb:cc:dd:ee:ff", got %s %r'
                           % (type(value).__name__, value))
    text = value.strip().lower()
    match = _MAC_SHAPE.fullmatch(text)
    if not match:
        raise AddressError('invalid MAC address %r: expected six octets such as "aa:bb:cc:dd:ee:ff", '
                           '"AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff" or "aabbccddeeff"' % (value,))
    if match.group(1):
        octets = [part.rjust(2, '0') for part in text.split(match.group(1))]
    else:
        digits = text.replace('.', '')
        octets = [digits[i:i + 2] for i in range(0, 12, 2)]
    return ':'.join(octets)


def pxelinux_mac(value, hwtype=1):
    """Return the pxelinux per-host config name for a MAC: ``01-aa-bb-cc-dd-ee-ff``.

    ``hwtype`` is the ARP hardware type pxelinux prefixes (1 = Ethernet).
    """
    if isinstance(hwtype, bool) or not isinstance(hwtype, int) or not 0 <= hwtype <= 255:
        raise AddressError('ARP hardware type must be an integer 0-255, got %r' % (hwtype,))
    return '%02x-%s' % (hwtype, normalize_mac(value).replace(':', '-'))


def pxelinux_hexip(value):
    """Return the pxelinux hex name of an IPv4 address (``192.168.1.10`` -> ``C0A8010A``).

    A network in CIDR form whose prefix length is a multiple of 4 gives the
    shorter name pxelinux also tries (``192.168.1.0/24`` -> ``C0A801``), which
    matches every host of that network.
    """
    if not isinstance(value, str):
        raise AddressError('IPv4 address must be a string such as "192.168.1.10", got %s %r'
                           % (type(value).__name__, value))
    text = value.strip()
    try:
        if '/' in text:
            net = ipaddress.IPv4Interface(text).network
            if net.prefixlen % 4:
                raise AddressError('pxelinux names can only match networks whose prefix length is a '
                                   'multiple of 4; %r has /%d' % (value, net.prefixlen))
            return ('%08X' % int(net.network_address))[:net.prefixlen // 4]
        addr = ipaddress.IPv4Address(text)
    except (ipaddress.AddressValueError, ipaddress.NetmaskValueError, ValueError) as exc:
        if isinstance(exc, AddressError):
            raise
        raise AddressError('invalid IPv4 address %r for a pxelinux hex name (expected e.g. "192.168.1.10")'
                           % (value,))
    return '%08X' % int(addr)


def _ipv4_network(value, what):
    _require_netaddr()
    if not isinstance(value, str):
        raise AddressError('%s must be a string in CIDR form such as "192.168.50.0/24", got %s %r'
                           % (what, type(value).__name__, value))
    try:
        net = netaddr.IPNetwork(value.strip())
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise AddressError('%s %r is not a network in CIDR form (expected e.g. "192.168.50.0/24")'
                           % (what, value))
    if net.version != 4:
        raise AddressError('%s %r is IPv6; DHCP pools are computed for IPv4 networks only' % (what, value))
    return net


def _ipv4_address(value, what):
    if not isinstance(value, str):
        raise AddressError('%s must be an IPv4 address string, got %s %r' % (what, type(value).__name__, value))
    try:
        return netaddr.IPAddress(value.strip(), version=4)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise AddressError('%s %r is not an IPv4 address' % (what, value))


def _nonneg_int(value, what):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise AddressError('%s must be a non-negative integer, got %r' % (what, value))
    return value


def dhcp_pool(network, start=None, end=None, offset=10, size=None):
    """Compute (or check) an IPv4 DHCP address pool inside ``network``.

    ``network`` may carry host bits (an interface address such as
    ``192.168.50.1/24``). Without ``start``/``end`` the pool begins ``offset``
    addresses after the first usable host (room for servers and routers) and
    holds ``size`` addresses, or runs to the last usable host. Explicit
    ``start``/``end`` are checked to lie inside the usable range, in order.

    Returns a dict: network, prefixlen, netmask, broadcast, start, end, size.
    """
    net = _ipv4_network(network, 'network')
    if net.prefixlen > 30:
        raise AddressError('network %r (/%d) is too small for a DHCP pool; use /30 or larger'
                           % (network, net.prefixlen))
    first_host = net.first + 1
    last_host = net.last - 1
    if start is None and end is None:
        _nonneg_int(offset, 'offset')
        lo = first_host + offset
        if lo > last_host:
            raise AddressError('offset %d leaves no addresses for a pool in %s (%d usable hosts)'
                               % (offset, net.cidr, last_host - first_host + 1))
        if size is None:
            hi = last_host
        else:
            if _nonneg_int(size, 'size') == 0:
                raise AddressError('size must be at least 1')
            hi = lo + size - 1
            if hi > last_host:
                raise AddressError('a pool of %d addresses starting at %s does not fit in %s (last usable host %s)'
                                   % (size, netaddr.IPAddress(lo), net.cidr, netaddr.IPAddress(last_host)))
    elif start is None or end is None:
        raise AddressError('give both start and end of the DHCP pool, or neither')
    else:
        lo = int(_ipv4_address(start, 'pool start'))
        hi = int(_ipv4_address(end, 'pool end'))
        for label, addr in (('pool start', lo), ('pool end', hi)):
            if not first_host <= addr <= last_host:
                raise AddressError('%s %s is outside the usable hosts of %s (%s - %s)'
                                   % (label, netaddr.IPAddress(addr), net.cidr,
                                      netaddr.IPAddress(first_host), netaddr.IPAddress(last_host)))
        if lo > hi:
            raise AddressError('pool start %s is after pool end %s' % (start, end))
    return {
        'network': str(net.network),
        'prefixlen': net.prefixlen,
        'cidr': str(net.cidr),
        'netmask': str(net.netmask),
        'broadcast': str(net.broadcast),
        'start': str(netaddr.IPAddress(lo)),
        'end': str(netaddr.IPAddress(hi)),
        'size': hi - lo + 1,
    }


def ipv4_int(value):
    """The integer of an IPv4 address string (standard library only); AddressError otherwise."""
    if not isinstance(value, str):
        raise AddressError('address must be an IPv4 address string, got %s %r' % (type(value).__name__, value))
    try:
        return int(ipaddress.IPv4Address(value.strip()))
    except (ipaddress.AddressValueError, ValueError):
        raise AddressError('address %r is not an IPv4 address' % (value,))


def ipv4_ranges(networks):
    """[(first, last)] address integers of IPv4 networks in CIDR form (host bits allowed), parsed once
    for many membership checks; the same networks ``ip_in_network`` takes."""
    ranges = []
    for network in networks:
        try:
            net = ipaddress.ip_interface(network.strip()).network if isinstance(network, str) else None
        except ValueError:
            net = None
        if net is None or net.version != 4:
            raise AddressError('network %r is not an IPv4 network in CIDR form (expected e.g. "192.168.50.0/24")' % (network,))
        ranges.append((int(net.network_address), int(net.broadcast_address)))
    return ranges


def ip_in_network(address, network):
    """True when the IPv4 ``address`` lies inside ``network`` (CIDR; host bits allowed)."""
    try:
        net = ipaddress.ip_interface(network.strip()).network if isinstance(network, str) else None
    except ValueError:
        net = None
    if net is None:
        raise AddressError('network %r is not a network in CIDR form (expected e.g. "192.168.50.0/24")' % (network,))
    if net.version != 4:
        raise AddressError('network %r is IPv6; DHCP pools are computed for IPv4 networks only' % (network,))
    try:
        addr = ipaddress.IPv4Address(address.strip() if isinstance(address, str) else address)
    except (ipaddress.AddressValueError, ValueError):
        raise AddressError('address %r is not an IPv4 address' % (address,))
    if not isinstance(address, str):
        raise AddressError('address must be an IPv4 address string, got %s %r' % (type(address).__name__, address))
    return addr in net
