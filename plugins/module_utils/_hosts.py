# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-host assignments: validation, the files each loader reads, and a sync that writes only what changed.

A host is a MAC with optional fixed IP, hostname, entry (or ``local``), menu
flag, extra kernel parameters and boot-once. ``validate`` checks a whole list
before anything is written; ``files`` returns every file one host needs
(iPXE script, PXELINUX and GRUB configs, dnsmasq dhcp-hostsdir line);
``sync`` makes the disk match, atomically per file, recording what it wrote in
a state file so it removes only files it created itself.
Private to the collection.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
import os
import re
import tempfile
import time

from ansible_collections.netboot.pxe.plugins.module_utils import _bootstr, _flags, _menu, _net, _render

_KEYS = {'mac', 'ip', 'hostname', 'entry', 'menu', 'cmdline', 'boot_once', 'lease_time'}
MARKER = 'netboot.pxe pxe_hosts'
HEADER = 'Managed by %s; edits are overwritten.' % MARKER
STATE_VERSION = 1


class HostError(ValueError):
    """A host assignment that cannot be served."""


def host_label(var, index, host):
    mac = host.get('mac') if isinstance(host, dict) else None
    name = host.get('hostname') if isinstance(host, dict) else None
    extra = ', '.join(str(v) for v in (mac, name) if v)
    return '%s[%d]%s' % (var, index, (' (%s)' % extra) if extra else '')


