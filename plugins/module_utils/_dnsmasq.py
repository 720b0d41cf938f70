# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate a PXE server's DHCP/TFTP settings and turn them into a dnsmasq plan.

The roles pass their variables in (keyed by the suffix after the role prefix)
and get back plain data the template renders line by line, so every decision
(which codes select which boot file, the pool, reservations) is made here, in
tested Python, and every error names the variable the user set.
"""

from __future__ import annotations

import re

from ansible_collections.netboot.pxe.plugins.module_utils import _arch, _flags, _net

MODES = ('full', 'proxy', 'none')
# All used with fullmatch: "$" accepts a trailing newline, which would end the dnsmasq line early.
_URL = re.compile(r'https?://[^\s/,#"\\\x00-\x1f\x7f]+(/[^\s,#"\\\x00-\x1f\x7f]*)?')
_LEASE_FILE = re.compile(r'/[^\s,#"\\\x00-\x1f\x7f]*[^\s,#"\\\x00-\x1f\x7f/]')
_CONFIG_PATH = re.compile(r'/[A-Za-z0-9._/+@-]*')
_INTERFACE = re.compile(r'[A-Za-z0-9_.:@-]{1,15}')
# dnsmasq_extra_options: one option per line; dnsmasq reads only up to a NUL byte.
# dnsmasq reads its files with fgets(buff, MAXDNAME = 1025): a longer line is cut, and the rest is read as a line of
# its own. Values are kept well below that, so every line they are written into stays whole.
MAX_VALUE_BYTES = 512
MAX_LINE_BYTES = 1000
_LINE_BREAKS = ('\n', '\r', '\x00', '\x0b', '\x0c', '\x85', '\u2028', '\u2029')
# dnsmasq reads dhcp-lease-max into an int.
LEASE_MAX_LIMIT = 2 ** 31 - 1


class PlanError(ValueError):
    """A setting that cannot make a working, safe PXE server."""


class _Ctx(object):
    def __init__(self, settings, prefix):
        self.settings = settings
        self.prefix = prefix

    def name(self, key):
        # A key that already starts with the prefix is the variable's whole name: the server role's
        # server_address is "server_address", not "server_server_address".
        return key if key.startswith(self.prefix) else self.prefix + key

    def get(self, key, default=None):
        value = self.settings.get(key, default)
        return default if value is None else value

    def fail(self, key, message):
        raise PlanError('%s: %s' % (self.name(key), message))


def _short(value):
    return len(value.encode('utf-8', 'surrogatepass')) <= MAX_VALUE_BYTES


def _tftp_path(ctx, key, value):
    if not isinstance(value, str) or not value.strip():
        ctx.fail(key, 'boot file must be a non-empty string, got %r' % (value,))
    if not _short(value):
        ctx.fail(key, 'boot file %r... is longer than %d bytes' % (value[:40], MAX_VALUE_BYTES))
    if (value.startswith('/') or any(part == '..' for part in value.split('/'))
            or re.search(r'[\s,#"\\\x00-\x1f\x7f\x85\u2028\u2029]', value)):
        ctx.fail(key, 'boot file %r must be a path relative to the boot root, without "..", spaces, commas, "#", quotes, '
                 'backslashes or control characters' % (value,))
    return value


def _arch_rows(ctx):
    names = ctx.get('architectures', [])
    boot_files = ctx.get('boot_files', {})
    direct = ctx.get('direct_architectures', [])
    if not isinstance(direct, (list, tuple)):
        ctx.fail('direct_architectures', 'must be a list of architecture names, got %r' % (direct,))
    for name in direct:
        if name not in names:
            ctx.fail('direct_architectures', '%r is not in %s' % (name, ctx.name('architectures')))
    if not isinstance(names, (list, tuple)):
        ctx.fail('architectures', 'must be a list of architecture names, got %r' % (names,))
    if not isinstance(boot_files, dict):
        ctx.fail('boot_files', 'must be a dict mapping architecture name to boot file, got %r' % (boot_files,))
    for key in boot_files:
        try:
            _arch.by_name(key)
        except _arch.ArchError as exc:
            ctx.fail('boot_files', str(exc))
    rows, seen = [], set()
    for index, name in enumerate(names):
        try:
            arch = _arch.by_name(name)
        except _arch.ArchError as exc:
            ctx.fail('architectures', '[%d] %s' % (index, exc))
        if arch.name in seen:
            ctx.fail('architectures', 'architecture %r is listed twice' % (arch.name,))
        seen.add(arch.name)
        boot_file = boot_files.get(arch.name, boot_files.get(name))
        if not boot_file:
            ctx.fail('boot_files', 'architecture %r is enabled in %s but has no boot file; add e.g. %s: {%s: snponly.efi}'
                     % (arch.name, ctx.name('architectures'), ctx.name('boot_files'), arch.name))
        if arch.transport == 'http':
            if not isinstance(boot_file, str) or not _URL.fullmatch(boot_file) or not _short(boot_file):
                ctx.fail('boot_files', '%s boots over HTTP, so its boot file must be an http(s):// URL, got %r' % (arch.name, boot_file))
        else:
            _tftp_path(ctx, 'boot_files', boot_file)
        rows.append({
            'name': arch.name,
            'tag': 'arch-' + arch.name,
            'codes': list(arch.codes),
            'family': arch.family,
            'transport': arch.transport,
            'csa': arch.dnsmasq_csa,
            # dnsmasq's pxe-service matches one client system type per line: one per code.
            'csas': [_arch.code_row(code).dnsmasq_csa or code for code in arch.codes],
            'boot_file': boot_file,
            # iPXE clients get the script unless the boot file is not iPXE (pxelinux, GRUB): no loop to break.
            'ipxe_script': name not in direct and arch.name not in direct,
        })
    return rows


def _address(ctx, key, required):
    value = ctx.get(key)
    if value is None or value == '':
        if required:
            ctx.fail(key, 'is required')
        return None
    if isinstance(value, str) and '/' in value:
        ctx.fail(key, 'must be an address without a prefix length, got %r' % (value,))
    try:
        return _net.ipv4_address(value, 'address')
    except _net.AddressError:
        ctx.fail(key, 'must be an IPv4 address, got %r' % (value,))


def _network(ctx, required):
    value = ctx.get('network')
    if not value:
        if required:
            ctx.fail('network', 'is required in this DHCP mode (the PXE LAN in CIDR form, e.g. 192.168.50.0/24)')
        return None
    try:
        return _net.dhcp_pool(value, offset=0)
    except _net.AddressError as exc:
        ctx.fail('network', str(exc))


def _pool(ctx):
    try:
        return _net.dhcp_pool(ctx.get('network'), start=ctx.get('pool_start'), end=ctx.get('pool_end'),
                              offset=ctx.get('pool_offset', 10), size=ctx.get('pool_size'))
    except _net.AddressError as exc:
        keys = [k for k in ('pool_start', 'pool_end', 'pool_offset', 'pool_size') if ctx.settings.get(k) is not None]
        raise PlanError('%s: %s' % (', '.join(ctx.name(k) for k in keys) or ctx.name('network'), exc))


def _relay_networks(ctx, mode, network):
    items = ctx.get('relay_networks', [])
    if not isinstance(items, (list, tuple)):
        ctx.fail('relay_networks', 'must be a list of {network, router, pool_start, pool_end, pool_offset, pool_size}')
    if items and mode != 'full':
        ctx.fail('relay_networks', 'serving networks behind a DHCP relay needs dhcp_mode full (this server hands out their addresses)')
    result, seen = [], [network['cidr']] if network else []
    for index, item in enumerate(items):
        label = '[%d]' % index
        if not isinstance(item, dict) or not item.get('network'):
            ctx.fail('relay_networks', '%s must be a dict with at least "network", got %r' % (label, item))
        unknown = set(item) - {'network', 'router', 'pool_start', 'pool_end', 'pool_offset', 'pool_size', 'lease_time'}
        if unknown:
            ctx.fail('relay_networks', '%s has unknown keys %s' % (label, ', '.join(sorted(unknown))))
        try:
            pool = _net.dhcp_pool(item['network'], start=item.get('pool_start'), end=item.get('pool_end'),
                                  offset=item.get('pool_offset', 10), size=item.get('pool_size'))
        except _net.AddressError as exc:
            ctx.fail('relay_networks', '%s %s' % (label, exc))
        for other in seen:
            if _net.ip_in_network(pool['network'], other) or _net.ip_in_network(other.split('/')[0], pool['cidr']):
                ctx.fail('relay_networks', '%s %s overlaps %s' % (label, pool['cidr'], other))
        seen.append(pool['cidr'])
        router = item.get('router')
        if router:
            where = '%s%s.router' % (ctx.name('relay_networks'), label)
            try:
                router = _net.ipv4_address(router, 'router')
            except _net.AddressError as exc:
                raise PlanError('%s: %s' % (where, exc))
            if (not _net.ip_in_network(router, pool['cidr']) or router in (pool['network'], pool['broadcast'])
                    or _ip_between(router, pool['start'], pool['end'])):
                raise PlanError('%s: %s must be a host address inside %s and outside its pool %s-%s'
                                % (where, router, pool['cidr'], pool['start'], pool['end']))
        lease = str(item.get('lease_time') or ctx.get('lease_time', '12h'))
        if not _net.lease_time_ok(lease):
            ctx.fail('relay_networks', '%s lease_time %r must be like 12h, 3600 or infinite' % (label, lease))
        result.append(dict(pool, tag='relay%d' % index, router=router or None, lease_time=lease))
    return result


def _hosts(ctx, network, relays=(), server=None):
    hosts = ctx.get('hosts', [])
    served = ([network] if network else []) + list(relays)
    subnets = [item['cidr'] for item in served]
    # Addresses no host may reserve: each network's own and broadcast address, and the server's.
    reserved = {}
    for item in served:
        reserved[item['network']] = 'the network address of %s' % item['cidr']
        reserved[item['broadcast']] = 'the broadcast address of %s' % item['cidr']
    if server:
        reserved[server] = 'the server address (%s)' % ctx.name('server_address')
    if not isinstance(hosts, (list, tuple)):
        ctx.fail('hosts', 'must be a list of {mac, ip, hostname} entries')
    result, macs, ips = [], {}, {}
    for index, host in enumerate(hosts):
        where = 'hosts'
        label = '[%d]' % index
        if not isinstance(host, dict):
            ctx.fail(where, '%s must be a dict with at least "mac", got %r' % (label, host))
        unknown = set(host) - {'mac', 'ip', 'hostname', 'lease_time'}
        if unknown:
            ctx.fail(where, '%s has unknown keys %s (allowed: mac, ip, hostname, lease_time)'
                     % (label, ', '.join(sorted(repr(key) if not isinstance(key, str) else key for key in unknown))))
        try:
            mac = _net.normalize_mac(host.get('mac'))
        except _net.AddressError as exc:
            ctx.fail(where, '%s %s' % (label, exc))
        if mac in macs:
            ctx.fail(where, '%s MAC %s is also used by entry [%d]' % (label, mac, macs[mac]))
        macs[mac] = index
        ip = host.get('ip')
        if ip:
            try:
                ip = _net.ipv4_address(ip, 'ip')
            except _net.AddressError as exc:
                ctx.fail(where, '%s %s' % (label, exc))
            if ip in reserved:
                ctx.fail(where, '%s ip %s is %s, not a host address' % (label, ip, reserved[ip]))
            if subnets and not any(_net.ip_in_network(ip, cidr) for cidr in subnets):
                ctx.fail(where, '%s ip %s is outside the served networks (%s)' % (label, ip, ', '.join(subnets)))
            if ip in ips:
                ctx.fail(where, '%s ip %s is also used by entry [%d]' % (label, ip, ips[ip]))
            ips[ip] = index
        hostname = host.get('hostname')
        problem = _net.hostname_problem(hostname) if hostname else None
        if problem:
            ctx.fail(where, '%s hostname %s' % (label, problem))
        lease = host.get('lease_time')
        if lease is not None and not _net.lease_time_ok(lease):
            ctx.fail(where, '%s lease_time %r must be like 12h, 3600 or infinite' % (label, lease))
        fields = [mac] + [str(v) for v in (ip, hostname, lease) if v]
        result.append({'mac': mac, 'ip': ip or None, 'hostname': hostname or None,
                       'file': mac.replace(':', '-'), 'line': ','.join(fields)})
    return result


def _lease_file(ctx):
    """The lease file's path, or None for leases kept in memory only (leasefile-ro)."""
    value = ctx.settings.get('lease_file')
    if value is None:
        return '/var/lib/misc/%s.leases' % ctx.get('service_name', 'netboot-pxe-dnsmasq')
    if value == '':
        return None
    if not isinstance(value, str) or not _LEASE_FILE.fullmatch(value) or not _short(value):
        ctx.fail('lease_file', 'must be an absolute file path without spaces or commas (its directory must exist), or "" to keep '
                 'leases in memory only; got %r' % (value,))
    return value


