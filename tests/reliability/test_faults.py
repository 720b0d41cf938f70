# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults: services killed, the server container restarted, the playbook interrupted, the disk full.

Each case breaks the running server the way real life does and checks that it comes back by itself
(or after a rerun of the playbook) and that nothing that worked was lost. Every case is recorded in
the summary table before it is asserted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import pytest

import server  # noqa: E402  (on sys.path by conftest)
from lab import netlab
from lanclient import LanClient  # noqa: E402

pytestmark = pytest.mark.reliability

SERVER_IP = netlab.SERVER_IP
# What a restart must not change: the configs the roles wrote and the boot root.
KEPT = '/etc/netboot-pxe /etc/nginx/sites-available /etc/systemd/system/netboot-pxe-dnsmasq.service /srv/netboot'
BACK_WITHIN = 10.0  # seconds; generous for a shared, noisy machine (RestartSec is 2 for dnsmasq, 1 for nginx)


def unit_state(pxe_server, unit):
    out = pxe_server.ssh('systemctl show -p MainPID -p ActiveState -p NRestarts -p UnitFileState %s' % unit)
    return dict(line.split('=', 1) for line in out.split())


def tree_digest(pxe_server):
    """sha256 of every file under KEPT, one line each (what a fault must not change)."""
    return pxe_server.ssh('find %s -type f -print0 | sort -z | xargs -0 sha256sum' % KEPT)


def boot_script(pxe_server):
    text = pxe_server.ssh('cat /srv/netboot/boot.ipxe')
    return text, hashlib.sha256(text.encode()).hexdigest()


def fetch(client, how):
    if how == 'tftp':
        return client.tftp_read(SERVER_IP, 'boot.ipxe', timeout=1.0, retries=1)
    return client.http_get('http://%s/boot.ipxe' % SERVER_IP, timeout=2.0)


def recap_changed(output):
    match = re.search(r'pxe-server\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', output)
    return (int(match.group(1)), int(match.group(3))) if match else (None, None)


@pytest.fixture(scope='module')
def served(pxe_server):
    """The server applied once for this module; the boot script's digest is what every fetch must return."""
    variables = pxe_server.variables('faults-base')
    pxe_server.apply(variables)
    return variables


@pytest.mark.parametrize('unit,how', [('netboot-pxe-dnsmasq', 'tftp'), ('nginx', 'http')])
def test_killed_service_comes_back(pxe_server, served, record_case, unit, how):
    client = LanClient(pxe_server.lab)
    _text, digest = boot_script(pxe_server)
    before = unit_state(pxe_server, unit)
    old_pid = int(before['MainPID'])
    assert before['ActiveState'] == 'active' and old_pid > 0, before
    first = fetch(client, how)
    assert first.get('sha256') == digest, ('not serving before the fault', first, _text)

    pxe_server.ssh('kill -9 %d' % old_pid)
    start = time.monotonic()
    back, state, got = None, {}, {}
    while time.monotonic() - start < 30:
        state = unit_state(pxe_server, unit)
        if state['ActiveState'] == 'active' and int(state['MainPID']) not in (0, old_pid):
            got = fetch(client, how)
            if got.get('sha256') == digest:
                back = time.monotonic() - start
                break
        time.sleep(0.2)
    passed = back is not None and back <= BACK_WITHIN
    happened = ('new MainPID %s (was %d), %s, %s fetch of boot.ipxe intact after %.1f s'
                % (state.get('MainPID'), old_pid, state.get('ActiveState'), how.upper(), back) if back is not None
                else 'not back within 30 s: %s, last fetch %s' % (state, got))
    record_case('fault', 'kill -9 %s' % unit, 'kill -9 main PID, poll unit + %s fetch' % how.upper(), happened, passed,
                nothing_lost=back is not None)
    assert passed, happened


def test_container_restart_comes_back(pxe_server, served, record_case):
    client = LanClient(pxe_server.lab)
    kept_before = tree_digest(pxe_server)
    _text, digest = boot_script(pxe_server)
    seconds = netlab.container_restart(pxe_server.lab)
    start = time.monotonic()
    states, tftp, http = {}, {}, {}
    while time.monotonic() - start < 60:
        states = {unit: unit_state(pxe_server, unit) for unit in ('netboot-pxe-dnsmasq', 'nginx')}
        if all(s['ActiveState'] == 'active' for s in states.values()):
            tftp, http = fetch(client, 'tftp'), fetch(client, 'http')
            if tftp.get('sha256') == digest and http.get('sha256') == digest:
                break
        time.sleep(1)
    serving = time.monotonic() - start + seconds
    kept = tree_digest(pxe_server) == kept_before
    enabled = all(s.get('UnitFileState') == 'enabled' for s in states.values())
    ok = tftp.get('sha256') == digest and http.get('sha256') == digest
    happened = ('%s; TFTP %s, HTTP %s; serving %.1f s after the restart began (%.1f s until sshd); configs and boot root %s'
                % (', '.join('%s %s/%s' % (u, s['ActiveState'], s.get('UnitFileState')) for u, s in states.items()),
                   'ok' if tftp.get('sha256') == digest else tftp.get('error'),
                   'ok' if http.get('sha256') == digest else http.get('error'),
                   serving, seconds, 'identical' if kept else 'CHANGED'))
    record_case('fault', 'container restart', 'podman restart of the server container', happened,
                ok and enabled and kept, nothing_lost=kept and ok)
    assert ok and enabled and kept, happened


