# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reliability table's rows and the pure checks behind them (no lab needed: test_suite_selftest.py tests them).

Every row names the checks its verdict rests on (column "checked", keys of CHECKS). "Nothing lost" (column
"kept") is filled, and counted in the totals, only where a snapshot comparison ran (SNAPSHOT_CHECKS); other
rows show "-" there, whatever else they checked.
"""

from __future__ import annotations

import dataclasses
import json
import re
import signal

# What each key of the "checked" column means; printed as the table's legend.
CHECKS = {
    'msg': "refused: non-zero exit, no traceback, the case's own text in a failed task's message (msg, or the stderr"
           " of the command that validated the file), never just anywhere in the output",
    'var': 'that message names the variable (or module option) the case set',
    'accepted': 'the run succeeds (exit 0): the value is one the server must take',
    'state': 'snapshot: type, mode, owner, size, link and sha256 of every file under /etc/netboot-pxe, the boot root,'
             " /var/lib/netboot-pxe and the nginx site; dnsmasq's and nginx's PIDs, states and start times; nginx's"
             ' workers: byte-identical before and after, and boot.ipxe over TFTP and HTTP equal to the file on disk',
    'files': 'snapshot of the files only (as in state: type, mode, owner, size, link, sha256), services left out'
             ' because the case restarts them on purpose',
    'back': 'the service has a new main PID, is active (and enabled), and serves the very boot.ipxe on disk',
    'signal': 'the signal reached a running ansible-playbook (SIGINT: exit 99 "User interrupted execution";'
              ' SIGTERM: killed by the signal) before its play recap',
    'converged': 'the rerun succeeds, a further rerun reports changed=0, the new boot script and lease time are served',
    'restart': 'the rerun restarted dnsmasq (new PID) and the new lease time is offered',
    'clean': 'a clear error (the reason, no traceback), no temporary file left',
    'retry': 'the same call succeeds once the cause is gone',
    'control': 'the refused request is paired with a control request that works, so a dead server cannot pass',
    'noleak': 'no content of a file outside the boot root in the reply',
    'observed': 'what the check observed on the server (processes, sockets, DHCP replies) is exactly what the case says',
    'sha256': 'every client booted and every file arrived with the sha256 it was served with',
    'measured': 'a measurement: reported, counted neither as passed nor failed; it fails only when it could not be taken as'
                ' configured or a client received a file that differs from what was served',
    'error': 'the test failed without recording a failing row of its own (it raised first): its exception',
}
SNAPSHOT_CHECKS = frozenset(['state', 'files'])


@dataclasses.dataclass
class Case:
    category: str
    name: str
    tried: str
    happened: str
    passed: bool | None  # None: a measurement
    nothing_lost: bool | None  # None: no snapshot comparison ran
    checked: str  # '+'-joined keys of CHECKS
    test: str  # the pytest node id
    error: bool = False

    @property
    def status(self):
        if self.error:
            return 'ERR'
        if self.passed is None:
            return 'meas'
        return 'yes' if self.passed else 'NO'


def checked_keys(checked):
    return [key for key in (checked or '').split('+') if key]


def make_case(category, name, tried, happened, passed, nothing_lost=None, checked=None, test=''):
    """One row. ``nothing_lost`` counts only with a snapshot check in ``checked``; otherwise the row shows '-'."""
    keys = checked_keys(checked)
    unknown = [key for key in keys if key not in CHECKS]
    if unknown:
        raise ValueError('unknown check(s) %s for case %r; known: %s' % (unknown, name, ', '.join(CHECKS)))
    snapshot = bool(SNAPSHOT_CHECKS.intersection(keys))
    return Case(category, name, tried, ' '.join(str(happened).split()), None if passed is None else bool(passed),
                bool(nothing_lost) if snapshot and nothing_lost is not None else None, '+'.join(keys) or '(unnamed)', test)


def error_case(category, name, test, when, exception):
    """The row of a case that raised before (or after, in teardown) recording its verdict."""
    text = ' '.join(str(exception).split())
    return Case(category, name, 'the test %s' % test, 'raised in %s: %s' % (when, text[:300]), False, None, 'error', test,
                error=True)


def needs_error_row(cases, nodeid, failed):
    """Whether a failed test (setup, call or teardown) needs an error row: it recorded no failing row of its own."""
    return failed and not any(case.test == nodeid and case.passed is False for case in cases)


def _cut(text, width):
    return text if len(text) <= width else text[:width - 1] + '~'


def summary_lines(cases):
    """The table: one row per case, the totals per category and overall, then the legend of the checks used."""
    lines = ['%-9s %-34s %-4s %-4s %-24s %s' % ('category', 'case', 'pass', 'kept', 'checked', 'tried -> happened')]
    for case in cases:
        kept = '-' if case.nothing_lost is None else ('yes' if case.nothing_lost else 'NO')
        lines.append('%-9s %-34s %-4s %-4s %-24s %s -> %s' % (case.category, _cut(case.name, 34), case.status, kept,
                                                              case.checked, case.tried, _cut(case.happened, 160)))
    lines.append('')
    lines.append('%-9s %6s %6s %6s %6s %6s %22s'
                 % ('category', 'tried', 'passed', 'failed', 'errors', 'meas.', 'nothing lost/snapshots'))
    categories = sorted({case.category for case in cases})
    for category in categories + ['all']:
        rows = [case for case in cases if category in ('all', case.category)]
        snapshots = [case for case in rows if case.nothing_lost is not None]
        lines.append('%-9s %6d %6d %6d %6d %6d %22s' % (
            category, len(rows), sum(case.status == 'yes' for case in rows), sum(case.status == 'NO' for case in rows),
            sum(case.error for case in rows), sum(case.status == 'meas' for case in rows),
            '%d/%d' % (sum(case.nothing_lost for case in snapshots), len(snapshots))))
    used = sorted({key for case in cases for key in checked_keys(case.checked) if key in CHECKS}, key=list(CHECKS).index)
    if used:
        lines.append('')
        lines.append('checked:')
        lines.extend('  %-9s %s' % (key, CHECKS[key]) for key in used)
    return lines


# --------------------------------------------------------------------------- what ansible printed

_FAILED = re.compile(r'^(?:fatal|failed): \[[^\]]*\](?:: FAILED!)? (?:\(item=.*?\) )?=> ', re.M)
_ADHOC_FAILED = re.compile(r'^\S+ \| FAILED!? => ', re.M)


def failures(output):
    """The results (dicts) of the failed tasks in ansible-playbook or ad-hoc ``ansible`` output, ignored ones left out."""
    found = []
    decoder = json.JSONDecoder()
    for pattern in (_FAILED, _ADHOC_FAILED):
        for match in pattern.finditer(output):
            try:
                result, end = decoder.raw_decode(output, match.end())
            except ValueError:
                continue
            if not isinstance(result, dict) or output[end:end + 40].lstrip().startswith('...ignoring'):
                continue
            found.append(result)
    return found


def failure_texts(result):
    """The texts of one failed result a refusal may be read from: its msg, and a validating command's stderr."""
    texts = [str(result.get('msg', ''))]
    if result.get('stderr'):
        texts.append(str(result['stderr']))
    return texts


