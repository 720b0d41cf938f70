# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: playbooks/pxe_server.yml on the lab server, this tree beside an older commit of the collection.

Each side gets a fresh server container (the lab image, nothing of the collection's installed yet) and
three runs of the collection's own playbook with the lab's variables and one boot entry:

  cold    the first converge (packages, boot files, services, configurations)
  rerun   the same variables again: nothing to change
  title   one entry's title changed: the loader configurations change, nothing else

and the table prints, per run, the playbook's wall seconds, the tasks it ran (ok + skipped + failed from
the recap), how many changed, and the ratio older / this tree. The sides run one after the other in one
invocation, ``--runs`` times interleaved (baseline, this tree, baseline, ...), so both meet the same load;
the median of the runs is shown. The older side is ``--baseline`` (a commit of ``--repo``), unpacked
with ``git archive`` into a temporary collection tree.

Targets (issue 13, the 2-core machine): rerun <= 10 s and >= 3.5x faster than the baseline, cold <= 30 s,
title <= 12 s; each printed as "met" or "NOT MET" (a missed target is reported, not an error; a failed
playbook is an error).

Run from a collection tree (``make bench-converge`` builds one and passes ``--repo``), as root:
``python bench/converge_bench.py --repo CHECKOUT [--baseline REF] [--runs 1] [--keep] [--results DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent  # this collection (tree or checkout)
for _path in (ROOT / 'tests' / 'e2e', ROOT / 'tests'):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

# pylint: disable=wrong-import-position
from harness import assets  # noqa: E402
from lab import netlab  # noqa: E402
import server  # noqa: E402

PHASES = ('cold', 'rerun', 'title')
TARGET_SECONDS = {'cold': 30.0, 'rerun': 10.0, 'title': 12.0}
RERUN_SPEEDUP = 3.5
# The commit before issue 13's work: "today's main" when the issue was filed.
DEFAULT_BASELINE = '30c52bf'
_RECAP = re.compile(r'^\S+\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)', re.M)


def collection_tree(repo, ref, dest):
    """``ref`` of ``repo`` as DEST/ansible_collections/netboot/pxe; returns DEST (the collections path)."""
    tree = pathlib.Path(dest) / 'ansible_collections' / 'netboot' / 'pxe'
    tree.mkdir(parents=True)
    archive = subprocess.run(['git', '-C', str(repo), 'archive', '--format=tar', ref], stdout=subprocess.PIPE, check=True)
    subprocess.run(['tar', '-C', str(tree), '-xf', '-'], input=archive.stdout, check=True)
    return pathlib.Path(dest)


def variables(kernel, initrd, title):
    data = dict(server.LAB_VARS)
    data['server_entries'] = [{'name': 'bench', 'title': title, 'kernel': str(kernel), 'initrd': str(initrd),
                               'cmdline': {'console': 'ttyS0', 'quiet': True}}]
    data['server_default_entry'] = 'bench'
    return data


def play(collections, inventory, data, log):
    """One ansible-playbook run of the side's own playbook; returns {seconds, tasks, changed}."""
    vars_file = log.with_suffix('.vars.json')
    vars_file.write_text(json.dumps(data, indent=2))
    playbook = collections / 'ansible_collections' / 'netboot' / 'pxe' / 'playbooks' / 'pxe_server.yml'
    binary = shutil.which('ansible-playbook', path=os.path.dirname(sys.executable)) or 'ansible-playbook'
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', ANSIBLE_HOST_KEY_CHECKING='False',
               ANSIBLE_COLLECTIONS_PATH=str(collections))
    start = time.monotonic()
    proc = subprocess.run([binary, '-i', str(inventory), str(playbook), '-e', '@%s' % vars_file],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, check=False)
    seconds = time.monotonic() - start
    log.write_text(proc.stdout)
    recap = _RECAP.search(proc.stdout)
    if proc.returncode != 0 or not recap:
        raise RuntimeError('ansible-playbook failed (%d), see %s:\n%s' % (proc.returncode, log, proc.stdout[-3000:]))
    ok, changed, _unreachable, failed, skipped = (int(value) for value in recap.groups())
    return {'seconds': round(seconds, 2), 'tasks': ok + skipped + failed, 'changed': changed}


