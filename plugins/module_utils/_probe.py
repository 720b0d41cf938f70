# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pxe_probe module's logic: probe a PXE server as its clients would (DHCP per architecture, then the boot file).

``probe`` takes the module's parameters and returns (result, failures); the module only parses options and
reports. The packets and transfers themselves are ``_pxeproto``'s. Private to the collection.
"""

from __future__ import annotations

import errno
import posixpath
import urllib.parse

from ansible_collections.netboot.pxe.plugins.module_utils import _arch
from ansible_collections.netboot.pxe.plugins.module_utils import _pxeproto


class ProbeError(Exception):
    """A probe failure whose message starts with the option to look at."""


def resolve_arch(value, option):
    """(canonical name, option 93 code) for a name or a numeric code; ProbeError naming ``option``."""
    text = str(value).strip()
    try:
        if text[:1].isdigit():
            code = _arch.parse_code(text)
            return _arch.by_code(code).name, code
        arch = _arch.by_name(text)
    except _arch.ArchError as exc:
        raise ProbeError('%s: %s' % (option, exc))
    return arch.name, arch.codes[0]


def plan_arches(params):
    """The (name, code, expected boot file or None) list to probe, in order."""
    expect = {}
    for key, value in (params['expect'] or {}).items():
        if not isinstance(value, str) or not value:
            raise ProbeError('expect: the boot file for %r must be a non-empty string, got %r' % (key, value))
        expect[resolve_arch(key, 'expect')] = value
    wanted = [resolve_arch(value, 'arch') for value in params['arch'] or []]
    if not wanted and not expect:
        wanted = [('bios', 0)]
    for key in expect:
        if key not in wanted:
            wanted.append(key)
    result = []
    for name, code in wanted:
        result.append((name, code, expect.get((name, code), params['expect_boot_file'])))
    return result


def vendor_class(setting, name, code):
    if setting == 'auto':
        return _pxeproto.vendor_class_for('HTTPClient' if _arch.by_name(name).transport == 'http' else 'PXEClient', code)
    if setting in _pxeproto.VENDOR_CLASS_FORMATS:
        return _pxeproto.vendor_class_for(setting, code)
    if setting == 'none':
        return None
    return setting


def is_address_offer(reply):
    return reply['msg_type'] == 'OFFER' and reply['yiaddr'] != '0.0.0.0' and reply.get('src_port', 67) == 67


def is_proxy_offer(reply):
    return (reply['msg_type'] == 'OFFER' and reply['yiaddr'] == '0.0.0.0'
            and (reply['vendor_class'] or '').startswith(('PXEClient', 'HTTPClient')))


def server_of(reply):
    return reply['server_id'] or reply.get('src')


def next_server(reply):
    """Where a client fetches a boot file name from: siaddr, else option 66, else the server."""
    if reply['siaddr'] != '0.0.0.0':
        return reply['siaddr']
    return reply['tftp_server'] or server_of(reply)


def boot_target(proxy):
    """(boot server address, option 43 to send or None) for a proxyDHCP offer's port 4011 request."""
    servers = _pxeproto.suboption(proxy, 'PXE_BOOT_SERVERS') or []
    menu = _pxeproto.suboption(proxy, 'PXE_BOOT_MENU') or []
    item = menu[0]['type'] if menu else None
    address = None
    for entry in servers:
        if (item is None or entry['type'] == item) and entry['ips']:
            address = entry['ips'][0]
            break
    if address is None:
        address = proxy['siaddr'] if proxy['siaddr'] != '0.0.0.0' else server_of(proxy)
    return address, (_pxeproto.pxe_boot_item(item) if item is not None else None)


def choose_boot(offers, ack=None, boot_server=None):
    """What a PXE client would boot from these replies: (reply, source) or (None, None).

    An address offer with a boot file wins (full DHCP; its ACK when we requested it), then a proxyDHCP offer with a
    boot file, then the boot server's (port 4011) answer.
    """
    for reply in offers:
        if is_address_offer(reply) and reply['bootfile']:
            if ack is not None and ack['msg_type'] == 'ACK' and server_of(ack) == server_of(reply) and ack['bootfile']:
                return ack, 'dhcp'
            return reply, 'dhcp'
    for reply in offers:
        if is_proxy_offer(reply) and reply['bootfile']:
            return reply, 'proxy'
    if boot_server is not None and boot_server['bootfile']:
        return boot_server, 'boot-server'
    return None, None


def boot_summary(reply, source):
    if reply is None:
        return None
    return {'boot_file': reply['bootfile'], 'next_server': next_server(reply), 'server': server_of(reply),
            'source': source}