def validate(hosts, site, var='hosts'):
    """Check every host against the site; return normalized hosts. Raises HostError naming the host."""
    if hosts is None:
        hosts = []
    if not isinstance(hosts, (list, tuple)):
        raise HostError('%s must be a list of hosts ({mac, ip, hostname, entry, ...}), got %r' % (var, hosts))
    names = set(entry['name'] for entry in site['entries'])
    chains = set(entry['name'] for entry in site['entries'] if entry.get('chain'))
    not_ipxe = sorted(arch for arch, config in site['configs'].items() if config != 'ipxe')
    grub = sorted(arch for arch, config in site['configs'].items() if config == 'grub')
    networks = site.get('networks') or []
    ranges = _net.ipv4_ranges(networks)
    # Addresses no host may reserve: each network's own and broadcast address, the server's and the routers'.
    reserved = {}
    for network, (first, last) in zip(networks, ranges):
        reserved[first] = 'the network address of %s' % network
        reserved[last] = 'the broadcast address of %s' % network
    for address, what in sorted((site.get('reserved') or {}).items()):
        reserved.setdefault(_net.ipv4_int(address), what)
    result, macs, ips, hostnames = [], {}, {}, {}
    for index, host in enumerate(hosts):
        where = host_label(var, index, host)
        if not isinstance(host, dict):
            raise HostError('%s must be a dict with at least "mac", got %r' % (where, host))
        unknown = set(host) - _KEYS
        if unknown:
            # Keys from a YAML host file may be numbers (an unquoted "1:"): name them, do not crash sorting them.
            raise HostError('%s has unknown keys %s (allowed: %s)'
                            % (where, ', '.join(sorted(key if isinstance(key, str) else repr(key) for key in unknown)),
                               ', '.join(sorted(_KEYS))))
        try:
            mac = _net.normalize_mac(host.get('mac'))
        except _net.AddressError as exc:
            raise HostError('%s: %s' % (where, exc))
        if mac in macs:
            raise HostError('%s: MAC %s is also used by %s' % (where, mac, macs[mac]))
        macs[mac] = where
        ip = host.get('ip') or None
        if ip is not None:
            try:
                # Canonical text (surrounding spaces dropped), so " 10.0.0.5" and "10.0.0.5" are one address.
                ip = _net.ipv4_address(ip, 'ip')
            except _net.AddressError as exc:
                raise HostError('%s: %s' % (where, exc))
            number = _net.ipv4_int(ip)
            if number in reserved:
                raise HostError('%s: ip %s is %s, not an address a host can have' % (where, ip, reserved[number]))
            if ranges and not any(first <= number <= last for first, last in ranges):
                raise HostError('%s: ip %s is outside the served networks (%s)' % (where, ip, ', '.join(networks)))
            if ip in ips:
                raise HostError('%s: ip %s is also used by %s' % (where, ip, ips[ip]))
            ips[ip] = where
        hostname = host.get('hostname') or None
        if hostname is not None:
            problem = _net.hostname_problem(hostname)
            if problem:
                raise HostError('%s: hostname %s' % (where, problem))
            if hostname.lower() in hostnames:
                raise HostError('%s: hostname %s is also used by %s' % (where, hostname, hostnames[hostname.lower()]))
            hostnames[hostname.lower()] = where
        lease = host.get('lease_time')
        if lease is not None and not _net.lease_time_ok(lease):
            raise HostError('%s: lease_time %r must be like 12h, 3600 or infinite' % (where, lease))
        entry = host.get('entry') or None
        if entry is not None and not isinstance(entry, str):
            raise HostError('%s: entry must be the name of one entry or "local" (a string), got %s %r'
                            % (where, type(entry).__name__, entry))
        if entry is not None and entry != _menu.LOCAL and entry not in names:
            raise HostError('%s: entry %r is not the name of an entry (names: %s, or local)'
                            % (where, entry, ', '.join(sorted(names)) or 'none'))
        if entry in chains and not_ipxe:
            raise HostError('%s: entry %r chains an iPXE script, which the loaders of %s cannot boot; give the host another entry'
                            % (where, entry, ', '.join(not_ipxe)))
        flags = {}
        for key in ('menu', 'boot_once'):
            try:
                # Strictly: "no" from a host file is false (bool("no") is true), "maybe" an error.
                flags[key] = _flags.to_bool(host.get(key, False), key)
            except _flags.FlagError:
                raise HostError('%s: %s must be true or false (or yes/no, on/off, 1/0), got %r' % (where, key, host.get(key)))
        menu, boot_once = flags['menu'], flags['boot_once']
        if boot_once and (entry in (None, _menu.LOCAL) or menu):
            raise HostError('%s: boot_once needs an entry to boot once (not local, not menu), then the host boots locally' % where)
        cmdline = host.get('cmdline')
        try:
            text = _bootstr.cmdline(cmdline) if cmdline not in (None, '') else ''
        except _bootstr.BootStringError as exc:
            raise HostError('%s: %s' % (where, exc))
        try:
            if text and grub:
                _bootstr.grub_linux_words(text)
        except _bootstr.BootStringError as exc:
            raise HostError('%s: %s (GRUB boots %s)' % (where, exc, ', '.join(grub)))
        if len(text) > 2048:
            raise HostError('%s: cmdline is %d characters; kernels take at most 2048' % (where, len(text)))
        result.append({'mac': mac, 'ip': ip, 'hostname': hostname, 'lease_time': None if lease is None else str(lease),
                       'entry': entry, 'menu': menu, 'cmdline': text, 'boot_once': boot_once})
    return result


def file_names(mac):
    dashed = mac.replace(':', '-')
    return {'ipxe': 'hosts/%s.ipxe' % dashed, 'pxelinux': 'pxelinux.cfg/01-%s' % dashed,
            'grub': 'grub/grub.cfg-01-%s' % dashed, 'dhcp': dashed}


def dhcp_line(host):
    fields = [host['mac']] + [v for v in (host['ip'], host['hostname'], host['lease_time']) if v]
    return ','.join(fields)


def boots(host):
    """Whether the host needs boot files of its own (else it gets the default menu)."""
    return bool(host['entry'] or host['cmdline'])


# Stands for "<mac> (<hostname>)" in renderings shared by hosts with the same assignment: only the
# "# Host ..." comment line differs between them (control characters never pass validation).
_SLOT = '\x00host\x00'
_RENDERERS = (('ipxe', _render.ipxe), ('pxelinux', _render.pxelinux), ('grub', _render.grub))