def side(lab, image, collections, kernel, initrd, logs):
    """A fresh container, then cold, rerun and title runs: {phase: result}."""
    netlab.container_up(lab, image)
    inventory = netlab.inventory(lab, logs / 'inventory.json')
    results = {}
    for phase in PHASES:
        title = 'Converge bench, %s' % ('title changed' if phase == 'title' else 'first title')
        results[phase] = play(collections, inventory, variables(kernel, initrd, title), logs / ('%s.log' % phase))
    if results['rerun']['changed'] or not results['title']['changed']:
        raise RuntimeError('%s: the rerun changed %d tasks and the title run %d; expected 0 and more than 0'
                           % (collections, results['rerun']['changed'], results['title']['changed']))
    return results


def table(runs, base_ref):
    names = {'baseline': 'baseline %s' % base_ref, 'current': 'this tree'}
    lines = ['%-6s %-22s %9s %7s %8s' % ('run', 'side', 'seconds', 'tasks', 'changed')]
    medians = {}
    for phase in PHASES:
        for key in ('baseline', 'current'):
            rows = [run[key][phase] for run in runs]
            medians[key, phase] = statistics.median(row['seconds'] for row in rows)
            lines.append('%-6s %-22s %9.2f %7d %8d' % (phase, names[key], medians[key, phase], rows[-1]['tasks'],
                                                       rows[-1]['changed']))
        lines.append('%-6s %-22s %8.2fx' % (phase, 'baseline / this tree', medians['baseline', phase] / medians['current', phase]))
    lines.append('')
    for phase in PHASES:
        value = medians['current', phase]
        verdict = 'met' if value <= TARGET_SECONDS[phase] else 'NOT MET'
        lines.append('%s: %.2f s (target <= %.0f s): %s' % (phase, value, TARGET_SECONDS[phase], verdict))
    speedup = medians['baseline', 'rerun'] / medians['current', 'rerun']
    lines.append('rerun speed-up: %.2fx (target >= %.1fx): %s' % (speedup, RERUN_SPEEDUP,
                                                                  'met' if speedup >= RERUN_SPEEDUP else 'NOT MET'))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--repo', type=pathlib.Path, required=True, help='the git checkout holding --baseline')
    parser.add_argument('--baseline', default=os.environ.get('BENCH_CONVERGE_BASE', DEFAULT_BASELINE))
    parser.add_argument('--runs', type=int, default=int(os.environ.get('BENCH_CONVERGE_RUNS', '1')))
    parser.add_argument('--lab', default=os.environ.get('BENCH_LAB', 'cvg'))
    parser.add_argument('--octet', type=int, default=int(os.environ.get('BENCH_LAB_OCTET', '233')))
    parser.add_argument('--keep', action='store_true', help='leave the lab up afterwards')
    parser.add_argument('--results', type=pathlib.Path, default=pathlib.Path(os.environ.get('BENCH_RESULTS', 'bench-results')))
    args = parser.parse_args(argv)
    args.results.mkdir(parents=True, exist_ok=True)
    base_ref = subprocess.run(['git', '-C', str(args.repo), 'rev-parse', '--short', args.baseline], stdout=subprocess.PIPE,
                              text=True, check=True).stdout.strip()
    started = time.time()
    lab = netlab.Lab(name=args.lab, mgmt_octet=args.octet)
    assets.ensure_host_packages()
    kernel, initrd = assets.kernel(), assets.initramfs()
    runs = []
    with tempfile.TemporaryDirectory(prefix='converge-bench-') as tmp:
        sides = {'baseline': collection_tree(args.repo, base_ref, pathlib.Path(tmp) / 'baseline'),
                 'current': ROOT.parents[2] if ROOT.parent.parent.name == 'ansible_collections'
                 else collection_tree(args.repo, 'HEAD', pathlib.Path(tmp) / 'current')}
        try:
            netlab.ensure_host_packages()
            image = netlab.ensure_image()
            netlab.network_up(lab)
            for index in range(args.runs):
                run = {}
                for key in ('baseline', 'current'):
                    logs = args.results / 'converge' / ('%d-%s' % (index + 1, key))
                    logs.mkdir(parents=True, exist_ok=True)
                    run[key] = side(lab, image, sides[key], kernel, initrd, logs)
                runs.append(run)
        finally:
            if not args.keep:
                netlab.down(lab)
    lines = table(runs, base_ref)
    load = os.getloadavg()
    lines.insert(0, 'converge: playbooks/pxe_server.yml on a fresh lab container, %d run(s) per side, medians; %s; '
                    'load average %.2f %.2f %.2f at the end' % (args.runs, time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started)),
                                                                load[0], load[1], load[2]))
    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    (args.results / 'converge.txt').write_text(text)
    (args.results / 'converge.json').write_text(json.dumps(runs, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
