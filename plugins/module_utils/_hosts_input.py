# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where pxe_hosts' host list comes from, and whether anything changed since the last run.

``parse_hosts_file`` reads a host list the user shipped as one YAML or JSON file
(no 10,000-element module argument for ansible-playbook to template and send).
``input_digest`` summarizes everything a run's files depend on (code, site, hosts,
options, pending boot-once reports); ``verify`` says whether the state file
records that same digest and every managed file still has the size and mtime
recorded when it was written: then the files are current and neither validation
nor rendering is needed. Any doubt (a file deleted or edited, a new report, a
changed option or collection upgrade) means the full run.
Private to the collection.
"""

from __future__ import annotations

import hashlib
import json
import os
import re

from ansible_collections.netboot.pxe.plugins.module_utils import _arch, _bootstr, _flags, _hosts, _menu, _net, _render

try:
    import yaml
except ImportError:  # the target may lack PyYAML; JSON host files still work
    yaml = None

# Bumped when what the digest covers changes meaning.
_DIGEST_VERSION = 1
_MODULE_UTILS = (_hosts, _render, _menu, _bootstr, _net, _arch, _flags)


def _yaml_loader():
    """A safe loader without YAML 1.1's base-60 integers: an unquoted 52:54:00:12:34:56 stays a MAC string."""
    base = getattr(yaml, 'CSafeLoader', None) or yaml.SafeLoader

    class Loader(base):  # pylint: disable=too-many-ancestors
        pass

    int_tag = 'tag:yaml.org,2002:int'
    Loader.yaml_implicit_resolvers = dict(
        (first, [(tag, regexp) for tag, regexp in resolvers if tag != int_tag])
        for first, resolvers in base.yaml_implicit_resolvers.items())
    Loader.add_implicit_resolver(int_tag, re.compile(r'''^(?:[-+]?0b[0-1_]+
                                                         |[-+]?0[0-7_]+
                                                         |[-+]?(?:0|[1-9][0-9_]*)
                                                         |[-+]?0x[0-9a-fA-F_]+)\Z''', re.X), list('-+0123456789'))
    return Loader


def read_hosts_file(path, var='hosts_file'):
    """The bytes of the host file (hashed for the digest; parsed only when a full run is needed)."""
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except OSError as exc:
        hint = 'copy the host list to the server first, or give it as hosts_src' if var == 'hosts_file' else 'run again'
        raise _hosts.HostError('%s: cannot read %s (%s); %s' % (var, path, exc.strerror, hint))


def parse_hosts_file(path, data, var='hosts_file'):
    """The host list in ``data`` (bytes of the file ``path`` names; ``var``: the option, both for messages):
    JSON, or YAML when PyYAML is installed on the target."""
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as exc:
        raise _hosts.HostError('%s: %s is not UTF-8 text (%s)' % (var, path, exc))
    if text.lstrip()[:1] in ('[', '{'):
        try:
            hosts = json.loads(text)
        except ValueError as exc:
            raise _hosts.HostError('%s: %s is not valid JSON: %s' % (var, path, exc))
    elif yaml is None:
        raise _hosts.HostError('%s: %s is not JSON and PyYAML is not installed on this host; '
                               'write it as JSON (for example with the to_json filter) or install PyYAML' % (var, path))
    else:
        try:
            hosts = yaml.load(text, Loader=_yaml_loader())  # nosec B506 - a safe loader
        except yaml.YAMLError as exc:
            raise _hosts.HostError('%s: %s is not valid YAML: %s' % (var, path, exc))
    if hosts is None:
        return []
    if not isinstance(hosts, list):
        raise _hosts.HostError('%s: %s must hold a list of hosts ({mac, ip, hostname, entry, ...}), got a %s'
                               % (var, path, type(hosts).__name__))
    return hosts


def code_fingerprint():
    """Digest of the code that validates and renders host files, or None when its source is not readable.

    Part of the input digest: after a collection upgrade the first run renders everything again
    instead of trusting files the old code wrote.
    """
    digest = hashlib.sha256()
    for module in _MODULE_UTILS:
        loader = getattr(module, '__loader__', None)
        try:
            source = loader.get_source(module.__name__)
        except Exception:  # pylint: disable=broad-except
            # Any loader failure only disables the shortcut.
            source = None
        if source is None:
            return None
        digest.update(source.encode('utf-8'))
    return digest.hexdigest()


def _pending(once):
    """Whether a boot-once host still waits for its report (then new reports can change files)."""
    return any(not record.get('done') for record in once.values())


def _stat(path):
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return 'missing'
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def input_digest(parts, once, report_log, lease_file=None):
    """Digest of ``parts`` (JSON-able: code, site bytes digest, hosts, options) and, while a boot-once
    host waits for its report (``once``: boot-once state), of the report log's size, mtime and inode,
    and the lease file's (a report is checked against the leases: a new lease can make it count)."""
    report = None
    if report_log and _pending(once):
        report = _stat(report_log)
        if lease_file:
            report = [report, _stat(lease_file)]
    text = json.dumps([_DIGEST_VERSION, parts, report], sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def hosts_digest(source):
    """Digest of the hosts as given: a host file's bytes or the ``hosts`` argument."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    return hashlib.sha256(json.dumps(source, sort_keys=True, separators=(',', ':')).encode('utf-8')).hexdigest()


def _same_digest(path, info, stamp):
    """For files too recent to trust by size and mtime: same size, mtime and content digest."""
    if info.st_size != stamp[0] or info.st_mtime_ns != stamp[1]:
        return False
    try:
        with open(path, 'rb') as handle:
            return _hosts.file_digest(handle.read()) == stamp[2]
    except OSError:
        return False


def verify(state, parts, report_log, lease_file=None):
    """Number of managed files still exactly as last written, when the state records this input; else None.

    A file counts only when its size and mtime (nanoseconds) equal those recorded after writing it
    (or, written in the state's last clock tick, when its content has the recorded digest): a deleted,
    replaced or edited file sends the run down the full path, which puts it right.
    """
    recorded = state.get('input')
    if not isinstance(recorded, dict) or recorded.get('digest') != input_digest(parts, state.get('once', {}), report_log, lease_file):
        return None
    count = 0
    for path, stamp in state.get('files', {}).items():
        if not isinstance(stamp, list):  # a kept file of a host not listed (exclusive=false): not this input's
            continue
        try:
            info = os.stat(path)
        except OSError:
            return None
        if not _hosts.trusted(stamp, info, state) and not _same_digest(path, info, stamp):
            return None
        count += 1
    return count
