# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the pxe_hosts module against the naive alternative, an ansible.builtin.template loop.

For each size (200, 1,000 and 10,000 hosts by default) each side writes every
host's files - hosts/<mac>.ipxe, pxelinux.cfg/01-<mac>, grub/grub.cfg-01-<mac> and
the dnsmasq dhcp-hostsdir reservation - into empty directories (cold), then runs
again with nothing to change (rerun). The module runs two ways: with the hosts as
its ``hosts`` list argument ("list": playbooks/module.yml) and with them in a YAML
file on the controller given as ``hosts_src`` ("file": playbooks/module_file.yml, the
way the module documentation recommends for thousands of hosts: its action plugin
ships the file only when the target's files need it; BENCH_HOSTS_FORMAT=json writes
JSON instead of YAML). All sides run one after the other in this one process run,
as ansible-playbook against localhost; after each run the trees must be byte for
byte identical, or the benchmark fails.

Times: the task time (from the task's start to its result, measured by the
bench_timer callback: the work itself, for "file" the shipping included)
and the playbook's wall time (adds
ansible-playbook's start-up, parsing and variable loading). Memory: the peak RSS
of the largest process of the ansible-playbook run (controller, worker or module),
from wait4(). The targets are checked against the task time: the 50x ratio
against both module paths, the 10,000-host targets against the file path (the
one a user with 10,000 hosts takes), the list path shown next to it.

The loop costs about 0.2 s per file, so by default it runs only up to
BENCH_LOOP_MAX hosts (1,000); larger sizes show an estimate from the largest
measured loop's rate per file, marked "est.". BENCH_FULL=1 runs it at every size.