def _start_apply(pxe_server, variables, log_path):
    """ansible-playbook as PxeServer.apply runs it, but in the background: returns the Popen (we own its PID)."""
    vars_file = log_path.with_suffix('.json')
    vars_file.write_text(json.dumps(variables, indent=2))
    playbook_cmd = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', ANSIBLE_HOST_KEY_CHECKING='False')
    if server.REPO.parent.parent.name == 'ansible_collections':
        env['ANSIBLE_COLLECTIONS_PATH'] = os.pathsep.join(filter(None, [str(server.REPO.parents[2]), env.get('ANSIBLE_COLLECTIONS_PATH')]))
    with open(log_path, 'w') as log:
        return subprocess.Popen([playbook_cmd, '-i', str(pxe_server.inventory), str(server.PLAYBOOK), '-e', '@%s' % vars_file],
                                stdout=log, stderr=subprocess.STDOUT, env=env)


def _last_task(log_text):
    tasks = re.findall(r'^TASK \[(.*?)\]', log_text, re.M)
    return tasks[-1] if tasks else '(before the first task)'


def _offered_lease(client):
    got = client.dhcp('52:54:00:fa:17:01')
    offers = [r for r in got.get('replies', []) if r.get('yiaddr') not in (None, '0.0.0.0')]
    return offers[0].get('lease_time') if offers else None


def test_interrupted_playbook_rerun_converges(pxe_server, served, record_case, log_dir):
    """Interrupt a changing run at three moments (SIGINT, SIGINT, SIGTERM); the rerun converges, a further one changes nothing.

    Each run changes the lease time (dnsmasq config + restart handler, early in the run) and the boot token
    (boot script, late in the run). Converged means: the offered lease and the served script are the new ones.
    """
    client = LanClient(pxe_server.lab)
    # One full changing run measured, to place the interrupts at fractions of it.
    start = time.monotonic()
    pxe_server.apply(pxe_server.variables('faults-measure', server_lease_time='5h'))
    duration = time.monotonic() - start
    failures = []
    for index, (fraction, sig) in enumerate([(0.15, signal.SIGINT), (0.45, signal.SIGINT), (0.75, signal.SIGTERM)]):
        token = 'faults-interrupt-%d' % index
        hours = index + 1
        variables = pxe_server.variables(token, server_lease_time='%dh' % hours)
        log_path = log_dir / ('interrupted-%d.log' % index)
        proc = _start_apply(pxe_server, variables, log_path)
        time.sleep(duration * fraction)
        if proc.poll() is None:
            os.kill(proc.pid, sig)
        try:
            rc_interrupted = proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            rc_interrupted = proc.wait()
        where = _last_task(log_path.read_text())

        rerun = pxe_server.apply(variables, check=False)
        (log_dir / ('rerun-%d.log' % index)).write_text(rerun.stdout)
        again = pxe_server.apply(variables, check=False)
        (log_dir / ('again-%d.log' % index)).write_text(again.stdout)
        changed_again, failed_again = recap_changed(again.stdout)
        script = client.http_get('http://%s/boot.ipxe' % SERVER_IP)
        text, digest = boot_script(pxe_server)
        lease = _offered_lease(client)
        serving = script.get('sha256') == digest and token in text and lease == hours * 3600
        passed = rerun.returncode == 0 and again.returncode == 0 and changed_again == 0 and serving
        happened = ('%s at %.0f s in task "%s" (rc %d); rerun rc %d; further rerun rc %d changed=%s; '
                    'serves the new script: %s, offers the new lease %sh: %s'
                    % (signal.Signals(sig).name, duration * fraction, where, rc_interrupted, rerun.returncode,
                       again.returncode, changed_again, script.get('sha256') == digest and token in text, hours,
                       lease == hours * 3600 if lease else 'no offer'))
        record_case('fault', 'playbook %s at %d%%' % (signal.Signals(sig).name, fraction * 100),
                    'interrupt a changing run, rerun twice', happened, passed, nothing_lost=serving)
        if not passed:
            failures.append(happened)
        assert failed_again in (0, None)
    assert not failures, failures