def find_rogues(address_servers, allowed):
    if allowed:
        return [server for server in address_servers if server not in allowed]
    return list(address_servers) if len(address_servers) > 1 else []


def manifest_location(setting, protocol, boot_url, server):
    """(kind 'tftp'/'http', host or URL, path) of the manifest, or None for none; 'auto' follows the boot file."""
    if setting == 'none':
        return None
    if setting == 'auto':
        if protocol == 'http':
            parts = urllib.parse.urlsplit(boot_url)
            return 'http', urllib.parse.urlunsplit((parts.scheme, parts.netloc, '/SHA256SUMS', '', '')), None
        return 'tftp', server, 'SHA256SUMS'
    parts = urllib.parse.urlsplit(setting)
    if parts.scheme in ('http', 'https'):
        return 'http', setting, None
    if parts.scheme == 'tftp' and parts.hostname:
        return 'tftp', parts.hostname, parts.path.lstrip('/') or 'SHA256SUMS'
    raise ProbeError('manifest_url: %r is not auto, none, an http(s):// URL or tftp://HOST/PATH' % setting)


def manifest_names(protocol, boot_file, url):
    """Names the boot file may have in a manifest at the boot root: its path, then its base name."""
    path = urllib.parse.urlsplit(url).path if protocol == 'http' else boot_file
    path = posixpath.normpath('/' + path).lstrip('/')
    return [path, posixpath.basename(path)]