def extra_options(value, var):
    """dnsmasq_extra_options as a list of one-line options; PlanError naming ``var``[N] otherwise.

    Each item becomes one line of dnsmasq.conf: a line break (or a NUL byte, where dnsmasq stops reading)
    would add options the list does not show.
    """
    if value in (None, ''):
        return []
    if not isinstance(value, (list, tuple)):
        raise PlanError('%s: must be a list of dnsmasq options, one per item, got %r' % (var, value))
    result = []
    for index, line in enumerate(value):
        if not isinstance(line, str) or not line.strip():
            raise PlanError('%s[%d]: must be a non-empty string (one dnsmasq option), got %r' % (var, index, line))
        if any(char in line for char in _LINE_BREAKS):
            raise PlanError('%s[%d]: %r holds a line break or NUL byte; give each dnsmasq option as its own item'
                            % (var, index, line))
        if len(line.encode('utf-8', 'surrogatepass')) > MAX_LINE_BYTES:
            raise PlanError('%s[%d]: is longer than %d bytes; dnsmasq would cut it and read the rest as another option'
                            % (var, index, MAX_LINE_BYTES))
        result.append(line.strip())
    return result


def _paths(ctx):
    """Directories the template writes into dnsmasq.conf unquoted (dhcp-hostsdir, tftp-root), when given."""
    for key in ('config_dir', 'boot_root'):
        value = ctx.settings.get(key)
        if value is not None and (not isinstance(value, str) or not _CONFIG_PATH.fullmatch(value) or not _short(value)):
            ctx.fail(key, 'must be an absolute path of letters, digits and . _ / + @ - of at most %d bytes (it is written into '
                     'dnsmasq.conf unquoted), got %r' % (MAX_VALUE_BYTES, value))