Run from a collection tree (``make bench`` builds one): ``python bench/hosts_bench.py
[--sizes 200,1000,10000] [--loop-max N] [--full] [--results DIR]``; ``--profile N``
profiles the module in-process (cProfile) with N hosts instead.
"""

from __future__ import annotations

import argparse
import cProfile
import contextlib
import io
import json
import os
import pathlib
import pstats
import subprocess
import sys
import tempfile
import time

import yaml

HERE = pathlib.Path(__file__).resolve().parent
TREE_ROOT = HERE.parents[3]
if str(TREE_ROOT) not in sys.path:
    sys.path.insert(0, str(TREE_ROOT))

# pylint: disable=wrong-import-position
from ansible_collections.netboot.pxe.plugins.module_utils import _hosts, _server  # noqa: E402

HEADER = 'Managed by %s; edits are overwritten.' % _hosts.MARKER
# Format of the host file of the "file" path: yaml (hand-kept fleets) or json (generated ones; parses faster).
HOSTS_FORMAT = os.environ.get('BENCH_HOSTS_FORMAT', 'yaml')

# A realistic site: BIOS clients on PXELINUX, x86-64 UEFI on iPXE, arm64 UEFI on GRUB, so every
# host gets all three kinds of boot file; a /16 so 10,000 fixed addresses fit.
SETTINGS = {
    'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.80.0.1',
    'network': '10.80.0.0/16', 'ipxe_script_url': 'http://10.80.0.1/boot.ipxe', 'base_url': 'http://10.80.0.1',
    'architectures': ['bios', 'efi-x86_64', 'efi-arm64'],
    'boot_loaders': {'bios': 'pxelinux', 'efi-x86_64': 'ipxe', 'efi-arm64': 'grub'},
    'entries': [
        {'name': 'debian-12-amd64', 'title': 'Debian 12 installer (amd64)', 'kernel': 'debian/linux',
         'initrd': 'debian/initrd.gz', 'cmdline': {'priority': 'critical', 'auto': True, 'url': 'http://10.80.0.1/preseed.cfg'}},
        {'name': 'ubuntu-24.04-amd64', 'title': 'Ubuntu 24.04 autoinstall', 'kernel': 'ubuntu/vmlinuz',
         'initrd': 'ubuntu/initrd', 'cmdline': 'autoinstall ip=dhcp'},
        {'name': 'debian-12-arm64', 'title': 'Debian 12 installer (arm64)', 'kernel': 'debian-arm64/linux',
         'initrd': 'debian-arm64/initrd.gz', 'architectures': ['efi-arm64'], 'cmdline': 'priority=critical'},
        {'name': 'rescue', 'title': 'Rescue system', 'kernel': 'rescue/vmlinuz', 'initrd': ['rescue/initrd', 'rescue/modules'],
         'architectures': ['bios', 'efi-x86_64', 'efi-arm64'], 'cmdline': 'console=tty0 console=ttyS0,115200n8'},
    ],
    'default_entry': 'debian-12-amd64',
    'menu': {'title': 'Bench lab', 'timeout': 10, 'items': [
        {'text': 'Installers'}, {'entry': 'debian-12-amd64', 'key': 'd'}, {'entry': 'ubuntu-24.04-amd64', 'key': 'u'},
        {'entry': 'debian-12-arm64'},
        {'menu': 'Tools', 'key': 't', 'items': ['rescue']},
        {'local': True, 'key': 'l'}]},
}


def make_hosts(count):
    """``count`` hosts as an inventory would give them: mixed MAC spellings, entries, menus, command lines."""
    hosts = []
    for index in range(count):
        mac = '52:54:00:%02x:%02x:%02x' % ((index >> 16) & 0xff, (index >> 8) & 0xff, index & 0xff)
        if index % 10 == 3:
            mac = mac.replace(':', '-').upper()
        name = 'node%05d' % index
        host = {'mac': mac, 'ip': '10.80.%d.%d' % (1 + index // 250, 2 + index % 250), 'hostname': name}
        kind = index % 20
        if kind < 11:
            host['entry'] = 'debian-12-amd64'
        elif kind < 14:
            host['entry'] = 'ubuntu-24.04-amd64'
        elif kind < 16:
            host['entry'] = 'debian-12-arm64'
        elif kind == 16:
            host.update(entry='rescue', menu=True)
        elif kind == 17:
            host['entry'] = 'local'
        elif kind == 19:
            host.update(entry='debian-12-amd64', boot_once=True)
        # kind 18: no entry, the host gets the server's menu (only a reservation file).
        if host.get('entry') not in (None, 'local') and not host.get('menu'):
            if index % 3 == 0:
                host['cmdline'] = {'hostname': name, 'domain': 'lab.example'}
            elif index % 3 == 1:
                host['cmdline'] = 'console=ttyS0,115200n8'
        if index % 50 == 0:
            host['lease_time'] = '24h'
        hosts.append(host)
    return hosts


def _site():
    return _server.plan(SETTINGS)['site']


def _prepare(workdir, site, hosts, side):
    """Directories, site file and extra-vars file for one side ('module' or 'loop')."""
    root = workdir / side
    boot, dhcp = root / 'boot', root / 'dhcp'
    for path in (boot, dhcp):
        path.mkdir(parents=True)
    site_file = root / 'site.json'
    site_file.write_text(json.dumps({'site': site, 'boot_root': str(boot), 'dhcp_hosts_dir': str(dhcp), 'owner': '',
                                     'report_log': '', 'reload_service': ''}), encoding='utf-8')
    if side == 'module':
        data = {'bench_hosts': hosts, 'bench_site_file': str(site_file), 'bench_state_file': str(root / 'state.json')}
    elif side == 'module_file':
        # The fleet as a user keeps it: a file on the controller. Keys stay in the inventory's
        # order: a command line dict renders in its order.
        source = root / ('fleet.%s' % HOSTS_FORMAT)
        if HOSTS_FORMAT == 'json':
            text = json.dumps(hosts, indent=1)
        else:
            text = yaml.dump(hosts, Dumper=getattr(yaml, 'CSafeDumper', yaml.SafeDumper), default_flow_style=None, sort_keys=False)
        source.write_text(text, encoding='utf-8')
        data = {'bench_hosts_src': str(source), 'bench_site_file': str(site_file), 'bench_state_file': str(root / 'state.json')}
    else:
        # The loop gets the hosts validated the way the module validates them (normalized MAC,
        # rendered command line): templates have no validation of their own.
        valid = _hosts.validate(hosts, site)
        data = {'bench_site': site, 'bench_boot_root': str(boot), 'bench_dhcp_dir': str(dhcp),
                'bench_boot_hosts': [host for host in valid if _hosts.boots(host)],
                'bench_dhcp_hosts': [host for host in valid if host['ip'] or host['hostname'] or host['lease_time']]}
    vars_file = root / 'vars.json'
    vars_file.write_text(json.dumps(data), encoding='utf-8')
    return {'root': root, 'boot': boot, 'dhcp': dhcp, 'vars': vars_file}


def _env(timer):
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': str(TREE_ROOT),
        'ANSIBLE_CALLBACK_PLUGINS': str(HERE / 'callback_plugins'),
        'ANSIBLE_CALLBACKS_ENABLED': 'bench_timer',
        'BENCH_TIMER_OUT': str(timer),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_LOCALHOST_WARNING': 'False',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
    })
    env.pop('ANSIBLE_CONFIG', None)
    return env


def run_playbook(side, paths, log):
    """Run one playbook; return wall and task seconds, peak RSS (MiB) and whether a task reported a change."""
    timer = paths['root'] / 'timer.json'
    if timer.exists():
        timer.unlink()
    playbook = str(HERE / 'playbooks' / ('%s.yml' % side))
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), playbook, '-e', '@%s' % paths['vars']]
    with open(log, 'ab') as out:
        out.write(('\n### %s\n' % ' '.join(command)).encode('utf-8'))
        out.flush()
        started = time.monotonic()
        process = subprocess.Popen(command, env=_env(timer), cwd=str(paths['root']), stdout=out, stderr=subprocess.STDOUT)
        # wait4 returns the usage of this run's process tree only (ru_maxrss: its largest process).
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit('bench: %s playbook failed (rc %d); see %s' % (side, process.returncode, log))
    tasks = json.loads(timer.read_text(encoding='utf-8'))['tasks']
    return {'wall': wall, 'task': sum(task['seconds'] for task in tasks), 'rss': usage.ru_maxrss / 1024.0,
            'changed': any(task['changed'] for task in tasks)}


def snapshot(paths):
    """{(root, relative path): (content, mode)} of everything under the boot root and the dhcp dir."""
    found = {}
    for label in ('boot', 'dhcp'):
        base = paths[label]
        for directory, _dirs, names in os.walk(str(base)):
            for name in names:
                path = os.path.join(directory, name)
                with open(path, 'rb') as handle:
                    found[(label, os.path.relpath(path, str(base)))] = (handle.read(), os.stat(path).st_mode & 0o7777)
    return found


def compare(module_paths, loop_paths, what):
    left, right = snapshot(module_paths), snapshot(loop_paths)
    if left != right:
        only = sorted(set(left) ^ set(right))[:5]
        differ = sorted(key for key in set(left) & set(right) if left[key] != right[key])[:5]
        raise SystemExit('bench: FAILED - after the %s run the module and the loop wrote different trees: '
                         '%d vs %d files; only on one side: %s; different: %s'
                         % (what, len(left), len(right), only, differ))
    return len(left)


def run_size(count, run_loop, workdir, log):
    site = _site()
    hosts = make_hosts(count)
    base = workdir / ('n%d' % count)
    module_paths = _prepare(base, site, hosts, 'module')
    result = {'hosts': count}
    result['module_cold'] = run_playbook('module', module_paths, log)
    result['module_rerun'] = run_playbook('module', module_paths, log)
    if not result['module_cold']['changed'] or result['module_rerun']['changed']:
        raise SystemExit('bench: FAILED - the module changed nothing cold or something on the rerun (%d hosts)' % count)
    result['files'] = len(snapshot(module_paths))
    file_paths = _prepare(base, site, hosts, 'module_file')
    result['file_cold'] = run_playbook('module_file', file_paths, log)
    compare(module_paths, file_paths, 'cold (hosts_src)')
    result['file_rerun'] = run_playbook('module_file', file_paths, log)
    if not result['file_cold']['changed'] or result['file_rerun']['changed']:
        raise SystemExit('bench: FAILED - the module with hosts_src changed nothing cold or something on the rerun (%d hosts)' % count)
    compare(module_paths, file_paths, 'rerun (hosts_src)')
    if run_loop:
        loop_paths = _prepare(base, site, hosts, 'loop')
        result['loop_cold'] = run_playbook('loop', loop_paths, log)
        compare(module_paths, loop_paths, 'cold')
        result['loop_rerun'] = run_playbook('loop', loop_paths, log)
        if result['loop_rerun']['changed']:
            raise SystemExit('bench: FAILED - the loop changed something on the rerun (%d hosts)' % count)
        compare(module_paths, loop_paths, 'rerun')
    # Nothing is deleted until the end: removing tens of thousands of files would slow the next runs' disk.
    return result


def _estimate(results):
    """Loop seconds per file (task and wall, cold and rerun) from the largest size the loop ran at."""
    measured = [result for result in results if 'loop_cold' in result]
    if not measured:
        return None
    largest = max(measured, key=lambda result: result['hosts'])
    rate = {}
    for run in ('loop_cold', 'loop_rerun'):
        rate[run] = dict((key, largest[run][key] / largest['files']) for key in ('task', 'wall'))
    return largest['hosts'], rate


def _cell(run):
    return '%.2f / %.2f%s' % (run['task'], run['wall'], ' est.' if run.get('estimate') else '')


def _ratio(loop, module):
    text = '%.0fx / %.0fx' % (loop['task'] / module['task'], loop['wall'] / module['wall'])
    return text + (' est.' if loop.get('estimate') else '')


def _ratios(result, run):
    """Loop / module for one run kind, list path then file path."""
    return '%s; %s' % (_ratio(result['loop_' + run], result['module_' + run]), _ratio(result['loop_' + run], result['file_' + run]))


def report(results, loop_max):
    estimate = _estimate(results)
    for result in results:
        if 'loop_cold' not in result and estimate:
            for run in ('loop_cold', 'loop_rerun'):
                result[run] = dict((key, rate * result['files']) for key, rate in estimate[1][run].items())
                result[run].update(estimate=True, rss=None)
    head = ['hosts', 'files', 'list cold s', 'list rerun s', 'file cold s', 'file rerun s', 'loop cold s', 'loop rerun s',
            'ratio cold (list; file)', 'ratio rerun (list; file)', 'peak RSS MiB list / file / loop']
    rows = []
    for result in results:
        row = ['{:,}'.format(result['hosts']), '{:,}'.format(result['files'])]
        row += [_cell(result[run]) for run in ('module_cold', 'module_rerun', 'file_cold', 'file_rerun')]
        if 'loop_cold' in result:
            row += [_cell(result['loop_cold']), _cell(result['loop_rerun']), _ratios(result, 'cold'), _ratios(result, 'rerun')]
        else:
            row += ['not run'] * 4
        rss_loop = max(result['loop_cold']['rss'], result['loop_rerun']['rss']) if result.get('loop_cold', {}).get('rss') else None
        row += ['%.0f / %.0f / %s' % (max(result['module_cold']['rss'], result['module_rerun']['rss']),
                                      max(result['file_cold']['rss'], result['file_rerun']['rss']),
                                      'not run' if rss_loop is None else '%.0f' % rss_loop)]
        rows.append(row)
    lines = ['| %s |' % ' | '.join(head), '|' + '---|' * len(head)]
    lines += ['| %s |' % ' | '.join(row) for row in rows]
    lines.append('')
    lines.append('list: pxe_hosts with the hosts as its list argument; file: the hosts in a %s file on the controller given '
                 'as hosts_src (its action plugin ships the file only when the target needs it); loop: ansible.builtin.template loops.'
                 % HOSTS_FORMAT.upper())
    lines.append('Times: task s / playbook wall s (task: the tasks alone, bench_timer callback; wall: the whole '
                 'ansible-playbook run). Ratios: loop / module, task / wall. Peak RSS: largest process of the run.')
    if estimate:
        lines.append('"est.": the loop did not run at that size (it runs up to %s hosts; BENCH_FULL=1 runs it everywhere); '
                     'estimated from its seconds per file at %s hosts.' % ('{:,}'.format(loop_max), '{:,}'.format(estimate[0])))
    lines.append('')
    lines.append('Targets (module task time):')
    by_size = dict((result['hosts'], result) for result in results)
    lines += _targets(by_size)
    return '\n'.join(lines)


def _met(ok):
    return 'met' if ok else 'NOT MET'


def _targets(by_size):
    lines = []
    small = by_size.get(200)
    if small and 'loop_cold' in small:
        estimated = ' (ESTIMATE: the loop did not run at 200 hosts)' if small['loop_cold'].get('estimate') else ''
        for path, side in (('list', 'module'), ('hosts_src', 'file')):
            cold = small['loop_cold']['task'] / small[side + '_cold']['task']
            rerun = small['loop_rerun']['task'] / small[side + '_rerun']['task']
            lines.append('- module (%s) >= 50x faster than the loop at 200 hosts: cold %.0fx, rerun %.0fx - %s%s'
                         % (path, cold, rerun, _met(cold >= 50 and rerun >= 50), estimated))
    else:
        lines.append('- module >= 50x faster than the loop at 200 hosts: not measured (include 200 in the sizes)')
    big = by_size.get(10000)
    if big:
        cold, rerun = big['file_cold'], big['file_rerun']
        lines.append('- 10,000 hosts cold < 10 s (hosts_src): %.2f s (playbook wall %.2f s) - %s; list argument: %.2f s'
                     % (cold['task'], cold['wall'], _met(cold['task'] < 10), big['module_cold']['task']))
        lines.append('- 10,000 hosts no-change rerun < 2 s (hosts_src): %.2f s (playbook wall %.2f s) - %s; '
                     'list argument: %.2f s' % (rerun['task'], rerun['wall'], _met(rerun['task'] < 2), big['module_rerun']['task']))
    else:
        lines.append('- 10,000 hosts cold < 10 s, rerun < 2 s: not measured (include 10000 in the sizes)')
    return lines


def profile(count, top):
    """Profile pxe_hosts.main() in-process with ``count`` hosts, cold and rerun, as a list and from a file."""
    from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel
    from ansible_collections.netboot.pxe.plugins.modules import pxe_hosts  # pylint: disable=import-outside-toplevel

    site = _site()
    hosts = make_hosts(count)
    for path in ('list', 'hosts_file'):
        with tempfile.TemporaryDirectory(prefix='netboot-pxe-profile-') as tmp:
            paths = _prepare(pathlib.Path(tmp), site, hosts, 'module' if path == 'list' else 'module_file')
            args = {'exclusive': True, 'site': str(paths['root'] / 'site.json'), 'state_file': str(paths['root'] / 'state.json'),
                    'reload_service': ''}
            if path == 'list':
                args['hosts'] = hosts
            else:
                args['hosts_file'] = str(paths['root'] / ('fleet.%s' % HOSTS_FORMAT))
            for run in ('cold', 'rerun'):
                profiler = cProfile.Profile()
                started = time.monotonic()
                with patch_module_args(args), contextlib.redirect_stdout(io.StringIO()) as out:
                    profiler.enable()
                    try:
                        pxe_hosts.main()
                    except SystemExit:
                        pass
                    profiler.disable()
                seconds = time.monotonic() - started
                outcome = json.loads(out.getvalue())
                print('== %s, %s, %d hosts: %.2f s (profiled), written %d, unchanged %d, input_unchanged %s'
                      % (path, run, count, seconds, outcome.get('written_count', 0), outcome.get('unchanged', 0),
                         outcome.get('input_unchanged')))
                pstats.Stats(profiler, stream=sys.stdout).sort_stats('cumulative').print_stats(top)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--sizes', default=os.environ.get('BENCH_SIZES', '200,1000,10000'),
                        help='host counts, comma separated (env BENCH_SIZES)')
    parser.add_argument('--loop-max', type=int, default=int(os.environ.get('BENCH_LOOP_MAX', '1000')),
                        help='largest size the template loop runs at (env BENCH_LOOP_MAX)')
    parser.add_argument('--full', action='store_true', default=os.environ.get('BENCH_FULL') == '1',
                        help='run the loop at every size (env BENCH_FULL=1)')
    parser.add_argument('--results', default=os.environ.get('BENCH_RESULTS', str(HERE / 'results')),
                        help='where the table and the playbook logs go (env BENCH_RESULTS)')
    parser.add_argument('--profile', type=int, metavar='HOSTS', help='profile the module in-process instead')
    parser.add_argument('--top', type=int, default=30, help='functions shown by --profile')
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, args.top)
        return
    sizes = sorted(int(size.replace('_', '')) for size in args.sizes.split(',') if size.strip())
    results_dir = pathlib.Path(args.results)
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime('%Y%m%d-%H%M%S')
    log = results_dir / ('hosts-%s.log' % stamp)
    results = []
    with tempfile.TemporaryDirectory(prefix='netboot-pxe-bench-') as tmp:
        for count in sizes:
            run_loop = args.full or count <= args.loop_max
            print('bench: %s hosts (loop %s)...' % ('{:,}'.format(count), 'too' if run_loop else 'not run'), flush=True)
            results.append(run_size(count, run_loop, pathlib.Path(tmp), log))
        table = report(results, args.loop_max)
        print()
        print(table)
        (results_dir / ('hosts-%s.md' % stamp)).write_text(table + '\n', encoding='utf-8')
        print('\nbench: table in %s, playbook output in %s; removing the files...' % (results_dir / ('hosts-%s.md' % stamp), log),
              flush=True)


if __name__ == '__main__':
    main()