def files(site, host, done=False, cache=None):
    """{('boot' or 'dhcp', relative path): text} for one host. ``done``: a boot-once host already booted.

    ``cache``: a dict kept across the hosts of one site (as ``plan_sync`` does); hosts with the same
    entry, menu flag and command line then share one rendering per loader.
    """
    names = file_names(host['mac'])
    if cache is None:
        cache = {}
    result = {}
    if boots(host):
        entry = _menu.LOCAL if host['boot_once'] and done else host['entry']
        key = (entry, host['menu'], host['cmdline'])
        renderings = cache.get(key)
        if renderings is None:
            if 'site' not in cache:
                configs = set(site['configs'].values())
                cache['site'] = (dict(site, header=HEADER), [item for item in _RENDERERS if item[0] in configs])
            scoped, renderers = cache['site']
            slot_host = dict(host, mac=_SLOT, hostname=None, entry=entry)
            renderings = cache[key] = [(kind, render(scoped, slot_host)) for kind, render in renderers]
        who = _render.host_who(host)
        for kind, text in renderings:
            if text.count(_SLOT) == 1:
                text = text.replace(_SLOT, who)
            else:  # a site header with the slot in it: render this host on its own
                text = dict(_RENDERERS)[kind](cache['site'][0], dict(host, entry=entry))
            result[('boot', names[kind])] = text
    if host['ip'] or host['hostname'] or host['lease_time']:
        result[('dhcp', names['dhcp'])] = '# %s\n%s\n' % (HEADER, dhcp_line(host))
    return result


def assignment_key(host):
    """What a boot-once assignment is: changing it arms boot-once again."""
    text = json.dumps([host['entry'], host['cmdline'], host['menu']], sort_keys=True)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]


REPORT_PREFIX = '/netboot-pxe/report/'
_REPORT_MAC = re.compile(r'[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}')
_LEASE_MAC = re.compile(r'[0-9a-f]{2}(:[0-9a-f]{2}){5}')