def test_config_written_but_not_applied_is_applied_by_the_rerun(pxe_server, served, record_case, log_dir):
    """The state a run interrupted between the dnsmasq config write and its restart handler leaves behind,
    made deterministic: the new config on disk, dnsmasq started before it was written and running the old one.
    The rerun, which finds the config unchanged, must still restart dnsmasq; a further rerun changes nothing.
    """
    client = LanClient(pxe_server.lab)
    conf = '/etc/netboot-pxe/dnsmasq.conf'
    old, new = pxe_server.variables('faults-unapplied', server_lease_time='7h'), pxe_server.variables('faults-unapplied', server_lease_time='8h')
    pxe_server.apply(old)
    pxe_server.ssh('cp %s /root/dnsmasq.conf.old' % conf)
    pxe_server.apply(new)
    pxe_server.ssh('cp %s /root/dnsmasq.conf.new && cp /root/dnsmasq.conf.old %s && systemctl restart netboot-pxe-dnsmasq '
                   '&& sleep 0.2 && cp /root/dnsmasq.conf.new %s && rm /root/dnsmasq.conf.old /root/dnsmasq.conf.new' % (conf, conf, conf))
    stale = _offered_lease(client)
    pid = unit_state(pxe_server, 'netboot-pxe-dnsmasq')['MainPID']
    rerun = pxe_server.apply(new, check=False)
    (log_dir / 'rerun.log').write_text(rerun.stdout)
    restarted = unit_state(pxe_server, 'netboot-pxe-dnsmasq')['MainPID'] != pid
    lease = _offered_lease(client)
    again = pxe_server.apply(new, check=False)
    (log_dir / 'again.log').write_text(again.stdout)
    changed_again, _failed = recap_changed(again.stdout)
    passed = stale == 7 * 3600 and rerun.returncode == 0 and restarted and lease == 8 * 3600 and changed_again == 0
    happened = ('before the rerun dnsmasq offered %s s (old config running); rerun rc %d, dnsmasq restarted: %s, now offers %s s; '
                'further rerun changed=%s' % (stale, rerun.returncode, restarted, lease, changed_again))
    record_case('fault', 'config written, restart lost', 'new dnsmasq.conf on disk, dnsmasq started before it; rerun twice',
                happened, passed, nothing_lost=lease in (7 * 3600, 8 * 3600))
    assert passed, happened


def test_disk_full_while_staging_artifact(pxe_server, served, record_case, log_dir):
    """boot_artifact into a full 2 MiB tmpfs: a clear error, the old file byte-identical, no temporary file left."""
    mount = '/mnt/netboot-pxe-full'
    src = '/root/netboot-pxe-new-kernel'
    setup = ' && '.join([
        'mkdir -p %s' % mount,
        '(mountpoint -q %s || mount -t tmpfs -o size=2m netboot-pxe-full %s)' % (mount, mount),
        'rm -f %s/*' % mount,
        'head -c 300000 /dev/urandom > %s/linux' % mount,
        'head -c 1500000 /dev/urandom > %s' % src,
        '(dd if=/dev/zero of=%s/filler bs=64k 2>/dev/null || true)' % mount,
        'sha256sum %s/linux %s | cut -d" " -f1' % (mount, src),
    ])
    old_sum, new_sum = pxe_server.ssh(setup).split()
    try:
        cmd = [os.path.join(os.path.dirname(sys.executable), 'ansible'), '-i', str(pxe_server.inventory), 'pxe-server',
               '-m', 'netboot.pxe.boot_artifact',
               '-a', 'src=%s dest=%s/linux checksum=sha256:%s' % (src, mount, new_sum)]
        env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_HOST_KEY_CHECKING='False')
        if server.REPO.parent.parent.name == 'ansible_collections':
            env['ANSIBLE_COLLECTIONS_PATH'] = os.pathsep.join(filter(None, [str(server.REPO.parents[2]), env.get('ANSIBLE_COLLECTIONS_PATH')]))
        full = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        (log_dir / 'disk-full.log').write_text(full.stdout + full.stderr)
        after = pxe_server.ssh('sha256sum %s/linux | cut -d" " -f1; ls -A %s' % (mount, mount)).split()
        message = re.search(r'"msg": "([^"]*)"', full.stdout)
        message = message.group(1) if message else full.stdout[-300:]
        intact = after[0] == old_sum
        leftovers = sorted(set(after[1:]) - {'linux', 'filler'})
        clear = full.returncode != 0 and 'No space left on device' in message and 'Traceback' not in full.stdout
        passed = clear and intact and not leftovers
        record_case('fault', 'disk full staging an artifact', 'boot_artifact 1.5 MB into a full 2 MiB tmpfs',
                    'rc %d: %s; old file %s; left behind: %s' % (full.returncode, message, 'identical' if intact else 'CHANGED',
                                                                 leftovers or 'nothing'),
                    passed, nothing_lost=intact)
        assert passed, full.stdout

        # The same task succeeds once there is room: it was the disk, not the task.
        pxe_server.ssh('rm -f %s/filler' % mount)
        room = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        now = pxe_server.ssh('sha256sum %s/linux | cut -d" " -f1' % mount).strip()
        record_case('fault', 'same artifact with room again', 'rerun after freeing the space',
                    'rc %d, dest now has the new checksum: %s' % (room.returncode, now == new_sum),
                    room.returncode == 0 and now == new_sum, nothing_lost=None)
        assert room.returncode == 0 and now == new_sum, room.stdout
    finally:
        pxe_server.ssh('umount %s; rmdir %s; rm -f %s' % (shlex.quote(mount), shlex.quote(mount), shlex.quote(src)))
