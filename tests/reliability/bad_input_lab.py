# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the reliability tests look at on the lab server: its live state (snapshots), its service as clients see it, ad-hoc module runs.

Kept apart from the test file so the case tables read on their own.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

from lab import netlab

REPO = pathlib.Path(__file__).resolve().parents[2]
PROBES = REPO / 'tests' / 'lab' / 'probes.py'

# Every file the server's configuration lives in (listing with type, mode, owner, size, link target; then
# contents), the services' process ids and states, and nginx's workers (a reload replaces them).
# One ssh call; the boot root holds one kernel and initrd, so hashing it all stays cheap.
TREES = '/etc/netboot-pxe /srv/netboot /var/lib/netboot-pxe /etc/nginx/sites-available /etc/nginx/sites-enabled'
# What a restart of the services (or the container) must leave alone: the same, plus the units the roles wrote.
UNIT_FILES = '/etc/systemd/system/netboot-pxe-dnsmasq.service /etc/systemd/system/nginx.service.d'
SERVICES = (
    "systemctl show -p Id -p MainPID -p ActiveState -p SubState -p ExecMainStartTimestampMonotonic "
    "netboot-pxe-dnsmasq nginx; "
    "echo nginx workers: $(ps -o pid= --ppid \"$(systemctl show -p MainPID --value nginx)\" | sort -n)"
)


def files_command(trees):
    """A shell command listing every file under ``trees`` (type, mode, owner, size, link target), then their sha256."""
    return ("find %(trees)s -printf '%%p %%y %%m %%U %%s %%l\\n' | LC_ALL=C sort; "
            "find %(trees)s -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum") % {'trees': trees}


LIVE_STATE = files_command(TREES) + '; ' + SERVICES


def live_state(pxe_server):
    """The server's live configuration, files and services as one text (compare before and after)."""
    return pxe_server.ssh(LIVE_STATE)


def files_state(pxe_server, trees=TREES + ' ' + UNIT_FILES):
    """The files under ``trees`` only (for cases that restart the services on purpose)."""
    return pxe_server.ssh(files_command(trees))


def differences(before, after, limit=6):
    """'' when the two snapshots are identical, else the lines only one of them has (at most ``limit``)."""
    if before == after:
        return ''
    changed = sorted(set(before.splitlines()) ^ set(after.splitlines()))
    return '; '.join(changed[:limit]) or 'the order of lines changed'


def role_variables():
    """Every role variable the collection declares (roles/*/meta/argument_specs.yml), sorted."""
    import yaml  # pylint: disable=import-outside-toplevel
    names = set()
    for path in sorted((REPO / 'roles').glob('*/meta/argument_specs.yml')):
        for spec in (yaml.safe_load(path.read_text()) or {}).get('argument_specs', {}).values():
            names.update((spec or {}).get('options', {}))
    return sorted(names)


def served(pxe_server, path='boot.ipxe'):
    """``path`` fetched from the PXE LAN as a client would, over TFTP and HTTP: {'tftp': sha256, 'http': sha256} or errors."""
    lab = pxe_server.lab
    result = {}
    for kind, args in (('tftp', ['tftp', netlab.SERVER_IP, path]), ('http', ['http', 'http://%s/%s' % (netlab.SERVER_IP, path)])):
        proc = subprocess.run(['ip', 'netns', 'exec', lab.lan_ns, sys.executable, str(PROBES)] + args,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
        try:
            reply = json.loads(proc.stdout)
        except ValueError:
            reply = {'error': proc.stderr.strip()[-300:] or 'no output'}
        result[kind] = reply.get('sha256') or 'error: %s' % reply.get('error')
    return result


def file_sha256(state, path):
    """The sha256 that ``live_state`` recorded for ``path``."""
    for line in state.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == path and len(parts[0]) == 64:
            return parts[0]
    return None


def run_module(pxe_server, module, args, work_dir):
    """``ansible pxe_servers -m netboot.pxe.<module> -a <json args>`` against the lab server; the CompletedProcess."""
    work_dir = pathlib.Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    command = shutil.which('ansible', path=os.path.dirname(sys.executable)) or 'ansible'
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', ANSIBLE_HOST_KEY_CHECKING='False')
    if REPO.parent.parent.name == 'ansible_collections':
        # Run from a collection tree: load this very copy of the collection (as server.PxeServer.apply does).
        env['ANSIBLE_COLLECTIONS_PATH'] = os.pathsep.join(filter(None, [str(REPO.parents[2]), env.get('ANSIBLE_COLLECTIONS_PATH')]))
    proc = subprocess.run([command, 'pxe_servers', '-i', str(pxe_server.inventory), '-m', 'netboot.pxe.%s' % module,
                           '-a', json.dumps(args)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, check=False)
    (work_dir / ('%s.log' % module)).write_text(proc.stdout)
    return proc
