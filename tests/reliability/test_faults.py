# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults: services killed, the server container restarted, the playbook interrupted, the disk full.

Each case breaks the running server the way real life does and checks that it comes back by itself
(or after a rerun of the playbook). Where the fault must leave the files alone (a killed service, a
restarted container, a full disk) a snapshot of them is compared ("nothing lost"); an interrupted run
changes them on purpose, so its rows check that the interruption happened and that the reruns converge.
Every case is recorded in the summary table before it is asserted.
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

import bad_input_lab
import cases
import server  # noqa: E402  (on sys.path by conftest)
from lab import netlab
from lanclient import LanClient  # noqa: E402

pytestmark = pytest.mark.reliability
CATEGORY = 'fault'

SERVER_IP = netlab.SERVER_IP
ATTEMPTS = 3  # runs per interrupt case: the signal comes at half the delay when a run ended before it
BACK_WITHIN = 10.0  # seconds; generous for a shared, noisy machine (RestartSec is 2 for dnsmasq, 1 for nginx)


def unit_state(pxe_server, unit):
    out = pxe_server.ssh('systemctl show -p MainPID -p ActiveState -p NRestarts -p UnitFileState %s' % unit)
    return dict(line.split('=', 1) for line in out.split())


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
    files_before = bad_input_lab.files_state(pxe_server)

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
    changed = bad_input_lab.differences(files_before, bad_input_lab.files_state(pxe_server))
    passed = back is not None and back <= BACK_WITHIN and not changed
    happened = ('new MainPID %s (was %d), %s, %s fetch of boot.ipxe intact after %.1f s'
                % (state.get('MainPID'), old_pid, state.get('ActiveState'), how.upper(), back) if back is not None
                else 'not back within 30 s: %s, last fetch %s' % (state, got))
    happened += '; files %s' % ('identical' if not changed else 'CHANGED: %s' % changed)
    record_case(CATEGORY, 'kill -9 %s' % unit, 'kill -9 main PID, poll unit + %s fetch' % how.upper(), happened, passed,
                nothing_lost=not changed, checked='back+files')
    assert passed, happened


def test_container_restart_comes_back(pxe_server, served, record_case):
    client = LanClient(pxe_server.lab)
    files_before = bad_input_lab.files_state(pxe_server)
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
    changed = bad_input_lab.differences(files_before, bad_input_lab.files_state(pxe_server))
    kept = not changed
    enabled = all(s.get('UnitFileState') == 'enabled' for s in states.values())
    ok = tftp.get('sha256') == digest and http.get('sha256') == digest
    happened = ('%s; TFTP %s, HTTP %s; serving %.1f s after the restart began (%.1f s until sshd); files %s'
                % (', '.join('%s %s/%s' % (u, s['ActiveState'], s.get('UnitFileState')) for u, s in states.items()),
                   'ok' if tftp.get('sha256') == digest else tftp.get('error'),
                   'ok' if http.get('sha256') == digest else http.get('error'),
                   serving, seconds, 'identical' if kept else 'CHANGED: %s' % changed))
    record_case(CATEGORY, 'container restart', 'podman restart of the server container', happened,
                ok and enabled and kept, nothing_lost=kept, checked='back+files')
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


def _interrupt(pxe_server, variables, log_path, delay, sig):
    """Start a changing run, send ``sig`` after ``delay`` s if it still runs; (sent while running, rc, log text)."""
    proc = _start_apply(pxe_server, variables, log_path)
    time.sleep(delay)
    running = proc.poll() is None
    if running:
        os.kill(proc.pid, sig)
    try:
        returncode = proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        returncode = proc.wait()
    return running, returncode, log_path.read_text()