class Prober(object):
    """One module run: sends the probes and collects the results."""

    def __init__(self, params, warn=None):
        self.params = params
        self.warn = warn or (lambda message: None)
        self.iface = params['interface']
        self.mac = None
        self.address = None

    def dhcp(self, code, name, **kwargs):
        params = self.params
        user_class = 'iPXE' if params['user_class'] == 'iPXE' else None
        try:
            return _pxeproto.dhcp_probe(
                self.iface, self.mac, arch=code, vendor_class=vendor_class(params['vendor_class'], name, code),
                user_class=user_class, ipxe_175=user_class is not None, exclusive=True, **kwargs)
        except _pxeproto.Port68InUse:
            raise ProbeError(
                'interface: cannot listen for DHCP replies: UDP port 68 (the DHCP client port) is held by another program '
                'on this host, most likely a DHCP client daemon (dhclient, dhcpcd); run the probe from another host on the '
                'LAN, or where no DHCP client listens on all interfaces')
        except PermissionError:
            raise ProbeError('interface: binding UDP port 68 on %s needs root (become: true)' % self.iface)
        except OSError as exc:
            if exc.errno == errno.ENETUNREACH:
                raise ProbeError('interface: %s cannot send (is it up, and has it a route for the request?): %s'
                                 % (self.iface, exc))
            raise ProbeError('interface: probing on %s failed: %s' % (self.iface, exc))

    def follow(self, code, name, proxy):
        """Ask a proxyDHCP offer's boot server on port 4011; (reply or None, note or None)."""
        if self.address is None:
            return None, ('%s has no IPv4 address, which a port 4011 request needs (the boot server answers by unicast); '
                          'not asked' % self.iface)
        server, option43 = boot_target(proxy)
        extra = [(43, option43)] if option43 else None
        replies = self.dhcp(code, name, msg_type='REQUEST', ciaddr=self.address, server=server, port=4011,
                            timeout=self.params['timeout'], extra_options=extra,
                            until=lambda got: any(r['msg_type'] in ('ACK', 'NAK') for r in got))
        for reply in replies:
            if reply['msg_type'] == 'ACK':
                return reply, None
        return None, 'boot server %s did not answer on port 4011 within %ss' % (server, self.params['timeout'])

    def request(self, code, name, offer):
        server = server_of(offer)
        replies = self.dhcp(code, name, msg_type='REQUEST', requested_ip=offer['yiaddr'], server_id=server,
                            timeout=self.params['timeout'],
                            until=lambda got: any(server_of(r) == server and r['msg_type'] in ('ACK', 'NAK') for r in got))
        for reply in replies:
            if server_of(reply) == server and reply['msg_type'] in ('ACK', 'NAK'):
                return reply
        return None

    def release(self, code, name, ack):
        try:
            self.dhcp(code, name, msg_type='RELEASE', ciaddr=ack['yiaddr'], server_id=server_of(ack), server=server_of(ack),
                      timeout=0)
        except ProbeError as exc:
            self.warn('release: could not give lease %s back to %s: %s' % (ack['yiaddr'], server_of(ack), exc))

    def probe(self, name, code):
        params = self.params
        result = {'arch': name, 'arch_code': code, 'vendor_class': vendor_class(params['vendor_class'], name, code),
                  'user_class': 'iPXE' if params['user_class'] == 'iPXE' else None, 'ack': None, 'boot_server': None,
                  'boot_server_note': None, 'fetch': None}
        offers = self.dhcp(code, name, timeout=params['timeout'])
        result['offers'] = [_pxeproto.describe_offer(reply) for reply in offers]
        ack = boot_server = None
        if params['request']:
            chosen = [r for r in offers if is_address_offer(r) and r['bootfile']] or [r for r in offers if is_address_offer(r)]
            if chosen:
                ack = self.request(code, name, chosen[0])
                result['ack'] = _pxeproto.describe_offer(ack) if ack else None
                if ack is not None and ack['msg_type'] == 'ACK' and params['release']:
                    self.release(code, name, ack)
        boot, source = choose_boot(offers, ack)
        if boot is None and params['follow_proxy']:
            proxies = [r for r in offers if is_proxy_offer(r) and not r['bootfile']]
            if proxies:
                boot_server, result['boot_server_note'] = self.follow(code, name, proxies[0])
                result['boot_server'] = _pxeproto.describe_offer(boot_server) if boot_server else None
                boot, source = choose_boot(offers, ack, boot_server)
        result['boot'] = boot_summary(boot, source)
        return offers, result

    def run(self):
        params = self.params
        if not _pxeproto.interface_exists(self.iface):
            raise ProbeError('interface: no network interface named %r on this host' % self.iface)
        try:
            self.mac = _pxeproto.normalize_mac(params['mac']) if params['mac'] else _pxeproto.random_mac()
        except ValueError as exc:
            raise ProbeError('mac: %s' % exc)
        arches = plan_arches(params)
        if params['fetch'] == 'none' and params['manifest_url'] not in ('auto', 'none'):
            raise ProbeError('manifest_url: needs fetch (the boot file to check against it)')
        manifest_location(params['manifest_url'], 'tftp', '', '')  # refuses a bad URL before anything is sent
        if not 0 <= params['blksize'] <= 65464 or 0 < params['blksize'] < 8:
            raise ProbeError('blksize: must be 8..65464 (RFC 2348), or 0 for no options')
        if params['timeout'] <= 0 or params['fetch_timeout'] <= 0:
            raise ProbeError('timeout: must be more than 0 seconds' if params['timeout'] <= 0
                             else 'fetch_timeout: must be more than 0 seconds')
        self.address = _pxeproto.interface_ipv4(self.iface)
        results, address_servers, proxy_servers, failures = [], [], [], []
        for name, code, expected in arches:
            offers, result = self.probe(name, code)
            for reply in offers:
                target = address_servers if is_address_offer(reply) else proxy_servers if is_proxy_offer(reply) else None
                if target is not None and server_of(reply) not in target:
                    target.append(server_of(reply))
            if params['fetch'] != 'none' and result['boot']:
                result['fetch'] = self.fetch(name, code, result['boot'])
            result['expected_boot_file'] = expected
            result['ok'] = None
            if expected is not None:
                got = (result['boot'] or {}).get('boot_file')
                result['ok'] = got == expected
                if not result['ok']:
                    failures.append(self.mismatch(name, code, expected, result, offers))
            results.append(result)
        rogues = find_rogues(address_servers, params['allowed_dhcp_servers'])
        return {
            'changed': False, 'mac': self.mac, 'interface': self.iface, 'interface_address': self.address,
            'probes': results, 'dhcp_servers': address_servers, 'proxy_servers': proxy_servers,
            'rogue_dhcp': bool(rogues), 'rogue_servers': rogues,
        }, failures

    def mismatch(self, name, code, expected, result, offers):
        option = 'expect' if self.params['expect'] and expected != self.params['expect_boot_file'] else 'expect_boot_file'
        what = '%s: %s (option 93 code %d) clients would ' % (option, name, code)
        boot = result['boot']
        if boot:
            return what + 'boot %r (from %s, %s), not %r' % (boot['boot_file'], boot['server'], boot['source'], expected)
        if not offers:
            return what + 'get no DHCP reply at all within %ss on %s, not boot file %r' % (
                self.params['timeout'], self.iface, expected)
        note = ('; %s' % result['boot_server_note']) if result['boot_server_note'] else ''
        return what + 'get no boot file (%d replies from %s), not %r%s' % (
            len(offers), ', '.join(sorted(set(str(server_of(r)) for r in offers))), expected, note)

    def fetch(self, name, code, boot):
        params = self.params
        boot_file = boot['boot_file']
        is_url = '://' in boot_file
        protocol = params['fetch']
        if protocol == 'auto':
            protocol = 'http' if is_url else 'tftp'
        if protocol == 'tftp' and is_url:
            raise ProbeError('fetch: %s clients get the URL %s, which is not a TFTP file; use fetch: auto or http'
                             % (name, boot_file))
        if is_url and urllib.parse.urlsplit(boot_file).scheme not in ('http', 'https'):
            raise ProbeError('fetch: %s clients get %s, which can be fetched neither by HTTP nor TFTP' % (name, boot_file))
        server = boot['next_server']
        url = boot_file if is_url else 'http://%s/%s' % (server, boot_file.lstrip('/'))
        result = {'protocol': protocol, 'url': url if protocol == 'http' else 'tftp://%s/%s' % (server, boot_file.lstrip('/'))}
        data = self.download(protocol, server, boot_file, url, 'fetch', result)
        result.update(size=len(data), sha256=_pxeproto.sha256(data), manifest_url=None, manifest_sha256=None,
                      verified=None, note=None)
        self.verify(protocol, server, boot_file, url, result)
        return result

    def download(self, protocol, server, path, url, option, info=None):
        params = self.params
        if protocol == 'http':
            try:
                status, _headers, body = _pxeproto.http_get(url, timeout=params['fetch_timeout'])
            except (OSError, ValueError) as exc:
                raise ProbeError('%s: HTTP GET %s failed: %s' % (option, url, exc))
            if info is not None:
                info['status'] = status
            if status >= 400:
                raise ProbeError('%s: HTTP GET %s answered status %d' % (option, url, status))
            return body
        try:
            transfer = _pxeproto.tftp_transfer(server, path, timeout=params['fetch_timeout'],
                                               blksize=params['blksize'] or None, tsize=bool(params['blksize']))
        except (_pxeproto.TftpError, OSError) as exc:
            raise ProbeError('%s: TFTP download of %s from %s failed: %s' % (option, path, server, exc))
        if info is not None:
            info.update(blksize=transfer['blksize'], tsize=transfer['tsize'])
        return transfer['data']

    def verify(self, protocol, server, boot_file, url, result):
        setting = self.params['manifest_url']
        where = manifest_location(setting, protocol, url, server)
        if where is None:
            result['note'] = 'manifest_url is none: not checked'
            return
        kind, location, path = where
        result['manifest_url'] = location if kind == 'http' else 'tftp://%s/%s' % (location, path)
        text = self.download(kind, location, path, location, 'manifest_url').decode('utf-8', 'replace')
        manifest = _pxeproto.parse_manifest(text)
        for candidate in manifest_names(protocol, boot_file, url):
            if candidate in manifest:
                result['manifest_sha256'] = manifest[candidate]
                break
        else:
            message = '%s does not list %s' % (result['manifest_url'], boot_file)
            if setting != 'auto':
                raise ProbeError('manifest_url: %s' % message)
            result['note'] = message + ': not checked'
            return
        result['verified'] = result['manifest_sha256'] == result['sha256']
        if not result['verified']:
            raise ProbeError('fetch: %s from %s has sha256 %s, but the manifest %s says %s' % (
                boot_file, server if protocol == 'tftp' else url, result['sha256'], result['manifest_url'],
                result['manifest_sha256']))


def rogue_message(result, iface, allowed):
    """The warning (or failure) text for a probe that met more than one address-giving DHCP server."""
    if allowed:
        return 'rogue DHCP server(s) on %s: %s hand out addresses (allowed: %s)' % (
            iface, ', '.join(result['rogue_servers']), ', '.join(allowed))
    return ('rogue DHCP server? %d servers hand out addresses on %s: %s; name the legitimate one(s) in '
            'allowed_dhcp_servers' % (len(result['dhcp_servers']), iface, ', '.join(result['dhcp_servers'])))


def probe(params, warn=None):
    """Run every probe ``params`` asks for: (result, failures). Raises ProbeError naming the option (its ``mac`` attribute: the MAC probed)."""
    warn = warn or (lambda message: None)
    prober = Prober(params, warn=warn)
    try:
        result, failures = prober.run()
    except ProbeError as exc:
        exc.mac = prober.mac
        raise
    if result['rogue_dhcp']:
        message = rogue_message(result, prober.iface, params['allowed_dhcp_servers'])
        if params['fail_on_rogue']:
            failures.append('fail_on_rogue: ' + message)
        else:
            warn(message)
    return result, failures