def _usable(prefixlen):
    return max(1, 2 ** (32 - int(prefixlen)) - 2)


def _lease_max(ctx, network, relays):
    """dhcp-lease-max: dnsmasq's own default (1000) turns clients away from a larger pool.

    Unset, it is every usable address of the served networks: no lease (pool or
    reservation, wherever pxe_hosts writes them) can lie outside them.
    """
    value = ctx.settings.get('lease_max')
    if value is None or value == '':
        if network is None:
            return None
        return min(LEASE_MAX_LIMIT, _usable(network['prefixlen']) + sum(_usable(relay['prefixlen']) for relay in relays))
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        ctx.fail('lease_max', 'must be a whole number of leases, got %r' % (value,))
    value = int(value)
    if not 1 <= value <= LEASE_MAX_LIMIT:
        ctx.fail('lease_max', 'must be between 1 and %d, got %d; leave it unset for every address of the served networks' % (LEASE_MAX_LIMIT, value))
    return value


def plan(settings, prefix='dnsmasq_'):
    """Validate ``settings`` and return the dnsmasq plan (plain data).

    Raises PlanError whose message starts with the offending variable's name.
    """
    ctx = _Ctx(dict(settings or {}), prefix)
    mode = ctx.get('dhcp_mode', 'none')
    if mode not in MODES:
        ctx.fail('dhcp_mode', 'must be one of %s, got %r' % (', '.join(MODES), mode))
    try:
        allow_full = _flags.to_bool(ctx.get('allow_full_dhcp', False), ctx.name('allow_full_dhcp'))
    except _flags.FlagError as exc:
        raise PlanError(str(exc))
    if mode == 'full' and not allow_full:
        ctx.fail('allow_full_dhcp', 'must be true to run a full DHCP server (dhcp_mode: full). A DHCP server on the wrong '
                 'network takes it over; set it only for a LAN that has no other DHCP server, or use dhcp_mode: proxy')
    interface = ctx.get('interface')
    if mode != 'none' and not interface:
        ctx.fail('interface', 'is required for dhcp_mode %s: name the one interface on the PXE LAN' % mode)
    if interface and (not isinstance(interface, str) or not _INTERFACE.fullmatch(interface) or interface == 'lo'):
        ctx.fail('interface', 'must be one network interface name (not lo), got %r' % (interface,))

    server = _address(ctx, 'server_address', required=True)
    network = _network(ctx, required=mode != 'none')
    if network and server and not _net.ip_in_network(server, network['cidr']):
        ctx.fail('server_address', '%s is outside %s %s' % (server, ctx.name('network'), network['cidr']))
    pool = _pool(ctx) if mode == 'full' else None
    if pool and _ip_between(server, pool['start'], pool['end']):
        ctx.fail('server_address', '%s lies inside the DHCP pool %s-%s; move the pool (pool_offset/pool_start) or the server'
                 % (server, pool['start'], pool['end']))
    lease = ctx.get('lease_time', '12h')
    if not _net.lease_time_ok(lease):
        ctx.fail('lease_time', 'must be like 12h, 3600 or infinite, got %r' % (lease,))
    lease = str(lease)
    router = _address(ctx, 'router', required=False)
    if router and network and (not _net.ip_in_network(router, network['cidr'])
                               or router in (network['network'], network['broadcast'])):
        ctx.fail('router', '%s is not a host address of %s %s; clients could not reach it'
                 % (router, ctx.name('network'), network['cidr']))
    dns = ctx.get('dns_servers', [])
    if not isinstance(dns, (list, tuple)):
        ctx.fail('dns_servers', 'must be a list of IPv4 addresses')
    dns_servers = []
    for index, item in enumerate(dns):
        try:
            # Not pxelinux_hexip: it takes a network in CIDR form, which dnsmasq would hand clients as an address.
            dns_servers.append(_net.ipv4_address(item, '[%d]' % index))
        except _net.AddressError as exc:
            ctx.fail('dns_servers', str(exc))
    script_url = ctx.get('ipxe_script_url')
    if not isinstance(script_url, str) or not _URL.fullmatch(script_url) or not _short(script_url):
        ctx.fail('ipxe_script_url', 'must be the http:// URL of the iPXE boot script, so iPXE clients get the script instead of '
                 'chainloading iPXE again; got %r' % (script_url,))
    arches = _arch_rows(ctx)
    relays = _relay_networks(ctx, mode, network)
    if mode != 'none' and not arches:
        ctx.fail('architectures', 'is empty: no client would get a boot file')
    hosts = _hosts(ctx, network, relays, server)
    lease_max = _lease_max(ctx, network, relays)
    _paths(ctx)
    extra = extra_options(ctx.settings.get('dnsmasq_extra_options'), ctx.name('dnsmasq_extra_options'))
    return {
        'mode': mode,
        'interface': interface,
        'server_address': server,
        'network': network,
        'pool': pool,
        'lease_time': lease,
        'router': router,
        'dns_servers': dns_servers,
        'ipxe_script_url': script_url,
        'architectures': arches,
        'hosts': hosts,
        'relay_networks': relays,
        'lease_file': _lease_file(ctx),
        'extra_options': extra,
        # Only full mode hands out leases; proxyDHCP keeps none.
        'lease_max': lease_max if mode == 'full' else None,
    }


def _ip_between(address, start, end):
    def key(text):
        return tuple(int(part) for part in text.split('.'))
    return key(start) <= key(address) <= key(end)