def test_interrupted_playbook_rerun_converges(pxe_server, served, record_case, log_dir):
    """Interrupt a changing run at three moments (SIGINT, SIGINT, SIGTERM); the rerun converges, a further one changes nothing.

    Each run changes the lease time (dnsmasq config + restart handler, early in the run) and the boot token
    (boot script, late in the run). The signal must reach a running ansible-playbook and stop it before its
    recap (cases.interrupted); a run that ended first is tried again with the signal at half the delay, up to
    ATTEMPTS times, and the case fails if none was interrupted. Converged means: the offered lease and the
    served script are the new ones, and a further rerun reports changed=0.
    """
    client = LanClient(pxe_server.lab)
    # One full changing run measured, to place the interrupts at fractions of it.
    start = time.monotonic()
    pxe_server.apply(pxe_server.variables('faults-measure', server_lease_time='5h'))
    duration = time.monotonic() - start
    failures = []
    for index, (fraction, sig) in enumerate([(0.15, signal.SIGINT), (0.45, signal.SIGINT), (0.75, signal.SIGTERM)]):
        delay, tries = duration * fraction, []
        for attempt in range(ATTEMPTS):
            # A new token and lease time for every attempt, so each run has something to change.
            token, hours = 'faults-interrupt-%d-%d' % (index, attempt), 10 + index * ATTEMPTS + attempt
            variables = pxe_server.variables(token, server_lease_time='%dh' % hours)
            log_path = log_dir / ('interrupted-%d-%d.log' % (index, attempt))
            running, rc_interrupted, log_text = _interrupt(pxe_server, variables, log_path, delay, sig)
            stopped, why = cases.interrupted(sig, running, rc_interrupted, log_text)
            tries.append('%.0f s: %s, in task "%s"' % (delay, why, _last_task(log_text)))
            if stopped:
                break
            delay /= 2

        rerun = pxe_server.apply(variables, check=False)
        (log_dir / ('rerun-%d.log' % index)).write_text(rerun.stdout)
        again = pxe_server.apply(variables, check=False)
        (log_dir / ('again-%d.log' % index)).write_text(again.stdout)
        changed_again, failed_again = recap_changed(again.stdout)
        script = client.http_get('http://%s/boot.ipxe' % SERVER_IP)
        text, digest = boot_script(pxe_server)
        lease = _offered_lease(client)
        serving = script.get('sha256') == digest and token in text and lease == hours * 3600
        converged = rerun.returncode == 0 and again.returncode == 0 and changed_again == 0 and serving
        passed = stopped and converged
        happened = ('%s%s; rerun rc %d; further rerun rc %d changed=%s; serves the new script: %s, offers the new lease %sh: %s'
                    % ('; '.join(tries), '' if stopped else ' (NOT INTERRUPTED)', rerun.returncode, again.returncode,
                       changed_again, script.get('sha256') == digest and token in text, hours,
                       lease == hours * 3600 if lease else 'no offer'))
        record_case(CATEGORY, 'playbook %s at %d%%' % (signal.Signals(sig).name, fraction * 100),
                    'interrupt a changing run, rerun twice', happened, passed, checked='signal+converged')
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
    record_case(CATEGORY, 'config written, restart lost', 'new dnsmasq.conf on disk, dnsmasq started before it; rerun twice',
                happened, passed, checked='restart')
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
        'sha256sum %s | cut -d" " -f1' % src,
    ])
    new_sum = pxe_server.ssh(setup).strip()
    try:
        files_before = bad_input_lab.files_state(pxe_server, mount)
        cmd = [os.path.join(os.path.dirname(sys.executable), 'ansible'), '-i', str(pxe_server.inventory), 'pxe-server',
               '-m', 'netboot.pxe.boot_artifact',
               '-a', 'src=%s dest=%s/linux checksum=sha256:%s' % (src, mount, new_sum)]
        env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_HOST_KEY_CHECKING='False')
        if server.REPO.parent.parent.name == 'ansible_collections':
            env['ANSIBLE_COLLECTIONS_PATH'] = os.pathsep.join(filter(None, [str(server.REPO.parents[2]), env.get('ANSIBLE_COLLECTIONS_PATH')]))
        full = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        (log_dir / 'disk-full.log').write_text(full.stdout + full.stderr)
        # The snapshot of the tmpfs: the old file byte-identical, and no temporary file (nor anything else) left.
        changed = bad_input_lab.differences(files_before, bad_input_lab.files_state(pxe_server, mount))
        results = cases.failures(full.stdout)
        message = str(results[0].get('msg')) if results else full.stdout[-300:]
        clear = full.returncode != 0 and 'No space left on device' in message and 'Traceback' not in full.stdout
        passed = clear and not changed
        record_case(CATEGORY, 'disk full staging an artifact', 'boot_artifact 1.5 MB into a full 2 MiB tmpfs',
                    'rc %d: %s; the tmpfs %s' % (full.returncode, message, 'identical' if not changed else 'CHANGED: %s' % changed),
                    passed, nothing_lost=not changed, checked='clean+files')
        assert passed, full.stdout

        # The same task succeeds once there is room: it was the disk, not the task.
        pxe_server.ssh('rm -f %s/filler' % mount)
        room = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        now = pxe_server.ssh('sha256sum %s/linux | cut -d" " -f1' % mount).strip()
        record_case(CATEGORY, 'same artifact with room again', 'rerun after freeing the space',
                    'rc %d, dest now has the new checksum: %s' % (room.returncode, now == new_sum),
                    room.returncode == 0 and now == new_sum, checked='retry')
        assert room.returncode == 0 and now == new_sum, room.stdout
    finally:
        pxe_server.ssh('umount %s; rmdir %s; rm -f %s' % (shlex.quote(mount), shlex.quote(mount), shlex.quote(src)))