def judge(output, returncode, message):
    """(passed, what happened) for a run that must be refused with ``message``.

    ``message`` is a text or a tuple of texts, all of which must be in one failed task's message (see CHECKS
    'msg'): a task title, a source line in an error's "Origin" excerpt or an argument-spec dump never count.
    """
    if returncode == 0:
        return False, 'accepted (exit 0)'
    if 'Traceback' in output:
        return False, 'traceback: %s' % first_error(output)
    texts = message if isinstance(message, tuple) else (message,)
    results = failures(output)
    for result in results:
        where = '\n'.join(failure_texts(result))
        if all(text in where for text in texts):
            return True, 'refused: %s' % excerpt(where, texts[0])
    if not results:
        return False, 'failed, but no failed task result found: %s' % first_error(output)
    return False, 'failed without %r in a failed task\'s message: %s' % (texts[0], ' '.join(failure_texts(results[-1]))[:300])


def excerpt(text, part, width=240):
    """``text`` (one line) from the last "failed: " before ``part`` (Ansible's prefixes cut off), at most ``width`` characters."""
    text = ' '.join(text.split())
    at = text.find(' '.join(part.split()))
    start = text.rfind('failed: ', 0, max(at, 0)) if at > 0 else -1
    return text[start + len('failed: ') if start >= 0 else max(at, 0):][:width]


def names_setting(message, settings):
    """The setting the expected ``message`` names (its first text starts with it, as in "server_hosts[2] (...): ..."), or None.

    Since judge() finds that text in the failed task's message, a case whose expected message names its
    setting checks that the refusal does.
    """
    first = message[0] if isinstance(message, tuple) else message
    for name in settings:
        # Ansible's own argument-spec check names it so.
        if first.startswith("argument '%s' " % name):
            return name
        if not first.startswith(name):
            continue
        rest = first[len(name):]
        # As a label ("name:", "name[1]", "name.key", "a, b: ...") or with its value ("name 'x'", "name (mac)"); a name
        # that is plainly a variable (with "_" or "[") also before a verb ("server_x must ..."), a word never
        # ("checksum mismatch" names no option).
        if re.match(r"""$|[:\[.,=]| [('"]""", rest) or (re.search(r'[_\[]', name) and rest.startswith(' ')):
            return name
    return None


def first_error(output):
    """The first line of the run's error message, for the summary."""
    for line in output.splitlines():
        if 'msg' in line or '[ERROR]' in line or 'FAILED' in line:
            return line.strip()
    return output.strip().splitlines()[-1] if output.strip() else '(no output)'


# --------------------------------------------------------------------------- interrupted runs

def interrupted(sig, sent_while_running, returncode, log_text):
    """(interrupted, why): did ``sig`` stop a running ansible-playbook before its play recap?

    SIGINT: ansible-playbook exits 99 and prints "User interrupted execution". SIGTERM: it passes the signal
    to its workers and dies of it (return code -15 from Popen). A run that ended before the signal was sent,
    or that printed its recap, was not interrupted.
    """
    if not sent_while_running:
        return False, 'the run had ended (rc %s) before the signal was due' % returncode
    if 'PLAY RECAP' in log_text:
        return False, 'the run reached its play recap (rc %s)' % returncode
    if sig == signal.SIGINT:
        ok = returncode == 99 and 'User interrupted execution' in log_text
    elif sig == signal.SIGTERM:
        ok = returncode == -signal.SIGTERM
    else:
        raise ValueError('unexpected signal %r' % (sig,))
    return ok, '%s: rc %s%s' % (signal.Signals(sig).name, returncode, '' if ok else ', not what the signal gives')