def _address(text):
    """``text`` as a normalized IP address string (IPv4-mapped IPv6 as IPv4), or None when it is not one."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, 'ipv4_mapped', None)
    return str(mapped or address)


def read_reports(path, macs):
    """{mac: [(time, client address), ...]} from the report log, for the MACs in ``macs`` only.

    The log has one line per request, ``<epoch> <client address> <uri>`` (nginx's ``$msec $remote_addr $uri``),
    the uri being ``/netboot-pxe/report/<mac>`` with the MAC in colon or dash form. Lines of any other shape
    (a uri with spaces in it makes more fields) are skipped: they cannot name a client address and a MAC.
    """
    found = {}
    if not path or not macs:
        return found
    try:
        handle = open(path, 'r', encoding='utf-8', errors='replace')
    except FileNotFoundError:
        return found
    except OSError as exc:
        raise HostError('report_log: %s cannot be read (%s); fix its permissions or set report_log to another file'
                        % (path, exc.strerror or exc))
    with handle:
        for line in handle:
            parts = line.split()
            if len(parts) != 3 or not parts[2].startswith(REPORT_PREFIX):
                continue
            tail = parts[2][len(REPORT_PREFIX):].rstrip('/').lower()
            if not _REPORT_MAC.fullmatch(tail):
                continue
            mac = tail.replace('-', ':')
            if mac not in macs:
                continue
            try:
                stamp = float(parts[0])
            except ValueError:
                continue
            address = _address(parts[1])
            if address is not None and not math.isnan(stamp):
                found.setdefault(mac, []).append((stamp, address))
    return found


def read_leases(path):
    """dnsmasq's lease file as ({mac: [(expiry or 0 for infinite, IPv4 address), ...]}, problem).

    ``problem`` is None when the file was read, else why no lease can be trusted (missing, unreadable).
    Lines that are not an IPv4 lease (``<expiry> <mac> <ip> <hostname> <client id>``: IPv6 leases, a
    ``duid`` line, a line cut off while dnsmasq rewrites the file, garbage) are skipped, never trusted.
    """
    if not path:
        return {}, 'there is no lease file to look the address up in (lease_file, server_lease_file for the role, is "")'
    try:
        with open(path, 'r', encoding='utf-8', errors='replace') as handle:
            text = handle.read()
    except FileNotFoundError:
        return {}, 'the lease file %s does not exist' % path
    except OSError as exc:
        return {}, 'the lease file %s cannot be read (%s)' % (path, exc.strerror or exc)
    leases = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 5 or not parts[0].isdigit() or not _LEASE_MAC.fullmatch(parts[1].lower()):
            continue
        try:
            address = ipaddress.IPv4Address(parts[2])
        except ValueError:
            continue
        leases.setdefault(parts[1].lower(), []).append((int(parts[0]), str(address)))
    return leases, None


def report_refusal(host, stamp, address, leases):
    """Why a report of ``host`` at ``stamp`` from ``address`` is not accepted, or None when it is.

    A report counts only from the address the server gave that MAC: its reserved ``ip`` when it has
    one, else an address the lease file ``leases`` (``read_leases``' result) leases to it, unexpired at
    the report's time. Any other client on the LAN could otherwise end another host's installation.
    """
    if host['ip']:
        if address == host['ip']:
            return None
        return 'sent from %s, not from the address reserved for the host (%s)' % (address, host['ip'])
    table, problem = leases
    if problem:
        return 'sent from %s; the host has no reserved ip and %s, so the address cannot be checked' % (address, problem)
    mine = table.get(host['mac'], [])
    if any(leased == address and (expiry == 0 or expiry >= stamp) for expiry, leased in mine):
        return None
    return 'sent from %s, which the lease file does not lease to the host (leased to it: %s)' % (
        address, ', '.join(sorted(set(leased for _expiry, leased in mine))) or 'nothing')


def _digest(data):
    """The digest the state file records for a file's bytes."""
    return hashlib.sha1(data).hexdigest()[:20]


file_digest = _digest  # for _hosts_input, which checks recorded files too


def load_state(path):
    """The state file's content, plus ``written_ns``: its mtime (see ``trusted``)."""
    if not os.path.exists(path):
        return {'version': STATE_VERSION, 'files': {}, 'once': {}, 'written_ns': 0}
    with open(path, 'r', encoding='utf-8') as handle:
        try:
            state = json.load(handle)
        except ValueError as exc:
            raise HostError('state file %s is not valid JSON (%s); move it aside to start over' % (path, exc))
        if isinstance(state, dict):
            state['written_ns'] = os.fstat(handle.fileno()).st_mtime_ns
    if not isinstance(state, dict) or isinstance(state.get('version'), bool) or state.get('version') != STATE_VERSION:
        raise HostError('state file %s has an unknown format; move it aside to start over' % path)
    state.setdefault('files', {})
    state.setdefault('once', {})
    problem = state_problem(state)
    if problem:
        # Nothing is written before this: which files are ours and which hosts already booted once is
        # in this file, so guessing could delete someone else's file or reinstall a host.
        raise HostError('state file %s is damaged: %s; restore it, or move it aside to start over (files written '
                        'before are then left in place and boot-once hosts are armed again)' % (path, problem))
    return state


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def state_problem(state):
    """None when the fields of a loaded state file have the types this code writes; else what is wrong."""
    files, once, inputs = state.get('files'), state.get('once'), state.get('input')
    if not isinstance(files, dict):
        return '"files" must be an object of path: stamp, got %s' % type(files).__name__
    for path, stamp in files.items():
        # A stamp is [size, mtime_ns, digest] as written, or 1 for a kept file not checked in that run.
        if stamp == 1 and not isinstance(stamp, bool):
            continue
        if not (isinstance(stamp, list) and len(stamp) == 3 and _number(stamp[0]) and _number(stamp[1])
                and isinstance(stamp[2], str)):
            return 'files[%s] must be [size, mtime, digest] or 1, got %r' % (json.dumps(path), stamp)
    if not isinstance(once, dict):
        return '"once" must be an object of MAC: boot-once record, got %s' % type(once).__name__
    for mac, record in once.items():
        if not (isinstance(record, dict) and isinstance(record.get('key'), str) and _number(record.get('since'))
                and isinstance(record.get('done'), bool) and ('at' not in record or _number(record['at']))):
            return 'once[%s] must be {key: text, since: time, done: true/false}, got %r' % (json.dumps(mac), record)
    if inputs is not None and not (isinstance(inputs, dict) and isinstance(inputs.get('digest'), str)
                                   and _number(inputs.get('hosts', 0)) and _number(inputs.get('files', 0))):
        return '"input" must be {digest: text, hosts: count, files: count}, got %r' % (inputs,)
    return None


def trusted(stamp, info, state):
    """Whether a file with stat result ``info`` is the one recorded as ``stamp`` without reading it.

    Size and mtime must match, and the mtime must be older than the state file: file times come
    from a clock ticking every few milliseconds, so a file edited in the tick it was written in (at
    or after the state's own write) keeps size and mtime; such a file is read (git's "racy" rule).
    """
    return (isinstance(stamp, list) and info.st_size == stamp[0] and info.st_mtime_ns == stamp[1]
            and info.st_mtime_ns < state.get('written_ns', 0))


def _atomic_write(path, text, mode, uid, gid):
    """Write ``path`` by renaming a complete temporary file over it (readers see the old or the new file).

    Returns the written file's stat result (the rename keeps size and mtime), saving a stat per file.
    """
    directory, base = os.path.split(path)
    # Plain system calls on a fixed temporary name: mkstemp and a text wrapper per file
    # cost more than the write itself when thousands of files are written.
    tmp = os.path.join(directory, '.%s.%d.tmp' % (base, os.getpid()))
    try:
        handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # left by a crashed run with the same process id
        handle, tmp = tempfile.mkstemp(prefix='.%s.' % base, dir=directory)
    try:
        try:
            data = text.encode('utf-8')
            while data:
                data = data[os.write(handle, data):]
            os.fchmod(handle, mode)
            if uid is not None or gid is not None:
                os.fchown(handle, -1 if uid is None else uid, -1 if gid is None else gid)
            info = os.fstat(handle)
        finally:
            os.close(handle)
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    return info


def _read(path):
    try:
        with open(path, 'r', encoding='utf-8', errors='replace') as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _same(path, data):
    """Whether the file at ``path`` holds exactly ``data`` (bytes); False when it does not exist.

    Reads at most one byte more than ``data`` holds, with plain system calls: a no-change
    run compares every managed file, tens of thousands of them.
    """
    try:
        handle = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        chunks, size, want = [], 0, len(data) + 1
        while size < want:
            chunk = os.read(handle, want - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(handle)
    return b''.join(chunks) == data


def plan_sync(site, hosts, roots, state, exclusive=False, reports=None, completed=(), now=None, absent_macs=(), leases=None):
    """Work out what to write and remove. Pure apart from reading the current files.

    ``roots``: {'boot': boot root, 'dhcp': dnsmasq dhcp-hostsdir}. With ``exclusive`` every
    managed file not needed by ``hosts`` goes; without it only those of ``absent_macs``. Returns a dict:
    write {abs path: text}, remove [abs paths], unchanged (count), once (new boot-once
    state), flipped [macs that reported and now boot locally], ignored_reports [reports of
    waiting boot-once hosts refused by ``report_refusal``: {mac, address, count, last, reason}].
    ``reports``: the report log; ``leases``: dnsmasq's lease file (None or "": none).
    """
    now = time.time() if now is None else now
    completed = set(_net.normalize_mac(mac) for mac in completed)
    macs = set(host['mac'] for host in hosts)
    reported = read_reports(reports, set(host['mac'] for host in hosts if host['boot_once']))
    lease_info = None  # read_leases(leases): once, and only when a report has to be checked against it
    old_once = state.get('once', {})
    absent = set(_net.normalize_mac(mac) for mac in absent_macs)
    # Without exclusive, hosts not listed keep their boot-once record.
    once = {} if exclusive else dict((mac, rec) for mac, rec in old_once.items() if mac not in absent and mac not in macs)
    flipped, ignored = [], {}
    wanted = {}
    cache = {}
    for host in hosts:
        done = False
        if host['boot_once']:
            key = assignment_key(host)
            record = old_once.get(host['mac'])
            if not record or record.get('key') != key:
                record = {'key': key, 'since': now, 'done': False}
            else:
                record = dict(record)
            accepted = False
            if not record['done']:
                for stamp, address in reported.get(host['mac'], ()):
                    if stamp <= record['since']:
                        continue
                    if lease_info is None and not host['ip']:
                        lease_info = read_leases(leases)
                    reason = report_refusal(host, stamp, address, lease_info)
                    if reason is None:
                        accepted = True
                        continue
                    seen = ignored.setdefault((host['mac'], address), {'mac': host['mac'], 'address': address, 'count': 0,
                                                                       'last': stamp, 'reason': reason})
                    seen['count'] += 1
                    if stamp >= seen['last']:
                        seen['last'], seen['reason'] = stamp, reason
            if not record['done'] and (host['mac'] in completed or accepted):
                record['done'] = True
                record['at'] = now
                flipped.append(host['mac'])
            once[host['mac']] = record
            done = record['done']
        for (root, rel), text in files(site, host, done=done, cache=cache).items():
            wanted[os.path.join(roots[root], rel)] = text
    write, unchanged, records = {}, 0, {}
    known = state.get('files', {})
    for path, text in wanted.items():
        data = text.encode('utf-8')
        digest = _digest(data)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            write[path] = text
            continue
        stamp = [info.st_size, info.st_mtime_ns, digest]
        # The state remembers size, mtime and digest of what was written: when all three still hold,
        # the file is ours and current without reading it (a rerun over 10,000 hosts stays cheap).
        if (known.get(path) == stamp and trusted(stamp, info, state)) or _same(path, data):
            unchanged += 1
            records[path] = stamp
        else:
            write[path] = text
    remove = []
    for path in sorted(state.get('files', {})):
        if path in wanted or not os.path.lexists(path):
            continue
        owner = _owner(path)
        if exclusive or owner in absent:
            current = _read(path)
            # Only files that still carry our marker: a file someone replaced by hand is theirs.
            if current is not None and _marked(current):
                remove.append(path)
        else:
            wanted[path] = None
            records[path] = state['files'][path]
    return {'wanted': wanted, 'write': write, 'remove': remove, 'unchanged': unchanged, 'once': once, 'flipped': flipped,
            'records': records, 'ignored_reports': [ignored[key] for key in sorted(ignored)]}


def _owner(path):
    """The MAC a managed file belongs to, from its name."""
    base = os.path.basename(path)
    for prefix in ('grub.cfg-01-', '01-'):
        if base.startswith(prefix):
            base = base[len(prefix):]
    if base.endswith('.ipxe'):
        base = base[:-5]
    return base.replace('-', ':').lower()


def _marked(text):
    head = text.split('\n', 3)[:3]
    return any(MARKER in line for line in head)


def apply_sync(plan, state_path, mode=0o644, uid=None, gid=None, inputs=None):
    """Write and remove what ``plan_sync`` decided, then save the state. Returns the new state.

    ``inputs``: what the state records about this run's input (``_hosts_input``), or None.
    """
    ready, written = set(), {}
    for path, text in plan['write'].items():
        directory = os.path.dirname(path)
        if directory not in ready:
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o755)
            ready.add(directory)
        written[path] = _atomic_write(path, text, mode, uid, gid)
    for path in plan['remove']:
        os.unlink(path)
    removed = set(plan['remove'])
    files_state = {}
    for path in plan['wanted']:
        if path in removed:
            continue
        if path in plan['write']:
            info = written[path]
            files_state[path] = [info.st_size, info.st_mtime_ns, _digest(plan['write'][path].encode('utf-8'))]
        else:
            # Kept files: unchanged ones with their stamp, others (not ours to check this run) as known.
            files_state[path] = plan['records'].get(path, 1)
    state = {'version': STATE_VERSION, 'files': files_state, 'once': plan['once']}
    if plan.get('ignored_reports'):
        # Shown again by a run that takes the no-change shortcut (same reports, same leases).
        state['ignored_reports'] = plan['ignored_reports']
    if inputs is not None:
        state['input'] = inputs
    directory = os.path.dirname(state_path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    # No indent: json's C encoder then does the work (the pure-Python one costs about a second at 10,000 hosts).
    _atomic_write(state_path, json.dumps(state, sort_keys=True, separators=(',', ':')) + '\n', 0o600, None, None)
    return state
